"""Real services for the tasks: SMTP servers (aiosmtpd), a Prefect test server, and complaints
carried through every step of the process.

Each SMTP fixture is an aiosmtpd ``Controller`` on 127.0.0.1 and a free port chosen first
(aiosmtpd cannot use port 0). The handler records what it accepted, including whether the
session was encrypted, so a test can assert what a real server received.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from config.settings import Settings, get_settings
from tests.support.postgres import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    encrypted: bool


@dataclass
class RecordingHandler:
    """Accepts (or, with ``reply``, refuses) every message and remembers it."""

    reply: str = "250 Message accepted for delivery"
    unknown_mailboxes: set[str] = field(default_factory=set)
    messages: list[Received] = field(default_factory=list)
    data_commands: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.unknown_mailboxes:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # the name aiosmtpd calls
        self.data_commands += 1
        if self.reply.startswith("250"):
            self.messages.append(
                Received(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    message=message_from_bytes(envelope.original_content, policy=default_policy),
                    encrypted=session.ssl is not None,
                )
            )
        return self.reply


@dataclass
class SmtpServer:
    port: int
    handler: RecordingHandler

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


def _serve(handler: RecordingHandler, **options: object) -> Iterator[SmtpServer]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield SmtpServer(port=port, handler=handler)
    finally:
        controller.stop()


def point_mail_at(monkeypatch: pytest.MonkeyPatch, port: int, **extra: str) -> Settings:
    """The system's settings sending to 127.0.0.1:``port`` with a short timeout."""
    monkeypatch.setenv("COMPLAINTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COMPLAINTS_SMTP_PORT", str(port))
    monkeypatch.setenv("COMPLAINTS_SMTP_TIMEOUT", "3")
    for name, value in extra.items():
        monkeypatch.setenv(f"COMPLAINTS_{name.upper()}", value)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server that accepts everything."""
    yield from _serve(RecordingHandler())


@pytest.fixture
def refusing_smtp_server() -> Iterator[SmtpServer]:
    """A server that refuses every message with a permanent error, quoting the address."""
    yield from _serve(RecordingHandler(reply="550 5.7.1 <someone@example.test> message refused"))


@pytest.fixture
def deferring_smtp_server() -> Iterator[SmtpServer]:
    """A server that answers every message with a temporary error, quoting the address."""
    yield from _serve(RecordingHandler(reply="451 4.3.0 <someone@example.test> busy, try later"))


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def starttls_smtp_server(tls_certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """A server that insists on STARTTLS before anything else, with the self-signed certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_certificate)
    yield from _serve(RecordingHandler(), tls_context=context, require_starttls=True)

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
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy.orm import Session

from complaints.settings import Settings, get_settings
from models.complaint import (
    Assignment,
    Complaint,
    CustomerFeedback,
    LeadershipReview,
    MajorDecision,
    Resolution,
    Verification,
    WrittenRecord,
)
from models.directory import department_by_code
from models.people import User
from policy.enums import Department, Role, Stage
from tests.models.factories import NOW, make_complaint
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


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A throwaway Prefect server for the whole session (10–15 s to start)."""
    with prefect_test_harness(server_startup_timeout=60):
        yield


# Complaints at later steps ------------------------------------------------------------------


@dataclass
class Cast:
    """The people around one complaint."""

    owner: User
    manager: User
    superior: User
    handler: User
    leader: User
    compliance: User


def make_staff(
    session: Session,
    username: str,
    display_name: str,
    role: Role,
    department: Department | None = Department.wealth_center,
    superior: User | None = None,
) -> User:
    """A user row without a usable password (hashing one costs ~0.15 s; these never log in)."""
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        department=department_by_code(session, department) if department else None,
        superior=superior,
        email=f"{username}@example.test",
        password_hash="!",
    )
    session.add(user)
    return user


def make_cast(session: Session) -> Cast:
    """Department staff with a manager and superior, and leadership and compliance users."""
    manager = make_staff(session, "wang_manager", "王经理", Role.manager)
    session.flush()  # the first manager of the department is the one who gets its notices
    superior = make_staff(session, "zhao_superior", "赵主任", Role.manager)
    owner = make_staff(session, "li_owner", "李首问", Role.staff, superior=superior)
    handler = make_staff(session, "chen_handler", "陈处理", Role.staff)
    leader = make_staff(session, "liu_leader", "刘总", Role.leadership, department=None)
    compliance = make_staff(session, "sun_compliance", "孙合规", Role.compliance, department=None)
    session.flush()
    return Cast(owner, manager, superior, handler, leader, compliance)


def carry_through(
    session: Session, complaint: Complaint, cast: Cast, *, major: bool = True
) -> Complaint:
    """Every step of the process recorded, as the staff app would, up to closure."""
    at = NOW
    session.add_all(
        [
            WrittenRecord(
                complaint_id=complaint.id,
                author_id=cast.owner.id,
                text="客户来电反映赎回款未到账，已致歉并说明将核查。",
                submitted_at=at + dt.timedelta(hours=2),
            ),
            Assignment(
                complaint_id=complaint.id,
                from_department_id=complaint.department_id,
                handler_id=cast.handler.id,
                reason="由运营岗核查资金划付记录",
                assigned_by_id=cast.manager.id,
                assigned_at=at + dt.timedelta(hours=3),
            ),
            MajorDecision(
                complaint_id=complaint.id,
                major=major,
                reason="涉及客户资金，可能引起媒体关注" if major else "金额小，影响有限",
                decided_by_id=cast.manager.id,
                decided_at=at + dt.timedelta(hours=4),
            ),
            Verification(
                complaint_id=complaint.id,
                founded=True,
                evidence="划付指令延误两个工作日，属实",
                verified_by_id=cast.handler.id,
                verified_at=at + dt.timedelta(days=1),
            ),
            Resolution(
                complaint_id=complaint.id,
                round=1,
                solution="已补划赎回款并按约定利率补偿延迟利息",
                promised_reply_at=at + dt.timedelta(days=3),
                resolved_by_id=cast.handler.id,
                resolved_at=at + dt.timedelta(days=2),
            ),
            CustomerFeedback(
                complaint_id=complaint.id,
                kind="feedback",
                positive=True,
                comment="款项已到账，满意",
                recorded_by_id=cast.owner.id,
                recorded_at=at + dt.timedelta(days=3),
            ),
        ]
    )
    if major:
        session.add(
            LeadershipReview(
                complaint_id=complaint.id,
                reviewer_id=cast.leader.id,
                approved=True,
                comment="同意处理方案，加强划付复核",
                reviewed_at=at + dt.timedelta(days=2, hours=4),
            )
        )
    complaint.handler_id = cast.handler.id
    complaint.major = major
    complaint.stage = Stage.closed
    complaint.closed_at = at + dt.timedelta(days=4)
    session.flush()
    return complaint


@pytest.fixture
def cast(session: Session) -> Cast:
    return make_cast(session)


@pytest.fixture
def complaint(session: Session, settings: Settings, cast: Cast) -> Complaint:
    """A phone complaint by 张三 (with an email address), owned by 李首问 of the Wealth Center."""
    complaint = make_complaint(
        session,
        settings,
        owner=cast.owner,
        customer_email="zhangsan@example.test",
        department=Department.wealth_center,
    )
    session.commit()
    return complaint

"""The local SMTP sink's messages (``data_dir/mailbox``, a Maildir written by ``complaints up``
when no real SMTP server is configured), for the admin page.

``complaints up`` starts the sink on ``127.0.0.1:smtp_sink_port`` and hands the worker and the
web app ``COMPLAINTS_SMTP_HOST=127.0.0.1`` and ``COMPLAINTS_SMTP_PORT=<smtp_sink_port>``: an
SMTP host set to exactly that address is the sink, not an external server."""

from __future__ import annotations

import email
import mailbox
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

from config.settings import Settings
from web.access import mask_email, mask_name, mask_text


@dataclass(frozen=True)
class Summary:
    key: str
    received_at: datetime
    sender: str
    recipients: str
    subject: str


@dataclass(frozen=True)
class Message:
    summary: Summary
    body: str


def mailbox_path(settings: Settings) -> Path:
    return (settings.data_dir / "mailbox").resolve()


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def sends_to_sink(settings: Settings) -> bool:
    """Whether mail goes to the local sink of ``complaints up`` (no SMTP host, or the sink's)."""
    if not settings.smtp_host:
        return True
    return settings.smtp_host in LOCAL_HOSTS and settings.smtp_port == settings.smtp_sink_port


def sink_state(settings: Settings) -> str:
    """``external`` (a real SMTP server is set), ``running``, or ``stopped``."""
    if not sends_to_sink(settings):
        return "external"
    try:
        with socket.create_connection(("127.0.0.1", settings.smtp_sink_port), timeout=0.3):
            return "running"
    except OSError:
        return "stopped"


def _open(settings: Settings) -> mailbox.Maildir | None:
    path = mailbox_path(settings)
    if not (path / "new").is_dir() and not (path / "cur").is_dir():
        return None
    return mailbox.Maildir(str(path), factory=None, create=False)


def _summary(box: mailbox.Maildir, key: str) -> tuple[Summary, EmailMessage]:
    """Addresses masked like every other view of customer data (Art. 2(5))."""
    parsed = email.message_from_bytes(box.get_bytes(key), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    delivered = datetime.fromtimestamp(box.get_message(key).get_date(), tz=UTC)
    summary = Summary(
        key=key,
        received_at=delivered,
        sender=str(parsed.get("From", "")),  # this system's own address
        recipients=_masked_addresses(parsed),
        subject=mask_text(str(parsed.get("Subject", ""))),
    )
    return summary, parsed


def _masked_addresses(parsed: EmailMessage) -> str:
    header = parsed.get("To")
    if header is None:
        return ""
    return ", ".join(
        f"{mask_name(item.display_name)} <{mask_email(item.addr_spec)}>"
        if item.display_name
        else mask_email(item.addr_spec)
        for item in getattr(header, "addresses", ())
    ) or mask_text(str(header))


def recipients_of(settings: Settings, key: str) -> list[str]:
    """The message's recipient addresses, unmasked: to find whose names to mask in it."""
    box = _open(settings)
    if box is None:
        return []
    try:
        parsed = email.message_from_bytes(box.get_bytes(key), policy=policy.default)
    except KeyError:
        return []
    return [address.addr_spec for address in parsed.get("To", "").addresses]


def list_messages(settings: Settings, limit: int = 100) -> list[Summary] | None:
    """Newest first; None when there is no mailbox folder."""
    box = _open(settings)
    if box is None:
        return None
    summaries = [_summary(box, key)[0] for key in box.iterkeys()]
    return sorted(summaries, key=lambda item: item.received_at, reverse=True)[:limit]


def read_message(settings: Settings, key: str, *, names: Iterable[str] = ()) -> Message | None:
    """The message with addresses, phone numbers and ``names`` masked."""
    box = _open(settings)
    if box is None:
        return None
    try:
        summary, parsed = _summary(box, key)  # looked up in the folder's index: no path from input
    except KeyError:
        return None
    part = parsed.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if part is not None else ""
    return Message(summary, mask_text(body if isinstance(body, str) else "", names=names))

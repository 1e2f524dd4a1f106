"""Delivery of the outbox by SMTP (aiosmtplib): one attempt at a time, each safe to repeat.

A row already sent is never sent again, whatever the caller's retries or cache do. A failed
attempt stores the server's full reply in ``notifications.last_error`` and raises
``DeliveryError``, whose message names the notification by id and kind only: the reply text
often quotes an address (Art. 2(5)).
"""

from __future__ import annotations

import hashlib
import ssl
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import aiosmtplib
from jinja2 import TemplateError
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from models.db import session_scope, utcnow
from models.operations import Document, Notification
from models.reports import MonthlyReport
from policy.enums import NotificationStatus
from services.deadlines import reply_told
from services.files import StoredFileError, read_checked
from services.notices import render_email
from services.outbox import NotificationKind, OutboxError, record_notification_event

SENDER_NAME = "四川金融资产交易所"
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class DeliveryError(RuntimeError):
    """One delivery attempt failed. ``code`` says how; the message holds no personal data.

    ``permanent`` failures (the server refused the message, bad credentials or certificate, a
    broken template or attachment) are not retried: trying again cannot succeed.
    """

    PERMANENT = frozenset({"refused", "auth", "tls", "template", "attachment"})

    def __init__(self, notification_id: int, kind: str, code: str, smtp_code: int | None = None):
        detail = f" (SMTP {smtp_code})" if smtp_code else ""
        super().__init__(f"notification {notification_id} ({kind}) not delivered: {code}{detail}")
        self.notification_id = notification_id
        self.kind = kind
        self.code = code
        self.smtp_code = smtp_code

    @property
    def permanent(self) -> bool:
        return self.code in self.PERMANENT

    def __reduce__(self) -> tuple[type[DeliveryError], tuple[int, str, str, int | None]]:
        # Prefect may pickle an exception into a task state: rebuild it from its fields.
        return (type(self), (self.notification_id, self.kind, self.code, self.smtp_code))


def _classify(error: Exception) -> tuple[str, int | None]:
    """A code for an SMTP failure, and the server's reply code when it gave one."""
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return "auth", error.code
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in error.recipients] or [550]
        return ("deferred" if all(400 <= c < 500 for c in codes) else "refused"), codes[0]
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return ("deferred" if 400 <= error.code < 500 else "refused"), error.code
    if isinstance(error, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return "timeout", None
    if isinstance(error, ssl.SSLError):
        return "tls", None
    if isinstance(error, aiosmtplib.SMTPConnectError | ConnectionError | OSError):
        return "unreachable", None
    return "smtp", None


def message_id(row: Notification, settings: Settings) -> str:
    """The Message-ID of a notification: the same on every attempt, so a copy sent twice (the
    server accepted, then the process died before recording it) is recognisably a duplicate."""
    domain = settings.mail_from.rpartition("@")[2] or "localhost"
    seed = f"{row.idempotency_key}|{row.created_at.isoformat()}"
    return f"<{hashlib.sha256(seed.encode()).hexdigest()[:24]}.n{row.id}@{domain}>"


def build_message(session: Session, row: Notification, settings: Settings) -> EmailMessage:
    """The MIME message of an outbox row: text and HTML alternatives, the form if attached."""
    rendered = render_email(row.kind, row.context)
    message = EmailMessage()
    message["Subject"] = row.subject or rendered.subject
    message["From"] = Address(display_name=SENDER_NAME, addr_spec=settings.mail_from)
    message["To"] = ", ".join(row.recipients)
    message["Date"] = format_datetime(datetime.now(settings.tz))
    message["Message-ID"] = message_id(row, settings)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    document_id = row.context.get("attach_document_id")
    if document_id is not None:
        document = session.get(Document, document_id)
        if document is None:
            raise DeliveryError(row.id, row.kind, "attachment")
        try:
            content = read_checked(Path(document.path), document.sha256)
        except StoredFileError:
            raise DeliveryError(row.id, row.kind, "attachment") from None
        message.add_attachment(
            content,
            maintype=DOCX_TYPE[0],
            subtype=DOCX_TYPE[1],
            filename=row.context.get("attachment") or Path(document.path).name,
        )
    if (month := row.context.get("attach_report_month")) is not None:
        _attach_monthly_report(session, row, message, month)
    return message


def _attach_monthly_report(
    session: Session, row: Notification, message: EmailMessage, month: str
) -> None:
    """The month's report files as archived now (a re-run's files, if the month was written
    again before this attempt), each checked against its SHA-256 on record."""
    report = session.scalar(
        select(MonthlyReport).where(MonthlyReport.month == date.fromisoformat(f"{month}-01"))
    )
    if report is None:
        raise DeliveryError(row.id, row.kind, "attachment")
    for path, sha256, (maintype, subtype) in (
        (report.docx_path, report.docx_sha256, DOCX_TYPE),
        (report.xlsx_path, report.xlsx_sha256, XLSX_TYPE),
    ):
        try:
            content = read_checked(Path(path), sha256)
        except StoredFileError:
            raise DeliveryError(row.id, row.kind, "attachment") from None
        message.add_attachment(
            content,
            maintype=maintype,
            subtype=subtype,
            filename=f"客户投诉统计月报-{month}{Path(path).suffix}",
        )


async def _smtp_send(
    message: EmailMessage, recipients: list[str], settings: Settings
) -> dict[str, Any]:
    """One SMTP transaction; the recipients the server refused while accepting others.

    No host set: the local sink of `complaints up`.
    """
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    if settings.smtp_use_tls:
        start_tls: bool | None = False
    elif settings.smtp_starttls:
        start_tls = True  # required: fail rather than send in clear
    else:
        start_tls = None  # opportunistic: upgrade whenever the server offers it
    refused, _reply = await aiosmtplib.send(
        message,
        sender=settings.mail_from,
        recipients=recipients,
        hostname=settings.smtp_host or "127.0.0.1",
        port=settings.smtp_port if settings.smtp_host else settings.smtp_sink_port,
        username=settings.smtp_username,
        password=password,
        use_tls=settings.smtp_use_tls,
        start_tls=start_tls,
        timeout=settings.smtp_timeout,
    )
    return dict(refused)


async def deliver_notification(notification_id: int, settings: Settings) -> str:
    """One delivery attempt of an outbox row: ``"sent"``, ``"already-sent"`` or ``"failed"``.

    A sent row is never sent again; a failed row waits for ``mark_for_resend``. On failure
    the attempt and the server's full reply are stored, then ``DeliveryError`` is raised.

    On PostgreSQL the row is locked for the attempt, so two workers cannot send it at once.
    On SQLite nothing is written before the SMTP transaction, so the database is not locked
    while the server is slow (the embedded setup runs one worker).
    """
    failure: DeliveryError | None = None
    with session_scope(settings.effective_database_url) as session:
        row = session.get(Notification, notification_id, with_for_update=True)
        if row is None:
            raise OutboxError(f"notification {notification_id} does not exist")
        if row.status is NotificationStatus.sent:
            return "already-sent"
        if row.status is NotificationStatus.failed:
            return "failed"
        try:
            try:
                message = build_message(session, row, settings)
            except TemplateError as error:
                raise DeliveryError(row.id, row.kind, "template") from error
            try:
                refused = await _smtp_send(message, list(row.recipients), settings)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                code, smtp_code = _classify(error)
                raise DeliveryError(row.id, row.kind, code, smtp_code) from error
        except DeliveryError as error:
            row.attempts += 1
            cause = error.__cause__
            row.last_error = f"{error.code}: {cause!r}" if cause else error.code
            failure = error
        else:
            row.attempts += 1
            row.status = NotificationStatus.sent
            row.sent_at = utcnow()
            row.smtp_message_id = str(message["Message-ID"])
            row.subject = str(message["Subject"])
            if refused:  # sent to the others; the app shows whom it did not reach
                row.last_error = f"refused for {len(refused)} recipient(s): {refused!r}"
            record_notification_event(session, row, "notification_sent")
            if row.kind == NotificationKind.result and row.complaint_id is not None:
                # Art. 2(4): from version 3 the promised reply is met when the result is sent.
                reply_told(session, row.complaint_id, row.sent_at)
    if failure is not None:
        # A fresh exception without its cause: the cause's text may quote an address.
        raise DeliveryError(
            failure.notification_id, failure.kind, failure.code, failure.smtp_code
        ) from None
    return "sent"


def mark_failed(notification_id: int, settings: Settings) -> str:
    """After the last attempt: the row is failed (unless it got through meanwhile)."""
    with session_scope(settings.effective_database_url) as session:
        row = session.get(Notification, notification_id, with_for_update=True)
        if row is None:
            raise OutboxError(f"notification {notification_id} does not exist")
        if row.status is NotificationStatus.sent:
            return "sent"
        if row.status is not NotificationStatus.failed:
            row.status = NotificationStatus.failed
            record_notification_event(session, row, "notification_failed")
        return "failed"

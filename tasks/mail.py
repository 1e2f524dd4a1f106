"""Email notifications: templates, the notices' contents, and delivery of the outbox.

A notice goes out in two steps, each safe to repeat:

1. ``prepare_notification`` (task ``queue_notification``) works out the recipients and the
   context of a notice and stores it in the outbox under its idempotency key;
2. ``deliver_notification`` (task ``send_notification``) sends one outbox row through SMTP with
   aiosmtplib. A row already sent is never sent again, whatever Prefect's cache does.

SMTP down or refusing never fails the complaint's flow: the task retries with backoff, and after
its last attempt marks the row *failed* and returns ``"failed"``. The row shows in the app and
the task run's state in the Prefect UI; ``models.outbox.mark_for_resend`` queues it again.

Privacy (Art. 2(5)): the tasks take ids and return status strings. Addresses, subjects and
message text stay in the app database (``notifications.context``); logs and exception messages
name the notification by id and kind only, and never carry the SMTP server's reply text, which
often quotes an address (that text is kept in ``notifications.last_error``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from prefect import get_run_logger, task
from prefect.cache_policies import NONE
from prefect.context import TaskRunContext
from prefect.exceptions import MissingContextError
from prefect.tasks import exponential_backoff
from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints.settings import Settings, get_settings
from models.complaint import Complaint, MajorDecision, Resolution, Verification
from models.db import session_scope, utcnow
from models.directory import department_manager
from models.handling_form import FORM_TITLE, write_handling_form
from models.operations import ConcentrationAlert, Deadline, Document, Notification
from models.outbox import (
    NotificationKind,
    OutboxError,
    enqueue_notification,
    latest_transfer,
    notification_key,
    recipients_for,
    record_notification_event,
    report_key,
    users_with_role,
)
from models.people import DepartmentRow
from policy.concentration import Severity, Trend
from policy.enums import DeadlineKind, NotificationStatus, Role

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "email"
SENDER_NAME = "四川金融资产交易所"
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")

T = TypeVar("T")


# Rendering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        # HTML parts are autoescaped; the subject and text parts are plain text.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_email(kind: str, context: dict[str, Any]) -> RenderedEmail:
    """Render ``templates/email/<kind>.subject.j2``, ``.txt.j2`` and ``.html.j2``."""
    kind = NotificationKind(kind).value
    environment = _environment()
    subject = environment.get_template(f"{kind}.subject.j2").render(context)
    return RenderedEmail(
        subject=" ".join(subject.split()),  # one line: no header folding surprises, no injection
        text=environment.get_template(f"{kind}.txt.j2").render(context),
        html=environment.get_template(f"{kind}.html.j2").render(context),
    )


# What each notice says ----------------------------------------------------------------------


def _local(value: datetime | None, settings: Settings) -> str | None:
    return value.astimezone(settings.tz).strftime("%Y年%m月%d日 %H:%M") if value else None


def _common_context(complaint: Complaint, settings: Settings) -> dict[str, Any]:
    """What every notice about a complaint shows: reference, department and its hotline."""
    return {
        "reference": complaint.reference,
        "department": complaint.department.name,
        "hotline": complaint.department.phone,
        "received_at": _local(complaint.received_at, settings),
        "channel": complaint.channel.label,
        "category": complaint.category.label,
    }


def _customer_context(
    complaint: Complaint, kind: NotificationKind, settings: Settings, note: str | None
) -> dict[str, Any]:
    """Customer notices: the department is named, staff never are."""
    context = _common_context(complaint, settings) | {
        "customer_name": complaint.contact.name or "客户",
        "promised_reply_at": _local(complaint.promised_reply_at, settings),
    }
    if kind is NotificationKind.acknowledgement:
        context["resolved_on_the_spot"] = complaint.resolved_on_the_spot
    elif kind is NotificationKind.progress:
        context |= {"stage": complaint.stage.label, "note": note}
    elif kind is NotificationKind.result:
        session = Session.object_session(complaint)
        assert session is not None
        verification = session.scalar(
            select(Verification)
            .where(Verification.complaint_id == complaint.id)
            .order_by(Verification.verified_at.desc(), Verification.id.desc())
            .limit(1)
        )
        context |= {
            "founded": verification.founded if verification else None,
            "solution": note or _latest_solution(session, complaint.id),
        }
    elif kind is NotificationKind.closure:
        context["closed_at"] = _local(complaint.closed_at or utcnow(), settings)
    return context


def _latest_solution(session: Session, complaint_id: int) -> str | None:
    resolution = session.scalar(
        select(Resolution)
        .where(Resolution.complaint_id == complaint_id)
        .order_by(Resolution.resolved_at.desc(), Resolution.id.desc())
        .limit(1)
    )
    return resolution.solution if resolution else None


def _staff_context(
    session: Session,
    complaint: Complaint,
    kind: NotificationKind,
    settings: Settings,
    deadline: Deadline | None,
) -> dict[str, Any]:
    context = _common_context(complaint, settings) | {
        "owner": complaint.first_inquiry_owner.display_name,
        "addressee": f"{complaint.department.name}负责人",
    }
    if kind is NotificationKind.new_complaint:
        manager = department_manager(session, complaint.department_id)
        record_due = session.scalar(
            select(Deadline.due_at).where(
                Deadline.complaint_id == complaint.id,
                Deadline.kind == DeadlineKind.written_record,
            )
        )
        document = write_handling_form(
            session, complaint_id=complaint.id, data_dir=settings.data_dir, tz=settings.tz
        )
        context |= {
            "addressee": manager.display_name if manager else context["addressee"],
            "record_due": _local(record_due, settings),
            "promised_reply_at": _local(complaint.promised_reply_at, settings),
            "suggested_major": complaint.suggested_major,
            "major_reasons": list(complaint.major_reasons),
            # The form as it stood when the notice was queued; a re-send attaches the same one.
            "attach_document_id": document.id,
            "attachment": f"{FORM_TITLE}-{complaint.reference}.docx",
        }
    elif kind in _DEADLINE_KINDS:
        responsible = deadline.responsible_user if deadline else complaint.first_inquiry_owner
        superior = responsible.superior
        context |= {
            "responsible": responsible.display_name,
            "due_at": _local(deadline.due_at if deadline else None, settings),
            "deadline_label": (deadline.kind if deadline else DeadlineKind.written_record).label,
        }
        if superior is not None and kind in (
            NotificationKind.record_breach,
            NotificationKind.deadline_breach,
        ):
            context["addressee"] = superior.display_name
    elif kind is NotificationKind.major_case:
        decision = session.scalar(
            select(MajorDecision)
            .where(MajorDecision.complaint_id == complaint.id)
            .order_by(MajorDecision.decided_at.desc(), MajorDecision.id.desc())
            .limit(1)
        )
        review_due = session.scalar(
            select(Deadline.due_at).where(
                Deadline.complaint_id == complaint.id,
                Deadline.kind == DeadlineKind.leadership_review,
            )
        )
        context |= {
            "addressee": "公司领导",
            "handler": complaint.handler.display_name if complaint.handler else None,
            "major_reasons": list(complaint.major_reasons),
            "decision_reason": decision.reason if decision else None,
            "review_due": _local(review_due, settings),
        }
    elif kind is NotificationKind.transfer:
        transfer = latest_transfer(session, complaint.id)
        source = session.get(DepartmentRow, transfer.from_department_id) if transfer else None
        target = (
            session.get(DepartmentRow, transfer.to_department_id)
            if transfer and transfer.to_department_id
            else complaint.department
        )
        manager = department_manager(session, target.id)
        context |= {
            "addressee": manager.display_name if manager else f"{target.name}负责人",
            "from_department": source.name if source else complaint.department.name,
            "to_department": target.name,
            "transfer_reason": transfer.reason if transfer else None,
        }
    return context


_DEADLINE_KINDS = frozenset(
    {
        NotificationKind.record_warning,
        NotificationKind.record_breach,
        NotificationKind.deadline_warning,
        NotificationKind.deadline_breach,
    }
)


def prepare_notification(
    session: Session,
    *,
    complaint_id: int,
    kind: str,
    settings: Settings,
    sequence: int = 1,
    deadline_id: int | None = None,
    note: str | None = None,
) -> Notification | None:
    """Queue the notice ``kind`` about a complaint; None when it has no one to go to.

    Idempotent under ``notification_key(complaint_id, kind, sequence)``: the first call's row
    is returned by every later call. Time-limit notices take the deadline's id as sequence,
    so each deadline is warned and reported once. ``note`` is the text of a progress report
    or a result's solution, typed by staff (defaults: the stage; the latest solution).
    """
    kind = NotificationKind(kind)
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise OutboxError(f"complaint {complaint_id} does not exist")
    deadline = None
    if kind in _DEADLINE_KINDS:
        if deadline_id is None and kind in (
            NotificationKind.record_warning,
            NotificationKind.record_breach,
        ):
            deadline = session.scalar(
                select(Deadline)
                .where(
                    Deadline.complaint_id == complaint_id,
                    Deadline.kind == DeadlineKind.written_record,
                )
                .order_by(Deadline.sequence.desc())
                .limit(1)
            )
        elif deadline_id is not None:
            deadline = session.get(Deadline, deadline_id)
        if deadline is None:
            raise OutboxError(f"{kind.value} for complaint {complaint_id} needs its deadline")
        sequence = deadline.id
    key = notification_key(complaint_id, kind, sequence)
    existing = session.scalar(select(Notification).where(Notification.idempotency_key == key))
    if existing is not None:
        return existing
    recipients = recipients_for(session, complaint, kind, deadline=deadline)
    if not recipients:
        return None
    if kind.customer_facing:
        context = _customer_context(complaint, kind, settings, note)
    else:
        context = _staff_context(session, complaint, kind, settings, deadline)
    rendered = render_email(kind, context)  # fails here, not at delivery, on a template error
    return enqueue_notification(
        session,
        key=key,
        kind=kind,
        recipients=recipients,
        context=context,
        complaint_id=complaint_id,
        subject=rendered.subject,
    )


def prepare_concentration_report(
    session: Session, *, window_end: date, settings: Settings
) -> Notification | None:
    """Art. 8: the units flagged for a window, to compliance and leadership; None if none."""
    from models.monitoring import UnitKind, unit_label

    alerts = list(
        session.scalars(
            select(ConcentrationAlert)
            .where(ConcentrationAlert.window_end == window_end)
            .order_by(ConcentrationAlert.p_value, ConcentrationAlert.unit_kind)
        )
    )
    if not alerts:
        return None
    key = report_key(NotificationKind.concentration_report, window_end.isoformat())
    existing = session.scalar(select(Notification).where(Notification.idempotency_key == key))
    if existing is not None:
        return existing
    recipients = [
        user.email
        for user in users_with_role(session, Role.compliance, Role.leadership)
        if user.email
    ]
    if not recipients:
        return None
    context = {
        "window_start": min(a.window_start for a in alerts).isoformat(),
        "window_end": window_end.isoformat(),
        "alerts": [
            {
                "unit": unit_label(session, alert.unit_kind, alert.unit_key),
                "unit_kind": UnitKind(alert.unit_kind).label,
                "count": alert.count,
                "expected": f"{alert.expected:.1f}",
                "severity": _label_of(Severity, alert.severity),
                "trend": _label_of(Trend, alert.trend or ""),
                "explanation": alert.explanation,
            }
            for alert in alerts
        ],
    }
    rendered = render_email(NotificationKind.concentration_report, context)
    return enqueue_notification(
        session,
        key=key,
        kind=NotificationKind.concentration_report,
        recipients=recipients,
        context=context,
        subject=rendered.subject,
    )


def _label_of(enum: type[Severity] | type[Trend], value: str) -> str:
    return enum(value).label if value in enum.__members__ else value


# Delivery -----------------------------------------------------------------------------------


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
        content = Path(document.path).read_bytes() if document else None
        if content is None or hashlib.sha256(content).hexdigest() != document.sha256:
            raise DeliveryError(row.id, row.kind, "attachment")
        message.add_attachment(
            content,
            maintype=DOCX_TYPE[0],
            subtype=DOCX_TYPE[1],
            filename=row.context.get("attachment") or Path(document.path).name,
        )
    return message


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


# Prefect tasks ------------------------------------------------------------------------------


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code, also when the caller's thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


def _is_last_attempt() -> bool:
    context = TaskRunContext.get()
    if context is None:  # called as a plain function: this attempt is the only one
        return True
    return context.task_run.run_count > context.task.retries


def _retry_options(settings: Settings) -> dict[str, Any]:
    retries = settings.mail_retries
    delay = settings.mail_retry_delay
    return {
        "retries": retries,
        "retry_delay_seconds": exponential_backoff(backoff_factor=delay.total_seconds()),
        "retry_jitter_factor": 0.2,
    }


@task(
    name="send_notification",
    task_run_name="send-notification-{notification_id}",
    cache_policy=NONE,  # the outbox row is the cache: its status decides, never a stored result
    **_retry_options(get_settings()),
)
def send_notification(notification_id: int) -> str:
    """Deliver one outbox row (Art. 2(1) react fast, Art. 2(4) keep the customer informed).

    Returns ``"sent"``, ``"already-sent"`` or ``"failed"``; never raises for an SMTP failure
    after the last attempt, so the complaint's flow goes on.
    """
    settings = get_settings()
    logger = _logger()
    try:
        outcome = _run(deliver_notification(notification_id, settings))
    except DeliveryError as error:
        if not (error.permanent or _is_last_attempt()):
            raise
        outcome = mark_failed(notification_id, settings)
        logger.warning(
            "notification %s (%s) marked %s: %s; it can be re-sent from the outbox",
            notification_id,
            error.kind,
            outcome,
            error.code,
        )
        return outcome
    logger.info("notification %s: %s", notification_id, outcome)
    return outcome


@task(
    name="queue_notification",
    task_run_name="queue-{kind}-{complaint_id}",
    cache_policy=NONE,
)
def queue_notification(
    complaint_id: int, kind: str, sequence: int = 1, deadline_id: int | None = None
) -> int | None:
    """Store a notice in the outbox (idempotent); its id, or None when it has no recipient."""
    settings = get_settings()
    with session_scope(settings.effective_database_url) as session:
        row = prepare_notification(
            session,
            complaint_id=complaint_id,
            kind=kind,
            settings=settings,
            sequence=sequence,
            deadline_id=deadline_id,
        )
        if row is None:
            _logger().warning(
                "complaint %s: no recipient for %s; nothing queued", complaint_id, kind
            )
            return None
        return row.id


__all__ = [
    "DeliveryError",
    "RenderedEmail",
    "build_message",
    "deliver_notification",
    "mark_failed",
    "message_id",
    "prepare_concentration_report",
    "prepare_notification",
    "queue_notification",
    "render_email",
    "send_notification",
]

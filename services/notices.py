"""What each notice says: its recipients and contents, put in the outbox, and its rendering.

``prepare_notification`` works out a notice about a complaint and stores it in the outbox
under its idempotency key (``services.outbox``); ``prepare_concentration_report`` does the same
for the Art. 8 report. Who is told, and by what name, is ``services.outbox.addressees_for``.
The templates are ``templates/email/<kind>.{subject,txt,html}.j2``; a template error shows when
the notice is queued, not when it is delivered.

A new complaint's notice carries the handling form's latest version, which the caller writes
first (the lifecycle flow does, before it queues the notice): preparing a notice writes no form.

``services.monitoring`` (its queries, ~0.18 s by ``python -X importtime``) is imported only for
the Art. 8 report, which the lifecycle and deadline flows never send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from models.closure import ComplaintClosure
from models.complaint import Complaint, MajorDecision, Resolution, Verification
from models.db import utcnow
from models.operations import ConcentrationAlert, Deadline, Notification
from models.people import DepartmentRow
from policy.concentration import Severity, Trend, founded_share
from policy.enums import DeadlineKind
from services.directory import department_manager
from services.handling_form import FORM_TITLE, latest_handling_form
from services.outbox import (
    Addressees,
    NotificationKind,
    OutboxError,
    addressees_for,
    enqueue_notification,
    latest_transfer,
    notification_key,
    report_key,
)

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "email"


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
    complaint: Complaint,
    kind: NotificationKind,
    settings: Settings,
    note: str | None,
    addressees: Addressees,
) -> dict[str, Any]:
    """Customer notices: the department is named, staff never are."""
    context = _common_context(complaint, settings) | {
        "customer_name": addressees.name,
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
        session = Session.object_session(complaint)
        assert session is not None
        closure = session.scalar(
            select(ComplaintClosure).where(ComplaintClosure.complaint_id == complaint.id)
        )
        # Process version 3: why a case closed before a satisfied customer's feedback; after
        # leadership's decision the notice names the customer's external routes.
        context |= {
            "closure_reason": closure.reason.value if closure else None,
            "withdrawal_method": (
                closure.withdrawal_method.label if closure and closure.withdrawal_method else None
            ),
            "withdrawn_at": _local(closure.withdrawn_at, settings) if closure else None,
        }
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
    addressees: Addressees,
) -> dict[str, Any]:
    context = _common_context(complaint, settings) | {
        "owner": complaint.first_inquiry_owner.display_name,
        "addressee": addressees.name,
    }
    if kind is NotificationKind.new_complaint:
        record_due = session.scalar(
            select(Deadline.due_at).where(
                Deadline.complaint_id == complaint.id,
                Deadline.kind == DeadlineKind.written_record,
            )
        )
        document = latest_handling_form(session, complaint.id)
        if document is None:
            raise OutboxError(
                f"new_complaint for complaint {complaint.id} needs its handling form; "
                "write the form first"
            )
        context |= {
            "record_due": _local(record_due, settings),
            "promised_reply_at": _local(complaint.promised_reply_at, settings),
            "suggested_major": complaint.suggested_major,
            "major_reasons": list(complaint.major_reasons),
        }
        manager = department_manager(session, complaint.department_id)
        if manager is not None and manager.id == complaint.subject_user_id:
            # Art. 4 回避: the form holds the customer's details and words (Art. 2(5)); the
            # manager complained about is told of the complaint, never sent the form.
            context |= {"form_withheld": True, "attachment": None}
        else:
            context |= {
                "form_withheld": False,
                # The form as it stood when the notice was queued; a re-send attaches the same one.
                "attach_document_id": document.id,
                "attachment": f"{FORM_TITLE}-{complaint.reference}.docx",
            }
    elif kind in _DEADLINE_KINDS:
        responsible = deadline.responsible_user if deadline else complaint.first_inquiry_owner
        context |= {
            "responsible": responsible.display_name,
            "due_at": _local(deadline.due_at if deadline else None, settings),
            "deadline_label": (deadline.kind if deadline else DeadlineKind.written_record).label,
        }
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
            "handler": complaint.handler.display_name if complaint.handler else None,
            "major_reasons": list(complaint.major_reasons),
            "decision_reason": decision.reason if decision else None,
            "review_due": _local(review_due, settings),
            # From process version 2 leadership instruct before the case is handled.
            "awaits_instruction": complaint.process_version >= 2,
        }
    elif kind is NotificationKind.transfer:
        transfer = latest_transfer(session, complaint.id)
        source = session.get(DepartmentRow, transfer.from_department_id) if transfer else None
        target = (
            session.get(DepartmentRow, transfer.to_department_id)
            if transfer and transfer.to_department_id
            else complaint.department
        )
        context |= {
            "from_department": source.name if source else complaint.department.name,
            "to_department": target.name if target else complaint.department.name,
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
    addressees = addressees_for(session, kind, complaint, deadline=deadline)
    if not addressees.emails:
        return None
    if kind.customer_facing:
        context = _customer_context(complaint, kind, settings, note, addressees)
    else:
        context = _staff_context(session, complaint, kind, settings, deadline, addressees)
    rendered = render_email(kind, context)  # fails here, not at delivery, on a template error
    return enqueue_notification(
        session,
        key=key,
        kind=kind,
        recipients=addressees.emails,
        context=context,
        complaint_id=complaint_id,
        subject=rendered.subject,
    )


def prepare_concentration_report(
    session: Session, *, window_end: date, settings: Settings
) -> Notification | None:
    """Art. 8: the units flagged for a window, to compliance and leadership; None if none."""
    from services.monitoring import UnitKind, unit_label

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
    recipients = addressees_for(session, NotificationKind.concentration_report).emails
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
                "founded": founded_share(alert.founded, alert.count),
                "owner": (
                    alert.follow_up.owner.display_name
                    if alert.follow_up and alert.follow_up.owner
                    else "—"
                ),
                "due_on": alert.follow_up.due_on.isoformat() if alert.follow_up else "—",
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

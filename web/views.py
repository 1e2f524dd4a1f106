"""Read models for the pages and the API: a complaint's file, lists, deadlines, search.

Lists always mask the complainant (Art. 2(5)); a complaint's own page and its API answer show
the full data only to those who handle it (``web.access.may_see_personal_data``).

``services.handling_form`` (python-docx, ~0.1 s) is imported when a form is downloaded.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.orm import Session, joinedload

from config.settings import Settings, duration_label, get_settings
from models.complaint import Complaint
from models.db import utcnow
from models.extensions import ReplyExtension
from models.operations import Deadline
from models.people import Contact, User
from policy.closure import ClosureReason
from policy.contacts import MAX_SUMMARY, ContactMethod
from policy.enums import Channel, DeadlineKind, DeadlineStatus, Role, Stage
from policy.events import event_label
from policy.evidence import allowed_label, size_label
from policy.lifecycle import STAGE_OF_STEP, Step
from policy.subjects import Demand
from policy.wait_clocks import STEP_OF_KIND, still_awaited
from services.case_file import CaseFile, read_case_file
from services.channels import channel_details_data
from services.closure import CLOSURE_VERSION, closure_of, ensure_may_close
from services.contacts import contacts_of, ensure_may_record_contact, open_contact_due
from services.deadlines import owed_reply_deadline
from services.evidence import ensure_may_attach, evidence_of, is_archived
from services.extensions import (
    ensure_may_request,
    extensions_of,
    may_decide,
    pending_extension,
)
from services.outbox import NotificationKind
from services.step_errors import StepError, StepForbidden, StepInputError
from services.step_registry import STEPS
from services.steps import ensure_may_act, ensure_not_transferred_away
from services.subjects import ensure_may_confirm
from web.access import (
    ensure_may_view,
    mask_email,
    mask_name,
    mask_phone,
    mask_text,
    may_see_personal_data,
    may_view,
    unmasked_complaints,
    visible_complaints,
)
from web.actions import STEP_OF_STAGE, prefect_run_url
from web.validation import looks_like_phone, looks_like_reference, normalize_phone

log = logging.getLogger("web.access")

CLOSED_STAGES = (Stage.closed, Stage.archived)
SOON = timedelta(hours=24)
LIST_LIMIT = 200


class NotFound(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def complaint_by_reference(db: Session, reference: str) -> Complaint:
    reference = reference.strip().upper()
    complaint = None
    if looks_like_reference(reference):
        complaint = db.scalar(select(Complaint).where(Complaint.reference == reference))
    if complaint is None:
        raise NotFound(f"找不到编号为 {reference[:40]} 的投诉，请核对编号")
    return complaint


def viewable_complaint(db: Session, reference: str, user: User) -> Complaint:
    complaint = complaint_by_reference(db, reference)
    ensure_may_view(user, complaint)
    return complaint


def complaint_for_step(db: Session, reference: str, user: User, step: Step) -> Complaint:
    """The complaint ``user`` submits ``step`` on. A manager whose department has just
    transferred it away (another manager was quicker) hears that the step was taken (409)."""
    complaint = complaint_by_reference(db, reference)
    if not may_view(user, complaint):
        ensure_not_transferred_away(db, complaint, user, step)
    ensure_may_view(user, complaint)
    return complaint


# One complaint -------------------------------------------------------------------------------


def text_for(user: User, complaint: Complaint, text: str | None) -> str | None:
    """Free text of the case as ``user`` may see it: to the person complained about (Art. 4
    回避) its phones, emails and the customer's name are masked (Art. 2(5))."""
    if text is None or may_see_personal_data(user, complaint):
        return text
    return mask_text(text, names=[complaint.contact.name])


def customer_view(complaint: Complaint, user: User) -> dict[str, Any]:
    customer = complaint.contact
    if may_see_personal_data(user, complaint):
        return {
            "masked": False,
            "name": customer.name,
            "phone": customer.phone,
            "email": customer.email,
            "member_institution": customer.member_institution,
        }
    return {
        "masked": True,
        "name": mask_name(customer.name),
        "phone": mask_phone(customer.phone),
        "email": mask_email(customer.email) or None,
        "member_institution": customer.member_institution,
    }


def deadlines_of(db: Session, complaint: Complaint) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(Deadline)
        .options(joinedload(Deadline.responsible_user))
        .where(Deadline.complaint_id == complaint.id)
        .order_by(Deadline.due_at)
    )
    return [
        {
            "kind": row.kind.value,
            "step": STEP_OF_KIND[row.kind].value,
            "label": deadline_label(row.kind),
            "due_at": row.due_at,
            "status": row.status.value,
            "responsible": row.responsible_user.username if row.responsible_user else None,
            "responsible_name": row.responsible_user.display_name if row.responsible_user else "",
            "pending": _pending(row, complaint),
        }
        for row in rows
    ]


def overdue_of(deadlines: list[dict[str, Any]], *, now: datetime) -> list[dict[str, Any]]:
    """Art. 7: the deadlines of a complaint (``deadlines_of``) whose step is still to be done
    and whose due time has passed, breach recorded or not: the complaint page's banner."""
    return [row for row in deadlines if row["pending"] and row["due_at"] <= now]


def deadline_label(kind: DeadlineKind) -> str:
    """A deadline's name for staff; the written record's names the configured limit."""
    if kind is DeadlineKind.written_record:
        return f"{duration_label(get_settings().record_deadline)}文字记录"
    return kind.label


def _earlier_visible(db: Session, complaint: Complaint, user: User) -> bool:
    """Art. 2(4) links a repeat to the earlier complaint; its reference is shown only to one
    who may open that complaint (Art. 2(5))."""
    earlier = db.get(Complaint, complaint.repeat_of_id) if complaint.repeat_of_id else None
    return earlier is not None and may_view(user, earlier)


# What the system does by itself: kept in the audit log and the API's full timeline, folded
# out of the staff page's timeline unless asked for (显示系统记录).
SYSTEM_EVENTS = frozenset(
    {
        "handling_form_generated",
        "notification_sent",
        "notification_resend",
        "deadline_check_scheduled",
        "deadlines_scheduled",
    }
)


def is_system_event(kind: str) -> bool:
    return kind in SYSTEM_EVENTS or kind.endswith("_scheduled")


def timeline_of(db: Session, case: CaseFile, user: User) -> list[dict[str, Any]]:
    show_earlier = _earlier_visible(db, case.complaint, user)
    return [
        {
            "seq": event.seq,
            "at": event.at,
            "kind": event.kind,
            "label": event_label(event.kind),
            "actor": event.username,
            "actor_name": event.actor_name,
            "summary": _event_summary(event.data, show_earlier=show_earlier),
            "system": is_system_event(event.kind),
        }
        for event in case.events
    ]


def _event_summary(data: dict[str, Any], *, show_earlier: bool) -> str:
    parts = []
    if data.get("stage") in Stage.__members__:
        parts.append(f"→ {Stage(data['stage']).label}")
    for key, yes, no in (
        ("founded", "属实", "不属实"),
        ("approved", "同意", "退回"),
        ("confirmed", "客户确认", "客户不认可"),
        ("satisfied", "满意", "不满意"),
        ("major", "重大投诉", "非重大投诉"),
    ):
        if isinstance(data.get(key), bool):
            parts.append(yes if data[key] else no)
    if data.get("method") in ContactMethod.__members__:
        reached = "已联系上" if data.get("reached") else "未联系上"
        parts.append(f"{ContactMethod(data['method']).label}，{reached}")
    if data.get("late"):
        parts.append("超过文字记录时限")
    if data.get("notification") in NotificationKind.__members__:
        parts.append(NotificationKind(data["notification"]).label)
    if data.get("overrides"):
        parts.append("人工调整了系统建议：" + "、".join(sorted(data["overrides"])))
    if data.get("repeat_of"):
        parts.append(f"重复投诉（前次 {data['repeat_of']}）" if show_earlier else "重复投诉")
    return "；".join(parts)


def complaint_detail(
    db: Session, complaint: Complaint, user: User, settings: Settings
) -> dict[str, Any]:
    """The JSON API's view of a complaint (``ComplaintDetail``)."""
    step = STEP_OF_STAGE.get(complaint.stage)
    customer = customer_view(complaint, user)
    if not customer["masked"]:
        log.info("personal data of complaint %s shown to %s", complaint.reference, user.username)
    return {
        "id": complaint.id,
        "reference": complaint.reference,
        "channel": complaint.channel,
        "complainant": complaint.complainant_kind,
        "received_at": complaint.received_at,
        "stage": complaint.stage,
        "stage_label": complaint.stage.label,
        "current_step": step,
        "department": complaint.department.code,
        "category": complaint.category,
        "suggested_category": complaint.suggested_category,
        "classification_reasons": list(complaint.classification_reasons or []),
        "major": complaint.major,
        "suggested_major": complaint.suggested_major,
        "major_reasons": list(complaint.major_reasons or []),
        "resolved_on_the_spot": complaint.resolved_on_the_spot,
        "promised_reply_at": complaint.promised_reply_at,
        "first_inquiry_owner": complaint.first_inquiry_owner.username,
        "handler": complaint.handler.username if complaint.handler else None,
        "handling_round": complaint.handling_round,
        "reopen_count": complaint.reopen_count,
        "flow_run_id": complaint.flow_run_id,
        "flow_run_url": prefect_run_url(settings, complaint.flow_run_id),
        "product": complaint.product,
        "amount": float(complaint.amount) if complaint.amount is not None else None,
        "content": text_for(user, complaint, complaint.content),
        "customer": customer,
        **subject_view(complaint, user),
        "deadlines": deadlines_of(db, complaint),
        "timeline": timeline_of(db, read_case_file(db, complaint), user),
        "contacts": contacts_view(db, complaint, user),
        "extensions": extensions_view(db, complaint),
        "closure": closure_view(db, complaint),
        "evidence": evidence_view(db, complaint, user),
        "channel_details": channel_details_view(db, complaint, user, settings),
    }


def channel_details_view(
    db: Session, complaint: Complaint, user: User, settings: Settings
) -> dict[str, Any] | None:
    """The channel's details; the reply note masked as the case's other free text."""
    data = channel_details_data(db, complaint, settings)
    if data is None:
        return None
    data["lines"] = [text_for(user, complaint, line) or "" for line in data["lines"]]
    if data["regulator_reply"] is not None:
        reply = data["regulator_reply"]
        reply["note"] = text_for(user, complaint, reply["note"]) or ""
    return data


def evidence_view(
    db: Session, complaint: Complaint, user: User, *, prefix: str = "/api"
) -> list[dict[str, Any]]:
    """The files attached as evidence, with their download addresses (``prefix``: the API's,
    or "" for the pages')."""
    return [
        {
            "sha256": item.sha256,
            "name": text_for(user, complaint, item.original_name),
            "size": item.size,
            "size_label": size_label(item.size),
            "media_type": item.media_type,
            "uploaded_by": item.uploaded_by.username,
            "uploaded_by_name": item.uploaded_by.display_name,
            "uploaded_at": item.uploaded_at,
            "download_url": f"{prefix}/complaints/{complaint.reference}/evidence/{item.sha256}",
        }
        for item in evidence_of(db, complaint.id)
    ]


def evidence_panel(
    db: Session, complaint: Complaint, user: User, error: str | None
) -> dict[str, Any]:
    """What the complaint page shows of the evidence: the list, and the upload form (or why
    not: archived, or not one who handles the case)."""
    settings = get_settings()
    why_not = ""
    if is_archived(db, complaint):
        why_not = "投诉已归档，证据材料不可再增加"
    else:
        try:
            ensure_may_attach(complaint, user)
        except StepError as refusal:
            why_not = refusal.message
    return {
        "evidence": evidence_view(db, complaint, user, prefix=""),
        "may_attach": not why_not,
        "why_no_attach": why_not,
        "evidence_error": error or "",
        "evidence_limit": size_label(settings.evidence_max_bytes),
        "evidence_types": allowed_label(settings.evidence_type_list),
        "evidence_accept": ",".join(f".{kind}" for kind in settings.evidence_type_list),
    }


def subject_view(complaint: Complaint, user: User) -> dict[str, Any]:
    """Who or what the complaint is about and the customer's demand (``SubjectOut``,
    ``DemandOut``); the demand's note as ``user`` may see it (``text_for``)."""
    department = complaint.subject_department
    staff = complaint.subject_user
    return {
        "subject": {
            "department": department.code if department else None,
            "department_name": department.name if department else None,
            "staff": staff.username if staff else None,
            "staff_name": staff.display_name if staff else None,
            "institution": complaint.subject_institution,
            "product": complaint.product,
        },
        "demand": {
            "code": complaint.demand,
            "label": complaint.demand.label if complaint.demand else None,
            "note": text_for(user, complaint, complaint.demand_note),
        },
    }


def subject_panel(
    complaint: Complaint,
    user: User,
    errors: dict[str, str] | None,
    values: dict[str, str] | None,
) -> dict[str, Any]:
    """The complaint page's panel of the subject and the demand: what is recorded, and the form
    to confirm or correct it while that is allowed to this user (else why not)."""
    why_not = ""
    try:
        ensure_may_confirm(complaint, user)
    except StepError as error:
        why_not = error.message
    subject = subject_view(complaint, user)
    if values is None:
        values = {
            "subject_department": (subject["subject"]["department"] or ""),
            "subject_staff": subject["subject"]["staff"] or "",
            "subject_institution": complaint.subject_institution or "",
            "product": complaint.product or "",
            "demand": complaint.demand.value if complaint.demand else "",
            "demand_note": subject["demand"]["note"] or "",
        }
    return {
        "subject_info": subject["subject"],
        "demand_info": subject["demand"],
        "subject_form": not why_not,
        "subject_why_not": why_not,
        "subject_errors": errors or {},
        "subject_values": values,
        "demands": list(Demand),
    }


def closure_view(db: Session, complaint: Complaint) -> dict[str, Any] | None:
    """An early closure (process version 3) as the API shows it."""
    closure = closure_of(db, complaint.id)
    if closure is None:
        return None
    return {
        "reason": closure.reason,
        "reason_label": closure.reason.label,
        "note": closure.note,
        "withdrawal_method": closure.withdrawal_method,
        "withdrawn_at": closure.withdrawn_at,
        "closed_by": closure.closed_by.username,
        "closed_at": closure.closed_at,
    }


def extension_out(extension: ReplyExtension) -> dict[str, Any]:
    """A request for a later reply time as the API and the pages show it."""
    decided_by = extension.decided_by
    return {
        "id": extension.id,
        "status": extension.status.value,
        "status_label": extension.status.label,
        "requested_by": extension.requested_by.username,
        "requested_by_name": extension.requested_by.display_name,
        "requested_at": extension.requested_at,
        "previous_reply_at": extension.previous_reply_at,
        "new_reply_at": extension.new_reply_at,
        "reason": extension.reason,
        "complex": extension.complex_case,
        "via_handling": extension.via_handling,
        "decided_by": decided_by.username if decided_by else None,
        "decided_by_name": decided_by.display_name if decided_by else None,
        "decided_at": extension.decided_at,
        "comment": extension.comment,
    }


def extensions_view(db: Session, complaint: Complaint) -> list[dict[str, Any]]:
    """The complaint's requests for a later reply time and their decisions (Art. 2(4), 7)."""
    return [extension_out(extension) for extension in extensions_of(db, complaint.id)]


def extension_panel(
    db: Session,
    complaint: Complaint,
    user: User,
    errors: dict[str, str] | None,
    values: dict[str, str] | None,
) -> dict[str, Any]:
    """What the complaint page shows of the extensions: the list, the form to ask (or why
    not), and the pending request the user may decide."""
    why_not = ""
    if complaint.stage in (Stage.closed, Stage.archived):
        why_not = "投诉已办结，不能再申请延期答复"
    elif owed_reply_deadline(db, complaint.id) is None:
        why_not = "处理结果已告知客户，承诺回复时间已履行，无需延期"
    elif pending_extension(db, complaint.id) is not None:
        why_not = "已有一项延期申请待上级审批"
    else:
        try:
            ensure_may_request(complaint, user)
        except StepError as error:
            why_not = error.message
    pending = pending_extension(db, complaint.id)
    return {
        "extensions": extensions_view(db, complaint),
        "may_request_extension": not why_not,
        "why_no_extension": why_not,
        "extension_to_decide": pending if pending and may_decide(db, pending, user) else None,
        "extension_errors": errors or {},
        "extension_values": values or {},
    }


def contacts_view(db: Session, complaint: Complaint, user: User) -> list[dict[str, Any]]:
    """The contacts with the customer (Art. 2(4)); what was said is personal (Art. 2(5)) and
    shown only to those who handle the case."""
    shown = may_see_personal_data(user, complaint)
    return [
        {
            "id": contact.id,
            "method": contact.method.value,
            "method_label": contact.method.label,
            "reached": contact.reached,
            "summary": contact.summary if shown else None,
            "contacted_by": contact.contacted_by.username,
            "contacted_by_name": contact.contacted_by.display_name,
            "contacted_at": contact.contacted_at,
        }
        for contact in contacts_of(db, complaint.id)
    ]


def contact_panel(
    db: Session,
    complaint: Complaint,
    user: User,
    errors: dict[str, str] | None,
    values: dict[str, str] | None,
) -> dict[str, Any]:
    """What the complaint page shows of the contacts: the list, the form (or why not), and
    whether a contact with the customer is due."""
    why_not = ""
    if complaint.stage is Stage.archived:
        why_not = "投诉已归档，不能再登记联系记录"
    else:
        try:
            ensure_may_record_contact(complaint, user)
        except StepError as error:
            why_not = error.message
    return {
        "contacts": contacts_view(db, complaint, user),
        "may_record_contact": not why_not,
        "why_no_contact": why_not,
        "contact_methods": list(ContactMethod),
        "contact_errors": errors or {},
        "contact_values": values or {},
        "contact_due": len(open_contact_due(db, complaint.id)),
        "max_summary": MAX_SUMMARY,
    }


def closure_panel(
    db: Session,
    complaint: Complaint,
    user: User,
    errors: dict[str, str] | None,
    values: dict[str, str] | None,
) -> dict[str, Any]:
    """What the complaint page shows of an early closure (process version 3): the closure if
    there is one, else the form with the reasons the user may close for (or why not)."""
    closure = closure_of(db, complaint.id)
    reasons: list[ClosureReason] = []
    why_not = ""
    if closure is not None or complaint.stage in (Stage.closed, Stage.archived):
        why_not = "投诉已办结"
    elif complaint.process_version < CLOSURE_VERSION:
        why_not = (
            f"该投诉按第 {complaint.process_version} 版流程办理，没有提前办结环节，"
            "请按原流程办理至客户反馈"
        )
    else:
        for reason in ClosureReason:
            if reason is ClosureReason.leadership_decision and (
                complaint.stage is not Stage.awaiting_leadership_decision
            ):
                continue
            try:
                ensure_may_close(complaint, user, reason)
            except StepError as error:
                why_not = why_not or error.message
                continue
            reasons.append(reason)
        if reasons:
            why_not = ""
    return {
        "closure": closure,
        "closure_reasons": reasons,
        "why_no_closure": why_not,
        "closure_errors": errors or {},
        "closure_values": values or {},
        "unreachable_attempts": get_settings().unreachable_attempts,
    }


# Lists ---------------------------------------------------------------------------------------


@dataclass
class ListRow:
    reference: str
    received_at: datetime
    channel: str
    category: str
    department: str
    stage: str
    customer: str
    phone: str
    major: bool | None
    suggested_major: bool
    owner: str
    handler: str
    next_due: datetime | None = None
    next_due_label: str = ""
    step: Step | None = None  # the step the complaint waits for (None once closed)
    overdue: bool = False  # a pending deadline is past its due time


def _pending(deadline: Deadline, complaint: Complaint) -> bool:
    return still_awaited(deadline.kind, deadline.status, deadline.met_at, complaint.stage)


def _latest_pending(db: Session, complaints: list[Complaint]) -> dict[int, list[Deadline]]:
    """Pending deadlines per complaint: the newest of each kind whose step is not done."""
    by_id = {complaint.id: complaint for complaint in complaints}
    if not by_id:
        return {}
    latest: dict[tuple[int, DeadlineKind], Deadline] = {}
    for row in db.scalars(
        select(Deadline)
        .options(joinedload(Deadline.responsible_user))
        .where(
            Deadline.complaint_id.in_(by_id),
            Deadline.status.in_([DeadlineStatus.open, DeadlineStatus.breached]),
        )
    ):
        key = (row.complaint_id, row.kind)
        if key not in latest or row.sequence > latest[key].sequence:
            latest[key] = row
    pending: dict[int, list[Deadline]] = {}
    for (complaint_id, _), row in latest.items():
        if _pending(row, by_id[complaint_id]):
            pending.setdefault(complaint_id, []).append(row)
    for rows in pending.values():
        rows.sort(key=lambda row: row.due_at)
    return pending


_WITH_PEOPLE = (
    joinedload(Complaint.contact),
    joinedload(Complaint.department),
    joinedload(Complaint.first_inquiry_owner),
    joinedload(Complaint.handler),
)


def _rows(db: Session, query: Select[Complaint]) -> list[ListRow]:
    complaints = list(
        db.scalars(
            query.options(*_WITH_PEOPLE)
            .order_by(Complaint.received_at.desc(), Complaint.id.desc())
            .limit(LIST_LIMIT)
        ).unique()
    )
    return _list_rows(db, complaints, now=utcnow())


def _list_rows(db: Session, complaints: list[Complaint], *, now: datetime) -> list[ListRow]:
    pending = _latest_pending(db, complaints)
    rows = []
    for complaint in complaints:
        due = pending.get(complaint.id, [])
        rows.append(
            ListRow(
                reference=complaint.reference,
                received_at=complaint.received_at,
                channel=complaint.channel.label,
                category=complaint.category.label,
                department=complaint.department.name,
                stage=complaint.stage.label,
                customer=mask_name(complaint.contact.name),
                phone=mask_phone(complaint.contact.phone),
                major=complaint.major,
                suggested_major=complaint.suggested_major,
                owner=complaint.first_inquiry_owner.display_name,
                handler=complaint.handler.display_name if complaint.handler else "",
                next_due=due[0].due_at if due else None,
                next_due_label=deadline_label(due[0].kind) if due else "",
                step=STEP_OF_STAGE.get(complaint.stage),
                overdue=bool(due) and due[0].due_at <= now,
            )
        )
    return rows


def _open_only(query: Select[Complaint], include_closed: bool) -> Select[Complaint]:
    return query if include_closed else query.where(Complaint.stage.not_in(CLOSED_STAGES))


def my_complaints(db: Session, user: User, *, include_closed: bool = False) -> list[ListRow]:
    """Art. 2(4): the complaints a person received (owner for life) or follows up."""
    query = select(Complaint).where(
        or_(Complaint.first_inquiry_owner_id == user.id, Complaint.handler_id == user.id)
    )
    return _rows(db, _open_only(query, include_closed))


def department_queue(
    db: Session, department_id: int, *, include_closed: bool = False
) -> list[ListRow]:
    query = select(Complaint).where(Complaint.department_id == department_id)
    return _rows(db, _open_only(query, include_closed))


def major_cases(db: Session, *, include_closed: bool = False) -> list[ListRow]:
    """Art. 4(3): decided major cases, and those that will need the decision (suggested as
    major, or transferred by a regulator) while it is not made — leadership sees them early."""
    undecided = and_(
        Complaint.major.is_(None),
        or_(Complaint.suggested_major.is_(True), Complaint.channel == Channel.regulator_transfer),
    )
    query = select(Complaint).where(
        or_(
            Complaint.major.is_(True),
            undecided,
            # Waiting for the decision (intake's answer is only a proposal), for leadership's
            # instruction or for their sign-off.
            Complaint.stage.in_(
                [
                    Stage.awaiting_major_decision,
                    Stage.awaiting_leadership_instruction,
                    Stage.awaiting_leadership_review,
                ]
            ),
        )
    )
    return _rows(db, _open_only(query, include_closed))


# 待我办理: what a person may act on now ------------------------------------------------------


def _urgency(row: ListRow) -> tuple[bool, datetime, datetime]:
    """Overdue first, then the nearest due time, then the oldest; no deadline last."""
    far = datetime.max.replace(tzinfo=UTC)
    return (not row.overdue, row.next_due or far, row.received_at)


@dataclass
class Worklist:
    rows: list[ListRow]  # the chosen step's, or all, most urgent first
    counts: list[tuple[Step, int]]  # per step, in the regulation's order
    total: int
    step: Step | None  # the step filtered on


def worklist(db: Session, user: User, *, now: datetime, step: Step | None = None) -> Worklist:
    """The complaints at a step ``user`` may take now (Art. 5(4), by the same rule the step's
    service applies: ``services.steps.ensure_may_act``), most urgent first, with counts per
    step; ``step`` keeps one step's."""
    steps = [each for each, spec in STEPS.items() if user.role in spec.roles]
    if user.role is Role.admin or not steps:
        return Worklist([], [], 0, step)
    query = select(Complaint).where(
        Complaint.stage.in_([STAGE_OF_STEP[each] for each in steps]), visible_complaints(user)
    )
    candidates = db.scalars(
        query.options(*_WITH_PEOPLE).order_by(Complaint.received_at).limit(5 * LIST_LIMIT)
    ).unique()
    mine = []
    for complaint in candidates:
        try:
            ensure_may_act(complaint, user, STEP_OF_STAGE[complaint.stage])
        except (StepForbidden, StepInputError):  # not theirs, or they are complained about
            continue
        mine.append(complaint)
    rows = sorted(_list_rows(db, mine, now=now), key=_urgency)
    per_step = Counter(row.step for row in rows)
    counts = [(each, per_step[each]) for each in Step if per_step[each]]
    chosen = [row for row in rows if step is None or row.step is step]
    return Worklist(chosen[:LIST_LIMIT], counts, len(rows), step)


def overdue_complaints(db: Session, user: User, *, now: datetime) -> list[DueRow] | None:
    """Art. 7: the pending deadlines past their due time that a manager answers for in the
    department, and leadership and compliance in the company; None for everyone else."""
    if user.role is Role.manager and user.department_id is not None:
        scope = Complaint.department_id == user.department_id
    elif user.role in (Role.leadership, Role.compliance):
        scope = true()
    else:
        return None
    return [row for row in _due_rows(db, scope, now=now, until=now) if row.overdue]


@dataclass
class DueRow:
    reference: str
    kind: str
    due_at: datetime
    overdue: bool
    responsible: str
    stage: str
    department: str


def due_deadlines(db: Session, user: User, *, now: datetime) -> list[DueRow]:
    """Art. 7: pending deadlines that are past or fall within the next 24 hours (or whose warning
    time has come), for what the user may see; a staff member sees the ones they answer for."""
    if user.role is Role.staff:
        scope = or_(
            Complaint.first_inquiry_owner_id == user.id,
            Complaint.handler_id == user.id,
            Complaint.id.in_(
                select(Deadline.complaint_id).where(Deadline.responsible_user_id == user.id)
            ),
        )
    else:
        scope = visible_complaints(user)
    return _due_rows(db, scope, now=now, until=now + SOON)


def _due_rows(
    db: Session, scope: ColumnElement[bool], *, now: datetime, until: datetime
) -> list[DueRow]:
    """Pending deadlines of the open complaints in ``scope`` due by ``until`` (or whose warning
    time has come), the earliest first."""
    query = select(Complaint).where(Complaint.stage.not_in(CLOSED_STAGES), scope)
    complaints = list(
        db.scalars(query.options(joinedload(Complaint.department)).limit(5 * LIST_LIMIT)).unique()
    )
    by_id = {complaint.id: complaint for complaint in complaints}
    rows = []
    for complaint_id, deadlines in _latest_pending(db, complaints).items():
        complaint = by_id[complaint_id]
        for deadline in deadlines:
            soon = deadline.due_at <= until or (
                deadline.warn_at is not None and deadline.warn_at <= now
            )
            if not soon:
                continue
            responsible = deadline.responsible_user
            rows.append(
                DueRow(
                    reference=complaint.reference,
                    kind=deadline_label(deadline.kind),
                    due_at=deadline.due_at,
                    overdue=deadline.due_at <= now,
                    responsible=responsible.display_name if responsible else "",
                    stage=complaint.stage.label,
                    department=complaint.department.name,
                )
            )
    return sorted(rows, key=lambda row: row.due_at)


@dataclass
class SearchResult:
    rows: list[ListRow]
    by: str  # "reference", "phone" or "" (nothing searchable given)


def search(db: Session, user: User, text: str) -> SearchResult:
    """By reference (exact) or by the complainant's phone — the latter only among complaints
    whose customer the user sees unmasked. A phone search is logged without the number
    (Art. 2(5))."""
    text = text.strip()
    if looks_like_reference(text):
        query = select(Complaint).where(Complaint.reference == text.upper())
        by = "reference"
    elif looks_like_phone(text):
        phone = normalize_phone(text)
        query = select(Complaint).where(
            Complaint.id.in_(select(Contact.complaint_id).where(Contact.phone == phone)),
            unmasked_complaints(user),
        )
        by = "phone"
    else:
        return SearchResult([], "")
    rows = _rows(db, query.where(visible_complaints(user)))
    if by == "phone":
        log.info("search by phone by %s: %d complaints shown", user.username, len(rows))
    return SearchResult(rows, by)


def content_disposition(name: str) -> str:
    """``attachment`` with the name as uploaded (RFC 6266 / RFC 5987 ``filename*``) and a
    plain ASCII fallback for old clients."""
    fallback = (
        "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in name).strip()
        or "evidence"
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# The handling form (客户投诉处理表) -----------------------------------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def handling_form_bytes(db: Session, complaint: Complaint, settings: Settings) -> bytes:
    """The form as it stands: the archived copy (checksum verified) once archived, otherwise
    rendered now from the database (nothing is written)."""
    from services.handling_form import handling_form_data, read_archived_form, render_handling_form

    if complaint.stage is Stage.archived:
        return read_archived_form(db, complaint.id)
    data = handling_form_data(db, complaint.id, tz=settings.tz)
    now = datetime.now(settings.tz)
    return render_handling_form(data, generated_at=f"{now:%Y-%m-%d %H:%M}（当前状态）")

"""A later reply time with the superior's approval (延期答复, Art. 2(4), Art. 7): the one place
its rules live, for the web app, the JSON API and the handling step alike.

- **Asking** (`request_extension`): the person answering for the reply — the complaint's
  handler or its first-inquiry owner — asks for a new reply time with a reason, optionally
  marking the case complex, while the reply is still owed (the customer has not heard the
  result). One request pending at a time. The new time must lie ahead, after the one promised,
  and within the limit counted from receipt (`policy.extensions`); beyond it the request is
  refused with the advice to report to the superior (Art. 7). A regulator transfer's reply
  time never passes the regulator's reply deadline (``services.channels``, Art. 3).
- **Deciding** (`decide_extension`): the requester's superior (``User.superior``; without one,
  the manager of the requester's department), or company leadership, approves or refuses; never
  the requester. Approved: the promised reply time moves, the owed ``reply`` deadline is
  replaced by one due at the new time (a breached one stays breached on record), and the
  customer is told of the extension and its reason, once (a progress notice; without email, a
  contact-due item). Refused: only the request changes.
- **Lapsing** (`lapse_pending_extensions`): when the customer hears the result, a request not yet
  decided has nothing left to extend.

The complaint log's events carry ids, dates and flags, never the reason's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config.settings import Settings, get_settings
from models.complaint import Complaint
from models.extensions import ReplyExtension
from models.people import User
from policy.enums import DeadlineKind, Role, Stage
from policy.extensions import (
    MAX_REASON,
    ExtensionError,
    ExtensionStatus,
    check_extension,
    extension_limit,
)
from policy.text import is_blank
from services.audit import append_event
from services.channels import check_within_regulator
from services.contacts import queue_progress_notice
from services.deadlines import open_deadline, owed_reply_deadline
from services.directory import department_manager
from services.step_errors import StepConflict, StepForbidden, StepInputError, StepNotFound

# Characters that cannot be stored (NUL on PostgreSQL) or shown: all controls but line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The reason recorded for a new promised reply time given with the handling step.
HANDLING_REASON = "核实处理后，处理方案的落实需要更多时间"
REQUESTED = "reply_extension_requested"
DECIDED = "reply_extension_decided"


def _lock(session: Session, complaint: Complaint) -> None:
    """Two requests or decisions at once: the complaint row decides which goes first. A no-op
    UPDATE of the row is the first write, as in ``services.steps._claim``: on PostgreSQL it
    takes the row lock, on SQLite the database's write lock (a SELECT … FOR UPDATE takes none
    there); the second waits for the first to commit, then sees what it wrote."""
    session.execute(
        update(Complaint).where(Complaint.id == complaint.id).values(stage=Complaint.stage)
    )
    session.refresh(complaint)


def _clean(value: str | None, *, field: str, label: str, required: bool) -> str:
    text = (value or "").strip()
    if is_blank(text):
        if required:
            raise StepInputError(f"请填写{label}", field=field)
        return ""
    if len(text) > MAX_REASON:
        raise StepInputError(f"{label}不能超过 {MAX_REASON} 个字符", field=field)
    if _CONTROL.search(text):
        raise StepInputError(f"{label}含有无法保存的控制字符，请删除后重试", field=field)
    return text


def pending_extension(session: Session, complaint_id: int) -> ReplyExtension | None:
    return session.scalar(
        select(ReplyExtension).where(
            ReplyExtension.complaint_id == complaint_id,
            ReplyExtension.status == ExtensionStatus.pending,
        )
    )


def extensions_of(session: Session, complaint_id: int) -> list[ReplyExtension]:
    """A complaint's requests for a later reply time, oldest first."""
    return list(
        session.scalars(
            select(ReplyExtension)
            .where(ReplyExtension.complaint_id == complaint_id)
            .order_by(ReplyExtension.requested_at, ReplyExtension.id)
        )
    )


def ensure_may_request(complaint: Complaint, actor: User) -> None:
    """Art. 2(4) 首问负责制: the person answering for the reply asks — the handler or the
    first-inquiry owner. Raises `StepForbidden` (403)."""
    if not actor.active:
        raise StepForbidden("该账号已停用")
    if actor.id in (complaint.handler_id, complaint.first_inquiry_owner_id):
        return
    raise StepForbidden("只有该投诉的跟进人员或首问负责人可以申请延期答复（第二条第四项）")


def request_extension(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    new_reply_at: datetime | None,
    reason: str | None,
    now: datetime,
    complex_case: bool = False,
    via_handling: bool = False,
    settings: Settings | None = None,
) -> ReplyExtension:
    """Ask for a later reply time, pending the superior's approval, in the caller's
    transaction. ``via_handling``: asked with the handling step, whose own check of who may
    act applies. Refusals (nothing written): `StepConflict` (409) when the reply is no longer
    owed or a request is pending, `StepForbidden` (403), `StepInputError` (422)."""
    settings = settings or get_settings()
    _lock(session, complaint)
    if complaint.stage in (Stage.closed, Stage.archived):
        raise StepConflict(f"投诉 {complaint.reference} 已办结，不能再申请延期答复")
    if not via_handling:
        ensure_may_request(complaint, actor)
    owed = owed_reply_deadline(session, complaint.id)
    if owed is None:
        raise StepConflict(
            f"投诉 {complaint.reference} 的处理结果已告知客户，承诺回复时间已履行，无需延期"
        )
    if pending_extension(session, complaint.id) is not None:
        raise StepConflict(
            f"投诉 {complaint.reference} 已有一项延期申请待上级审批，请待审批后再申请"
        )
    field = "promised_reply_at" if via_handling else "new_reply_at"
    if new_reply_at is None:
        raise StepInputError("请填写申请延至的回复时间", field=field)
    if new_reply_at.tzinfo is None:
        new_reply_at = new_reply_at.replace(tzinfo=settings.tz)
    text = _clean(reason, field="reason", label="延期理由", required=True)
    limit = extension_limit(
        complaint.received_at,
        complex_case=complex_case,
        reply_days=settings.reply_days,
        reply_working_days=settings.reply_working_days,
        extension_max_days=settings.extension_max_days,
        reply_max_days=settings.reply_max_days,
        tz=settings.timezone,
    )
    try:
        check_extension(
            received_at=complaint.received_at,
            current_reply_at=complaint.promised_reply_at,
            new_reply_at=new_reply_at,
            now=now,
            limit=limit,
            tz=settings.timezone,
        )
    except ExtensionError as error:
        raise StepInputError(str(error), field=field) from None
    check_within_regulator(session, complaint, new_reply_at, field=field, settings=settings)
    row = ReplyExtension(
        complaint_id=complaint.id,
        requested_by_id=actor.id,
        requested_at=now,
        previous_reply_at=complaint.promised_reply_at,
        new_reply_at=new_reply_at,
        reason=text,
        complex_case=complex_case,
        via_handling=via_handling,
        status=ExtensionStatus.pending,
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        complaint=complaint,
        kind=REQUESTED,
        actor_id=actor.id,
        occurred_at=now,
        data={
            "extension_id": row.id,
            "new_reply_at": new_reply_at.isoformat(),
            "complex": complex_case,
            "via_handling": via_handling,
        },
    )
    session.flush()
    return row


def decider_of(session: Session, requester: User) -> User | None:
    """Who approves a request besides leadership: the requester's superior; without one, the
    manager of the requester's department (not the requester themselves)."""
    if requester.superior is not None and requester.superior.active:
        return requester.superior
    if requester.department_id is None:
        return None
    manager = department_manager(session, requester.department_id)
    return manager if manager is not None and manager.id != requester.id else None


def may_decide(session: Session, extension: ReplyExtension, actor: User) -> bool:
    if not actor.active or actor.id == extension.requested_by_id:
        return False
    if actor.role is Role.leadership:
        return True
    decider = decider_of(session, extension.requested_by)
    return decider is not None and decider.id == actor.id


def decide_extension(
    session: Session,
    *,
    complaint: Complaint,
    extension_id: int,
    actor: User,
    approved: bool | None,
    comment: str | None,
    now: datetime,
    settings: Settings | None = None,
) -> ReplyExtension:
    """Art. 7: the requester's superior approves or refuses a request, in the caller's
    transaction. Refusals (nothing written): `StepNotFound` (404), `StepForbidden` (403),
    `StepConflict` (409: already decided, or the reply is no longer owed), `StepInputError`
    (422)."""
    settings = settings or get_settings()
    _lock(session, complaint)
    extension = session.get(ReplyExtension, extension_id, populate_existing=True)
    if extension is None or extension.complaint_id != complaint.id:
        raise StepNotFound(f"投诉 {complaint.reference} 没有编号为 {extension_id} 的延期申请")
    if not may_decide(session, extension, actor):
        raise StepForbidden(
            "只有申请人的上级（未设上级时为其部门经理）或公司领导可以审批延期申请，"
            "申请人不能审批自己的申请（第七条）"
        )
    if extension.status is not ExtensionStatus.pending:
        raise StepConflict(f"该延期申请已{extension.status.label}，不能再审批")
    if approved is None:
        raise StepInputError("请选择是否批准延期", field="approved")
    text = _clean(comment, field="comment", label="审批意见", required=not approved)
    owed = owed_reply_deadline(session, complaint.id)
    if approved:
        if owed is None:
            raise StepConflict(
                f"投诉 {complaint.reference} 的处理结果已告知客户，承诺回复时间已履行，无需延期"
            )
        if extension.new_reply_at <= now:
            raise StepConflict("申请延至的回复时间已经过去，不能批准；请申请人重新申请")
        # The regulator's deadline may have moved earlier since the request.
        check_within_regulator(
            session, complaint, extension.new_reply_at, field="approved", settings=settings
        )
    extension.status = ExtensionStatus.approved if approved else ExtensionStatus.refused
    extension.decided_by_id = actor.id
    extension.decided_at = now
    extension.comment = text or None
    if approved and owed is not None:
        complaint.promised_reply_at = extension.new_reply_at
        open_deadline(
            session,
            complaint,
            kind=DeadlineKind.reply,
            due_at=extension.new_reply_at,
            responsible=owed.responsible_user,
            now=now,
            warning_fraction=settings.deadline_warning_fraction,
        )
    session.flush()
    event = append_event(
        session,
        complaint=complaint,
        kind=DECIDED,
        actor_id=actor.id,
        occurred_at=now,
        data={
            "extension_id": extension.id,
            "approved": bool(approved),
            "new_reply_at": extension.new_reply_at.isoformat() if approved else None,
        },
    )
    session.flush()
    if approved:
        # Art. 2(4): the customer hears of the extension and why, once (keyed by this event).
        queue_progress_notice(
            session,
            complaint=complaint,
            sequence=event.seq,
            reason=DECIDED,
            note=extension_note(extension, settings),
            now=now,
            settings=settings,
        )
    return extension


def extension_note(extension: ReplyExtension, settings: Settings) -> str:
    """What the customer is told of an approved extension: the new time and the reason."""
    when = f"{extension.new_reply_at.astimezone(settings.tz):%Y-%m-%d %H:%M}"
    return f"您的投诉答复时间经批准延至 {when}。延期原因：{extension.reason}"


def lapse_pending_extensions(session: Session, complaint: Complaint, now: datetime) -> None:
    """The customer heard the result: a request still pending has nothing left to extend."""
    extension = pending_extension(session, complaint.id)
    if extension is not None:
        extension.status = ExtensionStatus.lapsed
        extension.decided_at = now


# The pending requests a superior is to decide (待审批的延期申请) ----------------------------------


@dataclass(frozen=True)
class PendingExtensionRow:
    id: int
    reference: str
    requested_by: str
    requested_at: datetime
    previous_reply_at: datetime | None
    new_reply_at: datetime
    complex_case: bool
    reason: str
    department: str


def pending_for(session: Session, user: User) -> list[PendingExtensionRow]:
    """The requests pending that ``user`` may decide, oldest first."""
    rows = []
    for extension, complaint in session.execute(
        select(ReplyExtension, Complaint)
        .join(Complaint, Complaint.id == ReplyExtension.complaint_id)
        .where(ReplyExtension.status == ExtensionStatus.pending)
        .order_by(ReplyExtension.requested_at, ReplyExtension.id)
    ):
        if not may_decide(session, extension, user):
            continue
        rows.append(
            PendingExtensionRow(
                id=extension.id,
                reference=complaint.reference,
                requested_by=extension.requested_by.display_name,
                requested_at=extension.requested_at,
                previous_reply_at=extension.previous_reply_at,
                new_reply_at=extension.new_reply_at,
                complex_case=extension.complex_case,
                reason=extension.reason,
                department=complaint.department.name,
            )
        )
    return rows

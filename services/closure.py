"""Closing a complaint before a satisfied customer's feedback (process version 3): the one place
its rules live, for the staff app, the JSON API and leadership's decision step alike.

- **Who** (Art. 5(4)): *unreachable*: the manager of the complaint's department, or company
  leadership; *withdrawn*: the complaint's handler, the manager of its department, or
  leadership (whoever heard the customer withdraw records how they said it);
  *leadership_decision*: leadership, only while the complaint waits for their decision after
  the reopened rounds allowed (``policy.closure.goes_to_leadership``).
- **When**: a complaint that is open and follows version 3 or later; a regulator transfer
  only once the reply to the regulator is recorded (``services.channels``, Art. 3). Versions
  1 and 2 have no closure step: a complaint pinned to them finishes by their own steps (409).
- **The rules**: ``policy.closure`` (unreachable: failed attempts on enough different days;
  withdrawn: how the customer said it). A refusal writes nothing.
- **What a closure does**, in the caller's transaction: the closure row; the complaint closed;
  every limit still running settled (the awaited step's is met, the others cancelled; a
  breached one stays breached, noting when the case was closed), so no open deadline remains;
  contact-due items cleared and a pending request for a later reply time lapsed (periodic
  progress notices only go to open complaints); the audit event (reason, method and stage —
  never the note). The caller commits, then wakes the complaint's run
  (``orchestration.runs.resume_for_step`` with the acting username only), which sees the
  closure at whatever step it waits and goes on to the closure notice, the final form and the
  archive.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from config.settings import Settings, get_settings
from models.closure import ComplaintClosure, LeadershipDecision
from models.complaint import Complaint, CustomerFeedback
from models.contact_log import CustomerContactAttempt
from models.operations import Deadline
from models.people import User
from policy.closure import (
    MAX_NOTE,
    ClosureReason,
    ClosureRefused,
    check_unreachable,
    goes_to_leadership,
)
from policy.contacts import ContactMethod
from policy.enums import DeadlineStatus, Role, Stage
from policy.text import is_blank
from policy.wait_clocks import kinds_settled_on_leaving
from services.audit import append_event
from services.channels import ensure_regulator_replied
from services.contacts import open_contact_due
from services.extensions import lapse_pending_extensions
from services.step_errors import StepConflict, StepForbidden, StepInputError

# The first version of the process with closure paths.
CLOSURE_VERSION = 3
CLOSED_EARLY = "closed_early"
# Characters that cannot be stored (NUL on PostgreSQL) or shown: all controls but line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def closure_of(session: Session, complaint_id: int) -> ComplaintClosure | None:
    return session.scalar(
        select(ComplaintClosure).where(ComplaintClosure.complaint_id == complaint_id)
    )


def _lock(session: Session, complaint: Complaint) -> None:
    """The complaint row decides between a closure and a step taken at once (as
    ``services.steps._claim``): the second waits for the first to commit, then sees it."""
    session.execute(
        update(Complaint).where(Complaint.id == complaint.id).values(stage=Complaint.stage)
    )
    session.refresh(complaint)


def _clean_note(value: str | None) -> str:
    text = (value or "").strip()
    if is_blank(text):
        raise StepInputError("请填写办结说明", field="note")
    if len(text) > MAX_NOTE:
        raise StepInputError(f"办结说明不能超过 {MAX_NOTE} 个字符", field="note")
    if _CONTROL.search(text):
        raise StepInputError("办结说明含有无法保存的控制字符，请删除后重试", field="note")
    return text


def ensure_may_close(complaint: Complaint, actor: User, reason: ClosureReason) -> None:
    """Art. 5(4): who may close for ``reason`` (see the module docstring). `StepForbidden`."""
    if not actor.active:
        raise StepForbidden("该账号已停用")
    if actor.role is Role.leadership:
        return
    manager = actor.role is Role.manager and actor.department_id == complaint.department_id
    if reason is ClosureReason.unreachable and manager:
        return
    if reason is ClosureReason.withdrawn and (manager or actor.id == complaint.handler_id):
        return
    who = {
        ClosureReason.unreachable: "受理部门的经理或公司领导",
        ClosureReason.withdrawn: "该投诉的跟进人员、受理部门的经理或公司领导",
        ClosureReason.leadership_decision: "公司领导",
    }[reason]
    raise StepForbidden(f"只有{who}可以以「{reason.label}」办结该投诉（第五条第四项）")


def close_complaint(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    reason: str | ClosureReason | None,
    note: str | None,
    now: datetime,
    withdrawal_method: str | ContactMethod | None = None,
    withdrawn_at: datetime | None = None,
    settings: Settings | None = None,
) -> ComplaintClosure:
    """Close ``complaint`` for ``reason`` in the caller's transaction (module docstring).
    Refusals, nothing written: `StepConflict` (409) closed, archived, an older process version,
    or (leadership_decision) not waiting for leadership's decision; `StepForbidden` (403);
    `StepInputError` (422) incomplete input or a rule refusing (too few attempts)."""
    settings = settings or get_settings()
    _lock(session, complaint)
    if complaint.stage in (Stage.closed, Stage.archived):
        raise StepConflict(f"投诉 {complaint.reference} 已{complaint.stage.label}，不能再办结")
    if complaint.process_version < CLOSURE_VERSION:
        raise StepConflict(
            f"投诉 {complaint.reference} 按第 {complaint.process_version} 版流程办理，"
            "该版流程没有提前办结环节，请按原流程办理至客户反馈"
        )
    try:
        why = ClosureReason(reason) if reason is not None else None
    except ValueError:
        why = None
    if why is None:
        allowed = "、".join(f"{r.value}（{r.label}）" for r in ClosureReason)
        raise StepInputError(f"请选择办结原因：{allowed}", field="reason")
    if why is ClosureReason.leadership_decision and (
        complaint.stage is not Stage.awaiting_leadership_decision
    ):
        raise StepConflict(
            f"投诉 {complaint.reference} 当前处于「{complaint.stage.label}」，"
            "不在待公司领导决定环节，不能以「公司领导决定办结」办结"
        )
    ensure_may_close(complaint, actor, why)
    # Art. 3: a regulator transfer closes only after the reply to the regulator is recorded.
    ensure_regulator_replied(session, complaint)
    text = _clean_note(note)
    method: ContactMethod | None = None
    if why is ClosureReason.unreachable:
        attempts = session.execute(
            select(CustomerContactAttempt.contacted_at, CustomerContactAttempt.reached).where(
                CustomerContactAttempt.complaint_id == complaint.id
            )
        ).all()
        try:
            check_unreachable(
                [(when, bool(reached)) for when, reached in attempts],
                required=settings.unreachable_attempts,
                tz=settings.tz,
            )
        except ClosureRefused as refused:
            raise StepInputError(str(refused), field="reason") from None
    if why is ClosureReason.withdrawn:
        try:
            method = ContactMethod(withdrawal_method) if withdrawal_method else None
        except ValueError:
            method = None
        if method is None:
            allowed = "、".join(f"{m.value}（{m.label}）" for m in ContactMethod)
            raise StepInputError(f"请选择客户撤回投诉的方式：{allowed}", field="withdrawal_method")
        withdrawn_at = withdrawn_at or now
        if withdrawn_at.tzinfo is None:
            withdrawn_at = withdrawn_at.replace(tzinfo=settings.tz)
        if withdrawn_at > now:
            raise StepInputError("客户撤回投诉的时间不能晚于现在", field="withdrawn_at")
        if withdrawn_at < complaint.received_at:
            raise StepInputError("客户撤回投诉的时间不能早于受理时间", field="withdrawn_at")
    else:
        withdrawn_at = None
    if why is ClosureReason.leadership_decision:
        _decide(session, complaint, actor, another_round=False, note=text, now=now)
    stage_before = complaint.stage
    row = ComplaintClosure(
        complaint_id=complaint.id,
        reason=why,
        note=text,
        withdrawal_method=method,
        withdrawn_at=withdrawn_at,
        stage_before=stage_before.value,
        closed_by_id=actor.id,
        closed_at=now,
    )
    session.add(row)
    _settle_all(session, complaint, stage_before, now)
    for item in open_contact_due(session, complaint.id):
        item.cleared_at = now
    lapse_pending_extensions(session, complaint, now)
    complaint.stage = Stage.closed
    complaint.closed_at = now
    append_event(
        session,
        complaint=complaint,
        kind=CLOSED_EARLY,
        actor_id=actor.id,
        occurred_at=now,
        data={
            "reason": why.value,
            "method": method.value if method else None,
            "stage_before": stage_before.value,
            "stage": Stage.closed.value,
        },
    )
    session.flush()
    return row


def _settle_all(session: Session, complaint: Complaint, stage: Stage, now: datetime) -> None:
    """No limit stays open on a closed complaint: the awaited step's limit is met by the
    closure, the others have nothing left to time (cancelled); a breached one stays breached
    on record and notes when the case was closed."""
    awaited = kinds_settled_on_leaving(stage)
    for deadline in session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint.id,
            Deadline.status.in_([DeadlineStatus.open, DeadlineStatus.breached]),
            Deadline.met_at.is_(None),
        )
    ):
        if deadline.status is DeadlineStatus.breached:
            deadline.met_at = now
        elif deadline.kind in awaited:
            deadline.status = DeadlineStatus.met
            deadline.met_at = now
        else:
            deadline.status = DeadlineStatus.cancelled


# Leadership's decision after the reopened rounds allowed --------------------------------------


def rejections_of(session: Session, complaint_id: int) -> int:
    """How often the customer rejected the result: dissatisfied feedback and disputed
    confirmations (Art. 2(4), 4(2))."""
    count = session.scalar(
        select(func.count(CustomerFeedback.id)).where(
            CustomerFeedback.complaint_id == complaint_id,
            CustomerFeedback.kind.in_(["feedback", "confirmation"]),
            CustomerFeedback.positive.is_(False),
        )
    )
    return int(count or 0)


def refer_to_leadership(
    session: Session, complaint: Complaint, now: datetime, settings: Settings | None = None
) -> bool:
    """Version 3: called when the customer rejected the result (the rejection already added to
    the session): whether it goes to leadership (``policy.closure.goes_to_leadership``); if so,
    the referral is recorded for the round."""
    if complaint.process_version < CLOSURE_VERSION:
        return False
    settings = settings or get_settings()
    session.flush()
    if not goes_to_leadership(
        rejections_of(session, complaint.id),
        rounds_before_leadership=settings.reopened_rounds_before_leadership,
    ):
        return False
    session.add(
        LeadershipDecision(
            complaint_id=complaint.id, round=complaint.handling_round, referred_at=now
        )
    )
    return True


def _decide(
    session: Session,
    complaint: Complaint,
    actor: User,
    *,
    another_round: bool,
    note: str | None,
    now: datetime,
) -> LeadershipDecision:
    row = session.scalar(
        select(LeadershipDecision).where(
            LeadershipDecision.complaint_id == complaint.id,
            LeadershipDecision.round == complaint.handling_round,
        )
    )
    if row is None:  # referred before the referral was recorded: record both now
        row = LeadershipDecision(
            complaint_id=complaint.id, round=complaint.handling_round, referred_at=now
        )
        session.add(row)
    row.another_round = another_round
    row.note = note
    row.decided_by_id = actor.id
    row.decided_at = now
    session.flush()
    return row


def record_another_round(
    session: Session, complaint: Complaint, actor: User, *, note: str | None, now: datetime
) -> LeadershipDecision:
    """Leadership give the case another round of handling (the step service moves the stage)."""
    return _decide(session, complaint, actor, another_round=True, note=note, now=now)


def leadership_decisions_of(session: Session, complaint_id: int) -> list[LeadershipDecision]:
    return list(
        session.scalars(
            select(LeadershipDecision)
            .where(LeadershipDecision.complaint_id == complaint_id)
            .order_by(LeadershipDecision.round)
        )
    )

"""The human steps of the regulation as service functions (keyword-only, one transaction each).

Each function checks that the complaint is on that step (else `StepConflict`, HTTP 409), that
the actor may take it (Art. 5(4); else `StepForbidden`, 403), claims the step in the database so
that of two people acting at once only one goes on (the other: `StepConflict`), and checks that
the input is complete (else `StepInputError`, 422); then it writes the step's record, moves the
stage on, settles deadlines, and appends the audit event — all in the caller's transaction.

Each step is declared in ``services.step_registry`` (its fields, who may take it, the name of its
service here); `apply_step` is the one dispatcher the web app, the JSON API and the flow (for
input given in the Prefect UI, through `apply_step_input`) all go through. Every rule about a
step's input is checked here, so that no door can pass it by.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.settings import get_settings
from models.complaint import (
    Assignment,
    Complaint,
    CustomerFeedback,
    LeadershipInstruction,
    LeadershipReview,
    MajorDecision,
    Resolution,
    Verification,
    WrittenRecord,
)
from models.operations import Deadline
from models.people import User
from policy.deadlines import MAX_REPLY_DAYS
from policy.enums import DeadlineKind, DeadlineStatus, Department, Role, Stage
from policy.lifecycle import (
    STAGE_OF_STEP,
    Step,
    needs_major_decision,
    stage_after_assignment,
    stage_after_confirmation,
    stage_after_feedback,
    stage_after_handling,
    stage_after_instruction,
    stage_after_leadership_decision,
    stage_after_major_decision,
    stage_after_rejection,
    stage_after_review,
)
from policy.subjects import conflict_as_actor, conflict_as_handler
from policy.text import is_blank
from policy.wait_clocks import (
    REPLY_MET_AT,
    Responsible,
    clock_for,
    kinds_settled_on_leaving,
    reply_met_on_entering,
)
from services.audit import append_event
from services.channels import ensure_regulator_replied
from services.claims import claim_complaint
from services.closure import close_complaint, record_another_round, refer_to_leadership
from services.contacts import progress_milestone, result_contact_due
from services.deadlines import open_deadline as _open_deadline
from services.deadlines import owed_reply_deadline, reply_told
from services.directory import department_by_code, department_manager, user_by_username
from services.extensions import HANDLING_REASON, lapse_pending_extensions, request_extension
from services.step_errors import StepConflict, StepForbidden, StepInputError
from services.step_registry import MAX_TEXT, STEPS, Decision, values_from_json


def _text(
    value: str | None,
    step: Step,
    field: str,
    *,
    required: bool = True,
    label: str | None = None,
) -> str:
    """A step's free text, checked; refusals name the field by its declared title (or
    ``label`` where the step asks for it in other words)."""
    label = label or next(spec.title for spec in STEPS[step].fields if spec.name == field)
    value = (value or "").strip()
    if is_blank(value):
        if required:
            raise StepInputError(f"请填写{label}", field=field)
        value = ""
    if len(value) > MAX_TEXT:
        raise StepInputError(f"{label}不能超过 {MAX_TEXT} 个字符", field=field)
    return value


def ensure_on_step(complaint: Complaint, step: Step) -> None:
    if complaint.stage is not STAGE_OF_STEP[step]:
        raise StepConflict(
            f"投诉 {complaint.reference} 当前处于「{complaint.stage.label}」，"
            f"不能进行「{step.label}」"
        )


def ensure_may_act(complaint: Complaint, actor: User, step: Step) -> None:
    """Art. 5(4): the role, and for department work the department, must fit the step."""
    if not actor.active:
        raise StepForbidden("该账号已停用")
    if actor.role is Role.admin:
        # Separation of duties: admin keeps accounts, departments and mail, not complaints.
        raise StepForbidden(
            f"系统管理员负责账号、部门和邮件设置，不办理投诉环节，不能进行「{step.label}」"
            "（第五条第四项 权限划分）"
        )
    if actor.role not in STEPS[step].roles:
        raise StepForbidden(f"角色「{actor.role.label}」不能进行「{step.label}」")
    in_department = actor.department_id == complaint.department_id
    if step is Step.written_record and actor.id != complaint.first_inquiry_owner_id:
        raise StepForbidden("文字记录由首问负责人提交（第二条第四项 首问负责制）")
    department_step = step in (Step.assignment, Step.major_decision)
    if department_step and actor.role is Role.manager and not in_department:
        raise StepForbidden("只有受理部门的经理可以安排跟进")
    if step in (Step.handling, Step.customer_confirmation, Step.feedback):
        allowed = {complaint.first_inquiry_owner_id, complaint.handler_id}
        if actor.id not in allowed and not (actor.role is Role.manager and in_department):
            raise StepForbidden("只有跟进人员、首问负责人或部门经理可以处理该投诉")
    conflict = conflict_as_actor(step, actor_id=actor.id, subject_user_id=complaint.subject_user_id)
    if conflict is not None:
        # Art. 4 回避: refused as input (422), whoever the person is otherwise.
        raise StepInputError(conflict)


def ensure_not_complained_about(complaint: Complaint, handler: User) -> None:
    """Art. 4 回避: the person complained about is never named the complaint's handler."""
    conflict = conflict_as_handler(handler_id=handler.id, subject_user_id=complaint.subject_user_id)
    if conflict is not None:
        raise StepInputError(conflict, field="handler")


def ensure_not_transferred_away(
    session: Session, complaint: Complaint, actor: User, step: Step
) -> None:
    """The assignment of a department that has transferred the complaint away was taken, by
    that transfer: its managers are told so (409) rather than that the case is not theirs."""
    if step is not Step.assignment or actor.department_id in (None, complaint.department_id):
        return
    transfer = session.scalar(
        select(Assignment)
        .where(
            Assignment.complaint_id == complaint.id,
            Assignment.from_department_id == actor.department_id,
            Assignment.to_department_id.is_not(None),
        )
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        .limit(1)
    )
    if transfer is not None:
        raise StepConflict(
            f"投诉 {complaint.reference} 已由本部门移交至「{complaint.department.name}」，"
            f"由该部门经理安排跟进"
        )


def _begin(session: Session, complaint: Complaint, actor: User, step: Step) -> None:
    """Check the step against the complaint as it is now, then claim it (`_claim`)."""
    session.refresh(complaint)
    ensure_on_step(complaint, step)
    ensure_not_transferred_away(session, complaint, actor, step)
    ensure_may_act(complaint, actor, step)
    _claim(session, complaint, step)


def _claim(session: Session, complaint: Complaint, step: Step) -> None:
    """One winner per step: the database decides which of two people taking the step at once
    goes on (``claim_complaint``, the step's first write). The second person's claim waits for
    the first to commit, then fails: the step was taken meanwhile, or the person complained
    about changed (409), and nothing of it is written."""
    if not claim_complaint(session, complaint):
        session.refresh(complaint)
        raise StepConflict(
            f"投诉 {complaint.reference} 的「{step.label}」刚刚已由他人提交，当前处于"
            f"「{complaint.stage.label}」（部门：{complaint.department.name}），请刷新后查看"
        )


def _settle(session: Session, complaint: Complaint, kind: DeadlineKind, now: datetime) -> None:
    """The awaited step is done: an open limit is met; a breached one stays breached (Art. 7:
    the breach remains on record) and notes when the step was done after all."""
    for deadline in session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint.id,
            Deadline.kind == kind,
            Deadline.status.in_([DeadlineStatus.open, DeadlineStatus.breached]),
            Deadline.met_at.is_(None),
        )
    ):
        if deadline.status is DeadlineStatus.open:
            deadline.status = DeadlineStatus.met
        deadline.met_at = now


def _start_clock(session: Session, complaint: Complaint, stage: Stage, now: datetime) -> None:
    """Art. 7: the limit of the wait at ``stage`` (`policy.wait_clocks`) starts now, against
    the person who answers for it."""
    reply_pending = owed_reply_deadline(session, complaint.id)
    clock = clock_for(stage, reply_pending=reply_pending is not None)
    if clock is None or clock.setting is None:
        return
    settings = get_settings()
    _open_deadline(
        session,
        complaint,
        kind=clock.kind,
        due_at=now + getattr(settings, clock.setting),
        responsible=_responsible(session, complaint, clock.responsible),
        now=now,
        warning_fraction=settings.deadline_warning_fraction,
    )


def _responsible(session: Session, complaint: Complaint, who: Responsible) -> User:
    """The person a wait's limit is recorded against; where the role is vacant, the next one
    up answers for it (the department manager, then leadership), never nobody."""
    leadership = session.scalar(
        select(User).where(User.role == Role.leadership, User.active).order_by(User.id)
    )
    manager = department_manager(session, complaint.department_id)
    candidates = {
        Responsible.first_inquiry_owner: [complaint.first_inquiry_owner],
        Responsible.handler: [complaint.handler, manager, complaint.first_inquiry_owner],
        Responsible.department_manager: [manager, leadership, complaint.first_inquiry_owner],
        Responsible.leadership: [leadership, manager, complaint.first_inquiry_owner],
    }[who]
    return next(user for user in candidates if user is not None)


def _move(
    session: Session,
    complaint: Complaint,
    *,
    stage: Stage,
    actor: User,
    now: datetime,
    kind: str,
    data: dict[str, Any],
) -> None:
    """Enter ``stage``: the bookkeeping every transition shares. The limit of the wait left is
    met and the limit of the wait entered starts (Art. 7, `policy.wait_clocks`). A regulator
    transfer closes only after the reply to the regulator is recorded (Art. 3, 409)."""
    if stage is Stage.closed:
        ensure_regulator_replied(session, complaint)
    sent_back = complaint.stage not in (
        Stage.awaiting_assignment,
        Stage.awaiting_major_decision,
        Stage.awaiting_leadership_instruction,
    )
    if stage is Stage.awaiting_handling and sent_back:
        complaint.handling_round += 1
    if stage is Stage.closed:
        complaint.closed_at = now
    for limit in kinds_settled_on_leaving(complaint.stage):
        _settle(session, complaint, limit, now)
    if complaint.stage in REPLY_MET_AT:
        # Version 3: the customer's answer to the result is recorded, so they heard it (if the
        # notice or a contact did not already meet the promised reply).
        reply_told(session, complaint.id, now)
    if reply_met_on_entering(stage, version=complaint.process_version):
        # Art. 2(4): the customer now hears the result; the promised reply is kept.
        _settle(session, complaint, DeadlineKind.reply, now)
    if stage in REPLY_MET_AT:
        # The result is ready: a request for a later reply time has nothing left to extend.
        # From version 3 the reply is met when the customer hears it (``reply_told``); a
        # customer without email is to be called (a contact-due item).
        lapse_pending_extensions(session, complaint, now)
        result_contact_due(session, complaint, now)
    _start_clock(session, complaint, stage, now)
    complaint.stage = stage
    append_event(
        session,
        complaint=complaint,
        kind=kind,
        actor_id=actor.id,
        occurred_at=now,
        data={**data, "stage": stage.value, "round": complaint.handling_round},
    )
    session.flush()


def _tell_customer(session: Session, complaint: Complaint, event_kind: str, now: datetime) -> None:
    """Art. 2(4): a milestone's progress notice, queued with the step (``services.contacts``)."""
    progress_milestone(session, complaint, event_kind=event_kind, now=now)


def _handling_of_round(session: Session, complaint: Complaint) -> Verification | None:
    return session.scalar(
        select(Verification).where(
            Verification.complaint_id == complaint.id,
            Verification.round == complaint.handling_round,
        )
    )


def submit_written_record(
    session: Session, *, complaint: Complaint, actor: User, text: str, now: datetime
) -> WrittenRecord:
    """Art. 4(1)/(2): the first-inquiry owner's written record goes to the department manager."""
    _begin(session, complaint, actor, Step.written_record)
    record = WrittenRecord(
        complaint_id=complaint.id,
        author_id=actor.id,
        text=_text(text, Step.written_record, "text"),
        submitted_at=now,
    )
    session.add(record)
    _move(
        session,
        complaint,
        stage=Stage.awaiting_assignment,
        actor=actor,
        now=now,
        kind="written_record_submitted",
        data={"late": now > _record_due(session, complaint)},
    )
    return record


def _record_due(session: Session, complaint: Complaint) -> datetime:
    due = session.scalar(
        select(func.min(Deadline.due_at)).where(
            Deadline.complaint_id == complaint.id, Deadline.kind == DeadlineKind.written_record
        )
    )
    return due or complaint.received_at


def assign(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    now: datetime,
    handler: str | None = None,
    transfer_to_department: Department | None = None,
    reason: str | None = None,
) -> Assignment:
    """Art. 4(1): the manager arranges follow-up, or — when the department cannot handle it —
    the company transfers it to another department, recorded with the reason."""
    _begin(session, complaint, actor, Step.assignment)
    handler = handler or None
    if (handler is None) == (transfer_to_department is None):
        raise StepInputError("请选择跟进人员，或选择移交的部门（二选一）", field="handler")
    if transfer_to_department is not None:
        target = department_by_code(session, transfer_to_department)
        if target.id == complaint.department_id:
            raise StepInputError("不能移交给本部门", field="transfer_to_department")
        assignment = Assignment(
            complaint_id=complaint.id,
            from_department_id=complaint.department_id,
            to_department_id=target.id,
            reason=_text(reason, Step.assignment, "reason", label="移交原因"),
            assigned_by_id=actor.id,
            assigned_at=now,
        )
        session.add(assignment)
        complaint.department = target
        # Art. 7: the receiving department's manager now answers for the assignment.
        _settle(session, complaint, DeadlineKind.assignment, now)
        _start_clock(session, complaint, Stage.awaiting_assignment, now)
        append_event(
            session,
            complaint=complaint,
            kind="transferred",
            actor_id=actor.id,
            occurred_at=now,
            data={"to_department": target.code.value},
        )
        session.flush()
        _tell_customer(session, complaint, "transferred", now)
        return assignment
    handler_user = user_by_username(session, handler or "")
    if handler_user is None or not handler_user.active:
        raise StepInputError(f"找不到跟进人员「{handler}」", field="handler")
    if handler_user.role not in (Role.staff, Role.manager):
        raise StepInputError("跟进人员必须是员工或部门经理", field="handler")
    if handler_user.department_id != complaint.department_id:
        # Art. 4(1): the department handles it, or the company transfers it with a reason.
        raise StepInputError(
            f"「{handler}」不属于本投诉的受理部门，不能安排其跟进；"
            "如需其他部门处理，请选择「移交部门」并说明原因",
            field="handler",
        )
    ensure_not_complained_about(complaint, handler_user)
    assignment = Assignment(
        complaint_id=complaint.id,
        from_department_id=complaint.department_id,
        handler_id=handler_user.id,
        reason=_text(reason, Step.assignment, "reason", required=False) or None,
        assigned_by_id=actor.id,
        assigned_at=now,
    )
    session.add(assignment)
    complaint.handler = handler_user
    handling = _handling_of_round(session, complaint)
    stage = stage_after_assignment(
        needs_decision=needs_major_decision(
            channel=complaint.channel,
            suggested_major=complaint.suggested_major,
            major=complaint.major,
            version=complaint.process_version,
        ),
        handling_recorded=handling is not None,
        major=bool(complaint.major),
        founded=handling.founded if handling else True,
    )
    _move(
        session,
        complaint,
        stage=stage,
        actor=actor,
        now=now,
        kind="handler_assigned",
        data={"handler_id": handler_user.id},
    )
    _tell_customer(session, complaint, "handler_assigned", now)
    return assignment


def decide_major(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    major: bool,
    reason: str,
    now: datetime,
) -> MajorDecision:
    """Art. 4(3): a person decides whether this is a major complaint (重大客户投诉事件)."""
    _begin(session, complaint, actor, Step.major_decision)
    decision = MajorDecision(
        complaint_id=complaint.id,
        major=major,
        reason=_text(reason, Step.major_decision, "reason"),
        decided_by_id=actor.id,
        decided_at=now,
    )
    session.add(decision)
    complaint.major = major
    handling = _handling_of_round(session, complaint)
    stage = stage_after_major_decision(
        handling_recorded=handling is not None,
        major=major,
        founded=handling.founded if handling else True,
        version=complaint.process_version,
    )
    _move(
        session,
        complaint,
        stage=stage,
        actor=actor,
        now=now,
        kind="major_decided",
        data={"major": major, "suggested": complaint.suggested_major},
    )
    _tell_customer(session, complaint, "major_decided", now)
    return decision


def give_leadership_instruction(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    instruction: str,
    now: datetime,
    handler: str | None = None,
    due_at: datetime | None = None,
) -> LeadershipInstruction:
    """Art. 4(3) 报告公司领导研究处理: leadership says how a major case is handled — what is to
    be done, optionally by whom (a staff member of the complaint's department, who becomes its
    handler) and by when (ahead, within ``MAX_REPLY_DAYS`` of receipt) — before handling
    starts."""
    _begin(session, complaint, actor, Step.leadership_instruction)
    text = _text(instruction, Step.leadership_instruction, "instruction")
    handler_user: User | None = None
    if handler:
        handler_user = user_by_username(session, handler)
        if handler_user is None or not handler_user.active:
            raise StepInputError(f"找不到处理人员「{handler}」", field="handler")
        if (
            handler_user.role not in (Role.staff, Role.manager)
            or handler_user.department_id != complaint.department_id
        ):
            raise StepInputError(
                f"「{handler}」不是本投诉受理部门（{complaint.department.name}）的员工，"
                "不能指定其处理",
                field="handler",
            )
        ensure_not_complained_about(complaint, handler_user)
    if due_at is not None:
        _check_instruction_due(due_at, now=now, received_at=complaint.received_at)
    row = LeadershipInstruction(
        complaint_id=complaint.id,
        instruction=text,
        handler_id=handler_user.id if handler_user else None,
        due_at=due_at,
        given_by_id=actor.id,
        given_at=now,
    )
    session.add(row)
    if handler_user is not None:
        complaint.handler = handler_user
    handling = _handling_of_round(session, complaint)
    stage = stage_after_instruction(
        handling_recorded=handling is not None,
        major=True,
        founded=handling.founded if handling else True,
    )
    _move(
        session,
        complaint,
        stage=stage,
        actor=actor,
        now=now,
        kind="leadership_instructed",
        data={
            "handler_id": handler_user.id if handler_user else None,
            "due_at": due_at.isoformat() if due_at else None,
        },
    )
    if due_at is not None and complaint.stage is Stage.awaiting_handling:
        # Art. 4(3), 7: the time leadership gave is a limit of its own on the handling.
        _open_deadline(
            session,
            complaint,
            kind=DeadlineKind.instructed_handling,
            due_at=due_at,
            responsible=_responsible(session, complaint, Responsible.handler),
            now=now,
            warning_fraction=get_settings().deadline_warning_fraction,
        )
    return row


def _check_instruction_due(due_at: datetime, *, now: datetime, received_at: datetime) -> None:
    """The time leadership gives for handling lies ahead, and within ``MAX_REPLY_DAYS`` of
    the complaint's receipt (the cap of every reply time, counted from receipt)."""
    if due_at <= now:
        raise StepInputError("处理时限必须晚于现在", field="due_at")
    if due_at - received_at > timedelta(days=MAX_REPLY_DAYS):
        raise StepInputError(f"处理时限不能超过受理之日起 {MAX_REPLY_DAYS} 天", field="due_at")


def record_handling(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    founded: bool,
    evidence: str,
    solution: str,
    now: datetime,
    promised_reply_at: datetime | None = None,
) -> Resolution:
    """Art. 2(2) 核实调查, Art. 4(2): the verification (founded or not, with evidence) and the
    proposed solution. A new promised reply time does not take effect here: it is a request
    for a later reply time by the person recording the handling, pending their superior's
    approval, under the same rules as any other (``services.extensions``, Art. 2(4), 7)."""
    _begin(session, complaint, actor, Step.handling)
    if promised_reply_at is not None and promised_reply_at == complaint.promised_reply_at:
        promised_reply_at = None  # the promise as it stands: nothing to extend
    if promised_reply_at is not None:
        try:
            request_extension(
                session,
                complaint=complaint,
                actor=actor,
                new_reply_at=promised_reply_at,
                reason=HANDLING_REASON,
                now=now,
                via_handling=True,
            )
        except StepConflict as error:
            raise StepInputError(
                f"{error.message}；请将新的承诺回复时间留空后提交", field="promised_reply_at"
            ) from None
    session.add(
        Verification(
            complaint_id=complaint.id,
            round=complaint.handling_round,
            founded=founded,
            evidence=_text(evidence, Step.handling, "evidence"),
            verified_by_id=actor.id,
            verified_at=now,
        )
    )
    resolution = Resolution(
        complaint_id=complaint.id,
        round=complaint.handling_round,
        solution=_text(solution, Step.handling, "solution"),
        promised_reply_at=promised_reply_at,
        resolved_by_id=actor.id,
        resolved_at=now,
    )
    session.add(resolution)
    stage = stage_after_handling(major=bool(complaint.major), founded=founded)
    _move(
        session,
        complaint,
        stage=stage,
        actor=actor,
        now=now,
        kind="handling_recorded",
        data={"founded": founded},
    )
    return resolution


def review_handling(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    approved: bool,
    comment: str,
    now: datetime,
) -> LeadershipReview:
    """Art. 4(3): company leadership approves a major case's handling or sends it back."""
    _begin(session, complaint, actor, Step.leadership_review)
    review = LeadershipReview(
        complaint_id=complaint.id,
        round=complaint.handling_round,
        reviewer_id=actor.id,
        approved=approved,
        comment=_text(comment, Step.leadership_review, "comment", required=not approved),
        reviewed_at=now,
    )
    session.add(review)
    handling = _handling_of_round(session, complaint)
    stage = stage_after_review(approved=approved, founded=handling.founded if handling else True)
    _move(
        session,
        complaint,
        stage=stage,
        actor=actor,
        now=now,
        kind="leadership_reviewed",
        data={"approved": approved},
    )
    return review


def record_customer_confirmation(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    confirmed: bool,
    note: str,
    now: datetime,
) -> CustomerFeedback:
    """Art. 4(2) 如果不属实，请客户确认: the customer accepts the finding or disputes it."""
    _begin(session, complaint, actor, Step.customer_confirmation)
    row = CustomerFeedback(
        complaint_id=complaint.id,
        round=complaint.handling_round,
        kind="confirmation",
        positive=confirmed,
        comment=_text(note, Step.customer_confirmation, "note", required=not confirmed),
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    session.add(row)
    stage = stage_after_confirmation(confirmed=confirmed)
    if not confirmed and complaint.process_version >= 3:
        stage = stage_after_rejection(
            rejected=True,
            to_leadership=refer_to_leadership(session, complaint, now),
            satisfied_stage=stage,
        )
    _move(
        session,
        complaint,
        stage=stage,
        actor=actor,
        now=now,
        kind="customer_confirmation",
        data={"confirmed": confirmed},
    )
    return row


def record_feedback(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    satisfied: bool,
    comment: str,
    now: datetime,
) -> CustomerFeedback:
    """Art. 4(2) 解决后征询客户反馈意见; dissatisfied sends it back to handling (counted)."""
    _begin(session, complaint, actor, Step.feedback)
    row = CustomerFeedback(
        complaint_id=complaint.id,
        round=complaint.handling_round,
        kind="feedback",
        positive=satisfied,
        comment=_text(comment, Step.feedback, "comment", required=not satisfied),
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    session.add(row)
    stage = stage_after_feedback(satisfied=satisfied)
    if not satisfied:
        complaint.reopen_count += 1
        if complaint.process_version >= 3:
            stage = stage_after_rejection(
                rejected=True,
                to_leadership=refer_to_leadership(session, complaint, now),
                satisfied_stage=stage,
            )
    _move(
        session,
        complaint,
        stage=stage,
        actor=actor,
        now=now,
        kind="customer_feedback",
        data={"satisfied": satisfied},
    )
    return row


def decide_after_rejections(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    another_round: bool,
    note: str,
    now: datetime,
) -> None:
    """Version 3, Art. 2(4), 4(3): after the reopened rounds allowed the customer rejected the
    result again; company leadership give the case another round of handling, or close it
    (``services.closure.close_complaint``, reason leadership_decision: the customer is told of
    their external routes)."""
    _begin(session, complaint, actor, Step.leadership_decision)
    text = _text(note, Step.leadership_decision, "note", required=not another_round)
    if not another_round:
        close_complaint(
            session,
            complaint=complaint,
            actor=actor,
            reason="leadership_decision",
            note=text,
            now=now,
        )
        return
    record_another_round(session, complaint, actor, note=text or None, now=now)
    _move(
        session,
        complaint,
        stage=stage_after_leadership_decision(another_round=True),
        actor=actor,
        now=now,
        kind="leadership_decided",
        data={"another_round": True},
    )


def apply_step(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    step: Step,
    values: Mapping[str, Any],
    now: datetime,
) -> None:
    """Carry out ``step`` with typed ``values``: the one dispatcher behind every door (the
    staff app, the JSON API, the Prefect UI). The step's service checks everything."""
    spec = STEPS[step]
    for field in spec.fields:
        if isinstance(field, Decision) and values.get(field.name) is None:
            raise StepInputError(field.ask, field=field.name)
    SERVICES[step](session, complaint=complaint, actor=actor, now=now, **spec.arguments(values))


def apply_step_input(
    session: Session,
    *,
    complaint_id: int,
    step: Step,
    values: dict[str, Any],
    now: datetime,
) -> None:
    """Carry out a step from input given in the Prefect UI's resume form, with the same checks
    as the staff app (the named user must exist and may take the step), and record in the
    complaint log that it came through the Prefect UI. Raises a `StepError` saying why the
    input cannot be taken."""

    complaint = session.get_one(Complaint, complaint_id)
    actor = user_by_username(session, str(values.get("operator") or ""))
    if actor is None:
        raise StepForbidden(f"找不到操作人「{values.get('operator')}」")
    try:
        typed = values_from_json(step, values, tz=get_settings().tz)
    except ValueError as error:
        raise StepInputError(f"输入无法识别：{error}") from None
    apply_step(session, complaint=complaint, actor=actor, step=step, values=typed, now=now)
    # The complaint log says which door the step came through (the staff app's steps carry
    # no such event): the Prefect UI's form, with the user it named.
    append_event(
        session,
        complaint=complaint,
        kind="step_via_prefect_ui",
        actor_id=actor.id,
        data={"step": step.value, "operator": actor.username},
        occurred_at=now,
    )


# Each step's service, by the name its declaration gives it.
SERVICES: dict[Step, Callable[..., object]] = {
    step: globals()[spec.service] for step, spec in STEPS.items()
}

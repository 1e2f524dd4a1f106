"""What the flow may know about a complaint: non-personal facts and the outcome of each step.

Everything returned here is safe to keep in Prefect (task results, logs, artifacts): ids,
codes, booleans, times and staff usernames — never the customer's name, phone, ID number or
the complaint's text (Art. 2(5)).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.closure import ComplaintClosure, LeadershipDecision
from models.complaint import (
    Assignment,
    Complaint,
    ComplaintEvent,
    CustomerFeedback,
    LeadershipInstruction,
    LeadershipReview,
    MajorDecision,
    Verification,
    WrittenRecord,
)
from models.operations import Deadline, Notification
from models.people import DepartmentRow, User
from policy.enums import Category, Channel, Department, Stage
from policy.events import event_label
from policy.lifecycle import Step, needs_major_decision
from policy.wait_clocks import STEP_OF_KIND, still_awaited
from services.audit import append_event
from services.case_file import read_case_file


def case_facts(session: Session, complaint_id: int) -> dict[str, Any]:
    complaint = session.get_one(Complaint, complaint_id)
    return {
        "complaint_id": complaint.id,
        "reference": complaint.reference,
        "channel": complaint.channel.value,
        "category": complaint.category.value,
        "department": complaint.department.code.value,
        "major": complaint.major,
        "suggested_major": complaint.suggested_major,
        "needs_major_decision": needs_major_decision(
            channel=complaint.channel,
            suggested_major=complaint.suggested_major,
            major=complaint.major,
            version=complaint.process_version,
        ),
        "resolved_on_the_spot": complaint.resolved_on_the_spot,
        "stage": complaint.stage.value,
        "process_version": complaint.process_version,
    }


def run_tags(facts: dict[str, Any]) -> list[str]:
    """Tags ops filter by in the Prefect UI."""
    major = {True: "yes", False: "no", None: "undecided"}[facts["major"]]
    return [
        "complaint",
        f"channel:{facts['channel']}",
        f"category:{facts['category']}",
        f"department:{facts['department']}",
        f"major:{major}",
    ]


def step_outcome(
    session: Session, *, complaint_id: int, step: Step, number: int = 1
) -> dict[str, Any] | None:
    """The decision taken on ``step`` (its ``number``-th time), or None while it is awaited.

    ``number`` counts assignments for Step.assignment (each transfer needs a new one) and the
    handling round for the handling steps. Read through ``step_outcomes``, so that one step and
    all of them are decided by the same rules.
    """
    return step_outcomes(session, complaint_id).get(outcome_key(step, number))


def outcome_key(step: Step, number: int = 1) -> str:
    """How ``step_outcomes`` names the ``number``-th decision on ``step``: ``handling-2``."""
    return f"{step.value}-{number}"


def step_outcomes(session: Session, complaint_id: int) -> dict[str, dict[str, Any]]:
    """Every decision taken so far, keyed by ``outcome_key``: a handful of small queries,
    so that a resumed run reads all its past steps at once instead of one task per step."""
    outcomes: dict[str, dict[str, Any]] = {}
    submitted = session.scalar(
        select(WrittenRecord.submitted_at)
        .where(WrittenRecord.complaint_id == complaint_id)
        .order_by(WrittenRecord.id)
        .limit(1)
    )
    if submitted is not None:
        outcomes[outcome_key(Step.written_record)] = {"submitted_at": submitted.isoformat()}
    assignments = session.execute(
        select(DepartmentRow.code, Assignment.handler_id)
        .select_from(Assignment)
        .outerjoin(DepartmentRow, DepartmentRow.id == Assignment.to_department_id)
        .where(Assignment.complaint_id == complaint_id)
        .order_by(Assignment.id)
    ).all()
    for number, (transfer_to, handler_id) in enumerate(assignments, start=1):
        outcomes[outcome_key(Step.assignment, number)] = {
            "transfer_to": None if transfer_to is None else transfer_to.value,
            "handler_id": handler_id,
        }
    major = session.scalar(
        select(MajorDecision.major)
        .where(MajorDecision.complaint_id == complaint_id)
        .order_by(MajorDecision.id.desc())
        .limit(1)
    )
    if major is not None:
        outcomes[outcome_key(Step.major_decision)] = {"major": major}
    instructed = session.execute(
        select(LeadershipInstruction.handler_id)
        .where(LeadershipInstruction.complaint_id == complaint_id)
        .order_by(LeadershipInstruction.id)
        .limit(1)
    ).first()
    if instructed is not None:
        outcomes[outcome_key(Step.leadership_instruction)] = {"handler_id": instructed[0]}
    for number, founded in session.execute(
        select(Verification.round, Verification.founded)
        .where(Verification.complaint_id == complaint_id)
        .order_by(Verification.id)
    ):
        outcomes.setdefault(outcome_key(Step.handling, number), {"founded": founded})
    for number, approved in session.execute(
        select(LeadershipReview.round, LeadershipReview.approved)
        .where(LeadershipReview.complaint_id == complaint_id)
        .order_by(LeadershipReview.id)
    ):
        outcomes.setdefault(outcome_key(Step.leadership_review, number), {"approved": approved})
    for kind, number, positive in session.execute(
        select(CustomerFeedback.kind, CustomerFeedback.round, CustomerFeedback.positive)
        .where(CustomerFeedback.complaint_id == complaint_id)
        .order_by(CustomerFeedback.id)
    ):
        if kind == "confirmation":
            key, field = outcome_key(Step.customer_confirmation, number), "confirmed"
        elif kind == "feedback":
            key, field = outcome_key(Step.feedback, number), "satisfied"
        else:
            continue
        outcomes.setdefault(key, {field: positive})
    # Version 3: a rejection that went to leadership says so (only such outcomes carry the
    # key, so the outcomes of versions 1 and 2 keep their shape), and leadership's decision.
    for number, another_round in session.execute(
        select(LeadershipDecision.round, LeadershipDecision.another_round)
        .where(LeadershipDecision.complaint_id == complaint_id)
        .order_by(LeadershipDecision.round)
    ):
        for rejected in (Step.feedback, Step.customer_confirmation):
            outcome = outcomes.get(outcome_key(rejected, number))
            if outcome is not None and not next(iter(outcome.values())):
                outcome["to_leadership"] = True
        if another_round is not None:
            outcomes[outcome_key(Step.leadership_decision, number)] = {
                "another_round": another_round
            }
    return outcomes


def closure_outcome(session: Session, complaint_id: int) -> dict[str, Any] | None:
    """A closure before a satisfied customer's feedback (version 3), as the flow may know it:
    its reason code, never the note (Art. 2(5)). None while the complaint was not so closed."""
    reason = session.scalar(
        select(ComplaintClosure.reason).where(ComplaintClosure.complaint_id == complaint_id)
    )
    return None if reason is None else {"reason": reason.value}


def wait_outcome(session: Session, *, complaint_id: int, step: Step, number: int) -> dict[str, Any]:
    """Version 3's read before a wait: the step's outcome, and the closure if the complaint was
    closed meanwhile (``{"outcome": ..., "closure": ...}``)."""
    return {
        "outcome": step_outcome(session, complaint_id=complaint_id, step=step, number=number),
        "closure": closure_outcome(session, complaint_id),
    }


def progress_snapshot(session: Session, complaint_id: int) -> dict[str, Any]:
    """What a complaint's run needs to know when it (re-)executes from the top, in one read:
    its facts and tags, every decision taken (``step_outcomes``), the state of each notice
    in the outbox (``"<kind>:<sequence>": status``). Non-personal, like everything here."""
    facts = case_facts(session, complaint_id)
    prefix = f"complaint:{complaint_id}:"
    notices = {
        key.removeprefix(prefix): str(getattr(status, "value", status))
        for key, status in session.execute(
            select(Notification.idempotency_key, Notification.status).where(
                Notification.complaint_id == complaint_id
            )
        )
        if key.startswith(prefix)
    }
    return {
        "case": facts,
        "tags": run_tags(facts),
        "outcomes": step_outcomes(session, complaint_id),
        "told": step_sentences(session, complaint_id),
        "notices": notices,
        "closure": closure_outcome(session, complaint_id),
    }


# The step each event of a step records, and how the run's log tells it (who acted, what was
# decided: usernames and decisions only, Art. 2(5)).
_STEP_OF_EVENT: dict[str, Step] = {
    "written_record_submitted": Step.written_record,
    "transferred": Step.assignment,
    "handler_assigned": Step.assignment,
    "major_decided": Step.major_decision,
    "leadership_instructed": Step.leadership_instruction,
    "handling_recorded": Step.handling,
    "leadership_reviewed": Step.leadership_review,
    "customer_confirmation": Step.customer_confirmation,
    "customer_feedback": Step.feedback,
}


def _what_was_done(kind: str, data: dict[str, Any]) -> str:
    yes_no: dict[str, tuple[str, str, str]] = {
        "major_decided": ("major", "认定为重大投诉", "认定为非重大投诉"),
        "handling_recorded": ("founded", "核实投诉属实", "核实投诉不属实"),
        "leadership_reviewed": ("approved", "同意处理方案", "退回重新处理"),
        "customer_confirmation": ("confirmed", "记录客户确认核实结果", "记录客户不认可核实结果"),
        "customer_feedback": ("satisfied", "记录客户满意", "记录客户不满意"),
    }
    if kind in yes_no:
        field, yes, no = yes_no[kind]
        return yes if data.get(field) else no
    if kind == "transferred" and data.get("to_department") in Department.__members__:
        return f"移交{Department(data['to_department']).label}"
    return {
        "written_record_submitted": "提交文字记录",
        "handler_assigned": "安排跟进人员",
        "leadership_instructed": "给出研究处理意见",
    }.get(kind, event_label(kind))


def step_sentences(session: Session, complaint_id: int) -> dict[str, str]:
    """One line per step taken, keyed like ``step_outcomes``: the reference, who acted, what
    was decided and what the complaint waits for next ("TS-…: mgr 认定为重大投诉；下一步：…").
    A step taken again (a transfer's second assignment, a later round) has its own line."""
    reference = session.get_one(Complaint, complaint_id).reference
    rows = session.execute(
        select(ComplaintEvent.kind, ComplaintEvent.data, User.username)
        .outerjoin(User, User.id == ComplaintEvent.actor_id)
        .where(
            ComplaintEvent.complaint_id == complaint_id,
            ComplaintEvent.kind.in_(list(_STEP_OF_EVENT)),
        )
        .order_by(ComplaintEvent.seq)
    ).all()
    told: dict[str, str] = {}
    taken: dict[Step, int] = {}
    for kind, data, username in rows:
        step = _STEP_OF_EVENT[kind]
        taken[step] = taken.get(step, 0) + 1
        key = outcome_key(step, _number(step, taken[step], data))
        stage = data.get("stage", "")
        then = f"；下一步：{Stage(stage).label}" if stage in Stage.__members__ else ""
        told[key] = f"{reference}: {username or '系统'} {_what_was_done(kind, data)}{then}"
    return told


def _number(step: Step, nth: int, data: dict[str, Any]) -> int:
    """The number ``step_outcomes`` gives the ``nth`` record of ``step``: assignments count,
    the major decision and leadership's instruction are one, the steps of a handling round
    carry its round (a step that sends the case back records the round it opened)."""
    if step is Step.assignment:
        return nth
    if step in (Step.written_record, Step.major_decision, Step.leadership_instruction):
        return 1
    number = int(data.get("round") or nth)
    if step is not Step.handling and data.get("stage") == Stage.awaiting_handling.value:
        number -= 1
    return max(number, 1)


def awaited_wait(
    session: Session, complaint_id: int, step: Step, *, now: datetime
) -> dict[str, Any]:
    """What a suspended run shows ops (no customer data): the step it waits for, the person
    who answers for that wait and its due time (the earliest limit still awaited that times
    the step), and whether any limit of the complaint is overdue now (Art. 7, by the rule of
    ``policy.wait_clocks.still_awaited``, as the ops summary and the staff app judge it)."""
    complaint = session.get_one(Complaint, complaint_id)
    pending = [
        (deadline, username)
        for deadline, username in session.execute(
            select(Deadline, User.username)
            .join(User, User.id == Deadline.responsible_user_id)
            .where(Deadline.complaint_id == complaint_id)
            .order_by(Deadline.due_at)
        )
        if still_awaited(deadline.kind, deadline.status, deadline.met_at, complaint.stage)
    ]
    own = [(limit, name) for limit, name in pending if STEP_OF_KIND[limit.kind] is step]
    limit, responsible = own[0] if own else (None, None)
    return {
        "reference": complaint.reference,
        "step": step.value,
        "responsible": responsible,
        "due_at": limit.due_at.isoformat() if limit is not None else None,
        "overdue": any(deadline.due_at <= now for deadline, _ in pending),
    }


def wait_message(wait: dict[str, Any], zone: ZoneInfo) -> str:
    """The suspended state's message, e.g. "TS-… 等待「提交文字记录」；责任人 owner；期限 …"."""
    parts = [f"{wait['reference']} 等待「{Step(wait['step']).label}」"]
    if wait["responsible"]:
        parts.append(f"责任人 {wait['responsible']}")
    if wait["due_at"]:
        due = datetime.fromisoformat(wait["due_at"]).astimezone(zone)
        parts.append(f"期限 {due:%Y-%m-%d %H:%M}")
    if wait["overdue"]:
        parts.append("已超时")
    return "；".join(parts)


def wait_tags(wait: dict[str, Any]) -> list[str]:
    """The tags ops filter suspended runs by: the step waited for, and overdue (Art. 7)."""
    return [f"step:{wait['step']}", *(["overdue"] if wait["overdue"] else [])]


def mark_archived(session: Session, *, complaint_id: int, now: datetime) -> bool:
    """Art. 4 处理过程存档: a closed complaint becomes archived, once. True if it changed now."""

    complaint = session.get_one(Complaint, complaint_id, with_for_update=True)
    if complaint.stage is Stage.archived:
        return False
    if complaint.stage is not Stage.closed:
        raise ValueError(f"complaint {complaint.reference} is not closed")
    complaint.stage = Stage.archived
    complaint.archived_at = now
    append_event(
        session, complaint=complaint, kind="archived", occurred_at=now, data={"stage": "archived"}
    )
    return True


def masked_timeline(session: Session, complaint_id: int) -> list[dict[str, Any]]:
    """The log as ops may see it in Prefect: times, event kinds, staff usernames, stages."""
    return [
        {
            "seq": event.seq,
            "at": event.at,
            "kind": event.kind,
            "actor": event.username or "system",
            "stage": event.data.get("stage", ""),
        }
        for event in read_case_file(session, complaint_id).events
    ]


def timeline_markdown(facts: dict[str, Any], events: list[dict[str, Any]], zone: ZoneInfo) -> str:
    """The masked timeline as ops read it in the Prefect UI: Chinese names, local times."""
    major = {True: "是", False: "否", None: "待认定"}[facts["major"]]
    lines = [
        f"# 投诉 {facts['reference']}",
        "",
        "| 渠道 | 类别 | 受理部门 | 是否重大 | 当前阶段 |",
        "|---|---|---|---|---|",
        f"| {Channel(facts['channel']).label} | {Category(facts['category']).label} "
        f"| {Department(facts['department']).label} | {major} | {Stage(facts['stage']).label} |",
        "",
        "| # | 时间 | 事件 | 操作人 | 当时阶段 |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {e['seq']} | {e['at'].astimezone(zone):%Y-%m-%d %H:%M:%S} | {event_label(e['kind'])} "
        f"| {e['actor'] if e['actor'] != 'system' else '系统'} "
        f"| {Stage(e['stage']).label if e['stage'] in Stage.__members__ else e['stage']} |"
        for e in events
    ]
    return "\n".join(lines)

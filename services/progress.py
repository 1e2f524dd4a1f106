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

from models.complaint import (
    Assignment,
    Complaint,
    CustomerFeedback,
    LeadershipInstruction,
    LeadershipReview,
    MajorDecision,
    Verification,
    WrittenRecord,
)
from models.operations import Notification
from models.people import DepartmentRow
from policy.enums import Category, Channel, Department, Stage
from policy.events import event_label
from policy.lifecycle import Step, needs_major_decision
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
    return outcomes


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
        "notices": notices,
    }


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

"""What the flow may know about a complaint: non-personal facts and the outcome of each step.

Everything returned here is safe to keep in Prefect (task results, logs, artifacts): ids,
codes, booleans, times and staff usernames — never the customer's name, phone, ID number or
the complaint's text (Art. 2(5)).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.complaint import (
    Assignment,
    Complaint,
    ComplaintEvent,
    CustomerFeedback,
    LeadershipReview,
    MajorDecision,
    Verification,
    WrittenRecord,
)
from models.people import User
from policy.enums import Stage
from policy.lifecycle import Step, needs_major_decision


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
        ),
        "resolved_on_the_spot": complaint.resolved_on_the_spot,
        "stage": complaint.stage.value,
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
    handling round for the handling steps.
    """
    if step is Step.written_record:
        record = session.scalar(
            select(WrittenRecord).where(WrittenRecord.complaint_id == complaint_id)
        )
        return None if record is None else {"submitted_at": record.submitted_at.isoformat()}
    if step is Step.assignment:
        assignments = session.scalars(
            select(Assignment)
            .where(Assignment.complaint_id == complaint_id)
            .order_by(Assignment.id)
        ).all()
        if len(assignments) < number:
            return None
        chosen = assignments[number - 1]
        transfer_to = None
        if chosen.to_department_id is not None:
            from models.people import DepartmentRow

            transfer_to = session.get_one(DepartmentRow, chosen.to_department_id).code.value
        return {"transfer_to": transfer_to, "handler_id": chosen.handler_id}
    if step is Step.major_decision:
        decision = session.scalar(
            select(MajorDecision)
            .where(MajorDecision.complaint_id == complaint_id)
            .order_by(MajorDecision.id.desc())
        )
        return None if decision is None else {"major": decision.major}
    if step is Step.handling:
        verification = session.scalar(
            select(Verification).where(
                Verification.complaint_id == complaint_id, Verification.round == number
            )
        )
        return None if verification is None else {"founded": verification.founded}
    if step is Step.leadership_review:
        review = session.scalar(
            select(LeadershipReview).where(
                LeadershipReview.complaint_id == complaint_id, LeadershipReview.round == number
            )
        )
        return None if review is None else {"approved": review.approved}
    kind = "confirmation" if step is Step.customer_confirmation else "feedback"
    answer = session.scalar(
        select(CustomerFeedback).where(
            CustomerFeedback.complaint_id == complaint_id,
            CustomerFeedback.kind == kind,
            CustomerFeedback.round == number,
        )
    )
    if answer is None:
        return None
    return {"confirmed" if kind == "confirmation" else "satisfied": answer.positive}


def mark_archived(session: Session, *, complaint_id: int, now: datetime) -> bool:
    """Art. 4 处理过程存档: a closed complaint becomes archived, once. True if it changed now."""
    from models.audit import append_event

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
    rows = session.execute(
        select(ComplaintEvent, User.username)
        .outerjoin(User, User.id == ComplaintEvent.actor_id)
        .where(ComplaintEvent.complaint_id == complaint_id)
        .order_by(ComplaintEvent.seq)
    ).all()
    return [
        {
            "seq": event.seq,
            "at": event.occurred_at,
            "kind": event.kind,
            "actor": username or "system",
            "stage": event.data.get("stage", ""),
        }
        for event, username in rows
    ]


def resume_input(step: Step, outcome: dict[str, Any], *, operator: str) -> dict[str, Any]:
    """The run input that wakes a run after ``step`` was saved in the app database: the acting
    username and the step's decision (no text: that stays in the app database, Art. 2(5))."""
    decision_field = {
        Step.major_decision: "major",
        Step.handling: "founded",
        Step.leadership_review: "approved",
        Step.customer_confirmation: "confirmed",
        Step.feedback: "satisfied",
    }.get(step)
    values: dict[str, Any] = {"operator": operator}
    if decision_field is not None:
        values[decision_field] = outcome[decision_field]
    return values

"""A complaint's case file, read once: the one read model of what was recorded about it.

The staff app's complaint page, the JSON API, the handling form (.docx) and the timeline ops read
in the Prefect UI each show the case file in their own words; they all read it here, so a new
step record or a new column reaches each of them from one place. What may be shown to whom is
the reader's business (the web app masks the customer; the Prefect timeline carries no text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accountability import BreachFinding
from models.closure import ComplaintClosure, LeadershipDecision
from models.complaint import (
    Assignment,
    Complaint,
    ComplaintEvent,
    CustomerFeedback,
    LeadershipInstruction,
    LeadershipReview,
    MajorDecision,
    Resolution,
    Verification,
    WrittenRecord,
)
from models.contact_log import CustomerContactAttempt
from models.evidence import Evidence
from models.extensions import ReplyExtension
from models.operations import Deadline, Notification
from models.people import DepartmentRow, User
from services.channels import channel_details_lines
from services.outbox import NotificationKind

# The notices that tell the customer where the complaint stands (Art. 2(2), 2(4)).
CUSTOMER_NOTICES = tuple(kind.value for kind in NotificationKind if kind.customer_facing)


@dataclass(frozen=True)
class LoggedEvent:
    """One entry of the complaint's log (``complaint_events``), with who did it."""

    seq: int
    at: datetime
    kind: str
    username: str | None  # None: the system
    actor_name: str
    data: dict[str, Any]


@dataclass(frozen=True)
class StepRecord:
    """One step recorded in the case file, in the staff app's words: when, what, by whom, and
    the text written with it (reason, evidence, solution, comment)."""

    at: datetime
    title: str
    by: str
    text: str = ""
    lines: tuple[str, ...] = ()
    due: datetime | None = None  # a time limit the record sets


@dataclass
class CaseFile:
    """The complaint and every row recorded about it, each list oldest first."""

    complaint: Complaint
    written_record: WrittenRecord | None
    assignments: list[Assignment]
    major_decisions: list[MajorDecision]
    instructions: list[LeadershipInstruction]
    verifications: list[Verification]
    resolutions: list[Resolution]
    reviews: list[LeadershipReview]
    customer_answers: list[CustomerFeedback]
    contacts: list[CustomerContactAttempt]
    extensions: list[ReplyExtension]
    events: list[LoggedEvent]
    _names: dict[int, str]
    _departments: dict[int, str]
    # Process version 3: leadership's decisions after the reopened rounds, an early closure.
    leadership_decisions: list[LeadershipDecision] = field(default_factory=list)
    closure: ComplaintClosure | None = None
    # The files attached as evidence, in the order they were attached.
    evidence: list[Evidence] = field(default_factory=list)
    # The time limits (Art. 7), by due time, and compliance's finding on each breached one.
    deadlines: list[Deadline] = field(default_factory=list)
    findings: dict[int, BreachFinding] = field(default_factory=dict)
    # The notices queued to the customer (acknowledgement, progress, result, closure), in order.
    customer_notices: list[Notification] = field(default_factory=list)
    # The reference of the earlier complaint by the same customer this one is linked to.
    repeat_of: str | None = None
    # What the channel records beyond its name (Art. 3: the regulator's transfer and the reply
    # to it, the on-site reception, the sales manager, the internal transfer), one per line.
    channel_details: list[str] = field(default_factory=list)

    def name(self, user_id: int | None) -> str:
        """A staff member's display name ("" for nobody)."""
        return self._names.get(user_id, "") if user_id is not None else ""

    def department_name(self, department_id: int | None) -> str:
        return self._departments.get(department_id, "") if department_id is not None else ""

    def step_records(self) -> list[StepRecord]:
        """The steps taken, oldest first, as the complaint page lists them."""
        records: list[StepRecord] = []
        if (record := self.written_record) is not None:
            records.append(
                StepRecord(
                    record.submitted_at, "文字记录", self.name(record.author_id), record.text
                )
            )
        for item in self.assignments:
            if item.to_department_id is not None:
                title = f"移交{self.department_name(item.to_department_id)}"
            else:
                title = f"安排{self.name(item.handler_id)}跟进"
            records.append(
                StepRecord(
                    item.assigned_at, title, self.name(item.assigned_by_id), item.reason or ""
                )
            )
        for decision in self.major_decisions:
            title = "认定为重大投诉" if decision.major else "认定为非重大投诉"
            records.append(
                StepRecord(
                    decision.decided_at, title, self.name(decision.decided_by_id), decision.reason
                )
            )
        for instruction in self.instructions:
            handler = self.name(instruction.handler_id)
            records.append(
                StepRecord(
                    instruction.given_at,
                    "公司领导研究处理意见",
                    self.name(instruction.given_by_id),
                    instruction.instruction,
                    (f"指定处理人员：{handler}",) if handler else (),
                    due=instruction.due_at,
                )
            )
        for check in self.verifications:
            title = f"第{check.round}轮核实：{'属实' if check.founded else '不属实'}"
            records.append(
                StepRecord(
                    check.verified_at, title, self.name(check.verified_by_id), check.evidence
                )
            )
        for resolution in self.resolutions:
            records.append(
                StepRecord(
                    resolution.resolved_at,
                    f"第{resolution.round}轮处理方案",
                    self.name(resolution.resolved_by_id),
                    resolution.solution,
                )
            )
        for review in self.reviews:
            title = f"公司领导审阅：{'同意' if review.approved else '退回'}"
            records.append(
                StepRecord(review.reviewed_at, title, self.name(review.reviewer_id), review.comment)
            )
        for answer in self.customer_answers:
            records.append(
                StepRecord(
                    answer.recorded_at,
                    customer_answer_label(answer),
                    self.name(answer.recorded_by_id),
                    answer.comment,
                )
            )
        for decision in self.leadership_decisions:
            if decision.decided_at is None:
                continue
            title = "公司领导决定：" + ("再次处理" if decision.another_round else "办结")
            records.append(
                StepRecord(
                    decision.decided_at,
                    title,
                    self.name(decision.decided_by_id),
                    decision.note or "",
                )
            )
        if (closure := self.closure) is not None:
            records.append(
                StepRecord(
                    closure.closed_at,
                    f"提前办结：{closure.reason.label}",
                    self.name(closure.closed_by_id),
                    closure.note,
                    closure_lines(closure),
                )
            )
        return sorted(records, key=lambda record: record.at)


def closure_lines(closure: ComplaintClosure) -> tuple[str, ...]:
    """How a withdrawal was made, in a few words (nothing for other closures)."""
    if closure.withdrawal_method is None:
        return ()
    return (f"客户撤回方式：{closure.withdrawal_method.label}",)


def customer_answer_label(answer: CustomerFeedback) -> str:
    """What the customer said, in a few words: a confirmation of the finding, or feedback."""
    if answer.kind == "confirmation":
        return "客户确认核实结果" if answer.positive else "客户不认可核实结果"
    return "客户满意" if answer.positive else "客户不满意"


def read_case_file(session: Session, complaint: Complaint | int) -> CaseFile:
    """The case file of ``complaint`` (a row, or its id) as it stands in the database."""
    if isinstance(complaint, int):
        complaint = session.get_one(Complaint, complaint)
    cid = complaint.id

    def rows(model: Any, *order: Any) -> list[Any]:
        return list(
            session.scalars(select(model).where(model.complaint_id == cid).order_by(*order))
        )

    events = session.execute(
        select(ComplaintEvent, User)
        .outerjoin(User, User.id == ComplaintEvent.actor_id)
        .where(ComplaintEvent.complaint_id == cid)
        .order_by(ComplaintEvent.seq)
    ).all()
    return CaseFile(
        complaint=complaint,
        written_record=session.scalar(
            select(WrittenRecord).where(WrittenRecord.complaint_id == cid)
        ),
        assignments=rows(Assignment, Assignment.assigned_at),
        major_decisions=rows(MajorDecision, MajorDecision.decided_at),
        instructions=rows(LeadershipInstruction, LeadershipInstruction.given_at),
        verifications=rows(Verification, Verification.verified_at),
        resolutions=rows(Resolution, Resolution.resolved_at),
        reviews=rows(LeadershipReview, LeadershipReview.reviewed_at),
        customer_answers=rows(CustomerFeedback, CustomerFeedback.recorded_at),
        contacts=rows(CustomerContactAttempt, CustomerContactAttempt.contacted_at),
        extensions=rows(ReplyExtension, ReplyExtension.requested_at),
        leadership_decisions=rows(LeadershipDecision, LeadershipDecision.round),
        evidence=rows(Evidence, Evidence.id),
        deadlines=rows(Deadline, Deadline.due_at, Deadline.id),
        findings={
            finding.deadline_id: finding
            for finding in session.scalars(
                select(BreachFinding)
                .join(Deadline, Deadline.id == BreachFinding.deadline_id)
                .where(Deadline.complaint_id == cid)
            )
        },
        customer_notices=list(
            session.scalars(
                select(Notification)
                .where(Notification.complaint_id == cid, Notification.kind.in_(CUSTOMER_NOTICES))
                .order_by(Notification.created_at, Notification.id)
            )
        ),
        repeat_of=session.scalar(
            select(Complaint.reference).where(Complaint.id == complaint.repeat_of_id)
        )
        if complaint.repeat_of_id is not None
        else None,
        closure=session.scalar(
            select(ComplaintClosure).where(ComplaintClosure.complaint_id == cid)
        ),
        # The first line names the channel, which the case file has already.
        channel_details=channel_details_lines(session, complaint)[1:],
        events=[
            LoggedEvent(
                seq=event.seq,
                at=event.occurred_at,
                kind=event.kind,
                username=actor.username if actor else None,
                actor_name=actor.display_name if actor else "系统",
                data=dict(event.data or {}),
            )
            for event, actor in events
        ],
        _names={id_: name for id_, name in session.execute(select(User.id, User.display_name))},
        _departments={
            id_: name for id_, name in session.execute(select(DepartmentRow.id, DepartmentRow.name))
        },
    )

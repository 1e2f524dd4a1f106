"""The accountability register (Art. 7 超时限处理并追究相关责任人的责任): every breach of a time
limit, against the person who answered for it, kept after its step is done, and compliance's
finding on each.

Every door (the register page, the JSON API) reads and records through here; who may do what
is ``policy.accountability``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models.accountability import BreachFinding
from models.complaint import Complaint
from models.operations import Deadline
from models.people import DepartmentRow, User
from policy.accountability import (
    MAX_FINDING_NOTE,
    ROLES_READING_REGISTER,
    Finding,
    may_record_finding,
    reads_whole_register,
)
from policy.enums import DeadlineKind, Department
from services.audit import append_event
from services.step_errors import StepConflict, StepForbidden, StepInputError, StepNotFound


@dataclass(frozen=True)
class BreachRow:
    """One breach on the register, with compliance's finding if one was recorded."""

    deadline_id: int
    reference: str
    kind: DeadlineKind
    due_at: datetime
    breached_at: datetime
    met_at: datetime | None
    username: str
    display_name: str
    department: str | None
    finding: Finding | None
    finding_note: str | None
    finding_by: str | None
    finding_at: datetime | None


@dataclass(frozen=True)
class PersonTally:
    """A person's breaches in the period, and the findings on them."""

    username: str
    display_name: str
    department: str | None
    breaches: int
    without_finding: int
    by_finding: dict[Finding, int]


def _period(start: date | None, end: date | None, tz: ZoneInfo) -> tuple[datetime | None, ...]:
    if start is not None and end is not None and end < start:
        raise StepInputError("结束日期早于开始日期", field="to")
    low = datetime.combine(start, time(), tz) if start else None
    high = datetime.combine(end + timedelta(days=1), time(), tz) if end else None
    return low, high


def breach_register(
    session: Session,
    *,
    reader: User,
    tz: ZoneInfo,
    start: date | None = None,
    end: date | None = None,
    username: str | None = None,
    department: str | None = None,
) -> list[BreachRow]:
    """The breaches whose due time fell in [start, end] (local dates), newest first; a manager
    sees their own department's people only."""
    if reader.role not in ROLES_READING_REGISTER:
        raise StepForbidden("只有合规、公司领导、管理员和部门经理可以查看超时责任台账")
    low, high = _period(start, end, tz)
    responsible = aliased(User)
    recorder = aliased(User)
    query = (
        select(Deadline, Complaint.reference, responsible, DepartmentRow, BreachFinding, recorder)
        .join(Complaint, Complaint.id == Deadline.complaint_id)
        .join(responsible, responsible.id == Deadline.responsible_user_id)
        .outerjoin(DepartmentRow, DepartmentRow.id == responsible.department_id)
        .outerjoin(BreachFinding, BreachFinding.deadline_id == Deadline.id)
        .outerjoin(recorder, recorder.id == BreachFinding.recorded_by_id)
        .where(Deadline.breached_at.is_not(None))
        .order_by(Deadline.due_at.desc(), Deadline.id.desc())
    )
    if low is not None:
        query = query.where(Deadline.due_at >= low)
    if high is not None:
        query = query.where(Deadline.due_at < high)
    if username:
        query = query.where(responsible.username == username)
    if department:
        if department not in Department.__members__:
            raise StepInputError("未知的部门代码", field="department")
        query = query.where(DepartmentRow.code == Department(department))
    if not reads_whole_register(reader.role):
        query = query.where(responsible.department_id == reader.department_id)
    rows: list[BreachRow] = []
    for deadline, reference, person, dept, finding, by in session.execute(query):
        assert deadline.breached_at is not None
        rows.append(
            BreachRow(
                deadline_id=deadline.id,
                reference=reference,
                kind=deadline.kind,
                due_at=deadline.due_at,
                breached_at=deadline.breached_at,
                met_at=deadline.met_at,
                username=person.username,
                display_name=person.display_name,
                department=dept.name if dept else None,
                finding=finding.finding if finding else None,
                finding_note=finding.note if finding else None,
                finding_by=by.username if by else None,
                finding_at=finding.recorded_at if finding else None,
            )
        )
    return rows


def tally_by_person(rows: Sequence[BreachRow]) -> list[PersonTally]:
    """Per person: breaches, those still without a finding, and the findings by kind; the most
    breaches first."""
    grouped: dict[str, list[BreachRow]] = {}
    for row in rows:
        grouped.setdefault(row.username, []).append(row)
    tallies = [
        PersonTally(
            username=username,
            display_name=own[0].display_name,
            department=own[0].department,
            breaches=len(own),
            without_finding=sum(1 for row in own if row.finding is None),
            by_finding={
                kind: count
                for kind in Finding
                if (count := sum(1 for row in own if row.finding is kind))
            },
        )
        for username, own in grouped.items()
    ]
    return sorted(tallies, key=lambda tally: (-tally.breaches, tally.username))


def record_finding(
    session: Session,
    *,
    deadline_id: int,
    actor: User,
    finding: Finding,
    note: str | None,
    now: datetime,
) -> BreachFinding:
    """Art. 7: compliance's one finding on a breach, with a note; audited on the complaint's
    log. The caller commits."""
    if not may_record_finding(actor.role):
        raise StepForbidden("只有合规人员可以认定超时责任")
    deadline = session.execute(
        select(Deadline).where(Deadline.id == deadline_id).with_for_update()
    ).scalar_one_or_none()
    if deadline is None:
        raise StepNotFound("找不到该超时记录")
    if deadline.breached_at is None:
        raise StepConflict("该时限未超时，无需认定责任")
    cleaned = (note or "").strip()
    if not cleaned:
        raise StepInputError("请填写认定说明", field="note")
    if len(cleaned) > MAX_FINDING_NOTE:
        raise StepInputError(f"认定说明不能超过 {MAX_FINDING_NOTE} 字", field="note")
    existing = session.execute(
        select(BreachFinding.id).where(BreachFinding.deadline_id == deadline_id)
    ).first()
    if existing is not None:
        raise StepConflict("该超时已有合规认定，不能重复认定")
    record = BreachFinding(
        deadline_id=deadline_id,
        finding=finding,
        note=cleaned,
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    session.add(record)
    complaint = session.get(Complaint, deadline.complaint_id)
    assert complaint is not None
    append_event(
        session,
        complaint=complaint,
        kind="breach_finding",
        actor_id=actor.id,
        data={"deadline_id": deadline_id, "kind": deadline.kind.value, "finding": finding.value},
        occurred_at=now,
    )
    session.flush()
    return record

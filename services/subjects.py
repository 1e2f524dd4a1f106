"""Who or what a complaint is about and what the customer asks for, recorded and confirmed.

Intake records the subject (the department, staff member, member institution and product
complained about) and the customer's demand, the demand suggested from the text
(``policy.subjects.suggest_demand``) where staff give none. Afterwards the subject and the demand
are confirmed or corrected at the written-record step and up to the assignment
(``confirm_subject``): by the first-inquiry owner or a manager of the complaint's department;
once a handler is assigned they stay as they are, so the person complained about is known before
anyone is named to handle the case (Art. 4 回避, ``policy.subjects``).

Everything here happens in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models.complaint import Complaint
from models.people import DepartmentRow, User
from policy.enums import Department, Role, Stage
from policy.subjects import MAX_DEMAND_NOTE, MAX_SUBJECT_TEXT, Demand, suggest_demand
from policy.text import is_blank
from services.audit import append_event
from services.claims import claim_complaint
from services.directory import department_by_code, user_by_username
from services.step_errors import StepConflict, StepForbidden, StepInputError

# The stages at which the subject and the demand are confirmed or corrected.
CONFIRMING_STAGES = frozenset({Stage.awaiting_written_record, Stage.awaiting_assignment})


@dataclass(frozen=True)
class SubjectInput:
    """The subject and the demand as staff give them; every part optional."""

    department: Department | None = None
    staff: str | None = None  # a username
    institution: str | None = None
    product: str | None = None
    demand: Demand | None = None
    demand_note: str | None = None


@dataclass(frozen=True)
class Subject:
    """The subject and the demand, checked: the staff member found, the texts trimmed."""

    department: DepartmentRow | None
    staff: User | None
    institution: str | None
    product: str | None
    demand: Demand | None
    demand_note: str | None


def _text(value: str | None, field: str, label: str, limit: int) -> str | None:
    if value is None or is_blank(value):
        return None
    value = value.strip()
    if len(value) > limit:
        raise StepInputError(f"{label}不能超过 {limit} 个字符", field=field)
    return value


def check_subject(session: Session, given: SubjectInput) -> Subject:
    """The subject as given, or ``StepInputError`` (422) naming the field: an unknown or
    inactive staff member, a text too long."""
    staff = None
    username = (given.staff or "").strip()
    if username:
        staff = user_by_username(session, username)
        if staff is None or not staff.active:
            raise StepInputError(
                f"找不到被投诉人员「{username}」（请填写其用户名）", field="subject_staff"
            )
        if staff.role is Role.admin:
            raise StepInputError("系统管理员不办理业务，不能作为被投诉人员", field="subject_staff")
    return Subject(
        department=department_by_code(session, given.department) if given.department else None,
        staff=staff,
        institution=_text(
            given.institution, "subject_institution", "被投诉会员机构", MAX_SUBJECT_TEXT
        ),
        product=_text(given.product, "product", "涉及产品", MAX_SUBJECT_TEXT),
        demand=given.demand,
        demand_note=_text(given.demand_note, "demand_note", "客户诉求说明", MAX_DEMAND_NOTE),
    )


def set_subject(complaint: Complaint, subject: Subject) -> dict[str, Any]:
    """Write ``subject`` onto the complaint; what the audit event records of it (codes and
    usernames, no free text)."""
    complaint.subject_department = subject.department
    complaint.subject_user = subject.staff
    complaint.subject_institution = subject.institution
    complaint.product = subject.product
    complaint.demand = subject.demand
    complaint.demand_note = subject.demand_note
    return subject_event_data(complaint)


def subject_event_data(complaint: Complaint) -> dict[str, Any]:
    department = complaint.subject_department
    staff = complaint.subject_user
    return {
        "subject_department": department.code.value if department else None,
        "subject_staff": staff.username if staff else None,
        "subject_institution": complaint.subject_institution is not None,
        "product": complaint.product is not None,
        "demand": complaint.demand.value if complaint.demand else None,
    }


def intake_demand(given: Demand | None, content: str) -> tuple[Demand | None, Demand | None]:
    """The demand recorded at intake (staff's choice, else the suggestion) and the suggestion."""
    suggested = suggest_demand(content)
    return given or suggested, suggested


def confirm_subject(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    given: SubjectInput,
    now: datetime,
) -> Complaint:
    """Confirm or correct the subject and the demand at the written-record step or before the
    assignment: 409 at a later stage, 403 for anyone but the first-inquiry owner or a manager
    of the complaint's department, or for the person complained about; 422 for bad input."""
    session.refresh(complaint)
    ensure_may_confirm(complaint, actor)
    subject = check_subject(session, given)
    if not claim_complaint(session, complaint):
        session.refresh(complaint)
        raise StepConflict(
            f"投诉 {complaint.reference} 刚刚已由他人更新（当前处于「{complaint.stage.label}」），"
            "请刷新后再确认被投诉对象和客户诉求"
        )
    data = set_subject(complaint, subject)
    append_event(
        session,
        complaint=complaint,
        kind="subject_confirmed",
        actor_id=actor.id,
        occurred_at=now,
        data=data,
    )
    session.flush()
    return complaint


def ensure_may_confirm(complaint: Complaint, actor: User) -> None:
    """Whether ``actor`` may confirm or correct the subject now (else 409 or 403)."""
    if complaint.stage not in CONFIRMING_STAGES:
        raise StepConflict(
            f"投诉 {complaint.reference} 当前处于「{complaint.stage.label}」；被投诉对象和客户诉求"
            "只能在提交文字记录或安排跟进之前确认或更正"
        )
    manager = actor.role is Role.manager and actor.department_id == complaint.department_id
    if not actor.active or (actor.id != complaint.first_inquiry_owner_id and not manager):
        raise StepForbidden("只有首问负责人或受理部门经理可以确认或更正被投诉对象和客户诉求")
    if complaint.subject_user_id is not None and actor.id == complaint.subject_user_id:
        raise StepForbidden("您是本投诉的被投诉人员，应当回避，不能确认或更正被投诉对象（第四条）")

"""Drive one complaint's flow run as the staff app would: save the step, resume, execute."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.complaint_lifecycle import complaint_lifecycle
from models import Complaint, Deadline, Notification, ReferenceCounter, User
from models.db import utcnow
from orchestration.names import deadline_run_name, warning_run_name
from orchestration.runs import resume_for_step, schedule_deadline_run, start_lifecycle_run
from policy.enums import Department, Role
from policy.lifecycle import PROCESS_VERSION, Step
from services.closure import close_complaint
from services.directory import add_user
from services.intake import register_complaint
from services.step_registry import resume_input
from services.steps import (
    assign,
    decide_after_rejections,
    decide_major,
    give_leadership_instruction,
    record_customer_confirmation,
    record_feedback,
    record_handling,
    review_handling,
    submit_written_record,
)
from tests.flows.conftest import execute
from tests.models.factories import sample_intake


@dataclass
class Staff:
    owner: User
    manager: User
    handler: User
    leader: User
    other_manager: User


def add_staff(session: Session) -> Staff:
    def user(name: str, role: Role, department: Department | None, superior: str | None) -> User:
        return add_user(
            session,
            username=name,
            password="correct horse battery",
            role=role,
            department=department,
            superior=superior,
            email=f"{name}@staff.test",
        )

    leader = user("leader", Role.leadership, None, None)
    manager = user("manager", Role.manager, Department.wealth_center, "leader")
    other = user("manager_gm", Role.manager, Department.general_management, "leader")
    owner = user("owner", Role.staff, Department.wealth_center, "manager")
    handler = user("handler", Role.staff, Department.wealth_center, "manager")
    session.commit()
    return Staff(owner=owner, manager=manager, handler=handler, leader=leader, other_manager=other)


# Which step each of the app's step functions saves.
STEP_OF: dict[Callable[..., Any], Step] = {
    submit_written_record: Step.written_record,
    assign: Step.assignment,
    decide_major: Step.major_decision,
    give_leadership_instruction: Step.leadership_instruction,
    record_handling: Step.handling,
    review_handling: Step.leadership_review,
    record_customer_confirmation: Step.customer_confirmation,
    record_feedback: Step.feedback,
    decide_after_rejections: Step.leadership_decision,
}


# The app's step function of each step.
SERVICE_OF: dict[Step, Callable[..., Any]] = {step: service for service, step in STEP_OF.items()}


@dataclass
class RunningComplaint:
    complaint_id: int
    reference: str
    run_id: UUID
    session: Session
    state: Any = None

    @property
    def complaint(self) -> Complaint:
        self.fresh()
        return self.session.get_one(Complaint, self.complaint_id)

    def fresh(self) -> None:
        """End the test's transaction so it sees what the flow wrote (SQLite snapshots)."""
        self.session.commit()
        self.session.expire_all()

    def act(self, step: Callable[..., Any], *, actor: User, **values: Any) -> Any:
        """Save a step in the app database, then resume and execute the run with the input the
        staff app sends (``resume_input``: the acting username and the step's decision)."""
        step(self.session, complaint=self.complaint, actor=actor, now=utcnow(), **values)
        self.session.commit()
        resume_for_step(self.run_id, resume_input(STEP_OF[step], values, operator=actor.username))
        self.state = execute(complaint_lifecycle, self.run_id)
        self.fresh()
        return self.state

    def close(self, *, actor: User, **values: Any) -> Any:
        """Close the complaint as the staff app does (``services.closure``), then wake the run
        with the acting username alone and execute it."""
        close_complaint(self.session, complaint=self.complaint, actor=actor, now=utcnow(), **values)
        self.session.commit()
        resume_for_step(self.run_id, {"operator": actor.username})
        self.state = execute(complaint_lifecycle, self.run_id)
        self.fresh()
        return self.state

    def pause_key(self) -> str:
        """The key of the wait the run is suspended at (``written-record-1-1``)."""
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            state = client.read_flow_run(self.run_id).state
        assert state is not None and state.is_paused(), state
        return state.state_details.pause_key or ""

    def notifications(self) -> dict[str, int]:
        self.fresh()
        rows = self.session.scalars(
            select(Notification).where(Notification.complaint_id == self.complaint_id)
        )
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.kind] = counts.get(row.kind, 0) + 1
        return counts


def start_complaint(
    session: Session,
    settings: Any,
    owner: User,
    *,
    process_version: int = PROCESS_VERSION,
    **intake: Any,
) -> RunningComplaint:
    intake.setdefault("customer_email", "customer@example.test")
    intake.setdefault("received_at", utcnow())
    if not intake.get("resolved_on_the_spot"):
        intake.setdefault("promised_reply_at", intake["received_at"] + timedelta(days=15))
    complaint = register_complaint(
        session,
        intake=sample_intake(**intake),
        owner=owner,
        now=utcnow(),
        settings=settings,
        process_version=process_version,
    )
    session.commit()
    run_id = start_lifecycle_run(
        complaint_id=complaint.id,
        reference=complaint.reference,
        created_at=complaint.created_at,
        tags=["complaint"],
    )
    complaint.flow_run_id = str(run_id)
    session.commit()
    running = RunningComplaint(complaint.id, complaint.reference, run_id, session)
    running.state = execute(complaint_lifecycle, run_id)
    running.fresh()
    return running


def number_references_from(session: Session, settings: Any, last: int) -> None:
    """Today's complaint references continue after ``last``: run names carry the reference, and
    the Prefect server is shared by tests whose databases each start again at TS-…-0001."""
    day = utcnow().astimezone(settings.tz).date()
    session.add(ReferenceCounter(day=day, last=last))
    session.commit()


def schedule_checks_as_before(deadline: Deadline, reference: str) -> tuple[UUID, UUID]:
    """A deadline's warning and breach check runs as the system scheduled them before the
    deadline sweep (same names, keys and times): the runs an upgraded system still holds."""
    kind, sequence = deadline.kind.value, deadline.sequence
    assert deadline.warn_at is not None
    warn = schedule_deadline_run(
        deadline_id=deadline.id,
        created_at=deadline.created_at,
        purpose="warn",
        at=deadline.warn_at,
        name=warning_run_name(reference, kind, sequence),
    )
    breach = schedule_deadline_run(
        deadline_id=deadline.id,
        created_at=deadline.created_at,
        purpose="breach",
        at=deadline.due_at,
        name=deadline_run_name(reference, kind, sequence),
    )
    return warn, breach

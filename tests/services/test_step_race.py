"""One winner per step: of two people taking the same step at the same moment, the database lets
exactly one through; the other is refused (409, in Chinese) and leaves no row and no event.

Each test holds the first person's step open (written, not committed) until the second person's
transaction has read the complaint and tries to write or lock it; only then does the first one
commit. On SQLite, whose transactions start at their first write, the second person has by then
read the complaint as it was before the first step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Assignment, ComplaintEvent
from models.complaint import Complaint
from models.people import User
from policy.enums import Channel, Department, Role, Stage
from policy.lifecycle import STAGE_OF_STEP, Step
from services.step_errors import StepConflict
from services.steps import (
    apply_step_input,
    assign,
    decide_major,
    give_leadership_instruction,
    record_customer_confirmation,
    record_feedback,
    record_handling,
    review_handling,
    submit_written_record,
)
from tests.models.factories import NOW, make_complaint, make_user
from tests.support.races import race_twice


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    manager = make_user(session, role=Role.manager, username="mgr")
    return {
        "manager": manager,
        "manager2": make_user(session, role=Role.manager, username="mgr2"),
        "owner": make_user(session, username="owner", superior="mgr"),
        "colleague": make_user(session, username="colleague"),
        "leader": make_user(session, role=Role.leadership, username="leader"),
        "leader2": make_user(session, role=Role.leadership, username="leader2"),
    }


@dataclass(frozen=True)
class Race:
    """The step both people take; ``second`` differs from ``first`` where the step has a choice."""

    step: Step
    event: str
    first: Callable[[Session, Complaint, dict[str, User]], Any]
    second: Callable[[Session, Complaint, dict[str, User]], Any]
    intake: dict[str, Any]


def _at(minutes: int) -> Any:
    return NOW + timedelta(minutes=minutes)


def _assign(handler: str, actor: str) -> Callable[[Session, Complaint, dict[str, User]], Any]:
    return lambda s, c, p: assign(s, complaint=c, actor=p[actor], handler=handler, now=_at(30))


def _transfer(to: Department, actor: str) -> Callable[[Session, Complaint, dict[str, User]], Any]:
    return lambda s, c, p: assign(
        s, complaint=c, actor=p[actor], transfer_to_department=to, reason="不属本部门", now=_at(30)
    )


def _handle(founded: bool, actor: str) -> Callable[[Session, Complaint, dict[str, User]], Any]:
    return lambda s, c, p: record_handling(
        s,
        complaint=c,
        actor=p[actor],
        founded=founded,
        evidence="核实",
        solution="方案",
        now=_at(40),
    )


RACES = {
    "written_record": Race(
        Step.written_record,
        "written_record_submitted",
        lambda s, c, p: submit_written_record(
            s, complaint=c, actor=p["owner"], text="第一份", now=_at(10)
        ),
        lambda s, c, p: submit_written_record(
            s, complaint=c, actor=p["owner"], text="第二份", now=_at(11)
        ),
        {},
    ),
    "assignment": Race(
        Step.assignment,
        "handler_assigned",
        _assign("owner", "manager"),
        _assign("colleague", "manager2"),
        {},
    ),
    "transfer": Race(
        Step.assignment,
        "transferred",
        _transfer(Department.general_management, "manager"),
        _transfer(Department.member_management, "manager2"),
        {},
    ),
    "major_decision": Race(
        Step.major_decision,
        "major_decided",
        lambda s, c, p: decide_major(
            s, complaint=c, actor=p["manager"], major=True, reason="影响大", now=_at(35)
        ),
        lambda s, c, p: decide_major(
            s, complaint=c, actor=p["leader"], major=False, reason="一般", now=_at(35)
        ),
        {"channel": Channel.regulator_transfer},
    ),
    "leadership_instruction": Race(
        Step.leadership_instruction,
        "leadership_instructed",
        lambda s, c, p: give_leadership_instruction(
            s, complaint=c, actor=p["leader"], instruction="先退款", now=_at(40)
        ),
        lambda s, c, p: give_leadership_instruction(
            s, complaint=c, actor=p["leader2"], instruction="先核查", now=_at(40)
        ),
        {"major": True},
    ),
    "handling": Race(
        Step.handling,
        "handling_recorded",
        _handle(True, "colleague"),
        _handle(False, "manager"),
        {},
    ),
    "leadership_review": Race(
        Step.leadership_review,
        "leadership_reviewed",
        lambda s, c, p: review_handling(
            s, complaint=c, actor=p["leader"], approved=True, comment="", now=_at(50)
        ),
        lambda s, c, p: review_handling(
            s, complaint=c, actor=p["leader2"], approved=False, comment="再查", now=_at(50)
        ),
        {"major": True},
    ),
    "customer_confirmation": Race(
        Step.customer_confirmation,
        "customer_confirmation",
        lambda s, c, p: record_customer_confirmation(
            s, complaint=c, actor=p["owner"], confirmed=True, note="", now=_at(60)
        ),
        lambda s, c, p: record_customer_confirmation(
            s, complaint=c, actor=p["manager"], confirmed=False, note="不认可", now=_at(60)
        ),
        {},
    ),
    "feedback": Race(
        Step.feedback,
        "customer_feedback",
        lambda s, c, p: record_feedback(
            s, complaint=c, actor=p["owner"], satisfied=True, comment="", now=_at(70)
        ),
        lambda s, c, p: record_feedback(
            s, complaint=c, actor=p["manager"], satisfied=False, comment="不满意", now=_at(70)
        ),
        {},
    ),
}


def complaint_on(session: Session, settings: Any, people: dict[str, User], race: Race) -> int:
    """A committed complaint waiting for ``race.step``, reached through the steps before it."""
    complaint = make_complaint(session, settings, owner=people["owner"], **race.intake)
    target = STAGE_OF_STEP[race.step]
    founded = race.step is not Step.customer_confirmation
    before = {
        Stage.awaiting_written_record: RACES["written_record"].first,
        Stage.awaiting_assignment: _assign("colleague", "manager"),
        Stage.awaiting_major_decision: RACES["major_decision"].first,
        Stage.awaiting_leadership_instruction: RACES["leadership_instruction"].first,
        Stage.awaiting_handling: _handle(founded, "colleague"),
    }
    while complaint.stage is not target and complaint.stage in before:
        before[complaint.stage](session, complaint, people)
    assert complaint.stage is target
    session.commit()
    return complaint.id


def _count(session: Session, model: Any, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.mark.parametrize("name", list(RACES))
def test_of_two_people_taking_the_same_step_at_once_exactly_one_is_saved(
    name: str, database_url: str, session: Session, settings: Any, people: dict[str, User]
) -> None:
    race = RACES[name]
    complaint_id = complaint_on(session, settings, people, race)
    events_before = _count(session, ComplaintEvent, ComplaintEvent.complaint_id == complaint_id)

    def first(s: Session) -> None:
        race.first(s, s.get_one(Complaint, complaint_id), people)

    def second(s: Session) -> None:
        mine = {key: s.get_one(User, user.id) for key, user in people.items()}
        race.second(s, s.get_one(Complaint, complaint_id), mine)

    refused = race_twice(database_url, session, first, second)

    assert isinstance(refused, StepConflict), repr(refused)
    assert refused.status_code == 409
    assert "投诉" in refused.message and race.step.label in refused.message
    session.expire_all()
    events = session.scalars(
        select(ComplaintEvent.kind).where(
            ComplaintEvent.complaint_id == complaint_id,
            ComplaintEvent.seq > events_before,
        )
    ).all()
    assert events.count(race.event) == 1, events
    if race.step is Step.assignment:
        assert _count(session, Assignment, Assignment.complaint_id == complaint_id) == 1


def test_the_prefect_ui_input_and_the_staff_app_at_once_save_one_step(
    database_url: str, session: Session, settings: Any, people: dict[str, User]
) -> None:
    """The door of the Prefect UI's resume form goes through the same claim."""
    complaint_id = complaint_on(session, settings, people, RACES["assignment"])

    def staff_app(s: Session) -> None:
        assign(
            s,
            complaint=s.get_one(Complaint, complaint_id),
            actor=s.get_one(User, people["manager"].id),
            handler="owner",
            now=_at(30),
        )

    def prefect_ui(s: Session) -> None:
        values = {"operator": "mgr2", "handler": "colleague"}
        apply_step_input(
            s, complaint_id=complaint_id, step=Step.assignment, values=values, now=_at(30)
        )

    refused = race_twice(database_url, session, staff_app, prefect_ui)

    assert isinstance(refused, StepConflict), repr(refused)
    session.expire_all()
    assert _count(session, Assignment, Assignment.complaint_id == complaint_id) == 1
    assert session.get_one(Complaint, complaint_id).handler_id == people["owner"].id

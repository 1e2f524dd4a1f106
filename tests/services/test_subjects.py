"""Who or what a complaint is about and the customer's demand (Art. 4 回避, Art. 8)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Assignment, Complaint, ComplaintEvent
from models.db import utcnow
from models.people import User
from policy.enums import Department, Role, Stage
from policy.lifecycle import Step
from policy.subjects import Demand
from services.intake import IntakeError
from services.step_errors import StepConflict, StepForbidden, StepInputError
from services.steps import (
    apply_step_input,
    assign,
    give_leadership_instruction,
    record_handling,
    submit_written_record,
)
from services.subjects import SubjectInput, confirm_subject
from tests.models.factories import make_complaint, make_user
from tests.support.races import race_twice


@pytest.fixture
def people(session: Session) -> dict:
    manager = make_user(session, role=Role.manager, username="mgr")
    return {
        "manager": manager,
        "owner": make_user(session, username="owner", superior="mgr"),
        "accused": make_user(session, username="accused", superior="mgr"),
        "colleague": make_user(session, username="colleague", superior="mgr"),
        "leader": make_user(session, role=Role.leadership, username="leader"),
    }


def _events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ComplaintEvent)) or 0


def test_intake_records_the_subject_and_the_demand_with_the_suggestion_in_the_log(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(
        session,
        settings,
        owner=people["owner"],
        content="理财经理私自替我操作，要求赔偿损失",
        subject_department=Department.member_management,
        subject_staff="accused",
        subject_institution="某某证券营业部",
        product="稳健一号",
        demand=Demand.apology,
        demand_note="书面道歉",
    )
    assert complaint.subject_department.code is Department.member_management
    assert complaint.subject_user_id == people["accused"].id
    assert (complaint.subject_institution, complaint.product) == ("某某证券营业部", "稳健一号")
    assert (complaint.demand, complaint.demand_note) == (Demand.apology, "书面道歉")
    # The routed department handles it; it is not, by that, the department complained about.
    assert complaint.department_id != complaint.subject_department_id
    received = session.scalar(select(ComplaintEvent).where(ComplaintEvent.kind == "received"))
    assert received.data["subject_staff"] == "accused"
    assert received.data["overrides"]["demand"] == {
        "suggested": "compensation",
        "confirmed": "apology",
    }
    assert "某某证券营业部" not in str(received.data)


def test_intake_without_a_demand_takes_the_one_the_text_suggests(
    session: Session, settings
) -> None:
    complaint = make_complaint(session, settings, content="多扣了手续费，请退款")
    assert complaint.demand is Demand.refund
    assert complaint.subject_user_id is None and complaint.subject_department_id is None


def test_an_unknown_staff_member_complained_about_is_refused_and_nothing_is_saved(
    session: Session, settings, people
) -> None:
    session.commit()
    with pytest.raises(IntakeError, match="找不到被投诉人员「nobody」") as refused:
        make_complaint(session, settings, owner=people["owner"], subject_staff="nobody")
    assert refused.value.field == "subject_staff"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_art4_the_person_complained_about_is_never_assigned_as_handler(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(session, settings, owner=people["owner"], subject_staff="accused")
    submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=utcnow()
    )
    session.commit()
    before = _events(session)
    with pytest.raises(StepInputError, match="回避") as refused:
        assign(
            session, complaint=complaint, actor=people["manager"], handler="accused", now=utcnow()
        )
    assert refused.value.status_code == 422 and refused.value.field == "handler"
    session.rollback()
    assert complaint.handler_id is None and complaint.stage is Stage.awaiting_assignment
    assert _events(session) == before
    assign(session, complaint=complaint, actor=people["manager"], handler="colleague", now=utcnow())
    assert complaint.handler_id == people["colleague"].id


def test_art4_leadership_cannot_name_the_person_complained_about_as_handler(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(
        session, settings, owner=people["owner"], subject_staff="accused", major=True
    )
    submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=utcnow()
    )
    assign(session, complaint=complaint, actor=people["manager"], handler="colleague", now=utcnow())
    if complaint.stage is Stage.awaiting_major_decision:
        from services.steps import decide_major

        decide_major(
            session,
            complaint=complaint,
            actor=people["leader"],
            major=True,
            reason="重大",
            now=utcnow(),
        )
    assert complaint.stage is Stage.awaiting_leadership_instruction
    with pytest.raises(StepInputError, match="回避"):
        give_leadership_instruction(
            session,
            complaint=complaint,
            actor=people["leader"],
            instruction="由被投诉人员说明情况",
            handler="accused",
            now=utcnow(),
        )


def test_art4_the_person_complained_about_cannot_verify_even_as_manager_or_through_prefect(
    session: Session, settings, people
) -> None:
    """Whoever they are otherwise (here the department's manager, who may handle any case of
    the department), the person complained about does not verify the complaint: on the
    service, and on the path of the Prefect UI's resume form."""
    complaint = make_complaint(session, settings, owner=people["owner"], subject_staff="mgr")
    submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=utcnow()
    )
    assign(session, complaint=complaint, actor=people["manager"], handler="colleague", now=utcnow())
    assert complaint.stage is Stage.awaiting_handling
    session.commit()
    before = _events(session)
    with pytest.raises(StepInputError, match="回避") as refused:
        record_handling(
            session,
            complaint=complaint,
            actor=people["manager"],
            founded=False,
            evidence="经核实无此事",
            solution="无需处理",
            now=utcnow(),
        )
    assert refused.value.status_code == 422
    session.rollback()
    with pytest.raises(StepInputError, match="回避"):
        apply_step_input(
            session,
            complaint_id=complaint.id,
            step=Step.handling,
            values={
                "operator": "mgr",
                "founded": False,
                "evidence": "经核实无此事",
                "solution": "无需处理",
            },
            now=utcnow(),
        )
    session.rollback()
    assert _events(session) == before and complaint.stage is Stage.awaiting_handling


def test_the_subject_is_confirmed_or_corrected_up_to_the_assignment_then_kept(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(session, settings, owner=people["owner"])
    confirm_subject(
        session,
        complaint=complaint,
        actor=people["owner"],
        given=SubjectInput(staff="accused", demand=Demand.explanation),
        now=utcnow(),
    )
    assert complaint.subject_user_id == people["accused"].id
    assert complaint.demand is Demand.explanation
    submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=utcnow()
    )
    with pytest.raises(StepForbidden):
        confirm_subject(
            session,
            complaint=complaint,
            actor=people["colleague"],
            given=SubjectInput(),
            now=utcnow(),
        )
    with pytest.raises(StepInputError, match="找不到被投诉人员") as refused:
        confirm_subject(
            session,
            complaint=complaint,
            actor=people["manager"],
            given=SubjectInput(staff="nobody"),
            now=utcnow(),
        )
    assert refused.value.field == "subject_staff"
    confirm_subject(
        session,
        complaint=complaint,
        actor=people["manager"],
        given=SubjectInput(staff="accused", department=Department.member_management),
        now=utcnow(),
    )
    assert complaint.subject_department.code is Department.member_management
    assign(session, complaint=complaint, actor=people["manager"], handler="colleague", now=utcnow())
    with pytest.raises(StepConflict):
        confirm_subject(
            session,
            complaint=complaint,
            actor=people["manager"],
            given=SubjectInput(),
            now=utcnow(),
        )
    kinds = list(session.scalars(select(ComplaintEvent.kind).order_by(ComplaintEvent.seq)))
    assert kinds.count("subject_confirmed") == 2


@pytest.mark.parametrize("first_step", ["confirm", "assign"])
def test_art4_naming_the_accused_and_assigning_them_at_once_never_makes_them_the_handler(
    first_step: str, database_url: str, session: Session, settings, people
) -> None:
    """The manager assigns a colleague while the owner names that same colleague as the person
    complained about: whichever commits first, the other is refused (409), so the person
    complained about never ends up handling the complaint."""
    complaint = make_complaint(session, settings, owner=people["owner"])
    submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=utcnow()
    )
    session.commit()

    def name_accused(s: Session) -> None:
        confirm_subject(
            s,
            complaint=s.get_one(Complaint, complaint.id),
            actor=s.get_one(User, people["manager"].id),
            given=SubjectInput(staff="colleague"),
            now=utcnow(),
        )

    def assign_colleague(s: Session) -> None:
        assign(
            s,
            complaint=s.get_one(Complaint, complaint.id),
            actor=s.get_one(User, people["manager"].id),
            handler="colleague",
            now=utcnow(),
        )

    steps = (name_accused, assign_colleague)
    first, second = steps if first_step == "confirm" else steps[::-1]
    refused = race_twice(database_url, session, first, second)
    assert isinstance(refused, StepConflict), repr(refused)
    session.expire_all()
    kept = session.get_one(Complaint, complaint.id)
    handler = session.scalar(
        select(Assignment.handler_id).where(Assignment.complaint_id == complaint.id)
    )
    assert kept.subject_user_id is None or handler is None

"""Each human step is declared once (services/step_registry.py); the doors derive their part of
the contract from the declaration, so a step's fields, roles and decision are the same in the
JSON API, the staff app's form, the Prefect UI's resume form and the service."""

from __future__ import annotations

import inspect
from datetime import timedelta

from sqlalchemy.orm import Session

from policy.enums import Role, Stage
from policy.lifecycle import Step
from services.extensions import extensions_of
from services.step_registry import STEPS, Decision, resume_input
from services.steps import SERVICES, apply_step_input, assign, submit_written_record
from tests.models.factories import NOW, make_complaint, make_user

COMMON = {"session", "complaint", "actor", "now"}


def test_every_step_is_declared_with_a_service_taking_exactly_its_fields() -> None:
    assert set(STEPS) == set(Step)
    for step, spec in STEPS.items():
        parameters = inspect.signature(SERVICES[step]).parameters
        assert set(parameters) == COMMON | {field.name for field in spec.fields}, step
        assert spec.roles and Role.admin not in spec.roles, step


def test_art5_4_only_leadership_reviews_and_only_managers_assign() -> None:
    assert STEPS[Step.leadership_review].roles == {Role.leadership}
    assert STEPS[Step.assignment].roles == {Role.manager}


def test_every_door_takes_the_fields_the_step_declares() -> None:
    from flows.inputs import STEP_INPUTS
    from web.schemas import STEP_REQUESTS

    for step, spec in STEPS.items():
        names = [field.name for field in spec.fields]
        assert list(STEP_REQUESTS[step].model_fields) == names, step
        assert list(STEP_INPUTS[step].model_fields) == ["operator", *names], step
        titles = {name: info.title for name, info in STEP_REQUESTS[step].model_fields.items()}
        assert titles == {field.name: field.title for field in spec.fields}, step


def test_a_run_is_woken_with_the_username_and_the_decision_only_art_2_5() -> None:
    from flows.inputs import STEP_INPUTS

    outcome = {"major": True, "founded": False, "approved": True, "confirmed": False}
    outcome |= {"satisfied": True, "transfer_to": None, "handler_id": 3, "submitted_at": "t"}
    outcome |= {"another_round": False}
    for step in Step:
        given = resume_input(step, outcome, operator="owner")
        texts = {name for name, value in given.items() if value == ""}
        assert set(given) - texts == {"operator", *STEPS[step].decisions}, step
        STEP_INPUTS[step](**given)  # the Prefect UI's form of the step accepts it
    # The decision as the form names the answer; the texts the form requires, empty.
    assert resume_input(Step.handling, outcome, operator="o") == {
        "operator": "o",
        "founded": "不属实",
        "evidence": "",
        "solution": "",
    }


def test_a_closure_wakes_a_version_3_wait_with_the_username_alone() -> None:
    """Process version 3: a closure may end any wait; the run is woken with the acting
    username only, which each wait's form accepts, as it accepts a step's decision."""
    from flows.inputs import CLOSABLE_STEP_INPUTS

    for step in Step:
        woken = CLOSABLE_STEP_INPUTS[step](operator="manager")
        assert woken.operator == "manager"
        for spec in STEPS[step].fields:
            if isinstance(spec, Decision):
                assert getattr(woken, spec.name) == ""  # no answer preselected
                chosen = CLOSABLE_STEP_INPUTS[step](operator="o", **{spec.name: spec.yes})
                assert getattr(chosen, spec.name) == spec.yes, step


def test_a_time_without_offset_from_the_prefect_ui_is_read_in_the_offices_zone(
    session: Session, settings
) -> None:
    """The Prefect UI's form may send a new promised reply time without a UTC offset: it is
    taken as local time (as the staff app's form does), not refused with a crash."""
    manager = make_user(session, role=Role.manager, username="mgr")
    owner = make_user(session, username="owner", superior="mgr")
    complaint = make_complaint(session, settings, owner=owner)
    submit_written_record(session, complaint=complaint, actor=owner, text="记录", now=NOW)
    assign(session, complaint=complaint, actor=manager, handler="owner", now=NOW)
    local = (NOW + timedelta(days=17)).astimezone(settings.tz).replace(microsecond=0)
    apply_step_input(
        session,
        complaint_id=complaint.id,
        step=Step.handling,
        values={
            "operator": "owner",
            "founded": True,
            "evidence": "属实",
            "solution": "退费",
            "promised_reply_at": local.replace(tzinfo=None).isoformat(),
        },
        now=NOW,
    )
    assert complaint.stage is Stage.awaiting_feedback
    # The new time is a request for a later reply time, taken as local time.
    assert extensions_of(session, complaint.id)[0].new_reply_at == local

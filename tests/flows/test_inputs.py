"""The Prefect UI's resume form cannot mislead: it names the step, a decision has no answer
chosen beforehand, optional fields are empty strings rather than a "None" switch, and it
requires what the staff app requires (the step registry's declaration)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from flows.inputs import STEP_INPUTS
from policy.lifecycle import Step
from services.step_registry import STEPS, Decision, FreeText, resume_input, values_from_json


def _schema(step: Step) -> dict[str, Any]:
    """The form as the Prefect UI receives it (what ``RunInput.save`` stores)."""
    from prefect._internal.pydantic.v2_schema import create_v2_schema

    form = STEP_INPUTS[step]
    return create_v2_schema(form.__name__, model_base=form)


@pytest.mark.parametrize("step", list(Step))
def test_the_form_names_its_step_in_its_title_and_the_dialog_text(step: Step) -> None:
    assert _schema(step)["title"] == step.label
    description = STEP_INPUTS[step]._description
    assert isinstance(description, str) and step.label in description
    assert STEPS[step].purpose.split("：")[0] in description  # the clause


@pytest.mark.parametrize("step", list(Step))
def test_a_decision_is_a_choice_of_its_two_answers_with_none_chosen_beforehand(
    step: Step,
) -> None:
    properties = _schema(step)["properties"]
    for spec in STEPS[step].fields:
        if isinstance(spec, Decision):
            prop = properties[spec.name]
            assert prop["enum"] == [spec.yes, spec.no] and "default" not in prop, spec.name


def test_an_untouched_review_cannot_send_the_case_back() -> None:
    form = STEP_INPUTS[Step.leadership_review]
    with pytest.raises(ValidationError):
        form(operator="leader")  # no answer: refused, not "退回"
    with pytest.raises(ValidationError):
        form(operator="leader", approved=False)  # a toggle's False is no answer either
    given = form(operator="leader", approved="同意").model_dump(mode="json")
    assert values_from_json(Step.leadership_review, given, tz=_tz())["approved"] is True


@pytest.mark.parametrize("step", list(Step))
def test_optional_fields_are_empty_strings_without_a_none_switch(step: Step) -> None:
    for name, prop in _schema(step)["properties"].items():
        assert "anyOf" not in prop and prop.get("type") == "string", (step, name)
        assert "null" not in str(prop.get("enum", "")), (step, name)
        if name not in _schema(step)["required"]:
            assert prop["default"] == "", (step, name)


@pytest.mark.parametrize("step", list(Step))
def test_the_form_requires_what_the_staff_app_requires(step: Step) -> None:
    required = {field.name for field in STEPS[step].fields if field.required}
    assert set(_schema(step)["required"]) == {"operator", *required}
    assert any(isinstance(f, FreeText) and f.required for f in STEPS[Step.written_record].fields)


@pytest.mark.parametrize("step", list(Step))
def test_the_staff_apps_resume_passes_the_form_with_no_text(step: Step) -> None:
    from prefect.utilities.schema_tools import validate

    outcome = {name: True for name in STEPS[step].decisions}
    given = resume_input(step, outcome, operator="owner")
    validate(given, _schema(step), raise_on_error=True)  # as the server checks it
    assert all(value == "" for name, value in given.items() if name in _texts(step))


def test_a_department_is_chosen_by_its_name_and_a_time_typed_as_text() -> None:
    typed = values_from_json(
        Step.assignment,
        {"operator": "m", "handler": "", "transfer_to_department": "综合管理部", "reason": "x"},
        tz=_tz(),
    )
    assert typed["transfer_to_department"].value == "general_management"
    assert "handler" not in typed
    due = values_from_json(
        Step.leadership_instruction,
        {"operator": "l", "instruction": "i", "due_at": "2026-12-20 18:00"},
        tz=_tz(),
    )["due_at"]
    assert due.utcoffset() is not None and due.hour == 18


def _texts(step: Step) -> set[str]:
    return {field.name for field in STEPS[step].fields if isinstance(field, FreeText)}


def _tz():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")

"""The staff app's step forms are laid out from the step registry: every declared field of
every step is on its form, under its declared title, with its declared answers."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from policy.enums import Department, Role
from policy.lifecycle import Step
from services.step_registry import STEPS, Decision, StepField
from web.rendering import templates

FORM = '{% import "_steps.html" as steps with context %}{{ steps.form(step, complaint, {}, {}) }}'


def _render(step: Step) -> str:
    person = SimpleNamespace(username="chen", display_name="陈处理", role=Role.staff)
    department = SimpleNamespace(code=Department.general_management, name="综合管理部")
    return templates.env.from_string(FORM).render(
        step=step,
        complaint=SimpleNamespace(reference="TS-20261204-0001"),
        csrf_token="token",
        handlers=[person],
        transfer_departments=[department],
        record_deadline="8小时",
    )


@pytest.mark.parametrize("step", list(STEPS), ids=str)
def test_every_declared_field_is_on_the_steps_form_under_its_title(step: Step) -> None:
    html = _render(step)
    fields: tuple[StepField, ...] = STEPS[step].fields
    for field in fields:
        assert re.search(rf'name="{field.name}"', html), (step, field.name)
        assert field.title in html, (step, field.title)
        if isinstance(field, Decision):
            assert f"> {field.yes}</label>" in html and f"> {field.no}</label>" in html
    assert f"提交：{step.label}" in html


def test_the_written_records_form_states_the_configured_time_limit() -> None:
    html = _render(Step.written_record)
    assert "8小时内将处理过程形成文字记录" in html and "24小时" not in html

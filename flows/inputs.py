"""What each human step takes when resumed from the Prefect UI (the staff app is the first way in).

The forms are derived from the steps' declarations (``services.step_registry``): the acting
username, then the step's fields with their titles, which ops and leadership read in the UI's
resume form. The form is titled with the step's name, and its description (shown above the
form) names the step, its clause and who may take it. A decision is a choice between the two
answers the staff app offers, with none chosen beforehand (a toggle would start at "no" and
decide silently); the texts the staff app requires are required here too, optional fields
are empty strings (no "None" switch). The staff app resumes with the acting username and the
decision (``services.step_registry.resume_input``): the texts it saves in the app database
and never sends to Prefect (Art. 2(5)). Free text typed here is stored by Prefect, so every
text field says to type no customer data. The step's service still checks everything and
refuses, with a reason the run shows, what the rules do not allow.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect.input import RunInput
from pydantic import ConfigDict, Field, create_model

from config.settings import duration_label, get_settings
from policy.enums import Department, Role
from policy.lifecycle import Step
from services.step_registry import (
    NO_PERSONAL_DATA,
    STEPS,
    Decision,
    DepartmentChoice,
    FreeText,
    Moment,
    StepField,
    StepSpec,
    Username,
)

MAX_NOTE = 2000  # characters of text the Prefect UI's form takes (the staff app takes more)


def _operator() -> Any:
    return (
        str,
        Field(
            title="操作人用户名",
            description="在员工系统中的用户名；系统据此核对其角色与部门（第五条第四项）。",
            min_length=1,
            max_length=64,
        ),
    )


# Said of a time typed in the form (read in the offices' time zone, ``values_from_json``).
TIME_FORMAT = "格式：2026-12-20 18:00（北京时间）"


def _form_field(spec: StepField, *, closable: bool = False) -> Any:
    if isinstance(spec, Decision) and closable:
        # A closure wakes a version 3 wait with the username alone: no answer is chosen for
        # it, and none is preselected; the step's service refuses a missing answer.
        answers = Literal[("", spec.yes, spec.no)]  # type: ignore[valid-type]
        return answers, Field(
            default="", title=spec.title, description=f"{spec.ask}（必选）。{spec.description}"
        )
    if isinstance(spec, FreeText) and spec.required and closable:
        described = f"{spec.description}（必填）。{NO_PERSONAL_DATA}"
        return str, Field(default="", title=spec.title, description=described, max_length=MAX_NOTE)
    if isinstance(spec, Decision):
        answers = Literal[spec.yes, spec.no]  # type: ignore[valid-type]
        return answers, Field(title=spec.title, description=f"{spec.ask}。{spec.description}")
    if isinstance(spec, FreeText):
        described = f"{spec.description}。{NO_PERSONAL_DATA}" if spec.description else None
        text = Field(title=spec.title, description=described or NO_PERSONAL_DATA)
        if spec.required:
            return str, Field(title=text.title, description=text.description, max_length=MAX_NOTE)
        return str, Field(
            default="", title=text.title, description=text.description, max_length=MAX_NOTE
        )
    if isinstance(spec, Username):
        return str, Field(default="", title=spec.title, description=spec.description, max_length=64)
    if isinstance(spec, DepartmentChoice):
        departments = Literal[("", *(each.label for each in Department))]  # type: ignore[valid-type]
        return departments, Field(default="", title=spec.title, description=spec.description)
    if isinstance(spec, Moment):
        return str, Field(
            default="", title=spec.title, description=f"{spec.description}。{TIME_FORMAT}"
        )
    raise TypeError(f"no Prefect UI field for {type(spec).__name__}")


def form_description(spec: StepSpec) -> str:
    """What the Prefect UI's resume dialog shows above the form (markdown)."""
    record_deadline = duration_label(get_settings().record_deadline)
    roles = "、".join(role.label for role in Role if role in spec.roles)
    return (
        f"### 办理步骤：{spec.step.label}\n\n{spec.purpose_text(record_deadline)}\n\n"
        f"可办理人员：{roles}（填写其在员工系统中的用户名）。系统按与员工系统相同的规则核对，"
        "不被接受的提交会写入运行日志并显示在运行状态中，流程仍停在此步骤。"
    )


def run_input_form(spec: StepSpec, *, closable: bool = False) -> type[RunInput]:
    """The resume form of ``spec``'s step: ``WrittenRecordInput`` and so on, titled with the
    step's name. ``closable``: the form of a wait that a closure may end (process version 3),
    whose answers and texts may be left empty, so that the closure wakes the run with the
    acting username alone (the service refuses what is missing otherwise)."""
    form: type[RunInput] = create_model(  # type: ignore[call-overload]
        f"{spec.model_name}{'ClosableInput' if closable else 'Input'}",
        __base__=RunInput,
        __doc__=spec.purpose_text(duration_label(get_settings().record_deadline)),
        __module__=__name__,
        operator=_operator(),
        **{field.name: _form_field(field, closable=closable) for field in spec.fields},
    )
    form.model_config = ConfigDict(**{**form.model_config, "title": spec.step.label})
    form.model_rebuild(force=True)
    form._description = form_description(spec)  # saved with the form when the run suspends
    return form


STEP_INPUTS: dict[Step, type[RunInput]] = {
    step: run_input_form(spec) for step, spec in STEPS.items()
}
# Process version 3's waits: a closure of the complaint may end any of them (a run suspended
# under versions 1 and 2 keeps the form it was suspended with, on the Prefect server).
CLOSABLE_STEP_INPUTS: dict[Step, type[RunInput]] = {
    step: run_input_form(spec, closable=True) for step, spec in STEPS.items()
}

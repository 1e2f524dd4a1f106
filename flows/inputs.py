"""What each human step takes when resumed from the Prefect UI (the staff app is the first way in).

The forms are derived from the steps' declarations (``services.step_registry``): the acting
username, then the step's fields with their titles, which ops and leadership read in the UI's
resume form. The staff app resumes with the decision fields and the acting username only: the
texts it saves in the app database and never sends to Prefect (Art. 2(5)). Free text typed
here is stored by Prefect, so every text field says to type no customer data, and none is
required by the form: the step's service refuses what it needs and is missing, with a reason
the run shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect.input import RunInput
from pydantic import Field, create_model

from config.settings import duration_label, get_settings
from policy.enums import Department
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


def _form_field(spec: StepField, *, closable: bool = False) -> Any:
    if isinstance(spec, Decision) and closable:
        # The step's service refuses a missing decision with the step's own question.
        return bool | None, Field(default=None, title=spec.title, description=spec.description)
    if isinstance(spec, Decision):
        return bool, Field(title=spec.title, description=spec.description)
    if isinstance(spec, FreeText):
        return str | None, Field(
            default=None, title=spec.title, description=NO_PERSONAL_DATA, max_length=MAX_NOTE
        )
    if isinstance(spec, Username):
        return str | None, Field(
            default=None, title=spec.title, description=spec.description, max_length=64
        )
    if isinstance(spec, DepartmentChoice):
        return Department | None, Field(
            default=None, title=spec.title, description=spec.description
        )
    if isinstance(spec, Moment):
        return datetime | None, Field(default=None, title=spec.title, description=spec.description)
    raise TypeError(f"no Prefect UI field for {type(spec).__name__}")


def run_input_form(spec: StepSpec, *, closable: bool = False) -> type[RunInput]:
    """The resume form of ``spec``'s step: ``WrittenRecordInput`` and so on. ``closable``:
    the form of a wait that a closure may end (process version 3), whose decisions are
    optional, so that the closure wakes the run with the acting username alone."""
    form: type[RunInput] = create_model(  # type: ignore[call-overload]
        f"{spec.model_name}{'ClosableInput' if closable else 'Input'}",
        __base__=RunInput,
        __doc__=spec.purpose_text(duration_label(get_settings().record_deadline)),
        __module__=__name__,
        operator=_operator(),
        **{field.name: _form_field(field, closable=closable) for field in spec.fields},
    )
    return form


STEP_INPUTS: dict[Step, type[RunInput]] = {
    step: run_input_form(spec) for step, spec in STEPS.items()
}
# Process version 3's waits: a closure of the complaint may end any of them (a run suspended
# under versions 1 and 2 keeps the form it was suspended with, on the Prefect server).
CLOSABLE_STEP_INPUTS: dict[Step, type[RunInput]] = {
    step: run_input_form(spec, closable=True) for step, spec in STEPS.items()
}

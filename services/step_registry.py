"""The human steps of the regulation, each declared once: the contract every door derives.

A step's declaration (`StepSpec`) says what the step takes — its input fields, with the
Chinese titles and descriptions staff read —, who may take it (Art. 5(4)), which service of
`services.steps` carries it out and which of its fields are the decision the flow branches on.
The doors derive their part from it, generically, and hold nothing of their own per step
(but for the staff app's form markup, ``templates/web/_steps.html``):

- the JSON API's request models and routes: ``intake.schemas.STEP_REQUESTS``, ``intake.api``;
- the Prefect UI's resume forms (the flow's ``wait_for_input`` models): ``flows.inputs``;
- the staff app's form parsing: ``intake.complaint_pages.parse_step_form``;
- one dispatcher for all of them, ``services.steps.apply_step`` (the Prefect UI's door,
  ``services.steps.apply_step_input``, first reads its JSON input with `values_from_json`);
- the input that wakes a run after a step was saved in the app database: `resume_input`.

The input is declared as typed fields (`Decision`, `FreeText`, `Username`, `DepartmentChoice`,
`Moment`) rather than as one pydantic model because each door needs a model of its own from
it: the API a strict one (JSON types, caps, no control characters, required texts), the
Prefect UI a form for people (a decision a choice of its two answers, texts marked "no
personal data", optional fields empty strings, the acting username added), the staff app a
parser of form strings. Declaring the fields keeps every door's format out of the declaration.

Every rule about a step's input lives in its service, so every door enforces it; a door only
turns its own format (JSON, form strings, the Prefect UI's JSON) into the typed values the
service takes. Adding a step: name it and its stage in ``policy.lifecycle``, declare it here,
write its service in ``services.steps`` and its outcome in ``services.progress.step_outcomes``,
let the flow wait for it, and lay out its form in ``templates/web/_steps.html``.

This module sits on the models floor but imports nothing beyond ``policy``: the flow imports
it (through ``flows.inputs``) in every execution of a run, and the services are named here
rather than imported — importing ``services.steps`` costs about 0.2 s (password hashing, the
holiday calendars), which a run that only suspends does not need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from policy.enums import Department, Role
from policy.lifecycle import Step

MAX_TEXT = 5000  # characters of free text a step takes (the database holds more)
MAX_USERNAME = 64

# Told in the Prefect UI beside every free-text field: Prefect stores what is typed there.
NO_PERSONAL_DATA = "请勿填写客户姓名、电话、证件号等个人信息；详细内容请在员工系统中填写。"


@dataclass(frozen=True)
class StepField:
    """One input of a step. ``title`` names it to staff (form label, error messages, the
    Prefect UI); ``description`` explains it in the API and the Prefect UI."""

    name: str
    title: str
    description: str | None = None

    # What the staff app's form shows for it (``templates/web/_steps.html`` lays out each kind).
    kind = "field"

    @property
    def required(self) -> bool:
        return False


@dataclass(frozen=True)
class Decision(StepField):
    """Yes or no; the flow branches on it. ``ask`` is the web form's message when unanswered;
    ``yes`` and ``no`` name the two answers on the form."""

    ask: str = ""
    yes: str = "是"
    no: str = "否"
    kind = "decision"

    @property
    def required(self) -> bool:
        return True


@dataclass(frozen=True)
class FreeText(StepField):
    """Free text, several lines, at most ``MAX_TEXT`` characters; kept in the app database
    only (Art. 2(5)). Without ``required``, absent text is ``default``."""

    needed: bool = False
    default: str | None = ""
    rows: int = 3  # the form's text box, in lines
    kind = "text"

    @property
    def required(self) -> bool:
        return self.needed


@dataclass(frozen=True)
class Alternative(StepField):
    """One of two fields of which the step takes exactly one (its service checks that); the
    web form picks one with its ``mode`` field. Absent: None."""

    mode: str = ""
    ask: str = ""
    choice: str = ""  # the web form's label of its mode
    blank: str = ""  # an optional one's "none" option on the form


@dataclass(frozen=True)
class Username(Alternative):
    """A staff member's username (one line). With an empty ``mode`` it is an optional field
    of its own rather than one of two."""

    kind = "username"


@dataclass(frozen=True)
class DepartmentChoice(Alternative):
    """One of the departments (`policy.enums.Department`), by code."""

    kind = "department"


@dataclass(frozen=True)
class Moment(StepField):
    """A point in time with its time zone; optional (absent: None)."""

    kind = "moment"


@dataclass(frozen=True)
class StepSpec:
    """A human step's contract: see the module docstring for what is derived from it."""

    step: Step
    purpose: str  # the clause and what the step does, in Chinese (forms, API documentation)
    summary: str  # the API operation's one line
    roles: frozenset[Role]  # Art. 5(4): who may take it (department and person: the service)
    service: str  # the name of its service in services.steps
    fields: tuple[StepField, ...] = field(default=())

    def purpose_text(self, record_deadline: str) -> str:
        """``purpose`` with the written record's configured time limit in it."""
        return self.purpose.format(record_deadline=record_deadline)

    def summary_text(self, record_deadline: str) -> str:
        return self.summary.format(record_deadline=record_deadline)

    @property
    def model_name(self) -> str:
        """``WrittenRecord`` for ``written_record``: the stem of the derived models' names."""
        return "".join(part.capitalize() for part in self.step.value.split("_"))

    @property
    def decisions(self) -> tuple[str, ...]:
        """The fields the flow branches on: all a run's resume input carries besides the
        acting username (no text, Art. 2(5))."""
        return tuple(f.name for f in self.fields if isinstance(f, Decision))

    @property
    def web_modes(self) -> tuple[str, ...]:
        """The values of the web form's ``mode`` choice, the first one the default."""
        return tuple(f.mode for f in self.fields if isinstance(f, Alternative))

    def arguments(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The service's keyword arguments from typed ``values``: every field, absent ones at
        their default (None but for text)."""
        arguments: dict[str, Any] = {}
        for spec in self.fields:
            value = values.get(spec.name)
            if value is None and isinstance(spec, FreeText):
                value = spec.default
            arguments[spec.name] = value
        return arguments


_DEPARTMENT_STAFF = frozenset({Role.staff, Role.manager})

STEPS: dict[Step, StepSpec] = {
    spec.step: spec
    for spec in (
        StepSpec(
            Step.written_record,
            purpose="第四条：{record_deadline}内将处理过程形成文字记录，交部门经理。",
            summary="提交文字记录（第四条，首问负责人，{record_deadline}内）",
            roles=_DEPARTMENT_STAFF,
            service="submit_written_record",
            fields=(FreeText("text", "文字记录", needed=True, rows=6),),
        ),
        StepSpec(
            Step.assignment,
            purpose="第四条第一项：部门经理安排相关人员跟进；本部门无法处理的，移交相关部门。",
            summary="部门经理安排跟进人员或移交部门（第四条第一项）",
            roles=frozenset({Role.manager}),
            service="assign",
            fields=(
                Username(
                    "handler",
                    "跟进人员",
                    "跟进人员在员工系统中的用户名；与“移交部门”二选一",
                    mode="handler",
                    choice="安排本部门人员跟进",
                ),
                DepartmentChoice(
                    "transfer_to_department",
                    "移交部门",
                    "本部门无法处理时选择接收部门；与“跟进人员”二选一",
                    mode="transfer",
                    ask="请选择移交的部门",
                    choice="移交其他部门",
                ),
                FreeText("reason", "说明", "说明；移交时必填移交原因", default=None),
            ),
        ),
        StepSpec(
            Step.major_decision,
            purpose="第四条第三项：区分是否为重大客户投诉事件。",
            summary="认定是否重大投诉（第四条第三项）",
            roles=frozenset({Role.manager, Role.leadership}),
            service="decide_major",
            fields=(
                Decision(
                    "major",
                    "是否重大投诉",
                    "重大投诉须报告公司领导研究处理",
                    ask="请选择是否为重大投诉",
                    yes="是，重大投诉",
                    no="否，按一般流程处理",
                ),
                FreeText("reason", "认定理由", needed=True),
            ),
        ),
        StepSpec(
            Step.leadership_instruction,
            purpose="第四条第三项：重大投诉报告公司领导研究处理，由公司领导明确处理意见后方可处理。",
            summary="公司领导研究处理重大投诉：处理意见、指定处理人员、处理时限（第四条第三项）",
            roles=frozenset({Role.leadership}),
            service="give_leadership_instruction",
            fields=(
                FreeText("instruction", "研究处理意见", "如何处理该重大投诉", needed=True, rows=4),
                Username(
                    "handler",
                    "指定处理人员",
                    "选填：受理部门员工的用户名；不填则由已安排的跟进人员处理",
                    blank="不指定，由已安排的跟进人员处理",
                ),
                Moment(
                    "due_at",
                    "处理时限",
                    "选填：须晚于现在，且不超过受理之日起 60 天",
                ),
            ),
        ),
        StepSpec(
            Step.leadership_review,
            purpose="第四条第三项：重大投诉的处理结果经公司领导审阅同意后告知客户。",
            summary="公司领导审阅重大投诉的处理（第四条第三项）",
            roles=frozenset({Role.leadership}),
            service="review_handling",
            fields=(
                Decision(
                    "approved",
                    "同意处理方案",
                    "不同意则退回重新处理，并写明要求",
                    ask="请选择同意或退回",
                    yes="同意",
                    no="退回重新处理",
                ),
                FreeText("comment", "审阅意见", "退回时必填"),
            ),
        ),
        StepSpec(
            Step.handling,
            purpose="第二条第二项、第四条第二项：核实是否属实，提出解决方案。",
            summary="核实与处理：是否属实、依据、处理方案（第二条第二项、第四条第二项）",
            roles=_DEPARTMENT_STAFF,
            service="record_handling",
            fields=(
                Decision(
                    "founded",
                    "投诉是否属实",
                    "核实调查的结论",
                    ask="请选择核实结论：属实或不属实",
                    yes="属实",
                    no="不属实",
                ),
                FreeText("evidence", "核实情况及依据", needed=True, rows=4),
                FreeText("solution", "处理方案", needed=True, rows=4),
                Moment(
                    "promised_reply_at",
                    "新的承诺回复时间",
                    "需要推迟向客户承诺的回复时间时填写：作为延期申请，经您的上级批准后生效；"
                    "自受理之日起一般不超过 15 个工作日，复杂投诉不超过 30 天（第七条）",
                ),
            ),
        ),
        StepSpec(
            Step.customer_confirmation,
            purpose="第四条第二项：如果不属实，请客户确认。",
            summary="不属实时客户确认核实结果（第四条第二项）",
            roles=_DEPARTMENT_STAFF,
            service="record_customer_confirmation",
            fields=(
                Decision(
                    "confirmed",
                    "客户确认核实结果",
                    "客户不认可则退回重新核实",
                    ask="请选择客户是否确认核实结果",
                    yes="客户确认",
                    no="客户不认可",
                ),
                FreeText("note", "客户意见", "客户不认可时必填"),
            ),
        ),
        StepSpec(
            Step.feedback,
            purpose="第四条第二项：解决后征询客户反馈意见。",
            summary="客户反馈意见；不满意则重新处理（第四条第二项、第二条第四项）",
            roles=_DEPARTMENT_STAFF,
            service="record_feedback",
            fields=(
                Decision(
                    "satisfied",
                    "客户是否满意",
                    "不满意将退回重新处理",
                    ask="请选择客户是否满意",
                    yes="满意，办结",
                    no="不满意，重新处理",
                ),
                FreeText("comment", "客户反馈意见", "客户不满意时必填"),
            ),
        ),
        StepSpec(
            Step.leadership_decision,
            purpose="第二条第四项、第四条第三项：客户经多轮重新处理仍不认可处理结果，"
            "由公司领导决定再次处理或办结；办结时告知客户调解、仲裁、诉讼及向监管部门反映等途径。",
            summary="公司领导决定再次处理或办结（多轮重新处理后客户仍不认可）",
            roles=frozenset({Role.leadership}),
            service="decide_after_rejections",
            fields=(
                Decision(
                    "another_round",
                    "是否再次处理",
                    "再次处理则退回核实处理；否则办结，并告知客户其他解决途径",
                    ask="请选择再次处理或办结",
                    yes="再次处理",
                    no="办结",
                ),
                FreeText("note", "领导意见", "办结时必填：办结理由", rows=4),
            ),
        ),
    )
}

# Names of the free-text fields of any step (what a refused form shows back to its author).
TEXT_FIELDS: frozenset[str] = frozenset(
    spec.name for step in STEPS.values() for spec in step.fields if isinstance(spec, FreeText)
)


def values_from_json(step: Step, values: Mapping[str, Any], *, tz: ZoneInfo) -> dict[str, Any]:
    """Typed values from a step's JSON input (the Prefect UI's resume form): a decision's
    answer (one of its two, or a boolean) becomes a boolean, a department's name or code the
    department, an ISO 8601 string a time (one without an offset is read in ``tz``, the
    offices' time zone); empty strings are absent. Raises ``ValueError`` naming the field for
    what cannot be read."""
    typed: dict[str, Any] = {}
    for spec in STEPS[step].fields:
        value = values.get(spec.name)
        if value is None or value == "":
            continue
        if isinstance(spec, Decision) and isinstance(value, str):
            if value not in (spec.yes, spec.no):
                raise ValueError(f"{spec.title}：请选择「{spec.yes}」或「{spec.no}」")
            value = value == spec.yes
        elif isinstance(spec, DepartmentChoice):
            by_name = {each.label: each for each in Department}
            value = by_name[value] if value in by_name else Department(value)
        elif isinstance(spec, Moment) and isinstance(value, str):
            value = datetime.fromisoformat(value.strip())
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        typed[spec.name] = value
    return typed


def resume_input(step: Step, outcome: Mapping[str, Any], *, operator: str) -> dict[str, Any]:
    """The run input that wakes a run after ``step`` was saved in the app database: the acting
    username and the step's decision, as the answer the resume form names it; the texts the
    form requires are empty (the texts stay in the app database, Art. 2(5))."""
    spec = STEPS[step]
    given: dict[str, Any] = {"operator": operator}
    for field_ in spec.fields:
        if isinstance(field_, Decision):
            given[field_.name] = field_.yes if outcome[field_.name] else field_.no
        elif isinstance(field_, FreeText) and field_.required:
            given[field_.name] = ""
    return given


def resume_inputs(step: Step, outcome: Mapping[str, Any], *, operator: str) -> list[dict[str, Any]]:
    """``resume_input``, then the same as the forms of runs suspended by the flow's earlier
    version took it (the decision as a boolean, no text fields): such a run keeps the form it
    saved when it suspended."""
    decisions = {name: bool(outcome[name]) for name in STEPS[step].decisions}
    return [resume_input(step, outcome, operator=operator), {"operator": operator, **decisions}]

"""The JSON API's request and response models: a stable interface that clients depend on.

Requests are strict: no coercion of ``"1"`` to a number or ``1`` to ``true``, unknown fields
refused, every text capped and free of control characters. JSON has no date or decimal type,
so times are ISO 8601 strings *with* a UTC offset and amounts are JSON numbers (yuan, at most
two decimals); both are parsed by hand rather than by pydantic's lax mode.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    create_model,
)

from config.settings import duration_label, get_settings
from policy.channels import (
    MAX_BODY,
    MAX_DOCUMENT_NUMBER,
    MAX_PLACE,
    MAX_REPLY_METHOD,
    MAX_REPLY_NOTE,
    MAX_TRANSFERRED_BY,
)
from policy.channels import MAX_NAME as MAX_MANAGER_NAME
from policy.closure import MAX_NOTE as MAX_CLOSURE_NOTE
from policy.closure import ClosureReason
from policy.concentration import Disposition
from policy.contacts import MAX_SUMMARY, ContactMethod
from policy.enums import Category, Channel, ComplainantKind, Department, Stage
from policy.extensions import MAX_REASON, ExtensionStatus
from policy.lifecycle import Step
from policy.subjects import MAX_DEMAND_NOTE, MAX_SUBJECT_TEXT, Demand
from services.alert_followups import MAX_NOTE as MAX_DISPOSITION_NOTE
from services.channels import ChannelDetailsInput
from services.step_registry import (
    STEPS,
    Decision,
    DepartmentChoice,
    FreeText,
    Moment,
    StepField,
    StepSpec,
    Username,
)
from web.validation import (
    MAX_AMOUNT,
    MAX_EMAIL,
    MAX_INSTITUTION,
    MAX_NAME,
    MAX_PASSWORD,
    MAX_PHONE,
    MAX_PRODUCT,
    MAX_TEXT,
    MAX_USERNAME,
    FieldError,
    check_amount,
    check_time_range,
)

# Field names as staff read them, for error messages.
FIELD_LABELS: dict[str, str] = {
    "username": "用户名",
    "password": "密码",
    "channel": "投诉渠道",
    "complainant": "投诉人类型",
    "customer_name": "客户姓名",
    "customer_phone": "联系电话",
    "customer_email": "电子邮箱",
    "member_institution": "会员机构",
    "product": "涉及产品",
    "amount": "涉及金额",
    "received_at": "受理时间",
    "content": "投诉内容",
    "resolved_on_the_spot": "现场解决",
    "resolution": "现场解决情况",
    "founded_on_the_spot": "现场核实结论",
    "promised_reply_at": "承诺回复时间",
    "category": "投诉类别",
    "department": "受理部门",
    "major": "是否重大投诉",
    "text": "文字记录",
    "handler": "跟进人员",
    "file": "证据文件",
    "transfer_to_department": "移交部门",
    "reason": "理由",
    "approved": "审阅结论",
    "comment": "意见",
    "founded": "核实结论",
    "evidence": "核实情况及依据",
    "solution": "处理方案",
    "confirmed": "客户是否确认",
    "note": "客户意见",
    "satisfied": "客户是否满意",
    "closed": "是否显示已办结的投诉",
    "Idempotency-Key": "幂等键 Idempotency-Key",
    "method": "联系方式",
    "reached": "是否联系上客户",
    "summary": "联系情况摘要",
    "finding": "认定结果",
    "disposition": "处置结果",
    "subject_department": "被投诉部门",
    "subject_staff": "被投诉人员",
    "subject_institution": "被投诉会员机构",
    "demand": "客户诉求",
    "demand_note": "客户诉求说明",
    "channel_details": "投诉渠道信息",
    "transferring_body": "转办单位",
    "document_number": "转办文号",
    "regulator_reply_due": "监管回复期限",
    "reception_place": "接待地点",
    "reception_at": "接待时间",
    "received_by": "接待人员",
    "sales_manager": "销售经理（用户名）",
    "sales_manager_name": "销售经理姓名",
    "transferred_by": "转办领导或部门",
    "regulator_replied_at": "回复监管时间",
    "regulator_reply_method": "回复监管方式",
    "regulator_replied_by": "回复人",
    "regulator_reply_note": "回复说明或文号",
}

# Text without control characters (NUL cannot be stored in PostgreSQL); one line or several.
_ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
_MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


def Line(max_length: int, *, min_length: int = 0) -> Any:
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length, pattern=_ONE_LINE),
    ]


def Text(max_length: int = MAX_TEXT, *, min_length: int = 0) -> Any:
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length, pattern=_MULTI_LINE),
    ]


def _aware_datetime(value: object) -> datetime:
    example = "如 2026-11-27T14:30:00+08:00"
    if not isinstance(value, str):
        raise ValueError(f"时间必须是 ISO 8601 字符串，{example}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"时间格式不正确，{example}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"时间必须带时区（UTC 偏移），{example}")
    try:
        return check_time_range(parsed, field="", label="时间")
    except FieldError as error:
        raise ValueError(error.message) from None


def _amount(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("涉及金额必须是数字（单位：元）")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("涉及金额必须是有限的数字")
    try:
        return check_amount(Decimal(str(value)))
    except FieldError as error:
        raise ValueError(error.message) from None


AwareDatetime = Annotated[
    datetime,
    PlainValidator(_aware_datetime),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Amount = Annotated[
    Decimal,
    PlainValidator(_amount),
    WithJsonSchema(
        {"type": "number", "minimum": 0, "maximum": float(MAX_AMOUNT), "multipleOf": 0.01}
    ),
]
# Enums arrive as JSON strings: validated by value (pydantic's strict mode wants instances).
ChannelField = Annotated[Channel, Field(strict=False)]
ComplainantField = Annotated[ComplainantKind, Field(strict=False)]
CategoryField = Annotated[Category, Field(strict=False)]
DepartmentField = Annotated[Department, Field(strict=False)]
DemandField = Annotated[Demand, Field(strict=False)]


_DEPARTMENTS = " | ".join(f"{d.value} {d.label}" for d in Department)
_DEMANDS = " | ".join(f"{d.value} {d.label}" for d in Demand)


class StrictModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


# Requests -----------------------------------------------------------------------------------


class LoginRequest(StrictModel):
    username: Line(MAX_USERNAME, min_length=1)
    password: Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD)]


class ChannelDetailsRequest(StrictModel):
    """What the channel records beside the complaint (Art. 3); only the chosen channel's
    fields may be given. regulator_transfer: ``transferring_body`` and ``regulator_reply_due``
    required, ``document_number`` optional (an earlier regulator deadline caps the promised
    reply time); onsite: ``reception_place``, ``reception_at`` (default the receipt),
    ``received_by`` (a username, default the caller); sales_manager: ``sales_manager`` (a
    username) or ``sales_manager_name`` (not a system user), default the caller;
    internal_transfer: ``transferred_by`` required; phone: none."""

    transferring_body: Line(MAX_BODY) | None = Field(
        default=None, description="转办单位，如 四川证监局、金融监管局、12386 热线"
    )
    document_number: Line(MAX_DOCUMENT_NUMBER) | None = Field(
        default=None, description="转办文号（选填）"
    )
    regulator_reply_due: AwareDatetime | None = Field(
        default=None, description="监管回复期限（带时区）；承诺回复时间不晚于它"
    )
    reception_place: Line(MAX_PLACE) | None = Field(default=None, description="接待地点")
    reception_at: AwareDatetime | None = Field(default=None, description="接待时间（带时区）")
    received_by: Line(MAX_USERNAME) | None = Field(default=None, description="接待人员的用户名")
    sales_manager: Line(MAX_USERNAME) | None = Field(
        default=None, description="首问销售经理的用户名（系统用户）"
    )
    sales_manager_name: Line(MAX_MANAGER_NAME) | None = Field(
        default=None, description="首问销售经理的姓名（不是系统用户时）"
    )
    transferred_by: Line(MAX_TRANSFERRED_BY) | None = Field(
        default=None, description="转办的公司领导或部门"
    )

    def to_input(self) -> ChannelDetailsInput:
        return ChannelDetailsInput(**self.model_dump())


class RegulatorReplyRequest(StrictModel):
    """The reply to the regulator (回复监管) of a regulator transfer: required before closure."""

    regulator_reply_method: Line(MAX_REPLY_METHOD, min_length=1) = Field(
        description="回复方式，如 书面函件、监管系统报送、电话"
    )
    regulator_reply_note: Text(MAX_REPLY_NOTE, min_length=1) = Field(
        description="回复说明或回复文号"
    )
    regulator_replied_at: AwareDatetime | None = Field(
        default=None, description="回复时间（带时区），不填为现在"
    )
    regulator_replied_by: Line(MAX_USERNAME) | None = Field(
        default=None, description="回复人的用户名，不填为调用者"
    )


class RegulatorReplyOut(BaseModel):
    replied_at: datetime
    method: str
    replied_by: str
    note: str
    late: bool = Field(description="是否晚于监管回复期限")


class ChannelDetailsOut(BaseModel):
    """What the channel recorded beside the complaint; ``lines``: the same as Chinese text."""

    channel: Channel
    channel_label: str
    transferring_body: str | None = None
    document_number: str | None = None
    regulator_reply_due: datetime | None = None
    regulator_reply: RegulatorReplyOut | None = None
    reception_place: str | None = None
    reception_at: datetime | None = None
    received_by: str | None = None
    sales_manager: str | None = None
    sales_manager_name: str | None = None
    transferred_by: str | None = None
    lines: list[str]


class ChannelDetailsDone(BaseModel):
    reference: str
    channel_details: ChannelDetailsOut | None
    promised_reply_at: datetime | None
    message: str


class ComplaintRequest(StrictModel):
    """Intake (受理). Either ``resolved_on_the_spot: true`` with ``resolution``, or a
    ``promised_reply_at`` (Art. 2(4)). ``category``, ``department`` and ``major`` override the
    system's suggestion; each override is recorded in the complaint's log."""

    channel: ChannelField
    complainant: ComplainantField
    customer_name: Line(MAX_NAME, min_length=1)
    customer_phone: Line(MAX_PHONE, min_length=1) = Field(
        description="手机号或带区号的固定电话，如 13800001234、028-86026043"
    )
    customer_email: Line(MAX_EMAIL) | None = None
    member_institution: Line(MAX_INSTITUTION) | None = Field(
        default=None, description="会员机构名称；投诉人为会员机构时必填"
    )
    product: Line(MAX_PRODUCT) | None = None
    amount: Amount | None = Field(default=None, description="涉及金额（元），最多两位小数")
    received_at: AwareDatetime | None = Field(
        default=None, description="受理时间（带时区），默认当前时间；不能晚于现在或早于 30 天前"
    )
    content: Text(min_length=1)
    resolved_on_the_spot: bool = False
    resolution: Text() | None = None
    founded_on_the_spot: bool = Field(
        default=True,
        description="现场解决时的核实结论：true 属实（默认），"
        "false 不属实（转客户确认，第四条第二项）",
    )
    promised_reply_at: AwareDatetime | None = Field(
        default=None, description="承诺回复时间（带时区），未现场解决时必填，不超过受理后 60 天"
    )
    category: CategoryField | None = None
    department: DepartmentField | None = None
    major: bool | None = None
    subject_department: DepartmentField | None = Field(
        default=None, description="被投诉部门（不因受理部门而默认）：" + _DEPARTMENTS
    )
    subject_staff: Line(MAX_USERNAME) | None = Field(
        default=None, description="被投诉人员的用户名；其不能被安排跟进、核实或审阅本投诉"
    )
    subject_institution: Line(MAX_SUBJECT_TEXT) | None = Field(
        default=None, description="被投诉会员机构名称（被投诉产品见 product）"
    )
    demand: DemandField | None = Field(
        default=None, description="客户诉求：" + _DEMANDS + "；不填则按投诉内容建议"
    )
    demand_note: Text(MAX_DEMAND_NOTE) | None = Field(default=None, description="客户诉求说明")
    channel_details: ChannelDetailsRequest | None = Field(
        default=None,
        description="投诉渠道信息（第三条）：行政监管部门转办、公司领导或其他部门转办必填",
    )


class SubjectRequest(StrictModel):
    """The subject and the demand, confirmed or corrected at the written-record step or before
    the assignment (the first-inquiry owner or a manager of the complaint's department). Every
    field is replaced: a field left out is cleared."""

    subject_department: DepartmentField | None = Field(default=None, description=_DEPARTMENTS)
    subject_staff: Line(MAX_USERNAME) | None = Field(default=None, description="被投诉人员的用户名")
    subject_institution: Line(MAX_SUBJECT_TEXT) | None = None
    product: Line(MAX_PRODUCT) | None = None
    demand: DemandField | None = Field(default=None, description=_DEMANDS)
    demand_note: Text(MAX_DEMAND_NOTE) | None = None


class DispositionRequest(StrictModel):
    """What the owner of an Art. 8 alert found and did (compliance and leadership may too)."""

    disposition: Annotated[Disposition, Field(strict=False)] = Field(
        description="explained 已说明原因 | corrected 已整改 | escalated 已上报公司领导"
    )
    note: Text(MAX_DISPOSITION_NOTE, min_length=1) = Field(description="处置说明")


class DispositionDone(BaseModel):
    alert_id: int
    disposition: Disposition
    disposition_label: str
    note: str
    disposed_by: str
    disposed_at: datetime
    message: str


class ContactRequest(StrictModel):
    """A contact with the customer (Art. 2(4), 4(2)): how, whether they were reached, and a
    summary of what was said (kept in the app database only, Art. 2(5))."""

    method: Annotated[ContactMethod, Field(strict=False)] = Field(
        description="phone 电话 | sms 短信 | email 电子邮件 | visit 面谈/走访 | letter 信函"
    )
    reached: bool = Field(description="是否联系上客户")
    summary: Text(MAX_SUMMARY, min_length=1) = Field(description="联系情况摘要")


class ExtensionRequest(StrictModel):
    """A later reply time (Art. 2(4), 7), pending the requester's superior's approval."""

    new_reply_at: AwareDatetime = Field(
        description="申请延至的回复时间（带时区）；自受理之日起一般不超过 15 个工作日，"
        "标明复杂投诉的不超过 30 天，任何情况下不超过 60 天"
    )
    reason: Text(MAX_REASON, min_length=1) = Field(description="延期理由（将告知客户）")
    complex: bool = Field(default=False, description="是否复杂投诉（可申请至受理后 30 天）")


class ClosureRequest(StrictModel):
    """Closing a complaint before a satisfied customer's feedback (process version 3)."""

    reason: Annotated[ClosureReason, Field(strict=False)] = Field(
        description="unreachable 多次联系客户未果（受理部门经理或公司领导）| withdrawn 客户撤回投诉"
        "（跟进人员、受理部门经理或公司领导）| leadership_decision 公司领导决定办结（仅在待公司领导"
        "决定环节）"
    )
    note: Text(MAX_CLOSURE_NOTE, min_length=1) = Field(description="办结说明")
    withdrawal_method: Annotated[ContactMethod, Field(strict=False)] | None = Field(
        default=None,
        description="客户撤回投诉的方式（撤回时必填）：phone 电话 | sms 短信 | email 电子邮件 | "
        "visit 面谈/走访 | letter 信函",
    )
    withdrawn_at: AwareDatetime | None = Field(
        default=None, description="客户撤回投诉的时间（带时区）；不填为现在"
    )


class ClosureOut(BaseModel):
    reason: ClosureReason
    reason_label: str
    note: str
    withdrawal_method: ContactMethod | None
    withdrawn_at: datetime | None
    closed_by: str
    closed_at: datetime


class ClosureDone(BaseModel):
    reference: str
    reason: ClosureReason
    reason_label: str
    note: str
    withdrawal_method: ContactMethod | None
    withdrawn_at: datetime | None
    closed_by: str
    closed_at: datetime
    stage: str
    resumed: bool = Field(description="处理流程是否已被唤醒（未唤醒的由对账补上）")
    message: str


class ExtensionDecisionRequest(StrictModel):
    """The superior's decision on a request for a later reply time."""

    approved: bool = Field(description="是否批准")
    comment: Text(MAX_REASON) | None = Field(default=None, description="审批意见；不批准时必填")


def _request_field(spec: StepField) -> Any:
    """A step's field as the API takes it: strict JSON, capped, no control characters."""
    info = {"title": spec.title, "description": spec.description}
    if isinstance(spec, Decision):
        return bool, Field(**info)
    if isinstance(spec, FreeText):
        if spec.required:
            return Text(min_length=1), Field(**info)
        if spec.default is None:
            return Text() | None, Field(default=None, **info)
        return Text(), Field(default=spec.default, **info)
    if isinstance(spec, Username):
        return Line(MAX_USERNAME) | None, Field(default=None, **info)
    if isinstance(spec, DepartmentChoice):
        return DepartmentField | None, Field(default=None, **info)
    if isinstance(spec, Moment):
        return AwareDatetime | None, Field(default=None, **info)
    raise TypeError(f"no API field for {type(spec).__name__}")


def step_request_model(spec: StepSpec) -> type[StrictModel]:
    """The request body of ``spec``'s step: ``WrittenRecordRequest`` and so on."""
    model: type[StrictModel] = create_model(  # type: ignore[call-overload]
        f"{spec.model_name}Request",
        __base__=StrictModel,
        __doc__=spec.purpose_text(duration_label(get_settings().record_deadline)),
        __module__=__name__,
        **{field.name: _request_field(field) for field in spec.fields},
    )
    return model


# One request model per human step, derived from its declaration (services.step_registry).
STEP_REQUESTS: dict[Step, type[StrictModel]] = {
    step: step_request_model(spec) for step, spec in STEPS.items()
}


# Responses ----------------------------------------------------------------------------------


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """Every refusal: a Chinese sentence for people, a code for programs, the field at fault."""

    detail: str
    code: str
    field: str | None = None
    errors: list[FieldProblem] = Field(default_factory=list)


# What any request with a JSON body may be refused with, whatever the endpoint.
COMMON_REFUSALS: dict[int, str] = {
    400: "请求体不是合法的 JSON",
    401: "缺少访问令牌，或令牌无效、已过期",
    413: "请求体过大",
}


def refusals(descriptions: dict[int, str], *, body: bool = True) -> dict[int | str, Any]:
    """The refusals an endpoint documents in OpenAPI, each a ``Problem``: the common ones (a
    request without a body only the missing token) and the endpoint's own ``descriptions``."""
    common = COMMON_REFUSALS if body else {401: COMMON_REFUSALS[401]}
    return {
        code: {"model": Problem, "description": text}
        for code, text in sorted((common | descriptions).items())
    }


class TokenResponse(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: datetime


class ComplaintCreated(BaseModel):
    id: int
    reference: str
    flow_run_id: str | None = Field(
        description="null: the flow run is started right after this answer (or, if the Prefect "
        "API is unreachable, by reconciliation); GET the complaint to see it"
    )
    stage: Stage
    department: Department
    category: Category
    suggested_major: bool
    major: bool | None
    message: str


class Customer(BaseModel):
    masked: bool = Field(description="true: shown masked, the caller does not handle this case")
    name: str
    phone: str
    email: str | None
    member_institution: str | None


class DeadlineOut(BaseModel):
    """A time limit of the complaint (Art. 7): the step it times, when it falls due, whether
    it is open, met, breached (a breach stays on record after the step is done) or cancelled,
    and who answers for it."""

    kind: str
    step: str
    label: str
    due_at: datetime
    status: str
    responsible: str | None


class EventOut(BaseModel):
    seq: int
    at: datetime
    kind: str
    label: str
    actor: str | None


class ContactOut(BaseModel):
    """A contact with the customer (Art. 2(4)); ``summary`` is null for a caller who does not
    handle the case (Art. 2(5))."""

    id: int
    method: ContactMethod
    method_label: str
    reached: bool
    summary: str | None
    contacted_by: str
    contacted_by_name: str
    contacted_at: datetime


class EvidenceOut(BaseModel):
    """A file attached to the complaint as evidence (证据材料)."""

    sha256: str = Field(description="文件内容的 SHA-256（十六进制），也是下载地址的一部分")
    name: str = Field(description="上传时的文件名")
    size: int = Field(description="字节数")
    media_type: str
    uploaded_by: str
    uploaded_by_name: str
    uploaded_at: datetime
    download_url: str


class EvidenceAttached(EvidenceOut):
    reference: str
    already_attached: bool = Field(
        description="true：同一文件此前已附于该投诉，未重复保存（返回原登记）"
    )
    message: str


class ContactRecorded(ContactOut):
    reference: str
    contact_due_cleared: int = Field(description="此次联系消除的「待联系客户」事项数")
    message: str


class ExtensionOut(BaseModel):
    """A request for a later reply time and the decision on it (Art. 2(4), 7)."""

    id: int
    status: ExtensionStatus
    status_label: str
    requested_by: str
    requested_by_name: str
    requested_at: datetime
    previous_reply_at: datetime | None
    new_reply_at: datetime
    reason: str
    complex: bool
    via_handling: bool
    decided_by: str | None
    decided_by_name: str | None
    decided_at: datetime | None
    comment: str | None


class ExtensionDone(ExtensionOut):
    reference: str
    promised_reply_at: datetime | None
    message: str


class SubjectOut(BaseModel):
    """Who or what the complaint is about (被投诉对象); each part may be absent."""

    department: Department | None
    department_name: str | None
    staff: str | None = Field(description="被投诉人员的用户名")
    staff_name: str | None
    institution: str | None
    product: str | None


class DemandOut(BaseModel):
    """What the customer asks for (客户诉求)."""

    code: Demand | None
    label: str | None
    note: str | None


class SubjectDone(BaseModel):
    reference: str
    subject: SubjectOut
    demand: DemandOut
    message: str


class ComplaintDetail(BaseModel):
    id: int
    reference: str
    channel: Channel
    complainant: ComplainantKind
    received_at: datetime
    stage: Stage
    stage_label: str
    current_step: Step | None
    department: Department
    category: Category
    suggested_category: Category
    classification_reasons: list[str]
    major: bool | None
    suggested_major: bool
    major_reasons: list[str]
    resolved_on_the_spot: bool
    promised_reply_at: datetime | None
    first_inquiry_owner: str
    handler: str | None
    handling_round: int
    reopen_count: int
    flow_run_id: str | None
    flow_run_url: str | None
    product: str | None
    amount: float | None
    content: str
    customer: Customer
    subject: SubjectOut
    demand: DemandOut
    deadlines: list[DeadlineOut]
    timeline: list[EventOut]
    contacts: list[ContactOut] = Field(default_factory=list)
    extensions: list[ExtensionOut] = Field(default_factory=list)
    closure: ClosureOut | None = Field(default=None, description="提前办结（第 3 版流程）")
    evidence: list[EvidenceOut] = Field(
        default_factory=list, description="证据材料：文件名、大小、SHA-256、下载地址"
    )
    channel_details: ChannelDetailsOut | None = Field(
        default=None, description="投诉渠道信息（第三条）；电话投诉及此前受理的投诉为 null"
    )


class StepDone(BaseModel):
    reference: str
    step: Step
    stage: Stage
    stage_label: str
    next_step: Step | None
    flow_resumed: bool = Field(
        description="false: the step is saved and the flow run continues shortly (it was not "
        "suspended yet, or the Prefect API was unreachable; reconciliation wakes it)"
    )
    message: str

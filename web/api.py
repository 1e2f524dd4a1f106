"""The JSON API under ``/api``: sign-in, intake, a complaint, each human step, the form.

Every call but ``POST /api/login`` carries ``Authorization: Bearer <token>``. Refusals are
``Problem`` objects: 400 malformed JSON, 401 no or bad token, 403 role or department (with the
reason), 404 unknown complaint, 409 the complaint is not on that step (with its stage), 413 body
too large, 422 invalid input (each field with a Chinese message), 429 too many failed sign-ins.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Header, Path, Request, Response
from pydantic import BaseModel

from config.settings import duration_label, get_settings
from models.db import utcnow
from models.people import User
from policy.lifecycle import Step
from services.intake import IntakeError
from services.step_registry import STEPS, StepSpec
from web.access import Forbidden, may_see_personal_data
from web.actions import (
    STEP_OF_STAGE,
    IntakeValues,
    start_flow_run,
    take_complaint,
    take_step,
)
from web.deps import ApiUser, DbSession, SettingsDep, Unauthorized
from web.errors import MAX_BODY_BYTES
from web.schemas import (
    STEP_REQUESTS,
    ChannelDetailsRequest,
    ComplaintCreated,
    ComplaintDetail,
    ComplaintRequest,
    LoginRequest,
    Problem,
    StepDone,
    TokenResponse,
)
from web.security import authenticate, issue_api_token
from web.validation import FieldError
from web.views import (
    DOCX,
    complaint_detail,
    complaint_for_step,
    handling_form_bytes,
    viewable_complaint,
)

router = APIRouter(prefix="/api")

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")

_DESCRIPTIONS = {
    400: "请求体不是合法的 JSON（code: malformed_json）或无法解析",
    401: "缺少访问令牌，或令牌无效、已过期（登录接口：用户名或密码不正确）",
    403: "角色或部门无权进行该操作（第五条第四项），detail 说明原因",
    404: "找不到该编号的投诉",
    409: "投诉当前不在该环节，detail 说明其所处环节；受理时：Idempotency-Key 已用于内容不同的投诉",
    413: f"请求体超过 {MAX_BODY_BYTES} 字节",
    422: "输入不符合要求：errors 逐项给出字段和中文说明",
    429: "登录失败次数过多，请按 Retry-After 秒后再试",
}


def _problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Problem, "description": _DESCRIPTIONS[code]} for code in codes}


Reference = Annotated[str, Path(description="投诉编号，如 TS-20261127-0001")]
STEP_REFUSALS = _problems(400, 401, 403, 404, 409, 413, 422)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/login",
    response_model=TokenResponse,
    responses=_problems(400, 401, 413, 422, 429),
    summary="登录，取得访问令牌",
    tags=["登录"],
)
def login(body: LoginRequest, request: Request, db: DbSession) -> TokenResponse:
    now = utcnow()
    user = authenticate(
        db,
        username=body.username,
        password=body.password,
        client=_client(request),
        via="api",
        now=now,
    )
    if user is None:
        db.commit()  # keep the failed attempt: it counts towards the rate limit
        raise Unauthorized("用户名或密码不正确，或账号已停用")
    issued = issue_api_token(db, user=user, now=now)
    db.commit()
    return TokenResponse(token=issued.token, expires_at=issued.expires_at)


@router.post(
    "/complaints",
    status_code=201,
    response_model=ComplaintCreated,
    responses={
        200: {"model": ComplaintCreated, "description": "同一 Idempotency-Key 的重复请求：原投诉"},
        **_problems(400, 401, 403, 409, 413, 422),
    },
    summary="受理投诉（调用者为首问负责人）",
    tags=["投诉"],
)
def create_complaint(
    body: ComplaintRequest,
    user: ApiUser,
    db: DbSession,
    settings: SettingsDep,
    background: BackgroundTasks,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="选填，建议每件投诉一个 UUID：同一用户以同一键再次提交相同内容时，"
            "返回原投诉（200，不重复登记、不重复通知）；同一键提交不同内容则 409",
        ),
    ] = None,
) -> ComplaintCreated:
    key = None
    if idempotency_key is not None:
        if not IDEMPOTENCY_KEY.match(idempotency_key):
            raise FieldError(
                "Idempotency-Key", "Idempotency-Key 须为 1–100 个可见 ASCII 字符，建议使用 UUID"
            )
        key = f"api:{idempotency_key}"
    given = {name: getattr(body, name) for name in ComplaintRequest.model_fields}
    given["channel_details"] = body.channel_details.to_input() if body.channel_details else None
    values = IntakeValues(**given)
    try:
        taken = take_complaint(
            db, values=values, user=user, now=utcnow(), settings=settings, key=key
        )
    except IntakeError as error:
        if error.field not in ChannelDetailsRequest.model_fields:
            raise
        # The service names a channel's field as the form does; the body nests it.
        raise IntakeError(f"channel_details.{error.field}", str(error)) from None
    complaint = taken.complaint
    if taken.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
        message = f"该请求已受理过（同一 Idempotency-Key），编号 {complaint.reference}；未重复登记"
    else:
        # Saved and committed: the flow run starts after this answer has been sent.
        background.add_task(start_flow_run, complaint.id, settings.effective_database_url)
        message = f"投诉已受理，编号 {complaint.reference}；处理流程随即启动"
    return ComplaintCreated(
        id=complaint.id,
        reference=complaint.reference,
        flow_run_id=complaint.flow_run_id,
        stage=complaint.stage,
        department=complaint.department.code,
        category=complaint.category,
        suggested_major=complaint.suggested_major,
        major=complaint.major,
        message=message,
    )


@router.get(
    "/complaints/{reference}",
    response_model=ComplaintDetail,
    responses=_problems(401, 403, 404, 422),
    summary="投诉详情：环节、部门、类别、是否重大、时限、日志",
    tags=["投诉"],
)
def get_complaint(
    reference: Reference, user: ApiUser, db: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    complaint = viewable_complaint(db, reference, user)
    return complaint_detail(db, complaint, user, settings)


def _done(
    db: DbSession, reference: str, step: Step, user: User, values: dict[str, Any]
) -> StepDone:
    complaint = complaint_for_step(db, reference, user, step)
    taken = take_step(db, complaint=complaint, step=step, user=user, values=values, now=utcnow())
    next_step = STEP_OF_STAGE.get(complaint.stage)
    message = f"已保存「{step.label}」；当前环节：{complaint.stage.label}。"
    message += "流程已继续。" if taken.resumed else "流程将在稍后自动继续。"
    return StepDone(
        reference=complaint.reference,
        step=step,
        stage=complaint.stage,
        stage_label=complaint.stage.label,
        next_step=next_step,
        flow_resumed=taken.resumed,
        message=message,
    )


def _add_step_route(spec: StepSpec) -> None:
    """``POST /api/complaints/{reference}/<step>``, its body the step's request model."""
    step, body_model = spec.step, STEP_REQUESTS[spec.step]

    def take(reference: Reference, body: BaseModel, user: ApiUser, db: DbSession) -> StepDone:
        values = {name: getattr(body, name) for name in type(body).model_fields}
        return _done(db, reference, step, user, values)

    # FastAPI reads the body's model (validation, OpenAPI schema) from the annotation.
    take.__annotations__ = {**take.__annotations__, "body": body_model}
    router.add_api_route(
        f"/complaints/{{reference}}/{step.value.replace('_', '-')}",
        take,
        methods=["POST"],
        name=step.value,
        response_model=StepDone,
        responses=STEP_REFUSALS,
        summary=spec.summary_text(duration_label(get_settings().record_deadline)),
        tags=["环节"],
    )


for _spec in STEPS.values():
    _add_step_route(_spec)


@router.get(
    "/complaints/{reference}/form.docx",
    response_class=Response,
    responses={
        200: {
            "description": "客户投诉处理表（.docx），为当前状态；已归档的为归档版本",
            "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}},
        },
        **_problems(401, 403, 404, 422),
    },
    summary="下载客户投诉处理表（附件）",
    tags=["投诉"],
)
def handling_form(
    reference: Reference, user: ApiUser, db: DbSession, settings: SettingsDep
) -> Response:
    complaint = viewable_complaint(db, reference, user)
    if not may_see_personal_data(user, complaint):
        raise Forbidden(
            "处理表含客户个人信息，只有首问负责人、跟进人员、本部门经理和公司领导可以下载"
        )
    content = handling_form_bytes(db, complaint, settings)
    return Response(
        content,
        media_type=DOCX,
        headers={"Content-Disposition": f'attachment; filename="{complaint.reference}.docx"'},
    )

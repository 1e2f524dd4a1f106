"""The accountability register (超时责任台账, Art. 7) in the staff app and the JSON API: every
breach against the person who answered for it, and compliance's finding on each.

Who may read and who may record, and the rules of a finding, are ``services.accountability``'s;
this module reads the input and shows the refusal. A refused finding comes back with what was
typed.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from config.settings import Settings
from models.db import utcnow
from models.people import User
from policy.accountability import MAX_FINDING_NOTE, Finding
from services.accountability import BreachRow, breach_register, record_finding, tally_by_person
from services.step_errors import StepError
from web.deps import ApiUser, DbSession, FormFields, PageUser, SettingsDep, WebSessionDep
from web.rendering import render
from web.schemas import StrictModel, Text, refusals
from web.security import same
from web.validation import FieldError, parse_date
from web.views import deadline_label

BreachId = Annotated[int, Path(ge=1, le=2**31 - 1, description="超时记录（时限）的编号")]
router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")
log = logging.getLogger("web.access")


class FindingRequest(StrictModel):
    """Compliance's finding on one breach."""

    finding: Annotated[Finding, Field(strict=False)] = Field(
        description="认定：accepted_reason 理由成立 / warning 警示提醒 / referral 移交追责"
    )
    # Required by the service, which names it in its refusal (the shared label of ``note``
    # is the customer's comment).
    note: Text(MAX_FINDING_NOTE) | None = Field(default=None, description="认定说明（必填）")


class FindingOut(BaseModel):
    finding: str
    label: str
    note: str
    recorded_by: str
    recorded_at: str


class BreachOut(BaseModel):
    id: int
    reference: str
    kind: str
    kind_label: str
    due_at: str
    breached_at: str
    met_at: str | None
    responsible: str
    department: str | None
    finding: FindingOut | None


class PersonOut(BaseModel):
    username: str
    display_name: str
    department: str | None
    breaches: int
    without_finding: int
    findings: dict[str, int]


class RegisterOut(BaseModel):
    breaches: list[BreachOut]
    people: list[PersonOut]


def _register(
    db: DbSession,
    settings: Settings,
    user: User,
    start: str | None,
    end: str | None,
    username: str | None,
    department: str | None,
) -> list[BreachRow]:
    return breach_register(
        db,
        reader=user,
        tz=settings.tz,
        start=parse_date(start, field="from", label="开始日期"),
        end=parse_date(end, field="to", label="结束日期"),
        username=(username or "").strip() or None,
        department=(department or "").strip() or None,
    )


def breach_out(row: BreachRow) -> dict[str, Any]:
    finding = None
    if row.finding is not None:
        assert row.finding_at is not None
        finding = {
            "finding": row.finding.value,
            "label": row.finding.label,
            "note": row.finding_note or "",
            "recorded_by": row.finding_by or "",
            "recorded_at": row.finding_at.isoformat(),
        }
    return {
        "id": row.deadline_id,
        "reference": row.reference,
        "kind": row.kind.value,
        "kind_label": deadline_label(row.kind),
        "due_at": row.due_at.isoformat(),
        "breached_at": row.breached_at.isoformat(),
        "met_at": row.met_at.isoformat() if row.met_at else None,
        "responsible": row.username,
        "department": row.department,
        "finding": finding,
    }


@api_router.get(
    "/accountability",
    response_model=RegisterOut,
    responses=refusals(
        {
            403: "只有合规、公司领导、管理员和部门经理（本部门）可以查看",
            422: "日期格式不对、先后颠倒或部门代码未知：detail 说明原因",
        },
        body=False,
    ),
    summary="超时责任台账：各时限的超时记录（按责任人、部门）及合规认定",
    tags=["超时责任"],
)
def get_accountability(
    user: ApiUser,
    db: DbSession,
    settings: SettingsDep,
    start: Annotated[str | None, Query(alias="from", description="开始日期（到期日）")] = None,
    end: Annotated[str | None, Query(alias="to", description="结束日期（到期日，含）")] = None,
    username: Annotated[str | None, Query(alias="user", description="责任人用户名")] = None,
    department: Annotated[str | None, Query(description="部门代码")] = None,
) -> RegisterOut:
    rows = _register(db, settings, user, start, end, username, department)
    people = [
        {
            "username": tally.username,
            "display_name": tally.display_name,
            "department": tally.department,
            "breaches": tally.breaches,
            "without_finding": tally.without_finding,
            "findings": {kind.value: count for kind, count in tally.by_finding.items()},
        }
        for tally in tally_by_person(rows)
    ]
    return RegisterOut.model_validate(
        {"breaches": [breach_out(row) for row in rows], "people": people}
    )


@api_router.post(
    "/breaches/{breach_id}/finding",
    status_code=201,
    response_model=FindingOut,
    responses=refusals(
        {
            403: "只有合规人员可以认定超时责任",
            404: "找不到该超时记录",
            409: "该时限未超时，或已有合规认定",
            422: "认定结果或认定说明不符合要求：detail 说明原因",
        }
    ),
    summary="合规认定一项超时的责任（理由成立、警示提醒或移交追责），每项只认定一次",
    tags=["超时责任"],
)
def post_finding(breach_id: BreachId, body: FindingRequest, user: ApiUser, db: DbSession) -> Any:
    try:
        record = record_finding(
            db,
            deadline_id=breach_id,
            actor=user,
            finding=body.finding,
            note=body.note,
            now=utcnow(),
        )
        db.commit()
    except Exception:
        db.rollback()
        raise
    log.info("breach %s: finding %s by %s", breach_id, body.finding.value, user.username)
    return FindingOut(
        finding=record.finding.value,
        label=record.finding.label,
        note=record.note,
        recorded_by=user.username,
        recorded_at=record.recorded_at.isoformat(),
    )


# The staff app --------------------------------------------------------------------------------


def _page(
    request: Request,
    db: DbSession,
    settings: Settings,
    user: User,
    query: dict[str, str],
    *,
    status: int = 200,
    problem: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    target: int | None = None,
) -> Response:
    try:
        rows = _register(
            db,
            settings,
            user,
            query.get("from"),
            query.get("to"),
            query.get("user"),
            query.get("department"),
        )
    except (StepError, FieldError) as refused:
        if isinstance(refused, StepError) and refused.status_code == 403:
            raise
        rows, status, problem = [], 422, refused.message
    return render(
        request,
        "accountability.html",
        {
            "rows": rows,
            "people": tally_by_person(rows),
            "query": query,
            "findings": list(Finding),
            "may_record": user.role.value == "compliance",
            "problem": problem,
            "errors": errors or {},
            "values": values or {},
            "target": target,
            "deadline_label": deadline_label,
        },
        status_code=status,
    )


@router.get("/accountability")
def accountability_page(
    request: Request, user: PageUser, db: DbSession, settings: SettingsDep
) -> Response:
    """超时责任台账: the breaches in the period (by due date), per person, with findings."""
    query = {key: request.query_params.get(key, "") for key in ("from", "to", "user", "department")}
    return _page(request, db, settings, user, query)


@router.post("/accountability/{breach_id}/finding")
def submit_finding(
    request: Request,
    breach_id: BreachId,
    form: FormFields,
    web_session: WebSessionDep,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    user = web_session.user
    query = {key: request.query_params.get(key, "") for key in ("from", "to", "user", "department")}
    typed = {"finding": form.get("finding", ""), "note": form.get("note", "")}
    if not same(form.get("csrf_token"), web_session.csrf_token):
        problem = "表单已过期或来源不明，未保存；您填写的内容保留在下方，请确认后重新提交"
        return _page(
            request,
            db,
            settings,
            user,
            query,
            status=403,
            problem=problem,
            values=typed,
            target=breach_id,
        )
    try:
        if typed["finding"] not in Finding.__members__:
            raise FieldError("finding", "请选择认定结果")
        record_finding(
            db,
            deadline_id=breach_id,
            actor=user,
            finding=Finding(typed["finding"]),
            note=typed["note"],
            now=utcnow(),
        )
        db.commit()
    except (StepError, FieldError) as refused:
        db.rollback()
        field = refused.field or "finding"
        status = refused.status_code if isinstance(refused, StepError) else 422
        return _page(
            request,
            db,
            settings,
            user,
            query,
            status=status,
            problem=refused.message,
            errors={field: refused.message},
            values=typed,
            target=breach_id,
        )
    log.info("breach %s: finding %s by %s", breach_id, typed["finding"], user.username)
    return RedirectResponse(
        f"/accountability?saved={breach_id}#breach-{breach_id}", status_code=303
    )

"""Art. 8 重点监控: the alerts a person answers for, and the disposition they record, in the
staff app (``/monitoring/alerts``) and the JSON API (``POST /api/alerts/{id}/disposition``).

The rules (who, once, a note) are ``services.alert_followups.record_disposition``'s; this module
reads the input and shows the refusal. A refused form comes back with what was typed.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from models.db import utcnow
from models.people import User
from policy.concentration import Disposition, UnitKind, founded_share
from services.alert_followups import follow_ups_for, may_dispose, record_disposition
from services.monitoring import unit_label
from services.step_errors import StepError
from web.deps import ApiUser, DbSession, FormFields, PageUser, WebSessionDep
from web.rendering import render
from web.schemas import DispositionDone, DispositionRequest, refusals
from web.security import same

AlertId = Annotated[int, Path(ge=1, le=2**31 - 1, description="监控提示的编号")]
router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")
log = logging.getLogger("web.access")

_REFUSALS = refusals(
    {
        403: "只有该监控提示的负责人、合规部门或公司领导可以记录处置结果",
        404: "找不到该监控提示",
        409: "该监控提示已记录处置结果",
        422: "处置结果不在列表中或处置说明为空、过长：detail 说明原因",
    }
)


@api_router.post(
    "/alerts/{alert_id}/disposition",
    response_model=DispositionDone,
    responses=_REFUSALS,
    summary="记录投诉集中监控提示的处置结果（第八条）",
    tags=["监控"],
)
def post_disposition(
    alert_id: AlertId, body: DispositionRequest, user: ApiUser, db: DbSession
) -> DispositionDone:
    try:
        follow_up = record_disposition(
            db,
            alert_id=alert_id,
            actor=user,
            disposition=body.disposition,
            note=body.note,
            now=utcnow(),
        )
        db.commit()
    except Exception:
        db.rollback()
        raise
    log.info("alert %s: disposition %s by %s", alert_id, body.disposition.value, user.username)
    assert follow_up.disposition is not None and follow_up.disposed_at is not None
    return DispositionDone(
        alert_id=alert_id,
        disposition=follow_up.disposition,
        disposition_label=follow_up.disposition.label,
        note=follow_up.note or "",
        disposed_by=user.username,
        disposed_at=follow_up.disposed_at,
        message=f"已记录处置结果：{follow_up.disposition.label}",
    )


def _page(
    request: Request,
    db: DbSession,
    user: User,
    *,
    status: int = 200,
    problem: str = "",
    errors: dict[int, dict[str, str]] | None = None,
    values: dict[int, dict[str, str]] | None = None,
) -> Response:
    rows = [
        {
            "id": row.alert_id,
            "kind": UnitKind(row.alert.unit_kind).label,
            "unit": unit_label(db, row.alert.unit_kind, row.alert.unit_key),
            "window": f"{row.alert.window_start}至{row.alert.window_end}",
            "count": row.alert.count,
            "founded": founded_share(row.alert.founded, row.alert.count),
            "explanation": row.alert.explanation,
            "owner": row.owner.display_name if row.owner else "—",
            "due_on": row.due_on,
            "disposition": row.disposition.label if row.disposition else None,
            "note": row.note,
            "disposed_by": row.disposed_by.display_name if row.disposed_by else None,
            "escalated": row.escalated_at is not None,
            "may_dispose": may_dispose(row, user),
        }
        for row in follow_ups_for(db, user)
    ]
    return render(
        request,
        "alerts.html",
        {
            "rows": rows,
            "dispositions": list(Disposition),
            "problem": problem,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status,
    )


@router.get("/monitoring/alerts")
def alerts_page(request: Request, user: PageUser, db: DbSession) -> Response:
    return _page(request, db, user)


@router.post("/monitoring/alerts/{alert_id}/disposition")
def submit_disposition(
    request: Request,
    alert_id: AlertId,
    form: FormFields,
    web_session: WebSessionDep,
    db: DbSession,
) -> Response:
    user = web_session.user
    typed = {alert_id: dict(form)}
    if not same(form.get("csrf_token"), web_session.csrf_token):
        return _page(
            request,
            db,
            user,
            status=403,
            problem="表单已过期或来源不明（防跨站请求伪造校验未通过），未保存；请确认后重新提交",
            values=typed,
        )
    try:
        record_disposition(
            db,
            alert_id=alert_id,
            actor=user,
            disposition=form.get("disposition") or None,
            note=form.get("note"),
            now=utcnow(),
        )
        db.commit()
    except StepError as error:
        db.rollback()
        if error.field and error.status_code == 422:
            errors = {alert_id: {error.field: error.message}}
            return _page(request, db, user, status=422, errors=errors, values=typed)
        return _page(
            request, db, user, status=error.status_code, problem=error.message, values=typed
        )
    log.info("alert %s: disposition by %s", alert_id, user.username)
    return RedirectResponse(f"/monitoring/alerts#alert-{alert_id}", status_code=303)

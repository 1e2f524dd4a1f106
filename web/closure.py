"""Closing a complaint before a satisfied customer's feedback (process version 3) in the staff
app and the JSON API: the customer cannot be reached, withdraws, or leadership close the case
after the reopened rounds allowed.

The rules (who, when, the unreachable rule, the withdrawal's method) are
``services.closure.close_complaint``'s; this module reads the input, shows the refusal, and
after the commit wakes the complaint's run (``web.actions.wake_closed_run``). A refused form
comes back with what was typed.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from models.complaint import Complaint
from models.db import utcnow
from models.people import User
from policy.closure import MAX_NOTE
from services.closure import close_complaint
from web.actions import wake_closed_run
from web.deps import ApiUser, DbSession, FormFields, SettingsDep, WebSessionDep
from web.panel_forms import Panel, take_panel
from web.schemas import ClosureDone, ClosureRequest, refusals
from web.validation import clean_text, parse_local_datetime
from web.views import viewable_complaint

router = APIRouter(include_in_schema=False)
# The form's names of the service's fields (the page's step form may have a "note" of its own).
_FORM_FIELDS = {"reason": "closure_reason", "note": "closure_note"}
api_router = APIRouter(prefix="/api")
log = logging.getLogger("web.access")

_REFUSALS = refusals(
    {
        403: "无权以该原因办结：detail 说明谁可以办结",
        404: "找不到该编号的投诉",
        409: "投诉已办结或已归档、按第 1、2 版流程办理，"
        "或（公司领导决定办结）不在待公司领导决定环节",
        422: "输入不符合要求，或规则不允许（如未联系上客户的记录不足）：detail 说明原因",
    }
)


@api_router.post(
    "/complaints/{reference}/closure",
    response_model=ClosureDone,
    responses=_REFUSALS,
    summary="提前办结投诉：多次联系客户未果、客户撤回投诉、公司领导决定办结",
    tags=["办结"],
)
def post_closure(reference: str, body: ClosureRequest, user: ApiUser, db: DbSession) -> ClosureDone:
    complaint = viewable_complaint(db, reference, user)
    try:
        closure = close_complaint(
            db,
            complaint=complaint,
            actor=user,
            reason=body.reason,
            note=body.note,
            withdrawal_method=body.withdrawal_method,
            withdrawn_at=body.withdrawn_at,
            now=utcnow(),
        )
        db.commit()
    except Exception:
        db.rollback()
        raise
    log.info("complaint %s: closed (%s) by %s", reference, closure.reason.value, user.username)
    resumed = wake_closed_run(complaint, user)
    return ClosureDone(
        reference=complaint.reference,
        reason=closure.reason,
        reason_label=closure.reason.label,
        note=closure.note,
        withdrawal_method=closure.withdrawal_method,
        withdrawn_at=closure.withdrawn_at,
        closed_by=user.username,
        closed_at=closure.closed_at,
        stage=complaint.stage.value,
        resumed=resumed,
        message=f"投诉已办结（{closure.reason.label}），将告知客户并归档",
    )


@router.post("/complaints/{reference}/closure")
def submit_closure(
    request: Request,
    reference: str,
    form: FormFields,
    web_session: WebSessionDep,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    def act(complaint: Complaint, user: User) -> None:
        note = clean_text(
            form.get("closure_note"),
            field="closure_note",
            label="办结说明",
            max_length=MAX_NOTE,
            multiline=True,
        )
        withdrawn_at = parse_local_datetime(
            form.get("withdrawn_at"),
            field="withdrawn_at",
            label="客户撤回投诉的时间",
            tz=settings.tz,
            required=False,
        )
        close_complaint(
            db,
            complaint=complaint,
            actor=user,
            reason=form.get("closure_reason") or None,
            note=note,
            withdrawal_method=form.get("withdrawal_method") or None,
            withdrawn_at=withdrawn_at,
            now=utcnow(),
        )

    panel = Panel("closure", not_saved="未办结", form_fields=_FORM_FIELDS)
    taken = take_panel(request, db, settings, web_session, reference, form, panel, act)
    if isinstance(taken, Response):
        return taken
    complaint, user = taken, web_session.user
    log.info("complaint %s: closed by %s", complaint.reference, user.username)
    wake_closed_run(complaint, user)
    return RedirectResponse(
        f"/complaints/{complaint.reference}?notice=closed#closure", status_code=303
    )

"""Confirming or correcting who or what a complaint is about and the customer's demand, in the
staff app and the JSON API, at the written-record step and up to the assignment.

The rules (when, who, an unknown staff member) are ``services.subjects.confirm_subject``'s;
this module reads the input and shows the refusal. A refused form comes back with what was
typed.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from models.complaint import Complaint
from models.db import utcnow
from models.people import User
from policy.enums import Department
from policy.subjects import MAX_DEMAND_NOTE, MAX_SUBJECT_TEXT, Demand
from services.subjects import SubjectInput, confirm_subject
from web.deps import ApiUser, DbSession, FormFields, SettingsDep, WebSessionDep
from web.panel_forms import Panel, take_panel
from web.schemas import SubjectDone, SubjectRequest, refusals
from web.validation import MAX_PRODUCT, MAX_USERNAME, FieldError, clean_text
from web.views import subject_view, viewable_complaint

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")
log = logging.getLogger("web.access")

_REFUSALS = refusals(
    {
        403: "只有首问负责人或受理部门经理可以确认或更正；被投诉人员本人不能",
        404: "找不到该编号的投诉",
        409: "投诉已安排跟进，被投诉对象和客户诉求不再更改",
        422: "找不到被投诉人员、部门或诉求不在列表中、文字过长：detail 说明原因",
    }
)


@api_router.post(
    "/complaints/{reference}/subject",
    response_model=SubjectDone,
    responses=_REFUSALS,
    summary="确认或更正被投诉对象和客户诉求（提交文字记录或安排跟进之前）",
    tags=["投诉"],
)
def post_subject(
    reference: str, body: SubjectRequest, user: ApiUser, db: DbSession
) -> dict[str, Any]:
    complaint = viewable_complaint(db, reference, user)
    given = SubjectInput(
        department=body.subject_department,
        staff=body.subject_staff,
        institution=body.subject_institution,
        product=body.product,
        demand=body.demand,
        demand_note=body.demand_note,
    )
    try:
        confirm_subject(db, complaint=complaint, actor=user, given=given, now=utcnow())
        db.commit()
    except Exception:
        db.rollback()
        raise
    log.info("complaint %s: subject confirmed by %s", complaint.reference, user.username)
    return {
        "reference": complaint.reference,
        **subject_view(complaint, user),
        "message": "已保存被投诉对象和客户诉求",
    }


def _choice(form: dict[str, str], name: str, enum: Any) -> Any:
    value = form.get(name) or ""
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        raise FieldError(name, "请从列表中选择") from None


def _form_input(form: dict[str, str]) -> SubjectInput:
    def text(name: str, label: str, limit: int) -> str | None:
        return clean_text(form.get(name), field=name, label=label, max_length=limit, required=False)

    return SubjectInput(
        department=_choice(form, "subject_department", Department),
        staff=text("subject_staff", "被投诉人员", MAX_USERNAME),
        institution=text("subject_institution", "被投诉会员机构", MAX_SUBJECT_TEXT),
        product=text("product", "涉及产品", MAX_PRODUCT),
        demand=_choice(form, "demand", Demand),
        demand_note=text("demand_note", "客户诉求说明", MAX_DEMAND_NOTE),
    )


@router.post("/complaints/{reference}/subject")
def submit_subject(
    request: Request,
    reference: str,
    form: FormFields,
    web_session: WebSessionDep,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    def act(complaint: Complaint, user: User) -> None:
        confirm_subject(db, complaint=complaint, actor=user, given=_form_input(form), now=utcnow())

    taken = take_panel(request, db, settings, web_session, reference, form, Panel("subject"), act)
    if isinstance(taken, Response):
        return taken
    log.info("complaint %s: subject confirmed by %s", taken.reference, web_session.user.username)
    return RedirectResponse(f"/complaints/{taken.reference}#subject", status_code=303)

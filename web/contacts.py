"""Contacts with the customer (Art. 2(4), 4(2)) in the staff app and the JSON API, and the
queue of customers to contact (待联系客户).

The rules (who may record, not on an archived complaint, the method, the summary) are
``services.contacts.record_contact``'s; this module reads the input and shows the refusal. A
refused form comes back with what was typed.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from models.complaint import Complaint
from models.db import utcnow
from models.people import User
from policy.contacts import MAX_SUMMARY
from services.contacts import (
    contact_due_for,
    open_contact_due,
    record_contact,
)
from web.deps import ApiUser, DbSession, FormFields, PageUser, SettingsDep, WebSessionDep
from web.panel_forms import Panel, take_panel
from web.rendering import render
from web.schemas import ContactRecorded, ContactRequest, refusals
from web.validation import clean_text
from web.views import viewable_complaint

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")
log = logging.getLogger("web.access")

_REFUSALS = refusals(
    {
        403: "只有该投诉的跟进人员、受理部门的经理或公司领导可以登记，detail 说明原因",
        404: "找不到该编号的投诉",
        409: "投诉已归档，不能再登记",
        422: "输入不符合要求：errors 逐项给出字段和中文说明",
    }
)


@api_router.post(
    "/complaints/{reference}/contacts",
    status_code=201,
    response_model=ContactRecorded,
    responses=_REFUSALS,
    summary="登记与客户的联系（电话、短信、邮件、面谈/走访、信函）",
    tags=["联系客户"],
)
def post_contact(
    reference: str, body: ContactRequest, user: ApiUser, db: DbSession
) -> ContactRecorded:
    complaint = viewable_complaint(db, reference, user)
    due = len(open_contact_due(db, complaint.id))
    try:
        contact = record_contact(
            db,
            complaint=complaint,
            actor=user,
            method=body.method,
            reached=body.reached,
            summary=body.summary,
            now=utcnow(),
        )
        db.commit()
    except Exception:
        db.rollback()
        raise
    cleared = due - len(open_contact_due(db, complaint.id))
    log.info("complaint %s: contact recorded by %s", complaint.reference, user.username)
    return ContactRecorded(
        id=contact.id,
        reference=complaint.reference,
        method=contact.method,
        method_label=contact.method.label,
        reached=contact.reached,
        summary=contact.summary,
        contacted_by=user.username,
        contacted_by_name=user.display_name,
        contacted_at=contact.contacted_at,
        contact_due_cleared=cleared,
        message=f"已登记与客户的联系（{contact.method.label}，"
        f"{'已联系上' if contact.reached else '未联系上'}）",
    )


def _reached(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@router.post("/complaints/{reference}/contacts")
def submit_contact(
    request: Request,
    reference: str,
    form: FormFields,
    web_session: WebSessionDep,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    def act(complaint: Complaint, user: User) -> None:
        summary = clean_text(
            form.get("summary"),
            field="summary",
            label="联系情况摘要",
            max_length=MAX_SUMMARY,
            multiline=True,
        )
        record_contact(
            db,
            complaint=complaint,
            actor=user,
            method=form.get("method") or None,
            reached=_reached(form.get("reached")),
            summary=summary,
            now=utcnow(),
        )

    panel = Panel("contact", not_saved="联系记录未保存", default_field="summary")
    taken = take_panel(request, db, settings, web_session, reference, form, panel, act)
    if isinstance(taken, Response):
        return taken
    log.info("complaint %s: contact recorded by %s", taken.reference, web_session.user.username)
    return RedirectResponse(
        f"/complaints/{taken.reference}?notice=contact-saved#contacts", status_code=303
    )


@router.get("/contacts-due")
def contacts_due(request: Request, user: PageUser, db: DbSession) -> Response:
    """待联系客户: progress the customer could not be mailed (no email), for the person who
    answers for it, until a contact in which the customer was reached is recorded."""
    return render(request, "contacts_due.html", {"rows": contact_due_for(db, user)})

"""Correcting a complaint's channel details and recording the reply to the regulator, in the
staff app and the JSON API (Art. 3).

The rules (who, until when, what each channel requires, the regulator's deadline capping the
reply time, the reply before closure) are ``services.channels``'; this module reads the input
and shows the refusal. A refused form comes back with what was typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from config.settings import Settings
from models.complaint import Complaint
from models.db import utcnow
from models.people import User
from models.web import WebSession
from services.channels import record_regulator_reply, update_channel_details
from web.channel_forms import parse_channel_form
from web.deps import ApiUser, DbSession, FormFields, SettingsDep, WebSessionDep
from web.panel_forms import Panel, take_panel
from web.schemas import (
    ChannelDetailsDone,
    ChannelDetailsRequest,
    RegulatorReplyRequest,
    refusals,
)
from web.validation import FieldError, clean_text, parse_local_datetime
from web.views import channel_details_view, viewable_complaint

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")
log = logging.getLogger("web.access")


def _done(
    db: DbSession, complaint: Complaint, user: User, settings: Settings, message: str
) -> dict[str, Any]:
    return {
        "reference": complaint.reference,
        "channel_details": channel_details_view(db, complaint, user, settings),
        "promised_reply_at": complaint.promised_reply_at,
        "message": message,
    }


@api_router.post(
    "/complaints/{reference}/channel-details",
    response_model=ChannelDetailsDone,
    responses=refusals(
        {
            403: "只有首问负责人或受理部门经理可以更改",
            404: "找不到该编号的投诉",
            409: "投诉已办结",
            422: "缺少该渠道必填项、含其他渠道的字段、找不到人员或时间不对：detail 说明原因",
        }
    ),
    summary="更正投诉渠道信息（办结之前；监管回复期限更早时承诺回复时间随之提前）",
    tags=["投诉"],
)
def post_channel_details(
    reference: str, body: ChannelDetailsRequest, user: ApiUser, db: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    complaint = viewable_complaint(db, reference, user)
    try:
        update_channel_details(
            db, complaint=complaint, actor=user, given=body.to_input(), now=utcnow()
        )
        db.commit()
    except Exception:
        db.rollback()
        raise
    log.info("complaint %s: channel details recorded by %s", complaint.reference, user.username)
    return _done(db, complaint, user, settings, "已保存投诉渠道信息")


@api_router.post(
    "/complaints/{reference}/regulator-reply",
    response_model=ChannelDetailsDone,
    responses=refusals(
        {
            403: "只有首问负责人、跟进人员、受理部门经理或公司领导可以登记",
            404: "找不到该编号的投诉",
            409: "不是已登记转办单位的行政监管部门转办投诉，或已办结",
            422: "回复方式、说明缺失或时间不对：detail 说明原因",
        }
    ),
    summary="登记对监管部门的回复（行政监管部门转办的投诉办结之前必须登记）",
    tags=["投诉"],
)
def post_regulator_reply(
    reference: str, body: RegulatorReplyRequest, user: ApiUser, db: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    complaint = viewable_complaint(db, reference, user)
    try:
        record_regulator_reply(
            db,
            complaint=complaint,
            actor=user,
            method=body.regulator_reply_method,
            note=body.regulator_reply_note,
            replied_at=body.regulator_replied_at,
            replied_by=body.regulator_replied_by,
            now=utcnow(),
        )
        db.commit()
    except Exception:
        db.rollback()
        raise
    log.info("complaint %s: regulator reply recorded by %s", complaint.reference, user.username)
    return _done(db, complaint, user, settings, "已登记对监管部门的回复")


def _submit(
    request: Request,
    reference: str,
    form: dict[str, str],
    web_session: WebSession,
    db: DbSession,
    settings: Settings,
    act: Callable[[Complaint, User], None],
) -> Response:
    taken = take_panel(request, db, settings, web_session, reference, form, Panel("channel"), act)
    if isinstance(taken, Response):
        return taken
    return RedirectResponse(f"/complaints/{taken.reference}#channel", status_code=303)


@router.post("/complaints/{reference}/channel-details")
def submit_channel_details(
    request: Request,
    reference: str,
    form: FormFields,
    web_session: WebSessionDep,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    def act(complaint: Complaint, user: User) -> None:
        errors: dict[str, str] = {}
        given = parse_channel_form(form, complaint.channel, settings.tz, errors)
        if errors:
            field, message = next(iter(errors.items()))
            raise FieldError(field, message)
        update_channel_details(db, complaint=complaint, actor=user, given=given, now=utcnow())
        log.info("complaint %s: channel details recorded by %s", complaint.reference, user.username)

    return _submit(request, reference, form, web_session, db, settings, act)


@router.post("/complaints/{reference}/regulator-reply")
def submit_regulator_reply(
    request: Request,
    reference: str,
    form: FormFields,
    web_session: WebSessionDep,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    def act(complaint: Complaint, user: User) -> None:
        def text(name: str, label: str, limit: int, multiline: bool = False) -> str | None:
            value = clean_text(
                form.get(name),
                field=name,
                label=label,
                max_length=limit,
                required=False,
                multiline=multiline,
            )
            return value or None

        replied_at = parse_local_datetime(
            form.get("regulator_replied_at"),
            field="regulator_replied_at",
            label="回复监管时间",
            tz=settings.tz,
            required=False,
        )
        record_regulator_reply(
            db,
            complaint=complaint,
            actor=user,
            method=text("regulator_reply_method", "回复监管方式", 50),
            note=text("regulator_reply_note", "回复说明或文号", 1000, multiline=True),
            replied_at=replied_at,
            replied_by=text("regulator_replied_by", "回复人", 64),
            now=utcnow(),
        )
        log.info("complaint %s: regulator reply recorded by %s", complaint.reference, user.username)

    return _submit(request, reference, form, web_session, db, settings, act)

"""A later reply time with the superior's approval (延期答复, Art. 2(4), 7) in the staff app and
the JSON API, and the list of requests a superior is to decide (待审批的延期申请).

The rules (who may ask and decide, one pending, the limits from receipt, what an approval moves
and whom it tells) are ``services.extensions``'; this module reads the input and shows the
refusal. A refused form comes back with what was typed.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from config.settings import Settings
from models.complaint import Complaint
from models.db import utcnow
from models.extensions import ReplyExtension
from models.people import User
from policy.extensions import MAX_REASON
from services.extensions import decide_extension, pending_for, request_extension
from services.step_errors import StepError
from web.complaint_pages import complaint_page
from web.deps import ApiUser, DbSession, FormFields, PageUser, SettingsDep, WebSessionDep
from web.rendering import render
from web.schemas import (
    ExtensionDecisionRequest,
    ExtensionDone,
    ExtensionRequest,
    refusals,
)
from web.security import same
from web.validation import FieldError, clean_text, parse_local_datetime
from web.views import complaint_by_reference, extension_out, viewable_complaint

# A row id: within the databases' integer range, else 422 (not a database error).
ExtensionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="延期申请的编号")]
router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")
log = logging.getLogger("web.access")
EXTENSION_INPUT = "输入不符合要求（如超过自受理之日起的延期上限）：detail 说明原因"


def _done(
    db: Session, complaint: Complaint, extension: ReplyExtension, message: str
) -> ExtensionDone:
    db.refresh(extension)
    return ExtensionDone(
        **extension_out(extension),
        reference=complaint.reference,
        promised_reply_at=complaint.promised_reply_at,
        message=message,
    )


@api_router.post(
    "/complaints/{reference}/extension",
    status_code=202,
    response_model=ExtensionDone,
    responses=refusals(
        {
            403: "只有该投诉的跟进人员或首问负责人可以申请",
            404: "找不到该编号的投诉",
            409: "处理结果已告知客户，或已有一项延期申请待审批",
            422: EXTENSION_INPUT,
        }
    ),
    summary="申请延期答复（经申请人的上级批准后生效）",
    tags=["延期答复"],
)
def post_extension(
    reference: str, body: ExtensionRequest, user: ApiUser, db: DbSession
) -> ExtensionDone:
    complaint = viewable_complaint(db, reference, user)
    try:
        extension = request_extension(
            db,
            complaint=complaint,
            actor=user,
            new_reply_at=body.new_reply_at,
            reason=body.reason,
            complex_case=body.complex,
            now=utcnow(),
        )
        db.commit()
    except Exception:
        db.rollback()
        raise
    log.info("complaint %s: extension %s asked by %s", reference, extension.id, user.username)
    return _done(db, complaint, extension, "已提交延期申请，待上级批准后生效")


@api_router.post(
    "/complaints/{reference}/extension/{extension_id}/decision",
    response_model=ExtensionDone,
    responses=refusals(
        {
            403: "只有申请人的上级（未设上级时为其部门经理）或公司领导可以审批",
            404: "找不到该编号的投诉或延期申请",
            409: "该申请已审批，或处理结果已告知客户",
            422: EXTENSION_INPUT,
        }
    ),
    summary="审批延期申请：批准后承诺回复时间延后并告知客户",
    tags=["延期答复"],
)
def post_extension_decision(
    reference: str,
    extension_id: ExtensionId,
    body: ExtensionDecisionRequest,
    user: ApiUser,
    db: DbSession,
) -> ExtensionDone:
    # The requester's superior may sit in another department: the decision's own rule says
    # who may decide, not who may view the complaint.
    complaint = complaint_by_reference(db, reference)
    try:
        extension = decide_extension(
            db,
            complaint=complaint,
            extension_id=extension_id,
            actor=user,
            approved=body.approved,
            comment=body.comment,
            now=utcnow(),
        )
        db.commit()
    except Exception:
        db.rollback()
        raise
    log.info("complaint %s: extension %s decided by %s", reference, extension.id, user.username)
    message = "已批准延期，承诺回复时间已更新并将告知客户" if body.approved else "已不批准延期"
    return _done(db, complaint, extension, message)


# The staff app --------------------------------------------------------------------------------


def _again(
    request: Request,
    db: Session,
    settings: Settings,
    user: User,
    reference: str,
    form: dict[str, str],
    status: int,
    *,
    errors: dict[str, str] | None = None,
    problem: str = "",
) -> Response:
    return complaint_page(
        request,
        db,
        settings,
        user,
        reference,
        problem=problem,
        status=status,
        extension_errors=errors or {},
        extension_values=form,
    )


_STALE = (
    "表单已过期或来源不明（防跨站请求伪造校验未通过），未保存；"
    "您填写的内容保留在下方，请确认后重新提交"
)


@router.post("/complaints/{reference}/extension")
def submit_extension(
    request: Request,
    reference: str,
    form: FormFields,
    web_session: WebSessionDep,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    user = web_session.user
    complaint = viewable_complaint(db, reference, user)
    if not same(form.get("csrf_token"), web_session.csrf_token):
        return _again(request, db, settings, user, reference, form, 403, problem=_STALE)
    try:
        new_reply_at = parse_local_datetime(
            form.get("new_reply_at"),
            field="new_reply_at",
            label="申请延至的回复时间",
            tz=settings.tz,
        )
        reason = clean_text(
            form.get("reason"),
            field="reason",
            label="延期理由",
            max_length=MAX_REASON,
            multiline=True,
        )
        request_extension(
            db,
            complaint=complaint,
            actor=user,
            new_reply_at=new_reply_at,
            reason=reason,
            complex_case=form.get("complex") == "yes",
            now=utcnow(),
        )
        db.commit()
    except FieldError as error:
        db.rollback()
        return _again(
            request, db, settings, user, reference, form, 422, errors={error.field: error.message}
        )
    except StepError as error:
        db.rollback()
        if error.field:
            return _again(
                request,
                db,
                settings,
                user,
                reference,
                form,
                error.status_code,
                errors={error.field: error.message},
            )
        return _again(
            request,
            db,
            settings,
            user,
            reference,
            form,
            error.status_code,
            problem=f"{error.message}；延期申请未提交，您填写的内容保留在下方",
        )
    log.info("complaint %s: extension asked by %s", complaint.reference, user.username)
    return RedirectResponse(
        f"/complaints/{complaint.reference}?notice=extension-asked#extensions", status_code=303
    )


def _decided(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@router.post("/complaints/{reference}/extension/{extension_id}/decision")
def submit_extension_decision(
    request: Request,
    reference: str,
    extension_id: ExtensionId,
    form: FormFields,
    web_session: WebSessionDep,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    """From the complaint's page, or from the list of pending requests (``back=list``)."""
    user = web_session.user
    complaint = complaint_by_reference(db, reference)
    from_list = form.get("back") == "list"

    def again(status: int, problem: str) -> Response:
        if from_list:
            return _pending_page(request, db, user, status=status, problem=problem, values=form)
        return _again(request, db, settings, user, reference, form, status, problem=problem)

    if not same(form.get("csrf_token"), web_session.csrf_token):
        return again(403, _STALE)
    try:
        comment = clean_text(
            form.get("comment"),
            field="comment",
            label="审批意见",
            max_length=MAX_REASON,
            multiline=True,
            required=False,
        )
        decide_extension(
            db,
            complaint=complaint,
            extension_id=extension_id,
            actor=user,
            approved=_decided(form.get("approved")),
            comment=comment,
            now=utcnow(),
        )
        db.commit()
    except (FieldError, StepError) as error:
        db.rollback()
        status = 422 if isinstance(error, FieldError) else error.status_code
        return again(status, f"{error.message}；审批未保存，您填写的内容保留在下方")
    log.info("complaint %s: extension decided by %s", complaint.reference, user.username)
    if from_list:
        return RedirectResponse("/extensions?notice=decided", status_code=303)
    return RedirectResponse(
        f"/complaints/{complaint.reference}?notice=extension-decided#extensions", status_code=303
    )


def _pending_page(
    request: Request,
    db: Session,
    user: User,
    *,
    status: int = 200,
    problem: str = "",
    values: dict[str, str] | None = None,
) -> Response:
    notice = "已保存审批。" if request.query_params.get("notice") == "decided" else ""
    return render(
        request,
        "extensions.html",
        {
            "rows": pending_for(db, user),
            "problem": problem,
            "notice": notice,
            "values": values or {},
        },
        status_code=status,
    )


@router.get("/extensions")
def pending_extensions(request: Request, user: PageUser, db: DbSession) -> Response:
    """待审批的延期申请: the requests the signed-in user is to decide as the requester's
    superior (or department manager), or as leadership."""
    return _pending_page(request, db, user)

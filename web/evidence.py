"""Evidence attached to a complaint (证据材料) in the staff app and the JSON API: upload
(multipart) and download.

The rules (who may attach, not once archived, the size and kind of the file, one row per
file) are ``services.evidence.attach_evidence``'s; this module reads the upload and shows the
refusal. A file is shown and downloaded by whoever may see the complaint
(``web.access.ensure_may_view``, as its page and ``GET /api/complaints/{ref}``).
"""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from config.settings import Settings
from models.complaint import Complaint
from models.db import utcnow
from models.people import User
from services.evidence import Attached, EvidenceMissing, attach_evidence, read_evidence
from services.step_errors import StepError, StepForbidden
from web.complaint_pages import complaint_page
from web.deps import ApiUser, DbSession, SettingsDep, WebSessionDep
from web.schemas import EvidenceAttached, refusals
from web.security import same
from web.views import content_disposition, evidence_view, viewable_complaint

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")
log = logging.getLogger("web.access")

SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")

_REFUSALS = refusals(
    {
        403: "只有该投诉的跟进人员、首问负责人、受理部门的经理或公司领导可以上传，detail 说明原因",
        404: "找不到该编号的投诉",
        409: "投诉已归档，证据材料不可再增加或更改",
        413: "文件超过大小上限（COMPLAINTS_EVIDENCE_MAX_BYTES，默认 20 MB）",
        422: "未选择文件、空文件、不接受的类型，或扩展名与内容不符",
    }
)


def _read(upload: UploadFile | None) -> tuple[str, bytes]:
    if not isinstance(upload, StarletteUpload):  # FastAPI hands over Starlette's class
        return "", b""
    return upload.filename or "", upload.file.read()


def _attach(
    db: DbSession, complaint: Complaint, user: User, settings: Settings, upload: UploadFile | None
) -> Attached:
    name, content = _read(upload)
    attached = attach_evidence(
        db,
        complaint=complaint,
        actor=user,
        name=name,
        content=content,
        now=utcnow(),
        data_dir=settings.data_dir,
        max_bytes=settings.evidence_max_bytes,
        allowed=settings.evidence_type_list,
    )
    if not attached.already_attached:
        log.info(
            "complaint %s: evidence %s attached by %s",
            complaint.reference,
            attached.evidence.sha256[:12],
            user.username,
        )
    return attached


def _download(
    db: DbSession, reference: str, sha256: str, user: User, settings: Settings
) -> Response:
    complaint = viewable_complaint(db, reference, user)
    if complaint.subject_user_id is not None and complaint.subject_user_id == user.id:
        # Art. 4 回避: recordings and letters carry the customer's voice, name and number.
        raise StepForbidden("被投诉人员应当回避，不能查看本投诉的证据材料")
    if not SHA256.match(sha256):
        raise EvidenceMissing("该投诉没有这份证据材料")
    evidence, content = read_evidence(db, complaint.id, sha256, data_dir=settings.data_dir)
    log.info(
        "complaint %s: evidence %s downloaded by %s",
        complaint.reference,
        evidence.sha256[:12],
        user.username,
    )
    return Response(
        content,
        media_type=evidence.media_type,
        headers={"Content-Disposition": content_disposition(evidence.original_name)},
    )


@api_router.post(
    "/complaints/{reference}/evidence",
    status_code=201,
    response_model=EvidenceAttached,
    responses={
        200: {"model": EvidenceAttached, "description": "同一文件此前已附于该投诉：原登记"},
        **_REFUSALS,
    },
    summary="上传证据材料（multipart/form-data，字段 file）",
    tags=["证据材料"],
)
def post_evidence(
    reference: str,
    user: ApiUser,
    db: DbSession,
    settings: SettingsDep,
    response: Response,
    file: Annotated[UploadFile | None, File(description="证据文件")] = None,
) -> EvidenceAttached:
    complaint = viewable_complaint(db, reference, user)
    attached = _attach(db, complaint, user, settings, file)
    if attached.already_attached:
        response.status_code = 200
        message = "该文件此前已上传到本投诉，未重复保存"
    else:
        message = f"证据材料「{attached.evidence.original_name}」已上传"
    (listed,) = (
        item
        for item in evidence_view(db, complaint, user)
        if item["sha256"] == attached.evidence.sha256
    )
    return EvidenceAttached(
        **listed,
        reference=complaint.reference,
        already_attached=attached.already_attached,
        message=message,
    )


@api_router.get(
    "/complaints/{reference}/evidence/{sha256}",
    response_class=Response,
    responses={
        200: {
            "description": "证据文件，Content-Type 为其类型，Content-Disposition 带原文件名",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        },
        **refusals(
            {
                403: "无权查看该投诉",
                404: "找不到该投诉，或该投诉没有这份证据材料（或文件已按保存期限删除）",
                409: "文件与登记的 SHA-256 不符",
            },
            body=False,
        ),
    },
    summary="下载证据材料",
    tags=["证据材料"],
)
def get_evidence(
    reference: str, sha256: str, user: ApiUser, db: DbSession, settings: SettingsDep
) -> Response:
    return _download(db, reference, sha256, user, settings)


@router.post("/complaints/{reference}/evidence")
def upload_evidence(
    request: Request,
    reference: str,
    web_session: WebSessionDep,
    db: DbSession,
    settings: SettingsDep,
    csrf_token: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    user = web_session.user
    complaint = viewable_complaint(db, reference, user)
    if not same(csrf_token, web_session.csrf_token):
        return complaint_page(
            request,
            db,
            settings,
            user,
            reference,
            status=403,
            problem="表单已过期或来源不明（防跨站请求伪造校验未通过），文件未保存；请重新选择文件上传",
        )
    try:
        attached = _attach(db, complaint, user, settings, file)
    except StepError as error:
        db.rollback()
        return complaint_page(
            request,
            db,
            settings,
            user,
            reference,
            status=error.status_code,
            evidence_error=error.message,
        )
    notice = "evidence-again" if attached.already_attached else "evidence-saved"
    return RedirectResponse(
        f"/complaints/{complaint.reference}?notice={notice}#evidence", status_code=303
    )


@router.get("/complaints/{reference}/evidence/{sha256}")
def download_evidence(
    reference: str, sha256: str, web_session: WebSessionDep, db: DbSession, settings: SettingsDep
) -> Response:
    return _download(db, reference, sha256, web_session.user, settings)

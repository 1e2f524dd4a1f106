"""The intake form (受理登记), the live classification suggestion, a complaint's page with the
form for its current step, and the handling form download."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from config.settings import Settings, duration_label
from models.db import utcnow
from models.people import DepartmentRow, User
from policy.classification import classify
from policy.deadlines import proposed_reply_at
from policy.enums import Category, Channel, ComplainantKind, Department, Role, Stage
from policy.lifecycle import Step, needs_major_decision
from policy.subjects import MAX_DEMAND_NOTE, MAX_SUBJECT_TEXT, Demand, suggest_demand
from services.case_file import read_case_file
from services.intake import IntakeError, IntakeKeyReused
from services.step_errors import StepConflict, StepError, StepInputError
from services.step_registry import (
    STEPS,
    TEXT_FIELDS,
    Alternative,
    Decision,
    DepartmentChoice,
    FreeText,
    Moment,
    StepField,
    Username,
)
from web.access import (
    INTAKE_ROLES,
    Forbidden,
    may_see_personal_data,
    may_view,
    require_role,
)
from web.actions import (
    STEP_OF_STAGE,
    IntakeValues,
    check_step,
    prefect_run_url,
    run_behind,
    start_flow_run,
    take_complaint,
    take_step,
)
from web.channel_forms import channel_fields, channel_panel, parse_channel_form
from web.deps import (
    CheckedForm,
    DbSession,
    FormFields,
    PageUser,
    SettingsDep,
    WebSessionDep,
)
from web.errors import problem
from web.rendering import input_value, render
from web.schemas import FIELD_LABELS
from web.security import same
from web.validation import (
    MAX_EMAIL,
    MAX_INSTITUTION,
    MAX_NAME,
    MAX_PRODUCT,
    MAX_TEXT,
    MAX_USERNAME,
    FieldError,
    check_email,
    clean_text,
    normalize_phone,
    parse_amount,
    parse_local_datetime,
)
from web.views import (
    DOCX,
    NotFound,
    closure_panel,
    complaint_for_step,
    contact_panel,
    customer_view,
    deadlines_of,
    evidence_panel,
    extension_panel,
    handling_form_bytes,
    overdue_of,
    subject_panel,
    text_for,
    timeline_of,
    viewable_complaint,
)

router = APIRouter(include_in_schema=False)
INTAKE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
log = logging.getLogger("web.access")

NOTICES = {
    "created": "投诉已受理。您是该投诉的首问负责人（第二条第四项），请在{record}内提交文字记录。",
    "saved-resumed": "已保存，处理流程已继续。",
    "contact-saved": "已登记与客户的联系。",
    "evidence-saved": "证据材料已上传。",
    "evidence-again": "该文件此前已上传到本投诉，未重复保存。",
    "extension-asked": "已提交延期申请，待上级批准后生效。",
    "extension-decided": "已保存对延期申请的审批。",
    "closed": "投诉已办结，将告知客户并归档。",
    "saved-later": (
        "已保存。处理流程将在稍后自动继续（流程服务暂不可达或尚未就绪时，系统会自动唤醒）。"
    ),
}


# The stages at which the major / non-major decision (Art. 4(3)) may still be asked.
BEFORE_MAJOR_DECISION = frozenset(
    {Stage.awaiting_written_record, Stage.awaiting_assignment, Stage.awaiting_major_decision}
)


# Intake --------------------------------------------------------------------------------------


def _choice(
    form: dict[str, str], name: str, enum: Any, message: str, errors: dict[str, str]
) -> Any:
    try:
        return enum(form.get(name, ""))
    except ValueError:
        errors[name] = message
        return None


def _optional_choice(form: dict[str, str], name: str, enum: Any, errors: dict[str, str]) -> Any:
    value = form.get(name, "")
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        errors[name] = "请从列表中选择"
        return None


def _collect(errors: dict[str, str], check: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return check(*args, **kwargs)
    except FieldError as error:
        errors.setdefault(error.field, error.message)
        return None


def parse_intake_form(
    form: dict[str, str], settings: Settings
) -> tuple[IntakeValues | None, dict[str, str]]:
    """Every field checked, every problem collected (shown beside its field)."""
    errors: dict[str, str] = {}
    tz = settings.tz

    def text(name: str, label: str, max_length: int, **options: Any) -> Any:
        return _collect(
            errors,
            clean_text,
            form.get(name),
            field=name,
            label=label,
            max_length=max_length,
            **options,
        )

    def when(name: str, label: str, *, required: bool) -> Any:
        return _collect(
            errors,
            parse_local_datetime,
            form.get(name),
            field=name,
            label=label,
            tz=tz,
            required=required,
        )

    channel = _choice(form, "channel", Channel, "请选择投诉渠道", errors)
    complainant = _choice(form, "complainant", ComplainantKind, "请选择投诉人类型", errors)
    name = text("customer_name", "客户姓名", MAX_NAME)
    phone = _collect(errors, normalize_phone, form.get("customer_phone"))
    email = text("customer_email", "电子邮箱", MAX_EMAIL, required=False)
    email = _collect(errors, check_email, email) if email else None
    institution = text("member_institution", "会员机构名称", MAX_INSTITUTION, required=False)
    member = complainant is ComplainantKind.member
    if member and not institution and "member_institution" not in errors:
        errors["member_institution"] = "投诉人为会员机构时请填写会员机构名称"
    product = text("product", "涉及产品", MAX_PRODUCT, required=False)
    amount = _collect(errors, parse_amount, form.get("amount"))
    content = text("content", "投诉内容", MAX_TEXT, multiline=True)
    received_at = when("received_at", "受理时间", required=False)
    on_the_spot = form.get("resolved_on_the_spot") == "yes"
    resolution = text("resolution", "现场解决情况", MAX_TEXT, required=on_the_spot, multiline=True)
    promised = when("promised_reply_at", "承诺回复时间", required=not on_the_spot)
    category = _optional_choice(form, "category", Category, errors)
    department = _optional_choice(form, "department", Department, errors)
    major = {"yes": True, "no": False}.get(form.get("major", ""))
    subject_department = _optional_choice(form, "subject_department", Department, errors)
    subject_staff = text("subject_staff", "被投诉人员", MAX_USERNAME, required=False)
    subject_institution = text(
        "subject_institution", "被投诉会员机构", MAX_SUBJECT_TEXT, required=False
    )
    demand = _optional_choice(form, "demand", Demand, errors)
    demand_note = text("demand_note", "客户诉求说明", MAX_DEMAND_NOTE, required=False)
    details = parse_channel_form(form, channel, tz, errors) if channel is not None else None
    if errors:
        return None, errors
    return (
        IntakeValues(
            channel=channel,
            complainant=complainant,
            customer_name=name,
            customer_phone=phone,
            customer_email=email,
            member_institution=institution or None,
            product=product or None,
            amount=amount,
            content=content,
            received_at=received_at,
            resolved_on_the_spot=on_the_spot,
            resolution=resolution or None,
            founded_on_the_spot=form.get("founded_on_the_spot") != "no",
            promised_reply_at=None if on_the_spot else promised,
            category=category,
            department=department,
            major=major,
            subject_department=subject_department,
            subject_staff=subject_staff or None,
            subject_institution=subject_institution or None,
            demand=demand,
            demand_note=demand_note or None,
            channel_details=details,
        ),
        {},
    )


def _suggestion(form: dict[str, str], settings: Settings) -> dict[str, Any] | None:
    content = (form.get("content") or "").strip()
    if not content:
        return None
    try:
        channel = Channel(form.get("channel", "")) if form.get("channel") else None
    except ValueError:
        channel = None
    try:
        complainant = ComplainantKind(form.get("complainant") or "customer")
    except ValueError:
        complainant = ComplainantKind.customer
    try:
        amount = parse_amount(form.get("amount"))
    except FieldError:
        amount = None
    result = classify(content[:MAX_TEXT], channel=channel, complainant=complainant, amount=amount)
    reasons = list(dict.fromkeys([*result.reasons, *result.major_reasons]))
    cues = _deciding_cues(
        reasons, category=result.category.label, department=result.department.label
    )
    cues += [] if not result.major else [r for r in reasons if r.startswith("重大投诉认定")][:1]
    return {
        "cues": cues,
        "more": [reason for reason in reasons if reason not in cues],
        "category": result.category.value,
        "category_label": result.category.label,
        "department": result.department.value,
        "department_label": result.department.label,
        "major": result.major,
        "reasons": list(result.reasons),
        "major_reasons": [r for r in result.major_reasons if r not in result.reasons],
        "demand_label": demand.label if (demand := suggest_demand(content)) else None,
    }


def _deciding_cues(reasons: list[str], *, category: str, department: str) -> list[str]:
    """The reason that decided the category (the keywords of the chosen category, Art. 3) and
    the one that decided the department (Art. 9); the rest are shown on request."""
    chosen = [
        next((r for r in reasons if r.startswith("Art. 3(") and f" {category}:" in r), None),
        next((r for r in reasons if r.startswith("Art. 9") and f"→ {department}" in r), None),
    ]
    return [reason for reason in chosen if reason is not None]


def _proposal(received_at: datetime, settings: Settings) -> dict[str, str]:
    proposal = proposed_reply_at(
        received_at,
        days=settings.reply_days,
        working_days=settings.reply_working_days,
        tz=settings.timezone,
    )
    return {"value": input_value(proposal.due), "explanation": proposal.explanation}


def _intake_page(
    request: Request,
    settings: Settings,
    form: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    problem: str = "",
    status: int = 200,
) -> Response:
    received = _received_or_now(form, settings)
    return render(
        request,
        "intake.html",
        {
            "form": form,
            "errors": errors or {},
            "problem": problem,
            "suggestion": _suggestion(form, settings),
            "proposal": _proposal(received, settings),
            "channels": list(Channel),
            "complainant_kinds": list(ComplainantKind),
            "categories": list(Category),
            "departments": list(Department),
            "demands": list(Demand),
            "channel_fields": channel_fields(),
        },
        status_code=status,
    )


@router.get("/complaints/new")
def intake_form(request: Request, user: PageUser, settings: SettingsDep) -> Response:
    require_role(user, INTAKE_ROLES, "受理投诉（首问负责人须为员工或部门经理）")
    now = utcnow()
    form = {
        # One-time token: a form submitted twice (double click, resent) makes one complaint.
        "intake_token": secrets.token_urlsafe(18),
        "channel": Channel.phone.value,
        "complainant": ComplainantKind.customer.value,
        "received_at": input_value(now),
        "promised_reply_at": _proposal(now, settings)["value"],
    }
    return _intake_page(request, settings, form)


@router.post("/complaints/new")
def submit_intake(
    request: Request,
    form: CheckedForm,
    user: PageUser,
    db: DbSession,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> Response:
    require_role(user, INTAKE_ROLES, "受理投诉（首问负责人须为员工或部门经理）")
    if form.get("action") == "preview":
        return _intake_page(request, settings, form)
    values, errors = parse_intake_form(form, settings)
    if values is None:
        return _intake_page(request, settings, form, errors=errors, status=422)
    token = form.get("intake_token", "")
    key = f"form:{token}" if INTAKE_TOKEN.match(token) else None
    try:
        taken = take_complaint(
            db, values=values, user=user, now=utcnow(), settings=settings, key=key
        )
    except (FieldError, IntakeError) as error:
        db.rollback()
        return _intake_page(request, settings, form, errors={error.field: str(error)}, status=422)
    except IntakeKeyReused as error:
        db.rollback()
        return _intake_page(request, settings, form, problem=error.message, status=409)
    complaint = taken.complaint
    if not taken.replayed:  # the same form sent again is answered with its complaint, once
        background.add_task(start_flow_run, complaint.id, settings.effective_database_url)
    return RedirectResponse(f"/complaints/{complaint.reference}?notice=created", status_code=303)


@router.post("/complaints/suggestion")
async def suggestion(
    request: Request, web_session: WebSessionDep, settings: SettingsDep
) -> Response:
    """The live suggestion (category, department, major, reasons) and the proposed reply time,
    for the intake form's script. Cookie-authenticated, CSRF token in ``X-CSRF-Token``."""
    if not same(request.headers.get("x-csrf-token"), web_session.csrf_token):
        return JSONResponse({"detail": "防跨站请求伪造校验未通过，请刷新页面"}, status_code=403)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JSONResponse({"detail": "请求体必须是 JSON 对象"}, status_code=400)
    form = {key: value for key, value in body.items() if isinstance(value, str)}
    received = _received_or_now(form, settings)
    return JSONResponse(
        {"suggestion": _suggestion(form, settings), "proposal": _proposal(received, settings)}
    )


# A complaint's page and its steps ------------------------------------------------------------


def _step_choices(db: DbSession, complaint: Any, step: Step | None) -> dict[str, Any]:
    if step not in (Step.assignment, Step.leadership_instruction):
        return {}
    handlers = db.scalars(
        select(User)
        .where(
            User.department_id == complaint.department_id,
            User.role.in_([Role.staff, Role.manager]),
            User.active,
        )
        .order_by(User.role, User.username)
    ).all()
    # Art. 4 回避: the person complained about is not offered (the service refuses them).
    handlers = [user for user in handlers if user.id != complaint.subject_user_id]
    departments = db.scalars(
        select(DepartmentRow).where(DepartmentRow.id != complaint.department_id)
    ).all()
    return {"handlers": handlers, "transfer_departments": departments}


def complaint_page(
    request: Request,
    db: DbSession,
    settings: Settings,
    user: User,
    reference: str,
    *,
    step_errors: dict[str, str] | None = None,
    step_values: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    problem: str = "",
    status: int = 200,
    contact_errors: dict[str, str] | None = None,
    contact_values: dict[str, str] | None = None,
    extension_errors: dict[str, str] | None = None,
    extension_values: dict[str, str] | None = None,
    closure_errors: dict[str, str] | None = None,
    closure_values: dict[str, str] | None = None,
    evidence_error: str | None = None,
    subject_errors: dict[str, str] | None = None,
    subject_values: dict[str, str] | None = None,
    channel_errors: dict[str, str] | None = None,
    channel_values: dict[str, str] | None = None,
) -> Response:
    """``typed``: what a refused form held, shown back so that nothing typed is lost;
    ``contact_*``: the same for the form that records a contact with the customer;
    ``extension_*``: for the forms that ask for and decide a later reply time."""
    complaint = viewable_complaint(db, reference, user)
    step = STEP_OF_STAGE.get(complaint.stage)
    may_act, why_not = False, ""
    if step is not None:
        try:
            check_step(complaint, step, user)
            may_act = True
        except StepError as error:
            why_not = error.message
    customer = customer_view(complaint, user)
    if not customer["masked"]:
        log.info("personal data of complaint %s shown to %s", complaint.reference, user.username)
    case = read_case_file(db, complaint)
    notice = NOTICES.get(request.query_params.get("notice", ""), "")
    notice = notice.format(record=duration_label(settings.record_deadline))
    deadlines = deadlines_of(db, complaint)
    timeline = timeline_of(db, case, user)
    show_system = request.query_params.get("system") == "1"
    return render(
        request,
        "complaint.html",
        {
            "complaint": complaint,
            "content": text_for(user, complaint, complaint.content),
            "customer": customer,
            "step": step,
            "may_act": may_act,
            "why_not": why_not,
            "records": case.step_records(),
            "timeline": [e for e in timeline if show_system or not e["system"]],
            "system_events": sum(1 for event in timeline if event["system"]),
            "show_system": show_system,
            "deadlines": deadlines,
            "overdue": overdue_of(deadlines, now=utcnow()),
            "major_pending": complaint.stage in BEFORE_MAJOR_DECISION
            and needs_major_decision(
                channel=complaint.channel,
                suggested_major=complaint.suggested_major,
                major=complaint.major,
                version=complaint.process_version,
            ),
            "run_url": prefect_run_url(settings, complaint.flow_run_id),
            "run_pending": complaint.flow_run_id is None
            and complaint.stage not in (Stage.closed, Stage.archived),
            "run_behind": run_behind(db, complaint, settings),
            "may_download": may_see_personal_data(user, complaint),
            "notice": notice,
            "problem": problem,
            "errors": step_errors or {},
            "values": step_values or {},
            "typed": [
                (FIELD_LABELS[name], value)
                for name, value in (typed or {}).items()
                if name in TEXT_FIELDS and value.strip()
            ],
            "departments": list(Department),
            **_step_choices(db, complaint, step),
            **contact_panel(db, complaint, user, contact_errors, contact_values),
            **extension_panel(db, complaint, user, extension_errors, extension_values),
            **closure_panel(db, complaint, user, closure_errors, closure_values),
            **evidence_panel(db, complaint, user, evidence_error),
            **subject_panel(complaint, user, subject_errors, subject_values),
            **channel_panel(db, complaint, user, settings, channel_errors, channel_values),
        },
        status_code=status,
    )


@router.get("/complaints/{reference}")
def show_complaint(
    request: Request, reference: str, user: PageUser, db: DbSession, settings: SettingsDep
) -> Response:
    return complaint_page(request, db, settings, user, reference)


def _form_value(spec: StepField, form: dict[str, str], settings: Settings) -> Any:
    """One field of a step's form, read and checked as typed (``FieldError`` otherwise)."""
    if isinstance(spec, Decision):
        value = form.get(spec.name, "")
        if value not in ("yes", "no"):
            raise FieldError(spec.name, spec.ask)
        return value == "yes"
    if isinstance(spec, FreeText):
        return clean_text(
            form.get(spec.name),
            field=spec.name,
            label=spec.title,
            max_length=MAX_TEXT,
            required=spec.required,
            multiline=True,
        )
    if isinstance(spec, Username):
        # One of two (a mode picked it): required; a username of its own: optional.
        return clean_text(
            form.get(spec.name),
            field=spec.name,
            label=spec.title,
            max_length=MAX_USERNAME,
            required=bool(spec.mode),
        )
    if isinstance(spec, DepartmentChoice):
        target = form.get(spec.name, "")
        if target not in Department.__members__:
            raise FieldError(spec.name, spec.ask)
        return Department(target)
    if isinstance(spec, Moment):
        return parse_local_datetime(
            form.get(spec.name), field=spec.name, label=spec.title, tz=settings.tz, required=False
        )
    raise TypeError(f"no form field for {type(spec).__name__}")


def parse_step_form(step: Step, form: dict[str, str], settings: Settings) -> dict[str, Any]:
    """The step's values from its form, field by field as its declaration says; the step
    service checks the rest (what depends on the case: a reason required when sending back,
    a handler who exists, ...). Of two alternatives the form's ``mode`` picks one."""
    spec = STEPS[step]
    mode = form.get("mode") if form.get("mode") in spec.web_modes else None
    mode = mode or next(iter(spec.web_modes), None)
    return {
        field.name: _form_value(field, form, settings)
        for field in spec.fields
        if not isinstance(field, Alternative) or field.mode == mode
    }


@router.post("/complaints/{reference}/steps/{step_name}")
def submit_step(
    request: Request,
    reference: str,
    step_name: str,
    form: FormFields,
    web_session: WebSessionDep,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    user = web_session.user
    if step_name not in Step.__members__:
        raise NotFound(f"没有名为 {step_name[:40]} 的环节")
    step = Step(step_name)
    complaint = complaint_for_step(db, reference, user, step)
    if not same(form.get("csrf_token"), web_session.csrf_token):
        # Nothing is saved; the page comes back with a fresh token and what was typed.
        return complaint_page(
            request,
            db,
            settings,
            user,
            reference,
            step_values=form,
            typed=form,
            problem="表单已过期或来源不明（防跨站请求伪造校验未通过），未保存；"
            "您填写的内容保留在下方，请确认后重新提交",
            status=403,
        )
    try:
        check_step(complaint, step, user)
        values = parse_step_form(step, form, settings)
        taken = take_step(
            db, complaint=complaint, step=step, user=user, values=values, now=utcnow()
        )
    except (FieldError, StepInputError) as error:
        db.rollback()
        field = error.field or "form"
        return complaint_page(
            request,
            db,
            settings,
            user,
            reference,
            step_errors={field: error.message},
            step_values=form,
            status=422,
        )
    except StepConflict as error:
        db.rollback()
        if not may_view(user, complaint):  # transferred away meanwhile: no page to show
            return problem(request, 409, error.message)
        return complaint_page(
            request,
            db,
            settings,
            user,
            reference,
            typed=form,
            problem=f"{error.message}；未保存，您填写的内容保留在下方",
            status=409,
        )
    notice = "saved-resumed" if taken.resumed else "saved-later"
    return RedirectResponse(f"/complaints/{complaint.reference}?notice={notice}", status_code=303)


@router.get("/complaints/{reference}/form.docx")
def download_form(reference: str, user: PageUser, db: DbSession, settings: SettingsDep) -> Response:
    complaint = viewable_complaint(db, reference, user)
    if not may_see_personal_data(user, complaint):
        raise Forbidden(
            "处理表含客户个人信息，只有首问负责人、跟进人员、本部门经理和公司领导可以下载"
        )
    content = handling_form_bytes(db, complaint, settings)
    log.info("handling form of complaint %s downloaded by %s", complaint.reference, user.username)
    return Response(
        content,
        media_type=DOCX,
        headers={"Content-Disposition": f'attachment; filename="{complaint.reference}.docx"'},
    )


def _received_or_now(form: dict[str, str], settings: Settings) -> datetime:
    """The receipt time typed so far, for the proposal shown beside the form; now while it is
    empty or not yet a valid time (the form's own check names that error on submit)."""
    try:
        typed = parse_local_datetime(
            form.get("received_at"),
            field="received_at",
            label="受理时间",
            tz=settings.tz,
            required=False,
        )
    except FieldError:
        return utcnow()
    return typed or utcnow()

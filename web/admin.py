"""Admin pages (系统管理员): users and their roles (Art. 5(4)), departments (Art. 9), the email
outbox's failed notifications with a re-send button, and the local SMTP sink's messages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from models.complaint import Complaint
from models.db import utcnow
from models.operations import Notification
from models.people import Contact, DepartmentRow, User
from policy.enums import Department, Role
from services.directory import DirectoryError, add_user
from services.outbox import OutboxError, failed_notifications, mark_for_resend
from services.security import WeakPasswordError, hash_password
from web.access import Forbidden, mask_email, mask_text, require_role
from web.deps import CheckedForm, DbSession, PageUser, SettingsDep
from web.mailbox import list_messages, mailbox_path, read_message, recipients_of, sink_state
from web.rendering import render
from web.security import end_all_sessions, sign_in_bursts
from web.validation import MAX_EMAIL, MAX_NAME, MAX_USERNAME, FieldError, check_email, clean_text
from web.views import NotFound

ADMIN = frozenset({Role.admin})


def admin_user(user: PageUser) -> User:
    require_role(user, ADMIN, "进入系统管理")
    return user


router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[Depends(admin_user)])


def _users_page(
    request: Request,
    db: DbSession,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status: int = 200,
) -> Response:
    users = db.scalars(select(User).order_by(User.username)).all()
    return render(
        request,
        "admin_users.html",
        {
            "bursts": sign_in_bursts(db, now=utcnow()),
            "users": users,
            "roles": list(Role),
            "departments": list(Department),
            "form": form or {},
            "errors": errors or {},
            "notice": notice,
        },
        status_code=status,
    )


@router.get("/users")
def users(request: Request, db: DbSession) -> Response:
    notice = {"added": "已添加用户。", "updated": "已更新。"}.get(
        request.query_params.get("notice", ""), ""
    )
    return _users_page(request, db, notice=notice)


@router.post("/users")
def add(request: Request, form: CheckedForm, db: DbSession) -> Response:
    errors: dict[str, str] = {}
    try:
        username = clean_text(
            form.get("username"), field="username", label="用户名", max_length=MAX_USERNAME
        )
        display = clean_text(
            form.get("display_name"),
            field="display_name",
            label="姓名",
            max_length=MAX_NAME,
            required=False,
        )
        email = check_email(
            clean_text(
                form.get("email"),
                field="email",
                label="电子邮箱",
                max_length=MAX_EMAIL,
                required=False,
            ),
            field="email",
        )
        if form.get("role") not in Role.__members__:
            raise FieldError("role", "请选择角色")
        role = Role(form["role"])
        department = form.get("department") or None
        if department is not None and department not in Department.__members__:
            raise FieldError("department", "请选择部门")
        add_user(
            db,
            username=username,
            password=form.get("password") or "",
            role=role,
            display_name=display or None,
            department=Department(department) if department else None,
            superior=(form.get("superior") or "").strip() or None,
            email=email,
        )
        db.commit()
    except FieldError as error:
        errors[error.field] = error.message
    except WeakPasswordError as error:
        errors["password"] = str(error)
    except DirectoryError as error:
        errors["form"] = _directory_message(str(error))
    if errors:
        db.rollback()
        return _users_page(request, db, form=form, errors=errors, status=422)
    return RedirectResponse("/admin/users?notice=added", status_code=303)


def _directory_message(message: str) -> str:
    if "already exists" in message:
        return "该用户名已存在"
    if "needs --department" in message:
        return "员工和部门经理必须选择部门"
    if "superior" in message:
        return "上级用户名不存在，请先添加上级"
    return message


def _user(db: DbSession, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("找不到该用户")
    return user


@router.post("/users/{user_id}/active")
def toggle_active(user_id: int, form: CheckedForm, me: PageUser, db: DbSession) -> Response:
    user = _user(db, user_id)
    if user.id == me.id:
        raise Forbidden("不能停用自己的账号")
    user.active = not user.active
    if not user.active:
        end_all_sessions(db, user_id=user.id, now=utcnow())
    db.commit()
    return RedirectResponse("/admin/users?notice=updated", status_code=303)


@router.post("/users/{user_id}/password")
def reset_password(request: Request, user_id: int, form: CheckedForm, db: DbSession) -> Response:
    user = _user(db, user_id)
    try:
        user.password_hash = hash_password(form.get("password") or "")
    except WeakPasswordError as error:
        return _users_page(request, db, errors={f"password-{user.id}": str(error)}, status=422)
    end_all_sessions(db, user_id=user.id, now=utcnow())
    db.commit()
    return RedirectResponse("/admin/users?notice=updated", status_code=303)


@router.get("/departments")
def departments(request: Request, db: DbSession) -> Response:
    rows = db.scalars(select(DepartmentRow).order_by(DepartmentRow.id)).all()
    return render(request, "admin_departments.html", {"rows": rows, "errors": {}})


@router.post("/departments/{code}")
def update_department(request: Request, code: str, form: CheckedForm, db: DbSession) -> Response:
    if code not in Department.__members__:
        raise NotFound("找不到该部门")
    row = db.scalar(select(DepartmentRow).where(DepartmentRow.code == Department(code)))
    if row is None:
        raise NotFound("找不到该部门")
    try:
        phone = clean_text(form.get("phone"), field="phone", label="投诉电话", max_length=40)
        email = check_email(
            clean_text(
                form.get("email"),
                field="email",
                label="部门邮箱",
                max_length=MAX_EMAIL,
                required=False,
            ),
            field="email",
        )
    except FieldError as error:
        rows = db.scalars(select(DepartmentRow).order_by(DepartmentRow.id)).all()
        return render(
            request,
            "admin_departments.html",
            {"rows": rows, "errors": {f"{code}-{error.field}": error.message}},
            status_code=422,
        )
    row.phone, row.email = phone, email
    db.commit()
    return RedirectResponse("/admin/departments", status_code=303)


@router.get("/outbox")
def outbox(request: Request, db: DbSession) -> Response:
    rows = failed_notifications(db)
    references = dict(
        db.execute(
            select(Complaint.id, Complaint.reference).where(
                Complaint.id.in_([row.complaint_id for row in rows if row.complaint_id])
            )
        ).all()
    )
    notice = "已重新排队，将由对账任务发送。" if request.query_params.get("notice") else ""
    return render(
        request,
        "admin_outbox.html",
        {
            "rows": rows,
            "references": references,
            "mask_email": mask_email,
            "mask_text": mask_text,
            "notice": notice,
        },
    )


@router.post("/outbox/{notification_id}/resend")
def resend(notification_id: int, form: CheckedForm, me: PageUser, db: DbSession) -> Response:
    if db.get(Notification, notification_id) is None:
        raise NotFound("找不到该通知")
    try:
        mark_for_resend(db, notification_id, actor_id=me.id)
    except OutboxError as error:
        raise HTTPException(409, detail=f"不能重新发送：{error}") from None
    db.commit()
    return RedirectResponse("/admin/outbox?notice=queued", status_code=303)


@router.get("/mailbox")
def mailbox(request: Request, settings: SettingsDep) -> Response:
    return render(
        request,
        "admin_mailbox.html",
        {
            "state": sink_state(settings),
            "path": mailbox_path(settings),
            "messages": list_messages(settings),
        },
    )


@router.get("/mailbox/{key}")
def mailbox_message(request: Request, key: str, settings: SettingsDep, db: DbSession) -> Response:
    # A notice to a customer names them: their names are masked in it too.
    addresses = recipients_of(settings, key)
    names = db.scalars(select(Contact.name).where(Contact.email.in_(addresses))).all()
    message = read_message(settings, key, names=names)
    if message is None:
        raise NotFound("找不到该邮件")
    return render(request, "admin_message.html", {"message": message})

"""Staff pages: sign-in and sign-out, 待我办理 (the home page), my complaints, my department's
queue, deadlines, major cases, search. Lists mask the complainant (Art. 2(5))."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from config.settings import get_settings
from models.db import utcnow
from models.people import DepartmentRow
from policy.concentration import UnitKind
from policy.enums import Department
from policy.lifecycle import Step
from services.alert_followups import awaiting_disposition_by
from services.monitoring import unit_label
from web.access import MAJOR_CASE_ROLES, OVERSIGHT_ROLES, require_role
from web.deps import CheckedForm, DbSession, FormFields, PageUser, SettingsDep, WebSessionDep
from web.ratelimit import SlidingWindow
from web.rendering import render
from web.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX,
    RateLimited,
    authenticate,
    end_session,
    login_csrf_token,
    login_csrf_valid,
    new_login_nonce,
    start_session,
)
from web.validation import MAX_PASSWORD, MAX_USERNAME, FieldError, clean_text
from web.views import (
    department_queue,
    due_deadlines,
    major_cases,
    my_complaints,
    overdue_complaints,
    search,
    worklist,
)

router = APIRouter(include_in_schema=False)
log = logging.getLogger("web.access")

IncludeClosed = Annotated[bool, Query(alias="closed")]


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme): no open redirect after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(
    request: Request, *, next_url: str, error: str = "", username: str = "", status: int = 200
) -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE) or new_login_nonce()
    response = render(
        request,
        "login.html",
        {
            "login_csrf": login_csrf_token(nonce),
            "next_url": _safe_next(next_url),
            "error": error,
            "username": username,
        },
        status_code=status,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/")
def home(
    request: Request, user: PageUser, db: DbSession, step: Annotated[str, Query()] = ""
) -> Response:
    """待我办理: what the signed-in person may act on now, most urgent first, with counts per
    step; a manager also sees the department's overdue complaints, leadership and compliance
    the company's."""
    chosen = next((each for each in Step if each.value == step), None)
    now = utcnow()
    return render(
        request,
        "home.html",
        {
            "work": worklist(db, user, now=now, step=chosen),
            "overdue": overdue_complaints(db, user, now=now),
            # Art. 8: the alerts awaiting this person's disposition.
            "my_alerts": [
                {
                    "id": row.alert_id,
                    "unit": unit_label(db, row.alert.unit_kind, row.alert.unit_key),
                    "kind": UnitKind(row.alert.unit_kind).label,
                    "due_on": row.due_on,
                    "late": row.due_on < now.astimezone(get_settings().tz).date(),
                }
                for row in awaiting_disposition_by(db, user)
            ],
        },
    )


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next_url=next)


@router.post("/login")
def login(request: Request, form: FormFields, db: DbSession) -> Response:
    next_url = _safe_next(form.get("next"))
    if not login_csrf_valid(request.cookies.get(LOGIN_COOKIE), form.get("csrf_token")):
        return _login_page(
            request, next_url=next_url, error="登录页面已过期，请重新输入后登录", status=403
        )
    try:
        username = clean_text(
            form.get("username"), field="username", label="用户名", max_length=MAX_USERNAME
        )
        password = form.get("password") or ""
        if not password or len(password) > MAX_PASSWORD:
            raise FieldError("password", "请填写密码")
    except FieldError as error:
        return _login_page(
            request,
            next_url=next_url,
            error=error.message,
            username=form.get("username", "")[:64],
            status=422,
        )
    now = utcnow()
    try:
        user = authenticate(
            db, username=username, password=password, client=_client(request), via="web", now=now
        )
    except RateLimited as limited:
        response = _login_page(
            request,
            next_url=next_url,
            error=f"登录失败次数过多，请 {limited.retry_after} 秒后再试",
            username=username,
            status=429,
        )
        response.headers["Retry-After"] = str(limited.retry_after)
        return response
    if user is None:
        db.commit()
        return _login_page(
            request,
            next_url=next_url,
            error="用户名或密码不正确，或账号已停用",
            username=username,
            status=401,
        )
    token, _ = start_session(db, user=user, now=now)
    db.commit()
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_MAX.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(
    request: Request, form: CheckedForm, web_session: WebSessionDep, db: DbSession
) -> Response:
    end_session(db, request.cookies.get(SESSION_COOKIE))
    db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/my")
def mine(
    request: Request, user: PageUser, db: DbSession, closed: IncludeClosed = False
) -> Response:
    return render(
        request,
        "list.html",
        {
            "title": "我的投诉",
            "intro": "您受理（首问负责）或跟进的投诉。",
            "rows": my_complaints(db, user, include_closed=closed),
            "closed": closed,
            "path": "/my",
        },
    )


@router.get("/queue")
def queue(
    request: Request,
    user: PageUser,
    db: DbSession,
    department: Department | None = None,
    closed: IncludeClosed = False,
) -> Response:
    departments = list(db.scalars(select(DepartmentRow).order_by(DepartmentRow.id)))
    if user.role in OVERSIGHT_ROLES:
        chosen = next((row for row in departments if row.code == department), None)
        chosen = chosen or next(iter(departments), None)
    else:
        chosen = user.department
        if department is not None and (chosen is None or department != chosen.code):
            require_role(user, OVERSIGHT_ROLES, "查看其他部门的投诉队列")
    rows = department_queue(db, chosen.id, include_closed=closed) if chosen else []
    return render(
        request,
        "list.html",
        {
            "title": f"部门队列：{chosen.name}" if chosen else "部门队列",
            "intro": "受理部门为本部门的投诉（第九条）。",
            "rows": rows,
            "closed": closed,
            "path": "/queue",
            "departments": departments if user.role in OVERSIGHT_ROLES else [],
            "department": chosen.code.value if chosen else "",
        },
    )


@router.get("/deadlines")
def deadlines(request: Request, user: PageUser, db: DbSession) -> Response:
    rows = due_deadlines(db, user, now=utcnow())
    return render(request, "deadlines.html", {"rows": rows})


@router.get("/major")
def major(
    request: Request, user: PageUser, db: DbSession, closed: IncludeClosed = False
) -> Response:
    require_role(user, MAJOR_CASE_ROLES, "查看重大投诉")
    return render(
        request,
        "list.html",
        {
            "title": "重大投诉",
            "intro": "已认定为重大、待认定或待公司领导审阅的投诉（第四条第三项）。",
            "rows": major_cases(db, include_closed=closed),
            "closed": closed,
            "path": "/major",
        },
    )


# Searches per user (by id and database, so that accounts of different databases never meet).
searches = SlidingWindow()


@router.get("/search")
def search_form(request: Request, user: PageUser) -> Response:
    """The search form; searching is a POST, so that no phone number lands in a URL (and so in
    an access log or the browser's history)."""
    return render(request, "search.html", {"q": "", "result": None})


@router.post("/search")
def find(
    request: Request, form: CheckedForm, user: PageUser, db: DbSession, settings: SettingsDep
) -> Response:
    q = (form.get("q") or "").strip()[:40]
    if not q:
        return render(request, "search.html", {"q": "", "result": None})
    wait = searches.take(
        f"{settings.effective_database_url}|{user.id}",
        now=utcnow(),
        limit=settings.search_limit,
        window=settings.search_window,
    )
    if wait is not None:
        log.warning(
            "search by %s refused: more than %d searches", user.username, settings.search_limit
        )
        minutes = max(1, round(wait / 60))
        response = render(
            request,
            "search.html",
            {
                "q": "",
                "result": None,
                "problem": f"搜索过于频繁（每人每 {_minutes(settings.search_window)} 分钟最多 "
                f"{settings.search_limit} 次），请约 {minutes} 分钟后再试",
            },
            status_code=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    result = search(db, user, q)
    if result.by == "reference" and len(result.rows) == 1:
        return RedirectResponse(f"/complaints/{result.rows[0].reference}", status_code=303)
    return render(request, "search.html", {"q": q, "result": result})


def _minutes(window: timedelta) -> int:
    return max(1, round(window.total_seconds() / 60))

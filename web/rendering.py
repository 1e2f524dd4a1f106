"""Jinja2 for the staff pages (``templates/web``): zh-CN, escaped, local times and countdowns."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from config.settings import duration_label, get_settings
from models.db import utcnow
from policy.accountability import ROLES_READING_REGISTER
from policy.enums import Role
from services.ledger import LEDGER_ROLES
from services.step_registry import STEPS
from web.access import INTAKE_ROLES, MAJOR_CASE_ROLES

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "web"

templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.autoescape = True  # every template, whatever its extension
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(get_settings().tz).strftime(fmt)


def input_value(value: datetime | None) -> str:
    """The value of an ``<input type=datetime-local>``."""
    return local(value, "%Y-%m-%dT%H:%M")


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} 天 {hours} 小时"
    if hours:
        return f"{hours} 小时 {minutes} 分"
    return f"{minutes} 分钟"


def countdown(due: datetime | None, now: datetime | None = None) -> str:
    if due is None:
        return ""
    left = (due - (now or utcnow())).total_seconds()
    return f"剩余 {_span(left)}" if left > 0 else f"已超时 {_span(-left)}"


def money(value: Decimal | float | None) -> str:
    return "" if value is None else f"{value:,.2f} 元"


templates.env.filters.update(local=local, input_value=input_value, money=money)
templates.env.globals.update(countdown=countdown, STEP_SPECS=STEPS)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """A page with what every page needs: the signed-in user, their CSRF token, the menu."""
    web_session = getattr(request.state, "web_session", None)
    user = web_session.user if web_session is not None else None
    values: dict[str, Any] = {
        "user": user,
        "csrf_token": web_session.csrf_token if web_session is not None else "",
        "now": utcnow(),
        "may_take_complaints": user is not None and user.role in INTAKE_ROLES,
        "may_see_major_cases": user is not None and user.role in MAJOR_CASE_ROLES,
        # Managers own the alerts on their department and its people (Art. 8).
        "may_dispose_alerts": user is not None and user.role is Role.manager,
        "is_admin": user is not None and user.role is Role.admin,
        "may_read_register": user is not None and user.role in ROLES_READING_REGISTER,
        "may_export_ledger": user is not None and user.role in LEDGER_ROLES,
        "prefect_ui_url": get_settings().prefect_ui_url,
        "record_deadline": duration_label(get_settings().record_deadline),
    }
    values.update(context or {})
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    return response

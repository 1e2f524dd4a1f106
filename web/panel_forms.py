"""The complaint page's panel forms (contacts, channel details, subject and demand, closure):
one way to take a submitted panel. The form's CSRF token is checked, the service acts in one
transaction, and a refusal shows the page again with the panel's errors beside its fields (or
the reason above them) and everything typed kept; nothing is half-saved."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import Response

from config.settings import Settings
from models.complaint import Complaint
from models.people import User
from models.web import WebSession
from services.step_errors import StepError
from web.complaint_pages import complaint_page
from web.deps import DbSession
from web.security import same
from web.validation import FieldError
from web.views import viewable_complaint


@dataclass(frozen=True)
class Panel:
    """``name``: the panel's prefix in ``complaint_page`` (``<name>_errors``, ``<name>_values``);
    ``not_saved``: what a refusal says was not done; ``form_fields``: a service's name of a field
    where the form's differs; ``default_field``: where a service's refusal that names no field is
    shown."""

    name: str
    not_saved: str = "未保存"
    form_fields: Mapping[str, str] = field(default_factory=dict)
    default_field: str | None = None


def take_panel(
    request: Request,
    db: DbSession,
    settings: Settings,
    web_session: WebSession,
    reference: str,
    form: dict[str, str],
    panel: Panel,
    act: Callable[[Complaint, User], None],
) -> Complaint | Response:
    """``act`` on the complaint as the signed-in user and commit; returns the complaint, or the
    page to answer with when the form was refused."""
    user = web_session.user
    complaint = viewable_complaint(db, reference, user)

    def again(status: int, *, errors: dict[str, str] | None = None, problem: str = "") -> Response:
        panel_state = {f"{panel.name}_errors": errors or {}, f"{panel.name}_values": form}
        return complaint_page(
            request, db, settings, user, reference, problem=problem, status=status, **panel_state
        )

    if not same(form.get("csrf_token"), web_session.csrf_token):
        return again(
            403,
            problem=f"表单已过期或来源不明（防跨站请求伪造校验未通过），{panel.not_saved}；"
            "您填写的内容保留在下方，请确认后重新提交",
        )
    try:
        act(complaint, user)
        db.commit()
    except FieldError as error:
        db.rollback()
        return again(422, errors={error.field: error.message})
    except StepError as error:
        db.rollback()
        named = error.field or panel.default_field
        if named and error.status_code == 422:
            return again(422, errors={panel.form_fields.get(named, named): error.message})
        return again(
            error.status_code, problem=f"{error.message}；{panel.not_saved}，您填写的内容保留在下方"
        )
    return complaint

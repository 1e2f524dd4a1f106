"""Who may see what (Art. 5(4) 权限划分, Art. 2(5) 保护客户隐私).

The steps themselves are checked by ``services.steps.ensure_may_act``; this module decides what
the pages and the API show:

- a complaint is visible to leadership, compliance and admin, to its first-inquiry owner and
  handler, and to the staff of the department it is with;
- the complainant's name, phone, email and institution are shown in full only to those who
  handle the case: the owner, the handler, the managers of its department and leadership.
  Everyone else — and every list — sees them masked (138****1234); so does the staff member
  the complaint is about (Art. 4 回避), whatever their role.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, false, or_, true

from models.complaint import Complaint
from models.people import User
from policy.enums import Role

OVERSIGHT_ROLES = frozenset({Role.leadership, Role.compliance, Role.admin})
INTAKE_ROLES = frozenset({Role.staff, Role.manager})
MAJOR_CASE_ROLES = frozenset({Role.leadership, Role.compliance, Role.admin})


class Forbidden(Exception):
    """The signed-in user may not do this; ``message`` says why (HTTP 403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def require_role(user: User, roles: frozenset[Role], action: str) -> None:
    if user.role not in roles:
        allowed = "、".join(role.label for role in Role if role in roles)
        raise Forbidden(f"「{user.role.label}」不能{action}；需要以下角色之一：{allowed}")


def may_view(user: User, complaint: Complaint) -> bool:
    if user.role in OVERSIGHT_ROLES:
        return True
    if user.id in (complaint.first_inquiry_owner_id, complaint.handler_id):
        return True
    return user.department_id is not None and user.department_id == complaint.department_id


def ensure_may_view(user: User, complaint: Complaint) -> None:
    if not may_view(user, complaint):
        raise Forbidden(
            f"投诉 {complaint.reference} 不属于您的部门，您也不是其首问负责人或跟进人员，无权查看"
        )


def may_see_personal_data(user: User, complaint: Complaint) -> bool:
    """Art. 2(5): the people who handle the case see who complained and how to reach them;
    the person complained about does not (Art. 4 回避)."""
    if complaint.subject_user_id is not None and complaint.subject_user_id == user.id:
        return False
    if user.role is Role.leadership:
        return True
    if user.id in (complaint.first_inquiry_owner_id, complaint.handler_id):
        return True
    return user.role is Role.manager and user.department_id == complaint.department_id


def unmasked_complaints(user: User) -> ColumnElement[bool]:
    """The SQL form of ``may_see_personal_data``: a search by phone matches only these, so that
    a masked number cannot be recovered by guessing its hidden digits (Art. 2(5))."""
    not_about_them = or_(Complaint.subject_user_id.is_(None), Complaint.subject_user_id != user.id)
    if user.role is Role.leadership:
        return not_about_them
    conditions = [
        Complaint.first_inquiry_owner_id == user.id,
        Complaint.handler_id == user.id,
    ]
    if user.role is Role.manager and user.department_id is not None:
        conditions.append(Complaint.department_id == user.department_id)
    return and_(or_(*conditions), not_about_them)


def visible_complaints(user: User) -> ColumnElement[bool]:
    """The SQL condition matching the complaints ``user`` may see (for lists and search)."""
    if user.role in OVERSIGHT_ROLES:
        return true()
    conditions = [
        Complaint.first_inquiry_owner_id == user.id,
        Complaint.handler_id == user.id,
    ]
    if user.department_id is not None:
        conditions.append(Complaint.department_id == user.department_id)
    return or_(*conditions) if conditions else false()


def mask_phone(phone: str | None) -> str:
    """138****1234; a landline keeps its area code and last four digits."""
    if not phone:
        return ""
    if len(phone) <= 4:
        return "*" * len(phone)
    keep = 3 if len(phone) >= 10 else 1
    return phone[:keep] + "*" * (len(phone) - keep - 4) + phone[-4:]


def mask_name(name: str | None) -> str:
    """张** — the first character only."""
    if not name:
        return ""
    return name[0] + "*" * min(len(name) - 1, 3) if len(name) > 1 else "*"


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|[48]00-?\d{3}-?\d{4})(?!\d)")


def mask_text(text: str, *, names: Iterable[str] = ()) -> str:
    """Free text (an email's body, an SMTP error) with every email address and phone number
    in it masked, and each of ``names`` (the customers it is about) masked as well."""
    text = _EMAIL_IN_TEXT.sub(lambda found: mask_email(found.group(0)), text)
    text = _PHONE_IN_TEXT.sub(lambda found: mask_phone(found.group(0).replace("-", "")), text)
    for name in sorted({name for name in names if name}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return text

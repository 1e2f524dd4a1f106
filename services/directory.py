"""Departments and staff: seeding the Art. 9 departments and adding users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.people import DepartmentRow, User
from policy.enums import Department, Role
from policy.routing import department_directory
from services.security import hash_password


class DirectoryError(ValueError):
    """A user or department request that cannot be carried out; the message says why."""


def seed_departments(session: Session) -> list[DepartmentRow]:
    """Art. 9: the three receiving departments with their hotlines; idempotent."""
    rows = []
    for info in department_directory():
        row = session.scalar(select(DepartmentRow).where(DepartmentRow.code == info.code))
        if row is None:
            row = DepartmentRow(code=info.code, name=info.name, phone=info.phone)
            session.add(row)
        rows.append(row)
    session.flush()
    return rows


def department_by_code(session: Session, code: Department) -> DepartmentRow:
    row = session.scalar(select(DepartmentRow).where(DepartmentRow.code == code))
    if row is None:
        raise DirectoryError(f"department {code.value} is not set up; run `complaints db upgrade`")
    return row


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    department: Department | None = None,
    superior: str | None = None,
    email: str | None = None,
) -> User:
    """Art. 5(4): a staff account with its role, department and superior (for Art. 7 reports)."""
    if user_by_username(session, username) is not None:
        raise DirectoryError(f"user {username!r} already exists")
    if role in (Role.staff, Role.manager) and department is None:
        raise DirectoryError(f"role {role.value} needs --department")
    superior_row = None
    if superior is not None:
        superior_row = user_by_username(session, superior)
        if superior_row is None:
            raise DirectoryError(f"superior {superior!r} does not exist; add that user first")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        department=department_by_code(session, department) if department else None,
        superior=superior_row,
        email=email,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def department_manager(session: Session, department_id: int) -> User | None:
    """The manager who receives a department's written records (Art. 4(1))."""
    return session.scalar(
        select(User)
        .where(User.department_id == department_id, User.role == Role.manager, User.active)
        .order_by(User.id)
        .limit(1)
    )

"""Datetimes are stored unambiguously on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from models import User
from models.db import safe_url
from tests.models.factories import make_user


def test_aware_datetimes_come_back_in_utc(session: Session) -> None:
    user = make_user(session)
    user.created_at = datetime(2026, 11, 27, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    session.commit()
    session.expire_all()
    assert session.get(User, user.id).created_at == datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused(session: Session) -> None:
    user = make_user(session)
    user.created_at = datetime(2026, 11, 27, 10, 0)
    with pytest.raises(StatementError, match="naive datetime"):
        session.commit()


def test_urls_shown_to_people_hide_the_password() -> None:
    shown = safe_url("postgresql+psycopg://app:s3cret@db.internal:5432/complaints")
    assert "s3cret" not in shown and "db.internal:5432/complaints" in shown


def test_a_failing_statement_does_not_carry_its_values_into_the_error(session: Session) -> None:
    """Art. 2(5): a database error may be logged or become a run's state message; the values
    bound to the statement (a customer's name, phone, email) stay out of it."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from models.people import Contact

    with pytest.raises(IntegrityError) as failed:
        session.execute(
            insert(Contact).values(
                complaint_id=None,
                name="欧阳测试",
                phone="13712345678",
                email="ouyang@private.example",
                id_number=None,
                member_institution=None,
            )
        )
    message = str(failed.value)
    assert "complaint_contacts" in message  # the statement is still named, for whoever debugs it
    for value in ("欧阳测试", "13712345678", "ouyang@private.example"):
        assert value not in message

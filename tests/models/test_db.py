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

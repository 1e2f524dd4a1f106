"""Synthetic complaints on each backend for the Art. 8 monitoring tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from config.settings import Settings, get_settings
from tests.monitoring.synthetic import (
    COMPLAINT_COLUMNS,
    Background,
    Population,
    add_contacts,
    bulk_insert,
    create_population,
)
from tests.support.smtp import SmtpSink

REPORT_DATE = date(2026, 11, 27)  # the window is 2026-10-28 .. 2026-11-26


def background(
    *, per_day: float = 30, report_date: date = REPORT_DATE, surge: float = 1.0
) -> Background:
    """The 210 days before ``report_date`` (baseline + current window), ``surge`` × the volume
    in the last 30 days: the whole exchange busier, no unit singled out."""
    days = 210
    return Background(
        first_day=report_date - timedelta(days=days),
        days=days,
        per_day=per_day,
        volume=lambda day: surge if day >= days - 30 else 1.0,
    )


def load(session: Session, rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Insert complaint rows in bulk and commit; returns them as loaded."""
    rows = [tuple(row) for row in rows]
    bulk_insert(session.connection(), "complaints", COMPLAINT_COLUMNS, rows)
    add_contacts(session.connection())
    session.commit()
    return rows


@pytest.fixture
def population(session: Session) -> Population:
    """12 staff in 3 departments, 20 products, 3,000 customers."""
    people = create_population(
        session.connection(), staff_per_department=4, products=20, customers=3000
    )
    session.commit()
    return people


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mail(smtp_sink: SmtpSink, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> SmtpSink:
    """The settings pointed at the SMTP sink, emptied for this test."""
    smtp_sink.messages.clear()
    monkeypatch.setenv("COMPLAINTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COMPLAINTS_SMTP_PORT", str(smtp_sink.port))
    get_settings.cache_clear()
    return smtp_sink

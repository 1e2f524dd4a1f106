"""The monthly report's month and bands: the run on the first working day of a month reports
the month before; closure times fall in the bands management reads."""

from __future__ import annotations

from datetime import date

import pytest

from policy.monthly_report import (
    closure_band,
    month_of,
    month_to_report,
    previous_month,
    same_month_last_year,
)
from policy.workdays import WorkdayCalendar


def test_closure_times_fall_in_their_bands() -> None:
    assert [closure_band(d) for d in (0.5, 5, 5.1, 15, 29, 60, 61)] == [
        "≤5天",
        "≤5天",
        "≤15天",
        "≤15天",
        "≤30天",
        "≤60天",
        ">60天",
    ]


def test_the_run_on_the_first_working_day_reports_the_month_before_and_other_days_none() -> None:
    calendar = WorkdayCalendar.default()
    # 2026-11-01 is a Sunday: the first working day of November is Monday the 2nd.
    assert month_to_report(date(2026, 11, 1), calendar) is None
    assert month_to_report(date(2026, 11, 2), calendar) == date(2026, 10, 1)
    assert month_to_report(date(2026, 11, 3), calendar) is None
    # 2027-01-01 is New Year's Day: not a working day.
    assert month_to_report(date(2027, 1, 1), calendar) is None


def test_months_and_their_comparisons() -> None:
    assert month_of("2026-11") == date(2026, 11, 1)
    assert previous_month(date(2026, 1, 1)) == date(2025, 12, 1)
    assert same_month_last_year(date(2026, 11, 1)) == date(2025, 11, 1)
    for bad in ("2026-13", "2026/11", "26-11", "x"):
        with pytest.raises(ValueError):
            month_of(bad)

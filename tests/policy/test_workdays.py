"""The working-day calendar for deadlines counted in working days (docs/regulation.md,
"Reply time")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy import workdays
from policy.workdays import (
    CalendarSource,
    DayInfo,
    OverrideFileError,
    WorkdayCalendar,
    load_overrides,
)


@pytest.fixture(scope="module")
def calendar() -> WorkdayCalendar:
    return WorkdayCalendar()


def makeup_workdays_2026() -> list[date]:
    """The 2026 make-up workdays (调休上班) as the official package states them."""
    days = (date(2026, 1, 1) + timedelta(days=i) for i in range(365))
    return [d for d in days if d.weekday() >= 5 and chinese_calendar.is_workday(d)]


def test_calendar_never_raises_for_2030_and_says_estimate(calendar: WorkdayCalendar) -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2030, 1, 2))  # the package stops at 2026
    for offset in range(365):
        day = date(2030, 1, 1) + timedelta(days=offset)
        info = calendar.is_workday(day)
        assert info.source is CalendarSource.estimate
        if day.weekday() >= 5:
            assert not info.workday
    assert calendar.is_workday(date(2030, 1, 1)) == DayInfo(False, CalendarSource.estimate)
    assert calendar.is_workday(date(2030, 10, 1)).workday is False  # National Day, by rule


def test_calendar_never_raises_for_distant_years(calendar: WorkdayCalendar) -> None:
    for day in (date(1990, 5, 1), date(2003, 12, 31), date(2150, 6, 3), date(9999, 12, 31)):
        assert calendar.is_workday(day).source is CalendarSource.estimate


def test_estimate_falls_back_to_plain_weekends_when_the_holidays_package_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError("no data")

    monkeypatch.setattr(workdays.holidays, "China", broken)
    calendar = WorkdayCalendar()
    assert calendar.is_workday(date(2031, 10, 1)) == DayInfo(True, CalendarSource.estimate)
    assert calendar.is_workday(date(2031, 10, 4)) == DayInfo(False, CalendarSource.estimate)


def test_national_day_2026_is_an_official_rest_day(calendar: WorkdayCalendar) -> None:
    for day in range(1, 8):
        assert calendar.is_workday(date(2026, 10, day)) == DayInfo(False, CalendarSource.official)
    assert calendar.is_workday(date(2026, 10, 8)) == DayInfo(True, CalendarSource.official)


def test_makeup_workday_counts_as_workday(calendar: WorkdayCalendar) -> None:
    makeup = makeup_workdays_2026()
    assert date(2026, 10, 10) in makeup  # Saturday after National Day, per chinese_calendar
    for day in makeup:
        assert calendar.is_workday(day) == DayInfo(True, CalendarSource.official)
    # Friday 2026-10-09 + 1 working day is the make-up Saturday, not Monday.
    assert calendar.add_workdays(date(2026, 10, 9), 1).date == date(2026, 10, 10)


def test_override_file_wins_over_package() -> None:
    national_day = date(2026, 10, 1)
    makeup_saturday = date(2026, 10, 10)
    calendar = WorkdayCalendar({national_day: True, makeup_saturday: False})
    assert calendar.is_workday(national_day) == DayInfo(True, CalendarSource.override)
    assert calendar.is_workday(makeup_saturday) == DayInfo(False, CalendarSource.override)
    assert calendar.is_workday(date(2026, 10, 2)).source is CalendarSource.official


def test_override_file_wins_over_package_when_loaded_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(
        "holidays:\n  2026-10-08: 假设的额外休息日\nworkdays:\n  - '2030-01-05'\n",
        encoding="utf-8",
    )
    calendar = WorkdayCalendar.from_yaml(path)
    assert calendar.is_workday(date(2026, 10, 8)) == DayInfo(False, CalendarSource.override)
    assert calendar.is_workday(date(2030, 1, 5)) == DayInfo(True, CalendarSource.override)


def test_complete_year_in_override_file_replaces_the_estimate_for_that_year() -> None:
    # The rule-based estimate rests on Monday 2027-10-04 (an "observed" National Day). Once an
    # operator enters 2027 in full, unlisted weekdays are working days and say "override".
    assert WorkdayCalendar().is_workday(date(2027, 10, 4)) == DayInfo(
        False, CalendarSource.estimate
    )
    calendar = WorkdayCalendar({date(2027, 10, 1): False}, complete_years=[2027])
    assert calendar.is_workday(date(2027, 10, 1)) == DayInfo(False, CalendarSource.override)
    assert calendar.is_workday(date(2027, 10, 4)) == DayInfo(True, CalendarSource.override)
    assert calendar.is_workday(date(2027, 10, 9)) == DayInfo(False, CalendarSource.override)
    assert calendar.is_workday(date(2028, 10, 4)).source is CalendarSource.estimate


def test_shipped_override_file_loads_and_claims_no_unpublished_schedule() -> None:
    overrides, complete_years = load_overrides(workdays.DEFAULT_OVERRIDES_PATH)
    assert all(isinstance(day, date) for day in overrides)
    calendar = WorkdayCalendar.default()
    assert calendar.is_workday(date(2026, 10, 1)).source is CalendarSource.official
    assert 2027 not in complete_years or calendar.is_workday(date(2027, 1, 1)).workday is False


@pytest.mark.parametrize(
    "text",
    [
        "holidays:\n  2027-01-01: 元旦\nworkdays:\n  2027-01-01: 元旦\n",
        "holidays:\n  - 2027-13-01\n",
        "holidays:\n  - '1 Jan 2027'\n",
        "holiday:\n  - 2027-01-01\n",
        "complete_years: 2027\n",
        "- 2027-01-01\n",
    ],
)
def test_malformed_override_file_is_refused_when_loaded(tmp_path: Path, text: str) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises((OverrideFileError, ValueError)):
        load_overrides(path)


def test_datetime_is_refused_because_its_local_day_is_ambiguous(
    calendar: WorkdayCalendar,
) -> None:
    with pytest.raises(TypeError):
        calendar.is_workday(datetime(2026, 10, 8, 12, 0))


def test_add_workdays_counts_from_the_day_after_start(calendar: WorkdayCalendar) -> None:
    friday = date(2026, 3, 6)
    assert calendar.add_workdays(friday, 1).date == date(2026, 3, 9)
    assert calendar.add_workdays(friday, 5).date == date(2026, 3, 13)
    assert calendar.add_workdays(friday, 0) == workdays.WorkdayResult(friday, frozenset())
    assert calendar.add_workdays(date(2026, 3, 9), -1).date == friday


def test_add_workdays_into_an_unpublished_year_reports_both_sources(
    calendar: WorkdayCalendar,
) -> None:
    result = calendar.add_workdays(date(2026, 12, 28), 10)
    assert result.date.year == 2027
    assert result.sources == {CalendarSource.official, CalendarSource.estimate}


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    n=st.integers(min_value=-40, max_value=40),
)
def test_workdays_between_inverts_add_workdays(start: date, n: int) -> None:
    calendar = WorkdayCalendar()
    end = calendar.add_workdays(start, n).date
    assert calendar.workdays_between(start, end) == n
    if n:
        assert calendar.is_workday(end).workday


def test_workdays_between_skips_the_national_day_holiday(calendar: WorkdayCalendar) -> None:
    assert calendar.workdays_between(date(2026, 9, 30), date(2026, 10, 9)) == 2  # 8th and 9th
    assert calendar.workdays_between(date(2026, 10, 9), date(2026, 9, 30)) == -2  # 8th and 30th
    assert calendar.workdays_between(date(2026, 10, 8), date(2026, 10, 8)) == 0

"""Art. 2(4): the customer hears of progress at least every N working days while the complaint
is open; the count is of working days of the mainland calendar, in local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from policy.contacts import ContactMethod, progress_due_on, progress_notice_due
from policy.workdays import WorkdayCalendar

TZ = ZoneInfo("Asia/Shanghai")
# 2030 is past the official tables: weekends only, plus one holiday declared here.
CALENDAR = WorkdayCalendar({date(2030, 1, 9): False}, complete_years=[2030])
TOLD = datetime(2030, 1, 2, 8, 0, tzinfo=UTC)  # Wednesday 16:00 in Shanghai


def test_art2_4_due_after_n_working_days_counted_in_local_dates() -> None:
    # Thu 3, Fri 4, Mon 7, Tue 8, (Wed 9 is a holiday), Thu 10: the fifth working day.
    assert progress_due_on(TOLD, every_workdays=5, tz=TZ, calendar=CALENDAR) == date(2030, 1, 10)


def test_art2_4_not_due_before_the_nth_working_day_and_due_from_its_first_minute() -> None:
    just_before = datetime(2030, 1, 9, 15, 59, tzinfo=UTC)  # Wed 9, 23:59 local
    first_minute = datetime(2030, 1, 9, 16, 0, tzinfo=UTC)  # Thu 10, 00:00 local
    assert not progress_notice_due(TOLD, just_before, every_workdays=5, tz=TZ, calendar=CALENDAR)
    assert progress_notice_due(TOLD, first_minute, every_workdays=5, tz=TZ, calendar=CALENDAR)


def test_art2_4_the_period_is_a_setting() -> None:
    thursday = datetime(2030, 1, 3, 1, 0, tzinfo=UTC)
    assert progress_notice_due(TOLD, thursday, every_workdays=1, tz=TZ, calendar=CALENDAR)
    assert not progress_notice_due(TOLD, thursday, every_workdays=2, tz=TZ, calendar=CALENDAR)


def test_the_contact_methods_are_the_five_the_regulation_names() -> None:
    assert [m.value for m in ContactMethod] == ["phone", "sms", "email", "visit", "letter"]
    assert ContactMethod.sms.label == "短信"

"""The monthly statistics report for management and a regulator's enquiry (Art. 1 规范投诉处理,
Art. 7, Art. 8): which month a run reports on, and how closure times are banded.

The report for a month is made on the first working day of the next month; it compares the
month with the month before and with the same month a year earlier.
"""

from __future__ import annotations

from datetime import date

from policy.workdays import WorkdayCalendar

# Days from receipt to closure, banded as management reads them (the 60-day cap is Art. 2(4)'s
# longest reply time).
CLOSURE_BANDS: tuple[tuple[int | None, str], ...] = (
    (5, "≤5天"),
    (15, "≤15天"),
    (30, "≤30天"),
    (60, "≤60天"),
    (None, ">60天"),
)


def closure_band(days: float) -> str:
    """The band of a closure ``days`` after receipt."""
    for limit, label in CLOSURE_BANDS:
        if limit is None or days <= limit:
            return label
    raise AssertionError("unreachable")


def month_of(value: str) -> date:
    """``YYYY-MM`` as the month's first day; ValueError otherwise."""
    year, _, month = value.strip().partition("-")
    if len(year) != 4 or len(month) != 2:
        raise ValueError(value)
    return date(int(year), int(month), 1)


def previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def next_month(month: date) -> date:
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


def month_is_over(month: date, today: date) -> bool:
    """Art. 8: the month's report goes to leadership and compliance once the month is over. A
    report made by hand during the month holds part of its figures; mailed, it would use up the
    month's one mail before the full report is made."""
    return next_month(month) <= today


def same_month_last_year(month: date) -> date:
    return date(month.year - 1, month.month, 1)


def first_workday_of_month(month: date, calendar: WorkdayCalendar) -> date:
    """The first working day of ``month`` (by the exchange's working-day calendar)."""
    day = month
    while not calendar.is_workday(day).workday:
        day = date.fromordinal(day.toordinal() + 1)
    return day


def month_to_report(today: date, calendar: WorkdayCalendar) -> date | None:
    """The month a scheduled run reports on ``today``: the previous month when today is the
    first working day of this one, else None (the schedule fires on days 1–7 at 09:00)."""
    this_month = today.replace(day=1)
    if today != first_workday_of_month(this_month, calendar):
        return None
    return previous_month(this_month)

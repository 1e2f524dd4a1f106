"""Contact with the customer and progress notices (Art. 2(4) 及时告知处理进展, Art. 4(2)).

Art. 2(4) asks that the customer be kept informed while the complaint is handled; Art. 4(2)
that the handling be documented. Every contact with the customer is recorded (how, reached or
not, what was said), and the customer hears of progress at each milestone and at least every
``every_workdays`` working days while the complaint is open.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from policy.workdays import WorkdayCalendar

# A contact's summary: enough for a phone call's gist, short enough to stay a summary.
MAX_SUMMARY = 2000


class ContactMethod(StrEnum):
    """How the customer was contacted (or an attempt was made)."""

    phone = "phone"
    sms = "sms"
    email = "email"
    visit = "visit"
    letter = "letter"

    @property
    def label(self) -> str:
        return {
            "phone": "电话",
            "sms": "短信",
            "email": "电子邮件",
            "visit": "面谈/走访",
            "letter": "信函",
        }[self.value]


def progress_due_on(
    last_told: datetime,
    *,
    every_workdays: int,
    tz: ZoneInfo,
    calendar: WorkdayCalendar | None = None,
) -> date:
    """Art. 2(4): the local date on which the customer, last told of progress at
    ``last_told``, is due to hear again: ``every_workdays`` working days later."""
    cal = calendar if calendar is not None else WorkdayCalendar.default()
    return cal.add_workdays(last_told.astimezone(tz).date(), every_workdays).date


def progress_notice_due(
    last_told: datetime,
    now: datetime,
    *,
    every_workdays: int,
    tz: ZoneInfo,
    calendar: WorkdayCalendar | None = None,
) -> bool:
    """Art. 2(4): whether a periodic progress notice is due now: ``every_workdays`` working
    days have passed since the customer last heard of the complaint (a notice or a contact in
    which they were reached). Counted in local calendar days: told on a Monday with 5, due on
    the next Monday (a holiday moves it on), not before."""
    return now.astimezone(tz).date() >= progress_due_on(
        last_told, every_workdays=every_workdays, tz=tz, calendar=calendar
    )

"""A later reply time (延期答复) with the superior's approval (Art. 2(4), Art. 7): the limits.

Art. 2(4) asks for a definite reply time (明确的回复时间); Art. 7 that a limit which cannot be
kept be reported to the superior in time (不能按时限完成的，应及时向上级报告). A reply time is
therefore moved only on a request with a reason that the requester's superior approves, and
only within limits counted from the complaint's receipt, as staged in the common rules of
financial-consumer complaint handling:

- by default the reply falls within the default promised reply time (15 working days after
  receipt, ``COMPLAINTS_REPLY_DAYS``);
- a request that marks the case complex (复杂投诉) may ask for up to 30 calendar days after
  receipt (``COMPLAINTS_EXTENSION_MAX_DAYS``);
- never past 60 calendar days after receipt (``COMPLAINTS_REPLY_MAX_DAYS``), whatever the
  settings say.

A day limit ends with the local day it falls on. Every refusal is a Chinese sentence that names
the limit and advises reporting to the superior (Art. 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from policy.deadlines import DEFAULT_TIMEZONE, MAX_REPLY_DAYS, proposed_reply_at
from policy.workdays import WorkdayCalendar

# Art. 7: the staged limits' defaults (the settings may narrow them, never pass the cap).
EXTENSION_MAX_DAYS = 30
# A reason must say why; long enough for a paragraph, short enough to stay one.
MAX_REASON = 1000


class ExtensionStatus(StrEnum):
    """Where a request for a later reply time stands."""

    pending = "pending"
    approved = "approved"
    refused = "refused"
    # The customer heard the result before anyone decided: nothing left to extend.
    lapsed = "lapsed"

    @property
    def label(self) -> str:
        return {
            "pending": "待审批",
            "approved": "已批准",
            "refused": "未批准",
            "lapsed": "已失效（客户已获告知处理结果）",
        }[self.value]


class ExtensionError(ValueError):
    """A requested reply time that cannot be asked for; the message is a Chinese sentence for
    the staff member, ``code`` is for programs."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ExtensionLimit:
    """The latest reply time a request may ask for, and the limit's name in Chinese."""

    latest: datetime
    name: str


def _end_of_day_after(received_at: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The last moment of the local day ``days`` calendar days after the day of receipt."""
    day = received_at.astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone) - timedelta(
        microseconds=1
    )


def extension_limit(
    received_at: datetime,
    *,
    complex_case: bool,
    reply_days: int = 15,
    reply_working_days: bool = True,
    extension_max_days: int = EXTENSION_MAX_DAYS,
    reply_max_days: int = MAX_REPLY_DAYS,
    tz: str = DEFAULT_TIMEZONE,
    calendar: WorkdayCalendar | None = None,
) -> ExtensionLimit:
    """Art. 2(4), Art. 7: the latest reply time an extension may move a complaint to, counted
    from receipt: the default promised reply time, or ``extension_max_days`` calendar days for
    a complex case; never past ``reply_max_days`` calendar days (nor ``MAX_REPLY_DAYS``)."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    zone = ZoneInfo(tz)
    cap_days = min(reply_max_days, MAX_REPLY_DAYS)
    cap = ExtensionLimit(
        _end_of_day_after(received_at, cap_days, zone), f"受理之日起 {cap_days} 天"
    )
    default = proposed_reply_at(
        received_at, days=reply_days, working_days=reply_working_days, calendar=calendar, tz=tz
    )
    unit = " 个工作日" if reply_working_days else " 天"
    tier = ExtensionLimit(default.due, f"受理之日起 {reply_days}{unit}")
    if complex_case:
        complex_limit = _end_of_day_after(received_at, extension_max_days, zone)
        if complex_limit > tier.latest:
            tier = ExtensionLimit(complex_limit, f"复杂投诉受理之日起 {extension_max_days} 天")
    return tier if tier.latest <= cap.latest else cap


def check_extension(
    *,
    received_at: datetime,
    current_reply_at: datetime | None,
    new_reply_at: datetime,
    now: datetime,
    limit: ExtensionLimit,
    tz: str = DEFAULT_TIMEZONE,
) -> None:
    """Art. 2(4), Art. 7: a requested reply time lies ahead, later than the one promised, and
    within ``limit`` (`extension_limit`). Raises `ExtensionError` with a Chinese message."""
    for name, value in (("received_at", received_at), ("new_reply_at", new_reply_at)):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    zone = ZoneInfo(tz)
    asked = new_reply_at.astimezone(UTC)
    if asked <= now.astimezone(UTC):
        raise ExtensionError(
            f"申请的回复时间（{_local(new_reply_at, zone)}）必须晚于现在", code="not_ahead"
        )
    if current_reply_at is not None and asked <= current_reply_at.astimezone(UTC):
        raise ExtensionError(
            f"申请的回复时间（{_local(new_reply_at, zone)}）必须晚于现在承诺的回复时间"
            f"（{_local(current_reply_at, zone)}）",
            code="not_later",
        )
    if asked > limit.latest.astimezone(UTC):
        raise ExtensionError(
            f"申请的回复时间（{_local(new_reply_at, zone)}）超过了{limit.name}的期限"
            f"（{_local(limit.latest, zone)}），不能申请；"
            "确实无法在期限内答复的，请及时向上级报告（第七条）",
            code="beyond_limit",
        )


def _local(value: datetime, zone: ZoneInfo) -> str:
    return f"{value.astimezone(zone):%Y-%m-%d %H:%M}"


__all__ = [
    "EXTENSION_MAX_DAYS",
    "MAX_REASON",
    "ExtensionError",
    "ExtensionLimit",
    "ExtensionStatus",
    "check_extension",
    "extension_limit",
]

"""Time limits of the regulation as pure functions (Art. 2(1), Art. 2(4), Art. 4, Art. 7).

- Art. 4(1)/(2): within 24 hours the written record (文字记录) goes to the department manager —
  clock hours, not working hours: ``written_record_due``.
- Art. 2(4): a complaint not resolved at once gets a definite reply time (明确的回复时间) —
  ``proposed_reply_at`` suggests one, ``validate_promised_reply_at`` checks the one promised.
- Art. 2(1) and Art. 7: warn before a breach (早预防), record a breach when it happens —
  ``warning_time``, ``deadline_state`` and, for a check that may run early or late,
  ``deadline_check_decision``.

All datetimes must be timezone-aware; the reply deadline falls at the end of a local working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from policy.enums import DeadlineStatus
from policy.workdays import CalendarSource, WorkdayCalendar

DEFAULT_TIMEZONE = "Asia/Shanghai"
# Art. 2(4): a promised reply time within 60 days (docs/regulation.md, "Reply time").
MAX_REPLY_DAYS = 60
END_OF_WORKING_DAY = time(18, 0)


@dataclass(frozen=True, slots=True)
class ReplyProposal:
    """A suggested reply deadline (Art. 2(4)) and how it was reached.

    ``source`` holds every calendar source consulted; it contains ``CalendarSource.estimate``
    when the date rests on a rule-based guess, which should be re-checked once the official
    holiday schedule is published. It is empty when no calendar was consulted.
    """

    due: datetime
    source: frozenset[CalendarSource]
    explanation: str


class PromisedReplyError(ValueError):
    """A promised reply time (承诺回复时间, Art. 2(4)) that cannot be accepted.

    The message is a Chinese sentence for the staff member; ``code`` is for programs.
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def written_record_due(received_at: datetime, window: timedelta = timedelta(hours=24)) -> datetime:
    """Art. 4(1), Art. 4(2): the written record is due 24 clock hours after receipt.

    Clock hours, not working hours: a complaint received on Friday evening is due on Saturday
    evening. The hours are elapsed time (computed in UTC), so a zone with daylight saving time
    could not shorten or lengthen them. The result is in ``received_at``'s time zone.
    """
    _require_aware(received_at=received_at)
    if window <= timedelta(0):
        raise ValueError("the written-record window must be positive")
    return _add_elapsed(received_at, window)


def warning_time(issued_at: datetime, due: datetime, fraction: float = 0.75) -> datetime:
    """Art. 2(1) (早预防) and Art. 7: when to warn the responsible person before a breach.

    The warning falls after ``fraction`` of the time from ``issued_at`` to ``due`` has
    elapsed: with the defaults, 18 hours into a 24-hour written-record window.
    """
    _require_aware(issued_at=issued_at, due=due)
    if not 0 < fraction < 1:
        raise ValueError("fraction must be strictly between 0 and 1")
    window = _utc(due) - _utc(issued_at)
    if window <= timedelta(0):
        raise ValueError("due must be after issued_at")
    warn_at = _add_elapsed(issued_at, window * fraction)
    return warn_at.astimezone(due.tzinfo)


def proposed_reply_at(
    received_at: datetime,
    *,
    days: int = 15,
    working_days: bool = True,
    calendar: WorkdayCalendar | None = None,
    tz: str = DEFAULT_TIMEZONE,
    end_of_day: time = END_OF_WORKING_DAY,
) -> ReplyProposal:
    """Art. 2(4): the default reply time proposed when a complaint is not resolved at intake.

    ``days`` after the local day of receipt (counting starts the next day), at ``end_of_day``
    local time. With ``working_days`` the count skips weekends and holidays. With calendar days,
    a deadline whose last day is a rest day moves to the next working day, as periods are counted
    under the Civil Code (民法典 第二百零三条). The staff member may promise another time; see
    ``validate_promised_reply_at``.
    """
    _require_aware(received_at=received_at)
    if days < 1:
        raise ValueError("days must be at least 1")
    if end_of_day.tzinfo is not None:
        raise ValueError("end_of_day is a local wall-clock time; give it without tzinfo")
    zone = ZoneInfo(tz)
    cal = calendar if calendar is not None else WorkdayCalendar.default()
    received_day = received_at.astimezone(zone).date()
    if working_days:
        result = cal.add_workdays(received_day, days)
        due_day, sources = result.date, set(result.sources)
        counting = f"{days} 个工作日"
    else:
        due_day = received_day + timedelta(days=days)
        info = cal.is_workday(due_day)
        sources = {info.source}
        counting = f"{days} 个自然日"
        if not info.workday:
            rolled = cal.add_workdays(due_day, 1)
            due_day = rolled.date
            sources |= rolled.sources
            counting += "，末日为休息日顺延至下一工作日"
    due = datetime.combine(due_day, end_of_day, tzinfo=zone)
    explanation = (
        f"自受理日 {received_day.isoformat()} 次日起算 {counting}，"
        f"建议回复期限 {due:%Y-%m-%d %H:%M}（{tz}）；日历依据：{_describe(sources)}"
    )
    if CalendarSource.estimate in sources:
        explanation += "。其中含估算日期，官方节假日安排公布后请复核"
    return ReplyProposal(due=due, source=frozenset(sources), explanation=explanation)


def validate_promised_reply_at(
    received_at: datetime,
    promised: datetime,
    *,
    max_days: int = MAX_REPLY_DAYS,
    tz: str = DEFAULT_TIMEZONE,
) -> None:
    """Art. 2(4) and Art. 7: check a promised reply time (承诺回复时间).

    It must be after receipt and no later than the end of the local day ``max_days`` calendar
    days after the day of receipt (docs/regulation.md: 30 days for complex cases, extendable with
    approval up to 60). Raises ``PromisedReplyError`` with a Chinese message otherwise.
    """
    _require_aware(received_at=received_at, promised=promised)
    zone = ZoneInfo(tz)
    if _utc(promised) <= _utc(received_at):
        raise PromisedReplyError(
            f"承诺回复时间（{_local(promised, zone)}）必须晚于投诉受理时间"
            f"（{_local(received_at, zone)}），请重新填写。",
            code="promised_not_after_receipt",
        )
    last_day = received_at.astimezone(zone).date() + timedelta(days=max_days)
    limit = datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=zone)
    if _utc(promised) >= _utc(limit):
        raise PromisedReplyError(
            f"承诺回复时间（{_local(promised, zone)}）超过受理后 {max_days} 天的上限"
            f"（{last_day.isoformat()} 当日），请改为不晚于该日的时间；"
            "确需更长时间的，请及时报告上级（第七条）。",
            code="promised_beyond_max",
        )


def deadline_state(due: datetime, now: datetime, done_at: datetime | None) -> DeadlineStatus:
    """Art. 7: whether a time limit is met, breached, or still open (the enum's ``open`` state).

    Met when the step was done at or before ``due``; breached when it was done late, or is not
    done and ``now`` is past ``due``; open otherwise. ``cancelled`` is never returned: cancelling
    a deadline is a decision recorded elsewhere, not something time decides.
    """
    _require_aware(due=due, now=now)
    if done_at is not None:
        _require_aware(done_at=done_at)
        return DeadlineStatus.met if _utc(done_at) <= _utc(due) else DeadlineStatus.breached
    return DeadlineStatus.breached if _utc(now) > _utc(due) else DeadlineStatus.open


class CheckAction(StrEnum):
    """What a deadline check does when it runs (Art. 7)."""

    none = "none"  # nothing to do: met, cancelled, already warned or already breached
    wait = "wait"  # started before its time: check again at ``DeadlineCheckDecision.at``
    warn = "warn"
    breach = "breach"


@dataclass(frozen=True, slots=True)
class DeadlineCheckDecision:
    """``at`` is when to check again (``wait``) or the moment the breach happened (``breach``:
    the due time, however late the check runs); None otherwise."""

    action: CheckAction
    at: datetime | None = None


def deadline_check_decision(
    *,
    purpose: str,
    status: DeadlineStatus,
    due: datetime,
    warn_at: datetime | None,
    warned_at: datetime | None,
    now: datetime,
) -> DeadlineCheckDecision:
    """Art. 2(1) and Art. 7: what a check of one deadline does, whenever it runs.

    A check can start before its time (a worker submits scheduled runs ahead of it), late (no
    worker was up), or more than once. Time decides, not the moment the check was scheduled
    for: before the moment it checks for, it waits; after it, it acts, and a late breach is a
    breach at the due time it missed. ``purpose`` is ``"warn"`` (before the due time: warn the
    responsible person once) or ``"breach"`` (after it: record the breach once). A warning
    due after the deadline has passed is dropped: the breach report speaks then.
    """
    _require_aware(due=due, now=now)
    if status is not DeadlineStatus.open:
        return DeadlineCheckDecision(CheckAction.none)
    if purpose == "warn":
        if warn_at is None or warned_at is not None or _utc(now) >= _utc(due):
            return DeadlineCheckDecision(CheckAction.none)
        _require_aware(warn_at=warn_at)
        if _utc(now) < _utc(warn_at):
            return DeadlineCheckDecision(CheckAction.wait, warn_at)
        return DeadlineCheckDecision(CheckAction.warn)
    if purpose != "breach":
        raise ValueError(f"unknown deadline check purpose {purpose!r}")
    # As in ``deadline_state``: at the due time itself the limit is still kept.
    if deadline_state(due, now, None) is DeadlineStatus.open:
        return DeadlineCheckDecision(CheckAction.wait, due)
    return DeadlineCheckDecision(CheckAction.breach, due)


def _require_aware(**values: datetime) -> None:
    for name, value in values.items():
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


# Python compares, subtracts and adds aware datetimes that share a tzinfo by their wall-clock
# fields, ignoring a DST change between them; going through UTC keeps every duration elapsed time.


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _add_elapsed(start: datetime, duration: timedelta) -> datetime:
    return (_utc(start) + duration).astimezone(start.tzinfo)


def _local(value: datetime, zone: ZoneInfo) -> str:
    return f"{value.astimezone(zone):%Y-%m-%d %H:%M}"


def _describe(sources: set[CalendarSource]) -> str:
    if not sources:
        return "未使用节假日日历"
    return "、".join(source.label for source in CalendarSource if source in sources)


__all__ = [
    "DEFAULT_TIMEZONE",
    "END_OF_WORKING_DAY",
    "CheckAction",
    "DeadlineCheckDecision",
    "PromisedReplyError",
    "ReplyProposal",
    "deadline_check_decision",
    "deadline_state",
    "proposed_reply_at",
    "validate_promised_reply_at",
    "warning_time",
    "written_record_due",
]

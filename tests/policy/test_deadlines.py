"""Time limits: Art. 4(1)/(2) written record, Art. 2(4) reply time, Art. 2(1)/Art. 7 warnings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from policy.deadlines import (
    CheckAction,
    DeadlineCheckDecision,
    PromisedReplyError,
    deadline_check_decision,
    deadline_state,
    proposed_reply_at,
    validate_promised_reply_at,
    warning_time,
    written_record_due,
)
from policy.enums import DeadlineStatus
from policy.workdays import CalendarSource, WorkdayCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# Art. 4(1)/(2): the written record within 24 hours


def test_art4_written_record_due_24_clock_hours_after_receipt_even_over_weekend() -> None:
    friday_evening = at(2026, 3, 6, 17, 30)
    assert written_record_due(friday_evening) == at(2026, 3, 7, 17, 30)  # Saturday


def test_art4_written_record_due_24_clock_hours_even_during_national_day() -> None:
    assert written_record_due(at(2026, 9, 30, 9, 0)) == at(2026, 10, 1, 9, 0)


def test_art4_written_record_window_is_elapsed_hours_across_a_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    before_spring_forward = datetime(2026, 3, 28, 12, 0, tzinfo=berlin)
    due = written_record_due(before_spring_forward)
    assert due.astimezone(UTC) - before_spring_forward.astimezone(UTC) == timedelta(hours=24)
    assert due == datetime(2026, 3, 29, 13, 0, tzinfo=berlin)  # clocks went forward at 02:00
    warn = warning_time(before_spring_forward, due, fraction=0.5)
    assert warn.astimezone(UTC) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_art4_written_record_window_comes_from_settings() -> None:
    received = at(2026, 3, 6, 17, 30)
    assert written_record_due(received, timedelta(seconds=5)) == at(2026, 3, 6, 17, 30, 5)
    with pytest.raises(ValueError):
        written_record_due(received, timedelta(0))


def test_art4_written_record_refuses_a_naive_receipt_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        written_record_due(datetime(2026, 3, 6, 17, 30))


# Art. 2(1) and Art. 7: warn before a breach


def test_art2_warning_comes_before_the_breach_at_three_quarters_of_the_window() -> None:
    received = at(2026, 3, 6, 8, 0)
    due = written_record_due(received)
    assert warning_time(received, due) == at(2026, 3, 7, 2, 0)
    assert warning_time(received, due, fraction=0.5) == at(2026, 3, 6, 20, 0)


def test_art2_warning_time_refuses_nonsense() -> None:
    received, due = at(2026, 3, 6, 8, 0), at(2026, 3, 7, 8, 0)
    for fraction in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError):
            warning_time(received, due, fraction)
    with pytest.raises(ValueError):
        warning_time(due, received)
    with pytest.raises(ValueError):
        warning_time(datetime(2026, 3, 6, 8, 0), due)


# Art. 2(4): a definite reply time when not resolved at intake


def test_reply_proposal_skips_national_day_holiday_2026() -> None:
    proposal = proposed_reply_at(at(2026, 9, 28, 10, 0))
    # 29, 30 Sep; 1–7 Oct rest; 8, 9 Oct; Sat 10 Oct make-up workday; 12–16, 19–23 Oct.
    assert proposal.due == at(2026, 10, 23, 18, 0)
    assert proposal.source == {CalendarSource.official}
    assert "15 个工作日" in proposal.explanation
    assert "2026-10-23 18:00" in proposal.explanation


def test_reply_proposal_counts_from_the_local_day_of_receipt() -> None:
    # 20:00 UTC on Thursday is already Friday 04:00 in Shanghai.
    received = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)
    assert proposed_reply_at(received, days=1).due == at(2026, 3, 9, 18, 0)  # Monday


def test_reply_proposal_end_of_day_is_a_parameter() -> None:
    proposal = proposed_reply_at(at(2026, 3, 6, 9, 0), days=1, end_of_day=time(17, 30))
    assert proposal.due == at(2026, 3, 9, 17, 30)


def test_reply_proposal_in_calendar_days_moves_off_a_rest_day() -> None:
    proposal = proposed_reply_at(at(2026, 9, 16, 10, 0), working_days=False)
    assert proposal.due == at(2026, 10, 8, 18, 0)  # 1 Oct is National Day → next working day
    assert "顺延" in proposal.explanation
    on_a_workday = proposed_reply_at(at(2026, 3, 2, 10, 0), working_days=False)
    assert on_a_workday.due == at(2026, 3, 17, 18, 0)


def test_reply_proposal_into_an_unpublished_year_says_it_is_an_estimate() -> None:
    proposal = proposed_reply_at(at(2026, 12, 20, 10, 0))
    assert proposal.due.year == 2027
    assert CalendarSource.estimate in proposal.source
    assert "复核" in proposal.explanation


def test_reply_proposal_uses_the_calendar_it_is_given() -> None:
    calendar = WorkdayCalendar({at(2026, 3, 9, 0, 0).date(): False})  # Monday made a rest day
    proposal = proposed_reply_at(at(2026, 3, 6, 9, 0), days=1, calendar=calendar)
    assert proposal.due == at(2026, 3, 10, 18, 0)
    assert CalendarSource.override in proposal.source


def test_reply_proposal_refuses_naive_times_and_empty_periods() -> None:
    with pytest.raises(ValueError):
        proposed_reply_at(datetime(2026, 3, 6, 9, 0))
    with pytest.raises(ValueError):
        proposed_reply_at(at(2026, 3, 6, 9, 0), days=0)


def test_promised_reply_time_must_be_after_receipt() -> None:
    received = at(2026, 3, 6, 9, 0)
    for promised in (received, received - timedelta(minutes=1)):
        with pytest.raises(PromisedReplyError, match="必须晚于投诉受理时间") as caught:
            validate_promised_reply_at(received, promised)
        assert caught.value.code == "promised_not_after_receipt"
        assert isinstance(caught.value, ValueError)


def test_promised_reply_time_may_not_exceed_the_60_day_limit() -> None:
    received = at(2026, 3, 6, 9, 0)
    validate_promised_reply_at(received, received + timedelta(minutes=1))
    validate_promised_reply_at(received, at(2026, 5, 5, 23, 59))  # day 60, end of day
    with pytest.raises(PromisedReplyError, match="60 天") as caught:
        validate_promised_reply_at(received, at(2026, 5, 6, 0, 0))
    assert caught.value.code == "promised_beyond_max"
    with pytest.raises(PromisedReplyError):
        validate_promised_reply_at(received, at(2026, 4, 6, 10, 0), max_days=30)


def test_promised_reply_time_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        validate_promised_reply_at(at(2026, 3, 6, 9, 0), datetime(2026, 3, 20, 9, 0))


# Art. 7: met, breached or still open


def test_art7_deadline_met_when_done_by_due_time() -> None:
    due = at(2026, 3, 7, 9, 0)
    assert deadline_state(due, at(2026, 3, 8, 0, 0), at(2026, 3, 7, 8, 0)) is DeadlineStatus.met
    assert deadline_state(due, at(2026, 3, 8, 0, 0), due) is DeadlineStatus.met


def test_art7_deadline_breached_when_done_late_or_not_done_after_due() -> None:
    due = at(2026, 3, 7, 9, 0)
    late = due + timedelta(seconds=1)
    assert deadline_state(due, late, late) is DeadlineStatus.breached
    assert deadline_state(due, late, None) is DeadlineStatus.breached


def test_art7_deadline_open_until_due_passes() -> None:
    due = at(2026, 3, 7, 9, 0)
    assert deadline_state(due, due - timedelta(hours=1), None) is DeadlineStatus.open
    assert deadline_state(due, due, None) is DeadlineStatus.open


def test_art7_deadline_state_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        deadline_state(datetime(2026, 3, 7, 9, 0), at(2026, 3, 7, 9, 0), None)


# Art. 7: a check decides by the clock, whenever it runs (early, on time, late, again)


def _check(purpose: str, now: datetime, **overrides: object) -> DeadlineCheckDecision:
    values: dict[str, object] = {
        "purpose": purpose,
        "status": DeadlineStatus.open,
        "due": at(2026, 3, 7, 9, 0),
        "warn_at": at(2026, 3, 7, 3, 0),
        "warned_at": None,
        "now": now,
    }
    values.update(overrides)
    return deadline_check_decision(**values)  # type: ignore[arg-type]


def test_art7_a_breach_check_that_starts_early_waits_for_the_due_time() -> None:
    due = at(2026, 3, 7, 9, 0)
    assert _check("breach", due - timedelta(seconds=7)) == DeadlineCheckDecision(
        CheckAction.wait, due
    )
    # At the due time itself the limit is still kept (as deadline_state says).
    assert _check("breach", due).action is CheckAction.wait


def test_art7_a_breach_check_on_time_or_late_records_the_breach_at_the_due_time() -> None:
    due = at(2026, 3, 7, 9, 0)
    on_time = _check("breach", due + timedelta(milliseconds=1))
    late = _check("breach", due + timedelta(days=3))
    assert on_time == late == DeadlineCheckDecision(CheckAction.breach, due)


def test_art7_a_repeated_check_of_a_breached_met_or_cancelled_deadline_does_nothing() -> None:
    late = at(2026, 3, 8, 9, 0)
    for status in (DeadlineStatus.breached, DeadlineStatus.met, DeadlineStatus.cancelled):
        assert _check("breach", late, status=status).action is CheckAction.none
        assert _check("warn", late, status=status).action is CheckAction.none


def test_art2_1_a_warning_check_that_starts_early_waits_for_the_warning_time() -> None:
    warn_at = at(2026, 3, 7, 3, 0)
    assert _check("warn", warn_at - timedelta(seconds=9)) == DeadlineCheckDecision(
        CheckAction.wait, warn_at
    )
    assert _check("warn", warn_at).action is CheckAction.warn
    assert _check("warn", warn_at + timedelta(hours=1)).action is CheckAction.warn


def test_art2_1_a_warning_is_given_once_and_never_after_the_due_time() -> None:
    assert _check("warn", at(2026, 3, 7, 4, 0), warned_at=at(2026, 3, 7, 3, 0)).action is (
        CheckAction.none
    )
    assert _check("warn", at(2026, 3, 7, 9, 30)).action is CheckAction.none
    assert _check("warn", at(2026, 3, 7, 4, 0), warn_at=None).action is CheckAction.none


def test_art7_a_check_of_an_unknown_purpose_is_refused() -> None:
    with pytest.raises(ValueError):
        _check("remind", at(2026, 3, 7, 4, 0))

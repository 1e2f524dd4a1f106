"""When a complaint's run is behind its record: its last execution is older than the last
step saved, by more than the stuck-run threshold (the staff app shows it on the page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orchestration.runs import run_is_behind

T = datetime(2026, 12, 4, 10, 0, 0, tzinfo=UTC)
GRACE = timedelta(minutes=2)


def behind(state_type: str, state_at: datetime, last_step_at: datetime | None, now: datetime):  # type: ignore[no-untyped-def]
    return run_is_behind(
        state_type=state_type, state_at=state_at, last_step_at=last_step_at, now=now, grace=GRACE
    )


def test_a_suspended_run_is_behind_once_a_later_step_waits_past_the_threshold() -> None:
    suspended, step = T, T + timedelta(minutes=1)
    assert not behind("PAUSED", suspended, step, step + timedelta(seconds=5))  # being woken
    assert behind("PAUSED", suspended, step, step + GRACE + timedelta(seconds=1))
    # Suspended after the last step (it waits for the next one): not behind, however long.
    assert not behind("PAUSED", step + timedelta(seconds=2), step, T + timedelta(days=3))
    # The log keeps whole seconds: a step of the suspension's second counts as after it.
    assert behind("PAUSED", T.replace(microsecond=700_000), T, T + GRACE * 2)


@pytest.mark.parametrize("state_type", ["SCHEDULED", "PENDING", "CRASHED", "FAILED"])
def test_a_run_no_process_executes_is_behind_past_the_threshold(state_type: str) -> None:
    assert not behind(state_type, T, T - timedelta(hours=1), T + GRACE)
    assert behind(state_type, T, T - timedelta(hours=1), T + GRACE + timedelta(seconds=1))
    # A step saved after it got that state: the threshold counts from the step.
    assert not behind(state_type, T, T + GRACE, T + GRACE * 2)


@pytest.mark.parametrize("state_type", ["RUNNING", "COMPLETED", "CANCELLED", "CANCELLING"])
def test_a_run_executing_or_ended_is_not_behind(state_type: str) -> None:
    assert not behind(state_type, T, T + timedelta(hours=1), T + timedelta(days=1))

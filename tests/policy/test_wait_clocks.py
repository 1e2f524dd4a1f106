"""Art. 7: which limit runs while a complaint waits, and who answers for it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from config.settings import Settings
from policy.enums import DeadlineKind, DeadlineStatus, Stage
from policy.wait_clocks import (
    REOPENED_HANDLING,
    STEP_OF_KIND,
    Responsible,
    clock_for,
    kinds_settled_on_leaving,
    still_awaited,
)

WAITING = [stage for stage in Stage if stage.value.startswith("awaiting_")]


@pytest.mark.parametrize("stage", WAITING, ids=str)
@pytest.mark.parametrize("reply_pending", [True, False])
def test_every_waiting_stage_has_a_clock_whose_length_is_a_setting(
    stage: Stage, reply_pending: bool
) -> None:
    clock = clock_for(stage, reply_pending=reply_pending)
    assert clock is not None
    assert clock.setting is None or clock.setting in Settings.model_fields


def test_every_limit_names_the_step_it_times() -> None:
    assert set(STEP_OF_KIND) == set(DeadlineKind)


def test_handling_runs_against_the_promised_reply_until_the_customer_heard_the_result() -> None:
    assert clock_for(Stage.awaiting_handling, reply_pending=True).kind is DeadlineKind.reply
    assert clock_for(Stage.awaiting_handling, reply_pending=False) == REOPENED_HANDLING
    assert kinds_settled_on_leaving(Stage.awaiting_handling) == {
        DeadlineKind.reopened_handling,
        DeadlineKind.instructed_handling,
    }


def test_the_manager_answers_for_assignment_and_leadership_for_its_review() -> None:
    assert clock_for(Stage.awaiting_assignment, reply_pending=True).responsible is (
        Responsible.department_manager
    )
    assert clock_for(Stage.awaiting_leadership_review, reply_pending=True).responsible is (
        Responsible.leadership
    )
    assert clock_for(Stage.closed, reply_pending=False) is None


def test_a_breached_limit_is_overdue_until_its_step_is_done_then_it_stays_only_on_record() -> None:
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    waiting = Stage.awaiting_assignment
    assert still_awaited(DeadlineKind.assignment, DeadlineStatus.breached, None, waiting)
    assert not still_awaited(DeadlineKind.assignment, DeadlineStatus.breached, moment, waiting)
    assert not still_awaited(DeadlineKind.assignment, DeadlineStatus.met, moment, waiting)
    assert not still_awaited(DeadlineKind.assignment, DeadlineStatus.open, None, Stage.closed)
    # A written record breached before steps noted when they were done: judged by the stage.
    assert not still_awaited(DeadlineKind.written_record, DeadlineStatus.breached, None, waiting)

"""Art. 7: which limit runs while a complaint waits, and who answers for it."""

from __future__ import annotations

import pytest

from config.settings import Settings
from policy.enums import DeadlineKind, Stage
from policy.wait_clocks import (
    REOPENED_HANDLING,
    STEP_OF_KIND,
    Responsible,
    clock_for,
    kinds_settled_on_leaving,
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

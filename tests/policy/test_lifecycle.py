"""The order of the regulation's steps (policy/lifecycle.py), clause by clause."""

from __future__ import annotations

import pytest

from policy.enums import Channel, Stage
from policy.lifecycle import (
    STAGE_OF_STEP,
    Step,
    needs_major_decision,
    parse_pause_key,
    pause_key,
    stage_after_assignment,
    stage_after_confirmation,
    stage_after_feedback,
    stage_after_handling,
    stage_after_instruction,
    stage_after_major_decision,
    stage_after_review,
)


@pytest.mark.parametrize("version", [1, 2])
def test_art4_3_every_regulator_transfer_needs_an_explicit_major_decision(version: int) -> None:
    assert needs_major_decision(
        channel=Channel.regulator_transfer, suggested_major=False, major=None, version=version
    )
    assert needs_major_decision(
        channel=Channel.phone, suggested_major=True, major=None, version=version
    )
    assert not needs_major_decision(
        channel=Channel.phone, suggested_major=False, major=None, version=version
    )


def test_art4_3_what_intake_says_about_major_is_a_proposal_the_decision_is_still_asked() -> None:
    """Version 2: a staff member's 否 at intake does not spare a regulator transfer or a
    suggested major case the decision, and a case proposed as major at intake is decided."""
    assert needs_major_decision(
        channel=Channel.regulator_transfer, suggested_major=False, major=False, version=2
    )
    assert needs_major_decision(channel=Channel.phone, suggested_major=True, major=False, version=2)
    assert needs_major_decision(channel=Channel.phone, suggested_major=False, major=True, version=2)
    assert not needs_major_decision(
        channel=Channel.phone, suggested_major=False, major=False, version=2
    )


def test_version_1_complaints_keep_a_decision_taken_at_intake() -> None:
    """Complaints that started with version 1 finish under its rule (docs/architecture.md)."""
    assert not needs_major_decision(
        channel=Channel.regulator_transfer, suggested_major=True, major=False, version=1
    )


def test_art4_3_a_major_case_waits_for_leadership_instruction_before_handling() -> None:
    assert (
        stage_after_major_decision(handling_recorded=False, major=True, founded=True, version=2)
        is Stage.awaiting_leadership_instruction
    )
    assert (
        stage_after_major_decision(handling_recorded=False, major=False, founded=True, version=2)
        is Stage.awaiting_handling
    )
    assert (
        stage_after_instruction(handling_recorded=False, major=True, founded=True)
        is Stage.awaiting_handling
    )
    # Version 1: a major case went straight to handling.
    assert (
        stage_after_major_decision(handling_recorded=False, major=True, founded=True, version=1)
        is Stage.awaiting_handling
    )


def test_art4_3_major_handling_goes_to_leadership_before_the_customer() -> None:
    assert stage_after_handling(major=True, founded=True) is Stage.awaiting_leadership_review
    assert stage_after_review(approved=False, founded=True) is Stage.awaiting_handling
    assert stage_after_review(approved=True, founded=True) is Stage.awaiting_feedback


def test_art4_2_unfounded_complaint_is_confirmed_by_the_customer_first() -> None:
    assert stage_after_handling(major=False, founded=False) is (
        Stage.awaiting_customer_confirmation
    )
    assert stage_after_confirmation(confirmed=False) is Stage.awaiting_handling
    assert stage_after_confirmation(confirmed=True) is Stage.awaiting_feedback


def test_art2_4_dissatisfied_customer_reopens_handling_satisfied_closes() -> None:
    assert stage_after_feedback(satisfied=False) is Stage.awaiting_handling
    assert stage_after_feedback(satisfied=True) is Stage.closed


def test_art4_2_on_the_spot_resolution_goes_from_assignment_to_feedback() -> None:
    assert (
        stage_after_assignment(
            needs_decision=False, handling_recorded=True, major=False, founded=True
        )
        is Stage.awaiting_feedback
    )


def test_every_step_waits_on_a_stage_of_its_own() -> None:
    assert set(STAGE_OF_STEP) == set(Step)
    assert len(set(STAGE_OF_STEP.values())) == len(Step)


@pytest.mark.parametrize("step", list(Step))
def test_pause_keys_are_valid_prefect_keys_and_read_back(step: Step) -> None:
    key = pause_key(step, 2, 3)
    assert key == key.lower() and "_" not in key
    assert parse_pause_key(key) == (step, 2)


def test_foreign_pause_keys_are_not_ours() -> None:
    assert parse_pause_key("1") is None
    assert parse_pause_key("approval-1-1") is None

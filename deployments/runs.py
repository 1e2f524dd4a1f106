"""Starting and resuming complaint runs through the Prefect API (used by the web app, the
reconciler and `complaints demo`). Only ids, usernames and decisions go to Prefect."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from deployments.names import (
    DEADLINE_DEPLOYMENT,
    LIFECYCLE_DEPLOYMENT,
    idempotency_key,
    lifecycle_run_name,
)


def start_lifecycle_run(
    *, complaint_id: int, reference: str, created_at: datetime, tags: list[str]
) -> UUID:
    """Create the complaint's flow run; the same complaint never gets a second run."""
    from prefect.deployments import run_deployment

    run = run_deployment(
        LIFECYCLE_DEPLOYMENT,
        parameters={"complaint_id": complaint_id},
        flow_run_name=lifecycle_run_name(reference),
        tags=tags,
        idempotency_key=idempotency_key("complaint", complaint_id, created_at),
        timeout=0,
        as_subflow=False,
    )
    return run.id  # type: ignore[no-any-return]


def schedule_deadline_run(
    *,
    deadline_id: int,
    created_at: datetime,
    purpose: str,
    at: datetime,
    name: str,
    again: bool = False,
) -> UUID:
    """A durable timer: a deadline-check run the Prefect server holds until ``at``. ``again``
    is a further run for the same check (one that ran too early handed over to it): its key
    holds ``at``, so each hand-over makes one run."""
    from prefect.deployments import run_deployment

    extra = [purpose, f"{at:%Y%m%d%H%M%S%f}"] if again else [purpose]
    run = run_deployment(
        DEADLINE_DEPLOYMENT,
        parameters={"deadline_id": deadline_id, "purpose": purpose},
        scheduled_time=at,
        flow_run_name=name,
        tags=["deadline", f"purpose:{purpose}"],
        idempotency_key=idempotency_key("deadline", deadline_id, created_at, *extra),
        timeout=0,
        as_subflow=False,
    )
    return run.id  # type: ignore[no-any-return]


def resume_for_step(flow_run_id: str | UUID, decision: dict[str, Any]) -> bool:
    """Wake a suspended run after the app saved a step. False when the run was not suspended
    (it is running and will read the database itself; reconciliation covers the rest)."""
    from prefect.exceptions import NotPausedError
    from prefect.flow_runs import resume_flow_run

    try:
        resume_flow_run(UUID(str(flow_run_id)), run_input=decision)
    except NotPausedError:
        return False
    return True


# The complaint log's events that record a step someone took (what a run must catch up with).
STEP_EVENTS = frozenset(
    {
        "received",
        "written_record_submitted",
        "transferred",
        "handler_assigned",
        "major_decided",
        "handling_recorded",
        "leadership_reviewed",
        "customer_confirmation",
        "customer_feedback",
        "step_via_prefect_ui",
    }
)
_EXECUTING_OR_DONE = frozenset({"RUNNING", "COMPLETED", "CANCELLED", "CANCELLING"})


def run_is_behind(
    *,
    state_type: str,
    state_at: datetime,
    last_step_at: datetime | None,
    now: datetime,
    grace: timedelta,
) -> bool:
    """Whether a complaint's run has fallen behind its record: its last execution is older
    than the last step saved, by more than ``grace``. A run executing now, or ended, is not.
    A suspended run executed last when it suspended (``state_at``); any other (scheduled,
    pending, crashed) has not executed since it got that state, nor will without a worker."""
    if state_type in _EXECUTING_OR_DONE:
        return False
    if state_type == "PAUSED":
        # The log keeps whole seconds: a step of the suspension's second counts as after it.
        after_suspension = last_step_at is not None and last_step_at >= state_at.replace(
            microsecond=0
        )
        return after_suspension and now - last_step_at > grace  # type: ignore[operator]
    return now - max(state_at, last_step_at or state_at) > grace


def run_state(flow_run_id: str | UUID) -> tuple[str, datetime] | None:
    """The run's state type and since when, or None when it has none."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(UUID(str(flow_run_id))).state
    if state is None or state.timestamp is None:
        return None
    return state.type.value, state.timestamp

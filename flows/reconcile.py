"""No complaint lost (DESIGN): every few minutes, and on `complaints reconcile`, make the
process match the app database. Idempotent: running it twice changes nothing more."""

from __future__ import annotations

from prefect import flow

from tasks.reconcile import (
    requeue_crashed_runs,
    resume_runs_with_recorded_steps,
    schedule_missing_deadline_checks,
    start_missing_runs,
)


@flow(name="reconcile")
def reconcile() -> dict[str, int]:
    return {
        "started": start_missing_runs(),
        "requeued": requeue_crashed_runs(),
        "resumed": resume_runs_with_recorded_steps(),
        "deadlines_scheduled": schedule_missing_deadline_checks(),
    }

"""No complaint lost (docs/architecture.md): every few minutes, and on `complaints reconcile`,
make the process match the app database. Idempotent: running it twice changes nothing more."""

from __future__ import annotations

from datetime import datetime

from prefect import flow
from prefect.runtime import flow_run

from config.settings import get_settings
from flows.deadline_sweep import handle_due_checks
from flows.notices import send_queued
from orchestration.names import RECONCILE_FLOW, timed_run_name
from tasks.deadlines import due_deadline_checks, publish_upcoming_deadlines
from tasks.mail import send_notification
from tasks.reconcile import (
    cancel_checks_of_settled_deadlines,
    publish_failed_notifications,
    publish_ops_summary,
    queue_progress_notices,
    requeue_crashed_runs,
    resume_runs_with_recorded_steps,
    start_missing_runs,
    unsent_notifications,
)


def _run_name() -> str:
    """Named by its local time (`reconcile-2026-12-04T09:05`), so the runs list reads as a log."""

    scheduled = flow_run.scheduled_start_time
    moment = scheduled if isinstance(scheduled, datetime) else datetime.now().astimezone()
    return timed_run_name(RECONCILE_FLOW, moment, get_settings().tz)


@flow(name="reconcile", flow_run_name=_run_name)
def reconcile() -> dict[str, int]:
    summary = {
        "started": start_missing_runs(),
        "requeued": requeue_crashed_runs(),
        "resumed": resume_runs_with_recorded_steps(),
    }
    # Art. 7: what the deadline sweep does, in case its runs stopped (once: the checks decide).
    summary["breaches_recorded"] = handle_due_checks(due_deadline_checks())["breached"]
    summary["checks_cancelled"] = cancel_checks_of_settled_deadlines()
    # Art. 2(4): the customer hears of progress at least every N working days.
    progress = [send_queued(notification_id) for notification_id in queue_progress_notices()]
    summary["progress_notices_sent"] = progress.count("sent")
    # A notification stuck pending, or marked for re-sending, goes out (once: the
    # outbox row's status decides); those that failed for good are listed for ops.
    pending = unsent_notifications()
    summary["notifications_sent"] = sum(send_notification(id_) == "sent" for id_ in pending)
    summary["notifications_failed"] = publish_failed_notifications()
    summary["overdue"] = publish_ops_summary()
    summary["upcoming_deadlines"] = publish_upcoming_deadlines()
    return summary

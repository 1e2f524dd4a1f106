"""Reconciliation steps, each idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from sqlalchemy import select

from config.settings import get_settings
from models.complaint import Complaint
from models.db import session_scope, utcnow
from models.operations import Deadline, Notification
from orchestration.names import idempotency_key, warning_run_name
from orchestration.runs import (
    cancel_scheduled_runs,
    pause_keys,
    requeue_runs,
    resume_for_step,
    start_lifecycle_run,
)
from policy.enums import DeadlineStatus, NotificationStatus, Stage
from policy.lifecycle import parse_pause_key
from services.contacts import queue_periodic_progress
from services.ops_summary import ops_summary, ops_summary_markdown
from services.outbox import NotificationKind, failed_notifications
from services.progress import case_facts, closure_outcome, run_tags, step_outcome
from services.step_registry import resume_inputs
from tasks._caching import fresh_read_options

OPEN_STAGES = [stage for stage in Stage if stage is not Stage.archived]
# A run can archive its complaint and die before it tells Prefect (its process killed at that
# moment); the zombie guard then marks it Crashed within minutes. Runs of complaints archived
# this recently are looked after too, so such a run is re-queued and ends Completed (its
# re-execution finds every step done); a week covers a reconciliation that was down for days.
ARCHIVED_RUNS_WATCHED = timedelta(days=7)


@task(name="start-missing-runs", **fresh_read_options())
def start_missing_runs() -> int:
    """Complaints saved while the Prefect API was down get their run (once: idempotency key)."""

    started = 0
    with session_scope() as session:
        waiting = session.scalars(
            select(Complaint).where(
                Complaint.flow_run_id.is_(None), Complaint.stage.in_(OPEN_STAGES)
            )
        ).all()
        for complaint in waiting:
            complaint.flow_run_id = str(
                start_lifecycle_run(
                    complaint_id=complaint.id,
                    reference=complaint.reference,
                    created_at=complaint.created_at,
                    tags=run_tags(case_facts(session, complaint.id)),
                )
            )
            started += 1
    return started


@task(name="requeue-crashed-runs", **fresh_read_options())
def requeue_crashed_runs(now: datetime | None = None) -> int:
    """Runs whose process or worker died are scheduled again; persisted task results are reused.

    Crashed and Failed runs of open complaints and of those archived within
    ``ARCHIVED_RUNS_WATCHED``, and any run of the system's flows left Pending or
    Submitting (its worker died while starting it) or still Scheduled longer than
    ``stuck_run_after`` past its start time. A re-queued run is Scheduled for now, so the next
    reconciliation leaves it alone unless it gets stuck again. Ops find what was re-queued in
    the ``requeued-runs`` artifact and in the run's state message."""

    now = now or utcnow()
    with session_scope() as session:
        run_ids = [
            UUID(run_id)
            for run_id in session.scalars(
                select(Complaint.flow_run_id).where(
                    Complaint.flow_run_id.is_not(None),
                    Complaint.stage.in_(OPEN_STAGES)
                    | (Complaint.archived_at >= now - ARCHIVED_RUNS_WATCHED),
                )
            )
            if run_id
        ]
    requeued = requeue_runs(run_ids, now=now, stuck_after=get_settings().stuck_run_after)
    for row in requeued:
        get_run_logger().info("re-queued flow run %s (%s)", row["flow_run"], row["was"])
    if requeued:
        create_table_artifact(
            key="requeued-runs",
            table=requeued,
            description=f"对账重新排队了 {len(requeued)} 个中断的流程运行（进程或 worker 已终止）",
        )
    return len(requeued)


@task(name="resume-runs-with-recorded-steps", **fresh_read_options())
def resume_runs_with_recorded_steps() -> int:
    """A step saved while its run was not yet suspended would wait forever: wake such runs.

    The run re-reads the database when it wakes, so the input given here is only the marker
    the resume form requires (the acting user is the system)."""

    resumed = 0
    with session_scope() as session:
        by_run = {
            UUID(run_id): complaint_id
            for complaint_id, run_id in session.execute(
                select(Complaint.id, Complaint.flow_run_id).where(
                    Complaint.flow_run_id.is_not(None), Complaint.stage.in_(OPEN_STAGES)
                )
            )
            if run_id
        }
    if not by_run:
        return 0
    for run_id, pause_key in pause_keys(list(by_run)).items():
        parsed = parse_pause_key(pause_key)
        if parsed is None:
            continue
        step, number = parsed
        complaint_id = by_run[run_id]
        with session_scope() as session:
            outcome = step_outcome(session, complaint_id=complaint_id, step=step, number=number)
            # Version 3: a complaint closed while its run waits wakes it at any step, with
            # the acting user alone (the run reads the closure itself).
            closed = outcome is None and closure_outcome(session, complaint_id) is not None
        if outcome is None and not closed:
            continue
        decisions = (
            resume_inputs(step, outcome, operator="system")
            if outcome is not None
            else [{"operator": "system"}]
        )
        try:
            if resume_for_step(run_id, *decisions):
                resumed += 1
        except RuntimeError as refused:
            get_run_logger().warning("could not resume %s: %s", run_id, refused)
    return resumed


# A row younger than this may still be on its way out of its own flow run.
RESEND_AFTER_SECONDS = 120


@task(name="unsent-notifications", **fresh_read_options())
def unsent_notifications() -> list[int]:
    """Pending outbox rows old enough to be stuck, and rows an operator marked for re-sending."""

    cutoff = utcnow() - timedelta(seconds=RESEND_AFTER_SECONDS)
    with session_scope() as session:
        return list(
            session.scalars(
                select(Notification.id)
                .where(
                    Notification.status == NotificationStatus.pending,
                    Notification.created_at < cutoff,
                )
                .order_by(Notification.id)
            )
        )


@task(name="publish-failed-notifications", **fresh_read_options())
def publish_failed_notifications() -> int:
    """A table artifact of notifications that failed for good, for ops in the Prefect UI, in
    Chinese (ids, kinds and attempts only: the server's reply may quote an address); a sentence
    when none failed."""

    zone = get_settings().tz
    with session_scope() as session:
        rows = [
            {
                "通知编号": row.id,
                "通知类型": NotificationKind(row.kind).label,
                "投诉编号": session.get_one(Complaint, row.complaint_id).reference
                if row.complaint_id
                else "（非单件投诉）",
                "尝试次数": row.attempts,
                "生成时间": f"{row.created_at.astimezone(zone):%Y-%m-%d %H:%M}",
            }
            for row in failed_notifications(session)
        ]
    if not rows:
        create_markdown_artifact(
            key="failed-notifications",
            markdown="没有发送失败的通知。",
            description="发送失败的通知：无",
        )
        return 0
    create_table_artifact(
        key="failed-notifications",
        table=rows,
        description=f"{len(rows)} 封通知发送失败，可在员工系统的发件箱页面重新发送",
    )
    return len(rows)


@task(name="cancel-checks-of-settled-deadlines", **fresh_read_options())
def cancel_checks_of_settled_deadlines() -> int:
    """Deadline-check runs scheduled before the deadline sweep replaced them: those of a
    deadline met (or cancelled) before its time are cancelled, so that they drain away."""

    with session_scope() as session:
        settled = session.execute(
            select(Deadline, Complaint.reference)
            .join(Complaint, Complaint.id == Deadline.complaint_id)
            .where(
                Deadline.status.in_([DeadlineStatus.met, DeadlineStatus.cancelled]),
                Deadline.check_flow_run_id.is_not(None),
                Deadline.due_at > utcnow(),
            )
        ).all()
        run_ids = [UUID(str(deadline.check_flow_run_id)) for deadline, _ in settled]
        warning_names = [
            warning_run_name(reference, deadline.kind.value, deadline.sequence)
            for deadline, reference in settled
        ]
        # A name could repeat across app databases; the idempotency key cannot.
        warning_keys = {
            idempotency_key("deadline", deadline.id, deadline.created_at, "warn")
            for deadline, _ in settled
        }
    if not run_ids:
        return 0
    return cancel_scheduled_runs(
        run_ids,
        also_named=warning_names,
        with_keys=warning_keys,
        message="期限已在到期前完成或取消，无需检查",
    )


@task(name="queue-progress-notices", **fresh_read_options())
def queue_progress_notices() -> list[int]:
    """Art. 2(4) at least every N working days: a progress notice (or, for a customer without
    email, a contact-due item) for each open complaint whose customer has heard nothing for
    ``COMPLAINTS_PROGRESS_EVERY_WORKDAYS`` working days; once per day it fell due (outbox key).
    Returns the ids of the notices to send (ids only: nothing personal reaches Prefect)."""
    with session_scope() as session:
        return queue_periodic_progress(session)


OPS_SUMMARY_KEY = "ops-summary"


@task(name="publish-ops-summary", **fresh_read_options())
def publish_ops_summary() -> int:
    """The ops summary artifact (open complaints per step and department, overdue waits,
    failed notices), new at every reconciliation; returns the number of overdue waits."""
    zone = get_settings().tz
    now = utcnow()
    with session_scope() as session:
        summary = ops_summary(session, now=now)
    create_markdown_artifact(
        key=OPS_SUMMARY_KEY,
        markdown=ops_summary_markdown(summary, tz=zone, now=now),
        description=f"在办 {summary.open_complaints} 件，超时 {len(summary.overdue)} 项",
    )
    return len(summary.overdue)

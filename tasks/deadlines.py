"""Art. 7 deadlines as durable timers: one scheduled deadline-check run per warning and due
time, and the check itself."""

from __future__ import annotations

from prefect import task

from models.db import session_scope, utcnow
from tasks.caching import fresh_read_options


@task(name="schedule-deadline-checks", **fresh_read_options())
def schedule_deadline_checks(complaint_id: int) -> int:
    """Schedule the checks of every open deadline that has none yet; idempotent (the runs'
    idempotency keys and the stored run id). Returns how many deadlines were scheduled."""
    from deployments.runs import schedule_deadline_run
    from models.complaint import Complaint
    from models.deadlines import open_deadlines_without_checks

    scheduled = 0
    with session_scope() as session:
        reference = session.get_one(Complaint, complaint_id).reference
        for deadline in open_deadlines_without_checks(session, complaint_id):
            name = f"deadline-{reference}-{deadline.kind.value}-{deadline.sequence}"
            if deadline.warn_at is not None and deadline.warn_at > utcnow():
                schedule_deadline_run(
                    deadline_id=deadline.id,
                    created_at=deadline.created_at,
                    purpose="warn",
                    at=deadline.warn_at,
                    name=f"{name}-warn",
                )
            run_id = schedule_deadline_run(
                deadline_id=deadline.id,
                created_at=deadline.created_at,
                purpose="breach",
                at=deadline.due_at,
                name=name,
            )
            deadline.check_flow_run_id = str(run_id)
            scheduled += 1
    return scheduled


@task(name="check-deadline", **fresh_read_options())
def check_deadline(deadline_id: int, purpose: str) -> dict[str, object]:
    """Warn before, or record the breach at, the due time; returns what was done."""
    from dataclasses import asdict

    from models.deadlines import check_deadline as evaluate

    with session_scope() as session:
        result = evaluate(session, deadline_id=deadline_id, purpose=purpose, now=utcnow())
    return asdict(result)

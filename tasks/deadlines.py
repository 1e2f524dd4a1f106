"""Art. 7 deadlines as durable timers: one scheduled deadline-check run per warning and due
time, and the check itself.

The notices (``services.notices``: the outbox, the templates, the handling form) are imported
when a check warns or reports, not with this module, which every lifecycle and deadline-check
run imports: they cost 0.2–0.4 s (``python -X importtime`` after the flows' own imports,
on a shared 2-core machine). So is ``services.deadlines`` (the working-day calendars, ~0.12 s),
which a resumed run with no deadline to schedule does not need."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from prefect import task
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run

from config.settings import get_settings
from models.complaint import Complaint
from models.db import session_scope, utcnow
from models.operations import Deadline
from orchestration.names import deadline_run_name, warning_run_name
from orchestration.runs import schedule_deadline_run
from tasks._caching import fresh_read_options

if TYPE_CHECKING:
    pass

# The notice each outcome of a check queues: the written record has notices of its own.
_NOTICES = {
    ("warned", True): "record_warning",
    ("breached", True): "record_breach",
    ("warned", False): "deadline_warning",
    ("breached", False): "deadline_breach",
}

# A check at its exact due time still finds the limit kept: look again just after it.
_PAST_THE_MOMENT_SECONDS = 0.05


@task(name="schedule-deadline-checks", **fresh_read_options())
def schedule_deadline_checks(complaint_id: int) -> int:
    """Schedule the checks of every open deadline that has none yet; idempotent (the runs'
    idempotency keys and the stored run id). Returns how many deadlines were scheduled."""
    from services.deadlines import open_deadlines_without_checks

    scheduled = 0
    with session_scope() as session:
        reference = session.get_one(Complaint, complaint_id).reference
        for deadline in open_deadlines_without_checks(session, complaint_id):
            name = deadline_run_name(reference, deadline.kind.value, deadline.sequence)
            if deadline.warn_at is not None and deadline.warn_at > utcnow():
                schedule_deadline_run(
                    deadline_id=deadline.id,
                    created_at=deadline.created_at,
                    purpose="warn",
                    at=deadline.warn_at,
                    name=warning_run_name(reference, deadline.kind.value, deadline.sequence),
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
    """Warn before, or record the breach after, the due time, and queue the notice in the same
    transaction (the outbox sends it; reconciliation re-sends one left pending by a crash).

    Returns the action (none, waiting, warned, breached), what the check found, the queued
    notice's id, for a check that ran before its time how many seconds to wait and until when,
    and what ops read about it in the Prefect UI: the reference, the deadline, its due time and
    the responsible person's username (no customer data)."""
    from services.deadlines import check_deadline as evaluate

    now = utcnow()
    notification_id: int | None = None
    with session_scope() as session:
        result = evaluate(session, deadline_id=deadline_id, purpose=purpose, now=now)
        deadline = session.get_one(Deadline, deadline_id)
        about = {
            "reference": session.get_one(Complaint, result.complaint_id).reference,
            "deadline": deadline.kind.label,
            "due_at": f"{deadline.due_at.astimezone(get_settings().tz):%Y-%m-%d %H:%M}",
            "responsible": deadline.responsible_user.username,
        }
        if result.action in ("warned", "breached"):
            from services.notices import prepare_notification

            notice = prepare_notification(
                session,
                complaint_id=result.complaint_id,
                kind=_NOTICES[(result.action, result.kind == "written_record")],
                settings=get_settings(),
                deadline_id=result.deadline_id,
            )
            notification_id = notice.id if notice is not None else None
    wait = None
    if result.check_again_at is not None:
        wait = (result.check_again_at - now).total_seconds() + _PAST_THE_MOMENT_SECONDS
    return {
        "action": result.action,
        "found": _found(result.action, result.status, deadline.warned_at is not None),
        **about,
        "notification_id": notification_id,
        "check_again_at": result.check_again_at.isoformat() if result.check_again_at else None,
        "wait_seconds": wait,
    }


@task(name="reschedule-deadline-check", **fresh_read_options())
def reschedule_deadline_check(deadline_id: int, purpose: str, at: str) -> str:
    """A check that ran long before its time hands over to a new scheduled run at ``at``
    (idempotent: the new run's key holds that time)."""

    moment = datetime.fromisoformat(at)
    with session_scope() as session:
        deadline = session.get_one(Deadline, deadline_id)
        reference = session.get_one(Complaint, deadline.complaint_id).reference
        name = deadline_run_name(reference, deadline.kind.value, deadline.sequence)
        run_id = schedule_deadline_run(
            deadline_id=deadline.id,
            created_at=deadline.created_at,
            purpose=purpose,
            at=moment,
            name=name
            if purpose == "breach"
            else warning_run_name(reference, deadline.kind.value, deadline.sequence),
            again=True,
        )
        if purpose == "breach":
            deadline.check_flow_run_id = str(run_id)
    return str(run_id)


@task(name="tag-deadline-check", **fresh_read_options())
def tag_deadline_check(outcome: str) -> None:
    """Ops filter deadline checks by what they found: ``outcome:<outcome>``."""

    with get_client(sync_client=True) as client:
        current = client.read_flow_run(flow_run.get_id())  # type: ignore[arg-type]
        keep = [tag for tag in current.tags if not tag.startswith("outcome:")]
        client.update_flow_run(current.id, tags=sorted({*keep, f"outcome:{outcome}"}))


def _found(action: str, status: str, warned: bool) -> str:
    """What a check found, for ops: its action, or why it had nothing to do."""
    if action != "none":
        return action
    if status == "open":  # a warning check: given already, or the due time has passed
        return "already_warned" if warned else "past_due"
    return {"breached": "already_breached"}.get(status, status)

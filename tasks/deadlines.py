"""Art. 7 deadlines: what the deadline sweep finds due, the check of one deadline, the
upcoming limits for ops, and the overdue tag on a complaint's run.

The notices (``services.notices``: the outbox, the templates, the handling form) are imported
when a check warns or reports, not with this module, which every lifecycle and deadline-check
run imports: they cost 0.2–0.4 s (``python -X importtime`` after the flows' own imports,
on a shared 2-core machine). So is ``services.deadlines`` (the working-day calendars, ~0.12 s),
which a lifecycle run does not need."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.artifacts import Artifact, create_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run

from config.settings import get_settings
from models.complaint import Complaint
from models.db import session_scope, utcnow
from models.operations import Deadline
from orchestration.names import OVERDUE_TAG, deadline_run_name, warning_run_name
from orchestration.runs import add_flow_run_tags, schedule_deadline_run
from policy.wait_clocks import STEP_OF_KIND
from tasks._caching import fresh_read_options

# The notice each outcome of a check queues: the written record has notices of its own.
_NOTICES = {
    ("warned", True): "record_warning",
    ("breached", True): "record_breach",
    ("warned", False): "deadline_warning",
    ("breached", False): "deadline_breach",
}

# A check at its exact due time still finds the limit kept: look again just after it.
_PAST_THE_MOMENT_SECONDS = 0.05


@task(name="check-deadline", **fresh_read_options())
def check_deadline(deadline_id: int, purpose: str) -> dict[str, object]:
    """Warn before, or record the breach after, the due time, and queue the notice in the same
    transaction (the outbox sends it; reconciliation re-sends one left pending by a crash).

    Returns the action (none, waiting, warned, breached), what the check found, the queued
    notice's id, the complaint's flow run id (the sweep tags it at a breach), for a check that
    ran before its time how many seconds to wait and until when, and what ops read about it in
    the Prefect UI: the reference, the deadline, its due time and the responsible person's
    username (no customer data)."""
    from services.deadlines import check_deadline as evaluate

    now = utcnow()
    notification_id: int | None = None
    with session_scope() as session:
        result = evaluate(session, deadline_id=deadline_id, purpose=purpose, now=now)
        deadline = session.get_one(Deadline, deadline_id)
        complaint = session.get_one(Complaint, result.complaint_id)
        about = {
            "reference": complaint.reference,
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
        "complaint_run": complaint.flow_run_id,
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


@task(name="due-deadline-checks", **fresh_read_options())
def due_deadline_checks() -> list[tuple[int, str]]:
    """The checks a sweep owes now: (deadline id, "warn" or "breach"), ids only."""
    from services.deadlines import due_deadline_checks as due

    with session_scope() as session:
        return [(check.deadline_id, check.purpose) for check in due(session, now=utcnow())]


@task(name="tag-run-overdue", **fresh_read_options())
def tag_run_overdue(flow_run_id: str) -> bool:
    """Ops filter the complaints with a breached limit by the tag ``overdue`` on their run."""
    return add_flow_run_tags(flow_run_id, [OVERDUE_TAG])


UPCOMING_KEY = "upcoming-deadlines"
UPCOMING_SHOWN = 50


@task(name="publish-upcoming-deadlines", **fresh_read_options())
def publish_upcoming_deadlines() -> int:
    """The ``upcoming-deadlines`` artifact: the next open limits with the complaint's
    reference, the step awaited, the due time and the responsible person's username (no
    customer data); a new version only when the list changed. Returns how many are listed."""
    from services.deadlines import upcoming_deadlines

    zone = get_settings().tz
    with session_scope() as session:
        upcoming = upcoming_deadlines(session, now=utcnow(), limit=UPCOMING_SHOWN)
    lines = [
        "| 投诉编号 | 期限 | 等待的步骤 | 到期时间 | 责任人 |",
        "|---|---|---|---|---|",
        *(
            f"| {row.reference} | {row.kind.label} | {STEP_OF_KIND[row.kind].label} "
            f"| {row.due_at.astimezone(zone):%Y-%m-%d %H:%M} | {row.responsible} |"
            for row in upcoming
        ),
    ]
    markdown = "\n".join(lines) if upcoming else "没有未到期的时限。"
    latest = Artifact.get(UPCOMING_KEY)
    if latest is None or latest.data != markdown:
        create_markdown_artifact(
            key=UPCOMING_KEY,
            markdown=markdown,
            description=f"即将到期的时限（最近 {len(upcoming)} 项，不含客户信息）",
        )
    return len(upcoming)

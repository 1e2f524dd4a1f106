"""Art. 7 and Art. 2(1) at every limit's warning and due time: one sweep, every minute.

The `deadline-sweep` deployment runs on an interval (``COMPLAINTS_DEADLINE_SWEEP_SECONDS``,
default 60 s). Each run reads from the app database every open limit whose warning time or due
time has passed and that was not yet warned or breached, and checks each through the same
service as before (`services.deadlines.check_deadline`): the responsible person is warned
before the due time; past it, the breach is recorded at the due time (not at detection),
against the responsible person, and reported to their superior; the notice is queued in the
same transaction and sent at once. The database holds the limits, so a sweep after downtime
catches up; the checks' conditional UPDATE makes two sweeps at once, or a sweep after a crash,
record each warning and breach once. A recorded breach tags the complaint's run ``overdue``.

Ops read a sweep in the Prefect UI by its name (`deadline-sweep-2026-12-05T09:05`) and its final
state ("已预警 2，已超时 1" / "无到期"), with no customer data. The next limits are listed in the
artifact ``upcoming-deadlines``, which reconciliation keeps current.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import Completed, State

from config.settings import get_settings
from flows.notices import send_queued
from orchestration.names import SWEEP_FLOW, timed_run_name
from tasks.deadlines import (
    check_deadline,
    due_deadline_checks,
    tag_deadline_check,
    tag_run_overdue,
)


def _run_name() -> str:
    scheduled = flow_run.scheduled_start_time
    moment = scheduled if isinstance(scheduled, datetime) else datetime.now().astimezone()
    return timed_run_name(SWEEP_FLOW, moment, get_settings().tz)


def handle_due_checks(due: Iterable[tuple[int, str]]) -> dict[str, int]:
    """Check each due (deadline id, purpose), send the notice a check queued, and tag the
    complaint's run overdue at a breach. Returns how many were warned and breached."""
    done = {"warned": 0, "breached": 0}
    for deadline_id, purpose in due:
        outcome = check_deadline(deadline_id, purpose)
        action = str(outcome["action"])
        notification_id = outcome["notification_id"]
        send_queued(int(str(notification_id)) if notification_id is not None else None)
        if action in done:
            done[action] += 1
        if action == "breached" and outcome["complaint_run"]:
            tag_run_overdue(str(outcome["complaint_run"]))
    return done


@flow(name=SWEEP_FLOW, flow_run_name=_run_name, persist_result=False)
def deadline_sweep() -> State[dict[str, int]]:
    """One task run when nothing is due: a sweep runs 1,440 times a day, and each task run
    adds three events to the Prefect database (bench/README.md)."""
    done = handle_due_checks(due_deadline_checks())
    if not any(done.values()):
        return Completed(name="无到期", message="无到期的预警或超时", data=done)
    # Ops filter the sweeps that recorded something by ``outcome:breached`` / ``outcome:warned``.
    tag_deadline_check("breached" if done["breached"] else "warned")
    name = f"已预警 {done['warned']}，已超时 {done['breached']}"
    return Completed(name=name, message=name, data=done)

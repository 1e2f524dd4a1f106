"""Art. 7 at a deadline's time: one run per warning and per due time, scheduled in advance.

The run is the durable timer (the Prefect server holds it; a worker that was down runs it
late). It looks at the app database: a step done in time means nothing happens; otherwise the
responsible person is warned before the due time and, at the breach, the superior is told and
the breach recorded against the responsible person.

The clock decides, not the moment the run starts: a worker submits scheduled runs ahead of
their time (10 s by default) and an operator may start one by hand, so a check that finds
itself early waits for its moment, or hands over to a new scheduled run when that is far off.
A late check records the breach at the due time it missed. Reconciliation records any breach
whose check never ran.

Ops read the outcome in the Prefect UI: the final state's name and message say what the check
found (no customer data), and the tag ``outcome:<outcome>`` filters the runs.
"""

from __future__ import annotations

from collections.abc import Mapping

from prefect import flow
from prefect.states import Completed, State

from flows.notices import send_queued
from models import clock
from tasks.deadlines import check_deadline, reschedule_deadline_check, tag_deadline_check

# Longer than a worker's prefetch; past this a waiting process would be held for nothing.
LONGEST_WAIT_IN_RUN_SECONDS = 300.0


@flow(name="deadline-check", persist_result=True)
def deadline_check(deadline_id: int, purpose: str = "breach") -> State[str]:
    outcome = check_deadline(deadline_id, purpose)
    while outcome["action"] == "waiting":
        wait = float(str(outcome["wait_seconds"]))
        if wait > LONGEST_WAIT_IN_RUN_SECONDS:
            reschedule_deadline_check(deadline_id, purpose, str(outcome["check_again_at"]))
            return _finished(outcome, "rescheduled", "rescheduled")
        clock.sleep(wait)
        outcome = check_deadline(deadline_id, purpose)
    notification_id = outcome["notification_id"]
    send_queued(int(str(notification_id)) if notification_id is not None else None)
    return _finished(outcome, str(outcome["found"]), str(outcome["action"]))


# What a check found, as ops read it: (state name, what it means).
_FOUND = {
    "warned": ("已预警", "即将到期，已提醒责任人"),
    "breached": ("已超时", "已超时，已记录在责任人名下并报告其上级"),
    "rescheduled": ("已改期", "检查提前开始，已改在到期时再查"),
    "met": ("按时完成", "已按时完成，无需处理"),
    "cancelled": ("已取消", "期限已取消，无需处理"),
    "already_breached": ("此前已超时", "超时此前已记录，不再重复报告"),
    "already_warned": ("此前已预警", "此前已提醒，不再重复提醒"),
    "past_due": ("不再预警", "已到期，由超时检查报告"),
}


def _finished(outcome: Mapping[str, object], found: str, action: str) -> State[str]:
    """The run's final state: named by what the check found, with a message for ops; its
    result is the action taken (none, warned, breached, rescheduled)."""
    name, meaning = _FOUND[found]
    tag_deadline_check(found)
    message = (
        f"{outcome['reference']} {outcome['deadline']}（{outcome['due_at']} 到期，"
        f"责任人 {outcome['responsible']}）：{meaning}"
    )
    return Completed(name=name, message=message, data=action)

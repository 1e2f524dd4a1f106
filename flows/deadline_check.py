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
"""

from __future__ import annotations

import time

from prefect import flow

from tasks.deadlines import check_deadline, reschedule_deadline_check
from tasks.notify import send_queued

# Longer than a worker's prefetch; past this a waiting process would be held for nothing.
LONGEST_WAIT_IN_RUN_SECONDS = 300.0


@flow(name="deadline-check", persist_result=True)
def deadline_check(deadline_id: int, purpose: str = "breach") -> str:
    outcome = check_deadline(deadline_id, purpose)
    while outcome["action"] == "waiting":
        wait = float(str(outcome["wait_seconds"]))
        if wait > LONGEST_WAIT_IN_RUN_SECONDS:
            reschedule_deadline_check(deadline_id, purpose, str(outcome["check_again_at"]))
            return "rescheduled"
        time.sleep(max(wait, 0.0))
        outcome = check_deadline(deadline_id, purpose)
    notification_id = outcome["notification_id"]
    send_queued(int(str(notification_id)) if notification_id is not None else None)
    return str(outcome["action"])

"""Art. 7 at a deadline's time: one run per warning and per due time, scheduled in advance.

The run is the durable timer (the Prefect server holds it; a worker that was down runs it
late). It looks at the app database: a step done in time means nothing happens; otherwise the
responsible person is warned before the due time and, at the breach, the superior is told and
the breach recorded against the responsible person.
"""

from __future__ import annotations

from prefect import flow

from tasks.deadlines import check_deadline
from tasks.notify import notify_deadline


@flow(name="deadline-check", persist_result=True)
def deadline_check(deadline_id: int, purpose: str = "breach") -> str:
    outcome = check_deadline(deadline_id, purpose)
    if outcome["action"] != "none":
        notify_deadline(
            int(str(outcome["complaint_id"])),
            deadline_id,
            str(outcome["kind"]),
            str(outcome["action"]),
        )
    return str(outcome["action"])

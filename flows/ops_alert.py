"""Run by the failure automation: a failed or crashed run is reported to the admins by email."""

from __future__ import annotations

from prefect import flow

from tasks.mail import send_notification
from tasks.ops import queue_run_failure_alert


@flow(name="ops-alert")
def ops_alert(flow_run_id: str, state: str) -> str:
    # The automation passes the event's resource id, "prefect.flow-run.<uuid>".
    run_id = flow_run_id.removeprefix("prefect.flow-run.")
    notification_id = queue_run_failure_alert(run_id, state.removeprefix("prefect.flow-run."))
    if notification_id is None:
        return "no-recipient"
    return str(send_notification(notification_id))

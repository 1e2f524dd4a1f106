"""Telling operators about a failed or crashed flow run (Art. 1: nothing waits unseen)."""

from __future__ import annotations

from uuid import UUID

from prefect import task
from prefect.client.orchestration import get_client

from config.settings import get_settings
from models.db import session_scope
from services.outbox import NotificationKind, addressees_for, enqueue_notification, report_key
from tasks._caching import fresh_read_options


@task(name="queue-run-failure-alert", **fresh_read_options())
def queue_run_failure_alert(flow_run_id: str, state: str) -> int | None:
    """One alert per run and state to every admin; the message names the run, never a customer."""

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run_id))
    with session_scope() as session:
        addressees = addressees_for(session, NotificationKind.run_failure)
        if not addressees.emails:
            return None
        row = enqueue_notification(
            session,
            key=report_key("run_failure", f"{flow_run_id}-{state}"),
            kind="run_failure",
            recipients=addressees.emails,
            context={
                "addressee": addressees.name,
                "flow_run_name": run.name,
                "flow_run_id": flow_run_id,
                "state": state,
                "ui_url": f"{get_settings().prefect_ui_url}/runs/flow-run/{flow_run_id}",
            },
        )
        return row.id

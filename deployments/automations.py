"""Automations on the Prefect server: the zombie guard and the failure alert.

The open-source server marks no run Crashed when its process and worker die together; flow
heartbeats (PREFECT_FLOWS_HEARTBEAT_FREQUENCY, set by `complaints up`) let this automation do it.
A suspended run sends no heartbeats, so Suspended and Paused count as an expected end.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from prefect.automations import Automation
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState, RunDeployment
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification

ZOMBIE_GUARD = "complaints: mark zombie runs crashed"
FAILURE_ALERT = "complaints: alert on failed or crashed runs"

_QUIET_ENDS = {
    "prefect.flow-run.heartbeat",
    "prefect.flow-run.Completed",
    "prefect.flow-run.Failed",
    "prefect.flow-run.Cancelled",
    "prefect.flow-run.Crashed",
    "prefect.flow-run.Suspended",
    "prefect.flow-run.Paused",
}


def zombie_guard(heartbeat_seconds: int):  # type: ignore[no-untyped-def]

    return Automation(
        name=ZOMBIE_GUARD,
        description="A run that stops sending heartbeats for three intervals is marked Crashed; "
        "reconciliation then re-queues it.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect=_QUIET_ENDS,
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=3 * heartbeat_seconds),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"No heartbeat for {3 * heartbeat_seconds} s: marked crashed.",
            )
        ],
    )


def failure_alert(ops_alert_deployment_id: UUID):  # type: ignore[no-untyped-def]

    return Automation(
        name=FAILURE_ALERT,
        description="Admins are emailed when a complaint's run fails or crashes.",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[
            RunDeployment(
                source="selected",
                deployment_id=ops_alert_deployment_id,
                parameters={"flow_run_id": "{{ event.resource.id }}", "state": "{{ event.event }}"},
            )
        ],
    )


def apply_automations(*, ops_alert_deployment_id: UUID, heartbeat_seconds: int = 30) -> list[str]:
    """Create or replace both automations (by name); idempotent."""

    applied = []
    for automation in (zombie_guard(heartbeat_seconds), failure_alert(ops_alert_deployment_id)):
        try:
            existing = Automation.read(name=automation.name)
        except ValueError:
            existing = None
        if existing is not None:
            existing.delete()
        automation.create()
        applied.append(automation.name)
    return applied

"""The deployments on the process work pool: lifecycle, the deadline sweep (and the deadline
checks complaints opened before it still have scheduled), reconciliation, concentration
monitoring, Prefect housekeeping, the end of the retention period, the monthly report."""

from __future__ import annotations

import contextlib
import io
import shlex
import sys
from pathlib import Path

from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
from prefect.exceptions import ObjectAlreadyExists
from prefect.schedules import Cron, Interval

from config.settings import get_settings
from deployments.automations import apply_automations
from orchestration.names import (
    DEADLINE_FLOW,
    HOUSEKEEPING_FLOW,
    LIFECYCLE_FLOW,
    MONITOR_FLOW,
    OPS_ALERT_FLOW,
    RECONCILE_FLOW,
    REPORT_FLOW,
    RETENTION_FLOW,
    SWEEP_FLOW,
    WORK_POOL,
    WORK_POOL_DESCRIPTION,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENTRYPOINTS = {
    LIFECYCLE_FLOW: "flows/complaint_lifecycle.py:complaint_lifecycle",
    DEADLINE_FLOW: "flows/deadline_check.py:deadline_check",
    SWEEP_FLOW: "flows/deadline_sweep.py:deadline_sweep",
    RECONCILE_FLOW: "flows/reconcile.py:reconcile",
    MONITOR_FLOW: "flows/concentration_monitor.py:concentration_monitor",
    OPS_ALERT_FLOW: "flows/ops_alert.py:ops_alert",
    RETENTION_FLOW: "flows/retention.py:personal_data_retention",
    REPORT_FLOW: "flows/monthly_report.py:monthly_report",
    HOUSEKEEPING_FLOW: "flows/housekeeping.py:prefect_housekeeping",
}


def launch_command() -> str:
    """What the worker runs for each execution: the launcher, which hands it to the warm flow
    starter when one serves the machine (``deployments.flow_starter``), else starts Prefect's
    engine itself. Set per deployment, it also spares the worker's default: a supervisor process
    that imports Prefect only to start a second process that imports it again."""

    return shlex.join([sys.executable, "-m", "deployments.flow_launch"])


def ensure_work_pool() -> None:
    """The process work pool, described for ops (an existing pool gets the description too)."""

    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(
                WorkPoolCreate(name=WORK_POOL, type="process", description=WORK_POOL_DESCRIPTION)
            )
        except ObjectAlreadyExists:
            client.update_work_pool(WORK_POOL, WorkPoolUpdate(description=WORK_POOL_DESCRIPTION))


def register_deployments(
    reconcile_every_seconds: int = 300, heartbeat_seconds: int = 30
) -> list[str]:
    """Create or update the deployments; safe to run on every start."""

    settings = get_settings()
    # Art. 8: daily in local time. Registering (every start) turns the schedule back on if it
    # was paused in the UI: the monitoring must not stay off by accident. A duplicate run that
    # a re-registration may cause (Prefect issue 18894) reports nothing twice.
    schedules = {
        MONITOR_FLOW: Cron(settings.monitor_cron, timezone=settings.timezone, slug="daily"),
        SWEEP_FLOW: Interval(settings.deadline_sweep_seconds, slug="sweep"),
        HOUSEKEEPING_FLOW: Cron(
            settings.housekeeping_cron, timezone=settings.timezone, slug="daily"
        ),
        # Art. 2(5): daily; what is inside the retention period is never touched, so a late
        # or repeated run does no harm.
        RETENTION_FLOW: Cron(settings.retention_cron, timezone=settings.timezone, slug="daily"),
        # The first working day of the month is found by the run (days 1-7 at 09:00).
        REPORT_FLOW: Cron("0 9 1-7 * *", timezone=settings.timezone, slug="monthly"),
    }
    ensure_work_pool()
    names = []
    deployment_ids = {}
    for name, entrypoint in ENTRYPOINTS.items():
        flow = Flow.from_source(source=str(PROJECT_ROOT), entrypoint=entrypoint)
        # deploy() prints a table per deployment; `complaints up` prints its own summary.
        with contextlib.redirect_stdout(io.StringIO()):
            deployment_ids[name] = flow.deploy(  # type: ignore[union-attr]
                name=name,
                work_pool_name=WORK_POOL,
                job_variables={"command": launch_command()},
                interval=reconcile_every_seconds if name == RECONCILE_FLOW else None,
                schedule=schedules.get(name),
                build=False,
                push=False,
                print_next_steps=False,
                ignore_warnings=True,
            )
        names.append(f"{name}/{name}")
    apply_automations(
        ops_alert_deployment_id=deployment_ids[OPS_ALERT_FLOW],
        heartbeat_seconds=heartbeat_seconds,
    )
    return names

"""Prefect's database stays small: daily, the `prefect-housekeeping` deployment removes from
the Prefect server what the system no longer needs there (the app database keeps the record):

- the runs of complaints archived more than ``COMPLAINTS_PREFECT_RETENTION_DAYS`` ago (default
  90; never a complaint that is not archived: the app database says, read only), with their
  task runs, logs and artifacts;
- finished runs of the system's scheduled flows (reconciliation, the deadline checks, the
  concentration monitoring, the ops alerts, housekeeping itself) older than that, and the
  deadline sweep's runs (one a minute) older than ``COMPLAINTS_PREFECT_SWEEP_RETENTION_DAYS``;
  the latest version of each artifact key stays.

Events are removed by the Prefect server itself after ``PREFECT_SERVER_EVENTS_RETENTION_PERIOD``,
which `complaints up` sets from the same retention. Nothing is written to the app database.
"""

from __future__ import annotations

from datetime import datetime

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import Completed, State

from config.settings import get_settings
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
    timed_run_name,
)
from tasks.housekeeping import (
    finished_runs_older_than,
    remove_runs,
    runs_of_complaints_archived_long_ago,
)

# The system's own flows, whose finished runs go after the retention.
SYSTEM_FLOWS = [
    DEADLINE_FLOW,
    RECONCILE_FLOW,
    MONITOR_FLOW,
    OPS_ALERT_FLOW,
    HOUSEKEEPING_FLOW,
    RETENTION_FLOW,
    REPORT_FLOW,
]


def _run_name() -> str:
    scheduled = flow_run.scheduled_start_time
    moment = scheduled if isinstance(scheduled, datetime) else datetime.now().astimezone()
    return timed_run_name(HOUSEKEEPING_FLOW, moment, get_settings().tz)


@flow(name=HOUSEKEEPING_FLOW, flow_run_name=_run_name, persist_result=False)
def prefect_housekeeping() -> State[dict[str, int]]:
    settings = get_settings()
    days = settings.prefect_retention_days
    finished = finished_runs_older_than([LIFECYCLE_FLOW], days)
    removed = {
        "complaints": remove_runs(runs_of_complaints_archived_long_ago(finished, days), False),
        "system": remove_runs(finished_runs_older_than(SYSTEM_FLOWS, days), True),
        "sweeps": remove_runs(
            finished_runs_older_than([SWEEP_FLOW], settings.prefect_sweep_retention_days), True
        ),
    }
    message = (
        f"已清理归档超过 {days} 天的投诉运行 {removed['complaints']} 个、"
        f"系统运行 {removed['system']} 个、时限巡检运行 {removed['sweeps']} 个"
    )
    return Completed(
        name="已清理" if any(removed.values()) else "无需清理", message=message, data=removed
    )

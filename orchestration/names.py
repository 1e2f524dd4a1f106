"""Names the web app, the reconciler and the flows agree on (no flow code imported here)."""

import os
import socket
from datetime import datetime, tzinfo

LIFECYCLE_FLOW = "complaint-lifecycle"
DEADLINE_FLOW = "deadline-check"
SWEEP_FLOW = "deadline-sweep"
HOUSEKEEPING_FLOW = "prefect-housekeeping"
RECONCILE_FLOW = "reconcile"
MONITOR_FLOW = "concentration-monitor"
OPS_ALERT_FLOW = "ops-alert"
RETENTION_FLOW = "personal-data-retention"
REPORT_FLOW = "monthly-report"

LIFECYCLE_DEPLOYMENT = f"{LIFECYCLE_FLOW}/{LIFECYCLE_FLOW}"
DEADLINE_DEPLOYMENT = f"{DEADLINE_FLOW}/{DEADLINE_FLOW}"

WORK_POOL = "complaints"


def lifecycle_run_name(reference: str) -> str:
    return f"complaint-{reference}"


def deadline_run_name(reference: str, kind: str, sequence: int) -> str:
    """The name of a deadline's check run (its breach check; the id is stored on the row)."""
    return f"deadline-{reference}-{kind}-{sequence}"


def warning_run_name(reference: str, kind: str, sequence: int) -> str:
    """The name of a deadline's warning check."""
    return f"{deadline_run_name(reference, kind, sequence)}-warn"


def timed_run_name(flow: str, moment: datetime, zone: tzinfo) -> str:
    """A run of a scheduled deployment named by its local time (`reconcile-2026-12-04T09:05`),
    so that the runs list reads as a log."""
    return f"{flow}-{moment.astimezone(zone):%Y-%m-%dT%H:%M}"


# Ops filter the complaint runs with a breached limit (Art. 7) by this tag.
OVERDUE_TAG = "overdue"


def idempotency_key(kind: str, row_id: int, created_at: datetime, *extra: str) -> str:
    """Unique per database row: the id alone would collide if an app database were ever
    recreated against the same Prefect server (and does between test databases)."""
    return "-".join([kind, str(row_id), f"{created_at:%Y%m%d%H%M%S%f}", *extra])


# Flow processes a worker runs at once, per core. An execution forked from the flow starter
# spends about half its time waiting for the Prefect server and the databases: with 2 per core
# a burst kept the cores 75% busy, with 4 per core 92%, and finished 20% sooner (measured).
WORKER_PROCESSES_PER_CORE = 4
WORKER_LIMIT_MAX = 32


def worker_limit(cores: int | None) -> int:
    """How many flow processes the worker on a machine with ``cores`` runs at once."""
    return min(WORKER_PROCESSES_PER_CORE * max(cores or 1, 1), WORKER_LIMIT_MAX)


def worker_name(host: str) -> str:
    return f"complaints-worker-{host}"


WORK_POOL_DESCRIPTION = (
    "投诉处理流程的进程工作池：每件投诉一个流程运行（complaint-<编号>），"
    "以及时限检查、对账与集中度监测。Complaint runs, deadline checks, reconciliation and "
    "concentration monitoring run here."
)


def worker_command(prefect_executable: str) -> list[str]:
    """The process worker `complaints up` starts; scale out by running it on more machines.
    Named after its host, so ops tell the machines' workers apart in the Prefect UI."""

    return [
        prefect_executable,
        "worker",
        "start",
        "--name",
        worker_name(socket.gethostname()),
        "--pool",
        WORK_POOL,
        "--type",
        "process",
        "--limit",
        str(worker_limit(os.cpu_count())),
    ]

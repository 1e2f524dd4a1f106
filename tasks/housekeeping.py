"""Prefect housekeeping's steps: which finished runs are older than the retention, which of
the complaints' runs the app database lets go (read only), and removing runs from Prefect."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from prefect import task
from sqlalchemy.orm import sessionmaker

from models.db import get_engine, utcnow
from orchestration.runs import delete_runs, finished_runs
from services.housekeeping import runs_of_complaints_archived_before
from tasks._caching import fresh_read_options


@task(name="finished-runs-older-than", **fresh_read_options())
def finished_runs_older_than(flow_names: list[str], days: int) -> list[str]:
    """Runs of these flows that finished more than ``days`` ago (ids)."""
    ended_before = utcnow() - timedelta(days=days)
    return [str(run_id) for run_id in finished_runs(flow_names, ended_before=ended_before)]


@task(name="runs-of-complaints-archived-long-ago", **fresh_read_options())
def runs_of_complaints_archived_long_ago(run_ids: list[str], days: int) -> list[str]:
    """Those of ``run_ids`` whose complaint was archived more than ``days`` ago, as the app
    database says; read in a transaction that is rolled back, never committed."""
    if not run_ids:
        return []
    factory = sessionmaker(bind=get_engine())
    with factory() as session:
        return runs_of_complaints_archived_before(
            session, run_ids, before=utcnow() - timedelta(days=days)
        )


@task(name="remove-runs", **fresh_read_options())
def remove_runs(run_ids: list[str], keep_latest_artifacts: bool) -> int:
    """Remove these runs, their task runs, logs and artifacts from the Prefect server."""
    return delete_runs(
        [UUID(run_id) for run_id in run_ids], keep_latest_artifacts=keep_latest_artifacts
    )

"""Art. 8 concentration monitoring as Prefect tasks: count, store, publish, email.

The statistics are ``policy.concentration`` (pure); the queries are ``models.monitoring``. These
tasks are the job's I/O steps, each safe to repeat: counting only reads, storing writes each
unit's alert once per window, the artifacts are keyed, and the email goes through the outbox
under one key per window (so a re-run, or a duplicate scheduled run, sends nothing twice).

Privacy (Art. 2(5)): task inputs and results, artifacts and logs carry unit keys, counts and
staff or product names; a customer appears only as ``客户#<id>``.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from config.settings import get_settings
from models.db import session_scope, utcnow
from policy.concentration import (
    AlertRecord,
    Assessment,
)
from services.alert_followups import escalate_overdue, open_follow_ups
from services.monitoring import (
    StoredAlert,
    UnitCounts,
    count_units,
    report_markdown,
    report_table,
    store_window_alerts,
    thresholds_for,
    windows_for,
)
from services.notices import prepare_concentration_report
from tasks._caching import fresh_read_options

REPORT_ARTIFACT_KEY = "concentration-report"
SUMMARY_ARTIFACT_KEY = "concentration-summary"


# Tasks --------------------------------------------------------------------------------------


@task(name="count-complaints-by-unit", **fresh_read_options())
def count_complaints_by_unit(report_date: date) -> list[UnitCounts]:
    """Art. 8: each unit's complaints in the current, previous and baseline windows (read)."""
    settings = get_settings()
    with session_scope(settings.effective_database_url) as session:
        return count_units(
            session,
            windows=windows_for(report_date, settings),
            min_count=settings.monitor_min_count,
            readers=settings.monitor_readers,
        )


@task(name="store-concentration-alerts", **fresh_read_options())
def store_concentration_alerts(report_date: date, alerts: list[AlertRecord]) -> list[StoredAlert]:
    """Art. 8: store each flagged unit once for the window; the window's alerts as stored."""
    settings = get_settings()
    windows = windows_for(report_date, settings)
    with session_scope(settings.effective_database_url) as session:
        return store_window_alerts(
            session,
            windows,
            alerts,
            follow_up=partial(
                open_follow_ups,
                session,
                windows=windows,
                disposition_days=settings.monitor_disposition_days,
            ),
        )


@task(name="escalate-overdue-alerts", **fresh_read_options())
def escalate_overdue_alerts() -> list[int]:
    """Art. 8: each alert left without a disposition past its due date goes to leadership,
    once (a notice in the outbox); the ids of the notices queued by this run. Overdue by the
    clock, not by the run's report date: a run for a later date given by hand escalates
    nothing early."""
    settings = get_settings()
    now = utcnow()
    with session_scope(settings.effective_database_url) as session:
        return escalate_overdue(session, today=now.astimezone(settings.tz).date(), now=now)


@task(name="publish-concentration-report", **fresh_read_options())
def publish_concentration_report(
    report_date: date, assessment: Assessment, alerts: list[StoredAlert]
) -> None:
    """Art. 8: the table artifact ``concentration-report`` and a markdown summary in the UI."""
    settings = get_settings()
    windows = windows_for(report_date, settings)
    thresholds = thresholds_for(settings)
    description = f"第八条投诉集中监控 {windows.window_start}至{windows.window_end}"
    rows = report_table(alerts)
    if rows:
        create_table_artifact(key=REPORT_ARTIFACT_KEY, table=rows, description=description)
    else:  # an empty table reads as a fault; a sentence says there was nothing to flag
        create_markdown_artifact(
            key=REPORT_ARTIFACT_KEY,
            markdown="本期没有需要重点监控的集中投诉（第八条）。",
            description=description,
        )
    create_markdown_artifact(
        key=SUMMARY_ARTIFACT_KEY,
        markdown=report_markdown(windows, assessment, alerts, thresholds),
        description=description,
    )


@task(name="queue-concentration-report", **fresh_read_options())
def queue_concentration_report(window_end: date) -> int | None:
    """Art. 8: the report email to compliance and leadership in the outbox, once per window;
    its id, or None when there is nothing to report or no one to send it to."""
    settings = get_settings()
    with session_scope(settings.effective_database_url) as session:
        row = prepare_concentration_report(session, window_end=window_end, settings=settings)
        return row.id if row is not None else None

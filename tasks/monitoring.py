"""Art. 8 concentration monitoring as Prefect tasks: count, store, publish, email.

The statistics are ``policy.concentration`` (pure); the queries are ``models.monitoring``. These
tasks are the job's I/O steps, each safe to repeat: counting only reads, storing writes each
unit's alert once per window, the artifacts are keyed, and the email goes through the outbox
under one key per window (so a re-run, or a duplicate scheduled run, sends nothing twice).

Privacy (Art. 2(5)): task inputs and results, artifacts and logs carry unit keys, counts and
staff or product names; a customer appears only as ``客户#<id>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from complaints.settings import get_settings
from models.db import session_scope
from models.monitoring import (
    MonitorWindows,
    UnitCounts,
    UnitKind,
    count_units,
    store_alerts,
    thresholds_for,
    unit_label,
    windows_for,
)
from models.notices import prepare_concentration_report
from policy.concentration import (
    AlertRecord,
    Assessment,
    Severity,
    Thresholds,
    Trend,
)
from tasks.caching import fresh_read_options

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


@dataclass(frozen=True)
class StoredAlert:
    """An alert as stored (and as every re-run for the same day returns it)."""

    id: int
    unit_kind: str
    unit_key: str
    unit_label: str
    window_start: date
    window_end: date
    count: int
    expected: float
    p_value: float
    severity: str
    trend: str | None
    explanation: str


@task(name="store-concentration-alerts", **fresh_read_options())
def store_concentration_alerts(report_date: date, alerts: list[AlertRecord]) -> list[StoredAlert]:
    """Art. 8: store each flagged unit once for the window; the window's alerts as stored."""
    settings = get_settings()
    with session_scope(settings.effective_database_url) as session:
        rows = store_alerts(session, windows=windows_for(report_date, settings), alerts=alerts)
        return [
            StoredAlert(
                id=row.id,
                unit_kind=row.unit_kind,
                unit_key=row.unit_key,
                unit_label=unit_label(session, row.unit_kind, row.unit_key),
                window_start=row.window_start,
                window_end=row.window_end,
                count=row.count,
                expected=row.expected,
                p_value=row.p_value,
                severity=row.severity,
                trend=row.trend,
                explanation=row.explanation,
            )
            for row in rows
        ]


def _label(enum: type[Severity] | type[Trend], value: str | None) -> str:
    return enum(value).label if value in enum.__members__ else "—"


def _format_p(p_value: float) -> str:
    return "<0.0001" if p_value < 0.0001 else f"{p_value:.4f}"


def report_table(alerts: Sequence[StoredAlert]) -> list[dict[str, Any]]:
    """The rows of the ``concentration-report`` table artifact."""
    return [
        {
            "级别": _label(Severity, alert.severity),
            "监控对象类型": UnitKind(alert.unit_kind).label,
            "监控对象": alert.unit_label,
            "投诉数": alert.count,
            "预期数": round(alert.expected, 1),
            "P值": _format_p(alert.p_value),
            "趋势": _label(Trend, alert.trend),
            "说明": alert.explanation,
        }
        for alert in alerts
    ]


def report_markdown(
    windows: MonitorWindows,
    assessment: Assessment,
    alerts: Sequence[StoredAlert],
    thresholds: Thresholds,
) -> str:
    """The markdown summary: the window, what was assessed, what stands out."""
    lines = [
        f"# 投诉集中监控报告（第八条）{windows.window_start}至{windows.window_end}",
        "",
        f"近{windows.current_days}天投诉 {assessment.complaints_current} 件；"
        f"基线（此前{windows.baseline_days}天）{assessment.complaints_baseline} 件。"
        f"判定标准：P < {thresholds.alpha} 且投诉数 ≥ {thresholds.min_count}，"
        "预期数按各对象自身基线占比并随总量调整。",
        "",
        "| 监控对象类型 | 评估数 | 列入重点监控 |",
        "|---|---:|---:|",
    ]
    for kind in assessment.kinds:
        note = (
            f"（近{windows.current_days}天≥{thresholds.min_count}件者）"
            if not kind.complete
            else ""
        )
        lines.append(f"| {kind.kind.label}{note} | {kind.assessed} | {kind.flagged} |")
    assessed = sum(k.assessed for k in assessment.kinds if k.complete)
    lines += [
        "",
        f"随机波动下约有 {thresholds.alpha * assessed:.1f} 项会被偶然列入（多为“关注”级）；"
        "“较高”“高”级别更可能是真实的集中。",
        "",
    ]
    if not alerts:
        lines.append("本期未发现投诉较为集中的单位或问题。")
    else:
        lines.append(f"## 列入重点监控 {len(alerts)} 项")
        lines.append("")
        for alert in alerts:
            lines.append(f"- **{_label(Severity, alert.severity)}** {alert.explanation}")
    return "\n".join(lines) + "\n"


@task(name="publish-concentration-report", **fresh_read_options())
def publish_concentration_report(
    report_date: date, assessment: Assessment, alerts: list[StoredAlert]
) -> None:
    """Art. 8: the table artifact ``concentration-report`` and a markdown summary in the UI."""
    settings = get_settings()
    windows = windows_for(report_date, settings)
    thresholds = thresholds_for(settings)
    description = f"第八条投诉集中监控 {windows.window_start}至{windows.window_end}"
    create_table_artifact(
        key=REPORT_ARTIFACT_KEY,
        table=report_table(alerts),
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

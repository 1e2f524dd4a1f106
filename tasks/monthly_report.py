"""The monthly statistics report as Prefect tasks: write the month's report, publish its
figures, archive it and queue its mail. Writing again adds files named by their hash; the artifact
is keyed by the month, the mail by the month's outbox key. Results and artifacts carry
figures, paths and hashes only (Art. 2(5))."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import uuid4

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from config.settings import get_settings
from models.db import session_scope, utcnow
from policy.monthly_report import month_of
from services.monthly_report import (
    WrittenReport,
    prepare_monthly_report_notice,
    report_figures,
    summary_rows,
    write_report,
)
from services.report_archive import archive_report
from tasks._caching import fresh_read_options


@task(name="write-monthly-report", **fresh_read_options())
def write_monthly_report(month: date) -> dict[str, object]:
    settings = get_settings()
    with session_scope() as session:
        figures = report_figures(
            session, month, today=utcnow().astimezone(settings.tz).date(), tz=settings.tz
        )
    written = write_report(settings.data_dir, *figures)
    return {
        "month": f"{month:%Y-%m}",
        "docx": str(written.docx_path),
        "xlsx": str(written.xlsx_path),
        "docx_sha256": written.docx_sha256,
        "xlsx_sha256": written.xlsx_sha256,
        "summary": summary_rows(*figures),
    }


@task(name="publish-monthly-report", **fresh_read_options())
def publish_monthly_report(report: dict[str, object]) -> None:
    rows = report["summary"]
    assert isinstance(rows, list)
    lines = [
        f"# 客户投诉统计月报 {report['month']}",
        "",
        "| 指标 | 本月 | 上月 | 去年同月 |",
        "|---|---|---|---|",
        *(f"| {' | '.join(str(cell) for cell in row)} |" for row in rows),
        "",
        f"- Word：`{report['docx']}`（SHA-256 `{report['docx_sha256']}`）",
        f"- Excel：`{report['xlsx']}`（SHA-256 `{report['xlsx_sha256']}`）",
    ]
    create_markdown_artifact(
        key=f"monthly-report-{str(report['month']).replace('-', '')}",
        markdown="\n".join(lines),
        description="客户投诉统计月报（仅统计数字）",
    )


@task(name="archive-monthly-report", **fresh_read_options())
def archive_monthly_report(report: dict[str, object], made_by: str) -> int | None:
    """Record the month's files (paths, SHA-256, who, when) and queue its mail to leadership
    and compliance, in one transaction; the mail's outbox id (the one queued before, on a
    re-run), or None when no one has an email or the month is not over."""
    month = month_of(str(report["month"]))
    now = utcnow()
    written = WrittenReport(
        Path(str(report["docx"])),
        Path(str(report["xlsx"])),
        str(report["docx_sha256"]),
        str(report["xlsx_sha256"]),
    )
    # The run is the writing: a retry within it records nothing new, a re-run is on record.
    writing = str(flow_run.id or uuid4())
    with session_scope() as session:
        archive_report(
            session, month=month, written=written, made_by=made_by, now=now, writing=writing
        )
        summary = report["summary"]
        assert isinstance(summary, list)
        row = prepare_monthly_report_notice(
            session,
            month=month,
            summary=[tuple(str(cell) for cell in line) for line in summary],
            today=now.astimezone(get_settings().tz).date(),
        )
        return row.id if row is not None else None

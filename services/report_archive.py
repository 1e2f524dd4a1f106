"""The archive of the monthly statistics reports (``monthly_reports``): what was written for
each month, by whom and when, and every earlier writing's hashes (``monthly_report_versions``).

Kept apart from ``services.monthly_report`` so that the pages that list and serve the archive
do not import python-docx, openpyxl and the chart code with it.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Literal, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.reports import MonthlyReport, MonthlyReportVersion
from policy.enums import Role
from services.files import StoredFileAltered, StoredFileMissing, read_checked
from services.step_errors import StepConflict, StepNotFound

# Who reads the reports in the app: leadership and compliance (the mail goes to them too).
REPORT_ROLES = frozenset({Role.leadership, Role.compliance})


class ReportFiles(Protocol):
    """What ``archive_report`` needs of a written report (``monthly_report.WrittenReport``)."""

    @property
    def docx_path(self) -> Path: ...
    @property
    def xlsx_path(self) -> Path: ...
    @property
    def docx_sha256(self) -> str: ...
    @property
    def xlsx_sha256(self) -> str: ...


def archive_report(
    session: Session,
    *,
    month: date,
    written: ReportFiles,
    made_by: str,
    now: datetime,
    writing: str,
) -> MonthlyReport:
    """Record the month's files in the archive (the caller commits): the month's row is
    created or updated to these files, and this writing is added to the versions, so the
    hashes of every earlier writing stay on record. ``writing`` names the run that wrote the
    files: the same writing recorded again (a task repeated on a retry) changes nothing, and
    a re-run is recorded even when its files are byte for byte the same as before."""
    report = session.scalar(
        select(MonthlyReport).where(MonthlyReport.month == month).with_for_update()
    )
    recorded = session.scalar(
        select(MonthlyReportVersion.id).where(MonthlyReportVersion.writing == writing)
    )
    if report is not None and recorded is not None:
        return report
    if report is None:
        report = MonthlyReport(month=month)
        session.add(report)
    report.docx_path = str(written.docx_path)
    report.xlsx_path = str(written.xlsx_path)
    report.docx_sha256 = written.docx_sha256
    report.xlsx_sha256 = written.xlsx_sha256
    report.made_at = now
    report.made_by = made_by
    session.add(
        MonthlyReportVersion(
            month=month,
            docx_sha256=written.docx_sha256,
            xlsx_sha256=written.xlsx_sha256,
            made_at=now,
            made_by=made_by,
            writing=writing,
        )
    )
    session.flush()
    return report


def archived_reports(session: Session) -> list[MonthlyReport]:
    """The archive, newest month first."""
    return list(session.scalars(select(MonthlyReport).order_by(MonthlyReport.month.desc())))


def report_versions(session: Session, month: date) -> list[MonthlyReportVersion]:
    return list(
        session.scalars(
            select(MonthlyReportVersion)
            .where(MonthlyReportVersion.month == month)
            .order_by(MonthlyReportVersion.made_at, MonthlyReportVersion.id)
        )
    )


def report_file(
    session: Session, month: date, kind: Literal["docx", "xlsx"]
) -> tuple[MonthlyReport, bytes]:
    """One file of the month's archived report, checked against its SHA-256 on record."""
    report = session.scalar(select(MonthlyReport).where(MonthlyReport.month == month))
    if report is None:
        raise StepNotFound(f"{month:%Y年%m月}的统计月报尚未生成")
    path, sha256 = (
        (report.docx_path, report.docx_sha256)
        if kind == "docx"
        else (report.xlsx_path, report.xlsx_sha256)
    )
    try:
        return report, read_checked(Path(path), sha256)
    except StoredFileMissing:
        raise StepNotFound(f"{month:%Y年%m月}统计月报的文件已不在，请重新生成") from None
    except StoredFileAltered:
        raise StepConflict(f"{month:%Y年%m月}统计月报的文件与存档的 SHA-256 不符，请报告") from None

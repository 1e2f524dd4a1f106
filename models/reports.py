"""The archive of the monthly statistics reports (投诉统计月报).

One row per month with the files' paths and SHA-256, who made them and when; written again
(a re-run), the row is updated and the earlier hashes stay in ``monthly_report_versions``,
which only ever grows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, UTCDateTime


class MonthlyReport(Base):
    """The month's report as it stands: its files, their hashes, who made it and when."""

    __tablename__ = "monthly_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, unique=True)  # the first day of the month
    docx_path: Mapped[str] = mapped_column(String(500))
    xlsx_path: Mapped[str] = mapped_column(String(500))
    docx_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_sha256: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    made_by: Mapped[str] = mapped_column(String(100))  # "scheduler", or a username


class MonthlyReportVersion(Base):
    """Every writing of a month's report, the first and each re-run (append only)."""

    __tablename__ = "monthly_report_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, index=True)
    docx_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_sha256: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    made_by: Mapped[str] = mapped_column(String(100))
    # The run that wrote it (its Prefect flow run id): a task repeated within the run records
    # nothing new, while a re-run is a writing of its own even when its files are byte for byte
    # the same. None for writings recorded before the run was kept.
    writing: Mapped[str | None] = mapped_column(String(64), unique=True)

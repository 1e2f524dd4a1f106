"""The monthly report's run on the real Prefect server: on the first working day it reports
the month before, writes both files and publishes the figures (no personal data); other days
it does nothing; a month with no complaints fails with the Chinese reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy.orm import Session

from flows.monthly_report import monthly_report
from models.complaint import Complaint
from services.step_errors import StepNotFound
from tests.support.cases import Cast, carry_through

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_first_working_day_reports_the_month_before_and_other_days_nothing(
    session: Session, settings, complaint: Complaint, cast: Cast, manual_clock, mail
) -> None:
    carry_through(session, complaint, cast, major=False)
    complaint.closed_at = complaint.received_at + timedelta(days=2)
    session.commit()
    manual_clock.set(datetime(2026, 12, 5, 2, 0, tzinfo=UTC))  # a Saturday
    idle = monthly_report(return_state=True)
    assert idle.is_completed() and idle.message == "不是本月第一个工作日，今日不出月报"

    manual_clock.set(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))  # Tuesday 09:00 in Shanghai
    state = monthly_report(return_state=True)
    assert state.is_completed() and state.message == "已生成 2026年11月 投诉统计月报"
    report = state.result()
    assert Path(report["docx"]).exists() and Path(report["xlsx"]).exists()
    assert Path(report["docx"]).is_relative_to(Path(settings.data_dir) / "reports" / "2026-11")
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["monthly-report-202611"])),
            limit=1,
        )
    assert "受理投诉（件）" in str(artifact.data) and report["docx_sha256"] in str(artifact.data)
    assert "张三" not in str(artifact.data) and complaint.reference not in str(artifact.data)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_month_without_complaints_fails_with_the_reason(settings) -> None:
    state = monthly_report(month=date(2020, 1, 1), return_state=True)
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, StepNotFound) and "没有受理或办结的投诉" in error.message


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_the_report_is_archived_and_mailed_once_with_both_files_and_a_rerun_sends_nothing(
    session: Session, settings, complaint: Complaint, cast: Cast, mail
) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    from sqlalchemy import select

    from models.reports import MonthlyReport, MonthlyReportVersion

    carry_through(session, complaint, cast, major=False)
    complaint.closed_at = complaint.received_at + timedelta(days=2)
    cast.compliance.active = True
    inactive = cast.superior
    inactive.role, inactive.active = cast.leader.role, False  # a former leader: not mailed
    session.commit()

    first = monthly_report(month=date(2026, 11, 1), return_state=True)
    assert first.is_completed() and first.result()["email"] == "sent"
    (received,) = mail.messages
    assert sorted(received.recipients) == sorted([cast.leader.email, cast.compliance.email])
    attachments = {
        part.get_filename(): part.get_payload(decode=True)
        for part in received.message.walk()
        if part.get_filename()
    }
    assert set(attachments) == {"客户投诉统计月报-2026-11.docx", "客户投诉统计月报-2026-11.xlsx"}
    report = first.result()
    assert (
        hashlib.sha256(attachments["客户投诉统计月报-2026-11.docx"]).hexdigest()
        == (report["docx_sha256"])
    )
    assert (
        hashlib.sha256(attachments["客户投诉统计月报-2026-11.xlsx"]).hexdigest()
        == (report["xlsx_sha256"])
    )
    session.expire_all()
    row = session.scalar(select(MonthlyReport))
    assert row is not None and row.month == date(2026, 11, 1) and row.made_by == "scheduler"
    assert (row.docx_sha256, row.xlsx_sha256) == (report["docx_sha256"], report["xlsx_sha256"])
    assert row.docx_path == report["docx"] and row.xlsx_path == report["xlsx"]

    again = monthly_report(month=date(2026, 11, 1), made_by="sun_compliance", return_state=True)
    assert again.is_completed() and again.result()["email"] == "already-sent"
    assert len(mail.messages) == 1
    session.expire_all()
    (row,) = session.scalars(select(MonthlyReport)).all()
    rerun = again.result()
    assert row.made_by == "sun_compliance" and row.docx_sha256 == rerun["docx_sha256"]
    versions = session.scalars(select(MonthlyReportVersion).order_by(MonthlyReportVersion.id))
    assert [(v.made_by, v.docx_sha256, v.xlsx_sha256) for v in versions] == [
        ("scheduler", report["docx_sha256"], report["xlsx_sha256"]),
        ("sun_compliance", rerun["docx_sha256"], rerun["xlsx_sha256"]),
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_report_made_before_its_month_is_over_is_not_mailed_and_the_full_one_is(
    session: Session, settings, complaint: Complaint, cast: Cast, mail, manual_clock
) -> None:  # type: ignore[no-untyped-def]
    """Made by hand mid-month it has part of the figures: mailed, it would use up the month's
    one mail, and the full report of the first working day would reach no one."""
    carry_through(session, complaint, cast, major=False)
    session.commit()
    month = complaint.received_at.astimezone(settings.tz).date().replace(day=1)
    manual_clock.set(datetime(month.year, month.month, 20, 4, tzinfo=UTC))
    early = monthly_report(month=month, made_by="sun_compliance", return_state=True)
    assert early.is_completed() and early.result()["email"] == "not-mailed"
    assert mail.messages == []
    after = month + timedelta(days=40)
    manual_clock.set(datetime(after.year, after.month, 1, 4, tzinfo=UTC))
    full = monthly_report(month=month, return_state=True)
    assert full.result()["email"] == "sent" and len(mail.messages) == 1

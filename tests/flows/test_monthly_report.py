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
    session: Session, settings, complaint: Complaint, cast: Cast, manual_clock
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

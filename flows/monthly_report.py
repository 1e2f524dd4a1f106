"""The monthly statistics report (投诉统计月报) for management and a regulator's enquiry.

Deployment ``monthly-report``: scheduled at 09:00 (``COMPLAINTS_TIMEZONE``) on days 1–7 of each
month; the run on the month's first working day reports the month before, the others finish
at once ("不是本月第一个工作日"). By hand: ``complaints report --month YYYY-MM``. The report is
written under ``<data>/reports/YYYY-MM/`` as .docx (with charts) and .xlsx, with SHA-256, and
its figures are published as the artifact ``monthly-report-YYYYMM``. The files are archived in
the app database (``monthly_reports``: paths, SHA-256, made_at, made_by — ``scheduler`` or the
username given by hand) and mailed with both attached to leadership and compliance, once per
month: a re-run replaces the files and the archive row, and sends nothing new.
"""

from __future__ import annotations

from datetime import date

from prefect import flow
from prefect.states import Completed, State

from config.settings import get_settings
from models.db import utcnow
from policy.monthly_report import month_to_report
from policy.workdays import WorkdayCalendar
from tasks.mail import send_notification
from tasks.monthly_report import (
    archive_monthly_report,
    publish_monthly_report,
    write_monthly_report,
)


@flow(name="monthly-report", persist_result=True, log_prints=False)
def monthly_report(
    month: date | None = None, made_by: str = "scheduler"
) -> State[dict[str, object] | None]:
    if month is None:
        today = utcnow().astimezone(get_settings().tz).date()
        month = month_to_report(today, WorkdayCalendar.default())
        if month is None:
            return Completed(message="不是本月第一个工作日，今日不出月报", data=None)
    report = write_monthly_report(month)
    publish_monthly_report(report)
    notification_id = archive_monthly_report(report, made_by)
    report["email"] = (
        "not-mailed" if notification_id is None else send_notification(notification_id)
    )
    return Completed(message=f"已生成 {month:%Y年%m月} 投诉统计月报", data=report)

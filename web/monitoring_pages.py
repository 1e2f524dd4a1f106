"""Art. 8 重点监控: the concentration alerts of a report, each unit with a small weekly trend
chart drawn on the server (SVG), for compliance and leadership; and the archive of the monthly
statistics reports (投诉统计月报), with their files to download, for leadership and compliance."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from services.corrections import classification_outcomes, override_rates
from services.monitoring import concentration_overview, trend_svg
from services.report_archive import REPORT_ROLES, archived_reports, report_file
from web.access import OVERSIGHT_ROLES, require_role
from web.deps import DbSession, PageUser, SettingsDep
from web.rendering import render
from web.views import DOCX, NotFound, content_disposition

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = APIRouter(include_in_schema=False)


@router.get("/monitoring")
def monitoring_page(
    request: Request,
    user: PageUser,
    db: DbSession,
    settings: SettingsDep,
    report_date: date | None = None,
    window_end: date | None = None,
) -> Response:
    """``report_date`` as the CLI and the Prefect run name it; ``window_end`` (the day before
    it) is still read from older links."""
    require_role(user, OVERSIGHT_ROLES, "查看投诉集中监控")
    if report_date is None and window_end is not None:
        report_date = window_end + timedelta(days=1)
    overview = concentration_overview(db, report_date=report_date, timezone=settings.timezone)
    # trend_svg draws numbers only, so its markup is safe to place as it is.
    rows = [(alert, Markup(trend_svg(alert.weekly_counts))) for alert in overview.alerts]
    # Art. 3/9/4(3): how often staff overrode the classification suggestion, per month.
    overrides = override_rates(classification_outcomes(db))
    reports = archived_reports(db) if user.role in REPORT_ROLES else None
    return render(
        request,
        "monitoring.html",
        {"overview": overview, "rows": rows, "overrides": overrides, "reports": reports},
    )


REPORT_TYPES = {"docx": DOCX, "xlsx": XLSX}


@router.get("/monitoring/reports/{month}/{kind}")
def monthly_report_file(month: str, kind: str, user: PageUser, db: DbSession) -> Response:
    """One file of an archived monthly report (``month`` YYYY-MM, ``kind`` docx or xlsx)."""
    require_role(user, REPORT_ROLES, "下载投诉统计月报")
    try:
        first_day = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise NotFound(f"月份 {month[:20]} 无法识别，应为 YYYY-MM") from None
    if kind not in REPORT_TYPES:
        raise NotFound("月报文件只有 docx 和 xlsx 两种")
    _report, content = report_file(db, first_day, "docx" if kind == "docx" else "xlsx")
    return Response(
        content,
        media_type=REPORT_TYPES[kind],
        headers={"Content-Disposition": content_disposition(f"客户投诉统计月报-{month}.{kind}")},
    )

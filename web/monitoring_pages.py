"""Art. 8 重点监控: the concentration alerts of a report, each unit with a small weekly trend
chart drawn on the server (SVG), for compliance and leadership."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from services.corrections import classification_outcomes, override_rates
from services.monitoring import concentration_overview, trend_svg
from web.access import OVERSIGHT_ROLES, require_role
from web.deps import DbSession, PageUser, SettingsDep
from web.rendering import render

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
    return render(
        request, "monitoring.html", {"overview": overview, "rows": rows, "overrides": overrides}
    )

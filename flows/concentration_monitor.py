"""Art. 8 (对客户投诉较为集中的单位和问题要重点监控): the daily concentration report.

Every morning (deployment ``concentration-monitor``, cron ``COMPLAINTS_MONITOR_CRON``, default
08:00 in ``COMPLAINTS_TIMEZONE``), and by hand with ``complaints monitor [--as-of DATE]``:

1. count each unit's complaints — department, category, channel, department × category,
   product, first-inquiry owner, handler, repeat complaints by one customer, and the
   department, staff member and member institution complained about — in the 30 days
   before the report date, the 30 days before those, and the 180-day baseline;
2. assess each unit against what its own baseline predicts at today's overall volume
   (``policy.concentration``): flagged when the Poisson upper tail is under ``alpha`` and the
   count reaches the minimum, graded watch / elevated / high, with its trend;
3. store the flagged units, one alert per unit and window, each with its founded count, its
   owner (the manager of the unit's department; compliance for other units) and its due date
   (``COMPLAINTS_MONITOR_DISPOSITION_DAYS`` working days);
4. report them in the Prefect UI (table artifact ``concentration-report``, markdown summary);
5. email the report to compliance and leadership;
6. escalate to leadership, once each, the alerts left without a disposition past their due date.

The report date of a scheduled run is the day it was *scheduled* for, so a late run reports
on its own day. Running again for the same date changes nothing: the same alerts, and no second
email (the outbox keys the report by its window) — also when the scheduler makes a duplicate run.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from config.settings import get_settings
from orchestration.names import MONITOR_FLOW
from policy.concentration import assess_concentration
from services.monitoring import thresholds_for
from tasks.mail import send_notification
from tasks.monitoring import (
    count_complaints_by_unit,
    escalate_overdue_alerts,
    publish_concentration_report,
    queue_concentration_report,
    store_concentration_alerts,
)


def scheduled_report_date() -> date:
    """The local date this run was scheduled for (today for a run started by hand)."""

    scheduled = flow_run.scheduled_start_time
    moment = scheduled if isinstance(scheduled, datetime) else datetime.now().astimezone()
    return moment.astimezone(ZoneInfo(get_settings().timezone)).date()


def _run_name() -> str:

    as_of = flow_run.parameters.get("as_of")
    return f"concentration-{as_of or scheduled_report_date()}"


@flow(name=MONITOR_FLOW, flow_run_name=_run_name, log_prints=False)
def concentration_monitor(as_of: date | None = None) -> dict[str, Any]:
    """Art. 8 concentration report for ``as_of`` (default: the scheduled day); the window is
    the days before it, so the report date's own complaints are not counted."""
    report_date = as_of or scheduled_report_date()
    thresholds = thresholds_for(get_settings())

    counts = count_complaints_by_unit(report_date)
    assessment = assess_concentration(counts, thresholds)
    alerts = store_concentration_alerts(report_date, assessment.alerts)
    publish_concentration_report(report_date, assessment, alerts)

    email = "nothing-to-report"
    if alerts:
        notification_id = queue_concentration_report(alerts[0].window_end)
        email = "no-recipient" if notification_id is None else send_notification(notification_id)

    # Art. 8 重点监控: alerts of earlier reports left without a disposition past their due date.
    escalations = escalate_overdue_alerts()
    for escalation_id in escalations:
        send_notification(escalation_id)

    summary = {
        "report_date": report_date.isoformat(),
        "units_assessed": sum(kind.assessed for kind in assessment.kinds),
        "alerts": len(alerts),
        "high": sum(alert.severity == "high" for alert in alerts),
        "elevated": sum(alert.severity == "elevated" for alert in alerts),
        "watch": sum(alert.severity == "watch" for alert in alerts),
        "email": str(email),
        "escalated": len(escalations),
    }
    get_run_logger().info(
        "concentration report %s: %s units assessed, %s alerts (%s high), email %s",
        summary["report_date"],
        summary["units_assessed"],
        summary["alerts"],
        summary["high"],
        summary["email"],
    )
    return summary

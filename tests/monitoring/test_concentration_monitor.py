"""Art. 8 as a Prefect flow: the daily report flags a planted hot spot, shows it in the Prefect
UI, emails compliance and leadership once, and changes nothing when run again for the day."""

from __future__ import annotations

import json
import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.logging.handlers import APILogHandler
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from complaints.cli import app
from config.settings import Settings
from flows.concentration_monitor import concentration_monitor
from models.operations import ConcentrationAlert, Notification
from models.people import Customer, User
from orchestration.names import MONITOR_FLOW
from policy.enums import NotificationStatus, Role
from tests.monitoring.conftest import REPORT_DATE, background, load
from tests.monitoring.synthetic import NAME_PREFIX, HotSpot, Population, complaint_rows
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.usefixtures("prefect_server")

IN_WINDOW = (date(2026, 10, 28), date(2026, 11, 26))


def _readers(session: Session) -> None:
    """Someone in compliance and someone in leadership, each with an email address."""
    for username, role in (("sun_compliance", Role.compliance), ("liu_leader", Role.leadership)):
        session.add(
            User(
                username=username,
                display_name=username,
                role=role,
                email=f"{username}@example.test",
                password_hash="!",
            )
        )
    session.commit()


def _alerts(session: Session) -> list[tuple]:
    session.expire_all()
    return [
        (a.id, a.unit_kind, a.unit_key, a.count, a.expected, a.p_value, a.severity, a.explanation)
        for a in session.scalars(select(ConcentrationAlert).order_by(ConcentrationAlert.id))
    ]


def test_daily_report_flags_hot_spot_emails_once_and_reruns_change_nothing(
    session: Session, population: Population, mail: SmtpSink, manual_clock
) -> None:
    # The report's own morning: its alerts are not overdue yet (overdue is by the clock).
    manual_clock.set(datetime(2026, 11, 27, 1, tzinfo=ZoneInfo("UTC")))
    _readers(session)
    product = population.products[15]
    customer = population.customers[-5]
    spots = [
        HotSpot("product", product, 100, *IN_WINDOW),
        HotSpot("customer_id", customer, 6, *IN_WINDOW),
    ]
    load(session, complaint_rows(random.Random(21), population, background(), spots))

    first = concentration_monitor(as_of=REPORT_DATE, return_state=True)
    summary = first.result()
    stored = _alerts(session)
    second = concentration_monitor(as_of=REPORT_DATE, return_state=True).result()

    assert summary["report_date"] == "2026-11-27" and summary["alerts"] == len(stored) >= 2
    assert summary["high"] >= 2 and summary["email"] == "sent"
    assert (product in {a[2] for a in stored}) and (f"客户#{customer}" in {a[2] for a in stored})
    # The same alerts, no second email.
    assert _alerts(session) == stored
    assert second == summary | {"email": "already-sent"}
    notifications = session.scalars(select(Notification)).all()
    assert [(n.kind, n.status) for n in notifications] == [
        ("concentration_report", NotificationStatus.sent)
    ]
    assert len(mail.messages) == 1
    message = mail.messages[0]
    assert sorted(message.recipients) == [
        "liu_leader@example.test",
        "sun_compliance@example.test",
    ]
    body = message.message.get_payload(0).get_payload(decode=True).decode()
    assert product in body and f"客户#{customer}" in body
    assert "2026-10-28至2026-11-26" in body

    # The Prefect UI: the table artifact and the summary, and nothing personal anywhere.
    APILogHandler().flush()
    run_id = first.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        assert run.name == "concentration-2026-11-27"
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
        by_key = {artifact.key: artifact for artifact in artifacts}
        table = by_key["concentration-report"]
        rows = json.loads(str(table.data))  # stored as JSON text, non-ASCII escaped
        assert table.type == "table" and rows[0]["监控对象"] == product
        assert rows[0]["级别"] == "高" and rows[0]["监控对象类型"] == "产品"
        assert "投诉集中监控报告" in str(by_key["concentration-summary"].data)
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    stored_in_prefect = "\n".join(
        [run.model_dump_json(), json.dumps(rows, ensure_ascii=False)]
        + [a.model_dump_json() for a in artifacts]
        + [t.model_dump_json() for t in task_runs]
        + [log.model_dump_json() for log in logs]
    )
    person = session.get(Customer, customer)
    assert person is not None
    for secret in (NAME_PREFIX, person.phone):
        assert secret not in stored_in_prefect, f"{secret!r} reached Prefect"
    assert f"客户#{customer}" in stored_in_prefect  # the scan did see the report


def test_a_quiet_day_reports_nothing_and_sends_no_email(
    session: Session, population: Population, mail: SmtpSink
) -> None:
    _readers(session)
    state = concentration_monitor(as_of=REPORT_DATE, return_state=True)
    summary = state.result()
    assert summary["alerts"] == 0 and summary["email"] == "nothing-to-report"
    assert mail.messages == []
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    (report,) = [artifact for artifact in artifacts if artifact.key == "concentration-report"]
    assert report.type == "markdown" and "没有需要重点监控" in str(report.data)


def test_monitor_command_runs_the_report_and_prints_one_line(
    session: Session, population: Population, mail: SmtpSink
) -> None:
    spots = [HotSpot("product", population.products[15], 100, *IN_WINDOW)]
    load(session, complaint_rows(random.Random(2), population, background(), spots))

    result = CliRunner().invoke(app, ["monitor", "--as-of", "2026-11-27"])

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("concentration report 2026-11-27: ")
    assert "email: no-recipient" in lines[-1]  # no compliance or leadership address yet


def test_monitor_command_refuses_a_malformed_date_with_a_sentence() -> None:
    result = CliRunner().invoke(app, ["monitor", "--as-of", "27.11.2026"])
    assert result.exit_code == 2
    assert "write it as YYYY-MM-DD" in result.output


def test_deployment_runs_daily_at_eight_in_local_time() -> None:
    from deployments import register

    register.register_deployments()
    name = f"{MONITOR_FLOW}/{MONITOR_FLOW}"
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(name)
        [schedule] = deployment.schedules
        assert schedule.schedule.cron == "0 8 * * *"
        assert schedule.schedule.timezone == "Asia/Shanghai"
        # Paused in the UI, the schedule is on again after the next start's registration:
        # Art. 8 monitoring does not stay off by accident. Still one schedule.
        client.update_deployment_schedule(deployment.id, schedule.id, active=False)
    register.register_deployments()
    with get_client(sync_client=True) as client:
        schedules = client.read_deployment_by_name(name).schedules
    assert [(s.schedule.cron, s.active) for s in schedules] == [("0 8 * * *", True)]


def test_a_late_scheduled_run_reports_on_the_day_it_was_scheduled_for(
    session: Session, settings: Settings
) -> None:
    """The 08:00 run of 2026-11-20 that a stopped worker only picks up days later still reports
    for 2026-11-20: its window ends on 2026-11-19, whatever the clock says."""
    from prefect.deployments import run_deployment
    from prefect.flow_engine import run_flow

    deployment = concentration_monitor.to_deployment(name="late-run-test")
    deployment.apply()
    scheduled = datetime(2026, 11, 20, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    run = run_deployment(
        f"{MONITOR_FLOW}/late-run-test", scheduled_time=scheduled, timeout=0, as_subflow=False
    )
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(run.id)

    summary = run_flow(concentration_monitor, flow_run=flow_run, return_type="result")

    assert summary["report_date"] == "2026-11-20"
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(run.id).name == "concentration-2026-11-20"

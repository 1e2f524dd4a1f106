"""Durability with real processes: a Prefect server and a
process worker started as on a production box, the app database on both backends, a real
SMTP server. Slow: each flow run start is a new Python process."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_RESULTS_PERSIST_BY_DEFAULT,
    temporary_settings,
)
from prefect.states import Crashed
from sqlalchemy import select

from config.settings import get_settings
from deployments.register import register_deployments
from models import Complaint, Notification
from models.db import session_scope, utcnow
from orchestration.names import worker_command
from orchestration.runs import resume_for_step, start_lifecycle_run
from policy.enums import Role
from services.directory import add_user
from services.intake import register_complaint
from services.steps import submit_written_record
from tests.flows.lifecycle_driver import Staff, add_staff
from tests.models.factories import sample_intake
from tests.support.processes import (
    BIN,
    ManagedProcess,
    PrefectServer,
    drain_prefect_workers,
    flow_processes,
    wait_until,
)
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.slow


@dataclass
class LiveSystem:
    server: PrefectServer
    worker: ManagedProcess
    env: dict[str, str]
    url: str
    staff: Staff
    smtp: SmtpSink

    def restart_worker(self) -> None:
        self.worker = ManagedProcess(
            "worker", self.worker.command, self.env, self.worker.log
        ).start()


@pytest.fixture(scope="module")
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveSystem]:
    home = tmp_path_factory.mktemp("live")
    smtp = SmtpSink().start()
    # The app database: the first backend of the `database_url` fixture's params is enough
    # for the process tests; PostgreSQL when the session has it, as in production.
    url = request.getfixturevalue("postgres_database_url")
    env = {
        **os.environ,
        "COMPLAINTS_DATABASE_URL": url,
        "COMPLAINTS_DATA_DIR": str(home / "data"),
        "COMPLAINTS_SMTP_HOST": "127.0.0.1",
        "COMPLAINTS_SMTP_PORT": str(smtp.port),
        "COMPLAINTS_RECORD_DEADLINE": "40s",
        "COMPLAINTS_DEADLINE_SWEEP_SECONDS": "15",
        "PREFECT_LOCAL_STORAGE_PATH": str(home / "results"),
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    server = PrefectServer(home / "prefect", env)
    (home / "prefect").mkdir()
    server.start()
    env["PREFECT_API_URL"] = server.api_url
    previous = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    get_settings.cache_clear()
    with temporary_settings(
        updates={
            PREFECT_API_URL: server.api_url,
            PREFECT_LOCAL_STORAGE_PATH: str(home / "results"),
            PREFECT_RESULTS_PERSIST_BY_DEFAULT: True,
        }
    ):
        register_deployments()
        worker = ManagedProcess(
            "worker",
            worker_command(str(BIN / "prefect")),
            env,
            home / "worker.log",
        ).start()
        with session_scope(url) as session:
            staff = add_staff(session)
        with session_scope(url) as session:
            add_user(
                session,
                username="ops",
                password="correct horse battery",
                role=Role.admin,
                email="admin@staff.test",
            )
        system = LiveSystem(server, worker, env, url, staff, smtp)
        yield system
        drain_prefect_workers()  # while this server still listens
        system.worker.stop(grace=5)
        system.server.stop()
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    smtp.stop()


@pytest.fixture(scope="module")
def postgres_database_url(postgres, postgres_template) -> str:  # type: ignore[no-untyped-def]
    from tests.conftest import fresh_postgres_database

    return fresh_postgres_database(postgres, postgres_template)


def new_complaint(live: LiveSystem, *, start_run: bool = True) -> tuple[int, str | None]:
    with session_scope(live.url) as session:
        owner = session.merge(live.staff.owner)
        received = utcnow()
        complaint = register_complaint(
            session,
            intake=sample_intake(
                received_at=received,
                promised_reply_at=received + timedelta(days=15),
                customer_email="customer@example.test",
                customer_phone=f"139{received.microsecond:08d}",
            ),
            owner=owner,
            now=received,
            settings=get_settings(),
        )
        session.flush()
        complaint_id, reference, created = complaint.id, complaint.reference, complaint.created_at
    if not start_run:
        return complaint_id, None
    run_id = start_lifecycle_run(
        complaint_id=complaint_id, reference=reference, created_at=created, tags=["complaint"]
    )
    with session_scope(live.url) as session:
        session.get_one(Complaint, complaint_id).flow_run_id = str(run_id)
    return complaint_id, str(run_id)


def state_of(run_id: str):  # type: ignore[no-untyped-def]
    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(run_id)).state


def suspended_at(run_id: str, key_prefix: str) -> bool:
    state = state_of(run_id)
    return bool(
        state is not None
        and state.is_paused()
        and (state.state_details.pause_key or "").startswith(key_prefix)
    )


def notification_counts(live: LiveSystem, complaint_id: int) -> dict[str, int]:
    with session_scope(live.url) as session:
        kinds = session.scalars(
            select(Notification.kind).where(Notification.complaint_id == complaint_id)
        ).all()
    return {kind: kinds.count(kind) for kind in set(kinds)}


def mails_to_customer(live: LiveSystem) -> int:
    return sum("customer@example.test" in m.recipients for m in live.smtp.messages)


def test_suspended_complaint_holds_no_process_and_survives_a_killed_worker(
    live: LiveSystem,
) -> None:
    complaint_id, run_id = new_complaint(live)
    assert run_id is not None
    wait_until(lambda: suspended_at(run_id, "written-record"), 90, "the first wait")
    wait_until(lambda: not flow_processes(run_id), 30, "the flow process to exit")
    assert state_of(run_id).name == "Suspended"

    live.worker.kill()
    with session_scope(live.url) as session:
        complaint = session.get_one(Complaint, complaint_id)
        submit_written_record(
            session,
            complaint=complaint,
            actor=session.merge(live.staff.owner),
            text="文字记录",
            now=utcnow(),
        )
    assert resume_for_step(run_id, {"operator": "owner", "text": ""})
    live.restart_worker()
    wait_until(lambda: suspended_at(run_id, "assignment"), 120, "the assignment wait")
    assert notification_counts(live, complaint_id) == {"acknowledgement": 1, "new_complaint": 1}


def test_server_restart_keeps_suspended_runs_and_deadlines(live: LiveSystem) -> None:
    complaint_id, run_id = new_complaint(live)
    assert run_id is not None
    wait_until(lambda: suspended_at(run_id, "written-record"), 90, "the first wait")
    live.server.stop()
    live.server.start()
    assert suspended_at(run_id, "written-record")
    # The 40-second record deadline passes with no record: the deadline sweep records it.
    wait_until(
        lambda: notification_counts(live, complaint_id).get("record_breach") == 1,
        120,
        "the breach report after the server restart",
        every=2,
    )


def test_api_down_at_intake_then_reconciliation_starts_the_run_exactly_once(
    live: LiveSystem,
) -> None:
    live.server.stop()
    complaint_id, _ = new_complaint(live, start_run=False)
    with pytest.raises(Exception):  # noqa: B017 - any transport error: the API is down
        start_lifecycle_run(
            complaint_id=complaint_id, reference="TS-X", created_at=utcnow(), tags=[]
        )
    live.server.start()
    from flows.reconcile import reconcile

    first, second = reconcile(), reconcile()
    assert first["started"] >= 1 and second["started"] == 0
    with session_scope(live.url) as session:
        run_id = session.get_one(Complaint, complaint_id).flow_run_id
    assert run_id is not None
    wait_until(lambda: suspended_at(run_id, "written-record"), 120, "the first wait")
    assert notification_counts(live, complaint_id)["acknowledgement"] == 1


def test_flow_process_killed_mid_step_is_requeued_by_reconciliation(live: LiveSystem) -> None:
    complaint_id, run_id = new_complaint(live)
    assert run_id is not None
    pids = wait_until(lambda: flow_processes(run_id), 60, "the flow process", every=0.05)
    for pid in pids:
        os.kill(pid, 9)
    wait_until(
        lambda: (
            (state := state_of(run_id)) is not None and (state.is_crashed() or state.is_failed())
        ),
        60,
        "the worker to mark the run crashed",
    )
    from flows.reconcile import reconcile
    from orchestration.runs import CRASH_SETTLE

    # The worker may report the crash a second time, once it has loaded the flow for its crash
    # hooks; reconciliation leaves a crash alone until it has settled, then re-queues it once.
    wait_until(
        lambda: utcnow() - state_of(run_id).timestamp > CRASH_SETTLE + timedelta(seconds=1),
        60,
        "the crash to settle",
    )
    assert reconcile()["requeued"] >= 1
    wait_until(lambda: suspended_at(run_id, "written-record"), 180, "the re-queued run's wait")
    counts = notification_counts(live, complaint_id)
    assert counts == {"acknowledgement": 1, "new_complaint": 1}
    # The failure automation ran the ops-alert deployment: the admins heard of the crash.
    wait_until(
        lambda: any("admin@staff.test" in m.recipients for m in live.smtp.messages),
        90,
        "the crash alert to the admins",
        every=1,
    )


def test_zombie_guard_expects_suspension_as_a_quiet_end(live: LiveSystem) -> None:
    from prefect.automations import Automation

    from deployments.automations import FAILURE_ALERT, ZOMBIE_GUARD

    guard = Automation.read(name=ZOMBIE_GUARD)
    assert "prefect.flow-run.Suspended" in guard.trigger.expect
    assert guard.trigger.within.total_seconds() == 90
    assert Automation.read(name=FAILURE_ALERT).actions[0].type == "run-deployment"


@contextmanager
def stuck_run_after(seconds: int) -> Iterator[timedelta]:
    previous = os.environ.get("COMPLAINTS_STUCK_RUN_AFTER")
    os.environ["COMPLAINTS_STUCK_RUN_AFTER"] = f"{seconds}s"
    get_settings.cache_clear()
    try:
        yield timedelta(seconds=seconds)
    finally:
        if previous is None:
            os.environ.pop("COMPLAINTS_STUCK_RUN_AFTER")
        else:
            os.environ["COMPLAINTS_STUCK_RUN_AFTER"] = previous
        get_settings.cache_clear()


def kill_worker_while_it_submits(live: LiveSystem, run_ids: list[str]) -> None:
    """Start the worker on runs waiting for it and SIGKILL it, with every process it started,
    the moment it has claimed one of them (Pending/Submitting); a run it had already started
    is left Running with no process, which the zombie guard marks Crashed (done here, as the
    guard waits for missed heartbeats)."""
    live.restart_worker()
    wait_until(
        lambda: any(state_of(r).type is StateType.PENDING for r in run_ids),
        90,
        "the worker to claim a run",
        every=0.02,
    )
    live.worker.kill()
    for run_id in run_ids:
        for pid in flow_processes(run_id):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    with get_client(sync_client=True) as client:
        for run_id in run_ids:
            if state_of(run_id).is_running():
                client.set_flow_run_state(UUID(run_id), Crashed(), force=True)


def recover_by_reconciliation(live: LiveSystem, run_ids: list[str]) -> None:
    """With no worker running: the runs the dead worker held are re-queued once, past the
    threshold; then a worker starts them."""
    from flows.reconcile import reconcile
    from orchestration.runs import stuck_runs

    held = [r for r in run_ids if state_of(r).type is StateType.PENDING]
    assert held, "the worker died holding no run: nothing was tested"
    # Long enough for two reconciliations back to back on a busy machine: the second finds
    # the re-queued runs not yet late (a run still Scheduled past it would be re-queued again).
    with stuck_run_after(20) as after, get_client(sync_client=True) as client:
        wait_until(
            lambda: (
                set(held) <= {str(run.id) for run in stuck_runs(client, now=utcnow(), after=after)}
            ),
            60,
            "the held runs to pass the threshold",
        )
        assert reconcile()["requeued"] >= len(held)
        requeued = {r: client.read_flow_run(UUID(r)).state_id for r in run_ids}
        assert all(state_of(r).name == "AwaitingRetry" for r in held)
        reconcile()
        assert {r: client.read_flow_run(UUID(r)).state_id for r in run_ids} == requeued
    live.restart_worker()


def test_runs_held_by_a_worker_killed_while_submitting_reach_their_wait(
    live: LiveSystem,
) -> None:
    live.worker.kill()
    complaints = [new_complaint(live) for _ in range(4)]
    run_ids = [run_id for _, run_id in complaints if run_id]
    kill_worker_while_it_submits(live, run_ids)
    recover_by_reconciliation(live, run_ids)
    wait_until(
        lambda: all(suspended_at(r, "written-record") for r in run_ids), 240, "the first waits"
    )
    for complaint_id, _ in complaints:
        counts = notification_counts(live, complaint_id)
        assert counts["acknowledgement"] == 1 and counts["new_complaint"] == 1
        # The 40-second record limit may pass meanwhile: reconciliation and the deadline sweep
        # then warn and report it, once each, whoever comes first.
        assert set(counts) <= {
            "acknowledgement",
            "new_complaint",
            "record_warning",
            "record_breach",
        }
        assert counts.get("record_warning", 0) <= 1 and counts.get("record_breach", 0) <= 1

    # The same when the worker dies while it starts the runs resumed after a saved step.
    wait_until(lambda: all(not flow_processes(r) for r in run_ids), 60, "the flows to exit")
    live.worker.kill()
    for complaint_id, run_id in complaints:
        with session_scope(live.url) as session:
            submit_written_record(
                session,
                complaint=session.get_one(Complaint, complaint_id),
                actor=session.merge(live.staff.owner),
                text="文字记录",
                now=utcnow(),
            )
        assert run_id is not None and resume_for_step(run_id, {"operator": "owner", "text": ""})
    kill_worker_while_it_submits(live, run_ids)
    recover_by_reconciliation(live, run_ids)
    wait_until(
        lambda: all(suspended_at(r, "assignment") for r in run_ids), 240, "the assignment waits"
    )

"""Lifecycle benchmarks (issue 3), on `make up`'s defaults: SQLite for the app and for Prefect,
one process worker (limit 4, polling every 2 s), a local SMTP sink.

Prints:
1. intake-to-routed latency: from saving a complaint to its run suspended at the written-record
   wait (acknowledged, form written, manager notified, timers scheduled) — median and p95;
2. CPU seconds of one resume (the flow process re-executing up to its next wait) against an
   empty flow run's start, measured the same way in the same run — the ratio is the figure
   (target at most 1.5x: what the flow module imports is paid on every resume);
3. N complaints suspended at once: flow processes alive (target 0) and the Prefect server's
   memory.

    .venv/bin/python bench/lifecycle.py [--complaints 20] [--cpu-samples 5] [--suspended 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prefect import flow


@flow(name="bench-empty")
def empty() -> None:
    """The baseline: a flow run that starts and ends."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=20)
    parser.add_argument("--cpu-samples", type=int, default=5)
    parser.add_argument("--suspended", type=int, default=100)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-lifecycle-"))
    from tests.support.processes import PrefectServer
    from tests.support.smtp import SmtpSink

    smtp = SmtpSink().start()
    env = {
        **os.environ,
        "COMPLAINTS_DATABASE_URL": f"sqlite:///{home / 'complaints.db'}",
        "COMPLAINTS_DATA_DIR": str(home / "data"),
        "COMPLAINTS_SMTP_HOST": "127.0.0.1",
        "COMPLAINTS_SMTP_PORT": str(smtp.port),
        "PREFECT_LOCAL_STORAGE_PATH": str(home / "results"),
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    (home / "prefect").mkdir()
    server = PrefectServer(home / "prefect", env).start()
    env["PREFECT_API_URL"] = server.api_url
    os.environ.update(env)
    # Prefect read its settings when imported: point this process at the started server.
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_LOCAL_STORAGE_PATH,
        PREFECT_RESULTS_PERSIST_BY_DEFAULT,
        temporary_settings,
    )

    with temporary_settings(
        updates={
            PREFECT_API_URL: server.api_url,
            PREFECT_LOCAL_STORAGE_PATH: str(home / "results"),
            PREFECT_RESULTS_PERSIST_BY_DEFAULT: True,
        }
    ):
        measure(args, home, env, server, smtp)
    server.stop()
    smtp.stop()


def measure(args: argparse.Namespace, home: Path, env: dict[str, str], server, smtp) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from complaints.settings import get_settings
    from deployments.names import WORK_POOL, worker_command
    from deployments.register import PROJECT_ROOT, register_deployments
    from deployments.runs import resume_for_step, start_lifecycle_run
    from models import Complaint, User
    from models.db import session_scope, utcnow
    from models.directory import add_user
    from models.intake import register_complaint
    from models.setup import prepare_database
    from models.steps import submit_written_record
    from policy.enums import Department, Role
    from tests.models.factories import sample_intake
    from tests.support.processes import BIN, ManagedProcess, flow_processes
    from tests.support.processes import wait_until as until

    get_settings.cache_clear()
    settings = get_settings()
    prepare_database(settings.effective_database_url)
    with session_scope() as session:
        add_user(
            session,
            username="mgr",
            password="x" * 12,
            role=Role.manager,
            department=Department.wealth_center,
            email="mgr@bench.test",
        )
        add_user(
            session,
            username="owner",
            password="x" * 12,
            role=Role.staff,
            department=Department.wealth_center,
            superior="mgr",
            email="o@bench.test",
        )
    register_deployments()
    from prefect import Flow
    from prefect.client.orchestration import get_client

    Flow.from_source(source=str(PROJECT_ROOT), entrypoint="bench/lifecycle.py:empty").deploy(
        name="bench-empty",
        work_pool_name=WORK_POOL,
        build=False,
        push=False,
        print_next_steps=False,
        ignore_warnings=True,
    )
    worker_args = worker_command(str(BIN / "prefect"))
    worker = ManagedProcess("worker", worker_args, env, home / "worker.log").start()

    def intake() -> tuple[int, str]:
        with session_scope() as session:
            owner = session.scalars(select(User).where(User.username == "owner")).one()
            received = utcnow()
            complaint = register_complaint(
                session,
                intake=sample_intake(
                    received_at=received,
                    promised_reply_at=received + timedelta(days=15),
                    customer_phone=f"139{received.microsecond:08d}",
                    customer_email="c@bench.test",
                ),
                owner=owner,
                now=received,
                settings=settings,
            )
            session.flush()
            ids = complaint.id, complaint.reference, complaint.created_at
        run_id = start_lifecycle_run(
            complaint_id=ids[0], reference=ids[1], created_at=ids[2], tags=["complaint", "bench"]
        )
        with session_scope() as session:
            session.get_one(Complaint, ids[0]).flow_run_id = str(run_id)
        return ids[0], str(run_id)

    def suspended(run_id: str) -> bool:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(run_id)).state
        return bool(state and state.is_paused())

    # 1. Intake to routed, one complaint at a time.
    latencies = []
    for _ in range(args.complaints):
        started = time.perf_counter()
        _, run_id = intake()
        until(lambda run_id=run_id: suspended(run_id), 120, "routing", every=0.1)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(
        f"intake-to-routed over {len(latencies)} complaints: "
        f"median {statistics.median(latencies):.2f} s, p95 {p95:.2f} s"
    )

    # 2. CPU of one resume against an empty run's start, both run as the worker runs them.
    worker.stop(grace=5)

    def engine_cpu(run_id: str) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [sys.executable, "-m", "prefect.engine"],
            env={**env, "PREFECT__FLOW_RUN_ID": run_id},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    from prefect.deployments import run_deployment

    empty_cpu = [
        engine_cpu(str(run_deployment("bench-empty/bench-empty", timeout=0).id))
        for _ in range(args.cpu_samples)
    ]
    resume_cpu = []
    for _ in range(args.cpu_samples):
        complaint_id, run_id = intake()
        engine_cpu(run_id)  # the first execution, up to the written-record wait
        with session_scope() as session:
            complaint = session.get_one(Complaint, complaint_id)
            submit_written_record(
                session,
                complaint=complaint,
                actor=complaint.first_inquiry_owner,
                text="记录",
                now=utcnow(),
            )
        resume_for_step(run_id, {"operator": "owner"})
        resume_cpu.append(engine_cpu(run_id))
    empty_median, resume_median = statistics.median(empty_cpu), statistics.median(resume_cpu)
    print(
        f"CPU per flow process: empty start {empty_median:.2f} s, resume {resume_median:.2f} s, "
        f"ratio {resume_median / empty_median:.2f}x (median of {args.cpu_samples})"
    )

    # 3. Many complaints suspended at once.
    worker = ManagedProcess("worker", worker_args, env, home / "worker.log").start()
    started = time.perf_counter()
    run_ids = [intake()[1] for _ in range(args.suspended)]
    with get_client(sync_client=True) as client:
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        def all_suspended() -> bool:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(r) for r in run_ids])),
                limit=len(run_ids),
            )
            return sum(bool(r.state and r.state.is_paused()) for r in runs) == len(run_ids)

        until(all_suspended, 60 * 60, "all complaints suspended", every=5)
    elapsed = time.perf_counter() - started

    def alive() -> int:
        return sum(len(flow_processes(run_id)) for run_id in run_ids)

    # A process that has just suspended its run takes a moment to exit.
    deadline = time.monotonic() + 30
    while alive() and time.monotonic() < deadline:
        time.sleep(1)
    rss = 0
    for pid in [server.process.pid] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            parent = int(
                next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))
            )
        except (OSError, StopIteration):
            continue
        if pid == server.process.pid or parent == server.process.pid:
            rss += int(
                next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
            )
    print(
        f"{args.suspended} complaints suspended at once after {elapsed:.0f} s: "
        f"{alive()} flow processes alive, Prefect server RSS {rss / 1024:.0f} MB"
    )
    worker.stop(grace=5)


if __name__ == "__main__":
    main()

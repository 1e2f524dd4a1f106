"""Lifecycle benchmarks, on `make up`'s defaults: SQLite for the app, one process worker
(four flow processes per core, polling every second), a local SMTP sink; the Prefect server
on SQLite (the default) or on a throwaway PostgreSQL server (`--prefect-db postgresql`).

Prints:
1. intake-to-routed latency: from saving a complaint to its run suspended at the written-record
   wait (acknowledged, form written, manager notified) — median and p95;
2. CPU seconds of one resume (the flow process re-executing up to its next wait) against an
   empty flow run's start, measured the same way in the same run — the ratio is the figure
   (target at most 1.5x: what the flow module imports is paid on every resume);
3. N complaints suspended at once: flow processes alive (target 0) and the Prefect server's
   memory (and PostgreSQL's, when used). Run creation answered 429/5xx or unreachable is retried
   with backoff, as the app's reconciliation would, and the retries are counted.

    .venv/bin/python bench/lifecycle.py [--complaints 20] [--cpu-samples 5] [--suspended 1000]
        [--prefect-db sqlite|postgresql] [--no-fsync] [--stall-minutes 20] [--retry-minutes 15]

With `--prefect-db postgresql` the PostgreSQL server runs durably (fsync and synchronous commit
on, unlike the test suite's) unless `--no-fsync`; the Prefect server gets `complaints up`'s pool
settings (deployments/up.py: PREFECT_POSTGRES_DEFAULTS) unless PREFECT_SERVER_DATABASE_* are set.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prefect import flow


@flow(name="bench-empty")
def empty() -> None:
    """The baseline: a flow run that starts and ends."""


# Answers and failures after which creating a run is worth trying again (the idempotency key
# makes a retry return the run if the first attempt did create it).
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
# The Prefect API answers at most this many runs per read (PREFECT_SERVER_API_DEFAULT_LIMIT).
READ_PAGE = 200


class ClientRetries(logging.Filter):
    """Counts the Prefect client's own retries (it retries 429/502/503 and lost connections a
    few times before raising), by status code; passes on only what would have been logged."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()
        self.logger = logging.getLogger("prefect.client")
        self.level = self.logger.getEffectiveLevel()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Received response with retryable status code"):
            self.counts[message.split()[6].rstrip(".")] += 1
        elif message.startswith("Encountered retryable exception"):
            self.counts["connection"] += 1
        return record.levelno >= self.level

    def install(self) -> ClientRetries:
        self.logger.addFilter(self)
        self.logger.setLevel(logging.DEBUG)
        return self


def describe(counts: Counter[str]) -> str:
    return ", ".join(f"{key} ×{n}" for key, n in sorted(counts.items())) or "none"


def make_durable(postgres) -> None:  # type: ignore[no-untyped-def]
    """Restart the throwaway PostgreSQL server with fsync, synchronous commit and full-page
    writes on (the test suite turns them off for speed; production keeps them on)."""
    from tests.support.postgres import postgres_bin

    options = (
        f"-c listen_addresses=127.0.0.1 -p {postgres.port} -k {postgres.data_dir.parent} "
        "-c max_connections=200"
    )
    subprocess.run(
        [
            *postgres.run_as,
            postgres_bin("pg_ctl") or "pg_ctl",
            "-D",
            str(postgres.data_dir),
            "-w",
            "-m",
            "fast",
            "-l",
            str(postgres.data_dir.parent / "server.log"),
            "-o",
            options,
            "restart",
        ],
        check=True,
        capture_output=True,
    )


def children_cpu(pid: int | None) -> float:
    """CPU seconds used by the ended children of ``pid`` (cutime + cstime)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and the processes under it (and their ended ones)."""
    from tests.support.processes import process_tree

    total = 0.0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=20)
    parser.add_argument("--cpu-samples", type=int, default=5)
    parser.add_argument("--suspended", type=int, default=100)
    parser.add_argument(
        "--flow-starter",
        choices=["on", "off"],
        default="on",
        help="fork executions from the warm flow starter, as `make up` (off: a new process each)",
    )
    parser.add_argument(
        "--prefect-db",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="where the Prefect server keeps its runs (default: sqlite, as `make up`)",
    )
    parser.add_argument(
        "--no-fsync",
        action="store_true",
        help="PostgreSQL without fsync/synchronous commit (the test suite's; not production)",
    )
    parser.add_argument(
        "--stall-minutes",
        type=float,
        default=20,
        help="stop waiting for the suspended runs when none settled for this long",
    )
    parser.add_argument(
        "--retry-minutes",
        type=float,
        default=15,
        help="give up creating one run after retrying it for this long",
    )
    parser.add_argument(
        "--burst-via",
        choices=("web", "direct"),
        default="web",
        help="post the burst to the web API (as staff do), or create the runs in the bench",
    )
    parser.add_argument("--posters", type=int, default=8, help="clients posting the burst")
    parser.add_argument(
        "--server-batching",
        choices=("on", "off"),
        default="on",
        help="the Prefect server's batched task-run and event writes, as `up` sets them",
    )
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-lifecycle-"))
    from deployments.up import prefect_database, prefect_server_batching
    from tests.support.postgres import start_postgres
    from tests.support.processes import (
        ManagedProcess,
        PrefectServer,
        prefect_database_on,
        processes_with_environment,
    )
    from tests.support.smtp import SmtpSink

    managed: list[ManagedProcess] = []
    postgres = None
    server: PrefectServer | None = None
    smtp = SmtpSink().start()
    try:
        env = {
            **os.environ,
            "COMPLAINTS_DATABASE_URL": f"sqlite:///{home / 'complaints.db'}",
            "COMPLAINTS_DATA_DIR": str(home / "data"),
            "COMPLAINTS_SMTP_HOST": "127.0.0.1",
            "COMPLAINTS_SMTP_PORT": str(smtp.port),
            "PREFECT_HOME": str(home / "prefect"),
            "PREFECT_LOCAL_STORAGE_PATH": str(home / "results"),
            "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            # The server logs each request it answers 503 (counted below).
            "PREFECT_SERVER_LOG_RETRYABLE_ERRORS": "true",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        for variable in (
            "PREFECT_API_DATABASE_CONNECTION_URL",
            "PREFECT_SERVER_DATABASE_CONNECTION_URL",
        ):
            env.pop(variable, None)
        (home / "prefect").mkdir()
        if args.prefect_db == "postgresql":
            postgres = start_postgres()
            if not args.no_fsync:
                make_durable(postgres)
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = prefect_database_on(postgres)
        database = prefect_database(env)
        env.update(database.env)
        if args.server_batching == "on":
            env.update(prefect_server_batching(env))
        print(f"Prefect server batching: {args.server_batching}", flush=True)
        durability = ""
        if postgres is not None:
            durability = ", fsync off" if args.no_fsync else ", fsync on"
        print(f"Prefect server database: {database.describe()}{durability}", flush=True)
        server = PrefectServer(home / "prefect", env)
        managed.append(server)
        began = time.perf_counter()
        server.start()
        print(f"Prefect server healthy after {time.perf_counter() - began:.0f} s", flush=True)
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
            measure(args, home, env, server, managed, postgres)
        log = (home / "prefect" / "server.log").read_text(errors="replace")
        print(
            f"Prefect server log: {log.count('Encountered retryable exception in request')} "
            f"requests answered 503, {log.count('Encountered exception in request')} answered "
            f"500, {log.count('database is locked')} mentions of 'database is locked'"
        )
        if postgres is not None:
            from sqlalchemy import create_engine, text

            engine = create_engine(postgres.url("prefect"))
            with engine.connect() as connection:
                stored = connection.execute(text("SELECT count(*) FROM flow_run")).scalar_one()
            engine.dispose()
            print(f"Prefect's PostgreSQL database holds {stored} flow runs")
    finally:
        for process in reversed(managed):
            process.stop(grace=10)
        if server is not None:
            # Flow processes the worker left behind (there should be none): by process id.
            for pid in processes_with_environment("PREFECT_API_URL", server.api_url):
                if pid != os.getpid():
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
        smtp.stop()
        if postgres is not None:
            postgres.stop()
        print(f"logs in {home}")


def measure(  # type: ignore[no-untyped-def]
    args: argparse.Namespace, home: Path, env: dict[str, str], server, managed, postgres
) -> None:
    import httpx
    from sqlalchemy import select

    from config.settings import get_settings
    from deployments.flow_launch import SOCKET_ENV, socket_path
    from deployments.register import PROJECT_ROOT, register_deployments
    from models import Complaint, User
    from models.db import session_scope, utcnow
    from orchestration.names import WORK_POOL, worker_command
    from orchestration.runs import resume_for_step, start_lifecycle_run
    from policy.enums import Department, Role
    from services.directory import add_user
    from services.intake import register_complaint
    from services.setup import prepare_database
    from services.steps import submit_written_record
    from tests.models.factories import sample_intake
    from tests.support.processes import (
        BIN,
        ManagedProcess,
        memory_kib,
        process_tree,
        processes_with_environment,
    )
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
    worker_env = dict(env)
    starter = None
    if args.flow_starter == "on":
        starter_socket = socket_path(home / "data")
        starter = ManagedProcess(
            "flow-starter",
            [sys.executable, "-m", "deployments.flow_starter", "--socket", str(starter_socket)],
            env,
            home / "flow-starter.log",
        )
        managed.append(starter)
        starter.start()
        until(starter_socket.exists, 60, "the flow starter", every=0.1)
        worker_env[SOCKET_ENV] = str(starter_socket)
    print(f"flow starter: {args.flow_starter}", flush=True)
    worker = ManagedProcess("worker", worker_args, worker_env, home / "worker.log")
    managed.append(worker)
    worker.start()
    client_retries = ClientRetries().install()
    retries: Counter[str] = Counter()  # the bench's own, after the client's gave up
    given_up: list[int] = []

    def start_run(complaint_id: int, reference: str, created_at) -> str | None:  # type: ignore[no-untyped-def]
        """Create the run; on 429/5xx or a lost connection try again with backoff (1 s
        doubling to 60 s) for up to --retry-minutes, then give up (reconciliation's job)."""
        delay, give_up_at = 1.0, time.monotonic() + args.retry_minutes * 60
        while True:
            try:
                return str(
                    start_lifecycle_run(
                        complaint_id=complaint_id,
                        reference=reference,
                        created_at=created_at,
                        tags=["complaint", "bench"],
                    )
                )
            except httpx.HTTPStatusError as problem:
                if problem.response.status_code not in RETRYABLE_STATUS:
                    raise
                retries[str(problem.response.status_code)] += 1
            except httpx.TransportError as problem:
                retries[type(problem).__name__] += 1
            if time.monotonic() > give_up_at:
                given_up.append(complaint_id)
                return None
            time.sleep(delay)
            delay = min(delay * 2, 60)

    def intake() -> tuple[int, str | None]:
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
        run_id = start_run(*ids)
        if run_id is not None:
            with session_scope() as session:
                session.get_one(Complaint, ids[0]).flow_run_id = run_id
        return ids[0], run_id

    def required(run_id: str | None) -> str:
        if run_id is None:
            raise RuntimeError(f"gave up creating a run after {args.retry_minutes:g} min")
        return run_id

    def suspended(run_id: str) -> bool:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(run_id)).state
        return bool(state and state.is_paused())

    # 1. Intake to routed, one complaint at a time.
    latencies = []
    for _ in range(args.complaints):
        started = time.perf_counter()
        run_id = required(intake()[1])
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
        complaint_id, created = intake()
        run_id = required(created)
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
        resume_for_step(run_id, {"operator": "owner", "text": ""})
        resume_cpu.append(engine_cpu(run_id))
    empty_median, resume_median = statistics.median(empty_cpu), statistics.median(resume_cpu)
    print(
        f"CPU per flow process: empty start {empty_median:.2f} s, resume {resume_median:.2f} s, "
        f"ratio {resume_median / empty_median:.2f}x (median of {args.cpu_samples})"
    )

    # 3. Many complaints suspended at once.
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    retries.clear()
    client_retries.counts.clear()
    worker = ManagedProcess("worker", worker_args, worker_env, home / "worker.log")
    managed.append(worker)
    worker.start()
    # The executions' CPU: what the worker's children (launchers, cold engines) and the flow
    # starter's children (forked executions) used, counted as each ends.
    cpu_before = children_cpu(starter.process.pid if starter else None)
    assert server.process is not None
    server_before = tree_cpu(server.process.pid)
    postmaster = (
        int((postgres.data_dir / "postmaster.pid").read_text().split()[0]) if postgres else None
    )
    postgres_before = tree_cpu(postmaster) if postmaster else 0.0
    assert worker.process is not None
    system_parts = [server.process.pid, worker.process.pid]
    system_parts += [pid for pid in (postmaster, starter.process.pid if starter else None) if pid]
    system_before = sum(tree_cpu(pid) for pid in system_parts)
    began = time.perf_counter()
    if args.burst_via == "web":
        run_ids = post_burst(args, home, env, managed, began)
    else:
        created = [intake()[1] for _ in range(args.suspended)]
        run_ids = [UUID(run_id) for run_id in created if run_id is not None]
    creating = time.perf_counter() - began
    print(
        f"{len(run_ids)} of {args.suspended} runs created in {creating:.0f} s; retries: "
        f"the Prefect client's {describe(client_retries.counts)}, then the bench's "
        f"{describe(retries)}; gave up on {len(given_up)}",
        flush=True,
    )
    client_retries.counts.clear()  # from here on: the bench's reads of the runs' states

    def states() -> Counter[str]:
        counts: Counter[str] = Counter()
        with get_client(sync_client=True) as client:
            for first in range(0, len(run_ids), READ_PAGE):
                page = run_ids[first : first + READ_PAGE]
                runs = client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=page)), limit=len(page)
                )
                counts["(missing)"] += len(page) - len(runs)
                for run in runs:
                    state = run.state
                    settled = bool(state and (state.is_paused() or state.is_final()))
                    counts[f"{state.name if state else 'none'}{'' if settled else '*'}"] += 1
        return +counts

    # Wait until every run is suspended or final, or nothing settled for --stall-minutes.
    read_failures: Counter[str] = Counter()
    last_settled, last_change, counts = -1, time.monotonic(), Counter[str]()
    while True:
        try:
            counts = states()
        except httpx.HTTPStatusError as problem:
            read_failures[str(problem.response.status_code)] += 1
        except httpx.TransportError as problem:
            read_failures[type(problem).__name__] += 1
        settled = sum(n for name, n in counts.items() if not name.endswith("*"))
        if not run_ids or (counts and settled == len(run_ids)):
            break
        if settled != last_settled:
            last_settled, last_change = settled, time.monotonic()
        elif time.monotonic() - last_change > args.stall_minutes * 60:
            print(f"stopped waiting: no run settled for {args.stall_minutes:g} min", flush=True)
            break
        time.sleep(5)
    elapsed = time.perf_counter() - began

    def alive() -> int:
        flow_run_ids = set(processes_with_environment("PREFECT__FLOW_RUN_ID").values())
        return len(flow_run_ids & {str(run_id) for run_id in run_ids})

    # A process that has just suspended its run takes a moment to exit.
    deadline = time.monotonic() + 30
    while alive() and time.monotonic() < deadline:
        time.sleep(1)
    # RSS of the server and its children (as measured before), and PostgreSQL's proportional
    # set size (shared buffers split among its processes rather than counted in each).
    rss = sum(memory_kib(pid, "VmRSS") for pid in process_tree(server.process.pid))
    memory = f"Prefect server RSS {rss / 1024:.0f} MB"
    if postgres is not None:
        postmaster = int((postgres.data_dir / "postmaster.pid").read_text().split()[0])
        pss = sum(memory_kib(pid, "Pss") for pid in process_tree(postmaster))
        memory += f", PostgreSQL PSS {pss / 1024:.0f} MB"
    assert worker.process is not None
    executions_cpu = (
        children_cpu(starter.process.pid if starter else None)
        + children_cpu(worker.process.pid)
        - cpu_before
    )
    cores = os.cpu_count() or 1
    floor = executions_cpu / cores
    # All the CPU the burst took: the executions and what each one costs the Prefect server,
    # its PostgreSQL, the worker, the flow starter and the web app that took the complaints.
    web = next((process for process in managed if process.name == "web"), None)
    if web is not None and web.process is not None:
        system_parts.append(web.process.pid)
    system_cpu = sum(tree_cpu(pid) for pid in system_parts) - system_before
    print(
        f"CPU of the whole system {system_cpu:.0f} s ({system_cpu / max(len(run_ids), 1):.2f} "
        f"s an execution) on {cores} cores: the CPU work alone needs {system_cpu / cores:.0f} s; "
        f"the burst took {elapsed / (system_cpu / cores) if system_cpu else 0:.2f}x that"
    )
    print(
        f"CPU of the executions {executions_cpu:.0f} s on {cores} cores: the CPU work alone "
        f"needs {floor:.0f} s; the burst took {elapsed / floor if floor else 0:.2f}x that; "
        f"meanwhile the Prefect server used {tree_cpu(server.process.pid) - server_before:.0f} "
        "s of CPU"
        + (f", its PostgreSQL {tree_cpu(postmaster) - postgres_before:.0f} s" if postmaster else "")
    )
    print(
        f"{args.suspended} complaints suspended at once after {elapsed:.0f} s: "
        f"{alive()} flow processes alive, {memory}; runs by state: {describe(counts)}"
        + ("" if not read_failures else f"; state reads failed: {describe(read_failures)}")
        + f"; client retries while waiting {describe(client_retries.counts)}"
    )
    worker.stop(grace=5)


def post_burst(  # type: ignore[no-untyped-def]
    args: argparse.Namespace, home: Path, env: dict[str, str], managed, began: float
) -> list[UUID]:
    """The burst as staff send it: the web app (`complaints web`, as `up` starts it) takes
    --suspended complaints posted by --posters clients at once through the JSON API; it answers
    each once the complaint is saved and starts its flow run after the answer. Prints how long
    the posting took and every answer that was not 201; returns the runs' ids once the web app
    has started them all (or --stall-minutes passed without a new one)."""
    import uuid
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    import httpx
    from sqlalchemy import func, select

    from models import Complaint
    from models.db import session_scope
    from tests.support.postgres import free_port
    from tests.support.processes import BIN, ManagedProcess
    from tests.support.processes import wait_until as until

    port = free_port()
    web_env = {**env, "COMPLAINTS_WEB_PORT": str(port), "COMPLAINTS_SECRET_KEY": "b" * 48}
    web = ManagedProcess("web", [str(BIN / "complaints"), "web"], web_env, home / "web.log")
    managed.append(web)
    web.start()
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/login", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    until(up, 60, "the web app", every=0.2)
    token = httpx.post(
        f"{base}/api/login", json={"username": "owner", "password": "x" * 12}, timeout=30
    ).json()["token"]
    with session_scope() as session:
        before = session.scalar(select(func.count()).select_from(Complaint)) or 0
    now = datetime.now(UTC)
    body = {
        "channel": "phone",
        "complainant": "customer",
        "customer_name": "客户",
        "customer_phone": "13900001111",
        "customer_email": "c@bench.test",
        "content": "客户来电称账户资金划转延迟，要求说明原因。",
        "promised_reply_at": (now + timedelta(days=15)).isoformat(),
    }
    answers: Counter[str] = Counter()

    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as client:

        def post(_: int) -> None:
            key = str(uuid.uuid4())
            for _attempt in range(5):
                try:
                    answer = client.post(
                        "/api/complaints", json=body, headers={"Idempotency-Key": key}
                    )
                except httpx.TransportError as problem:
                    answers[type(problem).__name__] += 1
                    continue
                answers[str(answer.status_code)] += 1
                if answer.status_code < 500:
                    return

        started = time.perf_counter()
        with ThreadPoolExecutor(args.posters) as pool:
            list(pool.map(post, range(args.suspended)))
        posting = time.perf_counter() - started
    print(
        f"{args.suspended} complaints posted to the web API by {args.posters} clients in "
        f"{posting:.1f} s; answers {describe(answers)}",
        flush=True,
    )

    def started_runs() -> list[str]:
        with session_scope() as session:
            return list(
                session.scalars(
                    select(Complaint.flow_run_id)
                    .where(Complaint.flow_run_id.is_not(None))
                    .order_by(Complaint.id)
                    .offset(before)
                )
            )

    last, last_change = -1, time.monotonic()
    while True:
        runs = started_runs()
        if len(runs) >= args.suspended:
            break
        if len(runs) != last:
            last, last_change = len(runs), time.monotonic()
        elif time.monotonic() - last_change > args.stall_minutes * 60:
            print("stopped waiting for the web app to start runs", flush=True)
            break
        time.sleep(1)
    print(
        f"the web app started {len(runs)} runs {time.perf_counter() - began:.0f} s after "
        "the first post",
        flush=True,
    )
    return [UUID(run_id) for run_id in runs]


if __name__ == "__main__":
    main()

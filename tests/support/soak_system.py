"""The soak's moving parts (bench/soak.py, tests/deployments/test_soak.py): the system started
as `complaints up` starts its services, but as separate processes that a chaos loop can kill
and restart one by one; simulated staff driving complaints over the HTTP API; the chaos loop;
an upgrade of the workers to a new release of the code while complaints move.

The environment each service gets is `up`'s (``deployments.up``: Prefect's settings, the
sign-in, event retention, the Prefect database's pool), with shared result storage under the
data folder: every worker of the soak sees the same ``PREFECT_LOCAL_STORAGE_PATH``, as
docs/operations.md asks of workers on several machines.
"""

from __future__ import annotations

import base64
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select, text

from config.settings import Settings
from deployments.flow_launch import SOCKET_ENV
from deployments.prefect_access import prefect_auth
from deployments.register import PROJECT_ROOT
from deployments.up import prefect_database, prefect_environment, prefect_event_retention
from models import Complaint, Notification
from models.db import session_scope
from orchestration.names import worker_command, worker_name
from policy.enums import Department, NotificationStatus, Role, Stage
from services.directory import add_user
from services.setup import prepare_database
from tests.support.postgres import PostgresServer, free_port, postgres_bin, start_postgres
from tests.support.processes import (
    BIN,
    ManagedProcess,
    prefect_database_on,
    processes_with_environment,
    wait_until,
)
from tests.support.soak_checks import (
    Verdict,
    judge,
    maildir_message_ids,
    read_app,
    read_runs,
)

PASSWORD = "soak-password-1"
LIFECYCLE = "complaint-lifecycle"
# What a release adds to the code: a line each execution prints (the worker's log shows it).
RELEASE_LINE = "complaints release: soak-2"


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# The services ---------------------------------------------------------------------------------


@dataclass
class Service:
    """One process of the system, restartable with the same command and environment."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path = PROJECT_ROOT
    ready: Callable[[], bool] | None = None
    process: ManagedProcess | None = None
    kills: int = 0

    def start(self, timeout: float = 180) -> Service:
        self.process = ManagedProcess(self.name, self.command, self.env, self.log, cwd=self.cwd)
        self.process.start()
        if self.ready is not None:
            wait_until(self.ready, timeout, f"{self.name} to be ready")
        return self

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.kills += 1

    def stop(self, grace: float = 10) -> None:
        if self.process is not None:
            self.process.stop(grace=grace)

    @property
    def pid(self) -> int | None:
        return self.process.process.pid if self.process and self.process.process else None


def _http_ok(url: str) -> Callable[[], bool]:
    def ok() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    return ok


def _listening(port: int) -> Callable[[], bool]:

    def ok() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    return ok


@dataclass
class WorkerPair:
    """A process worker and its flow starter, as `up` runs them (the starter first)."""

    starter: Service
    worker: Service

    def start(self) -> None:
        self.starter.start(timeout=90)
        self.worker.start()

    def stop(self) -> None:
        # As `up` stops them: the worker takes one SIGTERM as a polite request.
        for service in (self.worker, self.starter):
            if service.process is not None and service.process.alive:
                assert service.process.process is not None
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(service.process.process.pid, signal.SIGTERM)
        for service in (self.worker, self.starter):
            service.stop(grace=20)


@dataclass
class SoakSystem:
    home: Path
    settings: Settings
    env: dict[str, str]
    database_url: str
    api_url: str
    web_url: str
    maildir: Path
    prefect: Service
    web: Service
    smtp: Service
    workers: list[WorkerPair]
    postgres: list[PostgresServer] = field(default_factory=list)
    code_root: Path = PROJECT_ROOT
    release_starts: int = 0  # executions that printed RELEASE_LINE, counted at the end

    @property
    def prefect_headers(self) -> dict[str, str]:
        auth = self.env.get("PREFECT_API_AUTH_STRING")
        return (
            {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
        )

    def services(self) -> dict[str, Service]:
        found = {"prefect-server": self.prefect, "web": self.web, "smtp": self.smtp}
        for number, pair in enumerate(self.workers, 1):
            found[f"worker-{number}"] = pair.worker
        return found

    def reconcile(self) -> str:
        """`complaints reconcile`, as ops run it by hand (its JSON line, or the error)."""
        done = subprocess.run(
            [str(BIN / "complaints"), "reconcile"],
            env=self.env,
            cwd=self.code_root,
            capture_output=True,
            text=True,
            timeout=600,
        )
        return (done.stdout.strip().splitlines() or [done.stderr.strip()[-300:]])[-1]

    def stop(self) -> None:
        """Everything this system started, by process id: web first, then the workers."""
        self.web.stop()
        for pair in self.workers:
            pair.stop()
        self.smtp.stop()
        self.prefect.stop(grace=15)
        # Executions still running at the end (each in a session of its own, as the starter
        # forks them) would wait for the stopped server for minutes: by process id.
        for pid in processes_with_environment("PREFECT_API_URL", self.api_url):
            if pid != os.getpid():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        for server in self.postgres:
            server.stop()


def start_system(
    home: Path,
    *,
    workers: int = 2,
    app_postgres: bool = True,
    prefect_postgres: bool = True,
    reconcile_every_seconds: int = 300,
    extra_env: dict[str, str] | None = None,
    app_database_url: str | None = None,
    prefect_database_url: str | None = None,
) -> SoakSystem:
    """Start the system under ``home``. Distributed: PostgreSQL for the app and another for the
    Prefect server, two worker pairs. Embedded (`make up`'s defaults): SQLite for the app, the
    Prefect server on a PostgreSQL of its own when the server programs are installed (`up`'s
    choice) else SQLite, one worker pair. Databases given by URL are used instead of starting
    a PostgreSQL server for them (the test session's)."""
    data = home / "data"
    data.mkdir(parents=True, exist_ok=True)
    servers: list[PostgresServer] = []
    system: SoakSystem | None = None
    try:
        if app_database_url:  # a database of the caller's (the test session's server)
            database_url = app_database_url
        elif app_postgres:
            servers.append(start_postgres())
            database_url = _create_database(servers[-1], "complaints")
        else:
            database_url = f"sqlite:///{data / 'complaints.db'}"
        prefect_url = prefect_database_url
        if prefect_url is None and prefect_postgres and postgres_bin("initdb"):
            servers.append(start_postgres())
            prefect_url = prefect_database_on(servers[-1])
        smtp_port, web_port, prefect_port = free_port(), free_port(), free_port()
        complaints_env = {
            "COMPLAINTS_DATA_DIR": str(data),
            "COMPLAINTS_DATABASE_URL": database_url,
            "COMPLAINTS_PREFECT_PORT": str(prefect_port),
            "COMPLAINTS_WEB_PORT": str(web_port),
            "COMPLAINTS_WEB_HOST": "127.0.0.1",
            "COMPLAINTS_SMTP_HOST": "127.0.0.1",
            "COMPLAINTS_SMTP_PORT": str(smtp_port),
            "COMPLAINTS_SECRET_KEY": uuid.uuid4().hex,
            "COMPLAINTS_MAIL_FROM": "complaints@soak.test",
            # Closing as unreachable needs failed contacts on this many different days; a soak
            # lasts minutes, so one day's attempt is enough here.
            "COMPLAINTS_UNREACHABLE_ATTEMPTS": "1",
            **(extra_env or {}),
        }
        settings = Settings(
            data_dir=data,
            database_url=database_url,
            prefect_port=prefect_port,
            web_port=web_port,
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            mail_from="complaints@soak.test",
            unreachable_attempts=1,
        )
        env = {**os.environ, **complaints_env}
        for variable in ("PREFECT_API_DATABASE_CONNECTION_URL", "PYTHONPATH"):
            env.pop(variable, None)
        auth = prefect_auth(settings, {})
        env.update({**prefect_environment(settings), **auth.client_env()})
        env.update(prefect_event_retention(settings, env))
        if prefect_url:
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = prefect_url
        env.update(prefect_database(env).env)
        Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
        prepare_database(database_url)
        _add_staff(database_url)

        api_url = env["PREFECT_API_URL"]
        prefect = Service(
            "prefect-server",
            [str(BIN / "prefect"), "server", "start"],
            {**env, **auth.server_env()},
            data / "prefect-server.log",
            ready=_http_ok(f"{api_url}/health"),
        )
        maildir = data / "mailbox"
        smtp = Service(
            "smtp",
            [
                str(BIN / "python"),
                *("-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}"),
                *("-c", "aiosmtpd.handlers.Mailbox", str(maildir)),
            ],
            env,
            data / "smtp.log",
            ready=_listening(smtp_port),
        )
        web_url = f"http://127.0.0.1:{web_port}"
        web = Service(
            "web",
            [str(BIN / "complaints"), "web"],
            env,
            data / "web.log",
            ready=_http_ok(f"{web_url}/login"),
        )
        system = SoakSystem(
            home=home,
            settings=settings,
            env=env,
            database_url=database_url,
            api_url=api_url,
            web_url=web_url,
            maildir=maildir,
            prefect=prefect,
            web=web,
            smtp=smtp,
            workers=[],
            postgres=servers,
        )
        prefect.start()
        smtp.start()
        register(system, PROJECT_ROOT, reconcile_every_seconds)
        system.workers = [worker_pair(system, number, PROJECT_ROOT) for number in range(workers)]
        for pair in system.workers:
            pair.start()
        web.start()
        return system
    except BaseException:
        if system is not None:
            system.stop()
        else:
            for server in servers:
                server.stop()
        raise


def _create_database(server: PostgresServer, name: str) -> str:
    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.url(name)


# Who works on the complaints: (username, role, department, superior).
STAFF = [
    ("leader", Role.leadership, None, None),
    ("mgr_wc", Role.manager, Department.wealth_center, "leader"),
    ("mgr_gm", Role.manager, Department.general_management, "leader"),
    ("staff_wc1", Role.staff, Department.wealth_center, "mgr_wc"),
    ("staff_wc2", Role.staff, Department.wealth_center, "mgr_wc"),
    ("handler_wc", Role.staff, Department.wealth_center, "mgr_wc"),
    ("handler_gm", Role.staff, Department.general_management, "mgr_gm"),
    ("ops", Role.admin, None, None),
]


def _add_staff(database_url: str) -> None:
    with session_scope(database_url) as session:
        for username, role, department, superior in STAFF:
            add_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                department=department,
                superior=superior,
                email=f"{username}@soak.test",
            )


def register(system: SoakSystem, code_root: Path, reconcile_every_seconds: int = 300) -> None:
    """Register the deployments and automations from ``code_root`` (what `up` does on every
    start, and what ops do once per release): the deployments' source is that directory."""
    script = (
        "from deployments.register import register_deployments; "
        f"register_deployments(reconcile_every_seconds={reconcile_every_seconds})"
    )
    subprocess.run(
        [str(BIN / "python"), "-c", script],
        env=_code_env(system.env, code_root),
        cwd=code_root,
        check=True,
        capture_output=True,
        timeout=300,
    )


def _code_env(env: dict[str, str], code_root: Path) -> dict[str, str]:
    if code_root == PROJECT_ROOT:
        return env
    return {**env, "PYTHONPATH": str(code_root)}


def worker_pair(system: SoakSystem, number: int, code_root: Path) -> WorkerPair:
    data = system.home / "data"
    socket = data / f"starter-{number + 1}.sock"
    env = _code_env(system.env, code_root)
    starter = Service(
        f"flow-starter-{number + 1}",
        [str(BIN / "python"), "-m", "deployments.flow_starter", "--socket", str(socket)],
        env,
        data / f"flow-starter-{number + 1}.log",
        cwd=code_root,
        ready=socket.exists,
    )
    command = worker_command(str(BIN / "prefect"))
    command[command.index("--name") + 1] = worker_name(f"soak-{number + 1}")
    worker = Service(
        f"worker-{number + 1}",
        command,
        {**env, SOCKET_ENV: str(socket)},
        data / f"worker-{number + 1}.log",
        cwd=code_root,
    )
    return WorkerPair(starter, worker)


# The upgrade ----------------------------------------------------------------------------------


def new_release(system: SoakSystem) -> Path:
    """A second checkout of the code with a trivial change to a task: each execution prints
    RELEASE_LINE when it reads the complaint's progress (no complaint data)."""
    target = system.home / "release-2"
    shutil.copytree(
        PROJECT_ROOT,
        target,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "data", "__pycache__", "*.egg-info", ".ruff_cache", "node_modules"
        ),
    )
    task = target / "tasks" / "lifecycle.py"
    source = task.read_text()
    anchor = "        return progress_snapshot(session, complaint_id)"
    assert anchor in source, "the task to change was not found"
    task.write_text(
        source.replace(anchor, f'        print("{RELEASE_LINE}", flush=True)\n{anchor}', 1)
    )
    return target


def upgrade_workers(system: SoakSystem, code_root: Path) -> None:
    """Restart the workers on the release in ``code_root``: stop every worker pair (politely:
    running executions go on to their end), register the deployments from the new checkout,
    start the pairs there."""
    for pair in system.workers:
        pair.stop()
    register(system, code_root)
    system.workers = [worker_pair(system, n, code_root) for n in range(len(system.workers))]
    for pair in system.workers:
        pair.start()
    system.code_root = code_root


def release_lines(system: SoakSystem) -> int:
    return sum(
        path.read_text(errors="replace").count(RELEASE_LINE)
        for path in (system.home / "data").glob("worker-*.log")
    )


# The staff ------------------------------------------------------------------------------------

PATHS = (
    "plain",
    "transfer",
    "major-sendback",
    "unfounded",
    "reopened",
    "extension",
    "unreachable",
    "withdrawn",
)
RETRY_STATUS = {500, 502, 503, 504}


class Api:
    """The JSON API as a person's client uses it: on a lost connection or a 5xx answer they try
    again after a moment (the same Idempotency-Key for an intake), for up to ``patience``."""

    def __init__(self, base: str, patience: float = 900) -> None:
        self.base, self.patience = base, patience
        self.tokens: dict[str, str] = {}
        self.retries = 0
        self.lock = threading.Lock()
        self.abort = threading.Event()  # the soak is being stopped: every person stops

    def _send(self, method: str, path: str, headers: dict[str, str], body: Any) -> httpx.Response:
        give_up = time.monotonic() + self.patience
        while True:
            if self.abort.is_set():
                raise RuntimeError("the soak was stopped")
            try:
                response = httpx.request(
                    method, f"{self.base}{path}", json=body, headers=headers, timeout=60
                )
                if response.status_code not in RETRY_STATUS:
                    return response
            except httpx.TransportError:
                pass
            with self.lock:
                self.retries += 1
            if time.monotonic() > give_up:
                raise RuntimeError(f"{method} {path}: no answer for {self.patience:.0f} s")
            time.sleep(random.uniform(1, 3))

    def token(self, user: str) -> str:
        if user not in self.tokens:
            answer = self._send("POST", "/api/login", {}, {"username": user, "password": PASSWORD})
            answer.raise_for_status()
            self.tokens[user] = answer.json()["token"]
        return self.tokens[user]

    def call(
        self, user: str, method: str, path: str, body: Any = None, **headers: str
    ) -> httpx.Response:
        answer = self._send(
            method, path, {"Authorization": f"Bearer {self.token(user)}", **headers}, body
        )
        if answer.status_code == 401:
            self.tokens.pop(user, None)
            return self.call(user, method, path, body, **headers)
        return answer


@dataclass
class Driven:
    key: str
    path: str
    reference: str | None = None
    actions: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def drive(
    api: Api,
    number: int,
    key: str,
    think: Callable[[], float],
    patience: float = 1800,
    paths: tuple[str, ...] = PATHS,
) -> Driven:
    """One complaint from intake to closure over the API along path ``paths[number % n]``, as
    the people whose turn it is would take each step when the complaint reaches them."""
    path = paths[number % len(paths)]
    driven = Driven(key=key, path=path)
    owner = ("staff_wc1", "staff_wc2")[number % 2]
    now = datetime.now(UTC)
    intake = {
        "channel": "phone",
        "complainant": "customer",
        "customer_name": f"客户{number:04d}",
        "customer_phone": f"139{number:08d}",
        "customer_email": f"customer{number}@soak.test",
        "product": "稳盈1号",
        "content": "赎回款到账延迟，客户要求说明原因并尽快到账。",
        "received_at": (now - timedelta(minutes=1)).isoformat(),
        "promised_reply_at": (now + timedelta(days=5)).isoformat(),
        "department": "wealth_center",
        "major": path == "major-sendback",
    }
    answer = api.call(owner, "POST", "/api/complaints", intake, **{"Idempotency-Key": driven.key})
    answer.raise_for_status()
    driven.reference = reference = answer.json()["reference"]
    give_up = time.monotonic() + patience
    while time.monotonic() < give_up:
        time.sleep(think())
        detail = api.call(owner, "GET", f"/api/complaints/{reference}").json()
        stage = detail["stage"]
        if stage in ("closed", "archived"):
            return driven
        act = _next_action(path, detail, owner)
        if act is None:
            continue
        user, method, url, body = act
        done = api.call(user, method, f"/api/complaints/{reference}{url}", body)
        driven.actions.append(f"{stage}:{url}:{done.status_code}")
        if done.status_code >= 400:
            # 409 after a retry whose first attempt was saved: the next look shows the stage.
            driven.refused.append(f"{url} {done.status_code} {done.text[:200]}")
    raise RuntimeError(f"{reference} ({path}) still open after {patience:.0f} s")


def _next_action(
    path: str, detail: dict[str, Any], owner: str
) -> tuple[str, str, str, dict[str, Any]] | None:
    stage, department = detail["stage"], detail["department"]
    gm = department == "general_management"
    manager = "mgr_gm" if gm else "mgr_wc"
    handler = detail["handler"] or ("handler_gm" if gm else "handler_wc")
    later_round = detail["handling_round"] > 1 or detail["reopen_count"] > 0
    if stage == "awaiting_written_record":
        return (
            owner,
            "POST",
            "/written-record",
            {"text": "客户来电反映赎回款未到账，已记录并致歉。"},
        )
    if stage == "awaiting_assignment":
        if path == "transfer" and not gm:
            body = {"transfer_to_department": "general_management", "reason": "涉及综合管理"}
            return manager, "POST", "/assignment", body
        return manager, "POST", "/assignment", {"handler": "handler_gm" if gm else "handler_wc"}
    if stage == "awaiting_major_decision":
        major = path == "major-sendback"
        return manager, "POST", "/major-decision", {"major": major, "reason": "按影响范围认定"}
    if stage == "awaiting_leadership_instruction":
        return "leader", "POST", "/leadership-instruction", {"instruction": "核实后尽快答复客户"}
    if stage == "awaiting_handling":
        if path == "unreachable":
            if not detail.get("contacts"):
                body = {"method": "phone", "reached": False, "summary": "电话无人接听"}
                return handler, "POST", "/contacts", body
            body = {"reason": "unreachable", "note": "多次电话联系客户未果"}
            return manager, "POST", "/closure", body
        if path == "extension":
            extensions = detail.get("extensions") or []
            if not extensions:
                reply_at = datetime.fromisoformat(detail["received_at"]) + timedelta(days=10)
                body = {"new_reply_at": reply_at.isoformat(), "reason": "需向托管行调取划款记录"}
                return handler, "POST", "/extension", body
            pending = [e for e in extensions if e["status"] == "pending"]
            if pending:
                body = {"approved": True, "comment": "同意"}
                return manager, "POST", f"/extension/{pending[0]['id']}/decision", body
        founded = path != "unfounded"
        body = {"founded": founded, "evidence": "核对划款记录", "solution": "补划款项并说明原因"}
        return handler, "POST", "/handling", body
    if stage == "awaiting_leadership_review":
        approved = path != "major-sendback" or later_round
        body = {"approved": approved, "comment": "同意" if approved else "请补充赔付依据后重报"}
        return "leader", "POST", "/leadership-review", body
    if stage == "awaiting_customer_confirmation":
        return handler, "POST", "/customer-confirmation", {"confirmed": True, "note": ""}
    if stage == "awaiting_feedback":
        if path == "withdrawn":
            body = {"reason": "withdrawn", "note": "客户来电撤回投诉", "withdrawal_method": "phone"}
            return handler, "POST", "/closure", body
        satisfied = path != "reopened" or later_round
        body = {"satisfied": satisfied, "comment": "" if satisfied else "补偿不足，要求重新处理"}
        return handler, "POST", "/feedback", body
    if stage == "awaiting_leadership_decision":
        return "leader", "POST", "/leadership-decision", {"another_round": False, "note": "办结"}
    return None


# The chaos ------------------------------------------------------------------------------------


@dataclass
class Chaos:
    """Every ``low``–``high`` s (seeded) SIGKILL one service and start it again."""

    system: SoakSystem
    low: float
    high: float
    seed: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopped: threading.Event = field(default_factory=threading.Event)
    events: list[str] = field(default_factory=list)
    schedule: list[tuple[float, str]] | None = None  # fixed (seconds after start, target)

    def run(self) -> None:
        rng = random.Random(self.seed)
        began = time.monotonic()
        planned = list(self.schedule or [])
        while not self.stopped.is_set():
            if self.schedule is not None:
                if not planned:
                    return
                at, target = planned.pop(0)
                wait = max(0.0, began + at - time.monotonic())
            else:
                wait = rng.uniform(self.low, self.high)
                target = rng.choice(sorted(self.system.services()))
            if self.stopped.wait(wait):
                return
            with self.lock:
                self.kill_and_restart(target, rng.uniform(1, 5))

    def kill_and_restart(self, target: str, down_for: float) -> None:
        service = self.system.services()[target]
        pid = service.pid
        service.kill()
        time.sleep(down_for)
        began = time.monotonic()
        service.start()
        line = (
            f"killed {target} (pid {pid}) with SIGKILL; restarted after {down_for:.0f} s, "
            f"ready in {time.monotonic() - began:.0f} s"
        )
        self.events.append(line)
        log(line)


# The whole soak -------------------------------------------------------------------------------


@dataclass
class SoakResult:
    verdict: Verdict
    chaos: list[str]
    driven: list[Driven]
    errors: list[str]
    retries: int
    drive_seconds: float
    upgraded: bool
    release_lines: int


def run_soak(
    system: SoakSystem,
    *,
    complaints: int,
    staff: int,
    chaos: Chaos,
    upgrade_at: float | None = None,
    think: tuple[float, float] = (0.5, 3.0),
    arrival_seconds: float = 60,
    drain_timeout: float = 1800,
    reconcile_every: float = 60,
    paths: tuple[str, ...] = PATHS,
    patience: float = 1800,
) -> SoakResult:
    """Drive ``complaints`` complaints with ``staff`` people at once while the chaos runs;
    stop the chaos when the last is closed; run reconciliation as ops would until every run
    has drained; then read and judge."""
    api = Api(system.web_url)
    driven: list[Driven] = []
    errors: list[str] = []
    rng = random.Random(chaos.seed + 1)
    gap = arrival_seconds / max(complaints, 1)

    keys = [str(uuid.uuid4()) for _ in range(complaints)]  # one Idempotency-Key per intake

    def one(number: int) -> None:
        try:
            driven.append(
                drive(api, number, keys[number], lambda: rng.uniform(*think), patience, paths)
            )
        except Exception as error:  # reported with the figures
            errors.append(f"complaint {number}: {type(error).__name__}: {error}")

    chaos_thread = threading.Thread(target=chaos.run, daemon=True)
    began = time.monotonic()
    chaos_thread.start()
    upgraded = False
    pool = ThreadPoolExecutor(max_workers=staff)
    try:
        futures = []
        for number in range(complaints):
            futures.append(pool.submit(one, number))
            if upgrade_at is not None and not upgraded and time.monotonic() - began >= upgrade_at:
                upgraded = _upgrade(system, chaos)
            time.sleep(gap)
        while not all(f.done() for f in futures):
            if upgrade_at is not None and not upgraded and time.monotonic() - began >= upgrade_at:
                upgraded = _upgrade(system, chaos)
            time.sleep(1)
    except BaseException:  # Ctrl-C or an error: stop the people and the chaos, then go
        api.abort.set()
        chaos.stopped.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if chaos.schedule is not None:  # a planned chaos carries out its whole plan first
        chaos_thread.join()
    drive_seconds = time.monotonic() - began
    chaos.stopped.set()
    chaos_thread.join()
    log(f"staff done after {drive_seconds:.0f} s; chaos stopped; draining")
    drained_at = drain(system, drain_timeout, reconcile_every)
    drain_seconds = None if drained_at is None else drained_at - (began + drive_seconds)
    time.sleep(5)
    app = read_app(system.database_url, system.settings)
    verdict = judge(
        keys,
        app,
        maildir_message_ids(system.maildir),
        read_runs(system.api_url, system.prefect_headers),
        drain_seconds,
    )
    verdict.problems["staff"] = errors
    return SoakResult(
        verdict=verdict,
        chaos=chaos.events,
        driven=driven,
        errors=errors,
        retries=api.retries,
        drive_seconds=drive_seconds,
        upgraded=upgraded,
        release_lines=release_lines(system),
    )


def _upgrade(system: SoakSystem, chaos: Chaos) -> bool:
    with chaos.lock:
        log("upgrade: copying the project to a new release and restarting the workers on it")
        began = time.monotonic()
        upgrade_workers(system, new_release(system))
        log(f"upgrade: workers running the new release after {time.monotonic() - began:.0f} s")
    return True


def drain(system: SoakSystem, timeout: float, reconcile_every: float) -> float | None:
    """Run `complaints reconcile` now and every ``reconcile_every`` s until every complaint is
    archived, no notice is pending and every complaint's run is Completed; the moment it was,
    or None."""
    deadline = time.monotonic() + timeout
    next_reconcile = time.monotonic()
    while time.monotonic() < deadline:
        if time.monotonic() >= next_reconcile:
            log(f"reconcile: {system.reconcile()}")
            next_reconcile = time.monotonic() + reconcile_every
        with session_scope(system.database_url) as session:
            open_ = session.scalar(
                select(Complaint.id).where(Complaint.stage != Stage.archived).limit(1)
            )
            pending = session.scalar(
                select(Notification.id)
                .where(Notification.status == NotificationStatus.pending)
                .limit(1)
            )
        if open_ is None and pending is None:
            try:
                runs = read_runs(system.api_url, system.prefect_headers)
            except httpx.HTTPError:
                runs = [("?", "?", "RUNNING")]
            # Every complaint's run ended Completed (a Crashed one is re-queued by reconcile).
            if all(state == "COMPLETED" for flow, _, state in runs if flow == LIFECYCLE):
                return time.monotonic()
        time.sleep(5)
    return None

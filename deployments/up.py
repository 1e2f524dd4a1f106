"""`make up` / `complaints up`: the whole system on one machine, on 127.0.0.1 only.

Starts the Prefect server, a local SMTP sink (unless an SMTP host is configured), a process
worker and the staff web app; waits for each to be healthy; prints the URLs. Ctrl-C or SIGTERM
stops the web app and the worker first (the worker gets SIGTERM twice, as it takes one as a
polite request), then the rest, each with a grace period before SIGKILL.

Whatever else ends it (an error of any kind while starting, Ctrl-C before it is ready, a
service that dies) stops every service it started and says why in one line. Its services also
end when `up` itself is killed outright (PR_SET_PDEATHSIG), and ``data/up.pids`` names them so
that the next `up` for the same data folder stops any that were left. Before starting, `up`
checks its ports and names the process holding a busy one. The Prefect server requires sign-in
(``deployments.prefect_access``).

The Prefect server keeps its runs in SQLite under ``data/prefect`` unless the operator sets
``PREFECT_API_DATABASE_CONNECTION_URL`` (or ``PREFECT_SERVER_DATABASE_CONNECTION_URL``) to a
``postgresql+asyncpg://`` URL: the server inherits the environment, and on PostgreSQL gets the
pool settings of ``PREFECT_POSTGRES_DEFAULTS`` unless the operator chose others.

``prefect`` (its settings) and ``deployments.register`` are imported only once `up` has set the
Prefect environment of the services it starts: Prefect reads its settings when it is imported.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from config.settings import Settings
from deployments.flow_launch import SOCKET_ENV, socket_path
from deployments.local_postgres import free_port, local_postgres
from deployments.prefect_access import CLIENT_AUTH, SERVER_AUTH, prefect_auth, prefect_home
from orchestration.names import WORK_POOL, worker_command
from services.setup import prepare_database

GRACE_SECONDS = 10


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    stop_signals: list[int] = field(default_factory=lambda: [signal.SIGTERM])
    ready: bool = False

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        for signum in self.stop_signals:
            self.process.send_signal(signum)
            try:
                self.process.wait(GRACE_SECONDS)
                return
            except subprocess.TimeoutExpired:
                continue
        self.process.kill()
        self.process.wait()


def _wait_path(path: Path, timeout: float, service: Service) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with code {service.process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{service.name} not ready after {timeout:.0f} s")
        time.sleep(0.2)


def _wait_http(url: str, timeout: float, service: Service) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with code {service.process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{service.name} was not healthy at {url} within {timeout:.0f} s")


def _wait_port(port: int, timeout: float, service: Service) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with code {service.process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{service.name} did not listen on 127.0.0.1:{port}")


def prefect_environment(settings: Settings) -> dict[str, str]:
    home = prefect_home(settings)
    port = settings.prefect_port
    return {
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
        "PREFECT_LOCAL_STORAGE_PATH": str(home / "results"),
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }


EVENT_RETENTION = "PREFECT_SERVER_EVENTS_RETENTION_PERIOD"


def prefect_event_retention(settings: Settings, env: Mapping[str, str]) -> dict[str, str]:
    """How long the Prefect server keeps its events: ``COMPLAINTS_PREFECT_EVENT_RETENTION_DAYS``
    (default 7, Prefect's own), never longer than the runs (``COMPLAINTS_PREFECT_RETENTION_DAYS``).
    Events are most of what Prefect stores per complaint (bench/README.md); the server's own
    vacuum service removes them. Nothing when the operator set the variable themselves."""
    if EVENT_RETENTION in env:
        return {}
    days = min(settings.prefect_event_retention_days, settings.prefect_retention_days)
    return {EVENT_RETENTION: f"P{days}D"}


# The Prefect server's background writers, batched. Prefect 3.9 records task runs from the
# events the flow processes send, one database transaction per event by default (batch size
# 1): in a burst of complaints that recorder was a fifth of the server's CPU, the largest single
# part (bench/README.md, "Where the Prefect server's CPU goes"). Batches of up to 100, flushed
# at least every 5 s, cost far less per task run; a task run shows in the UI at most those
# 5 s later. Nothing here changes what the flows do or when they run.
PREFECT_SERVER_BATCHING: dict[str, str] = {
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "5",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL": "5",
}


def prefect_server_batching(env: Mapping[str, str]) -> dict[str, str]:
    """``PREFECT_SERVER_BATCHING`` for the variables the operator left unset."""
    return {name: value for name, value in PREFECT_SERVER_BATCHING.items() if name not in env}


# The Prefect server's connection pool and timeouts on PostgreSQL. Prefect's own defaults are
# 5 pooled connections + 10 overflow, 30 s to wait for a free one, 10 s per statement and 5 s to
# connect. One API process serves the UI, the worker, every flow process and its own background
# services from one pool, and on a small machine a burst of run creations starves it of CPU, so
# statements and waits for a connection take longer than on an idle box: a larger pool (30
# connections at most, well under PostgreSQL's default max_connections of 100) and longer
# timeouts turn such bursts into slow answers rather than errors. Measured with
# `bench/lifecycle.py --prefect-db postgresql`; an operator's own values always win.
PREFECT_POSTGRES_DEFAULTS: dict[str, str] = {
    "PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE": "10",
    "PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW": "20",
    "PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_TIMEOUT": "60",
    "PREFECT_SERVER_DATABASE_TIMEOUT": "30",
    "PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT": "15",
}


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass(frozen=True)
class PrefectDatabase:
    """Where a Prefect server started with a given environment keeps its runs."""

    url: str  # SQLAlchemy URL, password included
    env: dict[str, str]  # what to add to the server's environment (pool settings)
    settings: dict[str, object]  # the pool and timeout settings the server will use
    is_default: bool = False  # nobody chose it: Prefect's own SQLite file

    @property
    def is_postgresql(self) -> bool:
        return self.url.startswith("postgresql")

    def describe(self) -> str:

        where = make_url(self.url).render_as_string(hide_password=True)
        if not self.is_postgresql:
            return f"SQLite ({where})"
        s = self.settings
        return (
            f"PostgreSQL ({where}); pool {s['pool_size']} + {s['max_overflow']} overflow, "
            f"{s['pool_timeout']:g} s to get a connection, {s['timeout']:g} s per statement, "
            f"{s['connection_timeout']:g} s to connect"
        )


def prefect_database(env: Mapping[str, str]) -> PrefectDatabase:
    """Read the Prefect server's database settings the way the server will read them from
    ``env`` (environment first, then `.env`, `prefect.toml`, the profile under PREFECT_HOME),
    and add PREFECT_POSTGRES_DEFAULTS for those the operator left unset, on PostgreSQL only."""
    from prefect.settings.models.server.database import ServerDatabaseSettings

    with _environment(env):
        chosen = ServerDatabaseSettings()
    secret = chosen.connection_url
    home = Path(env.get("PREFECT_HOME", "~/.prefect")).expanduser()
    url = secret.get_secret_value() if secret else f"sqlite+aiosqlite:///{home / 'prefect.db'}"
    extra: dict[str, str] = {}
    if url.startswith("postgresql"):
        fields_set = {f"sqlalchemy_{name}" for name in chosen.sqlalchemy.model_fields_set}
        fields_set |= chosen.model_fields_set
        for variable, value in PREFECT_POSTGRES_DEFAULTS.items():
            field_name = variable.removeprefix("PREFECT_SERVER_DATABASE_").lower()
            if field_name not in fields_set:
                extra[variable] = value
        with _environment({**env, **extra}):
            chosen = ServerDatabaseSettings()
    settings: dict[str, object] = {
        "pool_size": chosen.sqlalchemy.pool_size,
        "max_overflow": chosen.sqlalchemy.max_overflow,
        "pool_timeout": chosen.sqlalchemy.pool_timeout,
        "timeout": chosen.timeout,
        "connection_timeout": chosen.connection_timeout,
    }
    return PrefectDatabase(url=url, env=extra, settings=settings, is_default=secret is None)


class Interrupted(BaseException):
    """SIGINT or SIGTERM reached `up`: stop everything."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class ServiceDied(RuntimeError):
    pass


# The stop signals received: a library may catch the Interrupted raised in its midst and raise
# something else, but the operator's Ctrl-C is still what ended `up`.
_received: list[int] = []


def _interrupt(signum: int, _frame: object) -> None:
    _received.append(signum)
    raise Interrupted(signum)


def explain(problem: BaseException, environ: Mapping[str, str]) -> str:
    """One line for the operator saying why `up` stopped."""

    status = getattr(getattr(problem, "response", None), "status_code", None)
    if status == 401:
        if environ.get(SERVER_AUTH) and not environ.get(CLIENT_AUTH):
            hint = (
                f"{SERVER_AUTH} is set for the server only: the clients need {CLIENT_AUTH} "
                "too, with the same value"
            )
        else:
            hint = f"{CLIENT_AUTH} must equal the server's {SERVER_AUTH}"
        return f"the Prefect server refused up's sign-in (401 Unauthorized): {hint}"
    if type(problem) in (RuntimeError, ServiceDied):  # up's own, written for the operator
        return str(problem)
    text = str(problem).strip().splitlines()
    return f"{type(problem).__name__}: {text[0]}" if text else type(problem).__name__


def run_system(settings: Settings) -> int:
    """Start the services, watch them, and stop every one of them whatever ends the watch:
    a stop request, a service that died, or any error while starting (one line says which).
    Each service dies with `up` even when `up` is killed outright (PR_SET_PDEATHSIG), and
    the next `up` stops any that outlived an earlier one for the same data folder."""
    services: list[Service] = []
    ready = False
    _received.clear()
    previous = {signum: signal.signal(signum, _interrupt) for signum in STOP_SIGNALS}
    try:
        for line in stop_leftovers(settings.data_dir):
            print(line, flush=True)
        check_ports(settings)
        _start_and_watch(settings, services, lambda: services_started(settings, services))
    except BaseException as problem:  # whatever it is, nothing up started outlives it
        stop = problem if isinstance(problem, Interrupted) else None
        if stop is None and _received:
            stop = Interrupted(_received[-1])
        if stop is None:
            print(f"error: {explain(problem, os.environ)}", file=sys.stderr, flush=True)
        elif any(service.ready for service in services):
            print(f"stopping on {stop}", flush=True)
            ready = True  # the way to stop a running system: exit 0
        else:
            print(f"error: interrupted ({stop}) while starting; stopping everything", flush=True)
    finally:
        for signum in STOP_SIGNALS:  # a second Ctrl-C does not cut the shutdown short
            signal.signal(signum, signal.SIG_IGN)
        # Workers first, so no run starts against a server that is going away.
        for service in reversed(services):
            print(f"stopping {service.name} (pid {service.process.pid})", flush=True)
            service.stop()
        _pid_file(settings.data_dir).unlink(missing_ok=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0 if ready else 1


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
PID_FILE = "up.pids"
# What a service gets when `up` dies without stopping it: the worker is killed (it takes a
# SIGTERM as a polite request and would go on), the others stop as on SIGTERM.
DEATH_SIGNALS = {"worker": signal.SIGKILL, "prefect-postgres": signal.SIGINT}


def services_started(settings: Settings, services: list[Service]) -> None:
    """Record what runs, for the next `up` if this one is killed before it can stop them."""

    records = [
        {"name": s.name, "pid": s.process.pid, "started": _start_ticks(s.process.pid)}
        for s in services
    ]
    path = _pid_file(settings.data_dir)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(records))
    temporary.replace(path)


def _pid_file(data_dir: Path) -> Path:
    return data_dir / PID_FILE


def _start_ticks(pid: int) -> int | None:
    """When the process started (clock ticks after boot): tells a pid reused since apart."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def stop_leftovers(data_dir: Path) -> list[str]:
    """Stop the services an earlier `up` for this data folder started and left running (it
    was killed before it could stop them); say which."""

    path = _pid_file(data_dir)
    try:
        records = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    said = []
    for record in reversed(records):
        pid, started = int(record["pid"]), record.get("started")
        if started is None or _start_ticks(pid) != started:
            continue  # gone, or the pid now belongs to another process
        said.append(
            f"stopping {record['name']} (pid {pid}) left running by an earlier `complaints up` "
            f"for {data_dir}"
        )
        _stop_group(pid)
    path.unlink(missing_ok=True)
    return said


def _stop_group(pid: int) -> None:
    """SIGTERM to the process group a service leads, SIGKILL after the grace period."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < deadline:
            if _start_ticks(pid) is None or _state(pid) == "Z":
                return
            time.sleep(0.2)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def check_ports(settings: Settings) -> None:
    """Refuse to start when a port `up` needs is taken, naming the process that holds it."""
    ports = {"Prefect server": settings.prefect_port, "web app": settings.web_port}
    if not settings.smtp_host:
        ports["SMTP sink"] = settings.smtp_sink_port
    for what, port in ports.items():
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
                continue
            except OSError:
                pass
        raise RuntimeError(
            f"port {port} for the {what} is in use by {port_holder(port)}; stop it or choose "
            "another port (COMPLAINTS_PREFECT_PORT, COMPLAINTS_WEB_PORT, COMPLAINTS_SMTP_SINK_PORT)"
        )


def port_holder(port: int) -> str:
    """The process listening on ``port``, as "pid N (command line)", when this user can see it."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        if _sockets_of(entry) & inodes:
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            except OSError:
                command = "?"
            return f"pid {entry.name} ({' '.join(command.split())[:120]})"
    return "another process (not one this user can see)"


def _sockets_of(process: Path) -> set[str]:
    links = set()
    try:
        descriptors = list((process / "fd").iterdir())
    except OSError:
        return links
    for descriptor in descriptors:
        try:
            links.add(os.readlink(descriptor))
        except OSError:  # closed meanwhile
            continue
    return links


def _die_with_parent(signum: int) -> Callable[[], None]:
    """For preexec_fn: the child gets ``signum`` when `up` dies, however it dies (Linux)."""

    parent = os.getpid()
    # Looked up before the fork: the child runs nothing that could wait for a lock another
    # thread of `up` held when it forked.
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def arrange() -> None:
        prctl(PR_SET_PDEATHSIG, signum)
        if os.getppid() != parent:  # `up` died before the line above
            os._exit(1)

    return arrange


PR_SET_PDEATHSIG = 1


def _start_and_watch(
    settings: Settings, services: list[Service], record: Callable[[], None]
) -> None:

    prepare_database(settings.effective_database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    auth = prefect_auth(settings, os.environ)
    ours = {**prefect_environment(settings), **auth.client_env()}
    env = {**os.environ, **ours}
    env.update(prefect_event_retention(settings, env))
    env.update(prefect_server_batching(env))
    database = prefect_database(env)
    env.update(database.env)
    bin_dir = Path(sys.executable).parent

    def start(name: str, command: list[str], user: str | None = None, **extra_env: str) -> Service:
        log = open(settings.data_dir / f"{name}.log", "ab")  # noqa: SIM115 (lives with the child)
        process = subprocess.Popen(
            command,
            env={**env, **extra_env},
            user=user,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent(DEATH_SIGNALS.get(name, signal.SIGTERM))
            if sys.platform == "linux"
            else None,
        )
        service = Service(name, process)
        services.append(service)
        record()
        return service

    server_database: dict[str, str] = {}
    if database.is_default and settings.prefect_local_postgres == "auto":
        cluster, why_not = local_postgres(settings.data_dir)
        if cluster is None:
            print(f"PostgreSQL for the Prefect server: not started, as {why_not}", flush=True)
        else:
            cluster.prepare()
            port = free_port()
            postgres = start("prefect-postgres", cluster.server_command(port), cluster.run_as)
            postgres.stop_signals = [signal.SIGINT]  # fast shutdown: the server is gone by then
            _wait_port(port, 60, postgres)
            cluster.ensure_database(port)
            # The password goes to the Prefect server only, not to every service.
            server_database["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = cluster.url(port)
            database = prefect_database({**env, **server_database})
            env.update(database.env)
    print(f"Prefect server database: {database.describe()}", flush=True)
    server = start(
        "prefect-server",
        [str(bin_dir / "prefect"), "server", "start"],
        **auth.server_env(),
        **server_database,
    )
    # The first start migrates Prefect's database (longer on a new PostgreSQL database).
    prefect_url = f"http://127.0.0.1:{settings.prefect_port}"
    _wait_http(f"{prefect_url}/api/health", 180, server)
    print(f"Prefect server and UI: {prefect_url}", flush=True)
    if auth.server:
        where = SERVER_AUTH if auth.source == "environment" else auth.source
        print(f"Prefect UI sign-in: the string in {where}", flush=True)

    smtp_env: dict[str, str] = {}
    if not settings.smtp_host:
        mailbox = (settings.data_dir / "mailbox").resolve()
        sink = start(
            "smtp-sink",
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{settings.smtp_sink_port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(mailbox),
            ],
        )
        _wait_port(settings.smtp_sink_port, 20, sink)
        smtp_env = {
            "COMPLAINTS_SMTP_HOST": "127.0.0.1",
            "COMPLAINTS_SMTP_PORT": str(settings.smtp_sink_port),
        }
        print(f"local SMTP sink: 127.0.0.1:{settings.smtp_sink_port} → {mailbox}", flush=True)

    import prefect.settings

    from deployments.register import register_deployments

    # Prefect read its settings when it was imported, before they were known here: without
    # these its client would start a server of its own to register with, under ~/.prefect.
    updates = {getattr(prefect.settings, k): v for k, v in ours.items()}
    with prefect.settings.temporary_settings(updates=updates):
        names = register_deployments()
    for name in names:
        print(f"deployment: {name}", flush=True)
    # Forks a ready process for each execution of a run: the worker's launcher hands them over.
    starter_socket = socket_path(settings.data_dir)
    starter = start(
        "flow-starter",
        [sys.executable, "-m", "deployments.flow_starter", "--socket", str(starter_socket)],
        **smtp_env,
    )
    starter.stop_signals = [signal.SIGTERM, signal.SIGTERM]
    _wait_path(starter_socket, 60, starter)
    worker = start(
        "worker",
        worker_command(str(bin_dir / "prefect")),
        **smtp_env,
        **{SOCKET_ENV: str(starter_socket)},
    )
    worker.stop_signals = [signal.SIGTERM, signal.SIGTERM]
    print(
        f"worker: pool {WORK_POOL} (pid {worker.process.pid}), logs in {settings.data_dir}",
        flush=True,
    )
    web = start("web", [str(bin_dir / "complaints"), "web"], **smtp_env)
    web_url = f"http://{settings.web_host}:{settings.web_port}"
    _wait_http(f"{web_url}/login", 60, web)
    web.ready = True
    print(f"staff web app and JSON API: {web_url} (OpenAPI at {web_url}/docs)", flush=True)
    print("ready — Ctrl-C stops everything", flush=True)
    while True:
        for service in services:
            if service.process.poll() is not None:
                raise ServiceDied(
                    f"{service.name} stopped unexpectedly (exit code "
                    f"{service.process.returncode}); stopping the rest; see "
                    f"{settings.data_dir / (service.name + '.log')}"
                )
        time.sleep(1)

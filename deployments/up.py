"""`make up` / `complaints up`: the whole system on one machine, on 127.0.0.1 only.

Starts the Prefect server, a local SMTP sink (unless an SMTP host is configured), a process
worker and the staff web app; waits for each to be healthy; prints the URLs. Ctrl-C or SIGTERM
stops the web app and the worker first (the worker gets SIGTERM twice, as it takes one as a
polite request), then the rest, each with a grace period before SIGKILL.

The Prefect server keeps its runs in SQLite under ``data/prefect`` unless the operator sets
``PREFECT_API_DATABASE_CONNECTION_URL`` (or ``PREFECT_SERVER_DATABASE_CONNECTION_URL``) to a
``postgresql+asyncpg://`` URL: the server inherits the environment, and on PostgreSQL gets the
pool settings of ``PREFECT_POSTGRES_DEFAULTS`` unless the operator chose others.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from complaints.settings import Settings

GRACE_SECONDS = 10


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    stop_signals: list[int] = field(default_factory=lambda: [signal.SIGTERM])

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
    home = (settings.data_dir / "prefect").resolve()
    port = settings.prefect_port
    return {
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
        "PREFECT_LOCAL_STORAGE_PATH": str(home / "results"),
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }


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

    @property
    def is_postgresql(self) -> bool:
        return self.url.startswith("postgresql")

    def describe(self) -> str:
        from sqlalchemy.engine import make_url

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
    return PrefectDatabase(url=url, env=extra, settings=settings)


def run_system(settings: Settings) -> int:
    from models.setup import prepare_database

    prepare_database(settings.effective_database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **prefect_environment(settings)}
    database = prefect_database(env)
    env.update(database.env)
    bin_dir = Path(sys.executable).parent
    services: list[Service] = []

    def start(name: str, command: list[str], **extra_env: str) -> Service:
        log = open(settings.data_dir / f"{name}.log", "ab")  # noqa: SIM115 (lives with the child)
        process = subprocess.Popen(
            command,
            env={**env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        service = Service(name, process)
        services.append(service)
        return service

    def shutdown(*_: object) -> None:
        # Workers first, so no run starts against a server that is going away.
        for service in reversed(services):
            print(f"stopping {service.name} (pid {service.process.pid})", flush=True)
            service.stop()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        print(f"Prefect server database: {database.describe()}", flush=True)
        server = start("prefect-server", [str(bin_dir / "prefect"), "server", "start"])
        # The first start migrates Prefect's database (longer on a new PostgreSQL database).
        prefect_url = f"http://127.0.0.1:{settings.prefect_port}"
        _wait_http(f"{prefect_url}/api/health", 180, server)
        print(f"Prefect server and UI: {prefect_url}", flush=True)

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

        from deployments.names import WORK_POOL, worker_command
        from deployments.register import register_deployments

        # Prefect read its settings when it was imported, before they were known here: without
        # these its client would start a server of its own to register with, under ~/.prefect.
        ours = {getattr(prefect.settings, k): v for k, v in prefect_environment(settings).items()}
        with prefect.settings.temporary_settings(updates=ours):
            names = register_deployments()
        for name in names:
            print(f"deployment: {name}", flush=True)
        worker = start(
            "worker",
            worker_command(str(bin_dir / "prefect")),
            **smtp_env,
        )
        worker.stop_signals = [signal.SIGTERM, signal.SIGTERM]
        print(
            f"worker: pool {WORK_POOL} (pid {worker.process.pid}), logs in {settings.data_dir}",
            flush=True,
        )
        web = start("web", [str(bin_dir / "complaints"), "web"], **smtp_env)
        web_url = f"http://{settings.web_host}:{settings.web_port}"
        _wait_http(f"{web_url}/login", 60, web)
        print(f"staff web app and JSON API: {web_url} (OpenAPI at {web_url}/docs)", flush=True)
        print("ready — Ctrl-C stops everything", flush=True)
        while all(service.process.poll() is None for service in services):
            time.sleep(1)
        failed = [s.name for s in services if s.process.poll() is not None]
        print(f"stopped unexpectedly: {', '.join(failed)}; see the logs in {settings.data_dir}")
        shutdown()
    except RuntimeError as problem:
        print(f"error: {problem}", file=sys.stderr, flush=True)
        for service in reversed(services):
            service.stop()
        return 1
    return 0

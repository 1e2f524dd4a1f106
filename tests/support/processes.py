"""Real Prefect server and worker processes for the end-to-end durability tests."""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from tests.support.postgres import PostgresServer, free_port

BIN = Path(sys.executable).parent


def wait_until(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class ManagedProcess:
    def __init__(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        log: Path,
        cwd: Path | None = None,
    ) -> None:
        self.name, self.command, self.env, self.log, self.cwd = name, command, env, log, cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, grace: float = 15) -> None:
        if not self.alive:
            return
        assert self.process is not None
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


class PrefectServer(ManagedProcess):
    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        super().__init__(
            "prefect-server",
            [
                str(BIN / "prefect"),
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            {
                **env,
                "PREFECT_HOME": str(home),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_API_URL": f"http://127.0.0.1:{self.port}/api",
            },
            home / "server.log",
        )

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def start(self) -> PrefectServer:
        super().start()
        wait_until(self.healthy, 120, "the Prefect server to answer")
        return self


def flow_processes(flow_run_id: str) -> list[int]:
    """PIDs of processes executing the given flow run (found by their environment)."""
    marker = f"PREFECT__FLOW_RUN_ID={flow_run_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def prefect_database_on(postgres: PostgresServer, name: str = "prefect") -> str:
    """Create a database for a Prefect server on ``postgres``; its ``postgresql+asyncpg`` URL
    (Prefect's server needs the asyncpg driver; the app uses psycopg: separate databases)."""
    from sqlalchemy import create_engine, text

    admin = create_engine(postgres.admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return f"postgresql+asyncpg://postgres@127.0.0.1:{postgres.port}/{name}"


def processes_with_environment(name: str, value: str | None = None) -> dict[int, str]:
    """PIDs of processes whose environment has the variable (and value, if given), with the
    value each one has: e.g. every flow process of a server (``PREFECT_API_URL``) in one scan."""
    prefix = f"{name}=".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        for variable in environ.split(b"\0"):
            if variable.startswith(prefix):
                current = variable[len(prefix) :].decode(errors="replace")
                if value is None or current == value:
                    found[int(entry.name)] = current
                break
    return found


def memory_kib(pid: int, field: str = "Pss") -> int:
    """A process's memory in KiB: ``Pss`` (shared pages split among their users, from
    smaps_rollup) or ``VmRSS``; 0 when the process is gone or unreadable."""
    try:
        if field == "VmRSS":
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        else:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants that are alive now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("PPid:"):
                children.setdefault(int(line.split()[1]), []).append(int(entry.name))
                break
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def drain_prefect_workers() -> None:
    """Send what this process still holds for the Prefect server it points at now (events,
    which carry task runs, and log lines), and stop the workers that send them, as Prefect's
    test harness does when it ends. A fixture that points the process at a server of its own
    calls this before it stops that server: the workers, made for the first server they
    served, would otherwise keep sending to the stopped one, and the task runs and logs of
    later tests in this process would be lost."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        with suppress(RuntimeError):  # never started in this process
            result = APILogWorker.instance().drain()
            if inspect.isawaitable(result):
                await result
        result = EventsWorker.drain_all()
        if inspect.isawaitable(result):
            await result

    run_coro_as_sync(drain())

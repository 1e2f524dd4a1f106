"""`complaints up` for real: the whole system starts on its embedded defaults (what `make up`
runs), or with the Prefect server on the operator's PostgreSQL, and stops on SIGTERM."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from deployments.register import ENTRYPOINTS
from deployments.up import PREFECT_POSTGRES_DEFAULTS
from tests.support.postgres import free_port
from tests.support.processes import BIN, prefect_database_on, wait_until

READY = "ready — Ctrl-C stops everything"


class RunningUp:
    """`complaints up` in its own process group, its output collected line by line."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "complaints"), "up"],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_ready(self, timeout: float) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"complaints up exited early:\n{self.output}")
            return READY in self.lines

        wait_until(ready, timeout, f"complaints up to be ready; so far:\n{self.output}")

    def services(self) -> dict[int, str]:
        """The processes `up` started (each in its own session), with their command lines."""
        found = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and _stat(int(entry.name))[1] == self.process.pid:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found[int(entry.name)] = cmdline
        return found

    def exited(self, timeout: float) -> int:
        """Wait for `up` to exit and for its last lines; its exit code."""
        code = self.process.wait(timeout)
        self._reader.join(10)
        return code

    def stop_everything(self, services: dict[int, str]) -> None:
        """Cleanup, also after a failed test: SIGTERM to `up`, then SIGKILL to `up` and every
        service it started (each in a session and process group of its own)."""
        services = {**services, **self.services()}  # before `up` is gone and they are orphans
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(90)
        for pid in [self.process.pid, *services]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        self.process.wait()
        self._reader.join(10)


def _stat(pid: int) -> tuple[str, int]:
    """A process's state letter and parent pid; ("", 0) once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (FileNotFoundError, IndexError):
        return "", 0
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    return _stat(pid)[0] not in ("", "Z")


def _environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().partition("=")[::2] for item in raw if item)


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return int(response.status)


@pytest.mark.slow
@pytest.mark.timeout(900)  # up itself allows 180 s for the server, 60 s for the web app, …
@pytest.mark.parametrize("prefect_database", ["sqlite", "postgresql"])
def test_up_starts_the_whole_system_and_stops_it_on_sigterm(
    prefect_database: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    prefect_port, web_port, sink_port = free_port(), free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PREFECT_", "COMPLAINTS_"))
    }
    env.update(
        HOME=str(tmp_path / "home"),  # nothing of the test runner's own ~/.prefect
        COMPLAINTS_DATA_DIR=str(tmp_path / "data"),
        COMPLAINTS_PREFECT_PORT=str(prefect_port),
        COMPLAINTS_WEB_PORT=str(web_port),
        COMPLAINTS_SMTP_SINK_PORT=str(sink_port),
    )
    postgres: Any = None
    if prefect_database == "postgresql":
        postgres = request.getfixturevalue("postgres")
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = prefect_database_on(postgres, "prefect_up")
        env["PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE"] = "12"  # the operator's own

    up = RunningUp(env, cwd=tmp_path)
    services: dict[int, str] = {}
    try:
        up.wait_ready(420)
        expected = "PostgreSQL (" if postgres else "SQLite ("
        assert f"Prefect server database: {expected}" in up.output
        assert f"Prefect server and UI: http://127.0.0.1:{prefect_port}" in up.output
        assert _get(f"http://127.0.0.1:{prefect_port}/api/health") == 200
        assert _get(f"http://127.0.0.1:{web_port}/login") == 200

        # The server keeps the deployments in the database it was given, and nowhere else.
        query = "SELECT name FROM deployment"
        if postgres:
            from sqlalchemy import create_engine, text

            engine = create_engine(postgres.url("prefect_up"))
            with engine.connect() as connection:
                stored = set(connection.execute(text(query)).scalars())
            engine.dispose()
            assert not (tmp_path / "data" / "prefect" / "prefect.db").exists()
        else:
            with sqlite3.connect(tmp_path / "data" / "prefect" / "prefect.db") as connection:
                stored = {name for (name,) in connection.execute(query)}
        assert stored == set(ENTRYPOINTS)

        services = up.services()
        assert len(services) == 4, "\n".join(services.values())  # server, SMTP sink, worker, web
        (server,) = [pid for pid, command in services.items() if " server start" in command]
        server_env = _environment(server)
        assert server_env["PREFECT_API_URL"] == f"http://127.0.0.1:{prefect_port}/api"
        if postgres:
            # The operator's pool size wins; up's defaults fill in the rest.
            assert server_env["PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE"] == "12"
            timeout = "PREFECT_SERVER_DATABASE_TIMEOUT"
            assert server_env[timeout] == PREFECT_POSTGRES_DEFAULTS[timeout]
        else:
            assert not [key for key in server_env if key.startswith("PREFECT_SERVER_DATABASE")]

        # Registering went to that server: no server of up's own under the home folder.
        assert not (tmp_path / "home" / ".prefect" / "prefect.db").exists()

        up.process.send_signal(signal.SIGTERM)
        assert up.exited(90) == 0
        wait_until(lambda: not any(_alive(pid) for pid in services), 30, "the services to stop")
        assert "stopping prefect-server" in up.output
    finally:
        up.stop_everything(services)

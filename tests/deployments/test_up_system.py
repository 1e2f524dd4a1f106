"""`complaints up` for real: the whole system starts on its embedded defaults (what `make up`
runs), or with the Prefect server on the operator's PostgreSQL, and stops on SIGTERM."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from complaints.demo import DEMO_PASSWORD
from deployments.register import ENTRYPOINTS
from deployments.up import PREFECT_POSTGRES_DEFAULTS, PREFECT_SERVER_BATCHING
from tests.support.postgres import free_port
from tests.support.processes import (
    BIN,
    prefect_database_on,
    processes_with_environment,
    wait_until,
)

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
@pytest.mark.parametrize("prefect_database", ["sqlite", "local-postgresql", "postgresql"])
def test_up_starts_the_whole_system_and_stops_it_on_sigterm(
    prefect_database: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """On SQLite when the operator turned the local cluster off; by default on a PostgreSQL
    cluster `up` runs in the data folder; on the operator's own PostgreSQL when configured."""
    if prefect_database == "local-postgresql":
        # As root, PostgreSQL runs as the postgres user, who must reach the data folder:
        # pytest's own temporary folders are private to root.
        tmp_path = Path(tempfile.mkdtemp(prefix="complaints-up-"))
        tmp_path.chmod(0o711)
        request.addfinalizer(lambda: shutil.rmtree(tmp_path, ignore_errors=True))
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
    if prefect_database == "sqlite":
        env["COMPLAINTS_PREFECT_LOCAL_POSTGRES"] = "off"
    local = prefect_database == "local-postgresql"

    up = RunningUp(env, cwd=tmp_path)
    services: dict[int, str] = {}
    try:
        up.wait_ready(420)
        expected = "PostgreSQL (" if prefect_database != "sqlite" else "SQLite ("
        assert f"Prefect server database: {expected}" in up.output
        assert f"Prefect server and UI: http://127.0.0.1:{prefect_port}" in up.output
        assert _get(f"http://127.0.0.1:{prefect_port}/api/health") == 200
        assert _get(f"http://127.0.0.1:{web_port}/login") == 200

        # The server keeps the deployments in the database it was given, and nowhere else.
        query = "SELECT name FROM deployment"
        if local:
            # Kept in the cluster under the data folder, which its log and password file join.
            sign_in = (tmp_path / "data" / "prefect-auth").read_text().strip()
            deployments = _call(
                f"http://127.0.0.1:{prefect_port}",
                "POST",
                "/api/deployments/filter",
                body={},
                basic=sign_in,
            )
            stored = {deployment["name"] for deployment in deployments}
            assert (tmp_path / "data" / "prefect-postgres" / "PG_VERSION").exists()
            assert not (tmp_path / "data" / "prefect" / "prefect.db").exists()
            password_file = tmp_path / "data" / "prefect-postgres.password"
            assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
            assert password_file.read_text().strip() not in up.output
        elif postgres:
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
        # The server (and its PostgreSQL), the SMTP sink, the flow starter, the worker, the web.
        assert len(services) == (6 if local else 5), "\n".join(services.values())
        assert len([command for command in services.values() if "flow_starter" in command]) == 1
        (worker,) = [pid for pid, command in services.items() if " worker start" in command]
        # The worker's launcher hands executions to the starter on this socket.
        socket_file = Path(_environment(worker)["COMPLAINTS_FLOW_STARTER_SOCKET"])
        assert stat.S_ISSOCK(socket_file.stat().st_mode)
        assert stat.S_IMODE(socket_file.stat().st_mode) == 0o600
        (server,) = [pid for pid, command in services.items() if " server start" in command]
        server_env = _environment(server)
        assert server_env["PREFECT_API_URL"] == f"http://127.0.0.1:{prefect_port}/api"
        for name, value in PREFECT_SERVER_BATCHING.items():
            assert server_env[name] == value
        if postgres:
            # The operator's pool size wins; up's defaults fill in the rest.
            assert server_env["PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE"] == "12"
            timeout = "PREFECT_SERVER_DATABASE_TIMEOUT"
            assert server_env[timeout] == PREFECT_POSTGRES_DEFAULTS[timeout]
        elif local:
            url = server_env["PREFECT_SERVER_DATABASE_CONNECTION_URL"]
            assert url.startswith("postgresql+asyncpg://postgres:") and "@127.0.0.1:" in url
            # The password is the server's alone.
            (web,) = [pid for pid, command in services.items() if command.endswith(" web ")]
            assert "PREFECT_SERVER_DATABASE_CONNECTION_URL" not in _environment(web)
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


def up_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """`complaints up` on free ports with a data folder and HOME of its own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PREFECT_", "COMPLAINTS_"))
    }
    env.update(
        HOME=str(tmp_path / "home"),
        COMPLAINTS_DATA_DIR=str(tmp_path / "data"),
        COMPLAINTS_PREFECT_PORT=str(free_port()),
        COMPLAINTS_WEB_PORT=str(free_port()),
        COMPLAINTS_SMTP_SINK_PORT=str(free_port()),
        **extra,
    )
    return env


def left_running(env: dict[str, str]) -> list[int]:
    """Every process that still runs for the data folder (up's services, their flow runs)."""
    return sorted(processes_with_environment("COMPLAINTS_DATA_DIR", env["COMPLAINTS_DATA_DIR"]))


def command_lines(pids: list[int]) -> list[str]:
    """What each process runs, so that a failure says what was left."""
    lines = []
    for pid in pids:
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            lines.append(f"{pid}: {command.decode(errors='replace').strip()}")
    return lines


def executions_running(env: dict[str, str]) -> set[int]:
    """The flow-run processes (executions) running for the data folder."""
    folder = processes_with_environment("COMPLAINTS_DATA_DIR", env["COMPLAINTS_DATA_DIR"])
    return set(folder) & set(processes_with_environment("PREFECT__FLOW_RUN_ID"))


def _request(url: str, auth: str | None) -> int:
    request = urllib.request.Request(url, data=b"{}", method="POST")
    request.add_header("Content-Type", "application/json")
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def _suspended_runs(api: str, auth: str) -> int:
    request = urllib.request.Request(
        f"{api}/flow_runs/filter",
        data=json.dumps({"flow_runs": {"state": {"name": {"any_": ["Suspended"]}}}}).encode(),
        method="POST",
    )
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as response:
        return len(json.load(response))


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_up_requires_sign_in_and_its_services_end_with_it_however_it_ends(
    tmp_path: Path,
) -> None:
    env = up_environment(tmp_path)
    api = f"http://127.0.0.1:{env['COMPLAINTS_PREFECT_PORT']}/api"
    up = RunningUp(env, cwd=tmp_path)
    try:
        up.wait_ready(420)
        secret_file = tmp_path / "data" / "prefect-auth"
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        secret = secret_file.read_text().strip()
        assert secret not in up.output
        assert f"Prefect UI sign-in: the string in {secret_file}" in up.output
        assert _request(f"{api}/flows/filter", None) == 401
        assert _request(f"{api}/flows/filter", "ops:guess") == 401
        assert _request(f"{api}/flows/filter", secret) == 200
        # Commands in another terminal find the server and its sign-in by the data folder;
        # the worker and the flow runs it starts sign in too: the sample complaints' runs
        # reach their first wait.
        for args in (["demo"], ["reconcile"]):
            command = subprocess.run(
                [str(BIN / "complaints"), *args],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert command.returncode == 0, command.stderr
        assert '"started": 4' in command.stdout
        wait_until(
            lambda: _suspended_runs(api, secret) >= 4, 300, "the sample complaints' first waits"
        )

        # `up` killed outright: its services end with it and free the ports.
        services = up.services()
        # Server, sink, flow starter, worker, web (and PostgreSQL for the server when the data
        # folder is one the postgres user can reach).
        assert len([c for c in services.values() if "prefect-postgres" not in c]) == 5
        # An execution runs in a session of its own to its end, by design; with the Prefect
        # server gone it would wait out its client's retries. Kill `up` between executions.
        wait_until(lambda: not executions_running(env), 180, "the system's runs to end")
        up.process.kill()
        up.exited(30)
        try:
            wait_until(lambda: not left_running(env), 90, "the services to end with up")
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}: {command_lines(left_running(env))}") from None

        # The next `up` starts cleanly, with the same sign-in.
        up = RunningUp(env, cwd=tmp_path)
        up.wait_ready(420)
        assert secret_file.read_text().strip() == secret
        assert _request(f"{api}/flows/filter", secret) == 200

        # A service that dies takes the rest down, and `up` says which one it was.
        (web,) = [pid for pid, command in up.services().items() if command.endswith(" web ")]
        os.kill(web, signal.SIGKILL)
        assert up.exited(120) == 1
        assert "error: web stopped unexpectedly (exit code -9)" in up.output
        assert not left_running(env)
    finally:
        up.stop_everything({})
        for pid in left_running(env):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_up_that_cannot_start_stops_what_it_started_and_says_why(tmp_path: Path) -> None:
    # The server is given a sign-in its clients are not: up's own registration is refused.
    env = up_environment(tmp_path, PREFECT_SERVER_API_AUTH_STRING="admin:only-the-server")
    up = RunningUp(env, cwd=tmp_path)
    try:
        assert up.exited(420) == 1
        errors = [line for line in up.lines if line.startswith("error:")]
        assert errors == [
            "error: the Prefect server refused up's sign-in (401 Unauthorized): "
            "PREFECT_SERVER_API_AUTH_STRING is set for the server only: the clients need "
            "PREFECT_API_AUTH_STRING too, with the same value"
        ], up.output
        assert "stopping prefect-server" in up.output
        assert not left_running(env)

        # Ctrl-C while it starts.
        del env["PREFECT_SERVER_API_AUTH_STRING"]
        up = RunningUp(env, cwd=tmp_path)
        wait_until(
            lambda: any(line.startswith("Prefect server and UI") for line in up.lines),
            420,
            f"the Prefect server to start; so far:\n{up.output}",
        )
        up.process.send_signal(signal.SIGINT)
        assert up.exited(120) == 1
        assert "error: interrupted (SIGINT) while starting; stopping everything" in up.output
        assert not left_running(env)

        # Services an earlier `up` left behind (as if it had died before it could record
        # their end) are stopped and named; a busy port is named with its holder.
        leftover = subprocess.Popen(["sleep", "600"], env=env, start_new_session=True)
        ticks = Path(f"/proc/{leftover.pid}/stat").read_text().rsplit(") ", 1)[1].split()[19]
        (tmp_path / "data" / "up.pids").write_text(
            json.dumps([{"name": "worker", "pid": leftover.pid, "started": int(ticks)}])
        )
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", int(env["COMPLAINTS_WEB_PORT"])))
            holder.listen()
            up = RunningUp(env, cwd=tmp_path)
            assert up.exited(120) == 1
        assert leftover.wait(30) == -signal.SIGTERM
        assert f"stopping worker (pid {leftover.pid}) left running by an earlier" in up.output
        assert (
            f"error: port {env['COMPLAINTS_WEB_PORT']} for the web app is in use by "
            f"pid {os.getpid()} (" in up.output
        )
        assert "Prefect server and UI" not in up.output
        assert not left_running(env)
    finally:
        up.stop_everything({})
        for pid in left_running(env):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# The customer of the lifecycle below: none of this may reach a log (Art. 2(5)).
CUSTOMER = {"name": "欧阳测试", "phone": "13712345678", "email": "ouyang.private@example.test"}


def _call(
    base: str,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    basic: str | None = None,
) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if basic:
        request.add_header("Authorization", "Basic " + base64.b64encode(basic.encode()).decode())
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def _traces(text: str) -> list[str]:
    """The customer's details found in ``text``, as typed or as a URL carries them."""
    found = []
    for value in CUSTOMER.values():
        for form in {value, quote(value), quote_plus(value)}:
            if form in text:
                found.append(form)
    return found


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_complaint_through_the_running_system_leaves_no_personal_data_in_any_log(
    tmp_path: Path,
) -> None:
    """A complaint from intake to archive through `complaints up` (the web app, the worker, the
    Prefect server, the SMTP sink), with a search by phone in a URL on the way; then every log
    file under the system's folders, and every log Prefect keeps, is searched for the
    customer's name, phone and email."""
    env = up_environment(tmp_path)
    prefect_port, web_port = env["COMPLAINTS_PREFECT_PORT"], env["COMPLAINTS_WEB_PORT"]
    subprocess.run([str(BIN / "complaints"), "demo"], env=env, cwd=tmp_path, check=True)
    up = RunningUp(env, cwd=tmp_path)
    services: dict[int, str] = {}
    web = f"http://127.0.0.1:{web_port}"
    try:
        up.wait_ready(420)
        services = up.services()

        def login(username: str) -> str:
            body = {"username": username, "password": DEMO_PASSWORD}
            return str(_call(web, "POST", "/api/login", body=body)["token"])

        owner, manager = login("staff_wealth"), login("mgr_wealth")
        now = datetime.now(UTC)
        created = _call(
            web,
            "POST",
            "/api/complaints",
            owner,
            {
                "channel": "phone",
                "complainant": "customer",
                "customer_name": CUSTOMER["name"],
                "customer_phone": CUSTOMER["phone"],
                "customer_email": CUSTOMER["email"],
                "product": "稳盈1号",
                "content": "赎回款半个月还没到账，客服一直说在处理。",
                "received_at": (now - timedelta(minutes=5)).isoformat(),
                "promised_reply_at": (now + timedelta(days=10)).isoformat(),
            },
        )
        reference = created["reference"]
        path = f"/api/complaints/{reference}"
        # A URL that carries personal data: the search page, by phone and by name.
        for query in (CUSTOMER["phone"], CUSTOMER["name"]):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{web}/search?q={quote(query)}", timeout=30).close()

        def stage() -> str:
            return str(_call(web, "GET", path, owner)["stage"])

        def reached(*stages: str) -> Any:
            return wait_until(lambda: stage() in stages, 300, f"{reference} at {stages}")

        _call(web, "POST", f"{path}/written-record", owner, {"text": "客户来电，已记录并致歉。"})
        _call(web, "POST", f"{path}/assignment", manager, {"handler": "staff_wealth"})
        _call(
            web,
            "POST",
            f"{path}/handling",
            owner,
            {"founded": True, "evidence": "系统记录属实", "solution": "加急处理赎回"},
        )
        _call(web, "POST", f"{path}/feedback", owner, {"satisfied": True, "comment": ""})
        reached("archived")

        # The logs Prefect keeps of every run (flow and task logs), once they have arrived
        # (the runs send them in batches): without them the search would prove nothing.
        def prefect_logs() -> list[dict[str, Any]]:
            prefect = f"http://127.0.0.1:{prefect_port}"
            sign_in = (tmp_path / "data" / "prefect-auth").read_text().strip()
            entries = _call(prefect, "POST", "/api/logs/filter", body={"limit": 200}, basic=sign_in)
            return entries if len(entries) > 10 else []

        logs = wait_until(prefect_logs, 120, "the runs' logs in Prefect")
        run_logs = "\n".join(str(entry.get("message", "")) for entry in logs)

        up.process.send_signal(signal.SIGTERM)
        assert up.exited(90) == 0
    finally:
        up.stop_everything(services)

    assert _traces(run_logs) == [], "personal data in a Prefect run log"
    log_files = [
        file
        for file in tmp_path.rglob("*")
        if file.is_file() and (".log" in file.name or file.parent.name == "logs")
    ]
    assert any(file.name == "web.log" for file in log_files), log_files
    # Every execution the worker started was forked by the flow starter.
    starter_log = (tmp_path / "data" / "flow-starter.log").read_text()
    submitted = (tmp_path / "data" / "worker.log").read_text().count("submitting flow run")
    assert submitted >= 1 and starter_log.count("forked as pid") == submitted, starter_log
    found = {
        str(file.relative_to(tmp_path)): traces
        for file in log_files
        if (traces := _traces(file.read_text(errors="replace")))
    }
    assert found == {}, found

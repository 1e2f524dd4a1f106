"""The warm flow starter: each execution of a run is forked from a process that has Prefect and
the flows loaded, behind a launcher that the worker sees as ``python -m prefect.engine`` (its
pid, output, exit code and signals). Without a starter, or when the code changed under it,
the launcher starts the engine itself. Executed here as a worker executes a run: the launcher
as a subprocess, with the run's id in its environment, against the session's Prefect server."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL

from deployments.flow_launch import SOCKET_ENV, socket_path
from deployments.register import PROJECT_ROOT, ensure_work_pool, launch_command
from orchestration.names import WORK_POOL
from tests.support.processes import wait_until

pytestmark = pytest.mark.usefixtures("prefect_server")

PROBE = "starter-probe/starter-probe"


class Starter:
    def __init__(self, home: Path, env: dict[str, str], code_root: Path = PROJECT_ROOT) -> None:
        self.socket = socket_path(home / "data")
        self.log = home / "flow-starter.log"
        command = [sys.executable, "-m", "deployments.flow_starter", "--socket", str(self.socket)]
        command += ["--code-root", str(code_root)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        wait_until(self.socket.exists, 60, "the flow starter to listen", every=0.1)

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _client_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != SOCKET_ENV}
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    return env


@pytest.fixture(scope="module")
def probe_deployment() -> None:
    ensure_work_pool()
    Flow.from_source(
        source=str(PROJECT_ROOT), entrypoint="tests/deployments/starter_probe.py:starter_probe"
    ).deploy(  # type: ignore[union-attr]
        name="starter-probe",
        work_pool_name=WORK_POOL,
        job_variables={"command": launch_command()},
        build=False,
        push=False,
        print_next_steps=False,
        ignore_warnings=True,
    )


@pytest.fixture(scope="module")
def starter(probe_deployment: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Starter]:
    # Started with a Prefect API that answers nothing: an execution must use the launcher's.
    env = {**_client_env(), "PREFECT_API_URL": "http://127.0.0.1:9/api"}
    running = Starter(tmp_path_factory.mktemp("starter"), env)
    yield running
    running.stop()


class Execution:
    """One execution of a probe run, launched as the worker launches it."""

    def __init__(self, tmp_path: Path, socket: Path | None, **parameters: Any) -> None:
        self.report = tmp_path / f"report-{time.monotonic_ns()}.json"
        run = run_deployment(
            PROBE, parameters={"report": str(self.report), **parameters}, timeout=0
        )
        self.run_id: UUID = run.id
        env = {
            **_client_env(),
            "PREFECT__FLOW_RUN_ID": str(run.id),
            "STARTER_PROBE_MARK": "from the launcher",
        }
        if socket is not None:
            env[SOCKET_ENV] = str(socket)
        self.launcher = subprocess.Popen(
            shlex.split(launch_command()),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def finish(self, timeout: float = 120) -> int:
        self.launcher.communicate(timeout=timeout)
        return self.launcher.returncode

    def reported(self) -> dict[str, Any]:
        wait_until(self.report.exists, 60, "the probe's report", every=0.1)
        return dict(json.loads(self.report.read_text()))

    def state(self) -> str:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(self.run_id).state
        assert state is not None
        return state.type.value


def test_an_execution_is_forked_by_the_starter_with_the_launchers_environment(
    starter: Starter, tmp_path: Path
) -> None:
    execution = Execution(tmp_path, starter.socket)
    assert execution.finish() == 0
    assert execution.state() == "COMPLETED"
    report = execution.reported()
    assert report["ppid"] == starter.process.pid  # a fork of the starter, not a new process
    assert report["session"] == report["pid"]  # in a session of its own
    assert report["mark"] == "from the launcher"
    assert report["api_url"] == str(PREFECT_API_URL.value())  # not the starter's own
    assert report["cwd"] == str(PROJECT_ROOT)  # the deployment's pull step ran
    assert f"forked as pid {report['pid']}" in starter.output()


@pytest.mark.parametrize(
    ("ending", "code"),
    [
        ({"fail": True}, 0),  # a failed flow: Prefect's engine reports it and exits 0
        ({"exit_code": 3}, 3),
        ({"kill_signal": signal.SIGKILL}, -signal.SIGKILL),
    ],
    ids=["failed", "exit-code", "killed"],
)
def test_the_launcher_exits_as_the_execution_did(
    starter: Starter, tmp_path: Path, ending: dict[str, Any], code: int
) -> None:
    forked = Execution(tmp_path, starter.socket, **ending)
    cold = Execution(tmp_path, None, **ending)
    assert (forked.finish(), cold.finish()) == (code, code)
    assert forked.reported()["ppid"] == starter.process.pid
    assert forked.state() == cold.state()


def test_without_a_starter_the_launcher_starts_prefects_engine_itself(tmp_path: Path) -> None:
    execution = Execution(tmp_path, tmp_path / "no-starter.sock")
    assert execution.finish() == 0
    assert execution.state() == "COMPLETED"
    # The launcher became the engine: one process, no supervisor in between, in a session of
    # its own as Prefect's supervisor would have given it.
    report = execution.reported()
    assert report["pid"] == report["session"] == execution.launcher.pid


def test_a_stop_signal_to_the_launcher_reaches_the_execution(
    starter: Starter, tmp_path: Path
) -> None:
    execution = Execution(tmp_path, starter.socket, linger_seconds=300)
    pid = execution.reported()["pid"]
    execution.launcher.send_signal(signal.SIGTERM)
    execution.finish(timeout=60)
    wait_until(lambda: not Path(f"/proc/{pid}").exists(), 60, "the execution to stop")
    assert execution.state() != "RUNNING"


def test_a_code_change_sends_executions_to_a_cold_start_until_the_starter_reloaded(
    probe_deployment: None, tmp_path: Path
) -> None:
    code = tmp_path / "code"
    (code / "flows").mkdir(parents=True)
    module = code / "flows" / "step.py"
    module.write_text("VERSION = 1\n")
    starter = Starter(tmp_path, _client_env(), code_root=code)
    try:
        before = Execution(tmp_path, starter.socket)
        assert before.finish() == 0 and before.reported()["ppid"] == starter.process.pid

        module.write_text("VERSION = 2  # the upgrade\n")
        during = Execution(tmp_path, starter.socket)
        assert during.finish() == 0 and during.state() == "COMPLETED"
        assert during.reported()["pid"] == during.launcher.pid  # started cold, on the new code
        assert "code changed" in starter.output()

        # Once idle, the starter loads the new code and serves again, as the same process.
        wait_until(lambda: starter.output().count("listening on") == 2, 60, "the starter to reload")
        after = Execution(tmp_path, starter.socket)
        assert after.finish() == 0 and after.reported()["ppid"] == starter.process.pid
    finally:
        starter.stop()

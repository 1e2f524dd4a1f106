"""How the process worker is started: named after its host, four flow processes per core."""

from __future__ import annotations

import os

from orchestration.names import worker_command, worker_limit


def _limit(command: list[str]) -> int:
    return int(command[command.index("--limit") + 1])


def test_the_worker_runs_four_flow_processes_per_core() -> None:
    """An execution forked from the flow starter spends about half its time waiting for the
    Prefect server and the databases: four per core keep the cores busy under a burst."""
    assert worker_limit(1) == 4
    assert worker_limit(2) == 8
    assert worker_limit(None) == 4  # cores unknown: as one core
    assert worker_limit(64) == 32  # a big machine: the Prefect server is the limit long before
    assert _limit(worker_command("prefect")) == worker_limit(os.cpu_count())

"""The chaos soak, short (bench/soak.py is the long one): the distributed setup (the app and the
Prefect server on PostgreSQL, two workers with their flow starters, the web app, a real SMTP
server) takes six complaints along different paths over the HTTP API while a worker, the
Prefect server and the SMTP server are SIGKILLed and restarted at chosen moments; afterwards
nothing is lost, repeated or stuck. The end checks themselves are shown failing in
test_soak_checks.py."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.conftest import fresh_postgres_database
from tests.support.postgres import PostgresServer
from tests.support.processes import prefect_database_on
from tests.support.soak_system import Chaos, run_soak, start_system

pytestmark = pytest.mark.slow

# Six of the soak's paths: a transfer, a major case sent back by leadership, an unfounded
# finding, a dissatisfied customer and a reopened round, a later reply time, a withdrawal.
PATHS = ("transfer", "major-sendback", "unfounded", "reopened", "extension", "withdrawn")
# Seconds after the staff begin, and whom the chaos kills then: a worker while the first
# intakes are executed, the Prefect server while steps resume runs, the SMTP server while
# notices go out. The drain begins once the plan is carried out.
KILLS = [(12.0, "worker-1"), (25.0, "prefect-server"), (40.0, "smtp")]


@pytest.mark.timeout(420)
def test_complaints_survive_killed_services_with_nothing_lost_repeated_or_stuck(
    tmp_path: Path, postgres: PostgresServer, postgres_template: str
) -> None:
    system = start_system(
        tmp_path,
        workers=2,
        app_database_url=fresh_postgres_database(postgres, postgres_template),
        prefect_database_url=prefect_database_on(postgres, f"prefect_soak_{uuid.uuid4().hex}"),
    )
    try:
        chaos = Chaos(system, 0, 0, seed=7, schedule=list(KILLS))
        result = run_soak(
            system,
            complaints=len(PATHS),
            staff=len(PATHS),
            chaos=chaos,
            paths=PATHS,
            think=(0.5, 1.5),
            arrival_seconds=5,
            drain_timeout=180,
            reconcile_every=20,
            patience=240,
        )
    finally:
        system.stop()
    verdict = result.verdict
    report = "\n".join([*result.chaos, *verdict.lines()])
    assert len(result.chaos) == len(KILLS), report
    assert verdict.ok, report
    assert verdict.app.complaints == len(PATHS)
    assert verdict.drain_seconds is not None, report

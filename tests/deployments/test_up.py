"""`complaints up` and the Prefect server's database: SQLite under data/prefect by default,
the operator's PostgreSQL when PREFECT_API_DATABASE_CONNECTION_URL is set. (The whole of
`complaints up`, started for real on each, is in test_up_system.py.)"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from deployments.up import (
    PREFECT_POSTGRES_DEFAULTS,
    _environment,
    prefect_database,
    prefect_environment,
    prefect_event_retention,
    prefect_server_batching,
)

POSTGRES_URL = "postgresql+asyncpg://prefect:s3cret@db.internal:5432/prefect"


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment without the operator's Prefect database settings, in an empty folder
    (no `.env`, no prefect.toml) with its own PREFECT_HOME (no profile)."""
    monkeypatch.chdir(tmp_path)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PREFECT_SERVER_DATABASE_", "PREFECT_API_DATABASE_"))
        and not key.startswith("PREFECT_SQLALCHEMY_")
    }
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    return env


def test_up_sets_nothing_about_the_prefect_database(tmp_path: Path) -> None:
    env = prefect_environment(Settings(data_dir=tmp_path))
    assert not [key for key in env if "DATABASE" in key or "SQLALCHEMY" in key]


def test_by_default_the_prefect_server_keeps_its_runs_in_sqlite(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    database = prefect_database(clean_env)
    assert not database.is_postgresql
    assert database.url == f"sqlite+aiosqlite:///{tmp_path / 'prefect' / 'prefect.db'}"
    assert database.env == {}
    assert database.describe().startswith("SQLite (")


@pytest.mark.parametrize(
    "variable", ["PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_DATABASE_CONNECTION_URL"]
)
def test_postgresql_gets_the_pool_settings_and_the_password_is_not_shown(
    clean_env: dict[str, str], variable: str
) -> None:
    before = dict(os.environ)
    database = prefect_database({**clean_env, variable: POSTGRES_URL})
    assert dict(os.environ) == before
    assert database.is_postgresql
    assert database.url == POSTGRES_URL
    assert database.env == PREFECT_POSTGRES_DEFAULTS
    assert database.settings == {
        "pool_size": 10,
        "max_overflow": 20,
        "pool_timeout": 60.0,
        "timeout": 30.0,
        "connection_timeout": 15.0,
    }
    described = database.describe()
    assert "s3cret" not in described
    assert "db.internal:5432/prefect" in described
    assert "pool 10 + 20 overflow" in described


def test_the_operators_own_pool_settings_win_from_the_environment_or_dotenv(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("PREFECT_API_DATABASE_TIMEOUT=44\n")
    database = prefect_database(
        {
            **clean_env,
            "PREFECT_API_DATABASE_CONNECTION_URL": POSTGRES_URL,
            "PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE": "7",
        }
    )
    assert "PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE" not in database.env
    assert "PREFECT_SERVER_DATABASE_TIMEOUT" not in database.env
    assert database.settings["pool_size"] == 7
    assert database.settings["timeout"] == 44.0
    assert database.settings["max_overflow"] == 20


def test_the_connection_url_set_in_dotenv_is_seen(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(f"PREFECT_API_DATABASE_CONNECTION_URL={POSTGRES_URL}\n")
    database = prefect_database(clean_env)
    assert database.is_postgresql
    assert database.env == PREFECT_POSTGRES_DEFAULTS


def test_the_prefect_port_moves_the_server_and_the_web_apps_links(
    clean_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPLAINTS_PREFECT_UI_URL", raising=False)
    settings = Settings(data_dir=tmp_path, prefect_port=4310)
    assert prefect_environment(settings)["PREFECT_API_URL"] == "http://127.0.0.1:4310/api"
    assert settings.prefect_ui_url == "http://127.0.0.1:4310"
    # A UI behind a proxy keeps the address it was given.
    assert Settings(prefect_ui_url="https://prefect.example").prefect_ui_url == (
        "https://prefect.example"
    )


@pytest.mark.slow
@pytest.mark.postgres
def test_a_prefect_server_on_postgresql_keeps_its_runs_there(
    postgres: Any, clean_env: dict[str, str], tmp_path: Path
) -> None:
    """The real thing: a Prefect server started with the connection URL migrates PostgreSQL
    and stores what it is sent there (nothing in a SQLite file under its home)."""
    from sqlalchemy import create_engine, text

    from tests.support.processes import PrefectServer, prefect_database_on

    url = prefect_database_on(postgres, "prefect_up_test")
    env = {**clean_env, "PREFECT_API_DATABASE_CONNECTION_URL": url}
    env.update(prefect_database(env).env)
    (tmp_path / "prefect").mkdir(exist_ok=True)
    server = PrefectServer(tmp_path / "prefect", env)
    try:
        server.start()
        import json
        import urllib.request

        request = urllib.request.Request(
            f"{server.api_url}/flows/",
            data=json.dumps({"name": "stored-in-postgresql"}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status in (200, 201)
    finally:
        server.stop()
    engine = create_engine(postgres.url("prefect_up_test"))
    with engine.connect() as connection:
        names = connection.execute(text("SELECT name FROM flow")).scalars().all()
    engine.dispose()
    assert names == ["stored-in-postgresql"]
    assert not (tmp_path / "prefect" / "prefect.db").exists()


def test_prefect_keeps_events_for_the_event_retention_unless_the_operator_chose(
    tmp_path: Path,
) -> None:
    """Events are most of what Prefect stores per complaint (bench/README.md): the server
    drops them after COMPLAINTS_PREFECT_EVENT_RETENTION_DAYS, never later than the runs."""
    from prefect.settings.models.server.events import ServerEventsSettings

    default = prefect_event_retention(Settings(data_dir=tmp_path), {})
    with _environment(default):
        assert ServerEventsSettings().retention_period == timedelta(days=7)
    short = Settings(data_dir=tmp_path, prefect_retention_days=3)
    assert prefect_event_retention(short, {}) == {"PREFECT_SERVER_EVENTS_RETENTION_PERIOD": "P3D"}
    chosen = {"PREFECT_SERVER_EVENTS_RETENTION_PERIOD": "86400"}
    assert prefect_event_retention(Settings(data_dir=tmp_path), chosen) == {}


def test_the_prefect_server_batches_its_task_run_and_event_writes_unless_the_operator_chose() -> (
    None
):
    """Prefect's task-run recorder writes one transaction per event unless told otherwise; `up`
    batches it (and the event persister), and Prefect's own settings read the batch sizes."""
    from prefect.settings.models.server.services import (
        ServerServicesEventPersisterSettings,
        ServerServicesTaskRunRecorderSettings,
    )

    assert ServerServicesTaskRunRecorderSettings().batch_size == 1  # Prefect's default
    with _environment(prefect_server_batching({})):
        assert ServerServicesTaskRunRecorderSettings().batch_size == 100
        assert ServerServicesTaskRunRecorderSettings().flush_interval == 5
        assert ServerServicesEventPersisterSettings().batch_size == 100
    chosen = {"PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "10"}
    assert "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE" not in prefect_server_batching(
        chosen
    )

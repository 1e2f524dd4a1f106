"""Session-wide real services and a clean database per test, on SQLite and on PostgreSQL.

One Prefect server (the test harness) serves the whole session, with the flows' deployments.

Every test that asks for ``database_url`` runs twice: on a SQLite file and on a database of
the PostgreSQL server this session starts (initdb + pg_ctl, 127.0.0.1, a free port). Each
test gets a fresh copy of a database migrated once per session.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings, get_settings
from models.clock import ManualClock
from models.clock import use as use_clock
from models.db import dispose_engines, get_engine
from services.setup import prepare_database
from tests.support.cases import cast, complaint  # noqa: F401  (fixtures for every test)
from tests.support.postgres import PostgresServer, start_postgres

_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    try:
        server = start_postgres()
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    yield server
    dispose_engines()
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "complaints.db"
    prepare_database(f"sqlite:///{path}")
    dispose_engines()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresServer) -> str:
    admin = create_engine(postgres.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE complaints_template"))
    admin.dispose()
    prepare_database(postgres.url("complaints_template"))
    dispose_engines()
    return "complaints_template"


def fresh_postgres_database(server: PostgresServer, template: str) -> str:
    name = f"test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return server.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, seeded, otherwise empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "complaints.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = fresh_postgres_database(
            request.getfixturevalue("postgres"), request.getfixturevalue("postgres_template")
        )
    yield url
    dispose_engines()


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The system's settings pointed at this test's database and folder."""
    monkeypatch.setenv("COMPLAINTS_DATABASE_URL", database_url)
    monkeypatch.setenv("COMPLAINTS_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """A session on this test's database; the test commits what it wants kept."""
    factory = sessionmaker(bind=get_engine(database_url), expire_on_commit=False)
    with factory() as db_session:
        yield db_session


@pytest.fixture
def manual_clock() -> Iterator[ManualClock]:
    """The system's clock, stopped at the real now; the test moves it (``advance``, ``set``)."""
    with use_clock(ManualClock(datetime.now(UTC))) as clock:
        assert isinstance(clock, ManualClock)
        yield clock


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The session's one Prefect server (10–15 s to start), with the flows' deployments."""
    storage = tmp_path_factory.mktemp("prefect-results")
    os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(storage)
    with prefect_test_harness(server_startup_timeout=90):
        from flows.complaint_lifecycle import complaint_lifecycle
        from flows.deadline_check import deadline_check
        from flows.deadline_sweep import deadline_sweep

        complaint_lifecycle.to_deployment(name="complaint-lifecycle").apply()
        deadline_check.to_deployment(name="deadline-check").apply()
        deadline_sweep.to_deployment(name="deadline-sweep").apply()
        yield


def _expected_weight(item: pytest.Item) -> int:
    if item.get_closest_marker("slow"):
        return 0
    if "prefect_server" in getattr(item, "fixturenames", ()):
        return 1
    return 2


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the files that take minutes first.

    ``make test``'s workers each take whole files, in the order given here (xdist's reordering
    by test count is turned off): a file of one long end-to-end test handed out last keeps one
    worker busy for minutes while the other has finished. Files with a ``slow`` test go first,
    then those using the Prefect server, then the rest; each file's own order is kept."""
    weight: dict[str, int] = {}
    for item in items:
        path = item.nodeid.split("::")[0]
        weight[path] = min(weight.get(path, 2), _expected_weight(item))
    position = {path: index for index, path in enumerate(weight)}

    def key(item: pytest.Item) -> tuple[int, int]:
        path = item.nodeid.split("::")[0]
        return weight[path], position[path]

    items.sort(key=key)

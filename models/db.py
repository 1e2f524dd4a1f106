"""Engine and session setup for SQLite (embedded default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, make_url
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from config.settings import get_settings
from models import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on both backends: stored as UTC, returned aware in UTC.

    SQLite keeps no offset, so naive values would silently mean local time; refusing
    naive input keeps every deadline computation unambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, by the system's clock (``models.clock``: the wall clock, or a test's)."""
    return clock.now()


def safe_url(url: str) -> str:
    """The URL as it may be shown to a person: password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL has no password we could find either
        return url


# Reads of the database file through memory mapping rather than read() calls: the monitoring
# job's index walks take 12% less time (bench/monitor.py). Only address space: pages stay in
# the operating system's cache, shared by every connection and process. The price: an I/O
# error on the file (a failing disk, a truncated file) ends the process with SIGBUS instead of
# raising an error; keep the database on a local disk, as SQLite asks anyway.
SQLITE_MMAP_BYTES = 1 << 30


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the project's defaults: WAL and foreign keys on SQLite; pre-ping on PG.

    Bound values never appear in an error's text (``hide_parameters``): a failing statement's
    error may be logged or become a flow run's state message, and its values may be a
    customer's name, phone or email (Art. 2(5))."""
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "handle_error", _without_row_values)
    return engine


def _without_row_values(context: ExceptionContext) -> None:
    """PostgreSQL's own message adds a DETAIL with the values of the row or key at fault
    ("Failing row contains (…, 欧阳测试, 13712345678, …)"): the error keeps the primary message
    and the constraint; the detail stays readable in ``orig.diag`` for code, not in the text."""
    original = context.original_exception
    diag = getattr(original, "diag", None)
    if diag is not None and diag.message_detail:
        where = f" (constraint {diag.constraint_name})" if diag.constraint_name else ""
        text = f"{diag.message_primary}{where}"
        original.args = (text,)
        wrapped = context.sqlalchemy_exception
        if wrapped is not None:
            kind = type(original)
            wrapped.args = (f"({kind.__module__}.{kind.__name__}) {text}",)


_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the settings' database)."""
    if url is None:
        url = get_settings().effective_database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    factory = sessionmaker(bind=get_engine(url), expire_on_commit=False)
    with factory.begin() as session:
        yield session

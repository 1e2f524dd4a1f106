"""Schema migrations (Alembic) run from code: `complaints db upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from models.db import make_engine, safe_url

MIGRATIONS = Path(__file__).parent / "migrations"


class NewerDatabaseError(RuntimeError):
    """The database was migrated by a newer version of this program."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade(url: str) -> str:
    """Bring the database to the newest schema; refuse one that a newer program migrated.

    Returns the revision the database is at afterwards.
    """
    config = alembic_config(url)
    scripts = ScriptDirectory.from_config(config)
    current = current_revision(url)
    if current is not None:
        try:
            scripts.get_revision(current)
        except Exception as exc:
            raise NewerDatabaseError(
                f"database {safe_url(url)} is at schema revision {current}, which this version "
                f"does not know (newest known: {scripts.get_current_head()}); "
                "upgrade the program instead of migrating"
            ) from exc
    command.upgrade(config, "head")
    return scripts.get_current_head() or ""

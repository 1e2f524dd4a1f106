"""The schema is migrated by Alembic on both backends, and a newer database is refused."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from models import DepartmentRow, register_all
from models.db import Base, get_engine
from models.migrate import NewerDatabaseError, alembic_config, current_revision, head_revision
from models.setup import prepare_database
from policy.enums import Department


def test_migrated_database_matches_the_models(database_url: str) -> None:
    register_all()
    with get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_is_idempotent_and_seeds_the_three_art9_departments(database_url: str) -> None:
    assert prepare_database(database_url) == head_revision()
    assert prepare_database(database_url) == head_revision()
    with get_engine(database_url).connect() as connection:
        rows = connection.execute(select(DepartmentRow.code, DepartmentRow.phone)).all()
    assert {code for code, _ in rows} == set(Department)
    assert dict(rows)[Department.member_management] == "028-86026043"


def test_downgrade_to_nothing_and_upgrade_again(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    assert current_revision(database_url) is None
    prepare_database(database_url)
    assert current_revision(database_url) == head_revision()


def test_database_from_a_newer_version_is_refused_and_left_untouched(database_url: str) -> None:
    with get_engine(database_url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d_from_future'"))
    with pytest.raises(NewerDatabaseError, match="f00d_from_future"):
        prepare_database(database_url)
    assert current_revision(database_url) == "f00d_from_future"

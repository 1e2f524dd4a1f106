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
from policy.enums import Department
from services.setup import prepare_database


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


def test_each_complaint_gets_a_copy_of_its_shared_customers_details(
    database_url: str, settings
) -> None:
    """Before 0005 a customer row held the details, shared by every complaint with its phone;
    the upgrade copies them onto each complaint, and the customer keeps only kind and phone."""
    from sqlalchemy.orm import Session

    from tests.models.factories import make_complaint

    with Session(get_engine(database_url)) as session:
        first = make_complaint(session, settings, customer_name="王五", customer_email="w@x.test")
        second = make_complaint(session, settings, customer_name="王先生", customer_email=None)
        session.commit()
        ids = (first.id, second.id)
    get_engine(database_url).dispose()
    command.downgrade(alembic_config(database_url), "0004")
    with get_engine(database_url).begin() as connection:
        shared = connection.execute(text("SELECT name, email FROM customers")).all()
        assert shared == [("王先生", "w@x.test")]  # the latest complaint's, as 0004 kept them
        connection.execute(text("UPDATE customers SET id_number = 'X1'"))
    get_engine(database_url).dispose()
    prepare_database(database_url)
    with get_engine(database_url).connect() as connection:
        contacts = connection.execute(
            text(
                "SELECT complaint_id, name, phone, email, id_number "
                "FROM complaint_contacts ORDER BY complaint_id"
            )
        ).all()
        columns = {
            row[1] if "sqlite" in database_url else row[0]
            for row in connection.execute(
                text("PRAGMA table_info(customers)")
                if "sqlite" in database_url
                else text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'customers'"
                )
            )
        }
    assert contacts == [
        (ids[0], "王先生", "13800001234", "w@x.test", "X1"),
        (ids[1], "王先生", "13800001234", "w@x.test", "X1"),
    ]
    assert columns == {"id", "kind", "phone", "created_at"}


def test_complaints_saved_before_process_versions_follow_version_1(
    database_url: str, settings
) -> None:
    """Complaints open when the process changes keep the steps they started with: every
    complaint saved before 0007 started with version 1, and a new one gets the current one."""
    from sqlalchemy.orm import Session

    from policy.lifecycle import PROCESS_VERSION
    from tests.models.factories import make_complaint

    with Session(get_engine(database_url)) as session:
        old = make_complaint(session, settings).id
        session.commit()
    get_engine(database_url).dispose()
    command.downgrade(alembic_config(database_url), "0006")
    prepare_database(database_url)
    with Session(get_engine(database_url)) as session:
        new = make_complaint(session, settings).id
        session.commit()
    with get_engine(database_url).connect() as connection:
        versions = dict(
            connection.execute(text("SELECT id, process_version FROM complaints")).all()
        )
    assert versions == {old: 1, new: PROCESS_VERSION}


def test_upgraded_complaints_take_the_leadership_instruction_stage_and_no_other(
    database_url: str, settings
) -> None:
    """0008 widens the check on complaints.stage for the wait for leadership's instruction;
    on SQLite without copying the table the complaints' steps refer to."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    from tests.models.factories import make_complaint

    with Session(get_engine(database_url)) as session:
        complaint_id = make_complaint(session, settings).id
        session.commit()
    get_engine(database_url).dispose()
    command.downgrade(alembic_config(database_url), "0007_process_version")
    prepare_database(database_url)
    engine = get_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE complaints SET stage = 'awaiting_leadership_instruction' WHERE id = :id"),
            {"id": complaint_id},
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE complaints SET stage = 'nowhere'"))


def test_0018_lets_complaints_take_the_internal_transfer_channel_and_no_other(
    database_url: str, settings
) -> None:
    """0018 widens the check on complaints.channel for a transfer from company leadership or
    another department; a downgrade is refused while a complaint has that channel."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    from policy.enums import Channel
    from tests.models.factories import make_complaint

    with Session(get_engine(database_url)) as session:
        make_complaint(session, settings, channel=Channel.internal_transfer)
        session.commit()
    get_engine(database_url).dispose()
    command.downgrade(alembic_config(database_url), "0018_channel_details")
    with pytest.raises(RuntimeError, match="internal_transfer"):
        command.downgrade(alembic_config(database_url), "0017_evidence")
    get_engine(database_url).dispose()
    assert current_revision(database_url) == "0018_channel_details"
    engine = get_engine(database_url)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE complaints SET channel = 'fax'"))

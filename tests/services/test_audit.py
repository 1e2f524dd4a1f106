"""The complaint log (Art. 4(2) 投诉日志) is append-only and tamper-evident."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models.complaint import Complaint
from services.audit import append_event, verify_chain
from tests.models.factories import make_complaint


def test_events_form_an_unbroken_hash_chain(session: Session, settings) -> None:
    complaint = make_complaint(session, settings)
    append_event(session, complaint=complaint, kind="written_record", data={"len": 10})
    append_event(session, complaint=complaint, kind="assigned", data={"handler": 3})
    session.commit()
    assert [e.seq for e in _events(session, complaint)] == [1, 2, 3]
    assert verify_chain(session, complaint.id) is None


@pytest.mark.parametrize(
    "statement", ["UPDATE complaint_events SET kind = 'x'", "DELETE FROM complaint_events"]
)
def test_database_refuses_to_change_or_delete_events(
    session: Session, settings, statement: str
) -> None:
    complaint = make_complaint(session, settings)
    session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    session.rollback()
    assert len(_events(session, complaint)) == 1


def test_an_edited_event_breaks_the_chain_from_that_event_on(session: Session, settings) -> None:
    complaint = make_complaint(session, settings)
    append_event(session, complaint=complaint, kind="written_record", data={"len": 10})
    append_event(session, complaint=complaint, kind="assigned", data={"handler": 3})
    session.commit()
    # Someone with the database owner's rights removes the guard and rewrites history.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE complaint_events DISABLE TRIGGER USER"))
    else:
        session.execute(text("DROP TRIGGER complaint_events_no_update"))
    session.execute(
        text(
            "UPDATE complaint_events SET data = '{\"len\": 99}' WHERE seq = 2 AND complaint_id = :c"
        ),
        {"c": complaint.id},
    )
    session.commit()
    session.expire_all()
    assert verify_chain(session, complaint.id) == 2


def _events(session: Session, complaint: Complaint) -> list:
    from sqlalchemy import select

    from models.complaint import ComplaintEvent

    return list(
        session.scalars(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == complaint.id)
            .order_by(ComplaintEvent.seq)
        )
    )

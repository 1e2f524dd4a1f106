"""No complaint lost (docs/architecture.md): reconciliation makes the process match the app
database, and doing it twice changes nothing more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prefect.client.orchestration import get_client
from sqlalchemy import select, update

from flows.reconcile import reconcile
from models import Complaint, Notification
from models.db import utcnow
from models.outbox import mark_for_resend
from models.steps import submit_written_record
from policy.enums import NotificationStatus
from tests.flows.lifecycle_driver import add_staff, start_complaint
from tests.models.factories import make_complaint

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_complaint_saved_without_a_run_gets_exactly_one(session, settings, mail) -> None:
    staff = add_staff(session)
    complaint = make_complaint(session, settings, owner=staff.owner)
    session.commit()
    assert complaint.flow_run_id is None
    first, second = reconcile(), reconcile()
    assert (first["started"], second["started"]) == (1, 0)
    session.expire_all()
    assert session.get_one(Complaint, complaint.id).flow_run_id is not None


def test_step_saved_while_the_run_was_not_suspended_is_woken(session, settings, mail) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    # The app saved the record, but its resume never reached Prefect.
    submit_written_record(
        session, complaint=case.complaint, actor=staff.owner, text="记录", now=utcnow()
    )
    session.commit()
    assert reconcile()["resumed"] == 1
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(case.run_id).state
    assert state is not None and state.is_scheduled()  # on its way to the next step
    assert reconcile()["resumed"] == 0


def test_notification_marked_for_resending_goes_out_once(session, settings, mail) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    acknowledgement = session.scalars(
        select(Notification).where(
            Notification.complaint_id == case.complaint_id,
            Notification.kind == "acknowledgement",
        )
    ).one()
    # It failed for good earlier; an operator asks for it to be sent again.
    session.execute(
        update(Notification)
        .where(Notification.id == acknowledgement.id)
        .values(status=NotificationStatus.failed, created_at=utcnow() - timedelta(hours=1))
    )
    session.commit()
    assert reconcile()["notifications_failed"] == 1
    mark_for_resend(session, acknowledgement.id)
    session.commit()
    mail.messages.clear()
    first, second = reconcile(), reconcile()
    assert (first["notifications_sent"], second["notifications_sent"]) == (1, 0)
    assert [m.recipients for m in mail.messages] == [["customer@example.test"]]

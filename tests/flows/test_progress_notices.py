"""Art. 2(4): reconciliation delivers the progress notices a step queued, and queues and sends
the periodic one when the customer has heard nothing for N working days — once; nothing of
the customer or of what was said to them reaches Prefect (Art. 2(5))."""

from __future__ import annotations

import os
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from sqlalchemy import select, update

from flows.reconcile import reconcile
from models import Complaint, Notification
from models.db import utcnow
from policy.enums import NotificationStatus
from services.contacts import record_contact
from services.steps import assign, submit_written_record
from tests.flows.lifecycle_driver import add_staff
from tests.models.factories import make_complaint

pytestmark = pytest.mark.usefixtures("prefect_server")

CUSTOMER = "customer@example.test"
SUMMARY = "电话联系张三，告知赎回款核查进展，客户表示理解"


def _subjects(mail) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(make_header(decode_header(m.message["Subject"]))) for m in mail.messages]


def _quiet_complaint(session, settings, owner, *, days: int):  # type: ignore[no-untyped-def]
    """A complaint received ``days`` ago whose run exists elsewhere (reconciliation leaves it)."""
    complaint = make_complaint(session, settings, owner=owner, customer_email=CUSTOMER)
    complaint.flow_run_id = str(uuid4())
    session.flush()
    session.execute(
        update(Complaint)
        .where(Complaint.id == complaint.id)
        .values(received_at=utcnow() - timedelta(days=days))
    )
    session.commit()
    return complaint


def test_art2_4_the_milestone_notice_a_step_queued_is_delivered_by_reconciliation(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    complaint = _quiet_complaint(session, settings, staff.owner, days=0)
    submit_written_record(
        session, complaint=complaint, actor=staff.owner, text="记录", now=utcnow()
    )
    assign(session, complaint=complaint, actor=staff.manager, handler="handler", now=utcnow())
    session.commit()
    # Queued with the step; a row left pending for a while is what reconciliation sends.
    session.execute(
        update(Notification)
        .where(Notification.kind == "progress")
        .values(created_at=utcnow() - timedelta(minutes=3))
    )
    session.commit()
    mail.messages.clear()
    first, second = reconcile(), reconcile()
    progress = [
        m for m, subject in zip(mail.messages, _subjects(mail), strict=True) if "进展" in subject
    ]
    assert [m.recipients for m in progress] == [[CUSTOMER]]
    assert first["notifications_sent"] >= 1 and second["notifications_sent"] == 0


def test_art2_4_periodic_notice_after_n_working_days_once_and_nothing_personal_in_prefect(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    fresh = _quiet_complaint(session, settings, staff.owner, days=0)
    quiet = _quiet_complaint(session, settings, staff.owner, days=14)
    submit_written_record(session, complaint=quiet, actor=staff.owner, text="记录", now=utcnow())
    assign(session, complaint=quiet, actor=staff.manager, handler="handler", now=utcnow())
    session.execute(  # the milestone's notice went out two weeks ago
        update(Notification).values(
            created_at=utcnow() - timedelta(days=14), status=NotificationStatus.sent
        )
    )
    record_contact(
        session,
        complaint=quiet,
        actor=staff.handler,
        method="phone",
        reached=False,
        summary=SUMMARY,
        now=utcnow() - timedelta(days=13),
    )
    session.commit()
    mail.messages.clear()

    first = reconcile()
    assert first["progress_notices_sent"] == 1
    progress = [
        m for m, subject in zip(mail.messages, _subjects(mail), strict=True) if "进展" in subject
    ]
    assert [m.recipients for m in progress] == [[CUSTOMER]]
    assert quiet.reference in str(make_header(decode_header(progress[0].message["Subject"])))
    assert reconcile()["progress_notices_sent"] == 0  # once: its outbox key
    session.expire_all()
    notices = session.scalars(
        select(Notification.complaint_id).where(
            Notification.kind == "progress", Notification.complaint_id == fresh.id
        )
    ).all()
    assert notices == []  # received today: not yet due

    # Art. 2(5): the reconcile run holds ids, counts and states, nothing of the customer.
    stored: list[str] = []
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=_last_reconciles(client, 2)))
        )
        for run in runs:
            stored.append(run.model_dump_json())
            only = FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
            stored += [t.model_dump_json() for t in client.read_task_runs(flow_run_filter=only)]
            stored += [
                log.model_dump_json()
                for log in client.read_logs(
                    LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id]))
                )
            ]
            stored += [
                a.model_dump_json()
                for a in client.read_artifacts(
                    artifact_filter=ArtifactFilter(
                        flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])
                    )
                )
            ]
    results = Path(os.environ["PREFECT_LOCAL_STORAGE_PATH"])
    stored += [p.read_bytes().decode("utf-8", "replace") for p in results.rglob("*") if p.is_file()]
    everything = "\n".join(stored)
    assert "queue-progress-notices" in everything  # the scan saw the run's task runs
    for secret in ("张三", "13800001234", CUSTOMER, "赎回款", "客户表示理解"):
        assert secret not in everything, f"{secret!r} reached Prefect"


def _last_reconciles(client, count: int) -> list[UUID]:  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    runs = client.read_flow_runs(
        flow_filter=FlowFilter(name=FlowFilterName(any_=["reconcile"])),
        sort=FlowRunSort.START_TIME_DESC,
        limit=count,
    )
    return [run.id for run in runs]

"""Art. 7 with a real worker that prefetches: a worker submits scheduled runs ahead of their
time (10 s by default), so deadline checks start before their due time. Every breach must still
be recorded, once, at its due time, and reported to the superior once.

The test prefetches 90 s and, once the restarted worker polls, sets the deadlines 60 s and more
ahead, so the checks start early even where starting a worker or a flow process takes tens of
seconds (a loaded CI machine); with the default 10 s a slow start can reach the due time and
the early path would go untested."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from sqlalchemy import func, select

from models import Complaint, ComplaintEvent, Deadline, Notification
from models.db import session_scope, utcnow
from orchestration.names import WORK_POOL
from policy.enums import DeadlineKind, DeadlineStatus, NotificationStatus
from tasks.deadlines import schedule_deadline_checks
from tests.flows.test_durability import (  # noqa: F401 - fixtures shared with this module
    LiveSystem,
    live,
    new_complaint,
    postgres_database_url,
)
from tests.support.processes import ManagedProcess, wait_until

pytestmark = pytest.mark.slow

ROUNDS = 8
PREFETCH_SECONDS = 90
FIRST_DUE_IN_SECONDS = 60


def _with_long_prefetch(system: LiveSystem) -> None:
    env = {**system.env, "PREFECT_WORKER_PREFETCH_SECONDS": str(PREFETCH_SECONDS)}
    system.worker.stop(grace=5)
    restarted = utcnow()
    system.worker = ManagedProcess(
        "worker", system.worker.command, env, system.worker.log.with_name("worker-prefetch.log")
    ).start()
    wait_until(lambda: _worker_polled_since(restarted), 180, "the restarted worker to poll")


def _worker_polled_since(moment) -> bool:  # type: ignore[no-untyped-def]
    with get_client(sync_client=True) as client:
        workers = client.read_workers_for_work_pool(WORK_POOL)
    return any(w.last_heartbeat_time and w.last_heartbeat_time > moment for w in workers)


def _record_deadline_due_in(system: LiveSystem, complaint_id: int, seconds: float) -> Deadline:
    with session_scope(system.url) as session:
        deadline = session.scalars(
            select(Deadline).where(
                Deadline.complaint_id == complaint_id,
                Deadline.kind == DeadlineKind.written_record,
            )
        ).one()
        deadline.due_at = utcnow() + timedelta(seconds=seconds)
        deadline.warn_at = None
        session.flush()
        session.expunge(deadline)
    schedule_deadline_checks.fn(complaint_id)
    return deadline


def _started_at(name: str):  # type: ignore[no-untyped-def]
    with get_client(sync_client=True) as client:
        (run,) = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name]))
        )
    return run.start_time


def test_every_breach_is_recorded_once_when_checks_start_before_their_time(
    request: pytest.FixtureRequest,
) -> None:
    system: LiveSystem = request.getfixturevalue("live")
    _with_long_prefetch(system)
    deadlines: list[tuple[int, Deadline]] = []
    for round_ in range(ROUNDS):  # due a second apart, all inside the worker's prefetch window
        complaint_id, _ = new_complaint(system, start_run=False)
        due_in = FIRST_DUE_IN_SECONDS + round_
        deadlines.append((complaint_id, _record_deadline_due_in(system, complaint_id, due_in)))

    def all_breached() -> bool:
        with session_scope(system.url) as session:
            ids = [deadline.id for _, deadline in deadlines]
            breached = session.scalar(
                select(func.count())
                .select_from(Deadline)
                .where(Deadline.id.in_(ids), Deadline.status == DeadlineStatus.breached)
            )
        return breached == len(ids)

    wait_until(all_breached, 180, "every breach to be recorded", every=1)
    started_early = 0
    with session_scope(system.url) as session:
        for complaint_id, deadline in deadlines:
            row = session.get_one(Deadline, deadline.id)
            assert row.breached_at == deadline.due_at
            events = session.scalars(
                select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == complaint_id)
            ).all()
            assert events.count("deadline_breached") == 1
            reports = session.scalars(
                select(Notification).where(
                    Notification.complaint_id == complaint_id,
                    Notification.kind == "record_breach",
                )
            ).all()
            assert len(reports) == 1
            reference = session.get_one(Complaint, complaint_id).reference
            start = _started_at(f"deadline-{reference}-written_record-1")
            started_early += start is not None and start < deadline.due_at
    # The test shows the early start it is about: the checks began before their due time.
    assert started_early >= 1
    wait_until(
        lambda: _all_sent(system, [complaint_id for complaint_id, _ in deadlines]),
        60,
        "every breach report to be sent",
    )
    assert sum("manager@staff.test" in m.recipients for m in system.smtp.messages) >= ROUNDS


def _all_sent(system: LiveSystem, complaint_ids: list[int]) -> bool:
    with session_scope(system.url) as session:
        statuses = session.scalars(
            select(Notification.status).where(
                Notification.complaint_id.in_(complaint_ids),
                Notification.kind == "record_breach",
            )
        ).all()
    return len(statuses) == len(complaint_ids) and all(
        status is NotificationStatus.sent for status in statuses
    )

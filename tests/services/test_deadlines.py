"""Art. 7 at a deadline's time: a check records a warning or a breach exactly once, by the
clock and not by when the check happened to run (early, on time, late, or again)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import ComplaintEvent, Deadline
from policy.enums import DeadlineKind, DeadlineStatus
from services.deadlines import check_deadline
from tests.models.factories import make_complaint


def _record_deadline(session: Session, settings) -> Deadline:  # type: ignore[no-untyped-def]
    complaint = make_complaint(session, settings)
    session.commit()
    return session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint.id, Deadline.kind == DeadlineKind.written_record
        )
    ).one()


def _events(session: Session, kind: str) -> list[ComplaintEvent]:
    return list(session.scalars(select(ComplaintEvent).where(ComplaintEvent.kind == kind)))


def test_art7_a_check_that_runs_before_the_due_time_records_nothing_and_says_when_to_look_again(
    session: Session, settings
) -> None:
    deadline = _record_deadline(session, settings)
    early = deadline.due_at - timedelta(seconds=7)
    outcome = check_deadline(session, deadline_id=deadline.id, purpose="breach", now=early)
    assert outcome.action == "waiting"
    assert outcome.check_again_at == deadline.due_at
    assert deadline.status is DeadlineStatus.open and deadline.breached_at is None
    assert _events(session, "deadline_breached") == []


def test_art7_a_late_check_records_the_breach_at_the_due_time_it_missed(
    session: Session, settings
) -> None:
    deadline = _record_deadline(session, settings)
    late = deadline.due_at + timedelta(hours=5)
    outcome = check_deadline(session, deadline_id=deadline.id, purpose="breach", now=late)
    session.commit()
    assert outcome.action == "breached"
    session.refresh(deadline)
    assert deadline.status is DeadlineStatus.breached
    assert deadline.breached_at == deadline.due_at
    (event,) = _events(session, "deadline_breached")
    assert event.data["due_at"] == deadline.due_at.isoformat()
    assert event.data["responsible_id"] == deadline.responsible_user_id


def test_art7_early_then_on_time_then_repeated_checks_record_one_breach(
    session: Session, settings
) -> None:
    deadline = _record_deadline(session, settings)
    due = deadline.due_at
    actions = [
        check_deadline(session, deadline_id=deadline.id, purpose="breach", now=moment).action
        for moment in (
            due - timedelta(seconds=10),
            due,
            due + timedelta(milliseconds=1),
            due + timedelta(seconds=1),
            due + timedelta(days=2),
        )
    ]
    session.commit()
    assert actions == ["waiting", "waiting", "breached", "none", "none"]
    assert len(_events(session, "deadline_breached")) == 1


def test_art2_1_a_warning_check_waits_for_its_time_and_warns_once(
    session: Session, settings
) -> None:
    deadline = _record_deadline(session, settings)
    assert deadline.warn_at is not None
    early = check_deadline(
        session, deadline_id=deadline.id, purpose="warn", now=deadline.warn_at - timedelta(1)
    )
    assert (early.action, early.check_again_at) == ("waiting", deadline.warn_at)
    first = check_deadline(session, deadline_id=deadline.id, purpose="warn", now=deadline.warn_at)
    again = check_deadline(
        session, deadline_id=deadline.id, purpose="warn", now=deadline.warn_at + timedelta(1)
    )
    session.commit()
    assert (first.action, again.action) == ("warned", "none")
    assert len(_events(session, "deadline_warning")) == 1


def test_art7_a_deadline_met_in_time_is_never_breached(session: Session, settings) -> None:
    deadline = _record_deadline(session, settings)
    deadline.status = DeadlineStatus.met
    deadline.met_at = deadline.due_at - timedelta(minutes=1)
    session.commit()
    late = deadline.due_at + timedelta(hours=1)
    assert check_deadline(session, deadline_id=deadline.id, purpose="breach", now=late).action == (
        "none"
    )
    assert _events(session, "deadline_breached") == []


def test_art7_two_checks_at_once_record_one_breach(session: Session, settings) -> None:
    """The scheduled check and reconciliation's sweep may meet: the database picks one."""
    deadline = _record_deadline(session, settings)
    late = deadline.due_at + timedelta(minutes=1)
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    barrier = threading.Barrier(4)
    actions: list[str] = []

    def check() -> None:
        with factory() as own:
            barrier.wait()
            outcome = check_deadline(own, deadline_id=deadline.id, purpose="breach", now=late)
            own.commit()
            actions.append(outcome.action)

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(actions) == ["breached", "none", "none", "none"]
    session.expire_all()
    assert len(_events(session, "deadline_breached")) == 1

"""Art. 7 at a deadline's time: a check records a warning or a breach exactly once, by the
clock and not by when the check happened to run (early, on time, late, or again); the deadline
sweep finds what is due from the app database, and ops see what comes next."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Complaint, ComplaintEvent, Deadline
from policy.enums import DeadlineKind, DeadlineStatus
from services.deadlines import check_deadline, due_deadline_checks, upcoming_deadlines
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


def _due(session: Session, now) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(check.deadline_id, check.purpose) for check in due_deadline_checks(session, now=now)]


def test_art7_the_sweep_finds_a_limit_at_its_warning_time_then_at_its_breach_never_before(
    session: Session, settings
) -> None:
    """A sweep only acts on moments that have passed, so one that starts early (a worker
    prefetching its run) finds nothing yet instead of recording too soon."""
    deadline = _record_deadline(session, settings)
    assert deadline.warn_at is not None
    due, warn = deadline.due_at, deadline.warn_at
    assert (deadline.id, "warn") not in _due(session, warn - timedelta(seconds=1))
    assert (deadline.id, "warn") in _due(session, warn)
    assert (deadline.id, "breach") not in _due(session, due)
    check_deadline(session, deadline_id=deadline.id, purpose="warn", now=warn)
    session.commit()
    assert deadline.id not in {id_ for id_, _ in _due(session, warn + timedelta(minutes=1))}
    assert _due(session, due + timedelta(milliseconds=1)).count((deadline.id, "breach")) == 1
    outcome = check_deadline(
        session, deadline_id=deadline.id, purpose="breach", now=due + timedelta(milliseconds=1)
    )
    session.commit()
    assert outcome.action == "breached"
    assert deadline.id not in {id_ for id_, _ in _due(session, due + timedelta(days=1))}


def test_art7_a_sweep_after_downtime_records_each_missed_breach_at_its_due_time_without_warning(
    session: Session, settings
) -> None:
    """The app database holds the limits: a sweep days after the last one finds them all."""
    first = _record_deadline(session, settings)
    second = _record_deadline(session, settings)
    back = max(first.due_at, second.due_at) + timedelta(days=3)
    due = [check for check in _due(session, back) if check[0] in (first.id, second.id)]
    assert sorted(due) == sorted([(first.id, "breach"), (second.id, "breach")])
    for deadline_id, purpose in due:
        check_deadline(session, deadline_id=deadline_id, purpose=purpose, now=back)
    session.commit()
    for deadline in (first, second):
        session.refresh(deadline)
        assert deadline.status is DeadlineStatus.breached
        assert deadline.breached_at == deadline.due_at and deadline.warned_at is None
    assert len(_events(session, "deadline_breached")) == 2
    assert _events(session, "deadline_warning") == []


def test_art7_two_sweeps_at_once_record_each_breach_once(session: Session, settings) -> None:
    """Two sweep runs (a late one and the next, or reconciliation's) meet: each finds the same
    due limits; the database lets one record each breach."""
    deadlines = [_record_deadline(session, settings) for _ in range(3)]
    ids = {deadline.id for deadline in deadlines}
    late = max(deadline.due_at for deadline in deadlines) + timedelta(minutes=1)
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    barrier = threading.Barrier(2)
    actions: list[str] = []

    def sweep() -> None:
        with factory() as own:
            due = [
                check for check in due_deadline_checks(own, now=late) if check.deadline_id in ids
            ]
            own.rollback()
            barrier.wait()
            for check in due:
                outcome = check_deadline(
                    own, deadline_id=check.deadline_id, purpose=check.purpose, now=late
                )
                own.commit()
                actions.append(outcome.action)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(actions) == ["breached"] * 3 + ["none"] * 3
    session.expire_all()
    assert len(_events(session, "deadline_breached")) == 3


def test_ops_see_the_upcoming_limits_soonest_first_with_reference_and_responsible(
    session: Session, settings
) -> None:
    deadline = _record_deadline(session, settings)
    before = deadline.due_at - timedelta(hours=1)
    upcoming = upcoming_deadlines(session, now=before, limit=50)
    record = next(row for row in upcoming if row.kind is DeadlineKind.written_record)
    complaint = session.get_one(Complaint, deadline.complaint_id)
    assert (record.reference, record.due_at) == (complaint.reference, deadline.due_at)
    assert record.responsible == deadline.responsible_user.username
    assert [row.due_at for row in upcoming] == sorted(row.due_at for row in upcoming)
    assert upcoming_deadlines(session, now=before, limit=1) == upcoming[:1]
    later = upcoming_deadlines(session, now=deadline.due_at + timedelta(seconds=1), limit=50)
    assert all(row.due_at > deadline.due_at for row in later)

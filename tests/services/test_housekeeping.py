"""What Prefect housekeeping may remove, by the app database: a complaint's run only once the
complaint has been archived for the retention period; open and recently archived ones stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from models.db import utcnow
from policy.enums import Stage
from services.housekeeping import runs_of_complaints_archived_before
from tests.models.factories import make_complaint


def test_only_runs_of_complaints_archived_before_the_cutoff_may_go(
    session: Session, settings
) -> None:
    now = utcnow()
    cutoff = now - timedelta(days=90)
    old, recent, closed, still_open = (make_complaint(session, settings) for _ in range(4))
    for complaint, run_id in zip(
        (old, recent, closed, still_open),
        ("run-old", "run-recent", "run-closed", "run-open"),
        strict=True,
    ):
        complaint.flow_run_id = run_id
    old.stage, old.archived_at = Stage.archived, cutoff - timedelta(seconds=1)
    recent.stage, recent.archived_at = Stage.archived, cutoff + timedelta(seconds=1)
    closed.stage = Stage.closed  # closed, not yet archived: its run is not finished either
    session.commit()

    asked = ["run-old", "run-recent", "run-closed", "run-open", "run-of-another-database"]
    assert runs_of_complaints_archived_before(session, asked, before=cutoff) == ["run-old"]
    assert runs_of_complaints_archived_before(session, [], before=cutoff) == []

"""What Prefect housekeeping may remove, as the app database (the system of record) says:
a complaint's run goes only once the complaint has been archived for the retention period.
Read only: housekeeping writes nothing here."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.complaint import Complaint
from policy.enums import Stage

# Ids per query: well under SQLite's and PostgreSQL's limits on bound parameters.
_BATCH = 500


def runs_of_complaints_archived_before(
    session: Session, run_ids: Collection[str], *, before: datetime
) -> list[str]:
    """Those of ``run_ids`` that are the runs of complaints archived before ``before``; a run
    of a complaint not archived, archived since, or unknown to this database is not among
    them."""
    wanted = sorted(run_ids)
    found: list[str] = []
    for start in range(0, len(wanted), _BATCH):
        found.extend(
            run_id
            for run_id in session.scalars(
                select(Complaint.flow_run_id).where(
                    Complaint.flow_run_id.in_(wanted[start : start + _BATCH]),
                    Complaint.stage == Stage.archived,
                    Complaint.archived_at.is_not(None),
                    Complaint.archived_at < before,
                )
            )
            if run_id
        )
    return found

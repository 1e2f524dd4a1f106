"""One writer at a time on a complaint's state: the conditional UPDATE that every change
depending on the complaint's stage, department, round or person complained about takes first.

On PostgreSQL it takes the row lock, on SQLite the database's write lock (SQLite starts a
transaction at its first write, so a read — even ``FOR UPDATE`` — cannot lock). A second writer's
UPDATE waits for the first to commit, then matches no row when what it checked has changed: it
must stop (409) and write nothing.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from models.complaint import Complaint


def claim_complaint(session: Session, complaint: Complaint) -> bool:
    """Whether the complaint is still as ``complaint`` was read (stage, department, handling
    round, person complained about): then this transaction holds it until it ends."""
    claimed = session.connection().execute(
        update(Complaint)
        .where(
            Complaint.id == complaint.id,
            Complaint.stage == complaint.stage,
            Complaint.department_id == complaint.department_id,
            Complaint.handling_round == complaint.handling_round,
            # Art. 4 avoidance is checked against the person complained about as read.
            Complaint.subject_user_id.is_not_distinct_from(complaint.subject_user_id),
        )
        .values(stage=complaint.stage)
    )
    return claimed.rowcount == 1

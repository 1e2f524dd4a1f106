"""What a complaint's latest round says: a verification or a feedback is recorded per handling
round, and the latest one stands (a reopened case is verified again)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from models.complaint import Verification

# Ids per query: well under SQLite's limit on bound parameters.
CHUNK = 500


def latest_per_complaint(
    session: Session, table: Any, column: Any, ids: Sequence[int], *where: ColumnElement[bool]
) -> dict[int, Any]:
    """Per complaint among ``ids``, ``column`` of its latest round's row of ``table`` (rounds
    in order, then rows in order; later ones overwrite earlier ones)."""
    values: dict[int, Any] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(table.complaint_id, column)
            .where(table.complaint_id.in_(ids[start : start + CHUNK]), *where)
            .order_by(table.complaint_id, table.round, table.id)
        )
        values.update({complaint_id: value for complaint_id, value in rows})
    return values


def latest_founded(session: Session, ids: Sequence[int]) -> dict[int, bool]:
    """Per verified complaint among ``ids``: whether its latest verification found it founded."""
    return latest_per_complaint(session, Verification, Verification.founded, ids)

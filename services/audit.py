"""The complaint log (投诉日志, Art. 4(2)) as a hash chain.

Every change to a complaint appends an event in the same transaction as the change. Each
event's hash covers its content and the previous event's hash, so editing or deleting an
event breaks every hash after it; `verify_chain` finds the first broken link. The database
also refuses UPDATE and DELETE on the table (triggers in the initial migration).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.complaint import Complaint, ComplaintEvent
from models.db import utcnow

GENESIS_HASH = "0" * 64


def event_hash(
    *,
    prev_hash: str,
    complaint_id: int,
    seq: int,
    occurred_at: datetime,
    actor_id: int | None,
    kind: str,
    data: dict[str, Any],
) -> str:
    payload = json.dumps(
        [prev_hash, complaint_id, seq, occurred_at.isoformat(), actor_id, kind, data],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def append_event(
    session: Session,
    *,
    complaint: Complaint,
    kind: str,
    actor_id: int | None = None,
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> ComplaintEvent:
    """Add the next event of ``complaint``'s log to ``session`` (the caller commits).

    The complaint row is locked first so that two writers cannot take the same sequence
    number (on SQLite the write lock of the transaction serialises them).
    """
    session.execute(select(Complaint.id).where(Complaint.id == complaint.id).with_for_update())
    last = session.execute(
        select(ComplaintEvent.seq, ComplaintEvent.hash)
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.seq.desc())
        .limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    occurred_at = (occurred_at or utcnow()).replace(microsecond=0)
    data = data or {}
    event = ComplaintEvent(
        complaint_id=complaint.id,
        seq=seq,
        occurred_at=occurred_at,
        actor_id=actor_id,
        kind=kind,
        data=data,
        prev_hash=prev_hash,
        hash=event_hash(
            prev_hash=prev_hash,
            complaint_id=complaint.id,
            seq=seq,
            occurred_at=occurred_at,
            actor_id=actor_id,
            kind=kind,
            data=data,
        ),
    )
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session, complaint_id: int) -> int | None:
    """The sequence number of the first event whose hash does not hold, or None if all hold."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    events = session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint_id)
        .order_by(ComplaintEvent.seq)
    )
    for event in events:
        recomputed = event_hash(
            prev_hash=prev_hash,
            complaint_id=event.complaint_id,
            seq=event.seq,
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            kind=event.kind,
            data=event.data,
        )
        if event.seq != expected_seq or event.prev_hash != prev_hash or event.hash != recomputed:
            return expected_seq
        prev_hash = event.hash
        expected_seq += 1
    return None

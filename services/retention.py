"""The end of the retention period (Art. 2(5) 保护客户隐私, Art. 4 处理过程存档): the personal
data of a complaint archived longer than ``COMPLAINTS_RETENTION_YEARS`` after its closure is
removed, and nothing inside the period is touched.

Removed: the customer's details as given at intake (name, phone, email, ID number, member
institution), the complaint's text and the free text written about the customer (the written
record, on-the-spot resolution, verification, solution, the customer's comments, contact
summaries, the note of an early closure), the addresses and contents of the emails sent about
it, the handling form files (their SHA-256 stays on record), and the evidence files with their
names as uploaded (size, kind and SHA-256 stay; a file also attached to a complaint still
inside its period stays for that one). The customer's phone, which
links repeat complaints, goes when none of their complaints is still inside its period. Kept:
the facts, decisions, dates, deadlines and the complaint's log, whose hash chain is untouched;
a ``personal_data_removed`` event is appended to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.closure import ComplaintClosure
from models.complaint import (
    Complaint,
    CustomerFeedback,
    Resolution,
    Verification,
    WrittenRecord,
)
from models.contact_log import CustomerContactAttempt
from models.operations import Document, Notification
from models.people import Contact, Customer
from policy.retention import past_retention, retention_ends
from services.audit import append_event
from services.evidence import remove_evidence_files
from services.step_errors import StepConflict, StepNotFound

REMOVED = "（保存期满，已删除）"


@dataclass(frozen=True)
class Removal:
    """What the end of one complaint's retention removed."""

    reference: str
    files_removed: int
    customer_removed: bool
    evidence_removed: int = 0


def due_for_removal(session: Session, *, now: datetime, years: int) -> list[int]:
    """The archived complaints past their retention period whose personal data is still
    there, oldest closure first."""
    rows = session.execute(
        select(Complaint.id, Complaint.closed_at, Complaint.archived_at)
        .where(Complaint.archived_at.is_not(None), Complaint.personal_data_removed_at.is_(None))
        .order_by(Complaint.closed_at, Complaint.id)
    ).all()
    return [
        complaint_id
        for complaint_id, closed_at, archived_at in rows
        if past_retention(closed_at=closed_at, archived_at=archived_at, now=now, years=years)
    ]


def remove_personal_data(
    session: Session,
    complaint_id: int,
    *,
    now: datetime,
    years: int,
    data_dir: Path,
) -> Removal | None:
    """Remove one complaint's personal data (the caller commits); None when it was removed
    already. Refused (409) for a complaint inside its retention period or not archived."""
    complaint = session.execute(
        select(Complaint).where(Complaint.id == complaint_id).with_for_update()
    ).scalar_one_or_none()
    if complaint is None:
        raise StepNotFound("找不到该投诉")
    if complaint.personal_data_removed_at is not None:
        return None
    if not past_retention(
        closed_at=complaint.closed_at, archived_at=complaint.archived_at, now=now, years=years
    ):
        until = (
            retention_ends(complaint.closed_at, years).date().isoformat()
            if complaint.closed_at and complaint.archived_at
            else "归档后"
        )
        raise StepConflict(
            f"投诉 {complaint.reference} 尚在保存期内（至 {until}），不得删除个人信息"
        )

    session.execute(
        update(Contact)
        .where(Contact.complaint_id == complaint_id)
        .values(name=REMOVED, phone="", email=None, id_number=None, member_institution=None)
    )
    complaint.content = REMOVED
    if complaint.on_the_spot_resolution is not None:
        complaint.on_the_spot_resolution = REMOVED
    if complaint.demand_note is not None:
        complaint.demand_note = REMOVED
    for table, column in (
        (WrittenRecord, WrittenRecord.text),
        (Verification, Verification.evidence),
        (Resolution, Resolution.solution),
        (CustomerFeedback, CustomerFeedback.comment),
        (CustomerContactAttempt, CustomerContactAttempt.summary),
        (ComplaintClosure, ComplaintClosure.note),
    ):
        session.execute(
            update(table).where(table.complaint_id == complaint_id).values({column.key: REMOVED})
        )
    session.execute(
        update(Notification)
        .where(Notification.complaint_id == complaint_id)
        .values(recipients=[], context={}, last_error=None)
    )
    files = 0
    for document in session.scalars(select(Document).where(Document.complaint_id == complaint_id)):
        path = Path(document.path)
        if path.exists():
            path.unlink()
            files += 1
    evidence = remove_evidence_files(
        session,
        complaint_id,
        data_dir=data_dir,
        removed_name=REMOVED,
    )
    complaint.personal_data_removed_at = now
    customer_removed = _remove_customer_if_done(session, complaint.customer_id, complaint_id)
    append_event(
        session,
        complaint=complaint,
        kind="personal_data_removed",
        data={
            "retention_years": years,
            "files_removed": files,
            "evidence_removed": evidence,
            "customer_removed": customer_removed,
        },
        occurred_at=now,
    )
    session.flush()
    return Removal(complaint.reference, files, customer_removed, evidence)


def _remove_customer_if_done(session: Session, customer_id: int, removed_now: int) -> bool:
    """The customer's phone links their complaints as repeats; it goes with the last of them."""
    others = session.execute(
        select(Complaint.id).where(
            Complaint.customer_id == customer_id,
            Complaint.id != removed_now,
            Complaint.personal_data_removed_at.is_(None),
        )
    ).first()
    if others is not None:
        return False
    session.execute(update(Customer).where(Customer.id == customer_id).values(phone=""))
    return True

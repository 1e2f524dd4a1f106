"""The handling form as a flow step: the task returns the form's checksum and can be repeated."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from models import Document
from models.complaint import Complaint
from tasks.handling_form import generate_handling_form


def test_generate_task_returns_the_checksum_and_stays_idempotent_after_archiving(
    session: Session, settings: Settings, complaint: Complaint
) -> None:
    draft = generate_handling_form.fn(complaint.id)
    assert generate_handling_form.fn(complaint.id) == draft
    archived = generate_handling_form.fn(complaint.id, final=True)
    # A re-executed flow repeats its earlier steps: they answer with the archive's checksum.
    assert generate_handling_form.fn(complaint.id) == archived
    assert generate_handling_form.fn(complaint.id, final=True) == archived

    session.expire_all()
    versions = session.scalars(
        select(Document).where(Document.complaint_id == complaint.id).order_by(Document.version)
    ).all()
    assert [(v.version, v.final, v.sha256) for v in versions] == [
        (1, False, draft),
        (2, True, archived),
    ]
    assert len(draft) == 64 and all(c in "0123456789abcdef" for c in draft)

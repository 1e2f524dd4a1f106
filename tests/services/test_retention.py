"""The end of the retention period (Art. 2(5), Art. 4): an archived complaint's personal data
is removed only after the period, with the handling form files; its facts, decisions and log
stay, the log's hash chain still verifies, and what was done is on the log. Time is given, not
waited for."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ComplaintEvent, Document
from models.complaint import Complaint, Verification, WrittenRecord
from models.evidence import Evidence
from models.people import Contact, Customer
from policy.evidence import DEFAULT_TYPES
from policy.retention import retention_ends
from services.audit import verify_chain
from services.evidence import attach_evidence, evidence_path
from services.retention import REMOVED, due_for_removal, remove_personal_data
from services.step_errors import StepConflict
from tests.models.factories import make_complaint
from tests.support.cases import Cast, carry_through

YEARS = 5


def _archived(session: Session, complaint: Complaint, cast: Cast, tmp_path: Path) -> Path:
    carry_through(session, complaint, cast, major=False)
    assert complaint.closed_at is not None
    complaint.archived_at = complaint.closed_at + timedelta(hours=1)
    form = tmp_path / f"{complaint.reference}.docx"
    form.write_bytes("form with 张三".encode())
    session.add(Document(complaint_id=complaint.id, path=str(form), sha256="0" * 64, final=True))
    session.commit()
    return form


def test_inside_the_period_nothing_is_due_and_removal_is_refused(
    session: Session, settings, complaint: Complaint, cast: Cast, tmp_path: Path
) -> None:
    form = _archived(session, complaint, cast, tmp_path)
    assert complaint.closed_at is not None
    last_moment = retention_ends(complaint.closed_at, YEARS) - timedelta(seconds=1)
    assert due_for_removal(session, now=last_moment, years=YEARS) == []
    with pytest.raises(StepConflict, match="尚在保存期内"):
        remove_personal_data(
            session, complaint.id, now=last_moment, years=YEARS, data_dir=settings.data_dir
        )
    session.rollback()
    contact = session.get(Contact, complaint.id)
    assert contact is not None and contact.name == "张三"
    assert form.exists()


def test_an_open_complaint_is_never_touched_however_old(
    session: Session, settings, complaint: Complaint, cast: Cast
) -> None:
    much_later = complaint.received_at + timedelta(days=365 * 20)
    assert due_for_removal(session, now=much_later, years=YEARS) == []
    with pytest.raises(StepConflict, match="归档后"):
        remove_personal_data(
            session, complaint.id, now=much_later, years=YEARS, data_dir=settings.data_dir
        )


def test_after_the_period_the_personal_data_and_forms_go_and_the_log_still_verifies(
    session: Session, settings, complaint: Complaint, cast: Cast, tmp_path: Path
) -> None:
    form = _archived(session, complaint, cast, tmp_path)
    assert complaint.closed_at is not None
    end = retention_ends(complaint.closed_at, YEARS)
    assert due_for_removal(session, now=end, years=YEARS) == [complaint.id]
    removal = remove_personal_data(
        session, complaint.id, now=end, years=YEARS, data_dir=settings.data_dir
    )
    session.commit()
    assert removal is not None and removal.files_removed == 1 and removal.customer_removed
    session.expire_all()
    contact = session.get(Contact, complaint.id)
    assert contact is not None
    assert (contact.name, contact.phone, contact.email) == (REMOVED, "", None)
    refreshed = session.get(Complaint, complaint.id)
    assert refreshed is not None and refreshed.content == REMOVED
    assert refreshed.personal_data_removed_at == end
    assert refreshed.category is not None and refreshed.stage == complaint.stage
    assert session.scalars(select(WrittenRecord.text)).all() == [REMOVED]
    assert session.scalars(select(Verification.evidence)).all() == [REMOVED]
    assert session.scalars(select(Verification.founded)).all() == [True]
    customer = session.get(Customer, refreshed.customer_id)
    assert customer is not None and customer.phone == ""
    assert not form.exists()
    assert session.scalars(select(Document.sha256)).all() == ["0" * 64]
    assert verify_chain(session, complaint.id) is None
    last = session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.seq.desc())
    ).first()
    assert last is not None and last.kind == "personal_data_removed"
    assert last.data == {
        "retention_years": YEARS,
        "files_removed": 1,
        "evidence_removed": 0,
        "customer_removed": True,
    }
    # Again: nothing more to do, nothing appended.
    assert (
        remove_personal_data(
            session, complaint.id, now=end, years=YEARS, data_dir=settings.data_dir
        )
        is None
    )
    assert due_for_removal(session, now=end, years=YEARS) == []


def test_the_customers_phone_stays_while_another_of_their_complaints_is_kept(
    session: Session, settings, complaint: Complaint, cast: Cast, tmp_path: Path
) -> None:
    _archived(session, complaint, cast, tmp_path)
    later = make_complaint(
        session, settings, owner=cast.owner, customer_phone=complaint.contact.phone
    )
    session.commit()
    assert later.customer_id == complaint.customer_id
    assert complaint.closed_at is not None
    end = retention_ends(complaint.closed_at, YEARS)
    removal = remove_personal_data(
        session, complaint.id, now=end, years=YEARS, data_dir=settings.data_dir
    )
    session.commit()
    assert removal is not None and not removal.customer_removed
    customer = session.get(Customer, complaint.customer_id)
    assert customer is not None and customer.phone != ""
    kept = session.get(Contact, later.id)
    assert kept is not None and kept.name == "张三"


def _attach(session: Session, settings, complaint: Complaint, cast: Cast, content: bytes) -> str:  # type: ignore[no-untyped-def]
    return attach_evidence(
        session,
        complaint=complaint,
        actor=cast.owner,
        name="张三的通话录音.mp3",
        content=content,
        now=complaint.received_at,
        data_dir=settings.data_dir,
        max_bytes=1 << 20,
        allowed=DEFAULT_TYPES,
    ).evidence.sha256


RECORDING = b"ID3" + "张三".encode() * 50


def test_after_the_period_the_evidence_files_and_their_names_go_their_hashes_stay(
    session: Session, settings, complaint: Complaint, cast: Cast, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sha = _attach(session, settings, complaint, cast, RECORDING)
    _archived(session, complaint, cast, tmp_path)
    assert complaint.closed_at is not None
    end = retention_ends(complaint.closed_at, YEARS)
    with pytest.raises(StepConflict):
        remove_personal_data(
            session,
            complaint.id,
            now=end - timedelta(seconds=1),
            years=YEARS,
            data_dir=settings.data_dir,
        )
    session.rollback()
    assert evidence_path(settings.data_dir, sha).exists()
    removal = remove_personal_data(
        session, complaint.id, now=end, years=YEARS, data_dir=settings.data_dir
    )
    session.commit()
    assert removal is not None and removal.evidence_removed == 1
    assert not evidence_path(settings.data_dir, sha).exists()
    session.expire_all()
    (row,) = session.scalars(select(Evidence)).all()
    assert (row.original_name, row.sha256, row.size) == (REMOVED, sha, len(RECORDING))
    assert verify_chain(session, complaint.id) is None


def test_an_evidence_file_also_attached_to_a_kept_complaint_stays_for_it(
    session: Session, settings, complaint: Complaint, cast: Cast, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sha = _attach(session, settings, complaint, cast, RECORDING)
    later = make_complaint(session, settings, owner=cast.owner)
    session.commit()
    assert _attach(session, settings, later, cast, RECORDING) == sha
    _archived(session, complaint, cast, tmp_path)
    assert complaint.closed_at is not None
    end = retention_ends(complaint.closed_at, YEARS)
    removal = remove_personal_data(
        session, complaint.id, now=end, years=YEARS, data_dir=settings.data_dir
    )
    session.commit()
    assert removal is not None and removal.evidence_removed == 0
    assert evidence_path(settings.data_dir, sha).read_bytes() == RECORDING


def test_after_the_period_the_demands_note_goes_too_and_the_subject_stays(
    session: Session, settings, complaint: Complaint, cast: Cast, tmp_path: Path
) -> None:
    """The demand's note is free text that may name the customer; the demand's kind and who or
    what the complaint was about are no personal data of the customer and stay for Art. 8."""
    from policy.subjects import Demand

    complaint.demand, complaint.demand_note = Demand.refund, "张三要求退回 13800001234 的手续费"
    complaint.subject_institution = "某证券营业部"
    _archived(session, complaint, cast, tmp_path)
    assert complaint.closed_at is not None
    end = retention_ends(complaint.closed_at, YEARS)
    remove_personal_data(session, complaint.id, now=end, years=YEARS, data_dir=settings.data_dir)
    session.commit()
    session.expire_all()
    refreshed = session.get_one(Complaint, complaint.id)
    assert refreshed.demand_note == REMOVED
    assert (refreshed.demand, refreshed.subject_institution) == (Demand.refund, "某证券营业部")

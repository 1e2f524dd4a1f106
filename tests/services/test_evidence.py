"""Evidence attached to a complaint: stored once under the data folder by its SHA-256, written
whole, one row per file and complaint; refused (nothing written, no file left behind) for those
who do not handle the case, once archived, and for an empty, oversized or mis-named file; read
back checked against its hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.settings import Settings
from models import ComplaintEvent
from models.complaint import Complaint
from models.db import utcnow
from models.evidence import Evidence
from models.operations import Document
from policy.enums import Stage
from policy.evidence import DEFAULT_TYPES
from services.evidence import (
    EvidenceMissing,
    EvidenceTampered,
    EvidenceTooLarge,
    attach_evidence,
    evidence_of,
    evidence_path,
    read_evidence,
)
from services.step_errors import StepConflict, StepForbidden, StepInputError
from tests.support.cases import Cast

PDF = b"%PDF-1.7\n" + "客户来信".encode() * 10


def _attach(session: Session, settings: Settings, complaint: Complaint, actor, **kw):  # type: ignore[no-untyped-def]
    options = {
        "name": "来信.pdf",
        "content": PDF,
        "now": utcnow(),
        "data_dir": settings.data_dir,
        "max_bytes": 1024,
        "allowed": DEFAULT_TYPES,
        **kw,
    }
    return attach_evidence(session, complaint=complaint, actor=actor, **options)


def _stored(settings: Settings) -> list[Path]:
    folder = settings.data_dir / "evidence"
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def _rows(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Evidence)) or 0


def test_a_file_is_stored_by_its_hash_with_a_row_and_a_log_entry(
    session: Session, settings: Settings, complaint: Complaint, cast: Cast
) -> None:
    attached = _attach(session, settings, complaint, cast.owner)
    sha = hashlib.sha256(PDF).hexdigest()
    assert not attached.already_attached
    row = attached.evidence
    assert (row.sha256, row.original_name, row.size, row.media_type) == (
        sha,
        "来信.pdf",
        len(PDF),
        "application/pdf",
    )
    assert row.uploaded_by_id == cast.owner.id
    assert _stored(settings) == [evidence_path(settings.data_dir, sha)]
    assert evidence_path(settings.data_dir, sha).read_bytes() == PDF
    event = session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.seq.desc())
    ).first()
    assert event is not None and event.kind == "evidence_attached"
    assert event.data == {"sha256": sha, "size": len(PDF), "media_type": "application/pdf"}
    assert read_evidence(session, complaint.id, sha, data_dir=settings.data_dir)[1] == PDF


def test_the_same_file_twice_on_one_complaint_is_stored_once(
    session: Session, settings: Settings, complaint: Complaint, cast: Cast
) -> None:
    _attach(session, settings, complaint, cast.owner)
    again = _attach(session, settings, complaint, cast.manager, name="copy.pdf")
    assert again.already_attached and again.evidence.original_name == "来信.pdf"
    assert _rows(session) == 1 and len(_stored(settings)) == 1
    assert [e.original_name for e in evidence_of(session, complaint.id)] == ["来信.pdf"]


@pytest.mark.parametrize(
    ("kw", "error", "message"),
    [
        ({"content": b""}, StepInputError, "是空文件"),
        ({"content": b"%PDF-" + b"x" * 2000}, EvidenceTooLarge, "超过上限 1 KB"),
        ({"name": "run.exe", "content": b"MZ\x90"}, StepInputError, "不接受该类型"),
        ({"name": "fake.pdf", "content": b"MZ\x90"}, StepInputError, "扩展名与内容不符"),
    ],
)
def test_a_refused_file_leaves_no_row_and_no_file(
    session: Session, settings: Settings, complaint: Complaint, cast: Cast, kw, error, message
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        _attach(session, settings, complaint, cast.owner, **kw)
    session.rollback()
    assert _rows(session) == 0 and _stored(settings) == []


def test_only_those_who_handle_the_case_attach(
    session: Session, settings: Settings, complaint: Complaint, cast: Cast
) -> None:
    with pytest.raises(StepForbidden, match="上传证据材料"):
        _attach(session, settings, complaint, cast.compliance)
    session.rollback()
    assert _rows(session) == 0 and _stored(settings) == []
    assert not _attach(session, settings, complaint, cast.leader).already_attached


def test_nothing_is_added_once_archived_or_its_final_form_written(
    session: Session, settings: Settings, complaint: Complaint, cast: Cast, tmp_path: Path
) -> None:
    session.add(
        Document(
            complaint_id=complaint.id, path=str(tmp_path / "f.docx"), sha256="0" * 64, final=True
        )
    )
    session.commit()
    with pytest.raises(StepConflict, match="已归档"):
        _attach(session, settings, complaint, cast.owner)
    session.rollback()
    complaint.stage = Stage.archived
    session.commit()
    with pytest.raises(StepConflict, match="已归档"):
        _attach(session, settings, complaint, cast.owner)
    session.rollback()
    assert _rows(session) == 0 and _stored(settings) == []


def test_a_failed_commit_removes_the_file_no_row_refers_to(
    session: Session, settings: Settings, complaint: Complaint, cast: Cast, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    def broken_commit() -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        _attach(session, settings, complaint, cast.owner)
    monkeypatch.undo()
    assert _rows(session) == 0 and _stored(settings) == []


def test_a_missing_or_altered_file_is_reported_on_reading(
    session: Session, settings: Settings, complaint: Complaint, cast: Cast
) -> None:
    sha = _attach(session, settings, complaint, cast.owner).evidence.sha256
    path = evidence_path(settings.data_dir, sha)
    path.chmod(0o644)
    path.write_bytes(b"%PDF-altered")
    with pytest.raises(EvidenceTampered):
        read_evidence(session, complaint.id, sha, data_dir=settings.data_dir)
    path.unlink()
    with pytest.raises(EvidenceMissing):
        read_evidence(session, complaint.id, sha, data_dir=settings.data_dir)
    with pytest.raises(EvidenceMissing):
        read_evidence(session, complaint.id, "0" * 64, data_dir=settings.data_dir)


def test_what_prefect_may_read_of_the_log_holds_no_file_name_or_content(
    session: Session, settings: Settings, complaint: Complaint, cast: Cast
) -> None:
    from services.progress import masked_timeline

    _attach(session, settings, complaint, cast.owner, name="张三通话录音.pdf")
    timeline = str(masked_timeline(session, complaint.id))
    assert "evidence_attached" in timeline
    assert "张三" not in timeline and "客户来信" not in timeline and ".pdf" not in timeline

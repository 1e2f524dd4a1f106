"""Evidence attached to a complaint (证据材料, Art. 2(2) 核实, Art. 4 处理过程存档): recordings,
screenshots, letters, stored once under the data folder by their SHA-256.

Every door (the complaint page, the API) goes through ``attach_evidence``: who may attach
(those who handle the case), not once the complaint is archived, the size and kind of the
file (``policy.evidence``), one row per file and complaint. The file is written only after
every check has passed, atomically, and removed again if the transaction that records it
fails while no row refers to it. There is no deletion: a file attached stays on the case
file (its log records the upload), and once the complaint is archived nothing is added.

Names and contents never leave the app database and the data folder: the complaint's log
records the SHA-256, size and kind only (the Prefect timeline shows event kinds).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models.complaint import Complaint
from models.evidence import Evidence
from models.operations import Document
from models.people import User
from policy.enums import Role, Stage
from policy.evidence import EvidenceRefused, FileTooLarge, check_file
from services.audit import append_event
from services.files import (
    StoredFileAltered,
    StoredFileMissing,
    read_checked,
    write_file_atomically,
)
from services.step_errors import StepConflict, StepError, StepForbidden, StepInputError


class EvidenceTooLarge(StepError):
    """The file is larger than ``COMPLAINTS_EVIDENCE_MAX_BYTES`` (HTTP 413)."""

    status_code = 413


class EvidenceMissing(StepError):
    """The file is on record but no longer stored (removed after the retention period)."""

    status_code = 404


class EvidenceTampered(StepError):
    """The stored file no longer has the SHA-256 it was recorded with."""

    status_code = 409


def evidence_path(data_dir: Path, sha256: str) -> Path:
    """Where a file is stored: ``data_dir/evidence/ab/abcdef…`` (its SHA-256)."""
    return Path(data_dir).resolve() / "evidence" / sha256[:2] / sha256


def ensure_may_attach(complaint: Complaint, actor: User) -> None:
    """Who attaches evidence: those who handle the case — its handler, its first-inquiry
    owner, a manager of its department, company leadership (Art. 5(4))."""
    if not actor.active:
        raise StepForbidden("该账号已停用")
    if actor.role is Role.leadership:
        return
    if actor.id in (complaint.handler_id, complaint.first_inquiry_owner_id):
        return
    if actor.role is Role.manager and actor.department_id == complaint.department_id:
        return
    raise StepForbidden(
        "只有该投诉的跟进人员、首问负责人、受理部门的经理或公司领导可以上传证据材料（第五条第四项）"
    )


def is_archived(session: Session, complaint: Complaint) -> bool:
    """Archived, or its final handling form already written (the archive is under way)."""
    if complaint.stage is Stage.archived:
        return True
    return bool(
        session.scalar(
            select(exists().where(Document.complaint_id == complaint.id, Document.final.is_(True)))
        )
    )


def ensure_open_for_evidence(session: Session, complaint: Complaint) -> None:
    if is_archived(session, complaint):
        raise StepConflict(f"投诉 {complaint.reference} 已归档，证据材料不可再增加或更改")


@dataclass(frozen=True)
class Attached:
    evidence: Evidence
    already_attached: bool  # the same file was attached to this complaint before


def evidence_of(session: Session, complaint_id: int) -> list[Evidence]:
    """The files attached to a complaint, in the order they were attached."""
    return list(
        session.scalars(
            select(Evidence)
            .where(Evidence.complaint_id == complaint_id)
            .order_by(Evidence.uploaded_at, Evidence.id)
        )
    )


def _referenced(session: Session, sha256: str) -> bool:
    return session.scalar(select(exists().where(Evidence.sha256 == sha256))) or False


def attach_evidence(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    name: str,
    content: bytes,
    now: datetime,
    data_dir: Path,
    max_bytes: int,
    allowed: tuple[str, ...],
) -> Attached:
    """Attach a file to ``complaint`` and commit. The same file again is the row already
    there (nothing written). Refusals, with nothing written: ``StepForbidden`` (403),
    ``StepConflict`` (409, archived), ``EvidenceTooLarge`` (413), ``StepInputError`` (422:
    no file, empty, a kind not allowed, content not of the kind its name says)."""
    session.execute(select(Complaint.id).where(Complaint.id == complaint.id).with_for_update())
    ensure_may_attach(complaint, actor)
    ensure_open_for_evidence(session, complaint)
    name = Path(name.replace("\\", "/")).name.strip()  # a browser may send a full path
    try:
        kind = check_file(name, content, allowed=allowed, max_bytes=max_bytes)
    except FileTooLarge as error:
        raise EvidenceTooLarge(str(error), field="file") from None
    except EvidenceRefused as error:
        raise StepInputError(str(error), field="file") from None
    sha256 = hashlib.sha256(content).hexdigest()
    existing = session.scalar(
        select(Evidence).where(Evidence.complaint_id == complaint.id, Evidence.sha256 == sha256)
    )
    if existing is not None:
        session.rollback()
        return Attached(existing, already_attached=True)

    path = evidence_path(data_dir, sha256)
    written = not path.exists()
    try:
        if written:
            write_file_atomically(path, content, read_only=True)
        evidence = Evidence(
            complaint_id=complaint.id,
            sha256=sha256,
            original_name=name,
            size=len(content),
            media_type=kind.media_type,
            uploaded_by_id=actor.id,
            uploaded_at=now,
        )
        session.add(evidence)
        session.flush()
        append_event(
            session,
            complaint=complaint,
            kind="evidence_attached",
            actor_id=actor.id,
            occurred_at=now,
            data={"sha256": sha256, "size": len(content), "media_type": kind.media_type},
        )
        session.commit()
    except BaseException:
        session.rollback()
        if written and not _referenced(session, sha256):
            path.unlink(missing_ok=True)
        raise
    return Attached(evidence, already_attached=False)


def read_evidence(
    session: Session, complaint_id: int, sha256: str, *, data_dir: Path
) -> tuple[Evidence, bytes]:
    """A file attached to the complaint and its bytes, checked against its SHA-256."""
    evidence = session.scalar(
        select(Evidence).where(
            Evidence.complaint_id == complaint_id, Evidence.sha256 == sha256.lower()
        )
    )
    if evidence is None:
        raise EvidenceMissing("该投诉没有这份证据材料")
    try:
        return evidence, read_checked(evidence_path(data_dir, evidence.sha256), evidence.sha256)
    except StoredFileMissing:
        raise EvidenceMissing("该证据材料的文件已不在（保存期满已删除，或存储丢失）") from None
    except StoredFileAltered:
        raise EvidenceTampered(
            "该证据材料的文件与登记的 SHA-256 不符，可能已被篡改，请报告"
        ) from None


def remove_evidence_files(
    session: Session, complaint_id: int, *, data_dir: Path, removed_name: str
) -> int:
    """At the end of the retention period: the complaint's evidence files are deleted (a file
    also attached to a complaint whose personal data is kept stays for that one) and their
    names replaced; the rows keep size, kind and SHA-256. Returns the files deleted."""
    removed = 0
    for evidence in evidence_of(session, complaint_id):
        evidence.original_name = removed_name
        still_needed = session.scalar(
            select(
                exists().where(
                    Evidence.sha256 == evidence.sha256,
                    Evidence.complaint_id != complaint_id,
                    Evidence.complaint_id == Complaint.id,
                    Complaint.personal_data_removed_at.is_(None),
                )
            )
        )
        path = evidence_path(data_dir, evidence.sha256)
        if not still_needed and path.exists():
            path.unlink()
            removed += 1
    return removed

"""The form's versions on disk: written as the complaint moves, archived once, read back checked.

Files go to ``data_dir/documents/<reference>/<reference>-v<N>.docx``; ``documents`` holds one
row per version with the SHA-256 of its bytes.

python-docx (``docx_file``) is imported when a form is rendered or compared, not with this
module: the notices import it for the latest version's row only, and the reconcile, ops-alert
and monitoring flows that queue notices would pay ~0.08 s (``python -X importtime``) per run.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import get_settings
from models.complaint import Complaint
from models.db import utcnow
from models.operations import Document
from services.audit import append_event
from services.files import (
    StoredFileAltered,
    StoredFileMissing,
    read_checked,
    write_file_atomically,
)
from services.handling_form.fields import (
    FORM_KIND,
    HandlingFormData,
    HandlingFormError,
    format_time,
    handling_form_data,
)


class HandlingFormArchivedError(HandlingFormError):
    """The complaint is archived: its final form is never rewritten."""


class ArchiveTamperedError(HandlingFormError):
    """The archived form's bytes no longer match the checksum stored when it was archived."""

    code = "archive_tampered"


def render_handling_form(
    data: HandlingFormData, *, version: int | None = None, generated_at: str | None = None
) -> bytes:
    """The form as .docx bytes: A4, 宋体 body, 黑体 title, a bordered table, shaded labels."""
    from services.handling_form.docx_file import render

    return render(data, version=version, generated_at=generated_at)


def form_versions(session: Session, complaint_id: int) -> list[Document]:
    return list(
        session.scalars(
            select(Document)
            .where(Document.complaint_id == complaint_id, Document.kind == FORM_KIND)
            .order_by(Document.version)
        )
    )


def latest_handling_form(session: Session, complaint_id: int) -> Document | None:
    versions = form_versions(session, complaint_id)
    return versions[-1] if versions else None


def _stored_digest(document: Document) -> str | None:
    try:
        from services.handling_form.docx_file import stored_identifier

        identifier = stored_identifier(document.path)
    except Exception:  # a missing or unreadable file is simply not the same form
        return None
    return identifier.removeprefix("sha256:")


def write_handling_form(
    session: Session,
    *,
    complaint_id: int,
    data_dir: Path,
    final: bool = False,
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
) -> Document:
    """Store the form as it stands; a new version only when its fields changed, or ``final``.

    Files go to ``data_dir/documents/<reference>/<reference>-v<N>.docx``. ``final`` archives:
    the file becomes read-only and no later write is accepted. Runs in the caller's
    transaction; the complaint row is locked so that two writers cannot take one version.
    """
    tz = tz or get_settings().tz
    now = now or utcnow()
    complaint = session.get(Complaint, complaint_id, with_for_update=True)
    if complaint is None:
        raise HandlingFormError(f"complaint {complaint_id} does not exist")
    versions = form_versions(session, complaint_id)
    if any(version.final for version in versions):
        raise HandlingFormArchivedError(
            f"complaint {complaint.reference} is archived; its handling form is not rewritten"
        )
    data = handling_form_data(session, complaint_id, tz=tz, archived_at=now if final else None)
    latest = versions[-1] if versions else None
    if latest is not None and not final and _stored_digest(latest) == data.digest():
        return latest
    version = latest.version + 1 if latest else 1
    content = render_handling_form(data, version=version, generated_at=format_time(now, tz))
    folder = Path(data_dir).resolve() / "documents" / complaint.reference
    path = folder / f"{complaint.reference}-v{version}.docx"
    write_file_atomically(path, content, read_only=final)
    document = Document(
        complaint_id=complaint_id,
        kind=FORM_KIND,
        version=version,
        path=str(path),
        sha256=hashlib.sha256(content).hexdigest(),
        final=final,
        created_at=now,
    )
    session.add(document)
    session.flush()
    append_event(
        session,
        complaint=complaint,
        kind="handling_form_archived" if final else "handling_form_generated",
        occurred_at=now,
        data={"document_id": document.id, "version": version, "sha256": document.sha256},
    )
    return document


def read_archived_form(session: Session, complaint_id: int) -> bytes:
    """The archived form's bytes, after checking them against the stored SHA-256."""
    final = next((v for v in form_versions(session, complaint_id) if v.final), None)
    if final is None:
        raise HandlingFormError(f"complaint {complaint_id} has no archived handling form yet")
    try:
        return read_checked(Path(final.path), final.sha256)
    except StoredFileMissing:
        raise ArchiveTamperedError(
            f"archived form of complaint {complaint_id} (version {final.version}) is missing"
        ) from None
    except StoredFileAltered:
        raise ArchiveTamperedError(
            f"archived form of complaint {complaint_id} (version {final.version}) does not match "
            "its stored checksum; restore it from backup and report the incident"
        ) from None


def ensure_handling_form(
    session: Session, *, complaint_id: int, data_dir: Path, final: bool = False, tz: ZoneInfo
) -> Document:
    """The form's current version (the archive copy when ``final``), written if it changed.

    Safe to repeat: an unchanged form adds no version, and once the complaint is archived the
    archive copy is returned, so a re-executed flow does not fail on its earlier steps.
    """
    try:
        return write_handling_form(
            session, complaint_id=complaint_id, data_dir=data_dir, final=final, tz=tz
        )
    except HandlingFormArchivedError:
        return next(v for v in form_versions(session, complaint_id) if v.final)

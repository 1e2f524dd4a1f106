"""The end of the retention period as Prefect tasks: find the complaints past it, remove one
complaint's personal data (``services.retention``). Each is safe to repeat: a complaint already
done is passed over. Results carry ids, references and counts only (Art. 2(5))."""

from __future__ import annotations

from prefect import task

from config.settings import get_settings
from models.db import session_scope, utcnow
from services.retention import due_for_removal, remove_personal_data
from tasks._caching import fresh_read_options


@task(name="find-complaints-past-retention", **fresh_read_options())
def find_complaints_past_retention() -> list[int]:
    settings = get_settings()
    with session_scope() as session:
        return due_for_removal(session, now=utcnow(), years=settings.retention_years)


@task(name="remove-personal-data", **fresh_read_options())
def remove_personal_data_of(complaint_id: int) -> dict[str, object] | None:
    settings = get_settings()
    with session_scope() as session:
        removal = remove_personal_data(
            session,
            complaint_id,
            now=utcnow(),
            years=settings.retention_years,
            data_dir=settings.data_dir,
        )
        if removal is None:
            return None
        return {
            "reference": removal.reference,
            "files_removed": removal.files_removed,
            "evidence_removed": removal.evidence_removed,
            "customer_removed": removal.customer_removed,
        }

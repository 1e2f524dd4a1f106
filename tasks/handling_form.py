"""The handling form (客户投诉处理表) as a Prefect task; the form is ``models.handling_form``.

The task returns the form's SHA-256, never its content (Art. 2(5)).
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from complaints.settings import get_settings
from models.db import session_scope
from models.handling_form import ensure_handling_form


@task(
    name="generate_handling_form",
    task_run_name="handling-form-{complaint_id}",
    cache_policy=NONE,
)
def generate_handling_form(complaint_id: int, final: bool = False) -> str:
    """Write the form's current version (the archive copy when ``final``); return its SHA-256.

    Idempotent: an unchanged form adds no version, and once the complaint is archived the
    archive's checksum is returned, so a re-executed flow does not fail on its earlier steps.
    """
    settings = get_settings()
    with session_scope(settings.effective_database_url) as session:
        document = ensure_handling_form(
            session,
            complaint_id=complaint_id,
            data_dir=settings.data_dir,
            final=final,
            tz=settings.tz,
        )
        return document.sha256

"""The handling form (客户投诉处理表) as Prefect tasks; the form is ``services.handling_form``.

The tasks return the form's SHA-256, never its content (Art. 2(5)).

The form's service is imported when a form is written, not with this module, which the
lifecycle flow imports on every resume: it costs 0.2–0.4 s (python-docx and the form's
queries; ``python -X importtime`` after the flow's own imports, on a shared 2-core machine).
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from config.settings import get_settings
from models.db import session_scope
from tasks._caching import side_effect_options


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
    from services.handling_form import ensure_handling_form

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


@task(name="handling-form-at", **side_effect_options())
def prepare_handling_form(complaint_id: int, milestone: str, final: bool = False) -> str:
    """The annex's handling form (客户投诉处理表) as it stands at ``milestone``; once per
    milestone and flow run (the task's cache key), and no new version when nothing on the
    form changed."""
    return str(generate_handling_form.fn(complaint_id, final))

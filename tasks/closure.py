"""Tasks of process version 3's closure paths: the read before each wait, which also sees a
closure of the complaint (``services.progress.wait_outcome``)."""

from __future__ import annotations

from typing import Any

from prefect import task

from models.db import session_scope
from policy.lifecycle import Step
from services.progress import wait_outcome
from tasks._caching import fresh_read_options


@task(name="read-wait", **fresh_read_options())
def read_wait(complaint_id: int, step: Step, number: int) -> dict[str, Any]:
    """The decision on ``step`` if the app database has it, and the complaint's closure if it
    was closed meanwhile (read before suspending, and after a resume without a decision)."""

    with session_scope() as session:
        return wait_outcome(session, complaint_id=complaint_id, step=step, number=number)

"""The deployments on the process work pool: lifecycle, deadline checks, reconciliation."""

from __future__ import annotations

import contextlib
from pathlib import Path

from deployments.names import DEADLINE_FLOW, LIFECYCLE_FLOW, RECONCILE_FLOW, WORK_POOL

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENTRYPOINTS = {
    LIFECYCLE_FLOW: "flows/complaint_lifecycle.py:complaint_lifecycle",
    DEADLINE_FLOW: "flows/deadline_check.py:deadline_check",
    RECONCILE_FLOW: "flows/reconcile.py:reconcile",
}


def ensure_work_pool() -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(name=WORK_POOL, type="process"))


def register_deployments(reconcile_every_seconds: int = 300) -> list[str]:
    """Create or update the deployments; safe to run on every start."""
    from prefect import Flow

    ensure_work_pool()
    names = []
    for name, entrypoint in ENTRYPOINTS.items():
        flow = Flow.from_source(source=str(PROJECT_ROOT), entrypoint=entrypoint)
        flow.deploy(  # type: ignore[union-attr]
            name=name,
            work_pool_name=WORK_POOL,
            interval=reconcile_every_seconds if name == RECONCILE_FLOW else None,
            build=False,
            push=False,
            print_next_steps=False,
            ignore_warnings=True,
        )
        names.append(f"{name}/{name}")
    return names

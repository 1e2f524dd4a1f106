"""The system's calls to the Prefect API: starting and resuming complaint runs, scheduling
deadline checks, and what reconciliation asks (runs to re-queue, suspended runs' pause keys,
checks to cancel). Used by the web app, the tasks and `complaints demo`. Only ids, usernames
and decisions go to Prefect.

``prefect`` is imported in the functions that call it: the staff web app imports this module,
and would otherwise load Prefect (~1 s by ``python -X importtime``) before serving its first
page, although most pages never reach Prefect.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from orchestration.names import (
    DEADLINE_DEPLOYMENT,
    DEADLINE_FLOW,
    HOUSEKEEPING_FLOW,
    LIFECYCLE_DEPLOYMENT,
    LIFECYCLE_FLOW,
    MONITOR_FLOW,
    OPS_ALERT_FLOW,
    RECONCILE_FLOW,
    REPORT_FLOW,
    RETENTION_FLOW,
    SWEEP_FLOW,
    idempotency_key,
    lifecycle_run_name,
)

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.objects import FlowRun


def start_lifecycle_run(
    *, complaint_id: int, reference: str, created_at: datetime, tags: list[str]
) -> UUID:
    """Create the complaint's flow run; the same complaint never gets a second run."""
    from prefect.deployments import run_deployment

    run = run_deployment(
        LIFECYCLE_DEPLOYMENT,
        parameters={"complaint_id": complaint_id},
        flow_run_name=lifecycle_run_name(reference),
        tags=tags,
        idempotency_key=idempotency_key("complaint", complaint_id, created_at),
        timeout=0,
        as_subflow=False,
    )
    return run.id  # type: ignore[no-any-return]


def schedule_deadline_run(
    *,
    deadline_id: int,
    created_at: datetime,
    purpose: str,
    at: datetime,
    name: str,
    again: bool = False,
) -> UUID:
    """A durable timer: a deadline-check run the Prefect server holds until ``at``. ``again``
    is a further run for the same check (one that ran too early handed over to it): its key
    holds ``at``, so each hand-over makes one run."""
    from prefect.deployments import run_deployment

    extra = [purpose, f"{at:%Y%m%d%H%M%S%f}"] if again else [purpose]
    run = run_deployment(
        DEADLINE_DEPLOYMENT,
        parameters={"deadline_id": deadline_id, "purpose": purpose},
        scheduled_time=at,
        flow_run_name=name,
        tags=["deadline", f"purpose:{purpose}"],
        idempotency_key=idempotency_key("deadline", deadline_id, created_at, *extra),
        timeout=0,
        as_subflow=False,
    )
    return run.id  # type: ignore[no-any-return]


def retag_run(
    flow_run_id: str | UUID, *, add: Collection[str], drop: Callable[[str], bool]
) -> list[str]:
    """Give a run the tags ``add`` in place of those ``drop`` picks; the run's other tags stay.
    Returns the run's tags now."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        current = client.read_flow_run(UUID(str(flow_run_id)))
        tags = sorted({*(tag for tag in current.tags if not drop(tag)), *add})
        if tags != sorted(current.tags):
            client.update_flow_run(current.id, tags=tags)
    return tags


def resume_for_step(flow_run_id: str | UUID, *decisions: dict[str, Any]) -> bool:
    """Wake a suspended run after the app saved a step, with the first of ``decisions`` its
    form takes (the server checks the input against the form the run saved when it suspended:
    a run suspended by an earlier version of the flow has the earlier form). False when the
    run was not suspended (it is running and will read the database itself; reconciliation
    covers the rest)."""
    from prefect.exceptions import NotPausedError
    from prefect.flow_runs import resume_flow_run

    for remaining, decision in reversed(list(enumerate(reversed(decisions)))):
        try:
            resume_flow_run(UUID(str(flow_run_id)), run_input=decision)
        except NotPausedError:
            return False
        except RuntimeError as refused:
            if remaining and "Reason:" in str(refused):  # the form's validation
                continue
            raise
        return True
    raise ValueError("no input to resume the run with")


# The complaint log's events that record a step someone took (what a run must catch up with).
STEP_EVENTS = frozenset(
    {
        "received",
        "written_record_submitted",
        "transferred",
        "handler_assigned",
        "major_decided",
        "handling_recorded",
        "leadership_reviewed",
        "customer_confirmation",
        "customer_feedback",
        "leadership_decided",
        "closed_early",
        "step_via_prefect_ui",
    }
)
_EXECUTING_OR_DONE = frozenset({"RUNNING", "COMPLETED", "CANCELLED", "CANCELLING"})


def run_is_behind(
    *,
    state_type: str,
    state_at: datetime,
    last_step_at: datetime | None,
    now: datetime,
    grace: timedelta,
) -> bool:
    """Whether a complaint's run has fallen behind its record: its last execution is older
    than the last step saved, by more than ``grace``. A run executing now, or ended, is not.
    A suspended run executed last when it suspended (``state_at``); any other (scheduled,
    pending, crashed) has not executed since it got that state, nor will without a worker."""
    if state_type in _EXECUTING_OR_DONE:
        return False
    if state_type == "PAUSED":
        # The log keeps whole seconds: a step of the suspension's second counts as after it.
        after_suspension = last_step_at is not None and last_step_at >= state_at.replace(
            microsecond=0
        )
        return after_suspension and now - last_step_at > grace  # type: ignore[operator]
    return now - max(state_at, last_step_at or state_at) > grace


def run_state(flow_run_id: str | UUID) -> tuple[str, datetime] | None:
    """The run's state type and since when, or None when it has none."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(UUID(str(flow_run_id))).state
    if state is None or state.timestamp is None:
        return None
    return state.type.value, state.timestamp


# How long a crash is left alone before reconciliation re-queues it (see ``requeue_runs``).
CRASH_SETTLE = timedelta(seconds=10)


def requeue_runs(
    complaint_run_ids: Collection[UUID], *, now: datetime, stuck_after: timedelta
) -> list[dict[str, str]]:
    """Schedule again, for ``now``, the complaint runs among ``complaint_run_ids`` that crashed
    or failed, the deadline sweeps and checks that crashed (`crashed_sweeps`) and any run of the
    system's flows stuck without a process (`stuck_runs`); the
    state message says what it was and since when. Returns one row per run for ops."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Scheduled

    requeued: list[dict[str, str]] = []
    with get_client(sync_client=True) as client:
        crashed = (
            client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    id=FlowRunFilterId(any_=list(complaint_run_ids)),
                    state=FlowRunFilterState(
                        type=FlowRunFilterStateType(any_=[StateType.CRASHED, StateType.FAILED])
                    ),
                )
            )
            if complaint_run_ids
            else []
        )
        # A worker reports a crash twice, the second time up to a second or so later (when
        # it has loaded the flow to run its crash hooks); a re-queue in between would be
        # undone by that second report. A crash is re-queued once it has settled.
        settled = [
            run
            for run in [*crashed, *crashed_sweeps(client)]
            if run.state is not None
            and run.state.timestamp is not None
            and now - run.state.timestamp >= CRASH_SETTLE
        ]
        stuck = stuck_runs(client, now=now, after=stuck_after)
        for run in [*settled, *stuck]:
            state = run.state
            assert state is not None
            since = (stuck_since(run) or now).astimezone(UTC)
            message = (
                f"re-queued by reconciliation: {state.name} since {since:%Y-%m-%d %H:%M:%S} UTC"
            )
            client.set_flow_run_state(
                run.id,
                Scheduled(name="AwaitingRetry", scheduled_time=now, message=message),
                force=True,
            )
            requeued.append(
                {
                    "flow_run": run.name,
                    "was": state.name or "",
                    "since": f"{since:%Y-%m-%d %H:%M:%S} UTC",
                    "requeued": f"{now.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC",
                }
            )
    return requeued


# The flows of the system's deployments: their runs are the ones reconciliation looks after.
SYSTEM_FLOWS = [
    LIFECYCLE_FLOW,
    DEADLINE_FLOW,
    SWEEP_FLOW,
    MONITOR_FLOW,
    OPS_ALERT_FLOW,
    HOUSEKEEPING_FLOW,
    RETENTION_FLOW,
    REPORT_FLOW,
]


def stuck_runs(client: SyncPrefectClient, *, now: datetime, after: timedelta) -> list[FlowRun]:
    """Runs of the system's flows that no process is executing and none will: left Pending or
    Submitting for longer than ``after`` (a worker claims a run, then starts its process, which
    sets it Running within seconds), or Scheduled more than ``after`` past their start time
    (a run the worker was given back, or one the killed worker had claimed)."""
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterNextScheduledStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    cutoff = now - after
    flows = FlowFilter(name=FlowFilterName(any_=SYSTEM_FLOWS))
    found: list[FlowRun] = []
    for state_type, due_before in (
        (StateType.PENDING, None),
        (StateType.SCHEDULED, FlowRunFilterNextScheduledStartTime(before_=cutoff)),
    ):
        offset = 0
        while True:
            page = client.read_flow_runs(
                flow_filter=flows,
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[state_type])),
                    next_scheduled_start_time=due_before,
                ),
                sort=FlowRunSort.ID_DESC,
                offset=offset,
                limit=PAGE,
            )
            found.extend(run for run in page if (since := stuck_since(run)) and since < cutoff)
            if len(page) < PAGE:
                break
            offset += PAGE
    return found


# Runs that decide everything through the app database's conditional updates or once per key
# (the sweep and checks, reconciliation, monitoring, housekeeping, retention): one killed with
# its process (Crashed) is simply run again. The monthly report is not among them (a re-run
# writes the month's files again): ops start it by hand.
REPEATABLE_FLOWS = [
    SWEEP_FLOW,
    DEADLINE_FLOW,
    RECONCILE_FLOW,
    MONITOR_FLOW,
    HOUSEKEEPING_FLOW,
    RETENTION_FLOW,
]


def crashed_sweeps(client: SyncPrefectClient) -> list[FlowRun]:
    """Runs of the ``REPEATABLE_FLOWS`` (deadline sweeps and checks, reconciliation,
    monitoring, housekeeping, retention) left Crashed: their process or worker was killed. A
    later run does their work, but a Crashed run stays in ops' view; re-running one decides
    nothing twice. A Failed one (an error in it) is left for ops to see."""
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    found: list[FlowRun] = []
    while True:
        page = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=REPEATABLE_FLOWS)),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.CRASHED]))
            ),
            offset=len(found),
            limit=PAGE,
        )
        found.extend(page)
        if len(page) < PAGE:
            return found


def stuck_since(run: FlowRun) -> datetime | None:
    """Since when a run has waited for a process: the start time a Scheduled run was given,
    the moment a run entered Pending (or Submitting)."""
    state = run.state
    if state is None:
        return None
    if state.is_scheduled():
        return state.state_details.scheduled_time or run.next_scheduled_start_time
    return state.timestamp


PAGE = 200


def pause_keys(run_ids: Collection[UUID]) -> dict[UUID, str]:
    """The pause key of each of these runs that is suspended now."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    if not run_ids:
        return {}
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(run_ids)))
        )
    return {
        run.id: run.state.state_details.pause_key or ""
        for run in runs
        if run.state is not None and run.state.is_paused()
    }


def cancel_scheduled_runs(
    run_ids: Collection[UUID],
    *,
    also_named: Collection[str] = (),
    with_keys: Collection[str] = (),
    message: str,
) -> int:
    """Cancel those of ``run_ids`` still Scheduled, and the Scheduled runs named in
    ``also_named`` whose idempotency key is in ``with_keys`` (a name could repeat across app
    databases; the key cannot). Returns how many were cancelled."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterName,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelled

    scheduled = FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
    with get_client(sync_client=True) as client:
        named = (
            client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    name=FlowRunFilterName(any_=list(also_named)), state=scheduled
                )
            )
            if also_named
            else []
        )
        runs = [
            *client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    id=FlowRunFilterId(any_=list(run_ids)), state=scheduled
                )
            ),
            *(run for run in named if run.idempotency_key in with_keys),
        ]
        for run in runs:
            client.set_flow_run_state(run.id, Cancelled(message=message), force=True)
    return len(runs)


def add_flow_run_tags(flow_run_id: str | UUID, tags: Collection[str]) -> bool:
    """Add ``tags`` to a flow run, keeping those it has. False when it had them all already
    (nothing written) or the run is gone."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            run = client.read_flow_run(UUID(str(flow_run_id)))
        except ObjectNotFound:
            return False
        if set(tags) <= set(run.tags):
            return False
        client.update_flow_run(run.id, tags=sorted({*run.tags, *tags}))
    return True


# Final states: a run in one of these has finished and may be removed after the retention.
_FINISHED = ("COMPLETED", "CANCELLED", "FAILED", "CRASHED")


def finished_runs(flow_names: Collection[str], *, ended_before: datetime) -> list[UUID]:
    """Runs of the flows named that finished (completed, cancelled, failed, crashed) before
    ``ended_before``."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterEndTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    found: list[UUID] = []
    with get_client(sync_client=True) as client:
        while True:
            page = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=list(flow_names))),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(
                        type=FlowRunFilterStateType(any_=[StateType(t) for t in _FINISHED])
                    ),
                    end_time=FlowRunFilterEndTime(before_=ended_before),
                ),
                sort=FlowRunSort.ID_DESC,
                offset=len(found),
                limit=PAGE,
            )
            found.extend(run.id for run in page)
            if len(page) < PAGE:
                return found


def delete_runs(run_ids: Collection[UUID], *, keep_latest_artifacts: bool) -> int:
    """Remove these runs from the Prefect server: each run's artifacts, then the run, which
    takes its states, task runs and resume inputs with it (the database cascades) and its logs
    (the server deletes them in the background). ``keep_latest_artifacts``: an artifact that
    is the latest of its key stays (a key's page in the UI shows it until a newer one comes).
    Events are Prefect's to expire (``PREFECT_SERVER_EVENTS_RETENTION_PERIOD``). Returns how
    many runs were removed; a run already gone counts as none."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactCollectionFilter,
        ArtifactCollectionFilterKey,
        ArtifactFilter,
        ArtifactFilterFlowRunId,
    )
    from prefect.exceptions import ObjectNotFound

    removed = 0
    with get_client(sync_client=True) as client:
        for run_id in run_ids:
            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
            )
            keys = sorted({artifact.key for artifact in artifacts if artifact.key})
            latest = (
                {
                    collection.latest_id
                    for collection in client.read_latest_artifacts(
                        artifact_filter=ArtifactCollectionFilter(
                            key=ArtifactCollectionFilterKey(any_=keys)
                        )
                    )
                }
                if keep_latest_artifacts and keys
                else set()
            )
            for artifact in artifacts:
                if artifact.id not in latest:
                    with contextlib.suppress(ObjectNotFound):
                        client.delete_artifact(artifact.id)
            try:
                client.delete_flow_run(run_id)
            except ObjectNotFound:
                continue
            removed += 1
    return removed

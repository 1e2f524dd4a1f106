"""Suspending the current flow run with a message: Prefect's ``suspend_flow_run`` proposes a
Suspended state without one, and ops read in the runs list what each run waits for.

The same steps as ``prefect.flow_runs.suspend_flow_run`` with the current run and a key: the
Suspended state (here with its message) carries the keyset of the run input; the server
accepts it, or answers Running when this wait's key fired before (the run was resumed, and
its input is loaded and returned); the input's form is saved, with the ``description`` the
Prefect UI's resume dialog shows, and ``Pause`` ends the execution as the engine expects.
"""

from __future__ import annotations

from typing import TypeVar

from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext, TaskRunContext
from prefect.exceptions import Pause
from prefect.input import RunInput, keyset_from_paused_state
from prefect.states import Suspended
from prefect.utilities.engine import propose_state_sync

Form = TypeVar("Form", bound=RunInput)


def suspend_for_input(form: type[Form], *, key: str, message: str) -> Form:
    """Suspend the running flow run until resumed with ``form``'s input; returns the input
    when the run was resumed at this ``key`` already (it re-executed from the top)."""
    context = FlowRunContext.get()
    if context is None or context.flow_run is None or TaskRunContext.get():
        raise RuntimeError("only a flow run suspends itself")
    flow_run_id = context.flow_run.id
    proposed = Suspended(pause_key=key, message=message)
    keyset = keyset_from_paused_state(proposed)
    proposed.state_details.run_input_keyset = keyset
    with get_client(sync_client=True) as client:
        state = propose_state_sync(client=client, state=proposed, flow_run_id=flow_run_id)
        if state.is_running():
            return form.load(keyset, flow_run_id=flow_run_id)
        if not state.is_paused():
            raise RuntimeError(f"flow run {flow_run_id} cannot be suspended: {state}")
        form.save(keyset, flow_run_id=flow_run_id)
    raise Pause(state=state)

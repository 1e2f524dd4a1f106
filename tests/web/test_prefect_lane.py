"""The web app's one lane to the Prefect API: run starts queued behind it hold no worker thread,
and a person waiting for a step goes before the queued starts."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import anyio.to_thread
from starlette.background import BackgroundTask

from web.actions import start_flow_run
from web.prefect_lane import lane


def _hold_lane() -> threading.Event:
    """Occupy the lane (as a slow Prefect server would) until the returned event is set."""
    release, holding = threading.Event(), threading.Event()

    def busy() -> None:
        holding.set()
        release.wait(30)

    lane.submit(busy)
    assert holding.wait(10), "the lane took the holding call"
    return release


def test_run_starts_queued_behind_a_busy_lane_leave_the_worker_threads_free(settings) -> None:
    """A burst of intakes answers at once: each run start waits for the lane on the event loop,
    not in one of the threads that serve requests (there are only so many)."""

    async def burst() -> str:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 3
        release = _hold_lane()
        try:
            async with anyio.create_task_group() as starts:
                url = settings.effective_database_url
                for complaint_id in range(10_000, 10_006):  # more starts than threads
                    starts.start_soon(BackgroundTask(start_flow_run, complaint_id, url))
                await anyio.sleep(0.2)
                with anyio.fail_after(5):
                    served = await anyio.to_thread.run_sync(lambda: "the next request served")
                release.set()
            return served
        finally:
            release.set()

    assert anyio.run(burst) == "the next request served"


def test_a_step_waiting_for_the_lane_goes_before_queued_run_starts() -> None:
    order: list[str] = []
    release = _hold_lane()
    starts = [lane.submit(order.append, f"start {number}") for number in range(3)]
    step: dict[str, Any] = {}
    waiting = threading.Thread(target=lambda: step.update(answer=lane.call(order.append, "step")))
    waiting.start()
    deadline = threading.Event()
    while lane.waiting() < 4 and not deadline.wait(0.01):
        pass
    release.set()
    waiting.join(10)
    for start in starts:
        start.result(10)
    assert order == ["step", "start 0", "start 1", "start 2"]

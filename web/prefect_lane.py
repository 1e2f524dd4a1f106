"""One thread for the web app's calls to the Prefect API, with one client kept open.

Why: creating a Prefect client costs ~25 ms of CPU (an SSL context, a version check) and
holds the GIL while it does; a start or a resume through a kept client costs ~3 ms. Done
in the request's own threads, the next request would pay for the previous one's start.
Calls are made one after another here. A step request waits for its answer (whether the run
was woken) and goes before the run starts queued after intakes; those are awaited by a
background task on the event loop, so a burst of intakes queued behind the lane holds none of
the threads that serve requests.

Each call carries the Prefect API URL of the request that made it (tests point requests at
different servers); the kept client is replaced when the URL changes. If the client cannot
be opened (the API is down), the call runs without it and fails as it would anyway.

``prefect`` is imported on the lane's first call, not with the web app (~1 s by
``python -X importtime``), as in ``orchestration.runs``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger("web.prefect")

CALL_TIMEOUT = 120.0

# After the Prefect API could not be reached, further calls are skipped for this long (per API
# URL): each attempt costs ~1.5 s of connection retries, which no page should wait for again
# and again during an outage. What is skipped is started or woken by reconciliation.
UNREACHABLE_PAUSE = 15.0
_unreachable_until: dict[str, float] = {}


def prefect_paused() -> bool:
    """True while the Prefect API is taken to be down (it failed to connect moments ago)."""
    return _unreachable_until.get(current_api_url(), 0.0) > time.monotonic()


def note_failure(error: Exception) -> None:
    """A call that could not connect: the API is taken to be down for ``UNREACHABLE_PAUSE``."""
    if isinstance(error, httpx.TransportError | OSError):
        _pause(current_api_url())


def _pause(api_url: str) -> None:
    _unreachable_until[api_url] = time.monotonic() + UNREACHABLE_PAUSE


def current_api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value() or "")


# A person waiting for a step's answer goes before queued background work (run starts).
WAITED_FOR, BACKGROUND = 0, 1


@dataclass(order=True)
class _Call:
    priority: int
    sequence: int
    function: Callable[..., Any] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False)
    api_url: str = field(compare=False)
    future: Future[Any] = field(compare=False)


class PrefectLane:
    def __init__(self) -> None:
        self._calls: queue.PriorityQueue[_Call] = queue.PriorityQueue()
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stack: contextlib.ExitStack | None = None
        self._url: str | None = None
        self._client_open = False

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run ``function(*args)`` on the lane, in the Prefect settings of the caller's
        API URL, and return its result (or raise its exception); it goes before queued
        background work."""
        return self._put(WAITED_FOR, function, args).result(timeout=CALL_TIMEOUT)

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        """Queue ``function(*args)`` as background work and return its future at once."""
        return self._put(BACKGROUND, function, args)

    def waiting(self) -> int:
        """How many calls are queued (not counting the one running)."""
        return self._calls.qsize()

    def _put(
        self, priority: int, function: Callable[..., Any], args: tuple[Any, ...]
    ) -> Future[Any]:
        future: Future[Any] = Future()
        self._ensure_thread()
        sequence = next(self._sequence)
        self._calls.put(_Call(priority, sequence, function, args, current_api_url(), future))
        return future

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="prefect-lane", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            call = self._calls.get()
            if not call.future.set_running_or_notify_cancel():
                continue
            try:
                self._settle_on(call.api_url)
                call.future.set_result(call.function(*call.args))
            except BaseException as error:  # handed to the caller
                call.future.set_exception(error)

    def _settle_on(self, api_url: str) -> None:
        from prefect.context import SyncClientContext
        from prefect.settings import PREFECT_API_URL, temporary_settings

        if api_url != self._url or self._stack is None:
            self._close()
            self._stack = contextlib.ExitStack()
            self._stack.enter_context(temporary_settings(updates={PREFECT_API_URL: api_url}))
            self._url = api_url
        if not self._client_open:
            if prefect_paused():
                return
            try:
                self._stack.enter_context(SyncClientContext.get_or_create())
                self._client_open = True
            except Exception as error:  # the API is down: the call itself will say so
                log.debug("Prefect client not opened (%s); calling without it", error)
                # Each attempt costs ~1.5 s of connection retries: not again for every call.
                _pause(api_url)

    def _close(self) -> None:
        if self._stack is not None:
            with contextlib.suppress(Exception):
                self._stack.close()
        self._stack = None
        self._client_open = False


lane = PrefectLane()

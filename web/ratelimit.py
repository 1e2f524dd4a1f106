"""A per-key sliding window of recent requests, in this process: e.g. searches per user."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta


class SlidingWindow:
    """At most ``limit`` requests per key in any ``window``; time is passed in (testable)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, deque[datetime]] = {}

    def take(self, key: str, *, now: datetime, limit: int, window: timedelta) -> int | None:
        """Count a request for ``key``: None when allowed, else the seconds until one is."""
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - window:
                seen.popleft()
            if len(seen) >= limit:
                return max(1, int((seen[0] + window - now).total_seconds() + 0.999))
            seen.append(now)
            return None

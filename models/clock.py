"""The system's clock: the one source of "now" for every rule that depends on time.

Production reads the wall clock. Tests put a ``ManualClock`` in its place (``use``), so that a
24-hour time limit is tested in milliseconds: the test moves the clock past the due time
instead of sleeping through it. A wait inside a flow run (a deadline check that started early)
goes through ``sleep``, which a manual clock turns into moving time forward.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


class Clock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(max(seconds, 0.0))


class ManualClock(Clock):
    """A clock that moves only when told to: ``advance``, ``set`` or a ``sleep``."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a manual clock needs an aware datetime")
        self.moment = moment.astimezone(UTC)

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.advance(timedelta(seconds=max(seconds, 0.0)))

    def advance(self, by: timedelta) -> datetime:
        self.moment += by
        return self.moment

    def set(self, moment: datetime) -> datetime:
        self.moment = moment.astimezone(UTC)
        return self.moment


_current: Clock = Clock()


def now() -> datetime:
    return _current.now()


def sleep(seconds: float) -> None:
    _current.sleep(seconds)


@contextmanager
def use(clock: Clock) -> Iterator[Clock]:
    """Let ``clock`` tell the time in this process until the block ends."""
    global _current
    previous, _current = _current, clock
    try:
        yield clock
    finally:
        _current = previous

"""Two people at the same moment: the first one's transaction held open until the second one's
has read and goes to write, then committed, so the second one meets the first one's write."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from models.db import get_engine


def race_twice(
    database_url: str,
    session: Session,
    first: Callable[[Session], Any],
    second: Callable[[Session], Any],
) -> BaseException | None:
    """``first`` in ``session``, held open until ``second`` (in a session of another thread) has
    read what it needs and goes to write or lock it; then ``first`` commits. What ``second``
    raised (None when it, too, was saved)."""
    engine = get_engine(database_url)
    about_to_write = threading.Event()
    outcome: list[BaseException | None] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread() is contender:
            words = statement.lstrip().upper()
            if words.startswith(("INSERT", "UPDATE", "DELETE")) or "FOR UPDATE" in words:
                about_to_write.set()

    def take_second() -> None:
        try:
            with Session(bind=engine, expire_on_commit=False) as other:
                second(other)
                other.commit()
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)
            about_to_write.set()

    first(session)
    session.flush()
    event.listen(engine, "before_cursor_execute", watch)
    contender = threading.Thread(target=take_second)
    try:
        contender.start()
        assert about_to_write.wait(30), "the second step never went to write"
        session.commit()
        contender.join(60)
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert not contender.is_alive()
    return outcome[0]

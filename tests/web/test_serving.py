"""What the app served by a real uvicorn on 127.0.0.1 writes to the access log."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from tests.support.postgres import free_port
from web.app import create_app


@pytest.fixture
def served(settings: Any) -> Iterator[str]:
    """A fresh app in uvicorn (its own access log on), in a thread of this process."""
    port = free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="info")
    web = uvicorn.Server(config)
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(web.run,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not web.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    web.should_exit = True
    thread.join(10)


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_access_log_names_the_path_but_not_the_query_that_carries_personal_data(
    served: str,
) -> None:
    """Art. 2(5): a search by phone or name is in the URL's query; the access log keeps out."""
    collect = Collect()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(collect)
    try:
        with httpx.Client(base_url=served) as client:
            client.get("/search", params={"q": "13712345678"})
            client.get("/search", params={"q": "欧阳测试"})
    finally:
        access.removeHandler(collect)
    requests = [line for line in collect.lines if "/search" in line]
    assert len(requests) == 2, collect.lines
    assert all('"GET /search HTTP/1.1" 303' in line for line in requests), requests
    logged = "\n".join(collect.lines)
    assert "13712345678" not in logged and "q=" not in logged


def test_the_closed_prefect_port_of_the_tests_refuses_and_cannot_be_taken() -> None:
    """The port the tests use for "the Prefect API is down" is held: a server started during
    the session (the Prefect test server picks a free port) can never be given it."""
    import socket

    from tests.web.conftest import CLOSED_PORT

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", CLOSED_PORT), timeout=2)
    with socket.socket() as other, pytest.raises(OSError):
        other.bind(("127.0.0.1", CLOSED_PORT))

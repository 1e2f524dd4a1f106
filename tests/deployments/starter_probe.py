"""A flow that reports the process it ran in: what the flow starter's tests look at."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from prefect import flow
from prefect.settings import get_current_settings


@flow(name="starter-probe")
def starter_probe(
    report: str,
    fail: bool = False,
    linger_seconds: float = 0,
    exit_code: int | None = None,
    kill_signal: int | None = None,
) -> None:
    Path(report).write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "ppid": os.getppid(),
                "session": os.getsid(0),
                "mark": os.environ.get("STARTER_PROBE_MARK"),
                "api_url": str(get_current_settings().api.url),
                "cwd": os.getcwd(),
            }
        )
    )
    time.sleep(linger_seconds)
    if exit_code is not None:
        os._exit(exit_code)  # the process ends the way a crash ends it
    if kill_signal is not None:
        os.kill(os.getpid(), kill_signal)
    if fail:
        raise RuntimeError("the probe was asked to fail")

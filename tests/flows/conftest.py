"""A real Prefect server (the test harness, once per session), the flows' deployments, and an
in-process way to execute a flow run until it suspends or ends."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow
from prefect.testing.utilities import prefect_test_harness

from tests.support.smtp import SmtpSink


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    storage = tmp_path_factory.mktemp("prefect-results")
    os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(storage)
    with prefect_test_harness(server_startup_timeout=90):
        from flows.complaint_lifecycle import complaint_lifecycle
        from flows.deadline_check import deadline_check
        from flows.deadline_sweep import deadline_sweep

        complaint_lifecycle.to_deployment(name="complaint-lifecycle").apply()
        deadline_check.to_deployment(name="deadline-check").apply()
        deadline_sweep.to_deployment(name="deadline-sweep").apply()
        yield


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mail(smtp_sink: SmtpSink, settings, monkeypatch: pytest.MonkeyPatch) -> SmtpSink:
    """The settings pointed at the SMTP sink, emptied for this test."""
    from config.settings import get_settings

    smtp_sink.messages.clear()
    monkeypatch.setenv("COMPLAINTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COMPLAINTS_SMTP_PORT", str(smtp_sink.port))
    get_settings.cache_clear()
    return smtp_sink


def execute(flow: Flow, flow_run_id: UUID) -> State:
    """Run the flow run in this process until it suspends (returns the Suspended state) or ends."""
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(flow_run_id)
    with contextlib.suppress(Pause):  # raised in-process when the run suspends
        run_flow(flow, flow_run=flow_run, return_type="state")
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run_id).state
    assert state is not None
    return state


def data_dir(settings) -> Path:  # type: ignore[no-untyped-def]
    return Path(settings.data_dir)

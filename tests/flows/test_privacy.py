"""Art. 2(5): nothing Prefect stores about a complaint's run holds the customer's personal data
or the complaint's text — parameters, task runs, results, logs, artifacts, run inputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)

from services.steps import assign, record_feedback, record_handling, submit_written_record
from tests.flows.lifecycle_driver import add_staff, start_complaint

pytestmark = pytest.mark.usefixtures("prefect_server")

PERSONAL = ["张三", "13800001234", "customer@example.test", "赎回款", "效率太低"]


def test_a_whole_lifecycle_leaves_no_personal_data_in_prefect(session, settings, mail) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    case.act(
        submit_written_record,
        actor=staff.owner,
        text="张三来电称赎回款未到账",
    )
    case.act(
        assign,
        actor=staff.manager,
        handler="handler",
    )
    case.act(
        record_handling,
        actor=staff.handler,
        founded=True,
        evidence="张三的赎回款延迟",
        solution="加急",
    )
    state = case.act(
        record_feedback,
        actor=staff.owner,
        satisfied=True,
        comment="",
    )
    assert state.is_completed()

    stored: list[str] = []
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(case.run_id)
        stored.append(run.model_dump_json())
        runs = FlowRunFilter(id=FlowRunFilterId(any_=[case.run_id]))
        stored += [t.model_dump_json() for t in client.read_task_runs(flow_run_filter=runs)]
        stored += [
            log.model_dump_json()
            for log in client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
        ]
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
        assert artifacts, "the masked timeline artifact is published"
        stored += [artifact.model_dump_json() for artifact in artifacts]
        for key in ("written-record-1-1", "assignment-1-1", "handling-1-1", "feedback-1-1"):
            for suffix in ("schema", "response"):
                stored.append(client.read_flow_run_input(run.id, f"suspended-{key}-{suffix}"))
    results = Path(os.environ["PREFECT_LOCAL_STORAGE_PATH"])
    stored += [
        path.read_bytes().decode("utf-8", "replace")
        for path in results.rglob("*")
        if path.is_file()
    ]

    everything = "\n".join(stored)
    for secret in PERSONAL:
        assert secret not in everything, f"{secret!r} reached Prefect"
    assert case.reference in everything  # the scan did see the run's data

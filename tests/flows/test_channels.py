"""Art. 3: a regulator transfer's run reaches the archive only after the reply to the regulator
is recorded; the customer's satisfied feedback given in the Prefect UI before it is refused
with the reason, and the run waits again at the same step."""

from __future__ import annotations

import pytest

from flows.complaint_lifecycle import complaint_lifecycle
from models.db import utcnow
from orchestration.runs import resume_for_step
from policy.enums import Channel, Stage
from services.channels import record_regulator_reply
from services.steps import (
    assign,
    decide_major,
    record_feedback,
    record_handling,
    submit_written_record,
)
from tests.flows.conftest import execute
from tests.flows.lifecycle_driver import add_staff, start_complaint

pytestmark = pytest.mark.usefixtures("prefect_server")


def _pause_key(case) -> str:  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(case.run_id).state
    assert state is not None and state.is_paused()
    return state.state_details.pause_key or ""


def test_art3_a_regulator_transfer_is_archived_only_after_the_reply_to_the_regulator(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner, channel=Channel.regulator_transfer)
    case.act(submit_written_record, actor=staff.owner, text="记录")
    case.act(assign, actor=staff.manager, handler="handler")
    case.act(decide_major, actor=staff.manager, major=False, reason="一般投诉")
    case.act(record_handling, actor=staff.handler, founded=True, evidence="属实", solution="退费")
    assert _pause_key(case) == "feedback-1-1"
    # The Prefect UI's door goes through the same closing rule: refused, the run waits again.
    resume_for_step(case.run_id, {"operator": "owner", "satisfied": "满意，办结", "comment": ""})
    case.state = execute(complaint_lifecycle, case.run_id)
    assert _pause_key(case) == "feedback-1-2"
    assert "未被接受" in (case.state.message or "")
    assert case.complaint.stage is Stage.awaiting_feedback
    record_regulator_reply(
        session,
        complaint=case.complaint,
        actor=staff.handler,
        method="书面函件",
        note="已函复监管部门",
        now=utcnow(),
    )
    session.commit()
    state = case.act(record_feedback, actor=staff.owner, satisfied=True, comment="")
    assert state.is_completed()
    assert case.complaint.stage is Stage.archived

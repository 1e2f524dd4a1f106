"""Art. 4(2) 现场解决: an on-the-spot resolution records what the verification found. Founded
(the default) goes on to the customer's feedback as before; unfounded (不属实) goes on to the
customer's confirmation of the finding."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.complaint import Verification
from policy.enums import Stage
from services.progress import step_outcomes
from services.steps import assign, submit_written_record
from tests.models.factories import NOW, make_complaint
from tests.support.cases import Cast


@pytest.mark.parametrize(
    ("given", "founded", "next_stage"),
    [
        ({}, True, Stage.awaiting_feedback),
        ({"founded_on_the_spot": True}, True, Stage.awaiting_feedback),
        ({"founded_on_the_spot": False}, False, Stage.awaiting_customer_confirmation),
    ],
)
def test_an_on_the_spot_resolution_records_founded_or_unfounded(
    session: Session, settings, cast: Cast, given, founded, next_stage
) -> None:
    complaint = make_complaint(
        session,
        settings,
        owner=cast.owner,
        resolved_on_the_spot=True,
        resolution="当场解释赎回规则，客户表示理解",
        promised_reply_at=None,
        **given,
    )
    verification = session.scalar(select(Verification))
    assert verification is not None and verification.founded is founded
    assert step_outcomes(session, complaint.id)["handling-1"] == {"founded": founded}
    submit_written_record(session, complaint=complaint, actor=cast.owner, text="记录", now=NOW)
    assign(session, complaint=complaint, actor=cast.manager, handler="chen_handler", now=NOW)
    assert complaint.stage is next_stage

"""Complaints finish under the process version they started with (docs/architecture.md,
"Changing the process"): every recorded step sequence of every supported version, replayed
through the flow against the real Prefect server, suspends at each of its steps in that
version's order and reaches the archive with no notice or handling form repeated.

Adding a version of the process: keep the earlier versions' sequences here, add the new
version's, and every complaint open under an earlier version is covered by its table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from flows.complaint_lifecycle import PROCESSES
from models import Document, Notification
from models.db import utcnow
from policy.enums import Channel, NotificationStatus, Stage
from policy.lifecycle import Step
from services.contacts import record_contact
from tests.flows.lifecycle_driver import SERVICE_OF, Staff, add_staff, start_complaint

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]


@dataclass(frozen=True)
class Taken:
    """One recorded step: the wait it answers (its pause key without the attempt), who took
    it, and what they entered."""

    wait: str
    actor: str
    values: dict[str, Any] = field(default_factory=dict)
    # Version 3: not the step, but a closure of the complaint while the run waits for it.
    closure: bool = False

    @property
    def step(self) -> Step:
        return Step(self.wait.rsplit("-", 1)[0].replace("-", "_"))


@dataclass(frozen=True)
class Sequence:
    version: int
    path: str
    intake: dict[str, Any]
    steps: tuple[Taken, ...]
    notices: dict[str, int]  # the notices the flow sends, each once
    # Art. 2(4): the progress notices the steps queue (assignment, transfer, major decision);
    # reconciliation sends them, not the flow.
    progress: int = 1


RECORD = Taken("written-record-1", "owner", {"text": "已致歉并记录"})
ASSIGN = Taken("assignment-1", "manager", {"handler": "handler"})
FOUNDED = {"founded": True, "evidence": "系统记录显示延迟", "solution": "加急办理并致歉"}
SATISFIED = {"satisfied": True, "comment": ""}
PLAIN_NOTICES = {"acknowledgement": 1, "new_complaint": 1, "result": 1, "closure": 1}

SEQUENCES: tuple[Sequence, ...] = (
    Sequence(
        1,
        "plain",
        {"channel": Channel.phone},
        (
            RECORD,
            ASSIGN,
            Taken("handling-1", "handler", FOUNDED),
            Taken("feedback-1", "owner", SATISFIED),
        ),
        PLAIN_NOTICES,
    ),
    Sequence(
        1,
        "transfer",
        {"channel": Channel.sales_manager},
        (
            RECORD,
            Taken(
                "assignment-1",
                "manager",
                {"transfer_to_department": "general_management", "reason": "涉及网站系统问题"},
            ),
            Taken("assignment-2", "manager_gm", {"handler": "manager_gm"}),
            Taken("handling-1", "manager_gm", FOUNDED),
            Taken("feedback-1", "owner", SATISFIED),
        ),
        {**PLAIN_NOTICES, "transfer": 1},
        progress=2,
    ),
    Sequence(
        1,
        "major-sent-back",
        {"channel": Channel.regulator_transfer},
        (
            RECORD,
            ASSIGN,
            Taken("major-decision-1", "manager", {"major": True, "reason": "监管转办"}),
            Taken("handling-1", "handler", FOUNDED),
            Taken("leadership-review-1", "leader", {"approved": False, "comment": "重新评估"}),
            Taken("handling-2", "handler", FOUNDED),
            Taken("leadership-review-2", "leader", {"approved": True, "comment": ""}),
            Taken("feedback-2", "owner", SATISFIED),
        ),
        {**PLAIN_NOTICES, "major_case": 1},
        progress=2,
    ),
    Sequence(
        1,
        "regulator-transfer-decided-at-intake",
        {"channel": Channel.regulator_transfer, "major": False},
        (
            RECORD,
            ASSIGN,
            Taken("handling-1", "handler", FOUNDED),
            Taken("feedback-1", "owner", SATISFIED),
        ),
        PLAIN_NOTICES,
    ),
    Sequence(
        1,
        "unfounded",
        {"channel": Channel.onsite},
        (
            RECORD,
            ASSIGN,
            Taken(
                "handling-1",
                "handler",
                {"founded": False, "evidence": "录音显示已按流程办理", "solution": "解释"},
            ),
            Taken("customer-confirmation-1", "owner", {"confirmed": True, "note": ""}),
            Taken("feedback-1", "owner", SATISFIED),
        ),
        PLAIN_NOTICES,
    ),
    Sequence(
        1,
        "dissatisfied-reopened",
        {"channel": Channel.phone},
        (
            RECORD,
            ASSIGN,
            Taken("handling-1", "handler", FOUNDED),
            Taken("feedback-1", "owner", {"satisfied": False, "comment": "仍不满意"}),
            Taken("handling-2", "handler", FOUNDED),
            Taken("feedback-2", "owner", SATISFIED),
        ),
        {**PLAIN_NOTICES, "result": 2},
    ),
)


# Version 2: a major case waits for leadership's instruction before handling; what intake
# says about major is a proposal.
INSTRUCT = Taken(
    "leadership-instruction-1", "leader", {"instruction": "核实后按合同补偿", "handler": "owner"}
)
SEQUENCES += (
    *(
        Sequence(2, s.path, s.intake, s.steps, s.notices, s.progress)
        for s in SEQUENCES
        if s.path in ("plain", "transfer")
    ),
    Sequence(
        2,
        "major-sent-back",
        {"channel": Channel.regulator_transfer},
        (
            RECORD,
            ASSIGN,
            Taken("major-decision-1", "manager", {"major": True, "reason": "监管转办"}),
            INSTRUCT,
            Taken("handling-1", "owner", FOUNDED),
            Taken("leadership-review-1", "leader", {"approved": False, "comment": "重新评估"}),
            Taken("handling-2", "owner", FOUNDED),
            Taken("leadership-review-2", "leader", {"approved": True, "comment": ""}),
            Taken("feedback-2", "owner", SATISFIED),
        ),
        {**PLAIN_NOTICES, "major_case": 1},
        progress=2,
    ),
    Sequence(
        2,
        "regulator-transfer-no-at-intake-decided",
        {"channel": Channel.regulator_transfer, "major": False},
        (
            RECORD,
            ASSIGN,
            Taken("major-decision-1", "manager", {"major": False, "reason": "一般咨询"}),
            Taken("handling-1", "handler", FOUNDED),
            Taken("feedback-1", "owner", SATISFIED),
        ),
        PLAIN_NOTICES,
        progress=2,
    ),
)


# Version 3: a closure may end any wait; an unfounded result is told before the customer is
# asked to confirm it; after two reopened rounds leadership decide another round or closure.
DISSATISFIED = {"satisfied": False, "comment": "仍不满意"}
SEQUENCES += (
    Sequence(
        3,
        "unreachable-closed-while-awaiting-handling",
        {"channel": Channel.phone},
        (
            RECORD,
            ASSIGN,
            Taken(
                "handling-1",
                "manager",
                {"reason": "unreachable", "note": "三个工作日电话均未接通，已寄送信函"},
                closure=True,
            ),
        ),
        {"acknowledgement": 1, "new_complaint": 1, "closure": 1},
    ),
    Sequence(
        3,
        "unfounded-told-then-withdrawn",
        {"channel": Channel.onsite},
        (
            RECORD,
            ASSIGN,
            Taken(
                "handling-1",
                "handler",
                {"founded": False, "evidence": "录音显示已按流程办理", "solution": "解释"},
            ),
            Taken(
                "customer-confirmation-1",
                "handler",
                {
                    "reason": "withdrawn",
                    "note": "客户收到结果后来电撤回",
                    "withdrawal_method": "phone",
                },
                closure=True,
            ),
        ),
        PLAIN_NOTICES,
    ),
    Sequence(
        3,
        "rejected-thrice-leadership-close",
        {"channel": Channel.phone},
        (
            RECORD,
            ASSIGN,
            Taken("handling-1", "handler", FOUNDED),
            Taken("feedback-1", "owner", DISSATISFIED),
            Taken("handling-2", "handler", FOUNDED),
            Taken("feedback-2", "owner", DISSATISFIED),
            Taken("handling-3", "handler", FOUNDED),
            Taken("feedback-3", "owner", DISSATISFIED),
            Taken(
                "leadership-decision-3",
                "leader",
                {"another_round": False, "note": "已三轮核实，方案合理，依规办结"},
            ),
        ),
        {**PLAIN_NOTICES, "result": 3},
    ),
)


def test_every_supported_version_has_recorded_sequences() -> None:
    assert {sequence.version for sequence in SEQUENCES} == set(PROCESSES)


# A flow run per step is slow: the table runs on SQLite (the services' rules are tested on
# both databases in tests/models).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("sequence", SEQUENCES, ids=[f"v{s.version}-{s.path}" for s in SEQUENCES])
def test_recorded_sequence_replays_to_the_archive(
    sequence: Sequence, session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(
        session, settings, staff.owner, process_version=sequence.version, **sequence.intake
    )
    assert case.complaint.process_version == sequence.version
    for taken in sequence.steps:
        # Suspended at this very step, in this version's order; the resume is a new execution
        # of the run from the top, which passes every earlier step again.
        assert case.pause_key() == f"{taken.wait}-1", taken
        if taken.closure:
            if taken.values["reason"] == "unreachable":
                _unreachable(case, staff)
            case.close(actor=_user(staff, taken.actor), **taken.values)
            continue
        case.act(SERVICE_OF[taken.step], actor=_user(staff, taken.actor), **taken.values)
    assert case.state.is_completed(), case.state
    assert case.complaint.stage is Stage.archived
    assert case.complaint.process_version == sequence.version
    # No notice repeated: each queued once, and each the flow sends sent once.
    assert case.notifications() == {**sequence.notices, "progress": sequence.progress}
    sent = session.scalars(
        select(Notification).where(
            Notification.complaint_id == case.complaint_id,
            Notification.status == NotificationStatus.sent,
        )
    ).all()
    assert len(mail.messages) == len(sent) == sum(sequence.notices.values())
    # The closure notice says why the case closed early (version 3), or nothing of it.
    early = [t.values["reason"] for t in sequence.steps if t.closure]
    early += ["leadership_decision" for t in sequence.steps if t.step is Step.leadership_decision]
    (closure,) = [notice for notice in sent if notice.kind == "closure"]
    assert closure.context["closure_reason"] == (early[0] if early else None)
    # No form repeated: consecutive versions, each differing from the one before, the last
    # one final.
    forms = session.scalars(
        select(Document)
        .where(Document.complaint_id == case.complaint_id)
        .order_by(Document.version)
    ).all()
    assert [form.version for form in forms] == list(range(1, len(forms) + 1))
    assert len({form.sha256 for form in forms}) == len(forms)
    assert [form.final for form in forms] == [False] * (len(forms) - 1) + [True]


def _unreachable(case: Any, staff: Staff) -> None:
    """The contact log documents three calls that did not reach the customer, on three days."""
    for days_ago in (3, 2, 1):
        record_contact(
            case.session,
            complaint=case.complaint,
            actor=staff.handler,
            method="phone",
            reached=False,
            summary="电话无人接听",
            now=utcnow() - timedelta(days=days_ago),
        )
    case.session.commit()


def _user(staff: Staff, name: str) -> Any:
    return {
        "owner": staff.owner,
        "manager": staff.manager,
        "handler": staff.handler,
        "leader": staff.leader,
        "manager_gm": staff.other_manager,
    }[name]

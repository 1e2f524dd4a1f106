"""The order of the regulation's steps for one complaint, as pure decisions.

intake → written record (Art. 4(1)/(2), 24 h) → manager assigns a handler or transfers to
another department (Art. 4(1)) → major decision for regulator transfers and suggested major
cases (Art. 4(3)) → [version 2: a major case waits for leadership's instruction, 研究处理]
→ handling: verification founded/unfounded, solution (Art. 2(2), 4(2)) → leadership review
(sign-off) of a major case's handling (Art. 4(3)) → customer confirmation when unfounded
(Art. 4(2)) → customer feedback (Art. 4(2)); dissatisfied → back to handling (Art. 2(4)
杜绝二次投诉) → closure → archive (Art. 4 处理过程存档).

Each complaint follows the version of the process it started with (``PROCESS_VERSION`` at its
intake) until it closes; the rules below that differ between versions take the version.
"""

from __future__ import annotations

from enum import StrEnum

from policy.enums import Channel, Stage

# The process a new complaint follows. A complaint keeps the version it started with until it
# closes (``complaints.process_version``): the flow and the stage rules follow that version's
# steps, so a change of the order of the steps never strands a complaint waiting under the old
# order. Raise it, and keep the old version's steps, whenever the order of the steps changes.
#
# 1: a major decision only where intake left it open; a major case is handled, then reviewed.
# 2: Art. 4(3) 报告公司领导研究处理: what intake says about major is a proposal, a regulator
#    transfer or a suggested or proposed major case always waits for the decision; a major
#    case waits for leadership's instruction before handling, and for its sign-off after.
# 3: closure paths: the manager closes a complaint whose customer cannot be reached, the
#    customer withdraws, or, after the reopened rounds allowed, leadership decide another round
#    or closure (policy/closure.py); an unfounded result is told before the customer is asked
#    to confirm it, and the promised reply is met only when the customer hears the result.
PROCESS_VERSION = 3


class Step(StrEnum):
    """A human step the process waits for."""

    written_record = "written_record"
    assignment = "assignment"
    major_decision = "major_decision"
    leadership_instruction = "leadership_instruction"
    handling = "handling"
    leadership_review = "leadership_review"
    customer_confirmation = "customer_confirmation"
    feedback = "feedback"
    leadership_decision = "leadership_decision"

    @property
    def label(self) -> str:
        return {
            "written_record": "提交文字记录",
            "assignment": "部门经理安排跟进或移交",
            "major_decision": "认定是否重大投诉",
            "leadership_instruction": "公司领导研究处理",
            "handling": "核实与处理",
            "leadership_review": "公司领导审阅",
            "customer_confirmation": "客户确认核实结果",
            "feedback": "客户反馈意见",
            "leadership_decision": "公司领导决定再处理或办结",
        }[self.value]


STAGE_OF_STEP: dict[Step, Stage] = {
    Step.written_record: Stage.awaiting_written_record,
    Step.assignment: Stage.awaiting_assignment,
    Step.major_decision: Stage.awaiting_major_decision,
    Step.leadership_instruction: Stage.awaiting_leadership_instruction,
    Step.handling: Stage.awaiting_handling,
    Step.leadership_review: Stage.awaiting_leadership_review,
    Step.customer_confirmation: Stage.awaiting_customer_confirmation,
    Step.feedback: Stage.awaiting_feedback,
    Step.leadership_decision: Stage.awaiting_leadership_decision,
}


def needs_major_decision(
    *, channel: Channel, suggested_major: bool, major: bool | None, version: int
) -> bool:
    """Art. 4(3): every regulator transfer, and every case suggested as major, gets the
    explicit major / non-major decision of the department's manager or leadership, with its
    reason. Version 2: what intake said about major is a proposal (a proposed major case is
    decided too); version 1 took a decision made at intake as the decision."""
    if version == 1:
        if major is not None:
            return False
        return channel is Channel.regulator_transfer or suggested_major
    return channel is Channel.regulator_transfer or suggested_major or major is True


def stage_after_assignment(
    *, needs_decision: bool, handling_recorded: bool, major: bool, founded: bool
) -> Stage:
    """Art. 4(1): once a handler follows up, the case goes to the major decision or handling.

    A complaint resolved on the spot (Art. 4(2)) has its handling recorded at intake already.
    """
    if needs_decision:
        return Stage.awaiting_major_decision
    if handling_recorded:
        return stage_after_handling(major=major, founded=founded)
    return Stage.awaiting_handling


def stage_after_major_decision(
    *, handling_recorded: bool, major: bool, founded: bool, version: int
) -> Stage:
    """Art. 4(3) 报告公司领导研究处理: version 2 brings a major case to leadership, who say how
    it is handled, before anyone handles it; version 1 went on to handling."""
    if major and version >= 2:
        return Stage.awaiting_leadership_instruction
    return stage_after_instruction(
        handling_recorded=handling_recorded, founded=founded, major=major
    )


def stage_after_instruction(*, handling_recorded: bool, major: bool, founded: bool) -> Stage:
    """After leadership's instruction (or a non-major decision): handling, unless it was
    recorded at intake already (resolved on the spot)."""
    if handling_recorded:
        return stage_after_handling(major=major, founded=founded)
    return Stage.awaiting_handling


def stage_after_handling(*, major: bool, founded: bool) -> Stage:
    """Art. 4(3): a major case's handling goes to leadership before the customer hears it;
    Art. 4(2): an unfounded complaint is confirmed by the customer first."""
    if major:
        return Stage.awaiting_leadership_review
    return stage_after_review(approved=True, founded=founded)


def stage_after_review(*, approved: bool, founded: bool) -> Stage:
    """Art. 4(3): leadership approves, or sends the handling back with instructions."""
    if not approved:
        return Stage.awaiting_handling
    return Stage.awaiting_feedback if founded else Stage.awaiting_customer_confirmation


def stage_after_confirmation(*, confirmed: bool) -> Stage:
    """Art. 4(2) 如果不属实，请客户确认: a customer who disputes the finding sends it back."""
    return Stage.awaiting_feedback if confirmed else Stage.awaiting_handling


def stage_after_feedback(*, satisfied: bool) -> Stage:
    """Art. 4(2) 解决后征询客户反馈意见; Art. 2(4) 杜绝二次投诉: dissatisfied reopens handling."""
    return Stage.closed if satisfied else Stage.awaiting_handling


def stage_after_rejection(*, rejected: bool, to_leadership: bool, satisfied_stage: Stage) -> Stage:
    """Version 3: a customer who rejects the result (dissatisfied, or disputing an unfounded
    finding) after the reopened rounds allowed goes to company leadership
    (``policy.closure.goes_to_leadership``), otherwise back to handling; ``satisfied_stage``
    is where acceptance leads."""
    if not rejected:
        return satisfied_stage
    return Stage.awaiting_leadership_decision if to_leadership else Stage.awaiting_handling


def stage_after_leadership_decision(*, another_round: bool) -> Stage:
    """Version 3, Art. 2(4), 4(3): leadership give the case another round of handling, or
    close it (the customer is told of their external routes)."""
    return Stage.awaiting_handling if another_round else Stage.closed


def pause_key(step: Step, number: int, attempt: int) -> str:
    """The key of a wait (Prefect allows lowercase letters, digits and dashes)."""
    return f"{step.value.replace('_', '-')}-{number}-{attempt}"


def parse_pause_key(key: str) -> tuple[Step, int] | None:
    """The step and its number from a wait's key; None for a key that is not ours."""
    parts = key.rsplit("-", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    name = parts[0].replace("-", "_")
    return (Step(name), int(parts[1])) if name in Step.__members__ else None

"""Every wait has a clock (Art. 7 超时限处理, Art. 2(1) 早预防): which time limit runs while a
complaint waits at each stage, who answers for it, and how long it is by default.

- The written record (Art. 4(1)/(2), 24 hours) and the promised reply time (Art. 2(4)) start at
  intake; the promised reply time covers handling until the customer hears the result.
- Every other wait gets its own limit when the complaint enters the stage, and the limit is met
  when it leaves it: the manager's assignment and major decision (Art. 4(1), 4(3)),
  leadership's instruction on a major case and their review (Art. 4(3)), the customer's
  confirmation and feedback (Art. 4(2)), and each reopened round of handling (Art. 2(4)
  杜绝二次投诉), whose result the customer has not been promised. The time leadership give for
  a major case's handling in their instruction is a limit of its own.
- A breach is recorded against the responsible person and reported to their superior (Art. 7).

The lengths are settings (``COMPLAINTS_*_DEADLINE``, docs/configuration.md); this module says
which applies where and to whom. Invariant: a complaint that is not closed always has a limit
running (open, or breached while the step is still awaited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from policy.enums import DeadlineKind, DeadlineStatus, Stage
from policy.lifecycle import Step


class Responsible(StrEnum):
    """Who answers for a wait (Art. 7 追究相关责任人的责任)."""

    first_inquiry_owner = "first_inquiry_owner"
    department_manager = "department_manager"
    handler = "handler"
    leadership = "leadership"


@dataclass(frozen=True)
class WaitClock:
    """The limit that runs while a complaint waits at a stage."""

    kind: DeadlineKind
    responsible: Responsible
    # The settings field holding its length; None: the limit is set otherwise (at intake).
    setting: str | None


WAIT_CLOCKS: dict[Stage, WaitClock] = {
    Stage.awaiting_written_record: WaitClock(
        DeadlineKind.written_record, Responsible.first_inquiry_owner, None
    ),
    Stage.awaiting_assignment: WaitClock(
        DeadlineKind.assignment, Responsible.department_manager, "assignment_deadline"
    ),
    Stage.awaiting_major_decision: WaitClock(
        DeadlineKind.major_decision, Responsible.department_manager, "major_decision_deadline"
    ),
    Stage.awaiting_leadership_instruction: WaitClock(
        DeadlineKind.leadership_instruction,
        Responsible.leadership,
        "leadership_instruction_deadline",
    ),
    Stage.awaiting_leadership_review: WaitClock(
        DeadlineKind.leadership_review, Responsible.leadership, "leadership_review_deadline"
    ),
    Stage.awaiting_customer_confirmation: WaitClock(
        DeadlineKind.customer_confirmation, Responsible.handler, "confirmation_deadline"
    ),
    Stage.awaiting_feedback: WaitClock(
        DeadlineKind.feedback, Responsible.handler, "feedback_deadline"
    ),
    # Version 3: after the reopened rounds allowed, leadership decide another round or closure.
    Stage.awaiting_leadership_decision: WaitClock(
        DeadlineKind.leadership_decision, Responsible.leadership, "leadership_decision_deadline"
    ),
}
# Handling runs against the promised reply time; a round reopened after the customer heard the
# result (or disputed it) has its own limit.
PROMISED_HANDLING = WaitClock(DeadlineKind.reply, Responsible.handler, None)
REOPENED_HANDLING = WaitClock(
    DeadlineKind.reopened_handling, Responsible.handler, "reopened_handling_deadline"
)


def clock_for(stage: Stage, *, reply_pending: bool) -> WaitClock | None:
    """The limit that runs while a complaint waits at ``stage``; ``reply_pending``: the
    promised reply time is still to be met (the customer has not heard a result yet)."""
    if stage is Stage.awaiting_handling:
        return PROMISED_HANDLING if reply_pending else REOPENED_HANDLING
    return WAIT_CLOCKS.get(stage)


def kinds_settled_on_leaving(stage: Stage) -> frozenset[DeadlineKind]:
    """The limits a step meets when it moves the complaint out of ``stage``. Handling meets a
    reopened round's limit; the promised reply is met only when the customer hears the result
    (`REPLY_MET_AT`), not when handling is recorded, which leadership may still send back."""
    if stage is Stage.awaiting_handling:
        return frozenset({DeadlineKind.reopened_handling, DeadlineKind.instructed_handling})
    clock = WAIT_CLOCKS.get(stage)
    return frozenset({clock.kind}) if clock else frozenset()


# Art. 2(4): the customer hears the result (or is asked to confirm an unfounded finding) when
# the complaint enters one of these stages: the promised reply time is met then.
REPLY_MET_AT = frozenset({Stage.awaiting_feedback, Stage.awaiting_customer_confirmation})
# From process version 3 the result being ready is not enough: the promised reply is met when
# the customer hears it — the result notice sent (its time of sending), or a contact in which
# the customer was reached recorded once the result is ready (its time). Versions 1 and 2 keep
# meeting it when the stage changes: their unfounded result is told only after the customer's
# confirmation, so the promise would run on through the customer's own time to confirm.
REPLY_TOLD_FROM_VERSION = 3


def reply_met_on_entering(stage: Stage, *, version: int) -> bool:
    """Art. 2(4): whether entering ``stage`` meets the promised reply time (versions 1, 2)."""
    return stage in REPLY_MET_AT and version < REPLY_TOLD_FROM_VERSION


# The step whose waiting each limit times (the reply: handling, until the result is told).
STEP_OF_KIND: dict[DeadlineKind, Step] = {
    DeadlineKind.written_record: Step.written_record,
    DeadlineKind.reply: Step.handling,
    DeadlineKind.assignment: Step.assignment,
    DeadlineKind.major_decision: Step.major_decision,
    DeadlineKind.leadership_instruction: Step.leadership_instruction,
    DeadlineKind.instructed_handling: Step.handling,
    DeadlineKind.leadership_review: Step.leadership_review,
    DeadlineKind.reopened_handling: Step.handling,
    DeadlineKind.customer_confirmation: Step.customer_confirmation,
    DeadlineKind.feedback: Step.feedback,
    DeadlineKind.leadership_decision: Step.leadership_decision,
}


_BEFORE_THE_RESULT = frozenset(
    {
        Stage.awaiting_written_record,
        Stage.awaiting_assignment,
        Stage.awaiting_major_decision,
        Stage.awaiting_leadership_instruction,
        Stage.awaiting_handling,
        Stage.awaiting_leadership_review,
    }
)


def still_awaited(
    kind: DeadlineKind, status: DeadlineStatus, met_at: datetime | None, stage: Stage
) -> bool:
    """Art. 7: whether the step a limit times is still to be done, so that a limit past its
    due time is overdue now. A met or cancelled limit is not; a breached one is until its step
    is done (``met_at``). Limits recorded before steps noted ``met_at`` on a breached limit are
    judged by the complaint's stage."""
    if status not in (DeadlineStatus.open, DeadlineStatus.breached) or met_at is not None:
        return False
    if stage in (Stage.closed, Stage.archived):
        return False
    if kind is DeadlineKind.written_record:
        return stage is Stage.awaiting_written_record
    if kind is DeadlineKind.leadership_review:
        return stage is Stage.awaiting_leadership_review
    if kind is DeadlineKind.reply:
        return stage in _BEFORE_THE_RESULT
    return True

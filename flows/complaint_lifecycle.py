"""One complaint, one flow run: from intake to archive (四川金融资产交易所客户投诉处理管理办法).

The flow reads like the regulation. Each human step is a durable wait: the flow first asks the
app database whether the step was already taken (the staff app saves there first); if not, it
suspends — the process exits and the run shows as Suspended — until the staff app or the
Prefect UI's resume form wakes it. A resumed run re-executes from the top: steps already
taken are read back from the database, and every side effect (email, form, timer) returns its
persisted result or is refused by its key in the database, so nothing happens twice.

The flow receives the complaint's id only; nothing personal passes through Prefect (Art. 2(5)).
"""

from __future__ import annotations

from itertools import count
from typing import Any

from prefect import flow
from prefect.flow_runs import suspend_flow_run

from flows.inputs import STEP_INPUTS
from policy.lifecycle import Step, pause_key
from tasks.deadlines import schedule_deadline_checks
from tasks.lifecycle import (
    apply_prefect_ui_input,
    archive_complaint,
    open_case,
    publish_timeline,
    read_step_outcome,
    tag_flow_run,
)
from tasks.notify import notify, prepare_handling_form


@flow(name="complaint-lifecycle", persist_result=True, log_prints=False)
def complaint_lifecycle(complaint_id: int) -> str:
    case = open_case(complaint_id)
    tag_flow_run(complaint_id, "intake")

    # Art. 2(1), 2(4): acknowledge at once with the promised reply time; the department
    # manager receives the complaint with its handling form; the time limits start (Art. 7).
    notify(complaint_id, "acknowledgement")
    prepare_handling_form(complaint_id, "intake")
    notify(complaint_id, "new_complaint")
    schedule_deadline_checks(complaint_id)

    # Art. 4(1)/(2): within 24 hours the first-inquiry owner's written record goes to the manager.
    await_step(complaint_id, Step.written_record)

    # Art. 4(1): the manager arranges follow-up; a department that cannot handle it passes it on.
    for assignment_number in count(1):
        assignment = await_step(complaint_id, Step.assignment, assignment_number)
        if assignment["transfer_to"] is None:
            break
        notify(complaint_id, "transfer", assignment_number)

    # Art. 4(3): regulator transfers and suspected major cases get an explicit decision;
    # a major case is reported to company leadership.
    major = bool(case["major"])
    if case["needs_major_decision"]:
        major = await_step(complaint_id, Step.major_decision)["major"]
        tag_flow_run(complaint_id, "major-decision")
    if major:
        notify(complaint_id, "major_case")

    # Art. 2(2), 4(2): verify, propose a solution, tell the customer; Art. 4(3): leadership
    # reviews a major case's handling; Art. 2(4): a dissatisfied customer reopens handling.
    for handling_round in count(1):
        handling = await_step(complaint_id, Step.handling, handling_round)
        schedule_deadline_checks(complaint_id)
        if major:
            review = await_step(complaint_id, Step.leadership_review, handling_round)
            if not review["approved"]:
                continue
        if not handling["founded"]:
            confirmation = await_step(complaint_id, Step.customer_confirmation, handling_round)
            if not confirmation["confirmed"]:
                continue
        notify(complaint_id, "result", handling_round)
        feedback = await_step(complaint_id, Step.feedback, handling_round)
        if feedback["satisfied"]:
            break

    # Art. 4: closure, and the handling process archived with its final form.
    notify(complaint_id, "closure")
    prepare_handling_form(complaint_id, "archive", final=True)
    archive_complaint(complaint_id)
    publish_timeline(complaint_id)
    return "archived"


def await_step(complaint_id: int, step: Step, number: int = 1) -> dict[str, Any]:
    """Wait, durably, until ``step`` has been taken; return its (non-personal) outcome."""
    for attempt in count(1):
        outcome = read_step_outcome(complaint_id, step, number)
        if outcome is not None:
            prepare_handling_form(complaint_id, f"{step.value}-{number}")
            return outcome
        publish_timeline(complaint_id)
        given = suspend_flow_run(
            wait_for_input=STEP_INPUTS[step], key=pause_key(step, number, attempt)
        )
        # Only reached when ops resumed from the Prefect UI's form without the staff app.
        apply_prefect_ui_input(complaint_id, step, number, attempt, given.model_dump(mode="json"))
    raise AssertionError("unreachable")

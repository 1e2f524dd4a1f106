"""One complaint, one flow run: from intake to archive (四川金融资产交易所客户投诉处理管理办法).

The flow reads like the regulation. Each human step is a durable wait: the flow first asks the
app database whether the step was already taken (the staff app saves there first); if not, it
suspends — the process exits and the run shows as Suspended — until the staff app or the
Prefect UI's resume form wakes it. A resumed run re-executes from the top: it reads once what
was already decided and done (``read_progress``), goes past those steps without a task run
each, and reads the awaited step fresh right before it suspends. Every side effect (email,
form) is refused by its key in the database or returns its persisted result, so
nothing happens twice.

The flow receives the complaint's id only; nothing personal passes through Prefect (Art. 2(5)).
"""

# ruff: noqa: E402 - Prefect's objects are frozen for the garbage collector before the imports

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from itertools import count
from typing import Any

from prefect import flow, get_run_logger


def _freeze_loaded_objects() -> None:
    """In a flow-run process, exempt every object loaded so far from garbage collection.

    Each execution of a run (every resume) is a new process that imports this module, runs to
    the next wait and exits; the modules it loaded live until then. Frozen, they are not walked
    again by each collection during the imports below, nor by the full collection at exit:
    about a third of what a resume cost beyond an empty flow run's start (bench/lifecycle.py).
    Other processes importing the module (tests, deployment registration) are left as they are.
    """
    if os.environ.get("PREFECT__FLOW_RUN_ID"):
        gc.freeze()


_freeze_loaded_objects()

from prefect.context import FlowRunContext
from prefect.runtime import flow_run

from flows.inputs import CLOSABLE_STEP_INPUTS, STEP_INPUTS
from flows.notices import notify
from orchestration.suspend import suspend_for_input
from policy.enums import NotificationStatus
from policy.lifecycle import Step, parse_pause_key, pause_key
from services.progress import outcome_key
from services.step_registry import STEPS
from tasks.closure import read_wait
from tasks.handling_form import prepare_handling_form
from tasks.lifecycle import (
    apply_prefect_ui_input,
    archive_complaint,
    mark_waiting,
    publish_timeline,
    read_progress,
    read_step_outcome,
    tag_flow_run,
)

_freeze_loaded_objects()

# A notice in one of these states was handled by an earlier execution (a failed one is
# re-sent by reconciliation, not by the flow).
SETTLED_NOTICE = frozenset({NotificationStatus.sent.value, NotificationStatus.failed.value})


@flow(name="complaint-lifecycle", persist_result=True, log_prints=False)
def complaint_lifecycle(complaint_id: int) -> str:
    """Follow the steps of the process version the complaint started with, until it closes
    (docs/architecture.md, "Changing the process"): a complaint open when the order of the
    steps changes finishes under the order it was suspended in."""
    run = Execution(complaint_id, read_progress(complaint_id))
    version = run.case["process_version"]
    if version not in PROCESSES:
        raise ValueError(f"complaint {complaint_id}: unknown process version {version}")
    return PROCESSES[version](run)


def process_v1(run: Execution) -> str:
    """Version 1 of the process: intake to archive. Kept unchanged while a complaint that
    started with it is open (a resumed run passes its decided steps again in this order)."""
    complaint_id = run.complaint_id
    case = run.case
    run.tag("intake")

    # Art. 2(1), 2(4): acknowledge at once with the promised reply time; the department
    # manager receives the complaint with its handling form; the time limits start (Art. 7).
    run.notify("acknowledgement")
    run.form_at("intake")
    run.notify("new_complaint", with_form_at="intake")

    # Art. 4(1)/(2): within 24 hours the first-inquiry owner's written record goes to the manager.
    run.await_step(Step.written_record)

    # Art. 4(1): the manager arranges follow-up; a department that cannot handle it passes it on.
    for assignment_number in count(1):
        assignment = run.await_step(Step.assignment, assignment_number)
        if assignment["transfer_to"] is None:
            break
        run.notify("transfer", assignment_number)
        run.tag(f"transfer-{assignment_number}")

    # Art. 4(3): regulator transfers and suspected major cases get an explicit decision;
    # a major case is reported to company leadership.
    major = bool(case["major"])
    if run.needs_major_decision:
        major = run.await_step(Step.major_decision)["major"]
        run.tag("major-decision")
    if major:
        run.notify("major_case")

    # Art. 2(2), 4(2): verify, propose a solution, tell the customer; Art. 4(3): leadership
    # reviews a major case's handling; Art. 2(4): a dissatisfied customer reopens handling.
    for handling_round in count(1):
        handling = run.await_step(Step.handling, handling_round)
        if major:
            review = run.await_step(Step.leadership_review, handling_round)
            if not review["approved"]:
                continue
        if not handling["founded"]:
            confirmation = run.await_step(Step.customer_confirmation, handling_round)
            if not confirmation["confirmed"]:
                continue
        run.notify("result", handling_round)
        feedback = run.await_step(Step.feedback, handling_round)
        if feedback["satisfied"]:
            break

    # Art. 4: closure, and the handling process archived with its final form.
    run.notify("closure")
    run.form_at("archive", final=True)
    archive_complaint(complaint_id)
    publish_timeline(complaint_id)
    return "archived"


def process_v2(run: Execution) -> str:
    """Version 2 of the process (the current one until version 3): as
    version 1, but a major case waits for leadership's instruction before it is handled, and
    what intake said about major is a proposal the decision is still asked for."""
    complaint_id = run.complaint_id
    case = run.case
    run.tag("intake")

    # Art. 2(1), 2(4): acknowledge at once with the promised reply time; the department
    # manager receives the complaint with its handling form; the time limits start (Art. 7).
    run.notify("acknowledgement")
    run.form_at("intake")
    run.notify("new_complaint", with_form_at="intake")

    # Art. 4(1)/(2): within 24 hours the first-inquiry owner's written record goes to the manager.
    run.await_step(Step.written_record)

    # Art. 4(1): the manager arranges follow-up; a department that cannot handle it passes it on.
    for assignment_number in count(1):
        assignment = run.await_step(Step.assignment, assignment_number)
        if assignment["transfer_to"] is None:
            break
        run.notify("transfer", assignment_number)
        run.tag(f"transfer-{assignment_number}")

    # Art. 4(3): regulator transfers and suggested or proposed major cases get the explicit
    # decision of the department's manager or leadership; a major case is reported to company
    # leadership, who say how it is to be handled (研究处理) before anyone handles it.
    major = bool(case["major"]) and not run.needs_major_decision
    if run.needs_major_decision:
        major = run.await_step(Step.major_decision)["major"]
        run.tag("major-decision")
    if major:
        run.notify("major_case")
        run.await_step(Step.leadership_instruction)

    # Art. 2(2), 4(2): verify, propose a solution, tell the customer; Art. 4(3): leadership
    # signs off a major case's handling before the customer hears it; Art. 2(4): a
    # dissatisfied customer reopens handling.
    for handling_round in count(1):
        handling = run.await_step(Step.handling, handling_round)
        if major:
            review = run.await_step(Step.leadership_review, handling_round)
            if not review["approved"]:
                continue
        if not handling["founded"]:
            confirmation = run.await_step(Step.customer_confirmation, handling_round)
            if not confirmation["confirmed"]:
                continue
        run.notify("result", handling_round)
        feedback = run.await_step(Step.feedback, handling_round)
        if feedback["satisfied"]:
            break

    # Art. 4: closure, and the handling process archived with its final form.
    run.notify("closure")
    run.form_at("archive", final=True)
    archive_complaint(complaint_id)
    publish_timeline(complaint_id)
    return "archived"


class ClosedEarly(Exception):
    """Version 3: the complaint was closed while the run waited (``services.closure``); the
    run goes on to the closure notice for ``reason``, the final form and the archive."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def process_v3(run: Execution) -> str:
    """Version 3 of the process (the current one): as version 2, and any wait may end in a
    closure (the customer cannot be reached, withdraws, or leadership close the case after the
    reopened rounds allowed, policy/closure.py); an unfounded result is told to the customer
    before they are asked to confirm it."""
    run.closable = True
    try:
        _handle_v3(run)
        ended = "archived"
    except ClosedEarly as closed:
        ended = f"archived:{closed.reason}"
    # Art. 2(4): the customer is told the case is closed, and why when it was closed early
    # (after leadership's decision, with their external routes); Art. 4: the handling process
    # is archived with its final form.
    run.notify("closure")
    run.form_at("archive", final=True)
    archive_complaint(run.complaint_id)
    publish_timeline(run.complaint_id)
    return ended


def _handle_v3(run: Execution) -> None:
    """Version 3 from intake to a satisfied customer; raises `ClosedEarly` on a closure."""
    case = run.case
    run.tag("intake")

    # Art. 2(1), 2(4): acknowledge at once with the promised reply time; the department
    # manager receives the complaint with its handling form; the time limits start (Art. 7).
    run.notify("acknowledgement")
    run.form_at("intake")
    run.notify("new_complaint", with_form_at="intake")

    # Art. 4(1)/(2): within 24 hours the first-inquiry owner's written record goes to the manager.
    run.await_step(Step.written_record)

    # Art. 4(1): the manager arranges follow-up; a department that cannot handle it passes it on.
    for assignment_number in count(1):
        assignment = run.await_step(Step.assignment, assignment_number)
        if assignment["transfer_to"] is None:
            break
        run.notify("transfer", assignment_number)
        run.tag(f"transfer-{assignment_number}")

    # Art. 4(3): the explicit major decision; leadership instruct a major case (研究处理).
    major = bool(case["major"]) and not run.needs_major_decision
    if run.needs_major_decision:
        major = run.await_step(Step.major_decision)["major"]
        run.tag("major-decision")
    if major:
        run.notify("major_case")
        run.await_step(Step.leadership_instruction)

    # Art. 2(2), 4(2): verify, propose a solution, tell the customer — an unfounded finding
    # too, before the customer is asked to confirm it; Art. 4(3): leadership sign off a major
    # case first; Art. 2(4): a rejection reopens handling, and after the reopened rounds
    # allowed goes to leadership, who decide another round or closure.
    for handling_round in count(1):
        handling = run.await_step(Step.handling, handling_round)
        if major:
            review = run.await_step(Step.leadership_review, handling_round)
            if not review["approved"]:
                continue
        run.notify("result", handling_round)
        if not handling["founded"]:
            confirmation = run.await_step(Step.customer_confirmation, handling_round)
            if not confirmation["confirmed"]:
                _leadership_if_referred(run, confirmation, handling_round)
                continue
        feedback = run.await_step(Step.feedback, handling_round)
        if feedback["satisfied"]:
            return
        _leadership_if_referred(run, feedback, handling_round)


def _leadership_if_referred(run: Execution, rejection: dict[str, Any], number: int) -> None:
    """A rejection after the reopened rounds allowed waits for leadership's decision."""
    if not rejection.get("to_leadership"):
        return
    decision = run.await_step(Step.leadership_decision, number)
    if not decision["another_round"]:
        raise ClosedEarly("leadership_decision")


# Every supported version of the process, by the number complaints record.
PROCESSES: dict[int, Callable[[Execution], str]] = {1: process_v1, 2: process_v2, 3: process_v3}


class Execution:
    """One execution of a complaint's run, from the top to its next wait or the archive.

    It starts from one read of the app database (``read_progress``). Steps decided before
    that read are taken from it; notices the outbox already settled and tags already on the
    run are not looked at again; and the handling form is written
    only for the latest step taken (a later step's form holds the earlier ones). The awaited
    step is read fresh right before the run suspends (docs/architecture.md), and once
    a fresh read brought a new decision the snapshot no longer speaks for what follows: every
    side effect after it goes to its task again. The database keys (outbox key, form
    version) remain the guarantee that nothing happens twice.
    """

    def __init__(self, complaint_id: int, progress: dict[str, Any]) -> None:
        self.complaint_id = complaint_id
        self.case: dict[str, Any] = progress["case"]
        self._tags: list[str] = progress["tags"]
        self._decided: dict[str, dict[str, Any]] = dict(progress["outcomes"])
        self._notices: dict[str, str] = progress["notices"]
        self._snapshot_current = True
        self._form_due: str | None = None
        self._forms_written: set[str] = set()
        # Version 3: a wait may end in a closure of the complaint (``ClosedEarly``).
        self.closable = False
        self._closure: dict[str, Any] | None = progress.get("closure")
        # The run's log tells each step once (``_tell``): the lines of the steps passed from
        # the snapshot that an earlier execution did not reach, and the waits it reached.
        self._told: dict[str, str] = progress.get("told", {})
        self._untold: list[str] = []
        self._waited = _waits_reached()
        # Once decided, the complaint's facts no longer ask for the decision: the decision
        # itself is then passed again, with its form and tags.
        self.needs_major_decision = bool(self.case["needs_major_decision"]) or (
            outcome_key(Step.major_decision) in self._decided
        )

    def tag(self, milestone: str) -> None:
        if self._snapshot_current and _tagged(self._tags):
            return
        tag_flow_run(self.complaint_id, milestone)

    def notify(self, kind: str, sequence: int = 1, *, with_form_at: str | None = None) -> None:
        """Queue and send a notice once; ``with_form_at``: the notice carries the handling form
        as it stands at that milestone, written first unless ``form_at`` just wrote it (and at
        most once per run and milestone anyway: the form task's cache key)."""
        if self._snapshot_current and self._notices.get(f"{kind}:{sequence}") in SETTLED_NOTICE:
            return
        if with_form_at is not None and with_form_at not in self._forms_written:
            self._write_form(with_form_at)
        notify(self.complaint_id, kind, sequence)

    def form_at(self, milestone: str, final: bool = False) -> None:
        """The handling form as it stands at ``milestone``; deferred while a later step read
        from the snapshot is still to come, whose form supersedes this one."""
        if self._decided and not final:
            self._form_due = milestone
            return
        if final:
            self._tell()
        self._form_due = None
        self._write_form(milestone, final)

    def _write_form(self, milestone: str, final: bool = False) -> None:
        prepare_handling_form(self.complaint_id, milestone, final)
        self._forms_written.add(milestone)

    def await_step(self, step: Step, number: int = 1) -> dict[str, Any]:
        """Wait, durably, until ``step`` has been taken; return its (non-personal) outcome."""
        milestone = outcome_key(step, number)
        outcome = self._decided.pop(milestone, None)
        if outcome is not None:
            if milestone in self._waited:
                self._untold.clear()  # an earlier execution reached this wait: told up to it
            self._untold.append(milestone)
            self.form_at(milestone)
            return outcome
        if milestone in self._waited:
            self._untold.clear()
        self._tell()
        if self.closable:
            return self._await_closable(step, number, milestone)
        refused: str | None = None
        for attempt in count(1):
            outcome = read_step_outcome(self.complaint_id, step, number)
            if outcome is not None:
                self._snapshot_current = False
                self.form_at(milestone)
                return outcome
            if self._form_due is not None:
                self._decided.clear()  # a step the flow did not pass: keep the form current
                self.form_at(self._form_due)
            publish_timeline(self.complaint_id)
            given = suspend_for_input(
                STEP_INPUTS[step],
                key=pause_key(step, number, attempt),
                message=mark_waiting(self.complaint_id, step, refused),
            )
            # Only reached when ops resumed from the Prefect UI's form without the staff app.
            refused = apply_prefect_ui_input(
                self.complaint_id, step, number, attempt, given.model_dump(mode="json")
            )
        raise AssertionError("unreachable")

    def _await_closable(self, step: Step, number: int, milestone: str) -> dict[str, Any]:
        """Version 3's wait: as ``await_step``, and a closure of the complaint — in the
        snapshot, or read fresh before suspending — ends it with `ClosedEarly`. A closure wakes
        the run with the acting username alone (its wait's form takes no decision), so a resume
        without a decision is looked at before it is taken as the Prefect UI's input."""
        if self._snapshot_current and self._closure is not None:
            raise ClosedEarly(self._closure["reason"])
        refused: str | None = None
        for attempt in count(1):
            seen = read_wait(self.complaint_id, step, number)
            if seen["outcome"] is not None:
                self._snapshot_current = False
                self.form_at(milestone)
                return dict(seen["outcome"])
            if seen["closure"] is not None:
                self._snapshot_current = False
                raise ClosedEarly(seen["closure"]["reason"])
            if self._form_due is not None:
                self._decided.clear()
                self.form_at(self._form_due)
            publish_timeline(self.complaint_id)
            given = suspend_for_input(
                CLOSABLE_STEP_INPUTS[step],
                key=pause_key(step, number, attempt),
                message=mark_waiting(self.complaint_id, step, refused),
            )
            values = given.model_dump(mode="json")
            if any(values.get(name) in (None, "") for name in STEPS[step].decisions):
                closure = read_wait(self.complaint_id, step, number)["closure"]
                if closure is not None:
                    self._snapshot_current = False
                    raise ClosedEarly(closure["reason"])
            refused = apply_prefect_ui_input(self.complaint_id, step, number, attempt, values)
        raise AssertionError("unreachable")

    def _tell(self) -> None:
        """One line in the run's log per step taken since an earlier execution reached its
        wait: who acted, what was decided, what comes next (read with the snapshot)."""
        logger = get_run_logger()
        for milestone in self._untold:
            if milestone in self._told:
                logger.info(self._told[milestone])
        self._untold.clear()


def _waits_reached() -> set[str]:
    """The waits (``outcome_key``) this run suspended at in earlier executions: the server
    keeps the pause keys of a run that suspends and is resumed from the top."""
    context = FlowRunContext.get()
    keys = context.flow_run.empirical_policy.pause_keys if context and context.flow_run else ()
    return {outcome_key(*parsed) for key in keys or () if (parsed := parse_pause_key(key))}


def _tagged(wanted: list[str]) -> bool:
    """Whether the run already carries ``wanted`` (``tag_flow_run`` keeps other plain tags;
    the step waited for is tagged at each wait)."""

    current = set(flow_run.get_tags())
    ours = {tag for tag in current if (":" in tag or tag == "complaint")}
    return {tag for tag in ours if not tag.startswith("step:")} == set(wanted)

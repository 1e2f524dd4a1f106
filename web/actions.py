"""What the pages and the JSON API do, written once: take a complaint, take a step, wake the run.

The order is always the one of docs/architecture.md ("Nothing lost"): save in the app database and
commit, *then* talk to Prefect. Starting a complaint's flow run happens after the answer has
been sent (a background task), so intake never waits for the Prefect API; waking a suspended
run after a step is a single short call whose outcome the page reports. When the Prefect API
is unreachable, what was saved stays saved and reconciliation starts or wakes the run later.

Only ids, codes, usernames and decisions go to Prefect (Art. 2(5)).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import anyio
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.settings import Settings
from models.complaint import Assignment, Complaint, ComplaintEvent
from models.db import session_scope, utcnow
from models.people import User
from orchestration.runs import (
    STEP_EVENTS,
    resume_for_step,
    run_is_behind,
    run_state,
    start_lifecycle_run,
)
from policy.deadlines import PromisedReplyError, validate_promised_reply_at
from policy.enums import Category, Channel, ComplainantKind, Department, Stage
from policy.lifecycle import STAGE_OF_STEP, Step
from policy.subjects import Demand
from services.channels import ChannelDetailsInput
from services.intake import ComplaintIntake, IntakeKey, complaint_for_key, register_complaint
from services.progress import case_facts, run_tags, step_outcome
from services.step_registry import resume_inputs
from services.steps import apply_step, ensure_may_act, ensure_on_step
from web.access import INTAKE_ROLES, require_role
from web.prefect_lane import CALL_TIMEOUT, lane, note_failure, prefect_paused
from web.validation import (
    MAX_EMAIL,
    MAX_INSTITUTION,
    MAX_NAME,
    MAX_PRODUCT,
    MAX_TEXT,
    FieldError,
    check_email,
    check_received_at,
    clean_text,
    normalize_phone,
)

log = logging.getLogger("web.actions")

STEP_OF_STAGE = {stage: step for step, stage in STAGE_OF_STEP.items()}
# Steps the flow counts by handling round (its loop counter equals complaint.handling_round).
ROUND_STEPS = frozenset(
    {
        Step.handling,
        Step.leadership_review,
        Step.customer_confirmation,
        Step.feedback,
        Step.leadership_decision,
    }
)


# Intake (受理) --------------------------------------------------------------------------------


@dataclass
class IntakeValues:
    """Intake input as typed values, whether it came from the form or the API."""

    channel: Channel
    complainant: ComplainantKind
    customer_name: str
    customer_phone: str
    content: str
    customer_email: str | None = None
    member_institution: str | None = None
    product: str | None = None
    amount: Decimal | None = None
    received_at: datetime | None = None
    resolved_on_the_spot: bool = False
    resolution: str | None = None
    founded_on_the_spot: bool = True
    promised_reply_at: datetime | None = None
    category: Category | None = None
    department: Department | None = None
    major: bool | None = None
    subject_department: Department | None = None
    subject_staff: str | None = None
    subject_institution: str | None = None
    demand: Demand | None = None
    demand_note: str | None = None
    channel_details: ChannelDetailsInput | None = None


def build_intake(values: IntakeValues, *, now: datetime, settings: Settings) -> ComplaintIntake:
    """The intake as ``register_complaint`` takes it, or ``FieldError`` naming the field."""
    received_at = values.received_at or now
    check_received_at(received_at, now=now)
    member = values.complainant is ComplainantKind.member
    institution = clean_text(
        values.member_institution,
        field="member_institution",
        label="会员机构名称",
        max_length=MAX_INSTITUTION,
        required=member,
    )
    resolution = None
    promised = None
    if values.resolved_on_the_spot:
        resolution = clean_text(
            values.resolution,
            field="resolution",
            label="现场解决情况",
            max_length=MAX_TEXT,
            multiline=True,
        )
    else:
        # Art. 2(4): not resolved at once → a definite reply time is promised to the customer.
        if values.promised_reply_at is None:
            raise FieldError(
                "promised_reply_at", "未能现场解决的投诉必须告知客户明确的回复时间（第二条第四项）"
            )
        promised = values.promised_reply_at
        try:
            validate_promised_reply_at(
                received_at, promised, max_days=settings.reply_max_days, tz=settings.timezone
            )
        except PromisedReplyError as error:
            raise FieldError("promised_reply_at", str(error)) from None
    return ComplaintIntake(
        channel=values.channel,
        complainant=values.complainant,
        customer_name=clean_text(
            values.customer_name, field="customer_name", label="客户姓名", max_length=MAX_NAME
        ),
        customer_phone=normalize_phone(values.customer_phone),
        customer_email=check_email(
            clean_text(
                values.customer_email,
                field="customer_email",
                label="电子邮箱",
                max_length=MAX_EMAIL,
                required=False,
            )
        ),
        member_institution=institution or None,
        product=clean_text(
            values.product,
            field="product",
            label="涉及产品",
            max_length=MAX_PRODUCT,
            required=False,
        )
        or None,
        amount=values.amount,
        content=clean_text(
            values.content, field="content", label="投诉内容", max_length=MAX_TEXT, multiline=True
        ),
        received_at=received_at,
        resolved_on_the_spot=values.resolved_on_the_spot,
        resolution=resolution,
        founded_on_the_spot=values.founded_on_the_spot,
        promised_reply_at=promised,
        category=values.category,
        department=values.department,
        major=values.major,
        subject_department=values.subject_department,
        subject_staff=(values.subject_staff or "").strip() or None,
        subject_institution=values.subject_institution,
        demand=values.demand,
        demand_note=values.demand_note,
        channel_details=values.channel_details,
    )


def intake_digest(values: IntakeValues) -> str:
    """A hash of the intake as sent, to tell a repeated request from a different one."""
    text = json.dumps(asdict(values), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class IntakeTaken:
    complaint: Complaint
    # True: the same request was taken before (same key); nothing new was registered.
    replayed: bool = False


def take_complaint(
    db: Session,
    *,
    values: IntakeValues,
    user: User,
    now: datetime,
    settings: Settings,
    key: str | None = None,
) -> IntakeTaken:
    """Art. 2(4) 首问负责制: the signed-in user receives the complaint and owns it. Committed
    here; the caller then starts its flow run (``start_flow_run``), after answering — unless
    the answer is a replay: the same ``key`` and content as an earlier intake name that
    complaint, whose run was started then. The same key with other content is refused
    (``IntakeKeyReused``); the database decides between two requests arriving together."""
    require_role(user, INTAKE_ROLES, "受理投诉（首问负责人须为员工或部门经理）")
    intake_key = IntakeKey(key, intake_digest(values)) if key else None
    if intake_key is not None:
        earlier = complaint_for_key(db, owner=user, key=intake_key)
        if earlier is not None:
            return IntakeTaken(earlier, replayed=True)
    intake = build_intake(values, now=now, settings=settings)
    try:
        complaint = register_complaint(
            db, intake=intake, owner=user, now=now, settings=settings, key=intake_key
        )
        db.commit()
    except IntegrityError:
        db.rollback()
        earlier = complaint_for_key(db, owner=user, key=intake_key) if intake_key else None
        if earlier is None:
            raise
        log.info("intake by %s repeated at once: complaint %s", user.username, earlier.reference)
        return IntakeTaken(earlier, replayed=True)
    log.info("complaint %s received by %s", complaint.reference, user.username)
    return IntakeTaken(complaint)


async def start_flow_run(complaint_id: int, database_url: str) -> str | None:
    """Start the complaint's flow run and store its id; None if Prefect could not be reached
    (reconciliation starts it later, with the same idempotency key). Called after the answer
    was sent; the call itself is made on the Prefect lane (``web.prefect_lane``) and awaited
    here on the event loop, so starts queued behind a burst of intakes hold no request thread."""

    try:
        started = lane.submit(_start_flow_run, complaint_id, database_url)
        with anyio.fail_after(CALL_TIMEOUT):
            return await asyncio.wrap_future(started)  # type: ignore[no-any-return]
    except Exception as error:  # a timeout of the lane, or a database error
        log.warning("flow run of complaint id %s not started: %s", complaint_id, error)
        return None


def _start_flow_run(complaint_id: int, database_url: str) -> str | None:

    with session_scope(database_url) as db:
        complaint = db.get(Complaint, complaint_id)
        if complaint is None or complaint.flow_run_id:
            return complaint.flow_run_id if complaint else None
        reference, created_at = complaint.reference, complaint.created_at
        tags = run_tags(case_facts(db, complaint_id))
    if prefect_paused():
        log.warning(
            "flow run of complaint %s not started (Prefect API unreachable moments ago); "
            "reconciliation will start it",
            reference,
        )
        return None
    try:
        run_id = start_lifecycle_run(
            complaint_id=complaint_id, reference=reference, created_at=created_at, tags=tags
        )
    except Exception as error:  # the API is down or refused: the complaint is saved regardless
        note_failure(error)
        log.warning(
            "flow run of complaint %s not started (%s: %s); reconciliation will start it",
            reference,
            type(error).__name__,
            error,
        )
        return None
    with session_scope(database_url) as db:
        db.execute(
            update(Complaint)
            .where(Complaint.id == complaint_id, Complaint.flow_run_id.is_(None))
            .values(flow_run_id=str(run_id))
        )
    log.info("flow run %s started for complaint %s", run_id, reference)
    return str(run_id)


# Steps ---------------------------------------------------------------------------------------


def check_step(complaint: Complaint, step: Step, user: User) -> None:
    """409 when the complaint is not on ``step``, 403 when ``user`` may not take it."""
    ensure_on_step(complaint, step)
    ensure_may_act(complaint, user, step)


@dataclass(frozen=True)
class StepTaken:
    step: Step
    resumed: bool


def take_step(
    db: Session,
    *,
    complaint: Complaint,
    step: Step,
    user: User,
    values: dict[str, Any],
    now: datetime,
) -> StepTaken:
    """Save the step (all or nothing) and commit; then wake the complaint's run.

    Raises ``StepError`` (409/403/422) from ``services.steps`` with nothing saved.
    """
    check_step(complaint, step, user)
    number = complaint.handling_round if step in ROUND_STEPS else 1
    try:
        apply_step(db, complaint=complaint, actor=user, step=step, values=values, now=now)
        db.commit()
    except Exception:
        db.rollback()
        raise
    if step is Step.assignment:
        number = db.scalar(
            select(func.count(Assignment.id)).where(Assignment.complaint_id == complaint.id)
        )
    log.info("complaint %s: %s by %s", complaint.reference, step.value, user.username)
    return StepTaken(step, wake_run(db, complaint, step, int(number or 1), user))


def wake_run(db: Session, complaint: Complaint, step: Step, number: int, user: User) -> bool:
    """Resume the suspended run with the decision and the acting username (no texts). False
    when there is no run yet, it is not suspended, or the Prefect API cannot be reached."""
    if not complaint.flow_run_id:
        return False
    outcome = step_outcome(db, complaint_id=complaint.id, step=step, number=number)
    if outcome is None or prefect_paused():
        return False

    decisions = resume_inputs(step, outcome, operator=user.username)
    try:
        resumed = lane.call(_resume, complaint.flow_run_id, decisions)
    except Exception as error:  # unreachable API, or the run waits for another step
        log.warning(
            "flow run %s of complaint %s not resumed after %s (%s: %s); reconciliation will",
            complaint.flow_run_id,
            complaint.reference,
            step.value,
            type(error).__name__,
            error,
        )
        return False
    if not resumed:
        log.info("flow run %s was not suspended; it reads the step itself", complaint.flow_run_id)
    return resumed


def wake_closed_run(complaint: Complaint, user: User) -> bool:
    """After a closure was committed (``services.closure``): wake the complaint's run, at
    whatever step it waits, with the acting username alone; the run reads the closure itself.
    False when there is no run, it is not suspended, or the Prefect API cannot be reached
    (reconciliation wakes it then)."""
    if not complaint.flow_run_id or prefect_paused():
        return False
    try:
        return bool(lane.call(_resume, complaint.flow_run_id, [{"operator": user.username}]))
    except Exception as error:
        log.warning(
            "flow run %s of closed complaint %s not resumed (%s: %s); reconciliation will",
            complaint.flow_run_id,
            complaint.reference,
            type(error).__name__,
            error,
        )
        return False


def _resume(flow_run_id: str, decisions: list[dict[str, Any]]) -> bool:

    try:
        return bool(resume_for_step(flow_run_id, *decisions))
    except Exception as error:
        note_failure(error)
        raise


def prefect_run_url(settings: Settings, flow_run_id: str | None) -> str | None:
    if not flow_run_id:
        return None
    return f"{settings.prefect_ui_url.rstrip('/')}/runs/flow-run/{flow_run_id}"


def run_behind(db: Session, complaint: Complaint, settings: Settings) -> bool:
    """Whether the complaint's run has fallen behind its record (``run_is_behind``): shown on
    the complaint's page. False when there is no run, or Prefect cannot be asked now."""
    if not complaint.flow_run_id or complaint.stage is Stage.archived or prefect_paused():
        return False

    try:
        found = lane.call(_read_run_state, complaint.flow_run_id)
    except Exception as error:  # the page shows what it can without Prefect
        log.info("state of flow run %s not read (%s)", complaint.flow_run_id, error)
        return False
    if found is None:
        return False
    last_step_at = db.scalar(
        select(func.max(ComplaintEvent.occurred_at)).where(
            ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind.in_(STEP_EVENTS)
        )
    )
    state_type, state_at = found
    return run_is_behind(
        state_type=state_type,
        state_at=state_at,
        last_step_at=last_step_at,
        now=utcnow(),
        grace=settings.stuck_run_after,
    )


def _read_run_state(flow_run_id: str) -> tuple[str, datetime] | None:

    try:
        return run_state(flow_run_id)
    except Exception as error:
        note_failure(error)
        raise

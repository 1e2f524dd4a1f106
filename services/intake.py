"""Intake (受理): a complaint saved with its customer, classification, deadline and first event.

Everything here happens in the caller's transaction, so a complaint is saved whole or not
at all; starting its flow run comes after the commit (docs/architecture.md, "Nothing lost").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from config.settings import Settings
from models.complaint import Complaint, IntakeRequest, Resolution, Verification
from models.operations import Deadline, ReferenceCounter
from models.people import Contact, Customer, User
from policy.classification import classify
from policy.deadlines import warning_time, written_record_due
from policy.enums import Category, Channel, ComplainantKind, DeadlineKind, Department, Stage
from policy.lifecycle import PROCESS_VERSION
from policy.subjects import Demand
from policy.text import is_blank
from services.audit import append_event
from services.channels import (
    ChannelDetailsInput,
    check_channel_details,
    intake_reply_time,
    save_channel_details,
)
from services.directory import department_by_code
from services.step_errors import StepInputError
from services.subjects import SubjectInput, check_subject, intake_demand, set_subject

# Art. 2(4) 杜绝二次投诉: a complaint by the same customer within this time is linked as a repeat.
REPEAT_WINDOW = timedelta(days=180)


class IntakeKeyReused(Exception):
    """The intake's key was used before for a different complaint (HTTP 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IntakeKey:
    """The key an intake was sent with and a digest of what was sent (``IntakeRequest``)."""

    key: str
    digest: str


def complaint_for_key(session: Session, *, owner: User, key: IntakeKey) -> Complaint | None:
    """The complaint ``owner`` already registered under ``key``; ``IntakeKeyReused`` when that
    was sent with other content (a different complaint must not be answered as this one)."""
    row = session.scalar(
        select(IntakeRequest).where(
            IntakeRequest.owner_id == owner.id, IntakeRequest.key == key.key
        )
    )
    if row is None:
        return None
    if row.digest != key.digest:
        raise IntakeKeyReused(
            "该幂等键（Idempotency-Key / 受理表单）已用于另一件内容不同的投诉，未重复登记；"
            "如要登记新的投诉，请使用新的键或重新打开受理页面"
        )
    return session.get_one(Complaint, row.complaint_id)


class IntakeError(ValueError):
    """The intake cannot be saved as given; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ComplaintIntake:
    """What staff enter when they take a complaint (Art. 4), already validated for form."""

    channel: Channel
    complainant: ComplainantKind
    customer_name: str
    customer_phone: str
    content: str
    received_at: datetime
    customer_email: str | None = None
    member_institution: str | None = None
    product: str | None = None
    amount: Decimal | None = None
    resolved_on_the_spot: bool = False
    resolution: str | None = None
    # Art. 4(2): what the on-the-spot verification found (不属实 goes on to the customer's
    # confirmation); founded unless said otherwise.
    founded_on_the_spot: bool = True
    promised_reply_at: datetime | None = None
    # Overrides of the suggestion; each override is recorded in the first event.
    category: Category | None = None
    department: Department | None = None
    major: bool | None = None
    # What the complaint is about and what the customer asks for (``services.subjects``);
    # the product above is a subject too. ``subject_staff`` is a username.
    subject_department: Department | None = None
    subject_staff: str | None = None
    subject_institution: str | None = None
    demand: Demand | None = None
    demand_note: str | None = None
    # What the channel records beside the complaint (``services.channels``, Art. 3).
    channel_details: ChannelDetailsInput | None = None


def next_reference(session: Session, *, now: datetime, settings: Settings) -> str:
    """TS-YYYYMMDD-NNNN in local time; the counter is bumped atomically on both backends."""
    day = now.astimezone(settings.tz).date()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ReferenceCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(
            index_elements=[ReferenceCounter.day], set_={"last": ReferenceCounter.last + 1}
        )
        .returning(ReferenceCounter.last)
    )
    number = session.execute(statement).scalar_one()
    return f"TS-{day:%Y%m%d}-{number:04d}"


def _customer_for(session: Session, intake: ComplaintIntake) -> Customer:
    """The customer known by this phone number (Art. 2(4): repeats are linked by it), or a new
    one. Only the key is shared: each complaint keeps the details it was given (``Contact``)."""
    customer = session.scalar(
        select(Customer)
        .where(Customer.phone == intake.customer_phone, Customer.kind == intake.complainant)
        .order_by(Customer.id)
        .limit(1)
    )
    if customer is None:
        customer = Customer(kind=intake.complainant, phone=intake.customer_phone)
        session.add(customer)
        session.flush()
    return customer


def _contact_of(intake: ComplaintIntake) -> Contact:
    return Contact(
        name=intake.customer_name,
        phone=intake.customer_phone,
        email=intake.customer_email or None,
        member_institution=intake.member_institution or None,
    )


def _check(intake: ComplaintIntake, now: datetime) -> None:
    if is_blank(intake.content):
        raise IntakeError("content", "投诉内容不能为空")
    if is_blank(intake.customer_name):
        raise IntakeError("customer_name", "客户姓名不能为空")
    if intake.received_at.tzinfo is None:
        raise IntakeError("received_at", "受理时间必须带时区")
    if intake.received_at > now + timedelta(minutes=5):
        raise IntakeError("received_at", "受理时间不能晚于当前时间")
    if intake.resolved_on_the_spot:
        if not (intake.resolution or "").strip():
            raise IntakeError("resolution", "现场解决的投诉需要填写解决情况")
    elif intake.promised_reply_at is None:
        # Art. 2(4): a complaint not resolved at once gets a definite reply time.
        raise IntakeError("promised_reply_at", "未能现场解决的投诉必须告知客户明确的回复时间")
    elif intake.promised_reply_at <= intake.received_at:
        raise IntakeError("promised_reply_at", "承诺回复时间必须晚于受理时间")
    if intake.amount is not None and intake.amount < 0:
        raise IntakeError("amount", "涉及金额不能为负数")


def register_complaint(
    session: Session,
    *,
    intake: ComplaintIntake,
    owner: User,
    now: datetime,
    settings: Settings,
    key: IntakeKey | None = None,
    process_version: int = PROCESS_VERSION,
) -> Complaint:
    """Save a new complaint; ``owner`` is its first-inquiry owner (Art. 2(4) 首问负责制).

    The complaint follows the current process (``process_version``) until it closes; another
    supported version is given only by tests that replay the complaints of an earlier one.

    With a ``key`` the complaint is recorded under it, unique per owner: of two transactions
    with the same key only one commits (the other fails on the unique constraint)."""
    _check(intake, now)
    demand, suggested_demand = intake_demand(intake.demand, intake.content)
    try:
        subject = check_subject(
            session,
            SubjectInput(
                department=intake.subject_department,
                staff=intake.subject_staff,
                institution=intake.subject_institution,
                product=intake.product,
                demand=demand,
                demand_note=intake.demand_note,
            ),
        )
    except StepInputError as error:
        raise IntakeError(error.field or "subject_staff", error.message) from None
    try:
        details = check_channel_details(
            session,
            channel=intake.channel,
            given=intake.channel_details,
            received_at=intake.received_at,
            actor=owner,
            now=now,
            settings=settings,
        )
    except StepInputError as error:
        raise IntakeError(error.field or "channel_details", error.message) from None
    # Art. 3, Art. 2(4): never later than the regulator's reply deadline.
    promised = intake_reply_time(intake.promised_reply_at, details)
    suggestion = classify(
        intake.content,
        channel=intake.channel,
        complainant=intake.complainant,
        amount=intake.amount,
    )
    customer = _customer_for(session, intake)
    category = intake.category or suggestion.category
    department = intake.department or suggestion.department
    suggested_major = suggestion.major
    earlier = session.scalar(
        select(Complaint)
        .where(
            Complaint.customer_id == customer.id,
            Complaint.received_at >= intake.received_at - REPEAT_WINDOW,
        )
        .order_by(Complaint.received_at.desc())
        .limit(1)
    )
    complaint = Complaint(
        reference=next_reference(session, now=now, settings=settings),
        channel=intake.channel,
        complainant_kind=intake.complainant,
        customer=customer,
        contact=_contact_of(intake),
        received_at=intake.received_at,
        content=intake.content.strip(),
        amount=intake.amount,
        suggested_category=suggestion.category,
        category=category,
        classification_reasons=list(suggestion.reasons),
        department=department_by_code(session, department),
        first_inquiry_owner=owner,
        suggested_major=suggested_major,
        major_reasons=list(suggestion.major_reasons),
        major=intake.major,
        stage=Stage.awaiting_written_record,
        promised_reply_at=None if intake.resolved_on_the_spot else promised,
        resolved_on_the_spot=intake.resolved_on_the_spot,
        on_the_spot_resolution=intake.resolution if intake.resolved_on_the_spot else None,
        repeat_of_id=earlier.id if earlier else None,
        process_version=process_version,
        created_at=now,
    )
    subject_data = set_subject(complaint, subject)
    session.add(complaint)
    session.flush()
    if key is not None:
        session.add(
            IntakeRequest(
                owner_id=owner.id,
                key=key.key,
                digest=key.digest,
                complaint_id=complaint.id,
                created_at=now,
            )
        )
        session.flush()
    overrides = {
        name: {"suggested": suggested.value, "confirmed": chosen.value}
        for name, suggested, chosen in (
            ("category", suggestion.category, category),
            ("department", suggestion.department, department),
        )
        if suggested != chosen
    }
    if intake.major is not None and intake.major != suggested_major:
        overrides["major"] = {"suggested": suggested_major, "confirmed": intake.major}
    if suggested_demand is not None and demand != suggested_demand:
        overrides["demand"] = {
            "suggested": suggested_demand.value,
            "confirmed": demand.value if demand else None,
        }
    append_event(
        session,
        complaint=complaint,
        kind="received",
        actor_id=owner.id,
        occurred_at=now,
        data={
            "channel": intake.channel.value,
            "category": category.value,
            "department": department.value,
            "suggested_major": suggested_major,
            "reasons": list(suggestion.reasons),
            "overrides": overrides,
            "resolved_on_the_spot": intake.resolved_on_the_spot,
            "founded_on_the_spot": (
                intake.founded_on_the_spot if intake.resolved_on_the_spot else None
            ),
            "repeat_of": earlier.reference if earlier else None,
            **subject_data,
        },
    )
    save_channel_details(
        session,
        complaint=complaint,
        checked=details,
        actor=owner,
        now=now,
        capped=not intake.resolved_on_the_spot and promised != intake.promised_reply_at,
    )
    _open_deadlines(session, complaint=complaint, owner=owner, settings=settings)
    if intake.resolved_on_the_spot:
        _record_on_the_spot_handling(
            session,
            complaint=complaint,
            owner=owner,
            now=now,
            founded=intake.founded_on_the_spot,
        )
    return complaint


def _record_on_the_spot_handling(
    session: Session, *, complaint: Complaint, owner: User, now: datetime, founded: bool = True
) -> None:
    """Art. 4(2) 现场解决: the owner verified and solved it at once; that is handling round 1.
    Found unfounded (不属实), the customer is asked to confirm it after the assignment."""
    session.add(
        Verification(
            complaint_id=complaint.id,
            round=1,
            founded=founded,
            evidence="现场核实" if founded else "现场核实：不属实",
            verified_by_id=owner.id,
            verified_at=now,
        )
    )
    session.add(
        Resolution(
            complaint_id=complaint.id,
            round=1,
            solution=complaint.on_the_spot_resolution or "",
            resolved_by_id=owner.id,
            resolved_at=now,
        )
    )
    session.flush()


def _open_deadlines(
    session: Session, *, complaint: Complaint, owner: User, settings: Settings
) -> None:
    """Art. 4(1)/(2): written record within 24 hours; Art. 2(4): the promised reply time."""
    record_due = written_record_due(complaint.received_at, settings.record_deadline)
    session.add(
        Deadline(
            complaint_id=complaint.id,
            kind=DeadlineKind.written_record,
            due_at=record_due,
            warn_at=warning_time(
                complaint.received_at, record_due, settings.deadline_warning_fraction
            ),
            responsible_user_id=owner.id,
        )
    )
    if complaint.promised_reply_at is not None:
        session.add(
            Deadline(
                complaint_id=complaint.id,
                kind=DeadlineKind.reply,
                due_at=complaint.promised_reply_at,
                warn_at=warning_time(
                    complaint.received_at,
                    complaint.promised_reply_at,
                    settings.deadline_warning_fraction,
                ),
                responsible_user_id=owner.id,
            )
        )
    session.flush()

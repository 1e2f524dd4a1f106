"""What a complaint's channel records beside it (Art. 3 投诉渠道), recorded, corrected and read:
the one place its rules live, for intake, the staff app and the JSON API alike.

- **At intake** (``check_channel_details``, then ``save_channel_details``): the details of the
  chosen channel, checked (``policy.channels``: the fields each channel requires, none of
  another channel's); a regulator transfer's reply deadline caps the promised reply time
  (``policy.channels.reply_time_within_regulator``). An on-site reception defaults to the
  receipt's time and the person entering it; a sales manager to the person entering it.
- **Afterwards** (``update_channel_details``): the first-inquiry owner or a manager of the
  complaint's department corrects them until the complaint is closed (409 after, 403 for
  others). Every field is replaced; the reply to the regulator stays. An earlier regulator
  deadline moves the promised reply time and its open limit to it (Art. 7: a breached limit
  stays breached).
- **The reply to the regulator** (``record_regulator_reply``): when, how, by whom and a note
  (or its document number), by the first-inquiry owner, the handler, a manager of the
  complaint's department or leadership, until closure. A regulator transfer following process
  version 3 or later closes only after it (``ensure_regulator_replied``, called by every
  closing path: ``services.steps`` entering ``closed`` and ``services.closure``).
- **Reading** (``channel_details_of``, ``channel_details_lines``): the case file's view and the
  handling form's lines.

The audit events carry the channel, field names, dates and usernames, never the notes.
Everything happens in the caller's transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from config.settings import Settings, get_settings
from models.channels import ChannelDetails
from models.complaint import Complaint
from models.people import User
from policy.channels import (
    FIELDS,
    MAX_BODY,
    MAX_DOCUMENT_NUMBER,
    MAX_NAME,
    MAX_PLACE,
    MAX_REPLY_METHOD,
    MAX_REPLY_NOTE,
    MAX_TRANSFERRED_BY,
    check_reply_within_regulator,
    misplaced_field,
    missing_field,
    regulator_reply_missing,
    reply_time_within_regulator,
)
from policy.enums import Channel, DeadlineKind, Role, Stage
from policy.text import is_blank
from services.audit import append_event
from services.deadlines import open_deadline, owed_reply_deadline
from services.directory import user_by_username
from services.step_errors import StepConflict, StepForbidden, StepInputError

# The first process version whose regulator transfers wait for the reply to the regulator.
REGULATOR_REPLY_VERSION = 3
# Characters that cannot be stored (NUL on PostgreSQL) or shown: all controls but line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LIMITS = {
    "transferring_body": MAX_BODY,
    "document_number": MAX_DOCUMENT_NUMBER,
    "reception_place": MAX_PLACE,
    "received_by": 64,
    "sales_manager": 64,
    "sales_manager_name": MAX_NAME,
    "transferred_by": MAX_TRANSFERRED_BY,
    "regulator_replied_by": 64,
}
_REPLY_LABELS = {
    "regulator_replied_at": "回复监管时间",
    "regulator_reply_method": "回复监管方式",
    "regulator_replied_by": "回复人（用户名）",
    "regulator_reply_note": "回复说明或文号",
}


@dataclass(frozen=True)
class ChannelDetailsInput:
    """The channel's details as staff give them; every part optional here (the channel's
    rules say what is required). ``received_by`` and ``sales_manager`` are usernames."""

    transferring_body: str | None = None
    document_number: str | None = None
    regulator_reply_due: datetime | None = None
    reception_place: str | None = None
    reception_at: datetime | None = None
    received_by: str | None = None
    sales_manager: str | None = None
    sales_manager_name: str | None = None
    transferred_by: str | None = None

    def given(self) -> set[str]:
        """The names of the fields given (a blank text counts as not given)."""
        names = set()
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None or (isinstance(value, str) and is_blank(value)):
                continue
            names.add(item.name)
        return names


@dataclass(frozen=True)
class CheckedDetails:
    """The details checked: texts trimmed, users found, defaults filled."""

    channel: Channel
    transferring_body: str | None = None
    document_number: str | None = None
    regulator_reply_due: datetime | None = None
    reception_place: str | None = None
    reception_at: datetime | None = None
    received_by: User | None = None
    sales_manager: User | None = None
    sales_manager_name: str | None = None
    transferred_by: str | None = None

    @property
    def empty(self) -> bool:
        return self.channel is Channel.phone


def _label(name: str) -> str:
    return FIELDS[name][0] if name in FIELDS else _REPLY_LABELS.get(name, name)


def _text(value: str | None, name: str, *, limit: int | None = None) -> str | None:
    if value is None or is_blank(value):
        return None
    value = value.strip()
    limit = limit or _LIMITS[name]
    if len(value) > limit:
        raise StepInputError(f"{_label(name)}不能超过 {limit} 个字符", field=name)
    if _CONTROL.search(value):
        raise StepInputError(f"{_label(name)}含有无法保存的控制字符，请删除后重试", field=name)
    return value


def _aware(value: datetime, settings: Settings) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=settings.tz)


def _staff(session: Session, username: str | None, name: str) -> User | None:
    username = _text(username, name)
    if username is None:
        return None
    user = user_by_username(session, username)
    if user is None or not user.active:
        raise StepInputError(
            f"找不到{_label(name).removesuffix('（用户名）')}「{username}」（请填写其用户名）",
            field=name,
        )
    if user.role is Role.admin:
        raise StepInputError("系统管理员不办理业务，不能作为接待或受理人员", field=name)
    return user


def check_channel_details(
    session: Session,
    *,
    channel: Channel,
    given: ChannelDetailsInput | None,
    received_at: datetime,
    actor: User,
    now: datetime,
    settings: Settings | None = None,
) -> CheckedDetails:
    """``given`` checked against ``channel``'s rules, or ``StepInputError`` (422) naming the
    field: another channel's field, a required field missing, a text too long, an unknown
    staff member, a time out of range."""
    settings = settings or get_settings()
    given = given or ChannelDetailsInput()
    present = given.given()
    misplaced = misplaced_field(channel, present)
    if misplaced is not None:
        raise StepInputError(
            f"「{_label(misplaced)}」不属于「{channel.label}」渠道，请删除该项或改选投诉渠道",
            field=misplaced,
        )
    missing = missing_field(channel, present)
    if missing is not None:
        raise StepInputError(
            f"「{channel.label}」的投诉须填写{_label(missing)}（第三条 投诉渠道）", field=missing
        )
    if channel is Channel.regulator_transfer:
        assert given.regulator_reply_due is not None
        due = _aware(given.regulator_reply_due, settings)
        if due <= received_at:
            raise StepInputError("监管回复期限必须晚于受理时间", field="regulator_reply_due")
        return CheckedDetails(
            channel,
            transferring_body=_text(given.transferring_body, "transferring_body"),
            document_number=_text(given.document_number, "document_number"),
            regulator_reply_due=due,
        )
    if channel is Channel.onsite:
        at = _aware(given.reception_at, settings) if given.reception_at else received_at
        if at > now:
            raise StepInputError("接待时间不能晚于现在", field="reception_at")
        return CheckedDetails(
            channel,
            reception_place=_text(given.reception_place, "reception_place"),
            reception_at=at,
            received_by=_staff(session, given.received_by, "received_by") or actor,
        )
    if channel is Channel.sales_manager:
        manager = _staff(session, given.sales_manager, "sales_manager")
        name = _text(given.sales_manager_name, "sales_manager_name")
        if manager is not None and name is not None:
            raise StepInputError(
                "销售经理为系统用户时填写用户名，不是系统用户时填写姓名，只填其一",
                field="sales_manager_name",
            )
        if manager is None and name is None:
            manager = actor
        return CheckedDetails(channel, sales_manager=manager, sales_manager_name=name)
    if channel is Channel.internal_transfer:
        return CheckedDetails(channel, transferred_by=_text(given.transferred_by, "transferred_by"))
    return CheckedDetails(channel)


def intake_reply_time(promised: datetime | None, checked: CheckedDetails) -> datetime | None:
    """The promised reply time as recorded at intake: capped by the regulator's deadline."""
    if promised is None:
        return None
    return reply_time_within_regulator(promised, checked.regulator_reply_due)


def channel_details_of(session: Session, complaint_id: int) -> ChannelDetails | None:
    return session.get(ChannelDetails, complaint_id)


def _write(row: ChannelDetails, checked: CheckedDetails, actor: User, now: datetime) -> None:
    row.transferring_body = checked.transferring_body
    row.document_number = checked.document_number
    row.regulator_reply_due = checked.regulator_reply_due
    row.reception_place = checked.reception_place
    row.reception_at = checked.reception_at
    row.received_by = checked.received_by
    row.sales_manager = checked.sales_manager
    row.sales_manager_name = checked.sales_manager_name
    row.transferred_by = checked.transferred_by
    row.updated_by_id = actor.id
    row.updated_at = now


def _event_data(checked: CheckedDetails, *, capped: bool) -> dict[str, Any]:
    """What the log records: the channel, the fields recorded, the deadline and usernames."""
    return {
        "channel": checked.channel.value,
        "fields": sorted(
            name
            for name in FIELDS
            if getattr(checked, name, None) is not None
            and not (name == "sales_manager_name" and checked.sales_manager is not None)
        ),
        "regulator_reply_due": (
            checked.regulator_reply_due.isoformat() if checked.regulator_reply_due else None
        ),
        "received_by": checked.received_by.username if checked.received_by else None,
        "sales_manager": checked.sales_manager.username if checked.sales_manager else None,
        "reply_capped": capped,
    }


def save_channel_details(
    session: Session,
    *,
    complaint: Complaint,
    checked: CheckedDetails,
    actor: User,
    now: datetime,
    capped: bool = False,
) -> ChannelDetails | None:
    """Intake: record ``checked`` for the new complaint (nothing for a phone complaint)."""
    if checked.empty:
        return None
    row = ChannelDetails(complaint_id=complaint.id)
    _write(row, checked, actor, now)
    session.add(row)
    append_event(
        session,
        complaint=complaint,
        kind="channel_details_recorded",
        actor_id=actor.id,
        occurred_at=now,
        data=_event_data(checked, capped=capped),
    )
    session.flush()
    return row


def _open(complaint: Complaint, what: str) -> None:
    if complaint.stage in (Stage.closed, Stage.archived):
        raise StepConflict(f"投诉 {complaint.reference} 已{complaint.stage.label}，不能再{what}")


def ensure_may_edit(complaint: Complaint, actor: User) -> None:
    """Whether ``actor`` may correct the channel's details now (else 409 or 403)."""
    _open(complaint, "更改投诉渠道信息")
    manager = actor.role is Role.manager and actor.department_id == complaint.department_id
    if not actor.active or (actor.id != complaint.first_inquiry_owner_id and not manager):
        raise StepForbidden("只有首问负责人或受理部门经理可以更改投诉渠道信息")


def update_channel_details(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    given: ChannelDetailsInput,
    now: datetime,
    settings: Settings | None = None,
) -> ChannelDetails | None:
    """Correct the channel's details until closure (module docstring); an earlier regulator
    deadline moves the promised reply time and the owed reply limit to it."""
    settings = settings or get_settings()
    session.refresh(complaint)
    ensure_may_edit(complaint, actor)
    checked = check_channel_details(
        session,
        channel=complaint.channel,
        given=given,
        received_at=complaint.received_at,
        actor=actor,
        now=now,
        settings=settings,
    )
    if checked.empty:
        return None
    capped = _cap_reply(session, complaint, checked.regulator_reply_due, now, settings)
    row = channel_details_of(session, complaint.id)
    if row is None:
        row = ChannelDetails(complaint_id=complaint.id)
        session.add(row)
    _write(row, checked, actor, now)
    append_event(
        session,
        complaint=complaint,
        kind="channel_details_recorded",
        actor_id=actor.id,
        occurred_at=now,
        data=_event_data(checked, capped=capped),
    )
    session.flush()
    return row


def _cap_reply(
    session: Session,
    complaint: Complaint,
    regulator_due: datetime | None,
    now: datetime,
    settings: Settings,
) -> bool:
    """Art. 3, Art. 2(4): an earlier regulator deadline becomes the promised reply time, and
    the owed reply limit is replaced by one due then. Whether it moved."""
    promised = complaint.promised_reply_at
    if promised is None or regulator_due is None:
        return False
    capped = reply_time_within_regulator(promised, regulator_due)
    if capped == promised:
        return False
    complaint.promised_reply_at = capped
    owed = owed_reply_deadline(session, complaint.id)
    if owed is not None:
        open_deadline(
            session,
            complaint,
            kind=DeadlineKind.reply,
            due_at=capped,
            responsible=session.get_one(User, owed.responsible_user_id),
            now=now,
            warning_fraction=settings.deadline_warning_fraction,
        )
    return True


def check_within_regulator(
    session: Session,
    complaint: Complaint,
    new_reply_at: datetime,
    *,
    field: str,
    settings: Settings | None = None,
) -> None:
    """A later reply time asked for may not pass the regulator's deadline (422 on ``field``)."""
    settings = settings or get_settings()
    row = channel_details_of(session, complaint.id)
    try:
        check_reply_within_regulator(
            new_reply_at, row.regulator_reply_due if row else None, tz=settings.tz
        )
    except ValueError as error:
        raise StepInputError(str(error), field=field) from None


# The reply to the regulator (回复监管) ---------------------------------------------------------


def ensure_may_reply(complaint: Complaint, actor: User) -> None:
    """Who may record the reply to the regulator: the first-inquiry owner, the handler, a
    manager of the complaint's department, or leadership (else 403)."""
    manager = actor.role is Role.manager and actor.department_id == complaint.department_id
    if actor.active and (
        actor.role is Role.leadership
        or manager
        or actor.id in (complaint.first_inquiry_owner_id, complaint.handler_id)
    ):
        return
    raise StepForbidden("只有首问负责人、跟进人员、受理部门经理或公司领导可以登记对监管部门的回复")


def record_regulator_reply(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    method: str | None,
    note: str | None,
    now: datetime,
    replied_at: datetime | None = None,
    replied_by: str | None = None,
    settings: Settings | None = None,
) -> ChannelDetails:
    """Record (or correct) the reply to the regulator until closure: 409 for a complaint that
    is not a recorded regulator transfer or is closed, 403 (``ensure_may_reply``), 422 for
    bad input (method and note required; the time not in the future, not before receipt)."""
    settings = settings or get_settings()
    session.refresh(complaint)
    _open(complaint, "登记对监管部门的回复")
    row = channel_details_of(session, complaint.id)
    if complaint.channel is not Channel.regulator_transfer or row is None:
        raise StepConflict(
            f"投诉 {complaint.reference} 不是已登记转办单位的行政监管部门转办投诉，"
            "无需登记对监管部门的回复"
        )
    ensure_may_reply(complaint, actor)
    how = _text(method, "regulator_reply_method", limit=MAX_REPLY_METHOD)
    if how is None:
        raise StepInputError(
            "请填写回复监管部门的方式（如书面函件、监管系统报送、电话）",
            field="regulator_reply_method",
        )
    text = _text(note, "regulator_reply_note", limit=MAX_REPLY_NOTE)
    if text is None:
        raise StepInputError("请填写回复说明或回复文号", field="regulator_reply_note")
    when = _aware(replied_at, settings) if replied_at else now
    if when > now:
        raise StepInputError("回复监管部门的时间不能晚于现在", field="regulator_replied_at")
    if when < complaint.received_at:
        raise StepInputError("回复监管部门的时间不能早于受理时间", field="regulator_replied_at")
    by = _staff(session, replied_by, "regulator_replied_by") or actor
    row.regulator_replied_at = when
    row.regulator_reply_method = how
    row.regulator_replied_by = by
    row.regulator_reply_note = text
    row.regulator_reply_recorded_by_id = actor.id
    append_event(
        session,
        complaint=complaint,
        kind="regulator_reply_recorded",
        actor_id=actor.id,
        occurred_at=now,
        data={
            "replied_at": when.isoformat(),
            "replied_by": by.username,
            "late": row.regulator_reply_due is not None and when > row.regulator_reply_due,
        },
    )
    session.flush()
    return row


def ensure_regulator_replied(session: Session, complaint: Complaint) -> None:
    """Art. 3, Art. 4: a regulator transfer (process version 3 or later, its transfer recorded)
    closes only after the reply to the regulator is recorded; else ``StepConflict`` (409) with
    the reason. Every closing path calls this before it closes."""
    if complaint.process_version < REGULATOR_REPLY_VERSION:
        return
    if complaint.channel is not Channel.regulator_transfer:
        return
    row = channel_details_of(session, complaint.id)
    why = regulator_reply_missing(
        channel=complaint.channel,
        transferring_body=row.transferring_body if row else None,
        replied_at=row.regulator_replied_at if row else None,
    )
    if why is not None:
        raise StepConflict(why)


# Reading ---------------------------------------------------------------------------------------


def _local(value: datetime | None, settings: Settings) -> str:
    return f"{value.astimezone(settings.tz):%Y-%m-%d %H:%M}" if value else "—"


def _who(user: User | None) -> str:
    return f"{user.display_name}（{user.username}）" if user else "—"


def channel_details_lines(
    session: Session, complaint: Complaint, settings: Settings | None = None
) -> list[str]:
    """The channel and its details as lines of Chinese text (the handling form, the case
    file): 「投诉渠道：行政监管部门转办」, 「转办单位：四川证监局」 …; the reply to the
    regulator, or that it is still owed."""
    settings = settings or get_settings()
    lines = [f"投诉渠道：{complaint.channel.label}"]
    row = channel_details_of(session, complaint.id)
    if row is None:
        return lines
    channel = complaint.channel
    if channel is Channel.regulator_transfer:
        lines += [
            f"转办单位：{row.transferring_body or '—'}",
            f"转办文号：{row.document_number or '—'}",
            f"监管回复期限：{_local(row.regulator_reply_due, settings)}",
        ]
        if row.regulator_replied_at is None:
            lines.append("回复监管：尚未登记")
        else:
            lines.append(
                f"回复监管：{_local(row.regulator_replied_at, settings)}，"
                f"{row.regulator_reply_method}，回复人 {_who(row.regulator_replied_by)}；"
                f"{row.regulator_reply_note}"
            )
    elif channel is Channel.onsite:
        lines += [
            f"接待地点：{row.reception_place or '—'}",
            f"接待时间：{_local(row.reception_at, settings)}",
            f"接待人员：{_who(row.received_by)}",
        ]
    elif channel is Channel.sales_manager:
        manager = _who(row.sales_manager) if row.sales_manager else row.sales_manager_name
        lines.append(f"首问销售经理：{manager or '—'}")
    elif channel is Channel.internal_transfer:
        lines.append(f"转办领导或部门：{row.transferred_by or '—'}")
    return lines


def channel_details_data(
    session: Session, complaint: Complaint, settings: Settings | None = None
) -> dict[str, Any] | None:
    """The channel's details as plain values (the JSON API, the complaint page), or None when
    nothing was recorded (a phone complaint, one received before details were recorded)."""
    row = channel_details_of(session, complaint.id)
    if row is None:
        return None
    reply = None
    if row.regulator_replied_at is not None:
        reply = {
            "replied_at": row.regulator_replied_at,
            "method": row.regulator_reply_method or "",
            "replied_by": row.regulator_replied_by.username if row.regulator_replied_by else "",
            "replied_by_name": (
                row.regulator_replied_by.display_name if row.regulator_replied_by else ""
            ),
            "note": row.regulator_reply_note or "",
            "late": row.regulator_reply_due is not None
            and row.regulator_replied_at > row.regulator_reply_due,
        }
    return {
        "channel": complaint.channel,
        "channel_label": complaint.channel.label,
        "transferring_body": row.transferring_body,
        "document_number": row.document_number,
        "regulator_reply_due": row.regulator_reply_due,
        "regulator_reply": reply,
        "reception_place": row.reception_place,
        "reception_at": row.reception_at,
        "received_by": row.received_by.username if row.received_by else None,
        "sales_manager": row.sales_manager.username if row.sales_manager else None,
        "sales_manager_name": row.sales_manager_name,
        "transferred_by": row.transferred_by,
        "lines": channel_details_lines(session, complaint, settings),
    }

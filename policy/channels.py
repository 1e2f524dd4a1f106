"""What each channel records beside the complaint (Art. 3 投诉渠道), and the regulator's
time limit: the rules.

- **Regulator transfer** (行政监管部门转办): the transferring body (转办单位, e.g. 四川证监局,
  金融监管局, 12386 热线) and the regulator's reply deadline (监管回复期限) are required, its
  document number (文号) is optional (a hotline transfer may have none). The regulator's
  deadline caps the complaint's reply time (``reply_time_within_regulator``,
  ``check_reply_within_regulator``): the customer hears the result no later than the regulator
  hears of it (Art. 2(4) 明确的回复时间). The complaint closes only after the reply to the
  regulator is recorded (回复监管: when, how, by whom, a note; ``regulator_reply_missing``).
- **On-site** (现场投诉): the reception (接待: where, when) and who received the customer;
  nothing is required (the time defaults to the receipt, the receiver to the person entering it).
- **Sales manager** (向销售经理投诉): the sales manager who received it first, a staff member
  (their username) or, when not a user of the system, their name; defaults to the person
  entering it.
- **Internal transfer** (公司领导或其他部门转办): which leader or department transferred it,
  required.
- **Phone** (电话投诉): nothing beside the complaint.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from policy.enums import Channel

# The longest texts of a channel's details.
MAX_BODY = 100
MAX_DOCUMENT_NUMBER = 100
MAX_PLACE = 100
MAX_NAME = 50
MAX_TRANSFERRED_BY = 100
MAX_REPLY_METHOD = 50
MAX_REPLY_NOTE = 1000

# Each field of the details: its Chinese title and the channel it belongs to.
FIELDS: dict[str, tuple[str, Channel]] = {
    "transferring_body": ("转办单位", Channel.regulator_transfer),
    "document_number": ("转办文号", Channel.regulator_transfer),
    "regulator_reply_due": ("监管回复期限", Channel.regulator_transfer),
    "reception_place": ("接待地点", Channel.onsite),
    "reception_at": ("接待时间", Channel.onsite),
    "received_by": ("接待人员", Channel.onsite),
    "sales_manager": ("销售经理（用户名）", Channel.sales_manager),
    "sales_manager_name": ("销售经理姓名（非系统用户）", Channel.sales_manager),
    "transferred_by": ("转办领导或部门", Channel.internal_transfer),
}

# The fields each channel requires.
REQUIRED: dict[Channel, tuple[str, ...]] = {
    Channel.regulator_transfer: ("transferring_body", "regulator_reply_due"),
    Channel.internal_transfer: ("transferred_by",),
}


def fields_of(channel: Channel) -> tuple[str, ...]:
    """The detail fields ``channel`` records, in order."""
    return tuple(name for name, (_, owner) in FIELDS.items() if owner is channel)


def misplaced_field(channel: Channel, given: set[str]) -> str | None:
    """A field given that belongs to another channel (the first in order), or None."""
    return next((name for name in FIELDS if name in given and FIELDS[name][1] is not channel), None)


def missing_field(channel: Channel, given: set[str]) -> str | None:
    """The first field ``channel`` requires that is not given, or None (Art. 3)."""
    return next((name for name in REQUIRED.get(channel, ()) if name not in given), None)


def reply_time_within_regulator(promised: datetime, regulator_due: datetime | None) -> datetime:
    """Art. 3 (行政监管部门转办), Art. 2(4) (明确的回复时间): the complaint's reply time is never
    later than the regulator's reply deadline; an earlier regulator deadline takes its place."""
    if regulator_due is None or promised <= regulator_due:
        return promised
    return regulator_due


def check_reply_within_regulator(
    new_reply_at: datetime, regulator_due: datetime | None, *, tz: ZoneInfo
) -> None:
    """Art. 3, Art. 2(4): a later reply time asked for (an extension) may not pass the
    regulator's reply deadline. Raises ``ValueError`` with the reason in Chinese."""
    if regulator_due is not None and new_reply_at > regulator_due:
        raise ValueError(
            "本投诉为行政监管部门转办，回复时间不能晚于监管回复期限"
            f"（{regulator_due.astimezone(tz):%Y-%m-%d %H:%M}）（第三条 投诉渠道、第二条第四项）"
        )


def regulator_reply_missing(
    *, channel: Channel, transferring_body: str | None, replied_at: datetime | None
) -> str | None:
    """Art. 3, Art. 4 (处理过程存档): why a regulator transfer may not close yet (the reply to
    the regulator is not recorded), or None. A complaint without a recorded transfer (received
    before transfers were recorded) is not held."""
    if channel is not Channel.regulator_transfer or transferring_body is None:
        return None
    if replied_at is not None:
        return None
    return (
        f"本投诉由「{transferring_body}」转办，须先登记对监管部门的回复（回复时间、方式、"
        "回复人、说明或文号），才能办结（第三条 投诉渠道；第四条 处理过程存档）"
    )

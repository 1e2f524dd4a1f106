"""Closing a complaint other than by a satisfied customer (process version 3): the rules.

Art. 2(4) asks that the customer be kept informed and that a complaint be resolved, not left
open (杜绝二次投诉); Art. 4 that the handling be documented to its end (处理过程存档). Three ends
besides a satisfied customer are allowed, each recorded with its reason:

- **unreachable** (无法联系客户): the customer could not be reached after
  ``attempts`` documented contact attempts on as many different days; the department's manager
  or company leadership closes the complaint with the reason;
- **withdrawn** (客户撤回投诉): the customer withdraws it, recorded with how they said so
  (phone, SMS, email, visit or letter), when, and a note;
- **leadership_decision** (公司领导决定办结): the customer rejected the result again after
  ``rounds_before_leadership`` reopened rounds; leadership decide another round or closure, and
  the customer is told of their external routes (mediation, arbitration, litigation, the
  regulator).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

# The longest note a closure takes (the reason in the staff's words).
MAX_NOTE = 2000


class ClosureReason(StrEnum):
    """Why a complaint was closed before a satisfied customer's feedback."""

    unreachable = "unreachable"
    withdrawn = "withdrawn"
    leadership_decision = "leadership_decision"

    @property
    def label(self) -> str:
        return {
            "unreachable": "多次联系客户未果",
            "withdrawn": "客户撤回投诉",
            "leadership_decision": "公司领导决定办结",
        }[self.value]


def closure_label(early: ClosureReason | None, *, closed: bool) -> str:
    """How a case closed: early (unreachable, withdrawn, leadership), or the customer's
    satisfaction; empty while open."""
    if early is not None:
        return early.label
    return "客户满意办结" if closed else ""


class ClosureRefused(ValueError):
    """A closure the rules do not allow; the message says why, in Chinese, naming the clause."""


def unreachable_days(attempts: Iterable[tuple[datetime, bool]], *, tz: ZoneInfo) -> frozenset[date]:
    """The local days on which an attempt to contact the customer failed (``(when,
    reached)`` pairs); several failed attempts on one day count as that day once."""
    return frozenset(when.astimezone(tz).date() for when, reached in attempts if not reached)


def check_unreachable(
    attempts: Iterable[tuple[datetime, bool]], *, required: int, tz: ZoneInfo
) -> None:
    """Art. 2(4) 及时联系客户, Art. 4(2) 处理过程留痕: a complaint is closed as unreachable only
    when the contact log documents at least ``required`` attempts that did not reach the
    customer, on ``required`` different days. Raises `ClosureRefused` saying how many days
    are documented."""
    days = unreachable_days(attempts, tz=tz)
    if len(days) < required:
        raise ClosureRefused(
            f"以「多次联系客户未果」办结，须有至少 {required} 次未联系上客户的联系记录，"
            f"且分别在 {required} 个不同的日期（第二条第四项、第四条第二项）；"
            f"目前只有 {len(days)} 个日期的记录"
        )


def goes_to_leadership(rejections: int, *, rounds_before_leadership: int) -> bool:
    """Art. 2(4) 杜绝二次投诉, Art. 4(3): after ``rounds_before_leadership`` reopened rounds,
    the customer's next rejection of the result (dissatisfied feedback or a disputed
    confirmation; ``rejections`` counts them, this one included) goes to company leadership,
    who decide another round or closure."""
    return rejections > rounds_before_leadership

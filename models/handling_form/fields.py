"""The form's fields (客户投诉处理表, the regulation's annex): what each cell says, as read from
the database, and where it sits on the page."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints.settings import get_settings
from models.complaint import (
    Assignment,
    Complaint,
    CustomerFeedback,
    LeadershipInstruction,
    LeadershipReview,
    MajorDecision,
    Resolution,
    Verification,
    WrittenRecord,
)
from models.people import DepartmentRow, User

FORM_KIND = "handling_form"
FORM_TITLE = "客户投诉处理表"
ISSUER = "四川金融资产交易所"
EAST_ASIAN_FONT = "宋体"  # SimSun
TITLE_FONT = "黑体"  # SimHei
LATIN_FONT = "Times New Roman"
LABEL_SHADING = "D9D9D9"


class HandlingFormError(ValueError):
    """The form cannot be written or read as asked; the message says why."""


@dataclasses.dataclass(frozen=True)
class HandlingFormData:
    """Every field of the form, as the text printed in its cell (empty when not yet known)."""

    complaint_id: int
    reference: str
    received_at: str
    channel: str
    complainant_kind: str
    complainant: str
    contact: str
    product: str
    amount: str
    content: str
    category: str
    department: str
    first_inquiry_owner: str
    major: str
    written_record: str
    written_record_at: str
    handler: str
    verification: str
    solution: str
    promised_reply_at: str
    customer_opinion: str
    manager_opinion: str
    leadership_opinion: str
    closed_at: str
    archived_at: str

    def digest(self) -> str:
        """SHA-256 of the fields in a canonical form: equal digests, equal forms."""
        canonical = json.dumps(
            dataclasses.asdict(self), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


# The printed labels, in the order of the form. A row holds one long field, or two short ones.
FIELD_LABELS: dict[str, str] = {
    "reference": "投诉编号",
    "received_at": "受理时间",
    "channel": "投诉渠道",
    "complainant_kind": "投诉人类别",
    "complainant": "投诉人",
    "contact": "联系方式",
    "product": "涉及产品",
    "amount": "涉及金额",
    "content": "投诉内容",
    "category": "投诉类别",
    "department": "受理部门",
    "first_inquiry_owner": "首问负责人",
    "major": "重大投诉认定",
    "written_record": "文字记录",
    "written_record_at": "记录提交时间",
    "handler": "处理人",
    "verification": "核实结果",
    "solution": "解决方案",
    "promised_reply_at": "承诺回复时间",
    "customer_opinion": "客户意见及反馈",
    "manager_opinion": "部门经理意见",
    "leadership_opinion": "公司领导意见",
    "closed_at": "办结日期",
    "archived_at": "归档日期",
}
LAYOUT: list[tuple[str, ...]] = [
    ("reference", "received_at"),
    ("channel", "complainant_kind"),
    ("complainant", "contact"),
    ("product", "amount"),
    ("content",),
    ("category", "department"),
    ("first_inquiry_owner", "major"),
    ("written_record",),
    ("written_record_at", "handler"),
    ("verification",),
    ("solution",),
    ("promised_reply_at",),
    ("customer_opinion",),
    ("manager_opinion",),
    ("leadership_opinion",),
    ("closed_at", "archived_at"),
]
# Rows with room to write by hand on a printout.
TALL_ROWS = {
    "content": 3.0,
    "written_record": 2.6,
    "verification": 1.6,
    "solution": 1.6,
    "customer_opinion": 1.4,
    "manager_opinion": 1.4,
    "leadership_opinion": 1.4,
}
SHORT_ROW = 0.8


# Assembling the fields from the database ---------------------------------------------------


def format_time(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y年%m月%d日 %H:%M") if value else ""


def _day(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y年%m月%d日") if value else ""


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.display_name if user else ""


def _instruction_line(session: Session, item: LeadershipInstruction, tz: ZoneInfo) -> str:
    """Art. 4(3) 研究处理: leadership's instruction, with the handler and time it names."""
    given = []
    if item.handler_id is not None:
        given.append(f"指定处理人员：{_name(session, item.handler_id)}")
    if item.due_at is not None:
        given.append(f"处理时限：{format_time(item.due_at, tz)}")
    extra = f"（{'；'.join(given)}）" if given else ""
    return (
        f"{format_time(item.given_at, tz)} 研究处理意见：{item.instruction}{extra}"
        f"（{_name(session, item.given_by_id)}）"
    )


def _rows(session: Session, model: type, complaint_id: int, order: object) -> list:
    return list(
        session.scalars(select(model).where(model.complaint_id == complaint_id).order_by(order))
    )


def handling_form_data(
    session: Session,
    complaint_id: int,
    *,
    tz: ZoneInfo | None = None,
    archived_at: datetime | None = None,
) -> HandlingFormData:
    """The form's fields as they stand in the database; ``archived_at`` for the final version."""
    tz = tz or get_settings().tz
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise HandlingFormError(f"complaint {complaint_id} does not exist")
    customer = complaint.contact
    record = session.scalar(select(WrittenRecord).where(WrittenRecord.complaint_id == complaint_id))

    manager_lines = []
    for item in _rows(session, Assignment, complaint_id, Assignment.assigned_at):
        if item.to_department_id is not None:
            target = session.get(DepartmentRow, item.to_department_id)
            line = f"转{target.name if target else ''}处理"
        else:
            line = f"安排{_name(session, item.handler_id)}跟进处理"
        if item.reason:
            line += f"：{item.reason}"
        by = _name(session, item.assigned_by_id)
        manager_lines.append(f"{format_time(item.assigned_at, tz)} {line}（{by}）")
    decisions = _rows(session, MajorDecision, complaint_id, MajorDecision.decided_at)
    for item in decisions:
        verdict = "认定为重大投诉" if item.major else "认定为非重大投诉"
        by = _name(session, item.decided_by_id)
        manager_lines.append(f"{format_time(item.decided_at, tz)} {verdict}：{item.reason}（{by}）")

    if complaint.major is True:
        reviews = _rows(session, LeadershipReview, complaint_id, LeadershipReview.reviewed_at)
        leadership = "\n".join(
            [
                _instruction_line(session, item, tz)
                for item in _rows(
                    session, LeadershipInstruction, complaint_id, LeadershipInstruction.given_at
                )
            ]
            + [
                f"{format_time(r.reviewed_at, tz)} {'同意' if r.approved else '退回'}："
                f"{r.comment}（{_name(session, r.reviewer_id)}）"
                for r in reviews
            ]
        )
        major = "是"
    elif complaint.major is False:
        leadership = "非重大投诉，无需报公司领导审阅"
        major = "否"
    else:
        leadership = ""
        major = "待认定（系统提示可能为重大投诉）" if complaint.suggested_major else "待认定"
    if decisions and decisions[-1].reason:
        major += f"：{decisions[-1].reason}"

    verification = "\n".join(
        f"{format_time(v.verified_at, tz)} {'属实' if v.founded else '不属实'}：{v.evidence}"
        for v in _rows(session, Verification, complaint_id, Verification.verified_at)
    )
    resolutions = _rows(session, Resolution, complaint_id, Resolution.resolved_at)
    on_the_spot = complaint.on_the_spot_resolution or ""
    solutions = [
        f"现场解决（{format_time(r.resolved_at, tz)}）：{r.solution}"
        if complaint.resolved_on_the_spot and r.round == 1
        else f"第{r.round}轮（{format_time(r.resolved_at, tz)}）：{r.solution}"
        for r in resolutions
    ]
    if complaint.resolved_on_the_spot and not resolutions:
        solutions.append(f"现场解决：{on_the_spot}")
    opinions = []
    for item in _rows(session, CustomerFeedback, complaint_id, CustomerFeedback.recorded_at):
        if item.kind == "confirmation":
            verdict = "客户确认核实结果" if item.positive else "客户不认可核实结果"
        else:
            verdict = "客户满意" if item.positive else "客户不满意"
        opinions.append(
            f"{format_time(item.recorded_at, tz)} {verdict}"
            + (f"：{item.comment}" if item.comment else "")
        )

    complainant = customer.name
    if customer.member_institution:
        complainant = f"{customer.member_institution} {customer.name}".strip()
    contact = "；".join(part for part in (customer.phone, customer.email) if part)
    department = complaint.department
    return HandlingFormData(
        complaint_id=complaint.id,
        reference=complaint.reference,
        received_at=format_time(complaint.received_at, tz),
        channel=complaint.channel.label,
        complainant_kind=complaint.complainant_kind.label,
        complainant=complainant,
        contact=contact,
        product=complaint.product or "",
        amount=f"{complaint.amount:,.2f} 元" if complaint.amount is not None else "",
        content=complaint.content,
        category=complaint.category.label,
        department=f"{department.name}（投诉电话 {department.phone}）",
        first_inquiry_owner=_name(session, complaint.first_inquiry_owner_id),
        major=major,
        written_record=record.text if record else "",
        written_record_at=format_time(record.submitted_at, tz) if record else "",
        handler=_name(session, complaint.handler_id),
        verification=verification,
        solution="\n".join(solutions),
        promised_reply_at=format_time(complaint.promised_reply_at, tz),
        customer_opinion="\n".join(opinions),
        manager_opinion="\n".join(manager_lines),
        leadership_opinion=leadership,
        closed_at=_day(complaint.closed_at, tz),
        archived_at=_day(complaint.archived_at or archived_at, tz),
    )

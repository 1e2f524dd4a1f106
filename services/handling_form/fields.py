"""The form's fields (客户投诉处理表, the regulation's annex): what each cell says, as read from
the database, and where it sits on the page."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from config.settings import get_settings
from models.complaint import Complaint, LeadershipInstruction
from policy.evidence import size_label
from services.case_file import CaseFile, customer_answer_label, read_case_file

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
    # The contacts with the customer (Art. 2(4), 4(2)), one per line.
    customer_contacts: str = ""
    # The requests for a later reply time and their approval (Art. 2(4), 7), one per line.
    reply_extensions: str = ""
    # Process version 3: why the case closed early (reason, note, how a withdrawal was made).
    closure: str = ""
    # The files attached as evidence: name, size and SHA-256, one per line.
    evidence: str = ""

    def digest(self) -> str:
        """SHA-256 of the fields in a canonical form: equal digests, equal forms. A form
        without contacts or extensions digests as it did before those fields existed, so no
        form is written again only because a field was added."""
        fields = dataclasses.asdict(self)
        for added in ("customer_contacts", "reply_extensions", "closure", "evidence"):
            if not fields[added]:
                del fields[added]
        canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
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
    "evidence": "证据材料",
    "solution": "解决方案",
    "promised_reply_at": "承诺回复时间",
    "reply_extensions": "延期答复及审批",
    "customer_contacts": "联系客户记录",
    "customer_opinion": "客户意见及反馈",
    "manager_opinion": "部门经理意见",
    "leadership_opinion": "公司领导意见",
    "closure": "提前办结",
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
    ("evidence",),
    ("solution",),
    ("promised_reply_at",),
    ("reply_extensions",),
    ("customer_contacts",),
    ("customer_opinion",),
    ("manager_opinion",),
    ("leadership_opinion",),
    ("closure",),
    ("closed_at", "archived_at"),
]
# Rows with room to write by hand on a printout.
TALL_ROWS = {
    "content": 3.0,
    "written_record": 2.6,
    "verification": 1.6,
    "solution": 1.6,
    "customer_contacts": 1.4,
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


def _instruction_line(case: CaseFile, item: LeadershipInstruction, tz: ZoneInfo) -> str:
    """Art. 4(3) 研究处理: leadership's instruction, with the handler and time it names."""
    given = []
    if item.handler_id is not None:
        given.append(f"指定处理人员：{case.name(item.handler_id)}")
    if item.due_at is not None:
        given.append(f"处理时限：{format_time(item.due_at, tz)}")
    extra = f"（{'；'.join(given)}）" if given else ""
    return (
        f"{format_time(item.given_at, tz)} 研究处理意见：{item.instruction}{extra}"
        f"（{case.name(item.given_by_id)}）"
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
    if session.get(Complaint, complaint_id) is None:
        raise HandlingFormError(f"complaint {complaint_id} does not exist")
    case = read_case_file(session, complaint_id)
    complaint = case.complaint
    customer = complaint.contact
    record = case.written_record

    manager_lines = []
    for item in case.assignments:
        if item.to_department_id is not None:
            line = f"转{case.department_name(item.to_department_id)}处理"
        else:
            line = f"安排{case.name(item.handler_id)}跟进处理"
        if item.reason:
            line += f"：{item.reason}"
        by = case.name(item.assigned_by_id)
        manager_lines.append(f"{format_time(item.assigned_at, tz)} {line}（{by}）")
    decisions = case.major_decisions
    for item in decisions:
        verdict = "认定为重大投诉" if item.major else "认定为非重大投诉"
        by = case.name(item.decided_by_id)
        manager_lines.append(f"{format_time(item.decided_at, tz)} {verdict}：{item.reason}（{by}）")

    if complaint.major is True:
        leadership = "\n".join(
            [_instruction_line(case, item, tz) for item in case.instructions]
            + [
                f"{format_time(r.reviewed_at, tz)} {'同意' if r.approved else '退回'}："
                f"{r.comment}（{case.name(r.reviewer_id)}）"
                for r in case.reviews
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
    # Version 3: leadership decide another round or closure after the reopened rounds.
    decided = [
        f"{format_time(d.decided_at, tz)} {'再次处理' if d.another_round else '办结'}"
        + (f"：{d.note}" if d.note else "")
        + f"（{case.name(d.decided_by_id)}）"
        for d in case.leadership_decisions
        if d.decided_at is not None
    ]
    if decided:
        leadership = "\n".join([leadership, *decided] if complaint.major else decided)
    closure = ""
    if (early := case.closure) is not None:
        closure = f"{format_time(early.closed_at, tz)} {early.reason.label}：{early.note}"
        if early.withdrawal_method is not None:
            closure += (
                f"（客户于{format_time(early.withdrawn_at, tz)}"
                f"以{early.withdrawal_method.label}方式撤回）"
            )
        closure += f"（{case.name(early.closed_by_id)}）"

    verification = "\n".join(
        f"{format_time(v.verified_at, tz)} {'属实' if v.founded else '不属实'}：{v.evidence}"
        for v in case.verifications
    )
    resolutions = case.resolutions
    on_the_spot = complaint.on_the_spot_resolution or ""
    solutions = [
        f"现场解决（{format_time(r.resolved_at, tz)}）：{r.solution}"
        if complaint.resolved_on_the_spot and r.round == 1
        else f"第{r.round}轮（{format_time(r.resolved_at, tz)}）：{r.solution}"
        for r in resolutions
    ]
    if complaint.resolved_on_the_spot and not resolutions:
        solutions.append(f"现场解决：{on_the_spot}")
    opinions = [
        f"{format_time(item.recorded_at, tz)} {customer_answer_label(item)}"
        + (f"：{item.comment}" if item.comment else "")
        for item in case.customer_answers
    ]

    contacts = [
        f"{format_time(c.contacted_at, tz)} {c.method.label}，"
        f"{'已联系上' if c.reached else '未联系上'}：{c.summary}"
        f"（{case.name(c.contacted_by_id)}）"
        for c in case.contacts
    ]

    extensions = []
    for e in case.extensions:
        line = (
            f"{format_time(e.requested_at, tz)} {case.name(e.requested_by_id)}申请延至"
            f"{format_time(e.new_reply_at, tz)}{'（复杂投诉）' if e.complex_case else ''}："
            f"{e.reason}；{e.status.label}"
        )
        if e.decided_by_id is not None:
            line += f"（{case.name(e.decided_by_id)}，{format_time(e.decided_at, tz)}"
            line += f"：{e.comment}）" if e.comment else "）"
        extensions.append(line)

    evidence = [
        f"{item.original_name}（{size_label(item.size)}，SHA-256：{item.sha256}）"
        for item in case.evidence
    ]

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
        first_inquiry_owner=case.name(complaint.first_inquiry_owner_id),
        major=major,
        written_record=record.text if record else "",
        written_record_at=format_time(record.submitted_at, tz) if record else "",
        handler=case.name(complaint.handler_id),
        verification=verification,
        solution="\n".join(solutions),
        promised_reply_at=format_time(complaint.promised_reply_at, tz),
        customer_opinion="\n".join(opinions),
        manager_opinion="\n".join(manager_lines),
        leadership_opinion=leadership,
        closed_at=_day(complaint.closed_at, tz),
        archived_at=_day(complaint.archived_at or archived_at, tz),
        customer_contacts="\n".join(contacts),
        reply_extensions="\n".join(extensions),
        closure=closure,
        evidence="\n".join(evidence),
    )

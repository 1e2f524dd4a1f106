"""The complaint ledger (投诉台账): one row per complaint received in a period, for compliance,
leadership and auditors, as a spreadsheet for people and CSV for machines.

The ledger carries what the case was and how it went, never who the customer is: no name,
phone, email, ID number or complaint text (Art. 2(5)); the reference leads to the complaint for
those who may open it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models.closure import ComplaintClosure
from models.complaint import Complaint, CustomerFeedback
from models.operations import Deadline
from models.people import DepartmentRow, User
from policy.closure import closure_label
from policy.enums import DeadlineKind, Role
from services.rounds import latest_founded, latest_per_complaint
from services.step_errors import StepForbidden, StepInputError, StepNotFound

# Art. 5(4): the ledger is for oversight.
LEDGER_ROLES = frozenset({Role.compliance, Role.leadership, Role.admin})
# The longest period one ledger covers.
MAX_LEDGER_DAYS = 366

# The columns, in order: (key, heading).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("reference", "投诉编号"),
    ("received_at", "受理时间"),
    ("channel", "投诉渠道"),
    ("category", "投诉类别"),
    ("department", "受理部门"),
    ("subject", "被投诉对象"),
    ("demand", "客户诉求"),
    ("major", "是否重大"),
    ("founded", "核实结论"),
    ("handler", "跟进人员"),
    ("stage", "当前环节"),
    ("promised_reply_at", "承诺回复时间"),
    ("replied_at", "实际答复时间"),
    ("breaches", "超时次数"),
    ("reopened", "重新处理次数"),
    ("satisfied", "客户是否满意"),
    ("closed_at", "办结时间"),
    ("closure", "结案方式"),
)


@dataclass(frozen=True)
class LedgerRow:
    reference: str
    received_at: datetime
    channel: str
    category: str
    department: str
    subject: str
    demand: str
    major: str
    founded: str
    handler: str
    stage: str
    promised_reply_at: datetime | None
    replied_at: datetime | None
    breaches: int
    reopened: int
    satisfied: str
    closed_at: datetime | None
    closure: str


def subject_text(complaint: Complaint) -> str:
    """The subject in one cell: 部门：…；人员：…；会员机构：…；产品：… (what is recorded)."""
    parts = [
        ("部门", complaint.subject_department.name if complaint.subject_department else None),
        ("人员", complaint.subject_user.display_name if complaint.subject_user else None),
        ("会员机构", complaint.subject_institution),
        ("产品", complaint.product),
    ]
    return "；".join(f"{label}：{value}" for label, value in parts if value) or "—"


def _yes_no(value: bool | None, yes: str, no: str) -> str:
    return "—" if value is None else (yes if value else no)


def ledger_period(start: date | None, end: date | None) -> tuple[date, date]:
    """A closed period of local dates, at most ``MAX_LEDGER_DAYS`` long."""
    if start is None:
        raise StepInputError("请填写开始日期", field="from")
    if end is None:
        raise StepInputError("请填写结束日期", field="to")
    if end < start:
        raise StepInputError("结束日期早于开始日期", field="to")
    if (end - start).days >= MAX_LEDGER_DAYS:
        raise StepInputError(f"一次最多导出 {MAX_LEDGER_DAYS} 天的台账", field="to")
    return start, end


def ledger_rows(
    session: Session, *, reader: User, start: date, end: date, tz: ZoneInfo
) -> list[LedgerRow]:
    """The complaints received from ``start`` to ``end`` (local dates, both included), in
    order of receipt; refused (404) when there were none."""
    if reader.role not in LEDGER_ROLES:
        raise StepForbidden("只有合规、公司领导和管理员可以导出投诉台账")
    low = datetime.combine(start, time(), tz)
    high = datetime.combine(end + timedelta(days=1), time(), tz)
    complaints = session.execute(
        select(Complaint, DepartmentRow.name, User.display_name)
        .join(DepartmentRow, DepartmentRow.id == Complaint.department_id)
        .outerjoin(User, User.id == Complaint.handler_id)
        .where(Complaint.received_at >= low, Complaint.received_at < high)
        .order_by(Complaint.received_at, Complaint.id)
        .options(selectinload(Complaint.subject_department), selectinload(Complaint.subject_user))
    ).all()
    if not complaints:
        raise StepNotFound("所选期间没有受理的投诉")
    ids = [complaint.id for complaint, _, _ in complaints]
    founded = latest_founded(session, ids)
    satisfied = latest_per_complaint(
        session,
        CustomerFeedback,
        CustomerFeedback.positive,
        ids,
        CustomerFeedback.kind == "feedback",
    )
    breaches = dict(
        session.execute(
            select(Deadline.complaint_id, func.count())
            .where(Deadline.complaint_id.in_(ids), Deadline.breached_at.is_not(None))
            .group_by(Deadline.complaint_id)
        ).all()
    )
    replied = dict(
        session.execute(
            select(Deadline.complaint_id, func.max(Deadline.met_at))
            .where(Deadline.complaint_id.in_(ids), Deadline.kind == DeadlineKind.reply)
            .group_by(Deadline.complaint_id)
        ).all()
    )
    early = dict(
        session.execute(
            select(ComplaintClosure.complaint_id, ComplaintClosure.reason).where(
                ComplaintClosure.complaint_id.in_(ids)
            )
        ).all()
    )
    return [
        LedgerRow(
            reference=complaint.reference,
            received_at=complaint.received_at,
            channel=complaint.channel.label,
            category=complaint.category.label,
            department=department,
            subject=subject_text(complaint),
            # The demand's kind only: its note is free text and may name the customer.
            demand=complaint.demand.label if complaint.demand else "—",
            major=_yes_no(complaint.major, "重大", "一般"),
            founded=_yes_no(founded.get(complaint.id), "属实", "不属实"),
            handler=handler or "—",
            stage=complaint.stage.label,
            promised_reply_at=complaint.promised_reply_at,
            replied_at=replied.get(complaint.id),
            breaches=int(breaches.get(complaint.id, 0)),
            reopened=complaint.reopen_count,
            satisfied=_yes_no(satisfied.get(complaint.id), "满意", "不满意"),
            closed_at=complaint.closed_at,
            closure=closure_label(early.get(complaint.id), closed=complaint.closed_at is not None),
        )
        for complaint, department, handler in complaints
    ]


def _cell(value: object, tz: ZoneInfo) -> object:
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return value


def ledger_csv(rows: Sequence[LedgerRow], tz: ZoneInfo) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading for _, heading in COLUMNS])
    for row in rows:
        writer.writerow(
            ["" if (v := _cell(getattr(row, key), tz)) is None else v for key, _ in COLUMNS]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def ledger_xlsx(rows: Sequence[LedgerRow], tz: ZoneInfo, *, start: date, end: date) -> bytes:
    """One sheet, headings in bold and frozen, columns wide enough for their contents."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "投诉台账"
    sheet.append([heading for _, heading in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(getattr(row, key), tz) for key, _ in COLUMNS])
    sheet.freeze_panes = "A2"
    for index, (_, heading) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(heading) * 2 + 2)
    book.properties.title = f"投诉台账 {start.isoformat()} 至 {end.isoformat()}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

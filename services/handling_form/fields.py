"""The form's fields (客户投诉处理表, the regulation's annex): what each cell says, as read from
the case file, and where it sits on the page.

The form is a list of sections (``SECTIONS``), each built by one function from the case file
(``services.case_file``): its title and its rows of labelled fields. A group of fields is added
in one place: a row in its section's function, or a new section function in ``SECTIONS``. The
page (``docx_file``) prints whatever the sections hold, and the digest takes every field by its
key, so nothing else changes. A field shows only what was recorded, and is empty otherwise.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from config.settings import get_settings
from models.complaint import Complaint, LeadershipInstruction
from models.operations import Notification
from policy.closure import closure_label
from policy.enums import DeadlineKind, NotificationStatus
from policy.evidence import size_label
from services.case_file import CaseFile, customer_answer_label, read_case_file
from services.outbox import NotificationKind

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
class FormField:
    """One cell of the form: its key (stable, digested), its printed label and its text
    (empty when not yet known: nothing is filled in that was not recorded)."""

    key: str
    label: str
    value: str = ""


@dataclasses.dataclass(frozen=True)
class FormRow:
    """A row of the table: one long field, or two short ones side by side."""

    fields: tuple[FormField, ...]
    height: float | None = None  # cm of room to write by hand on a printout


@dataclasses.dataclass(frozen=True)
class FormSection:
    """A titled group of rows, printed as a shaded heading row and its rows."""

    title: str
    rows: tuple[FormRow, ...]


def row(*fields: FormField, height: float | None = None) -> FormRow:
    if not 1 <= len(fields) <= 2:
        raise ValueError("a row of the form holds one field or two")
    return FormRow(fields, height)


# The fields of the form's first edition: always digested. Every field added since is digested
# only when it says something, so no form is written again only because a field was added.
FIRST_EDITION = frozenset(
    {
        "reference",
        "received_at",
        "channel",
        "complainant_kind",
        "complainant",
        "contact",
        "product",
        "amount",
        "content",
        "category",
        "department",
        "first_inquiry_owner",
        "major",
        "written_record",
        "written_record_at",
        "handler",
        "verification",
        "solution",
        "promised_reply_at",
        "customer_opinion",
        "manager_opinion",
        "leadership_opinion",
        "closed_at",
        "archived_at",
    }
)


@dataclasses.dataclass(frozen=True)
class HandlingFormData:
    """The form as printed: its sections, each a list of rows of labelled fields. A field's
    text is also an attribute (``data.handler``)."""

    complaint_id: int
    reference: str
    sections: tuple[FormSection, ...]

    def fields(self) -> dict[str, FormField]:
        """Every field by its key, in the order of the form."""
        return {
            field.key: field
            for section in self.sections
            for form_row in section.rows
            for field in form_row.fields
        }

    def __getattr__(self, key: str) -> str:
        if key.startswith("_") or key == "sections":
            raise AttributeError(key)
        field = self.fields().get(key)
        if field is None:
            raise AttributeError(f"the handling form has no field {key!r}")
        return field.value

    def digest(self) -> str:
        """SHA-256 of the fields in a canonical form: equal digests, equal forms. A field
        added after the first edition counts only when filled, so a form digests as it did
        before that field existed when there is nothing to put in it."""
        fields: dict[str, object] = {"complaint_id": self.complaint_id}
        for key, field in self.fields().items():
            if field.value or key in FIRST_EDITION:
                fields[key] = field.value
        canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


# Assembling the fields from the case file -------------------------------------------------


def format_time(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y年%m月%d日 %H:%M") if value else ""


def _day(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y年%m月%d日") if value else ""


@dataclasses.dataclass(frozen=True)
class FormSource:
    """What a section is built from: the case file, the time zone of the printed times, and
    the archive time of the final version."""

    case: CaseFile
    tz: ZoneInfo
    archived_at: datetime | None = None

    def time(self, value: datetime | None) -> str:
        return format_time(value, self.tz)

    def day(self, value: datetime | None) -> str:
        return _day(value, self.tz)


def _lines(lines: list[str]) -> str:
    """A list in one cell, one item a line."""
    return "\n".join(lines)


def _instruction_line(source: FormSource, item: LeadershipInstruction) -> str:
    """Art. 4(3) 研究处理: leadership's instruction, with the handler and time it names."""
    case = source.case
    given = []
    if item.handler_id is not None:
        given.append(f"指定处理人员：{case.name(item.handler_id)}")
    if item.due_at is not None:
        given.append(f"处理时限：{source.time(item.due_at)}")
    extra = f"（{'；'.join(given)}）" if given else ""
    return (
        f"{source.time(item.given_at)} 研究处理意见：{item.instruction}{extra}"
        f"（{case.name(item.given_by_id)}）"
    )


def _major(source: FormSource) -> str:
    complaint = source.case.complaint
    decisions = source.case.major_decisions
    if complaint.major is True:
        major = "是"
    elif complaint.major is False:
        major = "否"
    else:
        major = "待认定（系统提示可能为重大投诉）" if complaint.suggested_major else "待认定"
    if decisions and decisions[-1].reason:
        major += f"：{decisions[-1].reason}"
    return major


def intake_section(source: FormSource) -> FormSection:
    """Who complained, how and about what, as received (Art. 3, Art. 9)."""
    complaint = source.case.complaint
    customer = complaint.contact
    complainant = customer.name
    if customer.member_institution:
        complainant = f"{customer.member_institution} {customer.name}".strip()
    contact = "；".join(part for part in (customer.phone, customer.email) if part)
    department = complaint.department
    amount = f"{complaint.amount:,.2f} 元" if complaint.amount is not None else ""
    return FormSection(
        "一、投诉受理",
        (
            row(
                FormField("reference", "投诉编号", complaint.reference),
                FormField("received_at", "受理时间", source.time(complaint.received_at)),
            ),
            row(
                FormField("channel", "投诉渠道", complaint.channel.label),
                FormField("complainant_kind", "投诉人类别", complaint.complainant_kind.label),
            ),
            row(
                FormField("channel_details", "渠道信息", _lines(source.case.channel_details)),
            ),
            row(
                FormField("complainant", "投诉人", complainant),
                FormField("contact", "联系方式", contact),
            ),
            row(
                FormField("product", "涉及产品", complaint.product or ""),
                FormField("amount", "涉及金额", amount),
            ),
            row(FormField("content", "投诉内容", complaint.content), height=3.0),
            row(
                FormField("category", "投诉类别", complaint.category.label),
                FormField(
                    "department", "受理部门", f"{department.name}（投诉电话 {department.phone}）"
                ),
            ),
            row(
                FormField(
                    "first_inquiry_owner",
                    "首问负责人",
                    source.case.name(complaint.first_inquiry_owner_id),
                ),
                FormField("major", "重大投诉认定", _major(source)),
            ),
        ),
    )


def subject_section(source: FormSource) -> FormSection:
    """Who or what the complaint is about, and what the customer asks for (Art. 4 回避, 8)."""
    complaint = source.case.complaint
    department = complaint.subject_department
    staff = complaint.subject_user
    demand = ""
    if complaint.demand is not None:
        demand = complaint.demand.label
        if complaint.demand_note:
            demand += f"：{complaint.demand_note}"
    return FormSection(
        "二、被投诉对象及客户诉求",
        (
            row(
                FormField(
                    "subject_department", "被投诉部门", department.name if department else ""
                ),
                FormField("subject_staff", "被投诉人员", staff.display_name if staff else ""),
            ),
            row(
                FormField(
                    "subject_institution", "被投诉会员机构", complaint.subject_institution or ""
                ),
                FormField("demand", "客户诉求", demand),
            ),
        ),
    )


def first_contact_section(source: FormSource) -> FormSection:
    """Art. 2(4), 4(1)/(2): the first receiver explains, apologises and writes down, within
    24 hours, what was done; the written record is where the reception and the apology at
    first contact are recorded (the system keeps no separate mark of them)."""
    case = source.case
    record = case.written_record
    return FormSection(
        "三、首问接待及文字记录",
        (
            row(
                FormField(
                    "written_record",
                    "文字记录（接待、解释及致歉经过）",
                    record.text if record else "",
                ),
                height=2.6,
            ),
            row(
                FormField(
                    "written_record_at",
                    "记录提交时间",
                    source.time(record.submitted_at) if record else "",
                ),
                FormField("handler", "处理人", case.name(case.complaint.handler_id)),
            ),
        ),
    )


def handling_section(source: FormSource) -> FormSection:
    """Verification, evidence, the solution proposed and the customer's opinion on it
    (Art. 2(2), 4(2))."""
    case = source.case
    complaint = case.complaint
    verification = [
        f"{source.time(v.verified_at)} {'属实' if v.founded else '不属实'}：{v.evidence}"
        for v in case.verifications
    ]
    evidence = [
        f"{item.original_name}（{size_label(item.size)}，SHA-256：{item.sha256}）"
        for item in case.evidence
    ]
    solutions = [
        f"现场解决（{source.time(r.resolved_at)}）：{r.solution}"
        if complaint.resolved_on_the_spot and r.round == 1
        else f"第{r.round}轮（{source.time(r.resolved_at)}）：{r.solution}"
        for r in case.resolutions
    ]
    if complaint.resolved_on_the_spot and not case.resolutions:
        solutions.append(f"现场解决：{complaint.on_the_spot_resolution or ''}")
    opinions = [
        f"{source.time(item.recorded_at)} {customer_answer_label(item)}"
        + (f"：{item.comment}" if item.comment else "")
        for item in case.customer_answers
    ]
    return FormSection(
        "四、核实处理及客户意见",
        (
            row(FormField("verification", "核实结果", _lines(verification)), height=1.6),
            row(FormField("evidence", "证据材料", _lines(evidence))),
            row(FormField("solution", "解决方案", _lines(solutions)), height=1.6),
            row(FormField("customer_opinion", "客户意见及反馈", _lines(opinions)), height=1.4),
        ),
    )


def _notice_line(source: FormSource, notice: Notification) -> str:
    kind = NotificationKind(notice.kind)
    status = notice.status
    if status is NotificationStatus.sent:
        state = f"已于{source.time(notice.sent_at)}发出"
    elif status is NotificationStatus.failed:
        state = "发送失败"
    else:
        state = "待发送"
    note = (notice.context or {}).get("note")
    told = f"：{note}" if isinstance(note, str) and note else ""
    return f"{source.time(notice.created_at)} {kind.label}（{state}）{told}"


def contacts_section(source: FormSource) -> FormSection:
    """The contacts with the customer and the notices telling them of the progress
    (Art. 2(4) 适时向客户通报处理进程)."""
    case = source.case
    contacts = [
        f"{source.time(c.contacted_at)} {c.method.label}，"
        f"{'已联系上' if c.reached else '未联系上'}：{c.summary}"
        f"（{case.name(c.contacted_by_id)}）"
        for c in case.contacts
    ]
    notices = [_notice_line(source, notice) for notice in case.customer_notices]
    return FormSection(
        "五、联系客户及进度通报",
        (
            row(FormField("customer_contacts", "联系客户记录", _lines(contacts)), height=1.4),
            row(FormField("progress_notices", "进度通报", _lines(notices))),
        ),
    )


def _record_timeliness(source: FormSource) -> str:
    """Art. 4(1): whether the written record came within its 24 hours; empty until it came
    or its limit passed."""
    case = source.case
    limit = next((d for d in case.deadlines if d.kind is DeadlineKind.written_record), None)
    record = case.written_record
    if limit is None:
        return ""
    due = f"应于{source.time(limit.due_at)}前提交"
    if record is not None:
        late = "超时" if record.submitted_at > limit.due_at else "按时"
        return f"{due}，{source.time(record.submitted_at)}提交，{late}"
    if limit.breached_at is not None:
        return f"{due}，已超时，尚未提交"
    return ""


def time_limits_section(source: FormSource) -> FormSection:
    """Art. 7: the reply promised, the written record on time or late, every breach with its
    step, due time, completion and responsible person, every extension and its approval."""
    case = source.case
    breaches = []
    for limit in case.deadlines:
        if limit.breached_at is None:
            continue
        done = f"{source.time(limit.met_at)}完成" if limit.met_at else "尚未完成"
        breaches.append(
            f"{limit.kind.label}：应于{source.time(limit.due_at)}前完成，{done}"
            f"（责任人：{case.name(limit.responsible_user_id)}）"
        )
    extensions = []
    for e in case.extensions:
        line = (
            f"{source.time(e.requested_at)} {case.name(e.requested_by_id)}申请延至"
            f"{source.time(e.new_reply_at)}{'（复杂投诉）' if e.complex_case else ''}："
            f"{e.reason}；{e.status.label}"
        )
        if e.decided_by_id is not None:
            line += f"（{case.name(e.decided_by_id)}，{source.time(e.decided_at)}"
            line += f"：{e.comment}）" if e.comment else "）"
        extensions.append(line)
    return FormSection(
        "六、时限执行",
        (
            row(
                FormField(
                    "promised_reply_at",
                    "承诺回复时间",
                    source.time(case.complaint.promised_reply_at),
                )
            ),
            row(FormField("record_timeliness", "文字记录时限", _record_timeliness(source))),
            row(FormField("breaches", "超时记录", _lines(breaches))),
            row(FormField("reply_extensions", "延期答复及审批", _lines(extensions))),
        ),
    )


def _manager_opinion(source: FormSource) -> str:
    case = source.case
    lines = []
    for item in case.assignments:
        if item.to_department_id is not None:
            line = f"转{case.department_name(item.to_department_id)}处理"
        else:
            line = f"安排{case.name(item.handler_id)}跟进处理"
        if item.reason:
            line += f"：{item.reason}"
        lines.append(f"{source.time(item.assigned_at)} {line}（{case.name(item.assigned_by_id)}）")
    for item in case.major_decisions:
        verdict = "认定为重大投诉" if item.major else "认定为非重大投诉"
        by = case.name(item.decided_by_id)
        lines.append(f"{source.time(item.decided_at)} {verdict}：{item.reason}（{by}）")
    return _lines(lines)


def _leadership_opinion(source: FormSource) -> str:
    """Art. 4(3): leadership's instruction (研究处理) and sign-off on a major case; after the
    reopened rounds (version 3) their decision on another round or closure."""
    case = source.case
    complaint = case.complaint
    if complaint.major is True:
        leadership = _lines(
            [_instruction_line(source, item) for item in case.instructions]
            + [
                f"{source.time(r.reviewed_at)} {'同意' if r.approved else '退回'}："
                f"{r.comment}（{case.name(r.reviewer_id)}）"
                for r in case.reviews
            ]
        )
    elif complaint.major is False:
        leadership = "非重大投诉，无需报公司领导审阅"
    else:
        leadership = ""
    decided = [
        f"{source.time(d.decided_at)} {'再次处理' if d.another_round else '办结'}"
        + (f"：{d.note}" if d.note else "")
        + f"（{case.name(d.decided_by_id)}）"
        for d in case.leadership_decisions
        if d.decided_at is not None
    ]
    if decided:
        leadership = _lines([leadership, *decided] if complaint.major else decided)
    return leadership


def opinions_section(source: FormSource) -> FormSection:
    return FormSection(
        "七、部门经理及公司领导意见",
        (
            row(FormField("manager_opinion", "部门经理意见", _manager_opinion(source)), height=1.4),
            row(
                FormField("leadership_opinion", "公司领导意见", _leadership_opinion(source)),
                height=1.4,
            ),
        ),
    )


def _conclusion(source: FormSource) -> str:
    """The finding of the last verification and how the case closed (empty while neither)."""
    case = source.case
    parts = []
    if case.verifications:
        parts.append(f"核实结论：{'属实' if case.verifications[-1].founded else '不属实'}")
    closed = closure_label(
        case.closure.reason if case.closure else None,
        closed=case.complaint.closed_at is not None,
    )
    if closed:
        parts.append(f"结案方式：{closed}")
    return "；".join(parts)


def _early_closure(source: FormSource) -> str:
    """Process version 3: why the case closed early (reason, note, how a withdrawal was made)."""
    case = source.case
    early = case.closure
    if early is None:
        return ""
    closure = f"{source.time(early.closed_at)} {early.reason.label}：{early.note}"
    if early.withdrawal_method is not None:
        closure += (
            f"（客户于{source.time(early.withdrawn_at)}以{early.withdrawal_method.label}方式撤回）"
        )
    return closure + f"（{case.name(early.closed_by_id)}）"


def closure_section(source: FormSource) -> FormSection:
    """The conclusion, an early closure, the earlier complaint this one repeats and the
    rounds reopened (Art. 2(4) 杜绝二次投诉), and the dates of closure and archive."""
    complaint = source.case.complaint
    reopened = f"{complaint.reopen_count} 轮" if complaint.reopen_count else ""
    return FormSection(
        "八、处理结论及办结",
        (
            row(FormField("conclusion", "处理结论", _conclusion(source))),
            row(FormField("closure", "提前办结", _early_closure(source))),
            row(
                FormField("repeat_of", "关联前次投诉", source.case.repeat_of or ""),
                FormField("reopened_rounds", "重新处理轮次", reopened),
            ),
            row(
                FormField("closed_at", "办结日期", source.day(complaint.closed_at)),
                FormField(
                    "archived_at",
                    "归档日期",
                    source.day(complaint.archived_at or source.archived_at),
                ),
            ),
        ),
    )


def accountability_section(source: FormSource) -> FormSection:
    """Art. 7 追究相关责任人的责任: compliance's finding on each breach."""
    case = source.case
    findings = []
    for limit in case.deadlines:
        finding = case.findings.get(limit.id)
        if finding is None:
            continue
        findings.append(
            f"{limit.kind.label}超时（责任人：{case.name(limit.responsible_user_id)}）："
            f"{finding.finding.label}：{finding.note}"
            f"（{case.name(finding.recorded_by_id)}，{source.time(finding.recorded_at)}）"
        )
    return FormSection(
        "九、责任认定",
        (row(FormField("findings", "超时责任认定", _lines(findings))),),
    )


SIGNATURE_ROW = 1.0


def signatures_section(source: FormSource) -> FormSection:
    """Lines to sign a printout on; always blank in the file."""
    return FormSection(
        "十、签字",
        tuple(
            row(
                FormField(f"{key}_signature", f"{who}签字"),
                FormField(f"{key}_signed_on", "日期"),
                height=SIGNATURE_ROW,
            )
            for key, who in (("handler", "经办人"), ("manager", "部门经理"), ("leader", "公司领导"))
        ),
    )


# The form, section by section, in the order printed.
SECTIONS: tuple[Callable[[FormSource], FormSection], ...] = (
    intake_section,
    subject_section,
    first_contact_section,
    handling_section,
    contacts_section,
    time_limits_section,
    opinions_section,
    closure_section,
    accountability_section,
    signatures_section,
)


def form_from_case_file(
    case: CaseFile, *, tz: ZoneInfo, archived_at: datetime | None = None
) -> HandlingFormData:
    """The form built from ``case``: every section of ``SECTIONS``, each key once."""
    source = FormSource(case, tz, archived_at)
    sections = tuple(build(source) for build in SECTIONS)
    keys = [f.key for section in sections for r in section.rows for f in r.fields]
    if len(keys) != len(set(keys)):
        raise HandlingFormError(f"the handling form has a field twice: {sorted(keys)}")
    return HandlingFormData(case.complaint.id, case.complaint.reference, sections)


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
    return form_from_case_file(
        read_case_file(session, complaint_id), tz=tz, archived_at=archived_at
    )

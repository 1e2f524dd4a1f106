"""The monthly statistics report (投诉统计月报): the month's figures from the app database,
written as a Word report with charts and a spreadsheet of the same figures, archived with their
SHA-256 under the data folder and in the app database (``monthly_reports``, every writing in
``monthly_report_versions``), and mailed with both files to leadership and compliance once per
month (the outbox key ``report:monthly_report:YYYY-MM``).

Figures only: counts, shares and bands, never a customer or a complaint's text (Art. 2(5)).

This module imports ``matplotlib`` (~0.4 s) only inside ``_chart``: a process that never
draws does not pay for it.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
from docx.shared import Cm
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models.accountability import BreachFinding
from models.complaint import Complaint, CustomerFeedback
from models.operations import AlertFollowUp, ConcentrationAlert, Deadline, Notification
from models.people import DepartmentRow
from policy.accountability import Finding
from policy.concentration import Disposition
from policy.monthly_report import (
    CLOSURE_BANDS,
    closure_band,
    month_is_over,
    next_month,
    previous_month,
    same_month_last_year,
)
from services.files import write_versioned
from services.notices import render_email
from services.outbox import NotificationKind, addressees_for, enqueue_notification, report_key
from services.rounds import latest_founded
from services.step_errors import StepInputError, StepNotFound

# A CJK font for the charts' labels (Debian: fonts-wqy-zenhei; Noto CJK as an alternative).
CJK_FONTS = ("WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK JP")


@dataclass(frozen=True)
class MonthFigures:
    month: date
    received: int
    closed: int
    by_category: dict[str, int] = field(default_factory=dict)
    by_department: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    # Art. 8: what the complaints were about; staff members complained about are counted,
    # never named (a figures-only report).
    by_subject: dict[str, int] = field(default_factory=dict)
    closure_bands: dict[str, int] = field(default_factory=dict)
    founded_share: float | None = None
    reopened_share: float | None = None
    dissatisfied_share: float | None = None
    breaches: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=dict)
    # What became of the month's alerts: each disposition, still open, sent to leadership.
    alert_dispositions: dict[str, int] = field(default_factory=dict)


SUBJECT_STAFF = "人员（不列姓名）"
NO_SUBJECT = "未登记被投诉对象"
UNDISPOSED = "未处置"
ESCALATED = "逾期升级至公司领导"


def _subject_counts(rows: Sequence[Any]) -> dict[str, int]:
    """Counts by who or what the complaints were about; one complaint may count under several
    (a department and a person in it), and a complaint with none recorded counts apart."""
    counts: Counter[str] = Counter()
    for row in rows:
        named = [
            *([f"部门：{row.subject_department}"] if row.subject_department else []),
            *([SUBJECT_STAFF] if row.subject_user_id is not None else []),
            *([f"会员机构：{row.subject_institution}"] if row.subject_institution else []),
            *([f"产品：{row.product}"] if row.product else []),
        ]
        counts.update(named or [NO_SUBJECT])
    return dict(counts.most_common())


def _bounds(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(month, time(), tz), datetime.combine(next_month(month), time(), tz)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def month_figures(session: Session, month: date, tz: ZoneInfo) -> MonthFigures:
    """The figures of one month: complaints received in it (by category, department and
    channel), closed in it (closure time bands, founded, reopened and dissatisfied shares),
    limits due in it that were breached and compliance's findings on them, and the Art. 8
    alerts of its reports."""
    low, high = _bounds(month, tz)
    subject_department = aliased(DepartmentRow)
    received = session.execute(
        select(
            Complaint.category,
            DepartmentRow.name,
            Complaint.channel,
            subject_department.name.label("subject_department"),
            Complaint.subject_user_id,
            Complaint.subject_institution,
            Complaint.product,
        )
        .join(DepartmentRow, DepartmentRow.id == Complaint.department_id)
        .outerjoin(subject_department, subject_department.id == Complaint.subject_department_id)
        .where(Complaint.received_at >= low, Complaint.received_at < high)
    ).all()
    closed = session.execute(
        select(
            Complaint.id, Complaint.received_at, Complaint.closed_at, Complaint.reopen_count
        ).where(Complaint.closed_at >= low, Complaint.closed_at < high)
    ).all()
    closed_ids = [row.id for row in closed]
    founded = latest_founded(session, closed_ids)
    dissatisfied = {
        complaint_id
        for (complaint_id,) in session.execute(
            select(CustomerFeedback.complaint_id).where(
                CustomerFeedback.complaint_id.in_(closed_ids),
                CustomerFeedback.kind == "feedback",
                CustomerFeedback.positive.is_(False),
            )
        )
    }
    breached = session.execute(
        select(Deadline.id, BreachFinding.finding)
        .outerjoin(BreachFinding, BreachFinding.deadline_id == Deadline.id)
        .where(Deadline.breached_at.is_not(None), Deadline.due_at >= low, Deadline.due_at < high)
    ).all()
    alerts = session.execute(
        select(ConcentrationAlert.severity, AlertFollowUp.disposition, AlertFollowUp.escalated_at)
        .outerjoin(AlertFollowUp, AlertFollowUp.alert_id == ConcentrationAlert.id)
        .where(
            ConcentrationAlert.window_end >= month,
            ConcentrationAlert.window_end < next_month(month),
        )
    ).all()
    dispositions: Counter[str] = Counter()
    for alert in alerts:
        dispositions[alert.disposition.label if alert.disposition else UNDISPOSED] += 1
        if alert.escalated_at is not None:
            dispositions[ESCALATED] += 1
    bands = Counter(
        closure_band((row.closed_at - row.received_at).total_seconds() / 86400) for row in closed
    )
    return MonthFigures(
        month=month,
        received=len(received),
        closed=len(closed),
        by_category=dict(Counter(row.category.label for row in received).most_common()),
        by_department=dict(Counter(row.name for row in received).most_common()),
        by_channel=dict(Counter(row.channel.label for row in received).most_common()),
        by_subject=_subject_counts(received),
        closure_bands={label: bands.get(label, 0) for _, label in CLOSURE_BANDS},
        founded_share=_share(sum(founded.values()), len(founded)),
        reopened_share=_share(sum(1 for row in closed if row.reopen_count), len(closed)),
        dissatisfied_share=_share(len(dissatisfied), len(closed)),
        breaches=len(breached),
        findings={
            kind.label: count
            for kind in Finding
            if (count := sum(1 for _, finding in breached if finding is kind))
        },
        alerts=dict(Counter(alert.severity for alert in alerts)),
        alert_dispositions={
            label: dispositions[label]
            for label in (*(d.label for d in Disposition), UNDISPOSED, ESCALATED)
            if dispositions[label]
        },
    )


def report_figures(
    session: Session, month: date, *, today: date, tz: ZoneInfo
) -> tuple[MonthFigures, MonthFigures, MonthFigures]:
    """The month, the month before and the same month a year earlier; refused for a month
    that has not begun, and for a month with no complaint received or closed."""
    if month > today.replace(day=1):
        raise StepInputError("该月份尚未开始，无法统计", field="month")
    figures = month_figures(session, month, tz)
    if figures.received == 0 and figures.closed == 0:
        raise StepNotFound(f"{month:%Y年%m月}没有受理或办结的投诉")
    return (
        figures,
        month_figures(session, previous_month(month), tz),
        month_figures(session, same_month_last_year(month), tz),
    )


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def summary_rows(
    current: MonthFigures, previous: MonthFigures, last_year: MonthFigures
) -> list[tuple[str, str, str, str]]:
    """The headline figures: (figure, this month, month before, same month last year)."""

    def line(label: str, pick) -> tuple[str, str, str, str]:  # type: ignore[no-untyped-def]
        return (label, *(str(pick(f)) for f in (current, previous, last_year)))

    return [
        line("受理投诉（件）", lambda f: f.received),
        line("办结投诉（件）", lambda f: f.closed),
        line("核实属实占比", lambda f: _percent(f.founded_share)),
        line("重新处理占比", lambda f: _percent(f.reopened_share)),
        line("客户不满意占比", lambda f: _percent(f.dissatisfied_share)),
        line("超时（项）", lambda f: f.breaches),
        line("集中监控预警（条）", lambda f: sum(f.alerts.values())),
    ]


def _chart(title: str, counts: dict[str, int]) -> bytes:
    """A bar chart as PNG, labelled in Chinese."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    available = {font.name for font in font_manager.fontManager.ttflist}
    family = [name for name in CJK_FONTS if name in available] or ["sans-serif"]
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
        figure, axes = plt.subplots(figsize=(6.4, 3.2), dpi=120)
        labels = list(counts) or ["（无）"]
        axes.bar(labels, [counts.get(label, 0) for label in labels], color="#3b6ea5")
        axes.set_title(title)
        axes.tick_params(axis="x", labelrotation=30, labelsize=8)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        plt.close(figure)
    return buffer.getvalue()


CHARTS = (
    ("按类别", "by_category"),
    ("按受理部门", "by_department"),
    ("按渠道", "by_channel"),
    ("按被投诉对象", "by_subject"),
    ("办结用时", "closure_bands"),
)


def docx_bytes(current: MonthFigures, previous: MonthFigures, last_year: MonthFigures) -> bytes:
    document = docx.Document()
    document.add_heading(f"客户投诉统计月报（{current.month:%Y年%m月}）", level=1)
    document.add_paragraph("本报告仅含统计数字，不含客户个人信息和投诉内容。")
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("指标", "本月", "上月", "去年同月"), strict=True):
        cell.text = text
    for row in summary_rows(current, previous, last_year):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    for title, attribute in CHARTS:
        counts: dict[str, int] = getattr(current, attribute)
        document.add_heading(title, level=2)
        document.add_picture(io.BytesIO(_chart(title, counts)), width=Cm(15))
        for label, count in counts.items():
            document.add_paragraph(f"{label}：{count}", style="List Bullet")
    document.add_heading("超时与合规认定", level=2)
    document.add_paragraph(f"本月到期的时限中超时 {current.breaches} 项。")
    for label, count in current.findings.items():
        document.add_paragraph(f"{label}：{count}", style="List Bullet")
    document.add_heading("集中监控预警（第八条）", level=2)
    alerts = "、".join(f"{severity} {count} 条" for severity, count in current.alerts.items())
    document.add_paragraph(alerts or "本月没有预警。")
    for label, count in current.alert_dispositions.items():
        document.add_paragraph(f"{label}：{count}", style="List Bullet")
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def xlsx_bytes(current: MonthFigures, previous: MonthFigures, last_year: MonthFigures) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "概览"
    sheet.append(["指标", "本月", "上月", "去年同月"])
    for row in summary_rows(current, previous, last_year):
        sheet.append(list(row))
    for title, attribute in (
        *CHARTS,
        ("合规认定", "findings"),
        ("集中监控预警", "alerts"),
        ("预警处置", "alert_dispositions"),
    ):
        part = book.create_sheet(title)
        part.append(["项目", "数量"])
        for label, count in getattr(current, attribute).items():
            part.append([label, count])
    for part in book.worksheets:
        for cell in part[1]:
            cell.font = Font(bold=True)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


@dataclass(frozen=True)
class WrittenReport:
    docx_path: Path
    xlsx_path: Path
    docx_sha256: str
    xlsx_sha256: str


def write_report(
    folder: Path, current: MonthFigures, previous: MonthFigures, last_year: MonthFigures
) -> WrittenReport:
    """Both files under ``folder/reports/YYYY-MM/``, named by their SHA-256: writing again adds
    files beside the archived ones rather than replacing them, so the archive keeps serving what
    its hashes describe until the new writing is archived (``report_archive.archive_report``)."""
    target = Path(folder) / "reports" / f"{current.month:%Y-%m}"
    stem = f"complaints-report-{current.month:%Y-%m}"
    docx_path, docx_sha256 = write_versioned(
        target, stem, ".docx", docx_bytes(current, previous, last_year)
    )
    xlsx_path, xlsx_sha256 = write_versioned(
        target, stem, ".xlsx", xlsx_bytes(current, previous, last_year)
    )
    return WrittenReport(docx_path, xlsx_path, docx_sha256, xlsx_sha256)


def prepare_monthly_report_notice(
    session: Session, *, month: date, summary: list[tuple[str, str, str, str]], today: date
) -> Notification | None:
    """The month's report mail to leadership and compliance (every active user of those roles
    with an email), its two files attached at delivery; queued once per month, so a re-run
    returns the row already queued (sent or not). None when no one has an email, or while the
    month is not over (``month_is_over``)."""
    if not month_is_over(month, today):
        return None
    key = report_key(NotificationKind.monthly_report, f"{month:%Y-%m}")
    existing = session.scalar(select(Notification).where(Notification.idempotency_key == key))
    if existing is not None:
        return existing
    recipients = addressees_for(session, NotificationKind.monthly_report).emails
    if not recipients:
        return None
    context = {
        "month": f"{month:%Y-%m}",
        "month_label": f"{month:%Y年%m月}",
        "summary": [list(row) for row in summary],
        "attach_report_month": f"{month:%Y-%m}",
    }
    rendered = render_email(NotificationKind.monthly_report, context)
    return enqueue_notification(
        session,
        key=key,
        kind=NotificationKind.monthly_report,
        recipients=recipients,
        context=context,
        subject=rendered.subject,
    )

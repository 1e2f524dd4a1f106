"""What ops read first in the Prefect UI (the ``ops-summary`` artifact of reconciliation): the
open complaints by the step they wait for and by department, the overdue waits with their
reference, the limit, who answers for it and since when (Art. 7), and how many notices failed.

References, usernames, departments and times only: nothing personal (Art. 2(5)).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.complaint import Complaint
from models.operations import Deadline
from models.people import DepartmentRow, User
from policy.enums import Stage
from policy.wait_clocks import still_awaited
from services.outbox import failed_notifications


@dataclass(frozen=True)
class OverdueWait:
    reference: str
    limit: str
    responsible: str
    due_at: datetime


@dataclass(frozen=True)
class OpsSummary:
    open_by_stage: dict[tuple[str, str], int]  # (stage label, department name) → complaints
    overdue: list[OverdueWait]
    failed_notifications: int

    @property
    def open_complaints(self) -> int:
        return sum(self.open_by_stage.values())


def ops_summary(session: Session, *, now: datetime) -> OpsSummary:
    open_stages = [stage for stage in Stage if stage not in (Stage.closed, Stage.archived)]
    rows = session.execute(
        select(Complaint.stage, DepartmentRow.name)
        .join(DepartmentRow, DepartmentRow.id == Complaint.department_id)
        .where(Complaint.stage.in_(open_stages))
    ).all()
    by_stage = Counter((stage.label, department) for stage, department in rows)
    limits = session.execute(
        select(Deadline, Complaint.reference, Complaint.stage, User.username)
        .join(Complaint, Complaint.id == Deadline.complaint_id)
        .join(User, User.id == Deadline.responsible_user_id)
        .where(Complaint.stage.in_(open_stages), Deadline.due_at <= now)
        .order_by(Deadline.due_at)
    ).all()
    overdue = [
        OverdueWait(reference, deadline.kind.label, username, deadline.due_at)
        for deadline, reference, stage, username in limits
        if still_awaited(deadline.kind, deadline.status, deadline.met_at, stage)
    ]
    return OpsSummary(dict(by_stage), overdue, len(failed_notifications(session)))


def ops_summary_markdown(summary: OpsSummary, *, tz: ZoneInfo, now: datetime) -> str:
    lines = [f"# 运行概况（{now.astimezone(tz):%Y-%m-%d %H:%M}）", ""]
    if summary.open_by_stage:
        lines += [f"在办投诉 {summary.open_complaints} 件：", "", "| 当前环节 | 受理部门 | 件数 |"]
        lines.append("|---|---|---|")
        lines += [
            f"| {stage} | {department} | {count} |"
            for (stage, department), count in sorted(summary.open_by_stage.items())
        ]
    else:
        lines.append("没有在办的投诉。")
    lines.append("")
    if summary.overdue:
        lines += [f"已超时 {len(summary.overdue)} 项（第七条）：", ""]
        lines += ["| 投诉编号 | 时限 | 责任人 | 到期时间 |", "|---|---|---|---|"]
        lines += [
            f"| {wait.reference} | {wait.limit} | {wait.responsible} "
            f"| {wait.due_at.astimezone(tz):%Y-%m-%d %H:%M} |"
            for wait in summary.overdue
        ]
    else:
        lines.append("没有超时的环节。")
    lines.append("")
    lines.append(
        f"发送失败的通知 {summary.failed_notifications} 封，见 failed-notifications。"
        if summary.failed_notifications
        else "没有发送失败的通知。"
    )
    return "\n".join(lines)

"""The ops summary: open complaints per step and department, overdue waits with who answers
for them (Art. 7), failed notices; references and usernames only (Art. 2(5))."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from config.settings import Settings
from models.db import utcnow
from policy.enums import Role, Stage
from services.ops_summary import ops_summary, ops_summary_markdown
from services.steps import submit_written_record
from tests.models.factories import NOW, make_complaint, make_user


def test_open_complaints_by_step_and_the_overdue_waits_with_who_answers_for_them(
    session: Session, settings: Settings
) -> None:
    manager = make_user(session, role=Role.manager, username="mgr")
    owner = make_user(session, username="owner", superior="mgr")
    waiting = make_complaint(session, settings, owner=owner)
    recorded = make_complaint(session, settings, owner=owner, customer_phone="13900002222")
    submit_written_record(session, complaint=recorded, actor=owner, text="记录", now=NOW)
    closed = make_complaint(session, settings, owner=owner, customer_phone="13700003333")
    closed.stage = Stage.closed
    session.flush()

    summary = ops_summary(session, now=NOW + timedelta(days=2))

    assert summary.open_by_stage == {
        ("待提交文字记录", "财富中心"): 1,
        ("待部门经理安排", "财富中心"): 1,
    }
    overdue = {(wait.reference, wait.limit, wait.responsible) for wait in summary.overdue}
    assert overdue == {
        (waiting.reference, "24小时文字记录", "owner"),
        (recorded.reference, "部门经理安排跟进", manager.username),
    }
    text = ops_summary_markdown(summary, tz=settings.tz, now=utcnow())
    assert waiting.reference in text and "张三" not in text and "13800001234" not in text


def test_a_quiet_day_is_said_in_sentences(session: Session, settings: Settings) -> None:
    summary = ops_summary(session, now=NOW)
    text = ops_summary_markdown(summary, tz=settings.tz, now=NOW)
    assert "没有在办的投诉。" in text and "没有超时的环节。" in text

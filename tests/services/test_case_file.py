"""The case file is read once, in one place: the complaint page, the handling form and the
timeline all show what ``read_case_file`` returns."""

from __future__ import annotations

from sqlalchemy.orm import Session

from config.settings import Settings
from models.complaint import Complaint
from services.audit import append_event
from services.case_file import read_case_file
from services.handling_form.fields import handling_form_data
from services.progress import masked_timeline
from tests.models.factories import NOW
from tests.support.cases import Cast, carry_through


def test_every_step_recorded_is_listed_once_oldest_first_with_who_did_it(
    session: Session, cast: Cast, complaint: Complaint
) -> None:
    carry_through(session, complaint, cast, major=True)

    records = read_case_file(session, complaint).step_records()

    assert [(record.title, record.by) for record in records] == [
        ("文字记录", "李首问"),
        ("安排陈处理跟进", "王经理"),
        ("认定为重大投诉", "王经理"),
        ("第1轮核实：属实", "陈处理"),
        ("第1轮处理方案", "陈处理"),
        ("公司领导审阅：同意", "刘总"),
        ("客户满意", "李首问"),
    ]
    assert records[3].text == "划付指令延误两个工作日，属实"


def test_the_form_and_the_timeline_show_what_the_case_file_holds(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    carry_through(session, complaint, cast, major=True)
    append_event(
        session,
        complaint=complaint,
        kind="handler_assigned",
        occurred_at=NOW,
        actor_id=cast.manager.id,
    )
    session.flush()
    case = read_case_file(session, complaint.id)

    form = handling_form_data(session, complaint.id, tz=settings.tz)
    assert form.handler == case.name(complaint.handler_id) == "陈处理"
    assert form.verification.endswith(case.verifications[0].evidence)
    assert [event["kind"] for event in masked_timeline(session, complaint.id)] == [
        event.kind for event in case.events
    ]
    assert case.events[-1].username == "wang_manager"
    assert case.events[-1].actor_name == "王经理"

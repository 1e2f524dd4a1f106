"""Closing a complaint early (process version 3) through the JSON API and the staff app: 200
with the closure; 403/409/422 with a Chinese reason and nothing saved; leadership's decision
only while the case waits for it; the complaint page shows the closure; a refused form keeps
what was typed."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from models import ComplaintEvent
from models.closure import ComplaintClosure
from tests.web.conftest import field_error


def _assigned(api, staff) -> str:  # type: ignore[no-untyped-def]
    ref = api.new_complaint(staff.owner)
    assert api.post(f"/complaints/{ref}/written-record", staff.owner, {"text": "已记录"}).is_success
    done = api.post(f"/complaints/{ref}/assignment", staff.manager, {"handler": "colleague"})
    assert done.status_code == 200, done.text
    return ref


def _saved(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(ComplaintClosure)) or 0,
        session.scalar(select(func.count()).select_from(ComplaintEvent)) or 0,
    )


WITHDRAWN = {"reason": "withdrawn", "note": "客户来电撤回投诉", "withdrawal_method": "phone"}


def test_api_records_a_withdrawal_and_the_complaint_closes(api, staff, session) -> None:
    ref = _assigned(api, staff)
    done = api.post(f"/complaints/{ref}/closure", staff.colleague, WITHDRAWN)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["reason"] == "withdrawn" and body["reason_label"] == "客户撤回投诉"
    assert body["withdrawal_method"] == "phone" and body["stage"] == "closed"
    assert body["resumed"] is False  # no run to wake here; reconciliation covers a missed wake
    detail = api.get(f"/complaints/{ref}", staff.manager).json()
    assert detail["stage"] == "closed"
    assert detail["closure"]["reason"] == "withdrawn"
    assert detail["closure"]["withdrawal_method"] == "phone"
    assert detail["closure"]["closed_by"] == "colleague"
    assert [d for d in detail["deadlines"] if d["status"] == "open"] == []


def test_api_refusals_are_chinese_and_save_nothing(api, staff, session) -> None:
    ref = _assigned(api, staff)
    before = _saved(session)
    unreachable = {"reason": "unreachable", "note": "多次联系未果"}
    for user, body, status, words in (
        (staff.owner, WITHDRAWN, 403, "跟进人员、受理部门的经理或公司领导"),
        (staff.colleague, unreachable, 403, "受理部门的经理或公司领导"),
        (staff.manager, unreachable, 422, "3 个不同的日期"),
        (staff.manager, {**WITHDRAWN, "withdrawal_method": None}, 422, "撤回投诉的方式"),
        (staff.leader, {"reason": "leadership_decision", "note": "办结"}, 409, "待公司领导决定"),
    ):
        refused = api.post(f"/complaints/{ref}/closure", user, body)
        assert refused.status_code == status, (body, refused.text)
        assert words in refused.json()["detail"], refused.text
    assert _saved(session) == before
    assert api.post(f"/complaints/{ref}/closure", staff.manager, WITHDRAWN).status_code == 200
    twice = api.post(f"/complaints/{ref}/closure", staff.manager, WITHDRAWN)
    assert twice.status_code == 409 and "已办结" in twice.json()["detail"]


def test_page_form_closes_and_a_refused_form_keeps_what_was_typed(
    api, browser, staff, session
) -> None:
    ref = _assigned(api, staff)
    browser.sign_in(staff.manager)
    page = browser.get(f"/complaints/{ref}")
    assert 'id="closure-form"' in page.text
    before = _saved(session)
    typed = {"closure_reason": "unreachable", "closure_note": "三次电话均未接通，已寄信函"}
    refused = browser.post(f"/complaints/{ref}/closure", typed)
    assert refused.status_code == 422
    assert "3 个不同的日期" in html.unescape(field_error(refused.text, "closure_reason"))
    assert "三次电话均未接通，已寄信函" in html.unescape(refused.text)
    assert 'name="closure_reason" value="unreachable" checked' in refused.text
    assert _saved(session) == before
    done = browser.post(
        f"/complaints/{ref}/closure",
        {
            "closure_reason": "withdrawn",
            "closure_note": "客户当面撤回",
            "withdrawal_method": "visit",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = browser.get(done.headers["location"])
    assert "投诉已办结" in page.text and 'id="closure-form"' not in page.text
    assert "客户撤回投诉" in page.text and "客户当面撤回" in page.text
    assert "面谈/走访" in page.text


def test_a_colleague_sees_why_they_cannot_close(api, browser, staff) -> None:
    ref = _assigned(api, staff)
    browser.sign_in(staff.owner)
    page = browser.get(f"/complaints/{ref}").text
    assert 'id="closure-form"' not in page and 'id="why-no-closure"' in page


def test_api_intake_records_an_unfounded_on_the_spot_resolution(api, staff, session) -> None:
    created = api.intake(
        staff.owner,
        resolved_on_the_spot=True,
        resolution="当场核对交易记录并解释",
        promised_reply_at=None,
        founded_on_the_spot=False,
    )
    assert created.status_code == 201, created.text
    ref = created.json()["reference"]
    assert api.post(f"/complaints/{ref}/written-record", staff.owner, {"text": "已记录"}).is_success
    assigned = api.post(f"/complaints/{ref}/assignment", staff.manager, {"handler": "colleague"})
    assert assigned.status_code == 200, assigned.text
    detail = api.get(f"/complaints/{ref}", staff.manager).json()
    assert detail["stage"] == "awaiting_customer_confirmation"


def test_the_intake_form_keeps_the_on_the_spot_finding(browser, staff) -> None:
    browser.sign_in(staff.owner)
    refused = browser.post(
        "/complaints/new",
        {"resolved_on_the_spot": "yes", "founded_on_the_spot": "no", "content": ""},
    )
    assert refused.status_code == 422
    assert 'name="founded_on_the_spot" value="no" checked' in refused.text


def test_after_three_rejections_leadership_decide_on_the_page_or_close_through_the_api(
    api, browser, staff
) -> None:
    ref = _assigned(api, staff)
    for _ in range(3):
        handled = api.post(
            f"/complaints/{ref}/handling",
            staff.colleague,
            {"founded": True, "evidence": "核实属实", "solution": "退还手续费"},
        )
        assert handled.status_code == 200, handled.text
        rejected = api.post(
            f"/complaints/{ref}/feedback",
            staff.colleague,
            {"satisfied": False, "comment": "仍不满意"},
        )
        assert rejected.status_code == 200, rejected.text
    detail = api.get(f"/complaints/{ref}", staff.leader).json()
    assert detail["stage"] == "awaiting_leadership_decision"
    assert detail["current_step"] == "leadership_decision"
    browser.sign_in(staff.leader)
    page = html.unescape(browser.get(f"/complaints/{ref}").text)
    assert "公司领导决定再处理或办结" in page and "再次处理" in page
    assert 'value="leadership_decision"' in page  # the closure form offers it now
    closed = api.post(
        f"/complaints/{ref}/closure",
        staff.leader,
        {"reason": "leadership_decision", "note": "三轮核实结论一致，依规办结"},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["reason_label"] == "公司领导决定办结"

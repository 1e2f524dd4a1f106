"""A later reply time with approval through the JSON API and the staff app (Art. 2(4), 7): 202
pending when asked, 200 when decided; 403/404/409/422 with a Chinese reason and nothing saved;
an approval moves the promise and the reply's deadline and tells the customer; the requests are
listed in ``GET /api/complaints/{ref}``, on the complaint page and, for the superior, on
/extensions; a refused form keeps what was typed."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from sqlalchemy import func, select

from models import ComplaintEvent, Notification
from models.extensions import ReplyExtension
from tests.web.conftest import field_error

REASON = "需向托管银行调取划付记录"


def _assigned(api, staff, **intake) -> str:  # type: ignore[no-untyped-def]
    ref = api.new_complaint(staff.owner, **intake)
    assert api.post(f"/complaints/{ref}/written-record", staff.owner, {"text": "已记录"}).is_success
    done = api.post(f"/complaints/{ref}/assignment", staff.manager, {"handler": "colleague"})
    assert done.status_code == 200, done.text
    return ref


def _promised(api, staff, ref: str) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.fromisoformat(
        api.get(f"/complaints/{ref}", staff.manager).json()["promised_reply_at"]
    )


def _saved(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(ReplyExtension)) or 0,
        session.scalar(select(func.count()).select_from(ComplaintEvent)) or 0,
    )


def _ask(api, staff, ref: str, user=None, **body):  # type: ignore[no-untyped-def]
    later = _promised(api, staff, ref) + timedelta(days=2)
    values = {"new_reply_at": later.isoformat(), "reason": REASON} | body
    return api.post(f"/complaints/{ref}/extension", user or staff.owner, values)


# The JSON API --------------------------------------------------------------------------------


def test_api_asks_then_the_superior_approves_and_the_promise_moves(api, staff, session) -> None:
    ref = _assigned(api, staff)
    promised = _promised(api, staff, ref)
    asked = _ask(api, staff, ref)
    assert asked.status_code == 202, asked.text
    body = asked.json()
    assert body["status"] == "pending" and body["status_label"] == "待审批"
    assert body["requested_by"] == "owner" and "待上级批准" in body["message"]
    new_time = datetime.fromisoformat(body["new_reply_at"])
    assert _promised(api, staff, ref) == promised  # not before the approval
    decided = api.post(
        f"/complaints/{ref}/extension/{body['id']}/decision",
        staff.manager,  # the owner's superior
        {"approved": True, "comment": "同意"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved" and decided.json()["decided_by"] == "manager"
    detail = api.get(f"/complaints/{ref}", staff.manager).json()
    assert datetime.fromisoformat(detail["promised_reply_at"]) == new_time
    replies = [d for d in detail["deadlines"] if d["kind"] == "reply"]
    assert [(d["status"], datetime.fromisoformat(d["due_at"])) for d in replies] == [
        ("cancelled", promised),
        ("open", new_time),
    ]
    (listed,) = detail["extensions"]
    assert listed["status"] == "approved" and listed["reason"] == REASON
    labels = [event["label"] for event in detail["timeline"]]
    assert labels[-2:] == ["申请延期答复", "审批延期答复"]
    notes = [
        n.context.get("note") or ""
        for n in session.scalars(select(Notification).where(Notification.kind == "progress"))
    ]
    assert sum(REASON in note for note in notes) == 1


def test_api_refusals_are_chinese_and_save_nothing(api, staff, session) -> None:
    ref = _assigned(api, staff)
    before = _saved(session)
    far = (datetime.now().astimezone() + timedelta(days=40)).isoformat()
    for user, body, status, words in (
        (staff.compliance, {}, 403, "跟进人员或首问负责人"),
        (staff.gm_staff, {}, 403, "无权查看"),
        (staff.owner, {"new_reply_at": far}, 422, "请及时向上级报告（第七条）"),
        (staff.owner, {"new_reply_at": far, "complex": True}, 422, "复杂投诉受理之日起 30 天"),
        (staff.owner, {"new_reply_at": "2026-12-30T10:00"}, 422, "时区"),
        (staff.owner, {"reason": ""}, 422, "请填写理由"),
    ):
        refused = _ask(api, staff, ref, user, **body)
        assert refused.status_code == status, (body, refused.text)
        assert words in refused.json()["detail"], refused.text
    missing = api.post(
        "/complaints/TS-20260101-9999/extension", staff.owner, {"new_reply_at": far, "reason": "x"}
    )
    assert missing.status_code == 404 and "找不到" in missing.json()["detail"]
    assert _saved(session) == before
    # One pending at a time; a decision by someone else than the superior, or twice, refused.
    asked = _ask(api, staff, ref).json()
    again = _ask(api, staff, ref, staff.colleague)
    assert again.status_code == 409 and "待上级审批" in again.json()["detail"]
    pending = _saved(session)
    decision = f"/complaints/{ref}/extension/{asked['id']}/decision"
    for user, status, words in (
        (staff.owner, 403, "不能审批自己的申请"),
        (staff.colleague, 403, "申请人的上级"),
        (staff.gm_manager, 403, "申请人的上级"),
    ):
        refused = api.post(decision, user, {"approved": True, "comment": ""})
        assert refused.status_code == status and words in refused.json()["detail"]
    no_reason = api.post(decision, staff.manager, {"approved": False, "comment": " "})
    assert no_reason.status_code == 422 and "请填写审批意见" in no_reason.json()["detail"]
    unknown = api.post(
        f"/complaints/{ref}/extension/999/decision", staff.manager, {"approved": True}
    )
    assert unknown.status_code == 404 and "没有编号为 999 的延期申请" in unknown.json()["detail"]
    assert _saved(session) == pending
    refused = api.post(decision, staff.manager, {"approved": False, "comment": "按原时限答复"})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    twice = api.post(decision, staff.leader, {"approved": True})
    assert twice.status_code == 409 and "未批准" in twice.json()["detail"]


# The staff app -------------------------------------------------------------------------------


def test_page_form_asks_and_a_refused_form_keeps_what_was_typed(
    api, browser, staff, session
) -> None:
    ref = _assigned(api, staff)
    browser.sign_in(staff.owner)
    page = browser.get(f"/complaints/{ref}")
    assert 'id="extension-form"' in page.text and "尚无延期申请" in page.text
    before = _saved(session)
    far = (datetime.now() + timedelta(days=45)).strftime("%Y-%m-%dT%H:%M")
    typed = {"new_reply_at": far, "reason": "调取外部记录需时较长", "complex": "yes"}
    refused = browser.post(f"/complaints/{ref}/extension", typed)
    assert refused.status_code == 422
    assert "复杂投诉受理之日起 30 天" in html.unescape(field_error(refused.text, "new_reply_at"))
    assert "调取外部记录需时较长" in html.unescape(refused.text)
    assert f'value="{far}"' in refused.text and 'name="complex" value="yes" checked' in refused.text
    assert _saved(session) == before
    later = (_promised(api, staff, ref) + timedelta(days=2)).astimezone()
    done = browser.post(
        f"/complaints/{ref}/extension",
        {"new_reply_at": later.strftime("%Y-%m-%dT%H:%M"), "reason": "调取外部记录需时较长"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = browser.get(done.headers["location"])
    assert "已提交延期申请" in page.text and "待审批" in page.text
    assert (
        'id="extension-form"' not in page.text and 'id="extension-decision-form"' not in page.text
    )


def test_the_superior_decides_on_the_list_of_pending_requests(api, browser, staff) -> None:
    ref = _assigned(api, staff)
    asked = _ask(api, staff, ref).json()
    browser.sign_in(staff.colleague)
    assert ref not in browser.get("/extensions").text
    browser.sign_in(staff.manager)
    assert 'id="extension-decision-form"' in browser.get(f"/complaints/{ref}").text
    listed = browser.get("/extensions")
    assert ref in listed.text and REASON in listed.text
    decision = f"/complaints/{ref}/extension/{asked['id']}/decision"
    no_comment = browser.post(
        decision, {"back": "list", "extension": str(asked["id"]), "approved": "no"}
    )
    assert no_comment.status_code == 422 and "请填写审批意见" in html.unescape(no_comment.text)
    assert 'name="approved" value="no" checked' in no_comment.text
    done = browser.post(
        decision, {"back": "list", "approved": "yes", "comment": ""}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/extensions")
    assert "目前没有待您审批的延期申请" in browser.get(done.headers["location"]).text
    page = browser.get(f"/complaints/{ref}").text
    assert "已批准" in page and "manager姓名" in page

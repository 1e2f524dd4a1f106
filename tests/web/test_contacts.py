"""Contacts with the customer through the JSON API and the complaint page (Art. 2(4), 4(2)):
201 when recorded, 403/404/409/422 with a Chinese reason and nothing saved; the refused form
keeps what was typed; the contacts are listed on the page and in ``GET /api/complaints/{ref}``;
a customer without email shows on the responsible person's 待联系客户 page until reached."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select, update

from models import Complaint, ComplaintEvent
from models.contact_log import CustomerContactAttempt
from policy.enums import Stage
from tests.web.conftest import field_error


def _assigned(api, staff, **intake) -> str:  # type: ignore[no-untyped-def]
    ref = api.new_complaint(staff.owner, **intake)
    assert api.post(f"/complaints/{ref}/written-record", staff.owner, {"text": "已记录"}).is_success
    done = api.post(f"/complaints/{ref}/assignment", staff.manager, {"handler": "colleague"})
    assert done.status_code == 200, done.text
    return ref


def _saved(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(CustomerContactAttempt)) or 0,
        session.scalar(select(func.count()).select_from(ComplaintEvent)) or 0,
    )


CALL = {"method": "phone", "reached": True, "summary": "电话告知客户正在核查赎回款划付记录"}


# The JSON API --------------------------------------------------------------------------------


def test_api_records_a_contact_and_lists_it_on_the_complaint(api, staff) -> None:
    ref = _assigned(api, staff)
    done = api.post(f"/complaints/{ref}/contacts", staff.colleague, CALL)
    assert done.status_code == 201, done.text
    body = done.json()
    assert body["reference"] == ref and body["method"] == "phone" and body["reached"] is True
    assert body["contacted_by"] == "colleague" and "已登记" in body["message"]
    (listed,) = api.get(f"/complaints/{ref}", staff.manager).json()["contacts"]
    assert listed["summary"] == CALL["summary"] and listed["method_label"] == "电话"
    timeline = api.get(f"/complaints/{ref}", staff.manager).json()["timeline"]
    assert timeline[-1]["kind"] == "customer_contacted" and timeline[-1]["label"] == "联系客户"


def test_api_shows_what_was_said_only_to_those_who_handle_the_case(api, staff) -> None:
    ref = _assigned(api, staff)
    api.post(f"/complaints/{ref}/contacts", staff.colleague, CALL)
    (seen,) = api.get(f"/complaints/{ref}", staff.compliance).json()["contacts"]
    assert seen["summary"] is None and seen["method"] == "phone"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**CALL, "method": "fax"}, "method", "联系方式必须是以下之一"),
        ({"method": "sms", "summary": "短信"}, "reached", "缺少是否联系上客户"),
        ({**CALL, "summary": ""}, "summary", "请填写联系情况摘要"),
        ({**CALL, "summary": "   "}, "summary", "请填写联系情况摘要"),
        ({**CALL, "summary": "长" * 2001}, "summary", "不能超过 2000 个字符"),
        ({**CALL, "reached": "yes"}, "reached", "必须是 true 或 false"),
    ],
)
def test_api_refuses_bad_input_with_a_chinese_reason_and_saves_nothing(
    api, staff, session, body, field, message
) -> None:
    ref = _assigned(api, staff)
    before = _saved(session)
    refused = api.post(f"/complaints/{ref}/contacts", staff.colleague, body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field and message in refused.json()["detail"]
    assert _saved(session) == before


def test_api_refuses_who_may_not_record_where_and_when(api, staff, session) -> None:
    ref = _assigned(api, staff)
    before = _saved(session)
    # The first-inquiry owner is not the handler; compliance oversees; admin keeps accounts.
    for user in (staff.owner, staff.compliance, staff.admin):
        refused = api.post(f"/complaints/{ref}/contacts", user, CALL)
        assert refused.status_code == 403, refused.text
        assert "跟进人员" in refused.json()["detail"]
    other = api.post(f"/complaints/{ref}/contacts", staff.gm_staff, CALL)
    assert other.status_code == 403 and "无权查看" in other.json()["detail"]
    missing = api.post("/complaints/TS-20260101-9999/contacts", staff.colleague, CALL)
    assert missing.status_code == 404 and "找不到" in missing.json()["detail"]
    session.execute(update(Complaint).values(stage=Stage.archived))
    session.commit()
    archived = api.post(f"/complaints/{ref}/contacts", staff.colleague, CALL)
    assert archived.status_code == 409 and "已归档" in archived.json()["detail"]
    assert _saved(session) == before


# The complaint page --------------------------------------------------------------------------


def test_page_form_records_a_contact_and_lists_it(api, browser, staff) -> None:
    ref = _assigned(api, staff)
    browser.sign_in(staff.colleague)
    page = browser.get(f"/complaints/{ref}")
    assert 'id="contact-form"' in page.text and "尚无联系记录" in page.text
    done = browser.post(
        f"/complaints/{ref}/contacts",
        {"method": "visit", "reached": "yes", "summary": "上门说明核查进度"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = browser.get(done.headers["location"])
    assert "已登记与客户的联系" in page.text
    assert "面谈/走访 · 已联系上" in page.text and "上门说明核查进度" in page.text


def test_page_form_refused_keeps_what_was_typed(api, browser, staff, session) -> None:
    ref = _assigned(api, staff)
    before = _saved(session)
    browser.sign_in(staff.colleague)
    refused = browser.post(
        f"/complaints/{ref}/contacts", {"method": "letter", "reached": "no", "summary": "  "}
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "summary") == "请填写联系情况摘要"
    assert '<option value="letter" selected>' in refused.text
    assert 'name="reached" value="no" checked' in refused.text
    no_answer = browser.post(
        f"/complaints/{ref}/contacts", {"method": "sms", "summary": "已发短信告知进度"}
    )
    assert no_answer.status_code == 422
    assert field_error(no_answer.text, "reached") == "请选择是否联系上客户"
    assert "已发短信告知进度" in html.unescape(no_answer.text)
    assert _saved(session) == before


def test_page_form_refuses_the_first_inquiry_owner_and_a_stale_form(
    api, browser, staff, session
) -> None:
    ref = _assigned(api, staff)
    before = _saved(session)
    browser.sign_in(staff.owner)
    page = browser.get(f"/complaints/{ref}")
    assert 'id="contact-form"' not in page.text and 'id="why-no-contact"' in page.text
    typed = {"method": "phone", "reached": "yes", "summary": "首问负责人回访客户"}
    refused = browser.post(f"/complaints/{ref}/contacts", typed)
    assert refused.status_code == 403 and "跟进人员" in html.unescape(refused.text)
    browser.sign_in(staff.colleague)
    stale = browser.post(f"/complaints/{ref}/contacts", {**typed, "csrf_token": "old"})
    assert stale.status_code == 403 and "首问负责人回访客户" in html.unescape(stale.text)
    assert _saved(session) == before


# 待联系客户 -----------------------------------------------------------------------------------


def test_a_customer_without_email_is_on_the_handlers_contact_queue_until_reached(
    api, browser, staff
) -> None:
    ref = _assigned(api, staff, customer_email=None)
    browser.sign_in(staff.colleague)
    queue = browser.get("/contacts-due")
    assert ref in queue.text and "已安排跟进，请告知客户" in queue.text
    assert 'id="contact-due"' in browser.get(f"/complaints/{ref}").text
    browser.post(
        f"/complaints/{ref}/contacts", {"method": "phone", "reached": "no", "summary": "无人接听"}
    )
    assert ref in browser.get("/contacts-due").text  # not reached: still due
    browser.post(
        f"/complaints/{ref}/contacts", {"method": "phone", "reached": "yes", "summary": "已告知"}
    )
    assert ref not in browser.get("/contacts-due").text
    assert "目前没有待联系的客户" in browser.get("/contacts-due").text
    assert 'id="contact-due"' not in browser.get(f"/complaints/{ref}").text


def test_a_customer_with_email_is_told_by_mail_not_queued(api, browser, staff) -> None:
    ref = _assigned(api, staff)
    browser.sign_in(staff.colleague)
    assert ref not in browser.get("/contacts-due").text

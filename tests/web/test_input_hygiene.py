"""Bad input is refused whole, in Chinese, and nothing typed is lost: text of only blank or
invisible characters is no text; a form that is not UTF-8 is answered 400; no validation
message is pydantic's English; a step form refused for a conflict or an expired CSRF token
comes back with what the person typed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models import Complaint, WrittenRecord
from tests.web.conftest import complaint_body
from tests.web.test_pages import intake_form, promised

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u3000 \u3164"


@pytest.mark.parametrize("field", ["customer_name", "content"])
def test_a_name_or_content_of_only_invisible_characters_is_refused(api, staff, session, field):
    refused = api.intake(staff.owner, **{field: INVISIBLE})
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field and "请填写" in refused.json()["detail"]
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_the_intake_form_refuses_zero_width_content(browser, staff, session) -> None:
    page = browser.sign_in(staff.owner).post(
        "/complaints/new", intake_form(content="\u200b\u200b", promised_reply_at=promised())
    )
    assert page.status_code == 422 and "请填写投诉内容" in page.text
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_a_written_record_of_only_invisible_characters_is_refused(api, browser, staff, session):
    reference = api.new_complaint(staff.owner)
    path = f"/complaints/{reference}/written-record"
    refused = api.post(path, staff.owner, {"text": INVISIBLE})
    assert refused.status_code == 422 and refused.json()["field"] == "text"
    page = browser.sign_in(staff.owner).post(
        f"/complaints/{reference}/steps/written_record", {"text": "\ufeff\u200b"}
    )
    assert page.status_code == 422
    assert session.scalar(select(func.count()).select_from(WrittenRecord)) == 0


def test_a_form_that_is_not_utf8_is_answered_400_in_chinese(browser, staff, session) -> None:
    browser.sign_in(staff.owner)
    body = f"csrf_token={browser.csrf}&channel=phone&customer_name=%C0%AF%E7&content=%FF%FE"
    answer = browser.client.post(
        "/complaints/new",
        content=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 400
    assert "不是有效的 UTF-8 编码" in answer.text
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/api/complaints", None, None),  # no body at all
        ("/api/complaints", b"[]", "application/json"),
        ("/api/complaints", b'{"channel": 5}', "application/json"),
        ("/api/complaints", b'{"amount": "x", "major": "maybe"}', "application/json"),
        ("/api/login", b'{"username": ["a"], "password": {}}', "application/json"),
        ("/api/complaints/TS-20261127-0001/assignment", b'{"handler": 1}', "application/json"),
        ("/api/complaints/TS-20261127-0001/handling", b'{"founded": "yes"}', "application/json"),
    ],
)
def test_every_validation_message_is_chinese(api, staff, path, body, content_type) -> None:
    headers = api.headers(staff.manager)
    if content_type:
        headers["Content-Type"] = content_type
    answer = api.client.post(path, content=body, headers=headers)
    assert answer.status_code in (400, 422), answer.text
    problem = answer.json()
    messages = [problem["detail"]] + [error["message"] for error in problem["errors"]]
    for message in messages:
        assert re.search(r"[\u4e00-\u9fff]", message), message
        assert not re.search(r"Input|should|valid|Field|required|body", message), message


def test_a_step_refused_for_a_conflict_keeps_what_was_typed(api, browser, staff) -> None:
    reference = api.new_complaint(staff.owner)
    browser.sign_in(staff.owner)
    page = browser.get(f"/complaints/{reference}")  # the form is open …
    assert (
        api.post(
            f"/complaints/{reference}/written-record", staff.owner, {"text": "先由接口提交"}
        ).status_code
        == 200
    )  # … while the record is submitted elsewhere
    typed = "客户下午三点来电，要求当天答复；已致歉并记录诉求。"
    refused = browser.post(f"/complaints/{reference}/steps/written_record", {"text": typed})
    assert page.status_code == 200 and refused.status_code == 409
    assert typed in refused.text and "未保存" in refused.text


def test_a_step_refused_for_an_expired_csrf_token_keeps_what_was_typed(
    api, browser, staff, session
) -> None:
    reference = api.new_complaint(staff.owner)
    browser.sign_in(staff.owner)
    typed = "客户下午三点来电，要求当天答复。"
    refused = browser.post(
        f"/complaints/{reference}/steps/written_record",
        {"csrf_token": "stale", "text": typed},
        csrf=False,
    )
    assert refused.status_code == 403 and "防跨站请求伪造" in refused.text
    assert f">{typed}</textarea>" in refused.text  # back in the form, ready to submit again
    assert f'value="{browser.csrf}"' in refused.text
    assert session.scalar(select(func.count()).select_from(WrittenRecord)) == 0
    saved = browser.post(f"/complaints/{reference}/steps/written_record", {"text": typed})
    assert saved.status_code == 200  # followed the redirect to the page


WRONG_VALUES = [None, 1, 1.5, True, [], {}, "", "x" * 6000, "\x00", "2026-13-45"]


def test_no_wrong_value_of_any_field_gets_an_english_message(api, staff) -> None:
    """Every field of every request model, each given values of the wrong kind."""
    from web import schemas

    reference = api.new_complaint(staff.manager)
    targets = [("/api/complaints", schemas.ComplaintRequest, complaint_body())]
    targets += [
        (f"/api/complaints/{reference}/{step.value.replace('_', '-')}", model, {})
        for step, model in schemas.STEP_REQUESTS.items()
    ]
    headers = api.headers(staff.manager)
    english = set()
    for path, model, base in targets:
        for field in model.model_fields:
            for value in WRONG_VALUES:
                answer = api.client.post(path, json={**base, field: value}, headers=headers)
                if answer.status_code not in (400, 409, 422):
                    continue
                problem = answer.json()
                for message in [problem["detail"]] + [e["message"] for e in problem["errors"]]:
                    if not re.search(r"[\u4e00-\u9fff]", message) or re.search(
                        r"Input|should|valid |Field|required|body", message
                    ):
                        english.add(f"{field}={value!r}: {message}")
    assert not english, sorted(english)[:20]


@pytest.mark.parametrize(
    "path", ["/my?closed=maybe", "/queue?department=nowhere", "/major?closed=2x"]
)
def test_a_bad_query_parameter_on_a_page_is_refused_in_chinese(browser, staff, path) -> None:
    answer = browser.sign_in(staff.leader).get(path)
    assert answer.status_code == 422
    detail = re.search(r'<p class="problem">([^<]*)</p>', answer.text)
    assert detail is not None
    text = detail.group(1)
    assert re.search(r"[\u4e00-\u9fff]", text)
    assert not re.search(r"Input|should|valid |Field|required", text), text

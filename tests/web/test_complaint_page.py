"""A complaint's page as staff read it: the overdue banner (which limit, since when, who
answers for it), the timeline without the system's own records unless asked for, deadline
labels from the settings, and 是否重大 as it stands."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from config.settings import get_settings
from models import Complaint
from services.audit import append_event
from tests.web.test_api_steps import step


def _banner(html: str) -> str:
    if 'id="overdue-banner"' not in html:
        return ""
    start = html.index('id="overdue-banner"')
    return html[start : html.index("</div>", start)]


def test_an_overdue_complaint_has_a_banner_naming_the_limit_the_time_and_the_person(
    api, browser, staff, manual_clock
) -> None:
    reference = api.new_complaint(staff.owner)
    page = browser.sign_in(staff.manager).get(f"/complaints/{reference}").text
    assert _banner(page) == ""
    manual_clock.advance(timedelta(hours=25))
    browser.sign_in(staff.manager)  # a new day, a new session
    banner = _banner(browser.get(f"/complaints/{reference}").text)
    assert "已超过时限" in banner and "文字记录" in banner
    assert "owner姓名" in banner  # the responsible person
    assert "已超时 1 小时" in banner  # since its due time
    api._tokens.clear()  # yesterday's token has expired
    late = step(api, reference, "written-record", staff.owner, text="已记录")  # done late
    assert late.status_code == 200, late.text
    assert _banner(browser.get(f"/complaints/{reference}").text) == ""


def test_the_system_records_are_folded_out_of_the_staff_timeline(
    api, browser, staff, session
) -> None:
    reference = api.new_complaint(staff.owner)
    complaint = session.scalar(select(Complaint).where(Complaint.reference == reference))
    append_event(session, complaint=complaint, kind="handling_form_generated", data={})
    append_event(
        session,
        complaint=complaint,
        kind="notification_sent",
        data={"notification_id": 1, "notification": "acknowledgement", "attempts": 1},
    )
    session.commit()
    browser.sign_in(staff.owner)
    page = browser.get(f"/complaints/{reference}").text
    timeline = page.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "受理登记" in timeline
    assert "生成投诉处理表" not in timeline and "通知已发送" not in timeline
    assert "显示系统记录（2 条）" in page
    shown = browser.get(f"/complaints/{reference}?system=1").text
    full = shown.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "生成投诉处理表" in full and "通知已发送" in full and "受理回执" in full
    assert "隐藏系统记录" in shown
    kinds = [
        event["kind"]
        for event in api.get(f"/complaints/{reference}", staff.owner).json()["timeline"]
    ]
    assert "handling_form_generated" in kinds and "notification_sent" in kinds  # the API: all


def test_the_record_deadline_is_named_as_configured(browser, staff, monkeypatch) -> None:
    monkeypatch.setenv("COMPLAINTS_RECORD_DEADLINE", "8h")
    get_settings.cache_clear()
    page = browser.sign_in(staff.owner).get("/complaints/new").text
    assert "8小时内须提交文字记录" in page and "24小时" not in page


def test_the_record_deadline_on_the_step_form_and_notice_follows_the_settings(
    api, browser, staff, monkeypatch
) -> None:
    monkeypatch.setenv("COMPLAINTS_RECORD_DEADLINE", "2d")
    get_settings.cache_clear()
    reference = api.new_complaint(staff.owner)
    page = browser.sign_in(staff.owner).get(f"/complaints/{reference}?notice=created").text
    assert "2天内" in page and "24小时" not in page


def test_major_shows_pending_only_while_the_decision_will_be_asked(api, browser, staff) -> None:
    plain = api.new_complaint(staff.owner)  # not suggested major, not a regulator transfer
    browser.sign_in(staff.owner)
    assert "待认定" not in _major(browser.get(f"/complaints/{plain}").text)
    assert "未提示重大" in _major(browser.get(f"/complaints/{plain}").text)
    asked = api.new_complaint(
        staff.owner,
        channel="regulator_transfer",
        content="经监管局转办：销售人员未经同意代签风险测评并承诺保本，客户称将向媒体曝光。",
        amount=1200000,
    )
    assert "待认定" in _major(browser.get(f"/complaints/{asked}").text)


def _major(html: str) -> str:
    return html.split("<dt>是否重大</dt>", 1)[1].split("</dd>", 1)[0]


MAJOR_CASE = (
    "经监管局转办：销售人员未经同意代签风险测评并承诺保本，客户称将向媒体曝光。赎回款未到账"
)


def test_the_suggestion_shows_the_decision_and_the_cues_that_decided_it(browser, staff) -> None:
    """The decision and two or three deciding cues (category, department, major); the other
    reasons (scores, models, categories not chosen) behind a "why" toggle."""
    browser.sign_in(staff.owner)
    answer = browser.client.post(
        "/complaints/suggestion",
        json={"content": MAJOR_CASE, "channel": "phone"},
        headers={"X-CSRF-Token": browser.csrf},
    ).json()["suggestion"]
    cues, more = answer["cues"], answer["more"]
    assert 2 <= len(cues) <= 3
    assert cues[0].startswith("Art. 3(4) 违规操作类") and "财富中心" in cues[1]
    assert cues[2].startswith("重大投诉认定")
    assert any("得分" in reason for reason in more)  # scores: behind the toggle
    assert any("办事效率类" in reason for reason in more)  # a category not chosen
    assert set(cues) | set(more) == set(answer["reasons"]) | set(answer["major_reasons"])

    preview = browser.post(
        "/complaints/new", {"content": MAJOR_CASE, "channel": "phone", "action": "preview"}
    ).text
    shown = preview.split('id="s-cues"', 1)[1].split("</ul>", 1)[0]
    assert shown.count("<li>") == len(cues) and "得分" not in shown
    why = preview.split('id="s-why"', 1)[1].split("</details>", 1)[0]
    assert "<summary>" in why and "得分" in why

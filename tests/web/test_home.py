"""待我办理: each person lands on the complaints at a step they may take now (Art. 5(4), the
step registry's rule), overdue first, then by the nearest due time, with counts per step and a
filter by step; managers also see their department's overdue complaints, leadership and
compliance the company's."""

from __future__ import annotations

from datetime import timedelta

from tests.web.test_api_steps import stage_after, step


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def _order(html: str, *references: str) -> list[str]:
    return sorted((ref for ref in references if ref in html), key=html.index)


def test_each_person_lands_on_what_they_may_take_now_overdue_first(
    api, browser, staff, manual_clock
) -> None:
    first = api.new_complaint(staff.owner)  # its written record is due first
    manual_clock.advance(timedelta(hours=3))
    second = api.new_complaint(
        staff.owner, received_at=(manual_clock.now() - timedelta(minutes=10)).isoformat()
    )
    recorded = api.new_complaint(
        staff.owner, received_at=(manual_clock.now() - timedelta(minutes=5)).isoformat()
    )
    assert stage_after(step(api, recorded, "written-record", staff.owner, text="已记录"))
    manual_clock.advance(timedelta(hours=22))  # the first written record is now overdue

    home = browser.sign_in(staff.owner).get("/")
    assert home.status_code == 200 and "<h1>待我办理</h1>" in home.text
    mine = _section(home.text, "my-work")
    assert _order(mine, first, second, recorded) == [first, second]  # overdue first
    assert 'class="overdue-row"' in mine.split(second)[0]
    counts = home.text.split('id="my-work"')[0]
    assert 'data-step="written_record">提交文字记录 <span class="count">2</span>' in counts
    assert 'id="overdue-list"' not in home.text  # staff see their own work only

    colleague = browser.sign_in(staff.colleague).get("/").text
    assert first not in colleague and "目前没有等待您办理的投诉" in colleague

    manager = browser.sign_in(staff.manager).get("/").text
    assert _order(_section(manager, "my-work"), first, second, recorded) == [recorded]
    overdue = _section(manager, "overdue-list")
    assert "本部门超时投诉" in overdue and first in overdue and second not in overdue
    assert "文字记录" in overdue and "owner姓名" in overdue

    leader = browser.sign_in(staff.leader).get("/").text
    assert "目前没有等待您办理的投诉" in leader
    company = _section(leader, "overdue-list")
    assert "全公司超时投诉" in company and first in company

    compliance = browser.sign_in(staff.compliance).get("/").text
    assert first in _section(compliance, "overdue-list")
    admin = browser.sign_in(staff.admin).get("/").text
    assert 'id="no-steps"' in admin and first not in admin


def test_the_home_page_filters_by_step(api, browser, staff) -> None:
    waiting = api.new_complaint(staff.owner)
    handled = api.new_complaint(staff.owner)
    step(api, handled, "written-record", staff.owner, text="已记录")
    step(api, handled, "assignment", staff.manager, handler="owner")
    browser.sign_in(staff.owner)
    both = _section(browser.get("/").text, "my-work")
    assert waiting in both and handled in both
    only = browser.get("/?step=handling").text
    assert handled in _section(only, "my-work") and waiting not in _section(only, "my-work")
    assert 'data-step="handling" class="current"' in only
    unknown = browser.get("/?step=nonsense")
    assert unknown.status_code == 200 and waiting in unknown.text


def test_leadership_lands_on_the_review_that_waits_for_it(api, browser, staff) -> None:
    reference = api.new_complaint(
        staff.owner,
        channel="regulator_transfer",
        content="经监管局转办：销售人员未经同意代签风险测评并承诺保本，客户称将向媒体曝光。",
        amount=1200000,
    )
    step(api, reference, "written-record", staff.owner, text="已记录")
    department = api.get(f"/complaints/{reference}", staff.owner).json()["department"]
    manager = staff.manager if department == "wealth_center" else staff.gm_manager
    handler = staff.colleague if department == "wealth_center" else staff.gm_staff
    step(api, reference, "assignment", manager, handler=handler.username)
    major = _section(browser.sign_in(staff.leader).get("/").text, "my-work")
    assert reference in major and "认定是否重大投诉" in browser.get("/").text  # leadership may
    step(api, reference, "major-decision", manager, major=True, reason="涉及代签")
    home = browser.sign_in(staff.leader).get("/").text
    assert reference in _section(home, "my-work")
    assert 'data-step="leadership_instruction"' in home  # Art. 4(3): leadership decide how
    step(api, reference, "leadership-instruction", staff.leader, instruction="核实录音后退款")
    step(api, reference, "handling", handler, founded=True, evidence="录音", solution="退款")

    home = browser.sign_in(staff.leader).get("/").text
    assert reference in _section(home, "my-work")
    assert 'data-step="leadership_review"' in home
    assert reference not in _section(browser.sign_in(manager).get("/").text, "my-work")


def test_signed_out_the_home_page_asks_to_sign_in(client, staff) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (303, 307) and "/login" in response.headers["location"]

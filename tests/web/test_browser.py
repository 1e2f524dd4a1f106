"""The staff app in a real browser: Debian's Chromium driven by Playwright, against a uvicorn
server on 127.0.0.1 that this session starts (with the Prefect test harness behind it).

A staff member signs in, takes a complaint through the intake form (the live suggestion shows
the department while typing), sees it routed, submits the written record as its first-inquiry
owner and sees the next step. Each role lands on its 待我办理 page, and an overdue complaint
shows its banner. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import contextvars
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.support.postgres import free_port
from tests.web.conftest import PASSWORD
from tests.web.test_api_steps import step

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
FLAGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = [
    pytest.mark.prefect,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="apt-get install chromium"),
]


@pytest.fixture(scope="session")
def server(app: Any, prefect_api_url: str) -> Iterator[str]:
    """uvicorn in a thread of this process, in the Prefect harness's settings context."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    web = uvicorn.Server(config)
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(web.run,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not web.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    web.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    # Module scope: Playwright's sync API keeps an event loop running in this thread while it
    # is open, and Prefect's sync calls made by later tests would then return coroutines.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def sign_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")


def test_intake_in_the_browser_routes_the_complaint_and_the_owner_records_it(
    server, chromium, staff, settings
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, server, "owner")
    assert "待我办理" in page.inner_text("h1")

    page.click("text=受理投诉")
    page.wait_for_url(f"{server}/complaints/new")
    page.select_option("#channel", "phone")
    page.fill("#customer_name", "张三")
    page.fill("#customer_phone", "138 0000 1234")
    page.fill("#customer_email", "zhangsan@example.test")
    page.fill("#product", "稳盈1号")
    page.fill("#amount", "50000")
    page.fill("#content", "赎回申请提交半个月了钱还没到账，打了三次客服电话都说在处理，效率太低。")
    # The suggestion appears while typing (a small JSON endpoint and a few lines of script).
    page.wait_for_selector("#s-department")
    assert page.inner_text("#s-department").strip() == "财富中心"
    assert page.inner_text("#s-category").strip() == "办事效率类"
    assert page.input_value("#promised_reply_at").endswith("T18:00")  # the policy's proposal
    page.screenshot(path=str(ARTIFACTS / "intake.png"), full_page=True)

    page.click("button[value=submit]")
    page.wait_for_selector("#reference")
    reference = page.inner_text("#reference")
    assert reference.startswith("TS-")
    assert "投诉已受理" in page.inner_text(".notice")
    assert page.inner_text("#department").startswith("财富中心")  # Art. 9
    assert page.inner_text("#stage") == "待提交文字记录"

    page.fill("#text", "客户来电反映赎回款未到账，已致歉，核对赎回申请后转部门经理。")
    page.click("#step-form button[type=submit]")
    page.wait_for_selector("text=当前环节：部门经理安排跟进或移交")
    assert page.inner_text("#stage") == "待部门经理安排"
    assert "已保存" in page.inner_text(".notice")
    assert "提交文字记录" in page.inner_text("#timeline")
    for _ in range(40):  # the run is started after the intake's answer, by a background task
        page.reload()
        if page.query_selector("#run-link"):
            break
        time.sleep(0.25)
    assert "/runs/flow-run/" in page.get_attribute("#run-link", "href")
    assert page.query_selector("#run-pending") is None
    page.screenshot(path=str(ARTIFACTS / "complaint.png"), full_page=True)

    # The same page on a phone: one column, nothing wider than the screen.
    phone = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    mobile = phone.new_page()
    sign_in(mobile, server, "owner")
    mobile.goto(f"{server}/complaints/{reference}")
    assert mobile.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    mobile.screenshot(path=str(ARTIFACTS / "complaint-mobile.png"), full_page=True)
    phone.close()
    context.close()


def test_the_intake_form_works_without_javascript(server, chromium, staff, settings) -> None:
    context = chromium.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, server, "owner")
    page.goto(f"{server}/complaints/new")
    page.fill("#customer_name", "李女士")
    page.fill("#customer_phone", "139000056")  # too short: refused beside the field
    page.fill("#content", "柜台工作人员爱答不理，问了两遍就不耐烦。")
    page.click("button[value=preview]")
    assert page.inner_text("#s-category").strip() == "服务态度类"  # the suggestion, server-side
    page.click("button[value=submit]")
    assert "联系电话格式不正确" in page.inner_text("#customer_phone-error")
    assert page.input_value("#content") == "柜台工作人员爱答不理，问了两遍就不耐烦。"
    page.fill("#customer_phone", "13900005678")
    page.click("button[value=submit]")
    page.wait_for_selector("#reference")
    assert page.inner_text("#stage") == "待提交文字记录"
    context.close()


MAJOR_CASE = "经监管局转办：销售人员未经同意代签风险测评并承诺保本，客户称将向媒体曝光。"


def test_each_role_lands_on_its_work_and_an_overdue_complaint_shows_its_banner(
    server, chromium, staff, api, manual_clock
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    overdue = api.new_complaint(staff.owner)
    manual_clock.advance(timedelta(hours=25))  # its written record is a day late
    api._tokens.clear()
    received = (manual_clock.now() - timedelta(minutes=5)).isoformat()
    to_assign = api.new_complaint(staff.owner, received_at=received)
    step(api, to_assign, "written-record", staff.owner, text="已记录")
    review = api.new_complaint(
        staff.owner,
        received_at=received,
        channel="regulator_transfer",
        content=MAJOR_CASE,
        amount=1200000,
    )
    step(api, review, "written-record", staff.owner, text="已记录")
    department = api.get(f"/complaints/{review}", staff.owner).json()["department"]
    manager = staff.manager if department == "wealth_center" else staff.gm_manager
    handler = staff.colleague if department == "wealth_center" else staff.gm_staff
    step(api, review, "assignment", manager, handler=handler.username)
    step(api, review, "major-decision", manager, major=True, reason="涉及代签")
    step(api, review, "handling", handler, founded=True, evidence="录音", solution="退款")

    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    expected = {
        "owner": ([overdue], [review], False),
        "manager": ([to_assign], [overdue, review], True),
        "leader": ([review], [overdue, to_assign], True),
        "compliance": ([], [overdue, review], True),
        "admin": ([], [overdue], False),
    }
    for username, (mine, not_mine, overdue_list) in expected.items():
        context.clear_cookies()
        page = context.new_page()
        sign_in(page, server, username)
        assert page.inner_text("h1") == "待我办理"
        work = page.inner_text("#my-work") if page.query_selector("#my-work") else ""
        for reference in mine:
            assert reference in work, (username, reference)
        for reference in not_mine:
            assert reference not in work, (username, reference)
        if overdue_list:
            assert overdue in page.inner_text("#overdue-list"), username
        else:
            assert page.query_selector("#overdue-list") is None, username
        page.screenshot(path=str(ARTIFACTS / f"home-{username}.png"), full_page=True)
        page.close()

    page = context.new_page()
    sign_in(page, server, "manager")
    assert page.query_selector("#my-work tr.overdue-row") is None  # nothing of theirs late
    page.click(f"#overdue-list >> text={overdue}")
    page.wait_for_selector("#overdue-banner")
    banner = page.inner_text("#overdue-banner")
    assert "已超过时限" in banner and "文字记录" in banner and "owner姓名" in banner
    assert "生成投诉处理表" not in page.inner_text("#timeline")
    page.screenshot(path=str(ARTIFACTS / "complaint-overdue.png"), full_page=True)
    context.close()

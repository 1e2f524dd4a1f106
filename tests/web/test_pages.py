"""The staff pages without a browser: sign-in and sessions, CSRF, the intake form's validation,
the complaint page and its step forms, lists, deadlines, search; privacy in all of them."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Complaint, ComplaintEvent
from models.web import WebSession
from tests.web.conftest import PASSWORD, field_error
from web.security import LOGIN_COOKIE, SESSION_COOKIE


def local_input(moment: datetime) -> str:
    return moment.astimezone(datetime.now().astimezone().tzinfo).strftime("%Y-%m-%dT%H:%M")


def intake_form(**overrides: str) -> dict[str, str]:
    form = {
        "channel": "onsite",
        "complainant": "customer",
        "customer_name": "李女士",
        "customer_phone": "13900005678",
        "customer_email": "",
        "member_institution": "",
        "product": "安享3号",
        "amount": "",
        "content": "来现场咨询产品，柜台工作人员爱答不理，问了两遍就不耐烦。",
        "received_at": "",
        "promised_reply_at": "",
        "category": "",
        "department": "",
        "major": "",
        "action": "submit",
    }
    form.update(overrides)
    return form


def promised(days: int = 10) -> str:
    from zoneinfo import ZoneInfo

    return (
        (datetime.now(UTC) + timedelta(days=days))
        .astimezone(ZoneInfo("Asia/Shanghai"))
        .strftime("%Y-%m-%dT%H:%M")
    )


def login_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


# Sign-in ------------------------------------------------------------------------------------


def test_pages_need_a_session_and_sign_in_sets_a_safe_cookie(client, staff, session) -> None:
    redirected = client.get("/complaints/new", follow_redirects=False)
    assert redirected.status_code == 303
    assert redirected.headers["location"] == "/login?next=/complaints/new"
    page = client.get("/login?next=/complaints/new")
    assert 'lang="zh-CN"' in page.text and "员工登录" in page.text
    signed_in = client.post(
        "/login",
        data={
            "username": "owner",
            "password": PASSWORD,
            "csrf_token": login_token(page.text),
            "next": "/complaints/new",
        },
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/complaints/new"
    cookie = signed_in.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert client.get("/complaints/new").status_code == 200
    session.commit()
    stored = session.scalar(select(WebSession))
    token = client.cookies.get(SESSION_COOKIE)
    assert stored.token_hash != token and len(stored.token_hash) == 64  # only a digest is kept


def test_the_session_cookie_is_secure_over_https(app, staff, settings) -> None:
    from tests.web.conftest import TestClient

    secure = TestClient(app, base_url="https://testserver")
    page = secure.get("/login")
    assert "Secure" in page.headers["set-cookie"]
    signed_in = secure.post(
        "/login",
        data={"username": "owner", "password": PASSWORD, "csrf_token": login_token(page.text)},
        follow_redirects=False,
    )
    assert "Secure" in signed_in.headers["set-cookie"]


def test_sign_in_needs_the_forms_csrf_token(client, staff) -> None:
    client.get("/login")
    refused = client.post("/login", data={"username": "owner", "password": PASSWORD})
    assert refused.status_code == 403 and "登录页面已过期" in refused.text
    forged = client.post(
        "/login", data={"username": "owner", "password": PASSWORD, "csrf_token": "0" * 64}
    )
    assert forged.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_wrong_passwords_are_refused_then_rate_limited(client, staff, caplog) -> None:
    token = login_token(client.get("/login").text)
    with caplog.at_level(logging.WARNING, logger="web.auth"):
        for _ in range(5):
            wrong = client.post(
                "/login", data={"username": "owner", "password": "nope", "csrf_token": token}
            )
            assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
            assert 'value="owner"' in wrong.text  # the username is kept
        limited = client.post(
            "/login", data={"username": "owner", "password": PASSWORD, "csrf_token": token}
        )
    assert limited.status_code == 429 and "登录失败次数过多" in limited.text
    assert caplog.text.count("sign-in failed username='owner'") == 5
    other = client.post(
        "/login",
        data={"username": "colleague", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert other.status_code == 303  # the limit is per username and client


def test_sign_out_ends_the_session_and_needs_the_csrf_token(browser, staff, session) -> None:
    browser.sign_in(staff.owner)
    assert browser.post("/logout", {}, csrf=False).status_code == 403
    out = browser.post("/logout", {}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    session.commit()
    assert session.scalar(select(func.count()).select_from(WebSession)) == 0
    assert browser.get("/my", follow_redirects=False).status_code == 303


def test_no_open_redirect_after_sign_in(client, staff) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        token = login_token(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": "owner", "password": PASSWORD, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


# Intake form --------------------------------------------------------------------------------


def test_the_intake_form_proposes_a_reply_time_and_defaults_to_now(browser, staff) -> None:
    page = browser.sign_in(staff.owner).get("/complaints/new")
    assert page.status_code == 200
    assert re.search(
        r'id="received_at" name="received_at" type="datetime-local" value="20', page.text
    )
    assert re.search(r'id="promised_reply_at"[^>]*value="20\d\d-\d\d-\d\dT18:00"', page.text)
    assert "个工作日" in page.text  # the explanation of the proposal
    assert 'name="csrf_token"' in page.text


def test_intake_through_the_form_saves_and_shows_the_reference(browser, staff, session) -> None:
    browser.sign_in(staff.owner)
    done = browser.post("/complaints/new", intake_form(promised_reply_at=promised()))
    assert done.status_code == 200
    reference = re.search(r'<span id="reference">(TS-\d{8}-\d{4})</span>', done.text).group(1)
    assert "投诉已受理" in done.text
    assert 'id="run-pending"' in done.text  # Prefect is down here: processing starts later
    assert "服务态度类" in done.text and "财富中心" in done.text
    session.commit()
    complaint = session.scalar(select(Complaint).where(Complaint.reference == reference))
    assert complaint.first_inquiry_owner_id == staff.owner.id


def test_bad_intake_input_is_shown_beside_each_field_and_kept(browser, staff, session) -> None:
    browser.sign_in(staff.owner)
    bad = intake_form(
        customer_phone="12345",
        customer_email="not-mail",
        amount="一万",
        customer_name="",
        content="<b>页面</b>上写的内容要保留",
    )
    response = browser.post("/complaints/new", bad)
    assert response.status_code == 422
    html = response.text
    assert "联系电话格式不正确" in field_error(html, "customer_phone")
    assert "电子邮箱格式不正确" in field_error(html, "customer_email")
    assert "涉及金额请填写数字" in field_error(html, "amount")
    assert field_error(html, "customer_name") == "请填写客户姓名"
    assert "未能现场解决的投诉必须" in field_error(html, "promised_reply_at") or field_error(
        html, "promised_reply_at"
    )
    assert 'value="12345"' in html and 'value="not-mail"' in html  # entered values kept
    assert "&lt;b&gt;页面&lt;/b&gt;上写的内容要保留" in html  # and escaped
    session.commit()
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_a_promised_reply_time_is_required_unless_resolved_on_the_spot(browser, staff) -> None:
    browser.sign_in(staff.owner)
    missing = browser.post("/complaints/new", intake_form())
    assert missing.status_code == 422
    assert field_error(missing.text, "promised_reply_at") == "请填写承诺回复时间"
    spot = browser.post("/complaints/new", intake_form(resolved_on_the_spot="yes", resolution=""))
    assert field_error(spot.text, "resolution") == "请填写现场解决情况"
    ok = browser.post(
        "/complaints/new", intake_form(resolved_on_the_spot="yes", resolution="当场致歉并解释")
    )
    assert ok.status_code == 200 and "投诉已受理" in ok.text


def test_the_preview_shows_the_suggestion_without_saving(browser, staff, session) -> None:
    browser.sign_in(staff.owner)
    preview = browser.post("/complaints/new", intake_form(action="preview"))
    assert preview.status_code == 200
    assert 'id="s-category">服务态度类' in preview.text
    assert 'id="s-department">财富中心' in preview.text
    assert "Art. 3(1)" in preview.text  # the reasons
    session.commit()
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_an_override_in_the_form_is_recorded(browser, staff, session) -> None:
    browser.sign_in(staff.owner)
    browser.post(
        "/complaints/new",
        intake_form(promised_reply_at=promised(), category="efficiency", department=""),
    )
    session.commit()
    received = session.scalar(select(ComplaintEvent).where(ComplaintEvent.kind == "received"))
    assert received.data["overrides"] == {
        "category": {"suggested": "service_attitude", "confirmed": "efficiency"}
    }


def test_the_live_suggestion_endpoint_needs_the_session_and_csrf_header(browser, staff) -> None:
    browser.sign_in(staff.owner)
    body = {"content": "涉及金额120万，销售人员未经同意代签，客户要起诉", "channel": "phone"}
    refused = browser.client.post("/complaints/suggestion", json=body)
    assert refused.status_code == 403
    answer = browser.client.post(
        "/complaints/suggestion", json=body, headers={"X-CSRF-Token": browser.csrf}
    ).json()
    assert answer["suggestion"]["category"] == "violation"
    assert answer["suggestion"]["major"] is True
    assert answer["proposal"]["value"].endswith("T18:00")
    browser.client.cookies.clear()
    anonymous = browser.client.post("/complaints/suggestion", json=body, follow_redirects=False)
    assert anonymous.status_code == 303


def test_forms_without_the_csrf_token_are_refused(browser, staff, session) -> None:
    browser.sign_in(staff.owner)
    forged = browser.post("/complaints/new", intake_form(promised_reply_at=promised()), csrf=False)
    assert forged.status_code == 403 and "防跨站请求伪造" in forged.text
    session.commit()
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_only_staff_and_managers_receive_complaints(browser, staff) -> None:
    page = browser.sign_in(staff.leader).get("/complaints/new")
    assert page.status_code == 403 and "受理投诉" in page.text


def test_an_oversized_form_is_413(browser, staff) -> None:
    browser.sign_in(staff.owner)
    response = browser.post("/complaints/new", intake_form(content="投" * 40_000))
    assert response.status_code == 413 and "内容过大" in response.text


# A complaint's page -------------------------------------------------------------------------


def test_the_owner_sees_the_timeline_step_form_and_downloads(api, browser, staff) -> None:
    reference = api.new_complaint(staff.owner)
    page = browser.sign_in(staff.owner).get(f"/complaints/{reference}").text
    assert '<strong id="stage">待提交文字记录</strong>' in page
    assert 'id="step-form"' in page and f"/complaints/{reference}/steps/written_record" in page
    assert "受理登记" in page  # the timeline
    assert f"/complaints/{reference}/form.docx" in page
    assert "13800001234" in page  # the owner handles the case
    form = browser.get(f"/complaints/{reference}/form.docx")
    assert form.status_code == 200 and form.content[:2] == b"PK"


def test_a_colleague_sees_no_step_form_and_masked_data(api, browser, staff) -> None:
    reference = api.new_complaint(staff.owner)
    page = browser.sign_in(staff.colleague).get(f"/complaints/{reference}").text
    assert 'id="step-form"' not in page and "首问负责人" in page
    assert "13800001234" not in page and "138****1234" in page
    assert "form.docx" not in page
    assert browser.get(f"/complaints/{reference}/form.docx").status_code == 403


def test_other_departments_and_unknown_complaints_are_refused(api, browser, staff) -> None:
    reference = api.new_complaint(staff.owner)
    browser.sign_in(staff.gm_staff)
    other = browser.get(f"/complaints/{reference}")
    assert other.status_code == 403 and "无权查看" in other.text
    missing = browser.get("/complaints/TS-20200101-0001")
    assert missing.status_code == 404 and "找不到" in missing.text


def test_a_step_through_its_form_then_the_next_step(api, browser, staff) -> None:
    reference = api.new_complaint(staff.owner)
    browser.sign_in(staff.owner)
    empty = browser.post(f"/complaints/{reference}/steps/written_record", {"text": "  "})
    assert empty.status_code == 422
    assert field_error(empty.text, "text") == "请填写文字记录"
    saved = browser.post(f"/complaints/{reference}/steps/written_record", {"text": "已记录"})
    assert saved.status_code == 200
    assert "已保存。处理流程将在稍后自动继续" in saved.text
    assert '<strong id="stage">待部门经理安排</strong>' in saved.text
    stale = browser.post(f"/complaints/{reference}/steps/written_record", {"text": "再交一次"})
    assert stale.status_code == 409 and "当前处于「待部门经理安排」" in stale.text
    unknown = browser.post(f"/complaints/{reference}/steps/teleport", {})
    assert unknown.status_code == 404

    manager = browser.sign_in(staff.manager).get(f"/complaints/{reference}").text
    assert 'name="handler"' in manager and 'value="colleague"' in manager
    assigned = browser.post(
        f"/complaints/{reference}/steps/assignment", {"mode": "handler", "handler": "colleague"}
    )
    assert '<strong id="stage">待核实处理</strong>' in assigned.text
    handling = browser.sign_in(staff.colleague).post(
        f"/complaints/{reference}/steps/handling", {"evidence": "e", "solution": "s"}
    )
    assert handling.status_code == 422
    assert field_error(handling.text, "founded") == "请选择核实结论：属实或不属实"


def test_wrong_role_posting_a_step_form_is_403(api, browser, staff) -> None:
    reference = api.new_complaint(staff.owner)
    refused = browser.sign_in(staff.colleague).post(
        f"/complaints/{reference}/steps/written_record", {"text": "代写"}
    )
    assert refused.status_code == 403 and "首问负责人" in refused.text


# Lists, deadlines, search -------------------------------------------------------------------


def test_lists_mask_the_complainant(api, browser, staff) -> None:
    reference = api.new_complaint(staff.owner)
    for user, path in (
        (staff.owner, "/my"),
        (staff.colleague, "/queue"),
        (staff.manager, "/queue"),
        (staff.leader, "/queue?department=wealth_center"),
    ):
        page = browser.sign_in(user).get(path).text
        assert reference in page, (user.username, path)
        assert "138****1234" in page and "13800001234" not in page
        assert "张*" in page and "张三" not in page


def test_queue_of_another_department_is_refused_to_staff(api, browser, staff) -> None:
    reference = api.new_complaint(staff.owner)
    browser.sign_in(staff.gm_staff)
    assert reference not in browser.get("/queue").text
    refused = browser.get("/queue?department=wealth_center")
    assert refused.status_code == 403


def test_overdue_and_soon_due_deadlines_with_countdowns(api, browser, staff) -> None:
    long_ago = (datetime.now(UTC) - timedelta(hours=30)).isoformat()
    late = api.new_complaint(staff.owner, received_at=long_ago)
    fresh = api.new_complaint(staff.owner)
    page = browser.sign_in(staff.owner).get("/deadlines").text
    assert late in page and "已超时" in page and "24小时文字记录" in page
    assert fresh in page and "剩余" in page  # due within 24 hours
    manager = browser.sign_in(staff.manager).get("/deadlines").text
    assert late in manager
    assert late not in browser.sign_in(staff.gm_staff).get("/deadlines").text


def test_major_cases_are_for_leadership(api, browser, staff) -> None:
    reference = api.new_complaint(
        staff.owner, channel="regulator_transfer", content="监管转办：未经同意代签，将起诉。"
    )
    assert browser.sign_in(staff.owner).get("/major").status_code == 403
    page = browser.sign_in(staff.leader).get("/major").text
    assert reference in page and "疑似重大" in page


def test_search_by_reference_or_phone_logs_no_phone(api, browser, staff, caplog) -> None:
    reference = api.new_complaint(staff.owner)
    browser.sign_in(staff.colleague)
    by_reference = browser.post("/search", {"q": reference.lower()}, follow_redirects=False)
    assert by_reference.status_code == 303
    assert by_reference.headers["location"] == f"/complaints/{reference}"
    browser.sign_in(staff.owner)
    with caplog.at_level(logging.INFO, logger="web.access"):
        by_phone = browser.post("/search", {"q": "138 0000 1234"}).text
    assert reference in by_phone and "138****1234" in by_phone
    assert "search by phone by owner: 1 complaints shown" in caplog.text
    assert "1234" not in caplog.text.replace(reference, "")
    none = browser.sign_in(staff.gm_staff).post("/search", {"q": "13800001234"}).text
    assert f'href="/complaints/{reference}"' not in none  # only what the user may see
    nonsense = browser.post("/search", {"q": "hello"}).text
    assert "请输入完整的投诉编号" in nonsense


@pytest.mark.parametrize("path", ["/my", "/queue", "/deadlines", "/search", "/complaints/new"])
def test_pages_are_not_cached_and_carry_security_headers(browser, staff, path) -> None:
    response = browser.sign_in(staff.owner).get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_login_nonce_cookie_is_http_only(client, staff) -> None:
    client.get("/login")
    assert LOGIN_COOKIE in client.cookies


@pytest.mark.prefect
def test_the_page_says_when_the_complaints_run_is_behind_its_saved_steps(
    browser, staff, session, settings, prefect_up, monkeypatch
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import State, StateType

    import web.actions
    from models.db import utcnow
    from orchestration.runs import start_lifecycle_run
    from services.intake import register_complaint
    from services.steps import submit_written_record
    from tests.models.factories import sample_intake

    an_hour_ago = utcnow() - timedelta(hours=1)
    complaint = register_complaint(
        session,
        intake=sample_intake(
            received_at=an_hour_ago, promised_reply_at=an_hour_ago + timedelta(days=15)
        ),
        owner=staff.owner,
        now=an_hour_ago,
        settings=settings,
    )
    session.flush()
    run_id = start_lifecycle_run(
        complaint_id=complaint.id,
        reference=complaint.reference,
        created_at=complaint.created_at,
        tags=["complaint"],
    )
    complaint.flow_run_id = str(run_id)
    session.commit()
    browser.sign_in(staff.owner)
    grace = settings.stuck_run_after

    def page_says_behind(state_type: StateType | None, later: timedelta = grace * 2) -> bool:
        if state_type is not None:
            with get_client(sync_client=True) as client:
                client.set_flow_run_state(run_id, State(type=state_type), force=True)
        with monkeypatch.context() as clock:
            clock.setattr(web.actions, "utcnow", lambda: utcnow() + later)
            page = browser.get(f"/complaints/{complaint.reference}")
        assert page.status_code == 200
        return 'id="run-behind"' in page.text

    # Given to a worker just now: not behind yet; still waiting past the threshold: behind.
    assert not page_says_behind(StateType.SCHEDULED, later=timedelta(0))
    assert page_says_behind(None)
    # Suspended, then a step was saved and the run not woken: behind once past the threshold.
    page_says_behind(StateType.PAUSED)
    submit_written_record(
        session, complaint=complaint, actor=staff.owner, text="文字记录", now=utcnow()
    )
    session.commit()
    assert not page_says_behind(None, later=timedelta(0))
    assert page_says_behind(None)
    # Left Pending by a worker that died: behind.
    assert page_says_behind(StateType.PENDING)
    # Executing now: not behind (the rule in full: tests/orchestration/test_runs.py).
    assert not page_says_behind(StateType.RUNNING)


def test_leadership_give_their_instruction_on_a_major_case_through_its_form(
    api, browser, staff
) -> None:
    """Art. 4(3) 研究处理: the form for leadership's instruction; a refusal keeps what was
    typed, nothing is saved until it is right; then the case goes to handling."""
    reference = api.new_complaint(
        staff.owner, channel="regulator_transfer", content="监管转办：未经同意代签，将起诉。"
    )
    api.post(f"/complaints/{reference}/written-record", staff.owner, {"text": "已记录"})
    department = api.get(f"/complaints/{reference}", staff.owner).json()["department"]
    manager = staff.manager if department == "wealth_center" else staff.gm_manager
    handler = "colleague" if department == "wealth_center" else "gm_staff"
    api.post(f"/complaints/{reference}/assignment", manager, {"handler": handler})
    api.post(
        f"/complaints/{reference}/major-decision", manager, {"major": True, "reason": "将起诉"}
    )
    page = browser.sign_in(staff.leader).get(f"/complaints/{reference}").text
    assert '<strong id="stage">待公司领导研究处理</strong>' in page
    assert f"/complaints/{reference}/steps/leadership_instruction" in page
    assert 'name="instruction"' in page and 'name="due_at"' in page
    assert f'value="{handler}"' in page and "不指定" in page
    path = f"/complaints/{reference}/steps/leadership_instruction"
    too_late = browser.post(
        path,
        {
            "instruction": "按合同退款并致歉",
            "handler": handler,
            "due_at": local_input(datetime.now(UTC) + timedelta(days=90)),
        },
    )
    assert too_late.status_code == 422
    assert "60 天" in field_error(too_late.text, "due_at")
    assert "按合同退款并致歉" in too_late.text  # what was typed is kept
    assert '<strong id="stage">待公司领导研究处理</strong>' in too_late.text
    given = browser.post(
        path,
        {
            "instruction": "按合同退款并致歉",
            "handler": handler,
            "due_at": local_input(datetime.now(UTC) + timedelta(days=5)),
        },
    )
    assert given.status_code == 200, given.text
    assert '<strong id="stage">待核实处理</strong>' in given.text
    assert "公司领导研究处理意见" in given.text and "按合同退款并致歉" in given.text
    assert "指定处理人员" in given.text and "处理时限" in given.text
    # The case file shows the instruction to the people handling it as well.
    staff_page = browser.sign_in(staff.owner).get(f"/complaints/{reference}").text
    assert "公司领导研究处理" in staff_page

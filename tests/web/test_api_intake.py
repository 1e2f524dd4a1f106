"""POST /api/complaints (受理) and GET /api/complaints/{reference}: saved first, then the flow run
(docs/architecture.md, "Nothing lost"); every bad input refused with a Chinese message and
nothing saved."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from prefect.client.orchestration import get_client
from sqlalchemy import func, select

from models import Complaint, ComplaintEvent, Customer, Deadline
from models.web import LoginAttempt
from policy.enums import Category, DeadlineKind, Department, Stage
from tests.web.conftest import PASSWORD, complaint_body


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.commit()  # end the test's snapshot (SQLite) to see what the app committed
    return int(session.scalar(select(func.count()).select_from(model)))


def test_intake_saves_the_complaint_routes_it_and_the_caller_owns_it(api, staff, session) -> None:
    response = api.intake(staff.owner)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["reference"].startswith("TS-")
    assert body["stage"] == "awaiting_written_record"
    assert body["department"] == "wealth_center"  # Art. 9: a service complaint
    assert body["category"] == "efficiency"  # Art. 3(2)
    assert body["flow_run_id"] is None  # started after the answer

    session.commit()
    complaint = session.scalar(select(Complaint).where(Complaint.reference == body["reference"]))
    assert complaint.first_inquiry_owner_id == staff.owner.id  # Art. 2(4) 首问负责制
    assert complaint.contact.phone == "13800001234"  # normalised
    kinds = {row.kind for row in session.scalars(select(Deadline))}
    assert kinds == {DeadlineKind.written_record, DeadlineKind.reply}


def test_intake_with_the_prefect_api_down_keeps_the_complaint_and_says_it_starts_later(
    api, staff, session, caplog
) -> None:
    with caplog.at_level(logging.WARNING, logger="web.actions"):
        reference = api.new_complaint(staff.owner)
    assert "reconciliation will start it" in caplog.text
    detail = api.get(f"/complaints/{reference}", staff.owner).json()
    assert detail["flow_run_id"] is None and detail["flow_run_url"] is None
    assert detail["stage"] == "awaiting_written_record"
    assert count(session, Complaint) == 1
    page = api.client.get(f"/complaints/{reference}")  # pages need a signed-in session
    assert page.url.path == "/login"


@pytest.mark.prefect
def test_intake_with_the_prefect_api_up_starts_the_lifecycle_run_without_personal_data(
    api, staff, session, settings, prefect_up
) -> None:
    reference = api.new_complaint(staff.owner)
    detail = api.get(f"/complaints/{reference}", staff.owner).json()
    run_id = detail["flow_run_id"]
    assert run_id, "the background task stores the run's id"
    assert detail["flow_run_url"] == f"{settings.prefect_ui_url}/runs/flow-run/{run_id}"
    with get_client(sync_client=True) as prefect:
        run = prefect.read_flow_run(run_id)
    assert run.name == f"complaint-{reference}"
    assert run.parameters == {"complaint_id": detail["id"]}
    stored = json.dumps(run.model_dump(mode="json"), ensure_ascii=False)
    for personal in ("张三", "13800001234", "zhangsan@example.test", "赎回申请"):
        assert personal not in stored  # Art. 2(5)


def test_overrides_of_the_suggestion_are_recorded_in_the_log(api, staff, session) -> None:
    reference = api.new_complaint(
        staff.owner, category="service_attitude", department="general_management", major=True
    )
    session.commit()
    complaint = session.scalar(select(Complaint).where(Complaint.reference == reference))
    assert complaint.category is Category.service_attitude
    assert complaint.suggested_category is Category.efficiency
    assert complaint.department.code is Department.general_management
    received = session.scalar(select(ComplaintEvent).where(ComplaintEvent.kind == "received"))
    assert set(received.data["overrides"]) == {"category", "department", "major"}


def test_member_complaint_goes_to_member_management_and_needs_the_institution(api, staff) -> None:
    body = {"complainant": "member", "content": "我公司年审材料已提交，会员管理部至今未反馈。"}
    refused = api.intake(staff.owner, **body)
    assert refused.status_code == 422
    assert refused.json()["field"] == "member_institution"
    accepted = api.intake(staff.owner, member_institution="某某资产管理有限公司", **body)
    assert accepted.status_code == 201
    assert accepted.json()["department"] == "member_management"  # Art. 9


def test_resolved_on_the_spot_needs_the_resolution_and_no_reply_time(api, staff) -> None:
    refused = api.intake(staff.owner, resolved_on_the_spot=True, promised_reply_at=...)
    assert refused.status_code == 422 and refused.json()["field"] == "resolution"
    accepted = api.intake(
        staff.owner, resolved_on_the_spot=True, resolution="当场核对并致歉", promised_reply_at=...
    )
    assert accepted.status_code == 201


def test_a_complaint_not_resolved_at_once_needs_a_promised_reply_time_art_2_4(api, staff) -> None:
    response = api.intake(staff.owner, promised_reply_at=...)
    assert response.status_code == 422
    problem = response.json()
    assert problem["field"] == "promised_reply_at"
    assert "明确的回复时间" in problem["detail"]
    late = (datetime.now(UTC) + timedelta(days=90)).isoformat()
    too_late = api.intake(staff.owner, promised_reply_at=late)
    assert too_late.status_code == 422 and "60 天" in too_late.json()["detail"]


# A time two hours ahead, made when the test runs: the test ids stay the same in every test
# process (pytest-xdist checks that its processes collected the same tests).
IN_TWO_HOURS = "<two hours from now>"


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("customer_phone", "12345", "联系电话格式不正确"),
        ("customer_phone", "1380000123a", "联系电话格式不正确"),
        ("customer_email", "not-an-email", "电子邮箱格式不正确"),
        ("customer_name", "   ", "请填写客户姓名"),
        ("content", "x" * 5001, "不能超过 5000 个字符"),
        ("customer_name", "张" * 101, "不能超过 100 个字符"),
        ("amount", -1, "不能为负数"),
        ("amount", 12.345, "两位小数"),
        ("received_at", "2026-11-27T10:00:00", "带时区"),
        ("received_at", IN_TWO_HOURS, "不能晚于当前时间"),
        ("received_at", "1999-01-01T00:00:00+08:00", "合理范围"),
        ("content", "含\x00字符", "控制字符"),
        ("channel", "email", "投诉渠道必须是以下之一"),
    ],
)
def test_bad_input_is_refused_beside_its_field_in_chinese(
    api, staff, session, field, value, fragment
) -> None:
    if value == IN_TWO_HOURS:
        value = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    response = api.intake(staff.owner, **{field: value})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert any(item["field"] == field and fragment in item["message"] for item in problem["errors"])
    assert count(session, Complaint) == 0 and count(session, Customer) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "50000"),  # a string is not a number
        ("amount", True),
        ("resolved_on_the_spot", 1),  # 1 is not true
        ("major", "false"),
        ("customer_phone", 13800001234),  # a number is not a string
        ("received_at", 1764201600),  # nor a timestamp a time
    ],
)
def test_no_lax_coercion(api, staff, field, value) -> None:
    response = api.intake(staff.owner, **{field: value})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_unknown_fields_are_refused(api, staff) -> None:
    response = api.intake(staff.owner, id_number="510100199001011234")
    assert response.status_code == 422
    assert "不认识的字段" in response.json()["detail"]


def test_malformed_json_is_400(api, staff) -> None:
    headers = {**api.headers(staff.owner), "Content-Type": "application/json"}
    response = api.client.post("/api/complaints", content=b'{"channel": ', headers=headers)
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    not_utf8 = api.client.post("/api/complaints", content=b'{"a": "\xff"}', headers=headers)
    assert not_utf8.status_code == 400


def test_an_oversized_body_is_413_whether_announced_or_streamed(api, staff, session) -> None:
    headers = {**api.headers(staff.owner), "Content-Type": "application/json"}
    huge = json.dumps(complaint_body(content="投" * 60_000), ensure_ascii=False).encode()
    announced = api.client.post("/api/complaints", content=huge, headers=headers)
    assert announced.status_code == 413
    assert announced.json()["code"] == "payload_too_large"

    def chunks():  # no Content-Length: the limit is enforced while reading
        for start in range(0, len(huge), 8192):
            yield huge[start : start + 8192]

    streamed = api.client.post("/api/complaints", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert count(session, Complaint) == 0


def test_intake_needs_a_token_and_a_receiving_role(api, staff) -> None:
    missing = api.post("/complaints", None, complaint_body())
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    bad = api.client.post(
        "/api/complaints", json=complaint_body(), headers={"Authorization": "Bearer nonsense"}
    )
    assert bad.status_code == 401 and "令牌" in bad.json()["detail"]
    for user in (staff.leader, staff.compliance, staff.admin):
        refused = api.intake(user)
        assert refused.status_code == 403
        assert "受理投诉" in refused.json()["detail"]
    assert api.intake(staff.manager).status_code == 201


def test_login_gives_a_token_and_failures_are_logged_and_rate_limited(
    api, staff, session, caplog
) -> None:
    ok = api.client.post("/api/login", json={"username": "owner", "password": PASSWORD})
    assert ok.status_code == 200
    token = ok.json()["token"]
    mine = api.client.get(
        "/api/complaints/TS-20260101-0001", headers={"Authorization": f"Bearer {token}"}
    )
    assert mine.status_code == 404  # the token works; that complaint does not exist

    with caplog.at_level(logging.INFO, logger="web.auth"):
        for _ in range(5):
            wrong = api.client.post("/api/login", json={"username": "owner", "password": "wrong"})
            assert wrong.status_code == 401
        limited = api.client.post("/api/login", json={"username": "owner", "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "sign-in failed username='owner'" in caplog.text
    assert "rate limit" in caplog.text
    session.commit()
    attempts = session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [attempt.succeeded for attempt in attempts] == [True] + [False] * 5
    assert PASSWORD not in caplog.text  # passwords are never logged


def test_an_inactive_account_cannot_sign_in_or_use_its_token(api, staff, session) -> None:
    headers = api.headers(staff.colleague)
    staff.colleague.active = False
    session.commit()
    assert api.client.get("/api/complaints/TS-20260101-0001", headers=headers).status_code == 401
    login = api.client.post("/api/login", json={"username": "colleague", "password": PASSWORD})
    assert login.status_code == 401


def test_get_complaint_shows_stage_deadlines_and_timeline_and_masks_for_others(api, staff) -> None:
    reference = api.new_complaint(staff.owner)
    mine = api.get(f"/complaints/{reference}", staff.owner).json()
    assert mine["stage"] == "awaiting_written_record"
    assert mine["current_step"] == "written_record"
    assert mine["customer"] == {
        "masked": False,
        "name": "张三",
        "phone": "13800001234",
        "email": "zhangsan@example.test",
        "member_institution": None,
    }
    assert [(d["step"], d["status"]) for d in mine["deadlines"]] == [
        ("written_record", "open"),
        ("handling", "open"),
    ]
    assert {d["responsible"] for d in mine["deadlines"]} == {staff.owner.username}
    assert [event["kind"] for event in mine["timeline"]] == ["received"]

    colleague = api.get(f"/complaints/{reference}", staff.colleague).json()  # same department
    assert colleague["customer"]["masked"] is True
    assert colleague["customer"]["phone"] == "138****1234"
    assert colleague["customer"]["name"] == "张*"
    for user in (staff.manager, staff.leader):
        assert api.get(f"/complaints/{reference}", user).json()["customer"]["masked"] is False
    for user in (staff.compliance, staff.admin):
        assert api.get(f"/complaints/{reference}", user).json()["customer"]["masked"] is True

    other = api.get(f"/complaints/{reference}", staff.gm_staff)
    assert other.status_code == 403 and "无权查看" in other.json()["detail"]
    unknown = api.get("/complaints/TS-20200101-9999", staff.owner)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    assert api.get("/complaints/..%2F..%2Fetc", staff.owner).status_code == 404


def test_html_in_text_is_stored_as_typed_and_shown_escaped(api, staff, browser) -> None:
    script = "<script>alert('x')</script>客服态度恶劣"
    reference = api.new_complaint(staff.owner, content=script, customer_name="<b>王五</b>")
    assert api.get(f"/complaints/{reference}", staff.owner).json()["content"] == script
    page = browser.sign_in(staff.owner).get(f"/complaints/{reference}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)" in page
    assert "<b>王五</b>" not in page and "&lt;b&gt;王五&lt;/b&gt;" in page


def test_the_first_inquiry_owner_keeps_the_complaint_after_it_is_routed_elsewhere(
    api, staff, session
) -> None:
    reference = api.new_complaint(staff.gm_staff)  # 综合管理部 receives a 财富中心 complaint
    detail = api.get(f"/complaints/{reference}", staff.gm_staff).json()
    assert detail["department"] == "wealth_center"
    assert detail["first_inquiry_owner"] == "gm_staff"
    assert detail["customer"]["masked"] is False
    assert detail["stage"] == Stage.awaiting_written_record.value


def test_the_cap_of_a_promised_reply_time_is_a_setting_art_2_4(
    api, staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.settings import get_settings

    monkeypatch.setenv("COMPLAINTS_REPLY_MAX_DAYS", "30")
    get_settings.cache_clear()
    in_40_days = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    refused = api.intake(staff.owner, promised_reply_at=in_40_days)
    assert refused.status_code == 422 and "30 天" in refused.json()["detail"]

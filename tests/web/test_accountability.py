"""The accountability register through the JSON API and the staff app (Art. 7): breaches stay
listed against the responsible person after the step is done; compliance alone records one
finding on each; refusals are Chinese 4xx with nothing saved, and a refused form keeps what was
typed."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import func, select

from models import Complaint, Deadline
from models.accountability import BreachFinding
from policy.enums import DeadlineKind, DeadlineStatus
from tests.web.conftest import field_error


def _breached(api, staff, session) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A complaint whose written record came 3 hours late: its limit breached, then met."""
    ref = api.new_complaint(staff.owner)
    assert api.post(f"/complaints/{ref}/written-record", staff.owner, {"text": "已记录"}).is_success
    session.expire_all()
    deadline = session.scalars(
        select(Deadline)
        .join(Complaint, Complaint.id == Deadline.complaint_id)
        .where(Complaint.reference == ref, Deadline.kind == DeadlineKind.written_record)
    ).one()
    deadline.status = DeadlineStatus.breached
    deadline.breached_at = deadline.due_at
    deadline.met_at = deadline.due_at + timedelta(hours=3)
    session.commit()
    return ref, deadline.id


def _findings(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(BreachFinding)) or 0


def test_api_lists_the_breach_per_person_and_compliance_records_a_finding(
    api, staff, session
) -> None:
    ref, breach_id = _breached(api, staff, session)
    listed = api.get("/accountability", staff.compliance)
    assert listed.status_code == 200, listed.text
    (breach,) = listed.json()["breaches"]
    assert breach["reference"] == ref and breach["id"] == breach_id
    assert breach["kind_label"] == "24小时文字记录" and breach["responsible"] == "owner"
    assert breach["met_at"] is not None and breach["finding"] is None
    (person,) = listed.json()["people"]
    assert (person["username"], person["breaches"], person["without_finding"]) == ("owner", 1, 1)

    done = api.post(
        f"/breaches/{breach_id}/finding",
        staff.compliance,
        {"finding": "accepted_reason", "note": "客户当日联系不上，理由成立"},
    )
    assert done.status_code == 201, done.text
    assert done.json()["label"] == "理由成立，不予追责"
    again = api.get("/accountability?user=owner", staff.leader).json()
    assert again["breaches"][0]["finding"]["recorded_by"] == "compliance"
    assert again["people"][0]["findings"] == {"accepted_reason": 1}

    twice = api.post(
        f"/breaches/{breach_id}/finding", staff.compliance, {"finding": "warning", "note": "x"}
    )
    assert twice.status_code == 409 and "不能重复认定" in twice.json()["detail"]
    assert _findings(session) == 1


def test_api_refuses_with_a_chinese_reason_and_saves_nothing(api, staff, session) -> None:
    _, breach_id = _breached(api, staff, session)
    by_manager = api.post(
        f"/breaches/{breach_id}/finding", staff.manager, {"finding": "warning", "note": "警示"}
    )
    assert by_manager.status_code == 403 and "合规" in by_manager.json()["detail"]
    unknown = api.post(
        "/breaches/999999/finding", staff.compliance, {"finding": "warning", "note": "警示"}
    )
    assert unknown.status_code == 404 and "超时记录" in unknown.json()["detail"]
    no_note = api.post(f"/breaches/{breach_id}/finding", staff.compliance, {"finding": "warning"})
    assert no_note.status_code == 422 and no_note.json()["detail"] == "请填写认定说明"
    bad_finding = api.post(
        f"/breaches/{breach_id}/finding", staff.compliance, {"finding": "fine", "note": "x"}
    )
    assert bad_finding.status_code == 422 and "认定结果" in bad_finding.json()["detail"]
    bad_date = api.get("/accountability?from=2026-13-01", staff.compliance)
    assert bad_date.status_code == 422 and "开始日期" in bad_date.json()["detail"]
    staff_reads = api.get("/accountability", staff.owner)
    assert staff_reads.status_code == 403
    assert _findings(session) == 0


def test_page_lists_the_breach_and_a_refused_finding_keeps_what_was_typed(
    api, staff, session, browser
) -> None:
    ref, breach_id = _breached(api, staff, session)
    browser.sign_in(staff.compliance)
    page = browser.get("/accountability")
    assert page.status_code == 200
    assert ref in page.text and "超时责任台账" in page.text and "保存认定" in page.text

    refused = browser.post(
        f"/accountability/{breach_id}/finding", {"finding": "", "note": "写了一半的说明"}
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "finding") == "请选择认定结果"
    assert "写了一半的说明" in html.unescape(refused.text)
    assert _findings(session) == 0

    saved = browser.post(
        f"/accountability/{breach_id}/finding",
        {"finding": "referral", "note": "多次超时，移交追责"},
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "移交追责" in saved.text and "已保存认定" in saved.text
    assert _findings(session) == 1


def test_page_for_a_manager_shows_no_finding_form_and_staff_have_no_register(
    api, staff, session, browser
) -> None:
    ref, _ = _breached(api, staff, session)
    browser.sign_in(staff.manager)
    page = browser.get("/accountability")
    assert ref in page.text and "保存认定" not in page.text and "待合规认定" in page.text
    browser.sign_in(staff.owner)
    assert browser.get("/accountability").status_code == 403
    assert "/accountability" not in browser.get("/my").text

"""Who or what a complaint is about and the customer's demand, through the API and the pages:
recorded at intake, confirmed or corrected before the assignment, shown on the complaint; the
person complained about is never the handler (422 with the reason), does not verify, and sees
the customer's details masked (Art. 4 回避, Art. 2(5))."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Complaint
from tests.web.conftest import field_error
from tests.web.test_pages import intake_form, promised


def step(api, reference, name, user, **body):  # type: ignore[no-untyped-def]
    return api.post(f"/complaints/{reference}/{name}", user, body)


def _count(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Complaint)) or 0


def test_the_api_takes_the_subject_and_demand_at_intake_and_shows_them(api, staff) -> None:
    ref = api.new_complaint(
        staff.owner,
        content="理财经理私自替我赎回，要求赔偿损失",
        subject_department="member_management",
        subject_staff="colleague",
        subject_institution="某某证券营业部",
        demand_note="赔偿利息",
    )
    shown = api.get(f"/complaints/{ref}", staff.owner).json()
    assert shown["subject"] == {
        "department": "member_management",
        "department_name": shown["subject"]["department_name"],
        "staff": "colleague",
        "staff_name": "colleague姓名",
        "institution": "某某证券营业部",
        "product": "稳盈1号",
    }
    assert shown["subject"]["department_name"]
    # No demand given: the one the text suggests (赔偿).
    assert shown["demand"] == {"code": "compensation", "label": "赔偿", "note": "赔偿利息"}


def test_an_unknown_subject_is_refused_in_chinese_and_nothing_is_saved(api, staff, session) -> None:
    before = _count(session)
    refused = api.intake(staff.owner, subject_staff="nobody")
    assert refused.status_code == 422
    assert "找不到被投诉人员「nobody」" in refused.text
    refused = api.intake(staff.owner, subject_department="no_such_department")
    assert refused.status_code == 422 and "被投诉部门" in refused.text
    refused = api.intake(staff.owner, demand="money")
    assert refused.status_code == 422 and "客户诉求" in refused.text
    assert _count(session) == before


def test_art4_the_person_complained_about_is_refused_as_handler_with_the_reason(api, staff) -> None:
    ref = api.new_complaint(staff.owner, subject_staff="colleague")
    assert step(api, ref, "written-record", staff.owner, text="已记录").status_code == 200
    refused = step(api, ref, "assignment", staff.manager, handler="colleague")
    assert refused.status_code == 422
    assert "被投诉人员应当回避" in refused.text
    shown = api.get(f"/complaints/{ref}", staff.manager).json()
    assert shown["handler"] is None and shown["stage"] == "awaiting_assignment"


def test_art4_the_person_complained_about_sees_the_customer_masked(api, staff) -> None:
    # The department's manager would see the customer in full; complained about, they do not.
    ref = api.new_complaint(staff.owner, customer_name="王五", subject_staff="manager")
    shown = api.get(f"/complaints/{ref}", staff.manager).json()
    assert shown["customer"]["masked"] is True
    assert "王五" not in str(shown["customer"])
    assert api.get(f"/complaints/{ref}/form.docx", staff.manager).status_code == 403
    other = api.new_complaint(staff.owner, customer_name="王五")
    assert api.get(f"/complaints/{other}", staff.manager).json()["customer"]["masked"] is False


def test_the_subject_is_corrected_through_the_api_before_the_assignment(api, staff) -> None:
    ref = api.new_complaint(staff.owner)
    done = api.post(
        f"/complaints/{ref}/subject",
        staff.owner,
        {"subject_staff": "colleague", "demand": "apology", "product": "稳盈1号"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["subject"]["staff"] == "colleague"
    refused = api.post(f"/complaints/{ref}/subject", staff.owner, {"subject_staff": "ghost"})
    assert refused.status_code == 422 and "找不到被投诉人员" in refused.text
    refused = api.post(f"/complaints/{ref}/subject", staff.colleague, {})
    assert refused.status_code == 403
    step(api, ref, "written-record", staff.owner, text="已记录")
    step(api, ref, "assignment", staff.manager, handler="owner")
    late = api.post(f"/complaints/{ref}/subject", staff.manager, {})
    assert late.status_code == 409
    assert api.get(f"/complaints/{ref}", staff.owner).json()["subject"]["staff"] == "colleague"


def test_the_intake_form_takes_the_subject_and_keeps_it_when_refused(
    browser, staff, session
) -> None:
    page = browser.sign_in(staff.owner)
    form = intake_form(
        promised_reply_at=promised(),
        subject_staff="nobody",
        subject_department="member_management",
        subject_institution="某营业部",
        demand="apology",
        demand_note="当面道歉",
    )
    before = _count(session)
    refused = page.post("/complaints/new", form)
    assert refused.status_code == 422
    assert "找不到被投诉人员" in field_error(refused.text, "subject_staff")
    assert 'value="某营业部"' in refused.text and 'value="当面道歉"' in refused.text
    assert _count(session) == before
    done = page.post(
        "/complaints/new", {**form, "subject_staff": "colleague"}, follow_redirects=False
    )
    assert done.status_code == 303
    shown = page.get(done.headers["location"]).text
    assert "colleague姓名" in shown and "某营业部" in shown and "道歉：当面道歉" in shown


def test_the_complaint_page_corrects_the_subject_and_keeps_a_refused_form(
    api, browser, staff
) -> None:
    ref = api.new_complaint(staff.owner)
    page = browser.sign_in(staff.owner)
    assert 'id="subject-form"' in page.get(f"/complaints/{ref}").text
    refused = page.post(
        f"/complaints/{ref}/subject", {"subject_staff": "ghost", "subject_institution": "某机构"}
    )
    assert refused.status_code == 422
    assert "找不到被投诉人员" in field_error(refused.text, "subject_staff")
    assert 'value="某机构"' in refused.text
    done = page.post(
        f"/complaints/{ref}/subject",
        {"subject_staff": "colleague", "demand": "refund"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = page.get(f"/complaints/{ref}").text
    assert "colleague姓名（colleague）" in shown and "退款" in shown


def test_art4_the_person_complained_about_cannot_find_the_complaint_by_the_customers_phone(
    api, browser, staff
) -> None:
    reference = api.new_complaint(
        staff.owner, customer_phone="13712349876", subject_staff="manager"
    )
    page = browser.sign_in(staff.manager).get(f"/complaints/{reference}").text
    assert "137****9876" in page and "13712349876" not in page
    assert reference not in browser.post("/search", {"q": "13712349876"}).text
    assert reference in browser.sign_in(staff.owner).post("/search", {"q": "13712349876"}).text


def test_art4_the_assignment_form_does_not_offer_the_person_complained_about(
    api, browser, staff
) -> None:
    ref = api.new_complaint(staff.owner, subject_staff="colleague")
    step(api, ref, "written-record", staff.owner, text="已记录")
    page = browser.sign_in(staff.manager).get(f"/complaints/{ref}").text
    assert '<option value="owner"' in page and '<option value="colleague"' not in page


def test_art4_a_manager_complained_about_still_has_a_home_page_without_that_complaint(
    api, browser, staff
) -> None:
    ref = api.new_complaint(staff.owner, subject_staff="manager")
    step(api, ref, "written-record", staff.owner, text="已记录")
    assert step(api, ref, "assignment", staff.manager, handler="colleague").status_code == 200
    home = browser.sign_in(staff.manager).get("/")
    assert home.status_code == 200 and ref not in home.text


def test_art4_the_person_complained_about_sees_no_customer_data_in_text_demand_or_evidence(
    api, browser, staff
) -> None:
    ref = api.new_complaint(
        staff.owner,
        customer_name="王五",
        subject_staff="manager",
        content="王五来电（手机13712340000）：赎回申请提交半个月了钱还没到账，效率太低。",
        demand="apology",
        demand_note="王五要求经理当面道歉，回电13712340000",
    )
    recording = api.client.post(
        f"/api/complaints/{ref}/evidence",
        files={"file": ("王五的来信.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        headers=api.headers(staff.owner),
    )
    assert recording.status_code == 201, recording.text
    shown = api.get(f"/complaints/{ref}", staff.manager).json()
    seen = " ".join([shown["content"], shown["demand"]["note"], shown["evidence"][0]["name"]])
    assert "王五" not in seen and "13712340000" not in seen
    assert "137****0000" in shown["content"]
    download = api.get(
        f"/complaints/{ref}/evidence/{shown['evidence'][0]['sha256']}", staff.manager
    )
    assert download.status_code == 403 and "回避" in download.json()["detail"]
    page = browser.sign_in(staff.manager).get(f"/complaints/{ref}").text
    assert "王五" not in page and "13712340000" not in page
    # Those who handle it see it all.
    full = api.get(f"/complaints/{ref}", staff.owner).json()
    assert "王五" in full["content"] and "13712340000" in full["demand"]["note"]

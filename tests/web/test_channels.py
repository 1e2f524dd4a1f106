"""The channel's details through the API and the pages (Art. 3): taken at intake, shown on the
complaint and by ``GET /api/complaints/{ref}``, corrected until closure; a regulator transfer
needs its body and deadline, the deadline caps the reply time, and the complaint closes only
after the reply to the regulator is recorded. Bad input: a Chinese 422 naming the field,
nothing saved; a refused form keeps what was typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from models import Complaint
from tests.web.conftest import field_error
from tests.web.test_pages import intake_form, promised


def _count(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Complaint)) or 0


def _at(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


def test_the_api_takes_a_regulator_transfer_caps_the_reply_time_and_shows_it(api, staff) -> None:
    due = _at(3)
    ref = api.new_complaint(
        staff.owner,
        channel="regulator_transfer",
        promised_reply_at=_at(10).isoformat(),
        channel_details={
            "transferring_body": "四川证监局",
            "document_number": "川证监函〔2026〕88号",
            "regulator_reply_due": due.isoformat(),
        },
    )
    shown = api.get(f"/complaints/{ref}", staff.owner).json()
    details = shown["channel_details"]
    assert details["channel"] == "regulator_transfer"
    assert (details["transferring_body"], details["document_number"]) == (
        "四川证监局",
        "川证监函〔2026〕88号",
    )
    assert datetime.fromisoformat(details["regulator_reply_due"]) == due
    assert details["regulator_reply"] is None
    # Art. 3, Art. 2(4): the reply to the customer is due no later than the regulator's.
    assert datetime.fromisoformat(shown["promised_reply_at"]) == due
    assert "转办单位：四川证监局" in details["lines"]
    assert (
        api.get(f"/complaints/{api.new_complaint(staff.owner)}", staff.owner).json()[
            "channel_details"
        ]
        is None
    )


def test_bad_channel_details_are_refused_in_chinese_naming_the_field_and_nothing_is_saved(
    api, staff, session
) -> None:
    before = _count(session)
    refused = api.intake(staff.owner, channel="regulator_transfer", channel_details=None)
    assert refused.status_code == 422
    # The field is named by its path in the request's body, as the schema's own refusals are.
    assert refused.json()["field"] == "channel_details.transferring_body"
    assert "转办单位" in refused.text
    refused = api.intake(
        staff.owner, channel="regulator_transfer", channel_details={"transferring_body": "证监局"}
    )
    assert refused.status_code == 422 and "监管回复期限" in refused.json()["detail"]
    assert refused.json()["field"] == "channel_details.regulator_reply_due"
    refused = api.intake(staff.owner, channel="phone", channel_details={"transferred_by": "总经理"})
    assert refused.status_code == 422 and "不属于「电话投诉」渠道" in refused.json()["detail"]
    assert refused.json()["field"] == "channel_details.transferred_by"
    refused = api.intake(staff.owner, channel="internal_transfer")
    assert refused.status_code == 422 and "转办领导或部门" in refused.json()["detail"]
    refused = api.intake(staff.owner, channel="onsite", channel_details={"unknown": "x"})
    assert refused.status_code == 422
    assert _count(session) == before
    ref = api.new_complaint(
        staff.owner, channel="internal_transfer", channel_details={"transferred_by": "总经理办公室"}
    )
    assert api.get(f"/complaints/{ref}", staff.owner).json()["channel_details"]["lines"] == [
        "投诉渠道：公司领导或其他部门转办",
        "转办领导或部门：总经理办公室",
    ]


def step(api, reference, name, user, **body):  # type: ignore[no-untyped-def]
    return api.post(f"/complaints/{reference}/{name}", user, body)


def test_a_regulator_transfer_closes_only_after_the_reply_to_the_regulator(api, staff) -> None:
    ref = api.new_complaint(staff.owner, channel="regulator_transfer")
    assert step(api, ref, "written-record", staff.owner, text="已记录").status_code == 200
    assert step(api, ref, "assignment", staff.manager, handler="colleague").status_code == 200
    decided = step(api, ref, "major-decision", staff.manager, major=False, reason="一般")
    assert decided.status_code == 200, decided.text
    handled = step(
        api, ref, "handling", staff.colleague, founded=True, evidence="属实", solution="致歉"
    )
    assert handled.status_code == 200, handled.text
    refused = step(api, ref, "feedback", staff.owner, satisfied=True, comment="")
    assert refused.status_code == 409
    assert "须先登记对监管部门的回复" in refused.json()["detail"]
    # The earlier regulator deadline may be corrected by the owner; others are refused.
    corrected = api.post(
        f"/complaints/{ref}/channel-details",
        staff.colleague,
        {"transferring_body": "金融监管局", "regulator_reply_due": _at(5).isoformat()},
    )
    assert corrected.status_code == 403
    missing = api.post(
        f"/complaints/{ref}/regulator-reply", staff.colleague, {"regulator_reply_method": "电话"}
    )
    assert missing.status_code == 422 and "回复说明或文号" in missing.text
    replied = api.post(
        f"/complaints/{ref}/regulator-reply",
        staff.colleague,
        {
            "regulator_reply_method": "书面函件",
            "regulator_reply_note": "已函复，文号 川投回〔2026〕3号",
        },
    )
    assert replied.status_code == 200, replied.text
    reply = replied.json()["channel_details"]["regulator_reply"]
    assert (reply["method"], reply["replied_by"], reply["late"]) == ("书面函件", "colleague", False)
    assert step(api, ref, "feedback", staff.owner, satisfied=True, comment="").status_code == 200
    closed = api.post(
        f"/complaints/{ref}/channel-details",
        staff.owner,
        {"transferring_body": "金融监管局", "regulator_reply_due": _at(5).isoformat()},
    )
    assert closed.status_code == 409


def test_the_intake_form_takes_the_chosen_channels_details_and_keeps_them_when_refused(
    browser, staff, session
) -> None:
    page = browser.sign_in(staff.owner)
    assert 'id="channel-regulator_transfer"' in page.get("/complaints/new").text
    form = intake_form(
        channel="regulator_transfer",
        promised_reply_at=promised(10),
        transferring_body="四川证监局",
        document_number="川证监函〔2026〕7号",
        regulator_reply_due="",
        reception_place="不属于本渠道，忽略",
    )
    before = _count(session)
    refused = page.post("/complaints/new", form)
    assert refused.status_code == 422
    assert "监管回复期限" in field_error(refused.text, "regulator_reply_due")
    assert 'value="四川证监局"' in refused.text and 'value="川证监函〔2026〕7号"' in refused.text
    assert _count(session) == before
    done = page.post(
        "/complaints/new", {**form, "regulator_reply_due": promised(3)}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    shown = page.get(done.headers["location"]).text
    assert "四川证监局" in shown and "川证监函〔2026〕7号" in shown
    assert 'id="regulator-reply-owed"' in shown and 'id="regulator-reply-form"' in shown


def test_the_complaint_page_corrects_the_details_and_keeps_a_refused_form(
    api, browser, staff
) -> None:
    ref = api.new_complaint(staff.owner, channel="onsite")
    page = browser.sign_in(staff.owner)
    shown = page.get(f"/complaints/{ref}").text
    assert 'id="channel-form"' in shown and "接待人员" in shown and "owner姓名" in shown
    refused = page.post(
        f"/complaints/{ref}/channel-details",
        {"reception_place": "客户接待室", "received_by": "ghost"},
    )
    assert refused.status_code == 422
    assert "找不到接待人员「ghost」" in field_error(refused.text, "received_by")
    assert 'value="客户接待室"' in refused.text
    done = page.post(
        f"/complaints/{ref}/channel-details",
        {"reception_place": "客户接待室", "received_by": "colleague"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = page.get(f"/complaints/{ref}").text
    assert "客户接待室" in shown and "colleague姓名（colleague）" in shown

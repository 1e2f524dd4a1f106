"""A complaint keeps the complainant's details as given at intake (Art. 2(5)): a later complaint
with the same phone number is linked to it as a repeat (Art. 2(4)) but changes nothing of it,
shows nothing of it to those who may not open it, and its notices go to its own addresses."""

from __future__ import annotations

from sqlalchemy import select

from models import Complaint
from services.outbox import NotificationKind, recipients_for


def test_a_later_complaint_with_the_same_phone_changes_nothing_of_an_earlier_one(
    api, staff, session
) -> None:
    first = api.new_complaint(
        staff.owner,
        customer_name="王五",
        customer_phone="13811112222",
        customer_email="wangwu@private.example",
        department="wealth_center",
    )
    second = api.new_complaint(
        staff.gm_staff,
        customer_name="随便写",
        customer_phone="13811112222",
        customer_email=None,
        department="general_management",
    )
    assert api.get(f"/complaints/{first}", staff.gm_staff).status_code == 403

    mine = api.get(f"/complaints/{second}", staff.gm_staff).json()
    assert mine["customer"]["name"] == "随便写"
    assert mine["customer"]["email"] is None
    assert "wangwu" not in str(mine)
    assert first not in str(mine)  # the earlier complaint is not named to one who may not open it
    theirs = api.get(f"/complaints/{first}", staff.owner).json()
    assert theirs["customer"]["name"] == "王五"
    assert theirs["customer"]["email"] == "wangwu@private.example"

    session.expire_all()
    by_reference = {row.reference: row for row in session.scalars(select(Complaint)).all()}
    assert by_reference[second].repeat_of_id == by_reference[first].id  # Art. 2(4) still linked
    assert recipients_for(session, by_reference[second], NotificationKind.acknowledgement) == []
    assert recipients_for(session, by_reference[first], NotificationKind.acknowledgement) == [
        "wangwu@private.example"
    ]


def test_the_page_of_a_repeat_complaint_names_no_earlier_complaint_one_may_not_open(
    api, browser, staff
) -> None:
    first = api.new_complaint(
        staff.owner, customer_name="王五", customer_phone="13811112222", department="wealth_center"
    )
    second = api.new_complaint(
        staff.gm_staff,
        customer_name="随便写",
        customer_phone="13811112222",
        customer_email=None,
        department="general_management",
    )
    page = browser.sign_in(staff.gm_staff).get(f"/complaints/{second}").text
    assert "随便写" in page and "王五" not in page and first not in page
    assert "重复投诉" in page
    page = browser.sign_in(staff.owner).get(f"/complaints/{first}").text
    assert "王五" in page and "随便写" not in page
    # Whoever may open both sees the link by reference.
    page = browser.sign_in(staff.leader).get(f"/complaints/{second}").text
    assert f"前次 {first}" in page

"""Art. 5(4) separation of duties through the API: admin manages accounts, departments and mail
and takes no complaint step; a manager names a handler of the complaint's own department only."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Assignment, ComplaintEvent


def step(api, reference, name, user, **body):  # type: ignore[no-untyped-def]
    return api.post(f"/complaints/{reference}/{name}", user, body)


def test_admin_takes_no_step_not_even_leadership_instruction_or_review_of_a_major_case(
    api, browser, staff
) -> None:
    ref = api.new_complaint(staff.owner, department="wealth_center", major=True)
    refused = step(api, ref, "written-record", staff.admin, text="管理员代写")
    assert refused.status_code == 403 and "系统管理员" in refused.json()["detail"]
    assert step(api, ref, "written-record", staff.owner, text="已记录").status_code == 200
    refused = step(api, ref, "assignment", staff.admin, handler="colleague")
    assert refused.status_code == 403
    assert step(api, ref, "assignment", staff.manager, handler="colleague").status_code == 200
    # Major at intake is a proposal: the manager decides, leadership instruct (Art. 4(3)).
    refused = step(api, ref, "major-decision", staff.admin, major=True, reason="管理员认定")
    assert refused.status_code == 403 and "系统管理员" in refused.json()["detail"]
    decided = step(api, ref, "major-decision", staff.manager, major=True, reason="受理时提出")
    assert decided.status_code == 200
    refused = step(api, ref, "leadership-instruction", staff.admin, instruction="管理员批示")
    assert refused.status_code == 403 and "系统管理员" in refused.json()["detail"]
    instructed = step(api, ref, "leadership-instruction", staff.leader, instruction="按规定退款")
    assert instructed.status_code == 200
    assert (
        step(api, ref, "handling", staff.colleague, founded=True, evidence="核实", solution="退款")
    ).status_code == 200
    refused = step(api, ref, "leadership-review", staff.admin, approved=True, comment="")
    assert refused.status_code == 403 and "系统管理员" in refused.json()["detail"]
    page = browser.sign_in(staff.admin).get(f"/complaints/{ref}").text
    assert "系统管理员" in page  # the page says why no form is offered
    reviewed = step(api, ref, "leadership-review", staff.leader, approved=True, comment="同意")
    assert reviewed.status_code == 200


def test_a_handler_from_another_department_is_refused_with_a_hint_to_transfer(
    api, staff, session
) -> None:
    ref = api.new_complaint(staff.owner, department="wealth_center")
    step(api, ref, "written-record", staff.owner, text="已记录")
    events = session.scalar(select(func.count()).select_from(ComplaintEvent))
    refused = step(api, ref, "assignment", staff.manager, handler="gm_staff")
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "handler" and "移交" in refused.json()["detail"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Assignment)) == 0
    assert session.scalar(select(func.count()).select_from(ComplaintEvent)) == events
    detail = api.get(f"/complaints/{ref}", staff.gm_staff)
    assert detail.status_code == 403  # and so no unmasked customer for them either

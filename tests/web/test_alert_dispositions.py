"""Art. 8 重点监控: the owner of an alert (here the manager of the department concerned) sees
it with its due date and records the disposition, on the page or through the API; others
cannot; a refused form keeps what was typed."""

from __future__ import annotations

from datetime import date

from models.operations import AlertFollowUp, ConcentrationAlert
from tests.web.conftest import field_error


def _alert(session, owner) -> int:  # type: ignore[no-untyped-def]
    alert = ConcentrationAlert(
        unit_kind="subject_staff",
        unit_key="colleague",
        window_start=date(2026, 10, 28),
        window_end=date(2026, 11, 26),
        count=4,
        expected=0.5,
        p_value=0.0018,
        severity="elevated",
        trend="rising",
        explanation="被投诉人员「colleague姓名」 近30天投诉 4 件",
        founded=2,
    )
    alert.follow_up = AlertFollowUp(owner=owner, due_on=date(2026, 12, 4))
    session.add(alert)
    session.commit()
    return alert.id


def test_the_owner_sees_the_alert_and_records_the_disposition_on_the_page(
    browser, staff, session
) -> None:
    alert_id = _alert(session, staff.manager)
    page = browser.sign_in(staff.manager).get("/monitoring/alerts")
    assert page.status_code == 200
    assert "被投诉人员：colleague姓名" in page.text and "属实 2/4（50%）" in page.text
    assert "2026-12-04" in page.text
    refused = browser.post(
        f"/monitoring/alerts/{alert_id}/disposition", {"disposition": "corrected", "note": ""}
    )
    assert refused.status_code == 422 and field_error(refused.text, "note") == "请填写处置说明"
    assert 'value="corrected" checked' in refused.text
    done = browser.post(
        f"/monitoring/alerts/{alert_id}/disposition",
        {"disposition": "corrected", "note": "已约谈并整改"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = browser.get("/monitoring/alerts").text
    assert "已整改：已约谈并整改" in page
    overview = browser.sign_in(staff.compliance).get("/monitoring").text
    assert "属实 2/4（50%）" in overview and "已整改" in overview


def test_others_see_nothing_to_dispose_and_the_api_refuses_them(
    api, browser, staff, session
) -> None:
    alert_id = _alert(session, staff.manager)
    assert (
        "没有需要您处置的监控提示"
        in browser.sign_in(staff.gm_manager).get("/monitoring/alerts").text
    )
    body = {"disposition": "explained", "note": "业务量上升所致"}
    refused = api.post(f"/alerts/{alert_id}/disposition", staff.gm_manager, body)
    assert refused.status_code == 403
    bad = api.post(f"/alerts/{alert_id}/disposition", staff.manager, {**body, "disposition": "x"})
    assert bad.status_code == 422 and "处置结果" in bad.text
    done = api.post(f"/alerts/{alert_id}/disposition", staff.compliance, body)
    assert done.status_code == 200 and done.json()["disposition_label"] == "已说明原因"
    again = api.post(f"/alerts/{alert_id}/disposition", staff.manager, body)
    assert again.status_code == 409
    assert api.post("/alerts/999999/disposition", staff.manager, body).status_code == 404


def test_the_owner_finds_an_alert_awaiting_them_on_the_home_page_until_disposed(
    browser, staff, session
) -> None:
    """Art. 8: an alert's owner is told on 待我办理 that it awaits their disposition, with its
    due date and a link; the menu leads to the alerts page; once disposed it leaves the page."""
    alert_id = _alert(session, staff.manager)
    home = browser.sign_in(staff.manager).get("/").text
    assert 'id="my-alerts"' in home and f'href="/monitoring/alerts#alert-{alert_id}"' in home
    assert "2026-12-04" in home
    assert 'href="/monitoring/alerts"' in home  # the menu
    assert 'id="my-alerts"' not in browser.sign_in(staff.owner).get("/").text
    browser.sign_in(staff.manager).post(
        f"/monitoring/alerts/{alert_id}/disposition",
        {"disposition": "explained", "note": "已说明原因"},
        follow_redirects=False,
    )
    assert 'id="my-alerts"' not in browser.get("/").text

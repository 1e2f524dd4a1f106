"""Art. 8: compliance and leadership see the concentration alerts, each with its trend chart."""

from __future__ import annotations

from datetime import date

from models.operations import ConcentrationAlert


def _alert(session) -> None:  # type: ignore[no-untyped-def]
    session.add(
        ConcentrationAlert(
            unit_kind="department",
            unit_key="wealth_center",
            window_start=date(2026, 10, 28),
            window_end=date(2026, 11, 27),
            count=12,
            expected=3.1,
            p_value=0.0004,
            severity="high",
            trend="rising",
            explanation="财富中心 近30天投诉 12 件，按基线预期 3.1 件",
        )
    )
    session.commit()


def test_compliance_sees_each_alert_with_a_server_drawn_trend_chart(
    browser, staff, session
) -> None:
    _alert(session)
    page = browser.sign_in(staff.compliance).get("/monitoring")
    assert page.status_code == 200
    assert "财富中心" in page.text and "12" in page.text
    assert "<svg" in page.text
    assert 'href="/monitoring"' in page.text  # in the menu


def test_staff_may_not_see_the_monitoring_page(browser, staff, session) -> None:
    _alert(session)
    page = browser.sign_in(staff.owner).get("/monitoring")
    assert page.status_code == 403
    assert "集中监控" in page.text


def test_before_the_first_report_the_page_says_when_it_runs(browser, staff) -> None:
    page = browser.sign_in(staff.leader).get("/monitoring")
    assert page.status_code == 200 and "complaints monitor" in page.text


def test_the_page_shows_how_often_staff_overrode_each_suggestion_per_month(
    api, browser, staff
) -> None:
    """Art. 3/9/4(3): the override rate per field and month of receipt."""
    api.new_complaint(staff.owner)  # the suggestion confirmed
    api.new_complaint(staff.owner, category="service_attitude")  # the category overridden
    page = browser.sign_in(staff.compliance).get("/monitoring")
    assert page.status_code == 200
    table = page.text.split('id="override-rates"', 1)[1].split("</table>", 1)[0]
    rows = [row for row in table.split("<tr>")[2:]]
    category = next(row for row in rows if "投诉类别" in row)
    assert ">2<" in category and ">1<" in category and "50%" in category
    department = next(row for row in rows if "受理部门" in row)
    assert "0%" in department


def test_a_report_is_named_by_its_report_date_as_in_the_cli_and_prefect(
    browser, staff, session
) -> None:
    """The alert of the window ending 2026-11-27 belongs to the report of 2026-11-28 (the
    window is the days before the report date): the page names it 2026-11-28."""
    _alert(session)
    page = browser.sign_in(staff.compliance).get("/monitoring").text
    assert '<option value="2026-11-28"' in page
    assert "2026-11-27</option>" not in page
    chosen = browser.get("/monitoring?report_date=2026-11-28").text
    assert "财富中心" in chosen


def test_after_a_monitoring_run_without_alerts_the_page_names_that_report(
    browser, staff, session, prefect_up
) -> None:
    from flows.concentration_monitor import concentration_monitor

    summary = concentration_monitor(as_of=date(2026, 11, 28))
    assert summary["alerts"] == 0
    page = browser.sign_in(staff.compliance).get("/monitoring").text
    assert "尚未生成报告" not in page
    assert f'<option value="{summary["report_date"]}"' in page
    assert "该报告日期没有需要重点监控的单位" in page


def _archived_report(session, settings):  # type: ignore[no-untyped-def]
    import hashlib
    from pathlib import Path

    from models.db import utcnow
    from services.monthly_report import WrittenReport
    from services.report_archive import archive_report

    folder = Path(settings.data_dir) / "reports" / "2026-11"
    folder.mkdir(parents=True, exist_ok=True)
    docx, xlsx = folder / "r.docx", folder / "r.xlsx"
    docx.write_bytes(b"PK docx figures")
    xlsx.write_bytes(b"PK xlsx figures")
    written = WrittenReport(
        docx,
        xlsx,
        hashlib.sha256(docx.read_bytes()).hexdigest(),
        hashlib.sha256(xlsx.read_bytes()).hexdigest(),
    )
    archive_report(
        session,
        month=date(2026, 11, 1),
        written=written,
        made_by="scheduler",
        now=utcnow(),
        writing="run-1",
    )
    session.commit()
    return written


def test_leadership_and_compliance_see_the_monthly_reports_and_download_them(
    browser, staff, session, settings
) -> None:  # type: ignore[no-untyped-def]
    written = _archived_report(session, settings)
    page = browser.sign_in(staff.leader).get("/monitoring")
    assert 'id="report-archive"' in page.text and "定时任务" in page.text
    assert written.docx_sha256 in page.text and written.xlsx_sha256 in page.text
    got = browser.get("/monitoring/reports/2026-11/xlsx")
    assert got.status_code == 200 and got.content == b"PK xlsx figures"
    assert got.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in got.headers["content-disposition"]
    assert browser.get("/monitoring/reports/2026-10/docx").status_code == 404
    written.docx_path.write_bytes(b"altered")
    altered = browser.get("/monitoring/reports/2026-11/docx")
    assert altered.status_code == 409 and "SHA-256 不符" in altered.text


def test_others_do_not_get_the_monthly_reports(browser, staff, session, settings) -> None:  # type: ignore[no-untyped-def]
    _archived_report(session, settings)
    page = browser.sign_in(staff.admin).get("/monitoring")
    assert page.status_code == 200 and 'id="report-archive"' not in page.text
    assert browser.get("/monitoring/reports/2026-11/docx").status_code == 403
    browser.sign_in(staff.manager)
    assert browser.get("/monitoring/reports/2026-11/docx").status_code == 403

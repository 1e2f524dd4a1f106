"""The complaint ledger through the JSON API and the staff app: Excel and CSV of the period's
complaints for compliance, leadership and admin; Chinese 4xx for a bad or empty period and for
anyone else."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook

TODAY = datetime.now(UTC).date()
PERIOD = f"from={TODAY - timedelta(days=1)}&to={TODAY + timedelta(days=1)}"


def test_api_exports_the_periods_complaints_as_excel_and_csv(api, staff) -> None:
    refs = [api.new_complaint(staff.owner) for _ in range(2)]
    xlsx = api.get(f"/ledger.xlsx?{PERIOD}", staff.compliance)
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == refs
    as_csv = api.get(f"/ledger.csv?{PERIOD}", staff.leader)
    assert as_csv.status_code == 200
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert lines[0][0] == "投诉编号" and [line[0] for line in lines[1:]] == refs
    assert "张三" not in as_csv.content.decode("utf-8-sig")


def test_api_refuses_a_bad_or_empty_period_and_other_roles(api, staff) -> None:
    api.new_complaint(staff.owner)
    assert api.get(f"/ledger.csv?{PERIOD}", staff.manager).status_code == 403
    missing = api.get("/ledger.csv", staff.compliance)
    assert missing.status_code == 422 and missing.json()["detail"] == "请填写开始日期"
    bad = api.get("/ledger.xlsx?from=2026-02-30&to=2026-03-01", staff.compliance)
    assert bad.status_code == 422 and "开始日期应为日期" in bad.json()["detail"]
    empty = api.get("/ledger.xlsx?from=2020-01-01&to=2020-01-31", staff.compliance)
    assert empty.status_code == 404 and "没有受理的投诉" in empty.json()["detail"]


def test_page_counts_the_period_and_downloads_with_the_session(api, staff, browser) -> None:
    api.new_complaint(staff.owner)
    browser.sign_in(staff.admin)
    assert "投诉台账" in browser.get("/").text
    page = browser.get(f"/ledger?{PERIOD}")
    assert page.status_code == 200 and "共受理 1 件投诉" in page.text
    download = browser.get(f"/ledger.xlsx?{PERIOD}")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    refused = browser.get("/ledger?from=2026-12-02&to=2026-12-01")
    assert refused.status_code == 422 and "结束日期早于开始日期" in refused.text
    browser.sign_in(staff.owner)
    assert browser.get("/ledger").status_code == 403
    assert "/ledger" not in browser.get("/").text

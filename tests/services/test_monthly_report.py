"""The monthly statistics report: the month's figures counted from the database, written as a
Word report with a chart per breakdown and a spreadsheet of the same figures, both read back
and checked against counts made here; no personal data in either; a month that has not begun
or has no complaints is refused."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from models.complaint import Complaint
from models.operations import AlertFollowUp, ConcentrationAlert
from policy.concentration import Disposition
from services.monthly_report import WrittenReport, report_figures, write_report
from services.report_archive import archive_report, report_file, report_versions
from services.step_errors import StepInputError, StepNotFound
from tests.models.factories import NOW, make_complaint
from tests.support.cases import Cast, carry_through

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = date(2026, 11, 1)
TODAY = date(2026, 12, 2)


def _november(session: Session, settings, cast: Cast, complaint: Complaint) -> None:  # type: ignore[no-untyped-def]
    make_complaint(session, settings, owner=cast.owner, customer_phone="13900002222")
    carry_through(session, complaint, cast, major=False)
    complaint.closed_at = complaint.received_at + timedelta(days=2)  # still in November
    make_complaint(
        session,
        settings,
        owner=cast.owner,
        customer_phone="13900003333",
        received_at=NOW - timedelta(days=40),  # October
    )
    session.commit()


def test_the_figures_count_the_months_complaints(
    session: Session, settings, cast: Cast, complaint: Complaint
) -> None:
    _november(session, settings, cast, complaint)
    current, previous, last_year = report_figures(session, NOVEMBER, today=TODAY, tz=SHANGHAI)
    assert (current.received, current.closed) == (2, 1)
    assert sum(current.by_category.values()) == 2 and sum(current.by_channel.values()) == 2
    assert current.closure_bands["≤5天"] == 1 and sum(current.closure_bands.values()) == 1
    assert current.founded_share == 1.0 and current.dissatisfied_share == 0.0
    assert previous.received == 1 and last_year.received == 0


def test_the_report_reads_back_with_its_charts_and_no_personal_data(
    session: Session, settings, cast: Cast, complaint: Complaint, tmp_path: Path
) -> None:
    _november(session, settings, cast, complaint)
    figures = report_figures(session, NOVEMBER, today=TODAY, tz=SHANGHAI)
    written = write_report(tmp_path, *figures)
    assert written.docx_path.name == f"complaints-report-2026-11-{written.docx_sha256[:12]}.docx"
    document = docx.Document(str(written.docx_path))
    summary = document.tables[0]
    assert [cell.text for cell in summary.rows[1].cells] == ["受理投诉（件）", "2", "1", "0"]
    assert len(document.inline_shapes) == 5  # one chart per breakdown
    book = load_workbook(written.xlsx_path)
    overview = [list(row) for row in book["概览"].iter_rows(values_only=True)]
    assert overview[1] == ["受理投诉（件）", "2", "1", "0"]
    assert sum(row[1] for row in book["按类别"].iter_rows(min_row=2, values_only=True)) == 2
    text = "\n".join(p.text for p in document.paragraphs) + repr(overview)
    assert "张三" not in text and complaint.content not in text and complaint.reference not in text
    assert len(written.docx_sha256) == 64 and len(written.xlsx_sha256) == 64


def test_a_month_not_begun_or_without_complaints_is_refused(
    session: Session, settings, cast: Cast, complaint: Complaint
) -> None:
    with pytest.raises(StepInputError, match="尚未开始"):
        report_figures(session, date(2027, 1, 1), today=TODAY, tz=SHANGHAI)
    with pytest.raises(StepNotFound, match="2020年01月没有受理或办结的投诉"):
        report_figures(session, date(2020, 1, 1), today=TODAY, tz=SHANGHAI)


def test_the_same_writing_archived_twice_is_one_version(session: Session, tmp_path: Path) -> None:
    """A task repeated on a retry (the same run) records the writing it already recorded:
    nothing new."""
    month = date(2026, 11, 1)
    written = WrittenReport(tmp_path / "r.docx", tmp_path / "r.xlsx", "a" * 64, "b" * 64)
    for _ in range(2):
        archive_report(
            session, month=month, written=written, made_by="scheduler", now=NOW, writing="run-1"
        )
    again = WrittenReport(tmp_path / "r.docx", tmp_path / "r.xlsx", "c" * 64, "d" * 64)
    archive_report(session, month=month, written=again, made_by="sun", now=NOW, writing="run-2")
    session.commit()
    assert [v.docx_sha256[0] for v in report_versions(session, month)] == ["a", "c"]


def test_a_rerun_with_unchanged_figures_is_a_writing_of_its_own(
    session: Session, tmp_path: Path
) -> None:
    """Files written again from the same figures may be byte for byte the same; the re-run is
    still on record, and the month's row says who made it last."""
    month = date(2026, 11, 1)
    written = WrittenReport(tmp_path / "r.docx", tmp_path / "r.xlsx", "a" * 64, "b" * 64)
    archive_report(
        session, month=month, written=written, made_by="scheduler", now=NOW, writing="run-1"
    )
    later = NOW + timedelta(hours=3)
    row = archive_report(
        session, month=month, written=written, made_by="sun", now=later, writing="run-2"
    )
    session.commit()
    assert (row.made_by, row.made_at) == ("sun", later)
    versions = report_versions(session, month)
    assert [(v.made_by, v.docx_sha256[0]) for v in versions] == [("scheduler", "a"), ("sun", "a")]


def test_writing_again_leaves_the_archived_files_as_archived(
    session: Session, settings, cast: Cast, complaint: Complaint, tmp_path: Path
) -> None:
    """A re-run writes new files beside the archived ones: until it is archived in turn (or if it
    never is, after a crash), the archive still serves the files its hashes describe."""
    _november(session, settings, cast, complaint)
    figures = report_figures(session, NOVEMBER, today=TODAY, tz=SHANGHAI)
    first = write_report(tmp_path, *figures)
    archive_report(
        session, month=NOVEMBER, written=first, made_by="scheduler", now=NOW, writing="run-1"
    )
    session.commit()
    complaint.closed_at = None  # the figures change before the re-run
    session.commit()
    second = write_report(tmp_path, *report_figures(session, NOVEMBER, today=TODAY, tz=SHANGHAI))
    assert second.docx_sha256 != first.docx_sha256
    assert second.docx_path != first.docx_path and second.xlsx_path != first.xlsx_path
    for kind in ("docx", "xlsx"):
        _report, content = report_file(session, NOVEMBER, kind)
        assert hashlib.sha256(content).hexdigest() == getattr(first, f"{kind}_sha256")
    archive_report(session, month=NOVEMBER, written=second, made_by="sun", now=NOW, writing="run-2")
    session.commit()
    _report, content = report_file(session, NOVEMBER, "docx")
    assert hashlib.sha256(content).hexdigest() == second.docx_sha256
    # Both writings stay readable: the earlier version's files are not removed.
    assert first.docx_path.read_bytes() and first.xlsx_path.read_bytes()


def _alert(session: Session, unit_key: str, end: date) -> ConcentrationAlert:
    alert = ConcentrationAlert(
        unit_kind="subject_department",
        unit_key=unit_key,
        window_start=end - timedelta(days=30),
        window_end=end,
        count=6,
        expected=1.5,
        p_value=0.001,
        severity="high",
        trend="rising",
        explanation="被投诉部门本期投诉显著高于历史水平。",
    )
    session.add(alert)
    session.flush()
    return alert


def test_the_report_counts_by_subject_and_shows_the_alerts_dispositions(
    session: Session, settings, cast: Cast, complaint: Complaint, tmp_path: Path
) -> None:
    """Art. 8 figures for management: what the month's complaints were about (department,
    member institution, product; staff members complained about as a count, never named), and
    what became of the month's alerts (disposed how, still open, sent to leadership)."""
    _november(session, settings, cast, complaint)
    complaint.subject_department = cast.owner.department
    complaint.subject_user = cast.owner
    complaint.subject_institution = "某证券公司"
    disposed, open_, escalated = (_alert(session, key, date(2026, 11, 20)) for key in "abc")
    session.add_all(
        [
            AlertFollowUp(
                alert_id=disposed.id,
                due_on=date(2026, 11, 27),
                disposition=Disposition.corrected,
                note="已整改",
                disposed_at=NOW,
            ),
            AlertFollowUp(alert_id=open_.id, due_on=date(2026, 11, 27)),
            AlertFollowUp(alert_id=escalated.id, due_on=date(2026, 11, 27), escalated_at=NOW),
        ]
    )
    session.commit()
    current, *_ = report_figures(session, NOVEMBER, today=TODAY, tz=SHANGHAI)
    assert current.by_subject[f"部门：{cast.owner.department.name}"] == 1
    assert current.by_subject["会员机构：某证券公司"] == 1
    assert current.by_subject["人员（不列姓名）"] == 1
    assert current.by_subject["未登记被投诉对象"] == 1  # the other November complaint
    assert current.alert_dispositions == {"已整改": 1, "未处置": 2, "逾期升级至公司领导": 1}
    written = write_report(tmp_path, *report_figures(session, NOVEMBER, today=TODAY, tz=SHANGHAI))
    document = docx.Document(str(written.docx_path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "会员机构：某证券公司：1" in text and "逾期升级至公司领导：1" in text
    assert cast.owner.display_name not in text
    book = load_workbook(written.xlsx_path)
    assert (
        dict(book["按被投诉对象"].iter_rows(min_row=2, values_only=True))["会员机构：某证券公司"]
        == 1
    )
    assert dict(book["预警处置"].iter_rows(min_row=2, values_only=True))["未处置"] == 2

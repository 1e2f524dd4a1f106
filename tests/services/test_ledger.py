"""The complaint ledger (投诉台账): one row per complaint received in the period, written as a
spreadsheet and as CSV that read back to the same rows, with no customer's personal data; for
compliance, leadership and admin only."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from models.complaint import Complaint
from services.ledger import COLUMNS, ledger_csv, ledger_period, ledger_rows, ledger_xlsx
from services.step_errors import StepForbidden, StepInputError, StepNotFound
from tests.models.factories import NOW, make_complaint
from tests.support.cases import Cast, carry_through

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = NOW.astimezone(SHANGHAI).date()


def _three_in_the_period_one_before(session: Session, settings, cast: Cast) -> list[Complaint]:  # type: ignore[no-untyped-def]
    inside = [
        make_complaint(session, settings, owner=cast.owner, customer_name=f"客户{n}")
        for n in range(3)
    ]
    make_complaint(session, settings, owner=cast.owner, received_at=NOW - timedelta(days=3))
    carry_through(session, inside[0], cast, major=True)
    session.commit()
    return inside


def test_the_ledger_has_one_row_per_complaint_received_in_the_period(
    session: Session, settings, cast: Cast
) -> None:
    inside = _three_in_the_period_one_before(session, settings, cast)
    rows = ledger_rows(session, reader=cast.compliance, start=DAY, end=DAY, tz=SHANGHAI)
    assert sorted(row.reference for row in rows) == sorted(c.reference for c in inside)
    closed = next(row for row in rows if row.reference == inside[0].reference)
    assert closed.major == "重大" and closed.closed_at is not None
    assert closed.closure == "客户满意办结"
    waiting = next(row for row in rows if row.reference == inside[1].reference)
    assert (waiting.founded, waiting.satisfied, waiting.breaches) == ("—", "—", 0)
    assert waiting.closure == ""


def test_the_spreadsheet_and_the_csv_read_back_to_the_rows_without_personal_data(
    session: Session, settings, cast: Cast
) -> None:
    inside = _three_in_the_period_one_before(session, settings, cast)
    rows = ledger_rows(session, reader=cast.leader, start=DAY, end=DAY, tz=SHANGHAI)
    sheet = load_workbook(io.BytesIO(ledger_xlsx(rows, SHANGHAI, start=DAY, end=DAY))).active
    assert sheet is not None
    table = [list(values) for values in sheet.iter_rows(values_only=True)]
    assert table[0] == [heading for _, heading in COLUMNS]
    assert len(table) - 1 == len(inside)
    assert [line[0] for line in table[1:]] == [row.reference for row in rows]
    text = ledger_csv(rows, SHANGHAI).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == [heading for _, heading in COLUMNS] and len(lines) - 1 == len(inside)
    assert [line[0] for line in lines[1:]] == [row.reference for row in rows]
    everything = text + repr(table)
    for n, complaint in enumerate(inside):
        assert f"客户{n}" not in everything
        assert complaint.content not in everything
    assert "13800001234" not in everything


def test_an_empty_period_a_bad_period_and_staff_are_refused(
    session: Session, settings, cast: Cast
) -> None:
    _three_in_the_period_one_before(session, settings, cast)
    with pytest.raises(StepNotFound, match="没有受理的投诉"):
        ledger_rows(
            session,
            reader=cast.compliance,
            start=DAY + timedelta(days=1),
            end=DAY + timedelta(days=2),
            tz=SHANGHAI,
        )
    with pytest.raises(StepForbidden):
        ledger_rows(session, reader=cast.manager, start=DAY, end=DAY, tz=SHANGHAI)
    with pytest.raises(StepInputError, match="开始日期"):
        ledger_period(None, DAY)
    with pytest.raises(StepInputError, match="早于"):
        ledger_period(DAY, DAY - timedelta(days=1))
    with pytest.raises(StepInputError, match="最多"):
        ledger_period(date(2025, 1, 1), date(2026, 12, 31))


def test_the_ledger_names_the_subject_and_the_demand_but_not_the_demands_note(
    session: Session, settings, cast: Cast
) -> None:
    from policy.enums import Department
    from policy.subjects import Demand

    about = make_complaint(
        session,
        settings,
        owner=cast.owner,
        subject_department=Department.member_management,
        subject_staff=cast.handler.username,
        subject_institution="某证券营业部",
        product="稳健一号",
        demand=Demand.refund,
        demand_note="张三要求退回手续费",
    )
    plain = make_complaint(session, settings, owner=cast.owner, content="办理太慢了", product=None)
    session.commit()
    rows = {
        row.reference: row
        for row in ledger_rows(session, reader=cast.compliance, start=DAY, end=DAY, tz=SHANGHAI)
    }
    row = rows[about.reference]
    assert row.subject == (
        f"部门：{about.subject_department.name}；人员：{cast.handler.display_name}；"
        "会员机构：某证券营业部；产品：稳健一号"
    )
    assert row.demand == "退款"
    assert (rows[plain.reference].subject, rows[plain.reference].demand) == ("—", "—")
    assert "张三" not in ledger_csv(list(rows.values()), SHANGHAI).decode("utf-8")

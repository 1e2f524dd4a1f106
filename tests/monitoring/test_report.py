"""Art. 8 in the Prefect UI: what the table artifact and the markdown summary say."""

from __future__ import annotations

from datetime import date

from policy.concentration import Thresholds, assess_concentration
from services.monitoring import (
    MonitorWindows,
    StoredAlert,
    UnitCounts,
    UnitKind,
    WindowCounts,
    report_markdown,
    report_table,
)

WINDOWS = MonitorWindows(report_date=date(2026, 11, 27))


def _units() -> list[UnitCounts]:
    total = WindowCounts(current=300, previous=290, baseline=1800)
    products = {
        "稳健理财A": WindowCounts(current=40, previous=9, baseline=60),
        "稳健理财B": WindowCounts(current=260, previous=281, baseline=1740),
    }
    return [
        UnitCounts(
            kind=UnitKind.department,
            counts={"wealth_center": total},
            names={"wealth_center": "财富中心"},
            totals=total,
        ),
        UnitCounts(
            kind=UnitKind.product,
            counts=products,
            names={key: key for key in products},
            totals=total,
        ),
        UnitCounts(
            kind=UnitKind.customer,
            counts={"客户#7": WindowCounts(current=6, previous=0, baseline=0)},
            names={"客户#7": "客户#7"},
            totals=total,
            complete=False,
        ),
    ]


def _stored(assessment) -> list[StoredAlert]:  # type: ignore[no-untyped-def]
    return [
        StoredAlert(
            id=i,
            unit_kind=a.unit_kind.value,
            unit_key=a.unit_key,
            unit_label=a.unit_key,
            window_start=WINDOWS.window_start,
            window_end=WINDOWS.window_end,
            count=a.count,
            expected=a.expected,
            p_value=a.p_value,
            severity=a.severity.value,
            trend=a.trend.value if a.trend else None,
            explanation=a.explanation,
        )
        for i, a in enumerate(assessment.alerts, start=1)
    ]


def test_each_alert_is_a_table_row_with_level_unit_counts_and_explanation() -> None:
    assessment = assess_concentration(_units(), Thresholds())
    rows = report_table(_stored(assessment))
    assert [(r["监控对象类型"], r["监控对象"], r["级别"]) for r in rows] == [
        ("产品", "稳健理财A", "较高"),
        ("重复投诉客户", "客户#7", "高"),
    ]
    first = rows[0]
    # 60 of 1800 in the baseline predicts 10 of 300, floored at a tenth of the mean per product.
    assert first["投诉数"] == 40 and first["预期数"] == 15.0 and first["P值"] == "<0.0001"
    assert first["趋势"] == "上升"
    assert first["说明"].startswith("产品「稳健理财A」 近30天投诉 40 件，按基线预期 15.0 件")


def test_summary_names_the_window_what_was_assessed_and_what_stands_out() -> None:
    assessment = assess_concentration(_units(), Thresholds())
    markdown = report_markdown(WINDOWS, assessment, _stored(assessment), Thresholds())
    # named by its report date, as the page, the command and the Prefect run name it
    assert markdown.startswith(
        "# 投诉集中监控报告（第八条）报告日期 2026-11-27：2026-10-28至2026-11-26\n"
    )
    assert "近30天投诉 300 件；基线（此前180天）1800 件" in markdown
    assert "| 产品 | 2 | 1 |" in markdown
    assert "| 重复投诉客户（近30天≥3件者） | 1 | 1 |" in markdown
    assert "## 列入重点监控 2 项" in markdown
    assert "- **较高** 产品「稳健理财A」" in markdown


def test_a_quiet_window_says_so() -> None:
    assessment = assess_concentration(_units()[:1], Thresholds())
    markdown = report_markdown(WINDOWS, assessment, [], Thresholds())
    assert "本期未发现投诉较为集中的单位或问题。" in markdown

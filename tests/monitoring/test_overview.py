"""Art. 8 for the web page: the alerts of a window with each unit's weekly counts, and a
server-drawn sparkline of them."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from policy.concentration import Severity, Thresholds, assess_concentration
from policy.enums import Department
from services.monitoring import (
    AlertRecord,
    MonitorWindows,
    UnitKind,
    concentration_overview,
    count_units,
    store_alerts,
    trend_svg,
    unit_label,
    weekly_counts,
)
from tests.monitoring.conftest import REPORT_DATE, background, load
from tests.monitoring.synthetic import COMPLAINT_COLUMNS, HotSpot, Population, complaint_rows

SVG = "{http://www.w3.org/2000/svg}"
COLUMN = {name: index for index, name in enumerate(COMPLAINT_COLUMNS)}
WINDOWS = MonitorWindows(report_date=REPORT_DATE)


def test_sparkline_is_wellformed_svg_scaled_to_the_largest_week() -> None:
    svg = trend_svg([0, 2, 4, 1])
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-label") == "每周投诉数：0、2、4、1"
    points = [
        tuple(map(float, p.split(","))) for p in root.find(f"{SVG}polyline").get("points").split()
    ]
    assert len(points) == 4
    ys = [y for _, y in points]
    assert min(ys) == ys[2] == 2.0  # the largest week touches the top (inside the padding)
    assert max(ys) == ys[0] == 26.0  # a week without complaints lies on the bottom
    assert root.find(f"{SVG}circle").get("cx") == f"{points[-1][0]:.1f}"
    assert trend_svg([0, 2, 4, 1]) == svg  # the same counts draw the same picture


@pytest.mark.parametrize("counts", [[], [0], [0, 0, 0], [5]])
def test_sparkline_draws_degenerate_series_without_dividing_by_zero(counts: list[int]) -> None:
    root = ET.fromstring(trend_svg(counts))
    assert root.find(f"{SVG}title") is not None


def test_sparkline_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        trend_svg([1, -1])


def test_overview_without_any_report_is_empty(session: Session) -> None:
    overview = concentration_overview(session)
    assert overview.window_end is None and overview.alerts == []


def _weekly_by_hand(rows: list[tuple], match, last_day: date, weeks: int) -> list[int]:  # type: ignore[no-untyped-def]
    counts = []
    for i in range(weeks, 0, -1):
        end = last_day + timedelta(days=1) - timedelta(days=7 * (i - 1))
        start, stop = WINDOWS.instant(end - timedelta(days=7)), WINDOWS.instant(end)
        counts.append(sum(1 for r in rows if match(r) and start <= r[COLUMN["received_at"]] < stop))
    return counts


def test_overview_lists_the_newest_alerts_with_their_weekly_counts(
    session: Session, population: Population
) -> None:
    product = population.products[15]
    spots = [HotSpot("product", product, 100, date(2026, 11, 10), date(2026, 11, 26))]
    rows = load(session, complaint_rows(random.Random(5), population, background(), spots))
    assessment = assess_concentration(count_units(session, windows=WINDOWS), Thresholds())
    store_alerts(session, windows=WINDOWS, alerts=assessment.alerts)
    wealth = AlertRecord(
        UnitKind.department, "wealth_center", 1, 1.0, 0.001, Severity.watch, None, "x"
    )
    store_alerts(session, windows=WINDOWS, alerts=[wealth])
    session.commit()

    overview = concentration_overview(session, weeks=8)

    assert overview.window_end == date(2026, 11, 26)
    assert overview.report_dates == [WINDOWS.report_date] == [date(2026, 11, 27)]
    view = next(a for a in overview.alerts if a.unit_key == product)
    assert overview.alerts[0] == view  # the most severe first
    assert (view.unit_kind, view.kind_label, view.unit_label) == (UnitKind.product, "产品", product)
    assert view.severity is Severity.high
    assert view.weekly_counts == _weekly_by_hand(
        rows, lambda r: r[COLUMN["product"]] == product, view.window_end, 8
    )
    assert view.weekly_counts[-1] > 3 * view.weekly_counts[0]  # the hot spot is the last weeks
    department = next(a for a in overview.alerts if a.unit_key == "wealth_center")
    wealth_id = population.departments[Department.wealth_center]
    assert department.unit_label == "财富中心"
    assert department.weekly_counts == _weekly_by_hand(
        rows, lambda r: r[COLUMN["department_id"]] == wealth_id, view.window_end, 8
    )
    ET.fromstring(trend_svg(view.weekly_counts))


def test_units_are_shown_by_name_and_customers_by_an_opaque_key(
    session: Session, population: Population
) -> None:
    assert unit_label(session, "department_category", "wealth_center:violation") == (
        "财富中心·违规操作类"
    )
    assert unit_label(session, "channel", "regulator_transfer") == "行政监管部门转办"
    assert unit_label(session, "owner", "syn_wealth_center_1") == "员工财富中心1"
    assert unit_label(session, "customer", "客户#42") == "客户#42"
    assert weekly_counts(session, kind="owner", key="nobody", last_day=REPORT_DATE, weeks=3) == [
        0,
        0,
        0,
    ]

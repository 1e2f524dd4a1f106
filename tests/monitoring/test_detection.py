"""Art. 8 end to end through the queries: a planted hot spot is flagged and explained; a steady
background raises alerts only at about the configured rate, whatever the overall volume does."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from sqlalchemy.orm import Session

from models.people import Customer
from policy.concentration import Severity, Thresholds, Trend, assess_concentration
from policy.enums import Department
from services.monitoring import MonitorWindows, UnitKind, count_units, customer_key, store_alerts
from tests.monitoring.conftest import REPORT_DATE, background, load
from tests.monitoring.synthetic import (
    COMPLAINT_COLUMNS,
    NAME_PREFIX,
    HotSpot,
    Population,
    complaint_rows,
)

COLUMN = {name: index for index, name in enumerate(COMPLAINT_COLUMNS)}

WINDOWS = MonitorWindows(report_date=REPORT_DATE)
THRESHOLDS = Thresholds()
IN_WINDOW = (date(2026, 10, 28), date(2026, 11, 26))


def _assess(session: Session):  # type: ignore[no-untyped-def]
    units = count_units(session, windows=WINDOWS, min_count=THRESHOLDS.min_count)
    return assess_concentration(units, THRESHOLDS)


def test_planted_hot_spots_are_flagged_high_and_explained(
    session: Session, population: Population
) -> None:
    product = population.products[15]  # a small product: ~3% of complaints, ~25 a month
    handler = population.staff[Department.wealth_center][3]  # ~80 a month
    customer = population.customers[-5]  # rarely complains
    spots = [
        HotSpot("product", product, 100, *IN_WINDOW),
        HotSpot("handler_id", handler, 100, *IN_WINDOW),
        HotSpot("customer_id", customer, 6, *IN_WINDOW),
    ]
    load(session, complaint_rows(random.Random(11), population, background(), spots))

    assessment = _assess(session)

    flagged = {(a.unit_kind, a.unit_key): a for a in assessment.alerts}
    hot = flagged[(UnitKind.product, product)]
    assert hot.severity is Severity.high
    assert hot.trend is Trend.rising
    assert hot.count > 3 * hot.expected
    assert f"产品「{product}」 近30天投诉 {hot.count} 件" in hot.explanation
    assert "列入重点监控（高，第八条）" in hot.explanation
    # A busy handler doubling up is flagged too (graded by how far above expectation it is).
    busy = flagged[(UnitKind.handler, "syn_wealth_center_3")]
    assert busy.p_value < 1e-4 and busy.trend is Trend.rising
    repeat = flagged[(UnitKind.customer, customer_key(customer))]
    assert repeat.severity is Severity.high
    # Art. 2(5): a customer is an opaque key in the alert, never a name or a phone number.
    assert repeat.count >= 6
    assert repeat.explanation.startswith(f"客户#{customer} 近30天投诉 {repeat.count} 件")
    person = session.get(Customer, customer)
    assert person is not None
    for alert in assessment.alerts:
        assert NAME_PREFIX not in alert.explanation
        assert person.phone not in alert.explanation
    for alert in assessment.alerts:
        print(
            alert.severity.value,
            alert.unit_kind.value,
            alert.unit_key,
            alert.count,
            round(alert.expected, 1),
        )


SEEDS = range(16)


def test_a_steady_background_raises_alerts_only_at_about_the_configured_rate(
    session: Session, population: Population
) -> None:
    """Over many seeds, the share of units flagged stays near alpha (0.01), though the whole
    exchange gets 30% busier in the current window; nothing is graded "high"."""
    flagged: Counter[UnitKind] = Counter()
    assessed: Counter[UnitKind] = Counter()
    severities: Counter[Severity] = Counter()
    customers_seen = 0
    for seed in SEEDS:
        # Each seed gets its own stretch of time, far from the others' windows.
        report_date = REPORT_DATE - timedelta(days=400 * seed)
        windows = MonitorWindows(report_date=report_date)
        rows = load(
            session,
            complaint_rows(
                random.Random(seed), population, background(surge=1.3, report_date=report_date)
            ),
        )
        units = count_units(session, windows=windows, min_count=THRESHOLDS.min_count)
        assessment = assess_concentration(units, THRESHOLDS)
        for kind in assessment.kinds:
            assessed[kind.kind] += kind.assessed
            flagged[kind.kind] += kind.flagged
        severities.update(alert.severity for alert in assessment.alerts)
        customers_seen += len({row[COLUMN["customer_id"]] for row in rows})

    complete = [k for k in UnitKind if k is not UnitKind.customer]
    rate = sum(flagged[k] for k in complete) / sum(assessed[k] for k in complete)
    # Customers are listed only from min_count up; the units compared are all who complained.
    customer_rate = flagged[UnitKind.customer] / customers_seen
    print(
        f"\nfalse alarms over {len(SEEDS)} seeds: {rate:.4f} of "
        f"{sum(assessed[k] for k in complete)} units "
        f"({', '.join(f'{k.value} {flagged[k]}/{assessed[k]}' for k in complete)}); "
        f"repeat customers {flagged[UnitKind.customer]}/{customers_seen} = {customer_rate:.5f}"
    )
    assert rate <= 2 * THRESHOLDS.alpha
    assert customer_rate <= THRESHOLDS.alpha
    assert severities[Severity.high] == 0


def test_alerts_are_stored_once_per_unit_and_window(
    session: Session, population: Population
) -> None:
    spots = [HotSpot("product", population.products[2], 60, *IN_WINDOW)]
    load(session, complaint_rows(random.Random(3), population, background(), spots))
    first = _assess(session)
    stored = store_alerts(session, windows=WINDOWS, alerts=first.alerts)
    session.commit()
    snapshot = [(a.id, a.unit_kind, a.unit_key, a.count, a.p_value, a.explanation) for a in stored]

    # More complaints arrive for the window later; a re-run keeps what was stored and reported.
    load(session, complaint_rows(random.Random(4), population, background(per_day=5), spots))
    again = store_alerts(session, windows=WINDOWS, alerts=_assess(session).alerts)
    session.commit()

    kept = {(a.id, a.unit_kind, a.unit_key, a.count, a.p_value, a.explanation) for a in again}
    assert set(snapshot) <= kept
    assert len({(a.unit_kind, a.unit_key) for a in again}) == len(again)
    assert all(a.window_start == date(2026, 10, 28) for a in again)

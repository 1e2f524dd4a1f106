"""Art. 8: the monitoring job counts each unit's complaints in each window exactly, on SQLite
and PostgreSQL, by local days."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session

from models import register_all
from models.db import Base
from models.people import User
from policy.enums import Category, Channel, Department
from services.directory import seed_departments
from services.monitoring import MonitorWindows, UnitKind, WindowCounts, count_units, customer_key
from tests.monitoring.conftest import REPORT_DATE, background, load
from tests.monitoring.synthetic import (
    COMPLAINT_COLUMNS,
    HotSpot,
    Population,
    bulk_insert,
    complaint_rows,
    create_population,
)

TZ = ZoneInfo("Asia/Shanghai")
COLUMN = {name: index for index, name in enumerate(COMPLAINT_COLUMNS)}


def test_windows_are_the_local_days_before_the_report_date() -> None:
    windows = MonitorWindows(report_date=date(2026, 11, 27))
    assert (windows.window_start, windows.window_end) == (date(2026, 10, 28), date(2026, 11, 26))
    assert windows.previous_start == date(2026, 9, 28)
    assert windows.baseline_start == date(2026, 5, 1)
    current = windows.ranges()["current"]
    # Shanghai midnight is 16:00 UTC the day before; the report date itself is not counted.
    assert current == (
        datetime(2026, 10, 27, 16, tzinfo=UTC),
        datetime(2026, 11, 26, 16, tzinfo=UTC),
    )
    assert windows.ranges()["earlier"][1] == windows.ranges()["previous"][0]


def test_a_baseline_shorter_than_the_window_is_refused_with_a_sentence() -> None:
    with pytest.raises(ValueError, match="baseline must be at least as long"):
        MonitorWindows(report_date=REPORT_DATE, current_days=30, baseline_days=20)


def _reference(
    session: Session,
    population: Population,
    rows: list[tuple],
    windows: MonitorWindows,
    min_count: int,
) -> dict[UnitKind, dict[str, WindowCounts]]:
    """The same counts computed in Python from the rows as loaded."""
    ranges = windows.ranges()
    usernames = {uid: name for uid, name in session.execute(select(User.id, User.username))}
    department_of = {i: code.value for code, i in population.departments.items()}
    tallies: dict[UnitKind, dict[str, Counter[str]]] = {kind: {} for kind in UnitKind}
    for row in rows:
        received = row[COLUMN["received_at"]]
        window = next(
            (name for name, (start, end) in ranges.items() if start <= received < end), None
        )
        if window is None:
            continue
        department = department_of[row[COLUMN["department_id"]]]
        category = row[COLUMN["category"]]
        keys = {
            UnitKind.department: department,
            UnitKind.category: category,
            UnitKind.channel: row[COLUMN["channel"]],
            UnitKind.department_category: f"{department}:{category}",
            UnitKind.product: row[COLUMN["product"]],
            UnitKind.owner: usernames[row[COLUMN["first_inquiry_owner_id"]]],
            UnitKind.handler: usernames.get(row[COLUMN["handler_id"]]),
            UnitKind.customer: customer_key(row[COLUMN["customer_id"]]),
        }
        for kind, key in keys.items():
            if key is not None:
                tallies[kind].setdefault(key, Counter())[window] += 1
    result: dict[UnitKind, dict[str, WindowCounts]] = {}
    for kind, by_key in tallies.items():
        result[kind] = {
            key: WindowCounts(c["current"], c["previous"], c["previous"] + c["earlier"])
            for key, c in by_key.items()
            if kind is not UnitKind.customer or c["current"] >= min_count
        }
    return result


@pytest.mark.parametrize("readers", [1, 3])
def test_counts_match_a_count_by_hand_for_every_kind_of_unit(
    session: Session, population: Population, readers: int
) -> None:
    rng = random.Random(7)
    rows = list(complaint_rows(rng, population, background(per_day=12)))
    # Some complaints without a product, and a customer who keeps coming back.
    rows += [
        (*row[: COLUMN["product"]], None, *row[COLUMN["product"] + 1 :])
        for row in complaint_rows(rng, population, background(per_day=0.5))
    ]
    rows += list(
        complaint_rows(
            rng,
            population,
            background(per_day=0),
            [
                HotSpot(
                    "customer_id",
                    population.customers[-1],
                    4,
                    date(2026, 11, 1),
                    date(2026, 11, 20),
                )
            ],
        )
    )
    load(session, rows)
    windows = MonitorWindows(report_date=REPORT_DATE)

    units = {u.kind: u for u in count_units(session, windows=windows, min_count=3, readers=readers)}

    expected = _reference(session, population, rows, windows, min_count=3)
    for kind in UnitKind:
        assert units[kind].counts == expected[kind], kind
    assert set(units[UnitKind.department].counts) == {d.value for d in Department}
    assert set(units[UnitKind.category].counts) == {c.value for c in Category}
    assert set(units[UnitKind.channel].counts) <= {c.value for c in Channel}
    assert customer_key(population.customers[-1]) in units[UnitKind.customer].counts
    # Totals are the whole exchange's: every complaint has a department. Products and handlers
    # add up over the complaints that have one.
    for kind in UnitKind:
        if kind is not UnitKind.customer:
            assert units[kind].totals == sum(expected[kind].values(), WindowCounts(0, 0, 0)), kind
    assert units[UnitKind.customer].totals == units[UnitKind.department].totals
    assert units[UnitKind.product].totals.current < units[UnitKind.department].totals.current
    # Staff are shown by their display names.
    names = {u: n for u, n in session.execute(select(User.username, User.display_name))}
    for kind in (UnitKind.owner, UnitKind.handler):
        assert units[kind].names == {username: names[username] for username in units[kind].counts}


def test_a_complaint_counts_in_the_window_of_its_local_day(
    session: Session, population: Population
) -> None:
    rng = random.Random(1)
    template = next(complaint_rows(rng, population, background(per_day=1)))
    product = "边界测试产品"

    def at(local: datetime) -> tuple:
        received = local.replace(tzinfo=TZ).astimezone(UTC)
        row = list(template)
        row[COLUMN["reference"]] = f"EDGE{local:%Y%m%d%H%M%S}"
        row[COLUMN["received_at"]] = received
        row[COLUMN["created_at"]] = received
        row[COLUMN["product"]] = product
        return tuple(row)

    load(
        session,
        [
            at(datetime(2026, 10, 27, 23, 59, 59)),  # previous window's last second
            at(datetime(2026, 10, 28, 0, 0, 0)),  # current window's first second
            at(datetime(2026, 11, 26, 23, 59, 59)),  # current window's last second
            at(datetime(2026, 11, 27, 0, 0, 0)),  # the report date: not counted yet
            at(datetime(2026, 5, 1, 0, 0, 0)),  # the baseline's first second
            at(datetime(2026, 4, 30, 23, 59, 59)),  # before the baseline: not counted
        ],
    )
    units = {u.kind: u for u in count_units(session, windows=MonitorWindows(REPORT_DATE))}
    assert units[UnitKind.product].counts[product] == WindowCounts(
        current=2, previous=1, baseline=2
    )


def test_every_reader_reads_the_snapshot_the_report_started_with(
    session: Session, population: Population, database_url: str
) -> None:
    """PostgreSQL: a complaint committed while the readers are counting is in no kind's counts,
    though most statements start after it; the next report counts it everywhere."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no snapshot a second connection can import")
    rows = load(session, complaint_rows(random.Random(3), population, background(per_day=5)))
    late = list(rows[-1])
    late[COLUMN["reference"]] = "LATE-ARRIVAL"
    late[COLUMN["product"]] = "计数途中到达的产品"
    late[COLUMN["received_at"]] = datetime(2026, 11, 20, 2, tzinfo=UTC)
    late[COLUMN["handler_id"]] = late[COLUMN["first_inquiry_owner_id"]]
    engine = session.get_bind()
    first_count = threading.Lock()
    committed = threading.Event()

    def commit_the_late_complaint(
        _connection: object, _cursor: object, statement: str, *_: object
    ) -> None:
        with first_count:  # the readers reach their first count at about the same time
            if "count(*)" not in statement or committed.is_set():
                return
            committed.set()
        with engine.begin() as other:
            bulk_insert(other, "complaints", COMPLAINT_COLUMNS, [late])

    windows = MonitorWindows(REPORT_DATE)
    event.listen(engine, "before_cursor_execute", commit_the_late_complaint)
    try:
        during = {u.kind: u for u in count_units(session, windows=windows, readers=2)}
    finally:
        event.remove(engine, "before_cursor_execute", commit_the_late_complaint)
    session.rollback()
    after = {u.kind: u for u in count_units(session, windows=windows, readers=2)}

    assert committed.is_set()
    assert "计数途中到达的产品" not in during[UnitKind.product].counts
    assert "计数途中到达的产品" in after[UnitKind.product].counts
    # The late complaint names no subject: the kinds complained about do not count it.
    unnamed = {UnitKind.subject_department, UnitKind.subject_staff, UnitKind.subject_institution}
    for kind in UnitKind:
        if after[kind].complete and kind not in unnamed:
            assert after[kind].totals.current == during[kind].totals.current + 1, kind


def test_a_failing_read_fails_the_count_and_gives_back_every_connection(
    session: Session, population: Population
) -> None:
    load(session, complaint_rows(random.Random(5), population, background(per_day=2)))
    engine = session.get_bind()

    def fail_on_products(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        if "RECURSIVE" in statement.upper():  # the products' loose index scan
            raise RuntimeError("the database went away")

    event.listen(engine, "before_cursor_execute", fail_on_products)
    try:
        with pytest.raises(RuntimeError, match="went away"):
            count_units(session, windows=MonitorWindows(REPORT_DATE), readers=3)
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_products)
    session.close()
    assert engine.pool.checkedout() == 0
    # The connections went back as they were lent: a new count reads, and reads everything.
    assert count_units(session, windows=MonitorWindows(REPORT_DATE), readers=3)[0].counts


def test_an_in_memory_database_is_counted_on_the_sessions_own_connection() -> None:
    """In-memory SQLite exists on one connection only: several readers would each see an empty
    database, so the count runs on the session's."""
    register_all()
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    windows = MonitorWindows(REPORT_DATE)
    start, end = windows.ranges()["current"]
    with Session(engine) as memory:
        seed_departments(memory)
        people = create_population(
            memory.connection(), staff_per_department=2, products=3, customers=20
        )
        rows = load(memory, complaint_rows(random.Random(2), people, background(per_day=1)))
        units = {u.kind: u for u in count_units(memory, windows=windows, readers=2)}
    engine.dispose()
    in_window = sum(1 for row in rows if start <= row[COLUMN["received_at"]] < end)
    assert units[UnitKind.department].totals.current == in_window > 0

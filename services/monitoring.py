"""Art. 8 concentration monitoring (对客户投诉较为集中的单位和问题要重点监控): the data side.

What the monitoring job reads and writes, and what the web page shows:

- ``MonitorWindows``: the current window (default the 30 days before the report date), the
  previous window of the same length (for the trend), and the baseline before it (default 180
  days; the previous window is its last stretch). Days are local days (``settings.timezone``);
  the report date itself is not counted, so every run on one day sees the same complaints.
- ``count_units``: each unit's complaints in each window — departments, categories, channels,
  department × category, products, first-inquiry owners, handlers, customers with repeat
  complaints, and the departments, staff members and member institutions complained about.
  Counted by range counts on the indexes of ``models.monitoring``: one walk of the window's
  index entries per index, no table rows read, no sort, and no reliance on planner
  statistics; the statements are shared out among a few connections that read at once (``readers``).
- ``store_alerts`` / ``alerts_for``: the ``concentration_alerts`` rows, one per unit and window,
  written once: a re-run for the same report date leaves them as they are.
- ``concentration_overview`` and ``trend_svg``: the alerts of a window with each unit's weekly
  counts, and a small server-drawn sparkline, for the staff web app.

Privacy (Art. 2(5)): a customer appears only as ``客户#<id>``, never by name or phone.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, partial
from typing import Any, TypeAlias, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Engine,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    case,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from config.settings import Settings
from models.complaint import Complaint
from models.operations import ConcentrationAlert, ConcentrationReport
from models.people import DepartmentRow, User
from policy.concentration import (
    AlertRecord,
    Assessment,
    Severity,
    Thresholds,
    Trend,
    UnitCounts,
    UnitKind,
    WindowCounts,
    founded_share,
)
from policy.enums import Category, Channel, Department

_complaints = Complaint.__table__

CUSTOMER_PREFIX = "客户#"


def customer_key(customer_id: int) -> str:
    """The opaque name of a customer in reports: ``客户#<id>`` (Art. 2(5))."""
    return f"{CUSTOMER_PREFIX}{customer_id}"


def pair_key(department: Department, category: Category) -> str:
    return f"{department.value}:{category.value}"


# Windows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitorWindows:
    """The windows of one report; ``window_start``..``window_end`` are inclusive local dates."""

    report_date: date
    current_days: int = 30
    baseline_days: int = 180
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if self.current_days < 1:
            raise ValueError("the monitoring window must be at least one day long")
        if self.baseline_days < self.current_days:
            raise ValueError(
                "the baseline must be at least as long as the monitoring window "
                f"({self.baseline_days} < {self.current_days} days); several times longer is best"
            )

    @property
    def window_start(self) -> date:
        return self.report_date - timedelta(days=self.current_days)

    @property
    def window_end(self) -> date:
        return self.report_date - timedelta(days=1)

    @property
    def previous_start(self) -> date:
        return self.window_start - timedelta(days=self.current_days)

    @property
    def baseline_start(self) -> date:
        return self.window_start - timedelta(days=self.baseline_days)

    def instant(self, day: date) -> datetime:
        """Local midnight at the start of ``day``, in UTC."""
        local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(self.timezone))
        return local.astimezone(UTC)

    def ranges(self) -> dict[str, tuple[datetime, datetime]]:
        """Three disjoint ranges: current, previous, and the baseline before the previous."""
        return {
            "current": (self.instant(self.window_start), self.instant(self.report_date)),
            "previous": (self.instant(self.previous_start), self.instant(self.window_start)),
            "earlier": (self.instant(self.baseline_start), self.instant(self.previous_start)),
        }


# Counting -----------------------------------------------------------------------------------


# The bounds of one range count. The statements below are built once with these parameters,
# so a run pays neither for building nor for SQLAlchemy's cache key of a statement with dozens
# of subqueries (4-6 ms of Python per kind on a million complaints, measured by bench/monitor.py).
_START = bindparam("start", type_=_complaints.c.received_at.type)
_END = bindparam("end", type_=_complaints.c.received_at.type)


def _range_count(
    condition: ColumnElement[bool],
    start: datetime | BindParameter[datetime] = _START,
    end: datetime | BindParameter[datetime] = _END,
) -> ScalarSelect[int]:
    return (
        select(func.count())
        .select_from(_complaints)
        .where(condition, _complaints.c.received_at >= start, _complaints.c.received_at < end)
        .scalar_subquery()
    )


def _window_counts(current: int, previous: int, earlier: int) -> WindowCounts:
    return WindowCounts(current=current, previous=previous, baseline=previous + earlier)


_CELL_COMBOS = [(category, channel) for category in Category for channel in Channel]


@cache
def _cell_statement() -> Select[*tuple[Any, ...]]:
    """Counts per department × category × channel in one range, driven by the departments."""
    departments = DepartmentRow.__table__
    return select(
        departments.c.code,
        *(
            _range_count(
                and_(
                    _complaints.c.department_id == departments.c.id,
                    _complaints.c.category == category,
                    _complaints.c.channel == channel,
                )
            )
            for category, channel in _CELL_COMBOS
        ),
    )


@cache
def _loose_statement(column_name: str) -> Select[str, int]:
    """Counts per value of a free-text column (a product, a member institution) in one range;
    the values are found by a loose index scan (the next value after the last one), so no sort
    and no table rows."""
    column = _complaints.c[column_name]
    values = select(func.min(column).label("k")).cte(f"{column_name}_values", recursive=True)
    following = select(func.min(column)).where(column > values.c.k).scalar_subquery()
    values = values.union_all(select(following.label("k")).where(values.c.k.is_not(None)))
    return select(values.c.k, _range_count(column == values.c.k)).where(values.c.k.is_not(None))


# The column each staff kind counts by.
_STAFF_COLUMNS = {
    UnitKind.owner: _complaints.c.first_inquiry_owner_id,
    UnitKind.handler: _complaints.c.handler_id,
    UnitKind.subject_staff: _complaints.c.subject_user_id,
}


@cache
def _staff_statement(kind: UnitKind) -> Select[str, str, int]:
    """Counts per first-inquiry owner, handler or staff member complained about in one range,
    driven by the users."""
    return select(User.username, User.display_name, _range_count(_STAFF_COLUMNS[kind] == User.id))


@cache
def _subject_department_statement() -> Select[str, int]:
    """Counts per department complained about in one range, driven by the departments."""
    departments = DepartmentRow.__table__
    return select(
        departments.c.code,
        _range_count(_complaints.c.subject_department_id == departments.c.id),
    )


_Cell: TypeAlias = tuple[Department, Category, Channel]
_Key = TypeVar("_Key")
_WINDOW_NAMES = ("current", "previous", "earlier")


def _cell_counts(session: Session, start: datetime, end: datetime) -> dict[_Cell, int]:
    counts: dict[_Cell, int] = {}
    for code, *values in session.execute(_cell_statement(), {"start": start, "end": end}):
        for (category, channel), value in zip(_CELL_COMBOS, values, strict=True):
            counts[(Department(code), category, channel)] = int(value)
    return counts


def _text_counts(
    session: Session, start: datetime, end: datetime, column_name: str
) -> dict[str, int]:
    rows = session.execute(_loose_statement(column_name), {"start": start, "end": end})
    return {key: int(value) for key, value in rows}


def _subject_department_counts(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    rows = session.execute(_subject_department_statement(), {"start": start, "end": end})
    return {Department(code).value: int(value) for code, value in rows}


def _staff_counts(
    session: Session, start: datetime, end: datetime, kind: UnitKind
) -> dict[str, int]:
    """By username: a display name may change between two statements, a username does not."""
    rows = session.execute(_staff_statement(kind), {"start": start, "end": end})
    return {username: int(value) for username, _, value in rows}


def _staff_names(session: Session) -> dict[str, str]:
    rows = session.execute(select(User.username, User.display_name))
    return {username: display_name for username, display_name in rows}


def _repeat_customers(
    session: Session, windows: MonitorWindows, min_count: int
) -> dict[str, WindowCounts]:
    """Customers with at least ``min_count`` complaints in the current window, and their past."""
    ranges = windows.ranges()
    received, customer = _complaints.c.received_at, _complaints.c.customer_id
    current_start, end = ranges["current"]
    previous_start, _ = ranges["previous"]
    baseline_start, _ = ranges["earlier"]
    current = {
        customer_id: count
        for customer_id, count in session.execute(
            select(customer, func.count())
            .where(received >= current_start, received < end)
            .group_by(customer)
            .having(func.count() >= min_count)
        )
    }
    history: dict[int, tuple[int, int]] = {}
    ids = sorted(current)
    for start in range(0, len(ids), 500):
        statement = (
            select(customer, func.sum(case((received >= previous_start, 1), else_=0)), func.count())
            .where(
                customer.in_(ids[start : start + 500]),
                received >= baseline_start,
                received < current_start,
            )
            .group_by(customer)
        )
        history.update({row[0]: (int(row[1]), int(row[2])) for row in session.execute(statement)})
    return {
        customer_key(cid): WindowCounts(count, *history.get(cid, (0, 0)))
        for cid, count in current.items()
    }


def _by_window(per_window: dict[str, dict[_Key, int]]) -> dict[_Key, WindowCounts]:
    """One kind's counts per range (current, previous, earlier) as each unit's window counts,
    leaving out units with no complaint in the current window or the baseline."""
    keys = {key for counts in per_window.values() for key in counts}
    counts = {
        key: _window_counts(*(per_window[name].get(key, 0) for name in _WINDOW_NAMES))
        for key in keys
    }
    return {key: c for key, c in counts.items() if c.current or c.baseline}


def _sum(values: Iterable[WindowCounts]) -> WindowCounts:
    total = WindowCounts(0, 0, 0)
    for value in values:
        total = total + value
    return total


def _roll_up(
    kind: UnitKind, items: Iterable[tuple[str, str, WindowCounts]], totals: WindowCounts
) -> UnitCounts:
    """Cells summed into a coarser unit; the cells are the ones seen, so its units are too."""
    counts: dict[str, WindowCounts] = {}
    names: dict[str, str] = {}
    for key, name, value in items:
        counts[key] = counts.get(key, WindowCounts(0, 0, 0)) + value
        names[key] = name
    return UnitCounts(kind=kind, counts=counts, names=names, totals=totals)


def _without_jit(session: Session) -> None:
    """PostgreSQL: no JIT for the rest of this transaction. A statement of a hundred-odd index
    range counts looks costly to the planner, which then spent seconds compiling what runs in
    milliseconds (measured by bench/monitor.py)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


_Read: TypeAlias = Callable[[Session], object]
_STAFF_NAMES = ("staff", "names")
_REPEAT_CUSTOMERS = (UnitKind.customer.value, "all")


def _reads(windows: MonitorWindows, min_count: int) -> dict[tuple[str, str], _Read]:
    """Every statement of one report, keyed by (what is counted, window), longest first: the
    earlier window is five times the others, and the customers' count is one of the longest,
    so readers taking them in this order finish at about the same time."""
    ranges = windows.ranges()
    counters: dict[str, Callable[..., object]] = {
        "cells": _cell_counts,
        UnitKind.product: partial(_text_counts, column_name="product"),
        UnitKind.owner: partial(_staff_counts, kind=UnitKind.owner),
        UnitKind.handler: partial(_staff_counts, kind=UnitKind.handler),
        UnitKind.subject_department: _subject_department_counts,
        UnitKind.subject_staff: partial(_staff_counts, kind=UnitKind.subject_staff),
        UnitKind.subject_institution: partial(_text_counts, column_name="subject_institution"),
    }

    def window_reads(window: str) -> dict[tuple[str, str], _Read]:
        start, end = ranges[window]
        return {
            (name, window): partial(counter, start=start, end=end)
            for name, counter in counters.items()
        }

    earlier = window_reads("earlier")
    longest = ("cells", "earlier")
    return {
        longest: earlier.pop(longest),
        _REPEAT_CUSTOMERS: partial(_repeat_customers, windows=windows, min_count=min_count),
        **earlier,
        **window_reads("previous"),
        **window_reads("current"),
        _STAFF_NAMES: _staff_names,
    }


def count_units(
    session: Session, *, windows: MonitorWindows, min_count: int = 3, readers: int = 1
) -> list[UnitCounts]:
    """Every kind of unit with its counts in the windows of one report (read only).

    With ``readers`` > 1 the statements are shared out among that many connections of the
    session's engine that read at once: the database does the counting, so a report takes that
    many of its cores (bench/monitor.py: two readers take 55% of one's time). They read what is
    committed, not the session's own unflushed or uncommitted work. On PostgreSQL every reader
    imports the snapshot of ``session``'s transaction (``pg_export_snapshot``), so the report
    is one consistent reading. On SQLite each statement reads the database as it is when it
    starts, as it always did there; the windows end before the report date, so only a change
    to an old complaint (a transfer, say) in the milliseconds between two statements could
    show it under its old unit in one kind and its new unit in another.
    """
    results = _read_all(session, _reads(windows, min_count), readers)

    def per_window(name: str) -> dict[str, dict[Any, int]]:
        return {window: cast(dict[Any, int], results[(name, window)]) for window in _WINDOW_NAMES}

    cells: dict[_Cell, WindowCounts] = _by_window(per_window("cells"))
    totals = _sum(cells.values())
    products: dict[str, WindowCounts] = _by_window(per_window(UnitKind.product))
    kinds = [
        _roll_up(
            UnitKind.department, ((d.value, d.label, c) for (d, _, _), c in cells.items()), totals
        ),
        _roll_up(
            UnitKind.category, ((k.value, k.label, c) for (_, k, _), c in cells.items()), totals
        ),
        _roll_up(
            UnitKind.channel, ((ch.value, ch.label, c) for (_, _, ch), c in cells.items()), totals
        ),
        _roll_up(
            UnitKind.department_category,
            ((pair_key(d, k), f"{d.label}·{k.label}", c) for (d, k, _), c in cells.items()),
            totals,
        ),
        UnitCounts(
            kind=UnitKind.product,
            counts=products,
            names={key: key for key in products},
            totals=_sum(products.values()),
        ),
    ]
    subject_departments: dict[str, WindowCounts] = _by_window(
        per_window(UnitKind.subject_department)
    )
    institutions: dict[str, WindowCounts] = _by_window(per_window(UnitKind.subject_institution))
    kinds += [
        UnitCounts(
            kind=UnitKind.subject_department,
            counts=subject_departments,
            names={key: Department(key).label for key in subject_departments},
            totals=_sum(subject_departments.values()),
        ),
        UnitCounts(
            kind=UnitKind.subject_institution,
            counts=institutions,
            names={key: key for key in institutions},
            totals=_sum(institutions.values()),
        ),
    ]
    staff_names = cast(dict[str, str], results[_STAFF_NAMES])
    for kind in (UnitKind.owner, UnitKind.handler, UnitKind.subject_staff):
        staff: dict[str, WindowCounts] = _by_window(per_window(kind))
        kinds.append(
            UnitCounts(
                kind=kind,
                counts=staff,
                names={username: staff_names.get(username, username) for username in staff},
                totals=_sum(staff.values()),
            )
        )
    customers = cast(dict[str, WindowCounts], results[_REPEAT_CUSTOMERS])
    kinds.append(
        UnitCounts(
            kind=UnitKind.customer,
            counts=customers,
            names={key: key for key in customers},
            totals=totals,
            complete=False,
        )
    )
    return kinds


_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")


def _read_all(
    session: Session, reads: dict[tuple[str, str], _Read], readers: int
) -> dict[tuple[str, str], object]:
    """Run ``reads``: on ``readers`` connections of the session's engine at once, each taking
    the next read in order, every one on PostgreSQL in the snapshot of ``session``'s
    transaction; or one after another on ``session`` itself."""
    bind = session.get_bind()
    if (
        readers <= 1
        or not isinstance(bind, Engine)  # a session on a connection the caller manages
        or isinstance(bind.pool, SingletonThreadPool | StaticPool)  # in-memory SQLite
    ):
        _without_jit(session)
        return {key: read(session) for key, read in reads.items()}
    engine = bind
    snapshot = None
    if engine.dialect.name == "postgresql":
        snapshot = session.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        if not _SNAPSHOT_ID.fullmatch(snapshot):  # it goes into SQL text below
            raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
    queue = deque(reads.items())
    results: dict[tuple[str, str], object] = {}

    def reader() -> None:
        try:
            with Session(engine) as own:
                if snapshot is not None:
                    own.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                    own.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
                _without_jit(own)
                while queue:
                    try:
                        key, read = queue.popleft()
                    except IndexError:  # another reader took the last one
                        return
                    results[key] = read(own)
        except BaseException:
            queue.clear()  # the other readers stop after their current statement
            raise

    with ThreadPoolExecutor(readers, thread_name_prefix="monitor-reader") as pool:
        futures = [pool.submit(reader) for _ in range(min(readers, len(reads)))]
    for future in futures:
        future.result()  # raises a reader's failure
    return results


# Alerts -------------------------------------------------------------------------------------


def store_alerts(
    session: Session, *, windows: MonitorWindows, alerts: Sequence[AlertRecord]
) -> list[ConcentrationAlert]:
    """Store the alerts of a window, once: a unit already stored for this window is left as it
    was (``ON CONFLICT DO NOTHING`` on the unit and window). Records the report itself, with
    or without alerts, once per report date. Returns all the window's alerts."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(ConcentrationReport)
        .values(
            report_date=windows.report_date,
            window_start=windows.window_start,
            window_end=windows.window_end,
            made_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["report_date"])
    )
    if alerts:
        statement = insert(ConcentrationAlert).on_conflict_do_nothing(
            index_elements=["unit_kind", "unit_key", "window_end"]
        )
        session.execute(
            statement,
            [
                {
                    "unit_kind": alert.unit_kind.value,
                    "unit_key": alert.unit_key,
                    "window_start": windows.window_start,
                    "window_end": windows.window_end,
                    "count": alert.count,
                    "expected": alert.expected,
                    "p_value": alert.p_value,
                    "severity": alert.severity.value,
                    "trend": alert.trend.value if alert.trend else None,
                    "explanation": alert.explanation,
                    "created_at": datetime.now(UTC),
                }
                for alert in alerts
            ],
        )
    return alerts_for(session, window_end=windows.window_end)


_SEVERITY_ORDER: dict[str, int] = {
    Severity.high: 0,
    Severity.elevated: 1,
    Severity.watch: 2,
    Severity.none: 3,
}


def alerts_for(session: Session, *, window_end: date) -> list[ConcentrationAlert]:
    """The alerts of the window ending on ``window_end``: most severe, then most surprising."""
    rows = session.scalars(
        select(ConcentrationAlert)
        .where(ConcentrationAlert.window_end == window_end)
        .execution_options(populate_existing=True)
    ).all()
    return sorted(
        rows,
        key=lambda a: (
            _SEVERITY_ORDER.get(a.severity, 9),
            a.p_value,
            a.unit_kind,
            a.unit_key,
        ),
    )


# The web page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertView:
    """One alert as the page shows it, with the unit's weekly counts (oldest first)."""

    unit_kind: UnitKind
    unit_key: str
    kind_label: str
    unit_label: str
    count: int
    expected: float
    p_value: float
    severity: Severity
    trend: Trend | None
    explanation: str
    window_start: date
    window_end: date
    weekly_counts: list[int] = field(default_factory=list)
    alert_id: int = 0
    founded: int | None = None
    owner: str | None = None
    due_on: date | None = None
    disposition: str | None = None
    escalated: bool = False

    @property
    def founded_share(self) -> str:
        return founded_share(self.founded, self.count)


@dataclass(frozen=True)
class ConcentrationOverview:
    """The alerts of one report (``report_date`` None when no report was made yet)."""

    window_end: date | None
    alerts: list[AlertView]
    weeks: int
    report_dates: list[date]
    report_date: date | None = None


def unit_label(session: Session, kind: UnitKind | str, key: str) -> str:
    """The name a unit is shown by: a department's or category's Chinese name, a staff member's
    display name, a product as entered, a customer as ``客户#<id>``."""
    kind = UnitKind(kind)
    if kind in (UnitKind.department, UnitKind.subject_department) and key in Department.__members__:
        return Department(key).label
    if kind is UnitKind.category and key in Category.__members__:
        return Category(key).label
    if kind is UnitKind.channel and key in Channel.__members__:
        return Channel(key).label
    if kind is UnitKind.department_category:
        department, _, category = key.partition(":")
        if department in Department.__members__ and category in Category.__members__:
            return f"{Department(department).label}·{Category(category).label}"
    if kind in _STAFF_COLUMNS:
        name = session.scalar(select(User.display_name).where(User.username == key))
        return name or key
    return key


def unit_condition(session: Session, kind: UnitKind | str, key: str) -> ColumnElement[bool] | None:
    """Which complaints belong to a unit; None for a unit that no longer exists.

    Department, category and channel conditions name all three of the cells index's leading
    columns, so that each is a few index ranges on both backends.
    """
    kind = UnitKind(kind)
    c = _complaints.c
    department_ids = {
        code: row_id
        for code, row_id in session.execute(select(DepartmentRow.code, DepartmentRow.id))
    }
    every_department = c.department_id.in_(list(department_ids.values()))
    every_category = c.category.in_(list(Category))
    every_channel = c.channel.in_(list(Channel))
    if kind is UnitKind.department and key in department_ids:
        return and_(
            c.department_id == department_ids[Department(key)], every_category, every_channel
        )
    if kind is UnitKind.category and key in Category.__members__:
        return and_(every_department, c.category == Category(key), every_channel)
    if kind is UnitKind.channel and key in Channel.__members__:
        return and_(every_department, every_category, c.channel == Channel(key))
    if kind is UnitKind.department_category:
        department, _, category = key.partition(":")
        if department in department_ids and category in Category.__members__:
            return and_(
                c.department_id == department_ids[Department(department)],
                c.category == Category(category),
                every_channel,
            )
        return None
    if kind is UnitKind.product:
        return c.product == key
    if kind is UnitKind.subject_institution:
        return c.subject_institution == key
    if kind is UnitKind.subject_department:
        return (
            c.subject_department_id == department_ids[Department(key)]
            if key in department_ids
            else None
        )
    if kind in _STAFF_COLUMNS:
        user_id = session.scalar(select(User.id).where(User.username == key))
        if user_id is None:
            return None
        return _STAFF_COLUMNS[kind] == user_id
    if kind is UnitKind.customer and key.startswith(CUSTOMER_PREFIX):
        digits = key.removeprefix(CUSTOMER_PREFIX)
        return c.customer_id == int(digits) if digits.isdigit() else None
    return None


def weekly_counts(
    session: Session,
    *,
    kind: UnitKind | str,
    key: str,
    last_day: date,
    weeks: int = 12,
    timezone: str = "Asia/Shanghai",
) -> list[int]:
    """A unit's complaints in each of the ``weeks`` weeks ending on ``last_day`` (inclusive),
    oldest first; zeros for a unit that no longer exists."""
    condition = unit_condition(session, kind, key)
    if condition is None or weeks < 1:
        return [0] * max(weeks, 0)
    windows = MonitorWindows(report_date=last_day + timedelta(days=1), timezone=timezone)
    ends = [windows.report_date - timedelta(days=7 * i) for i in reversed(range(weeks))]
    columns = [
        _range_count(condition, windows.instant(end - timedelta(days=7)), windows.instant(end))
        for end in ends
    ]
    return [int(value) for value in session.execute(select(*columns)).one()]


def report_dates(session: Session, *, limit: int = 30) -> list[date]:
    """The dates of the reports made, newest first: a report's date is the day after its
    window's last day, as the `complaints monitor` command and the Prefect run name it (alerts
    stored before reports were recorded count by their window)."""
    made = set(session.scalars(select(ConcentrationReport.report_date)))
    made.update(
        window_end + timedelta(days=1)
        for window_end in session.scalars(
            select(ConcentrationAlert.window_end).group_by(ConcentrationAlert.window_end)
        )
    )
    return sorted(made, reverse=True)[:limit]


def concentration_overview(
    session: Session,
    *,
    report_date: date | None = None,
    weeks: int = 12,
    timezone: str = "Asia/Shanghai",
) -> ConcentrationOverview:
    """What the web page lists: the alerts of a report (default the newest), each with its
    unit's weekly counts for ``trend_svg``. Read only; no Prefect, no settings needed."""
    _without_jit(session)
    dates = report_dates(session)
    if report_date is None:
        report_date = dates[0] if dates else None
    if report_date is None:
        return ConcentrationOverview(window_end=None, alerts=[], weeks=weeks, report_dates=dates)
    window_end = report_date - timedelta(days=1)
    views = []
    for alert in alerts_for(session, window_end=window_end):
        kind = UnitKind(alert.unit_kind)
        views.append(
            AlertView(
                unit_kind=kind,
                unit_key=alert.unit_key,
                kind_label=kind.label,
                unit_label=unit_label(session, kind, alert.unit_key),
                count=alert.count,
                expected=alert.expected,
                p_value=alert.p_value,
                severity=Severity(alert.severity),
                trend=Trend(alert.trend) if alert.trend else None,
                explanation=alert.explanation,
                window_start=alert.window_start,
                window_end=alert.window_end,
                weekly_counts=weekly_counts(
                    session,
                    kind=kind,
                    key=alert.unit_key,
                    last_day=alert.window_end,
                    weeks=weeks,
                    timezone=timezone,
                ),
                **follow_up_fields(alert),
            )
        )
    return ConcentrationOverview(
        window_end=window_end,
        alerts=views,
        weeks=weeks,
        report_dates=dates,
        report_date=report_date,
    )


def follow_up_fields(alert: ConcentrationAlert) -> dict[str, Any]:
    """An alert's founded count and follow-up (owner, due date, disposition) as shown."""
    follow_up = alert.follow_up
    return {
        "alert_id": alert.id,
        "founded": alert.founded,
        "owner": follow_up.owner.display_name if follow_up and follow_up.owner else None,
        "due_on": follow_up.due_on if follow_up else None,
        "disposition": (
            follow_up.disposition.label if follow_up and follow_up.disposition else None
        ),
        "escalated": bool(follow_up and follow_up.escalated_at),
    }


def trend_svg(
    counts: Sequence[int],
    *,
    width: int = 120,
    height: int = 28,
    color: str = "#c0392b",
    label: str = "每周投诉数",
) -> str:
    """A sparkline of ``counts`` (oldest first) as an inline SVG string, drawn on the server.

    The line is scaled so the largest count touches the top; the last week gets a dot. The
    counts are also in the ``aria-label`` and ``<title>``, so the chart reads without sight.
    Only numbers and the fixed ``label`` go into the markup (``label`` and ``color`` are the
    caller's constants, not user input).
    """
    values = [int(v) for v in counts]
    if any(v < 0 for v in values):
        raise ValueError("counts must not be negative")
    caption = f"{label}：{'、'.join(map(str, values))}" if values else f"{label}：无数据"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{caption}">'
        f"<title>{caption}</title>"
    )
    if not values:
        return head + "</svg>"
    pad = 2.0
    top = max(values) or 1
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def point(i: int, v: int) -> tuple[float, float]:
        x = pad + i * step if len(values) > 1 else width / 2
        return x, height - pad - (height - 2 * pad) * v / top

    points = [point(i, v) for i, v in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    return (
        head + f'<polyline fill="none" stroke="{color}" stroke-width="1.5" '
        f'stroke-linejoin="round" points="{path}"/>'
        + f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2" fill="{color}"/>'
        + "</svg>"
    )


# From the settings (COMPLAINTS_MONITOR_*) ---------------------------------------------------


def windows_for(report_date: date, settings: Settings) -> MonitorWindows:
    return MonitorWindows(
        report_date=report_date,
        current_days=settings.monitor_window_days,
        baseline_days=settings.monitor_baseline_days,
        timezone=settings.timezone,
    )


def thresholds_for(settings: Settings) -> Thresholds:
    """The statistic's thresholds as configured."""
    return Thresholds(
        current_days=settings.monitor_window_days,
        baseline_days=settings.monitor_baseline_days,
        alpha=settings.monitor_alpha,
        min_count=settings.monitor_min_count,
    )


# The report as the Prefect UI shows it ------------------------------------------------------


@dataclass(frozen=True)
class StoredAlert:
    """An alert as stored (and as every re-run for the same day returns it)."""

    id: int
    unit_kind: str
    unit_key: str
    unit_label: str
    window_start: date
    window_end: date
    count: int
    expected: float
    p_value: float
    severity: str
    trend: str | None
    explanation: str
    founded: int | None = None
    owner: str | None = None
    due_on: date | None = None


def store_window_alerts(
    session: Session,
    windows: MonitorWindows,
    alerts: Sequence[AlertRecord],
    *,
    follow_up: Callable[[Sequence[ConcentrationAlert]], None] | None = None,
) -> list[StoredAlert]:
    """Store a window's alerts once (``store_alerts``); all its alerts as stored, with labels.
    ``follow_up`` completes the stored alerts first (their founded count, owner and due date,
    ``services.alert_followups.open_follow_ups``)."""
    rows = store_alerts(session, windows=windows, alerts=alerts)
    if follow_up is not None:
        follow_up(rows)
    return [
        StoredAlert(
            id=row.id,
            unit_kind=row.unit_kind,
            unit_key=row.unit_key,
            unit_label=unit_label(session, row.unit_kind, row.unit_key),
            window_start=row.window_start,
            window_end=row.window_end,
            count=row.count,
            expected=row.expected,
            p_value=row.p_value,
            severity=row.severity,
            trend=row.trend,
            explanation=row.explanation,
            founded=row.founded,
            owner=(
                row.follow_up.owner.display_name
                if row.follow_up is not None and row.follow_up.owner is not None
                else None
            ),
            due_on=row.follow_up.due_on if row.follow_up is not None else None,
        )
        for row in rows
    ]


def _label(enum: type[Severity] | type[Trend], value: str | None) -> str:
    return enum(value).label if value in enum.__members__ else "—"


def _format_p(p_value: float) -> str:
    return "<0.0001" if p_value < 0.0001 else f"{p_value:.4f}"


def report_table(alerts: Sequence[StoredAlert]) -> list[dict[str, Any]]:
    """The rows of the ``concentration-report`` table artifact."""
    return [
        {
            "级别": _label(Severity, alert.severity),
            "监控对象类型": UnitKind(alert.unit_kind).label,
            "监控对象": alert.unit_label,
            "投诉数": alert.count,
            "属实占比": founded_share(alert.founded, alert.count),
            "预期数": round(alert.expected, 1),
            "P值": _format_p(alert.p_value),
            "趋势": _label(Trend, alert.trend),
            "说明": alert.explanation,
            "负责人": alert.owner or "—",
            "处置期限": alert.due_on.isoformat() if alert.due_on else "—",
        }
        for alert in alerts
    ]


def report_markdown(
    windows: MonitorWindows,
    assessment: Assessment,
    alerts: Sequence[StoredAlert],
    thresholds: Thresholds,
) -> str:
    """The markdown summary: the window, what was assessed, what stands out."""
    lines = [
        f"# 投诉集中监控报告（第八条）报告日期 {windows.report_date}："
        f"{windows.window_start}至{windows.window_end}",
        "",
        f"近{windows.current_days}天投诉 {assessment.complaints_current} 件；"
        f"基线（此前{windows.baseline_days}天）{assessment.complaints_baseline} 件。"
        f"判定标准：P < {thresholds.alpha} 且投诉数 ≥ {thresholds.min_count}，"
        "预期数按各对象自身基线占比并随总量调整。",
        "",
        "| 监控对象类型 | 评估数 | 列入重点监控 |",
        "|---|---:|---:|",
    ]
    for kind in assessment.kinds:
        note = (
            f"（近{windows.current_days}天≥{thresholds.min_count}件者）"
            if not kind.complete
            else ""
        )
        lines.append(f"| {kind.kind.label}{note} | {kind.assessed} | {kind.flagged} |")
    assessed = sum(k.assessed for k in assessment.kinds if k.complete)
    lines += [
        "",
        f"随机波动下约有 {thresholds.alpha * assessed:.1f} 项会被偶然列入（多为“关注”级）；"
        "“较高”“高”级别更可能是真实的集中。",
        "",
    ]
    if not alerts:
        lines.append("本期未发现投诉较为集中的单位或问题。")
    else:
        lines.append(f"## 列入重点监控 {len(alerts)} 项")
        lines.append("")
        for alert in alerts:
            lines.append(
                f"- **{_label(Severity, alert.severity)}** {alert.explanation}"
                f"（{founded_share(alert.founded, alert.count)}）"
            )
    return "\n".join(lines) + "\n"

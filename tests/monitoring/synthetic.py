"""Synthetic complaints for Art. 8 monitoring: a steady background, optional planted hot spots,
and a bulk loader fast enough for a million rows (executemany on SQLite, COPY on PostgreSQL).

The background is what "nothing special" means to the statistic: every complaint picks its
department, category, channel, product, staff and customer from fixed shares that do not change
over time, while the daily volume may (``volume``). A hot spot adds complaints that share one
attribute in a chosen stretch of days.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select, text

from models.people import Customer, DepartmentRow, User
from policy.enums import Category, Channel, Department

TZ = ZoneInfo("Asia/Shanghai")

COMPLAINT_COLUMNS = (
    "reference",
    "channel",
    "complainant_kind",
    "customer_id",
    "received_at",
    "content",
    "product",
    "suggested_category",
    "category",
    "classification_reasons",
    "department_id",
    "first_inquiry_owner_id",
    "handler_id",
    "suggested_major",
    "major_reasons",
    "stage",
    "resolved_on_the_spot",
    "reopen_count",
    "handling_round",
    "created_at",
)
USER_COLUMNS = (
    "username",
    "display_name",
    "role",
    "department_id",
    "password_hash",
    "active",
    "created_at",
)
CUSTOMER_COLUMNS = ("kind", "phone", "created_at")

DEPARTMENT_SHARES = {
    Department.member_management: 0.2,
    Department.wealth_center: 0.5,
    Department.general_management: 0.3,
}
CATEGORY_SHARES = {
    Category.service_attitude: 0.35,
    Category.efficiency: 0.3,
    Category.business_error: 0.25,
    Category.violation: 0.1,
}
CHANNEL_SHARES = {
    Channel.phone: 0.55,
    Channel.sales_manager: 0.25,
    Channel.regulator_transfer: 0.05,
    Channel.onsite: 0.15,
}
CONTENT = (
    "客户来电反映理财产品赎回款未按约定时间到账，多次询问未获明确答复，要求尽快处理并说明原因。"
)
_references = itertools.count(1)
# Customers' personal data as stored: what must never reach Prefect (Art. 2(5)).
NAME_PREFIX = "测试姓名"
PHONE_PREFIX = "139"


@dataclass(frozen=True)
class Population:
    """Who and what the synthetic complaints are about (ids as stored)."""

    departments: dict[Department, int]
    staff: dict[Department, list[int]]
    products: list[str]
    customers: list[int]

    def staff_department(self, user_id: int) -> Department:
        return next(code for code, ids in self.staff.items() if user_id in ids)


@dataclass(frozen=True)
class HotSpot:
    """``extra`` more complaints with ``column == value`` spread over ``days`` (local dates)."""

    column: str
    value: Any
    extra: int
    first_day: date
    last_day: date


@dataclass
class Background:
    """A steady background: ``per_day`` complaints a day times ``volume(day_index)``."""

    first_day: date
    days: int
    per_day: float
    volume: Callable[[int], float] = field(default=lambda _day: 1.0)
    # Complaints received in the last ``unassigned_days`` days have no handler yet.
    unassigned_days: int = 3


def create_population(
    connection: Connection,
    *,
    staff_per_department: int = 8,
    products: int = 10,
    customers: int = 2000,
    tag: str = "syn",
) -> Population:
    """Staff, products and customers, inserted in bulk; departments are the seeded three."""
    departments = {
        row.code: row.id for row in connection.execute(select(DepartmentRow.code, DepartmentRow.id))
    }
    now = datetime.now(UTC)
    users = [
        (f"{tag}_{code.value}_{i}", f"员工{code.label}{i}", "staff", dept_id, "!", True, now)
        for code, dept_id in departments.items()
        for i in range(staff_per_department)
    ]
    bulk_insert(connection, "users", USER_COLUMNS, users)
    staff = {
        code: list(
            connection.scalars(
                select(User.id)
                .where(User.department_id == dept_id, User.username.startswith(f"{tag}_"))
                .order_by(User.id)
            )
        )
        for code, dept_id in departments.items()
    }
    bulk_insert(
        connection,
        "customers",
        CUSTOMER_COLUMNS,
        (("customer", f"{PHONE_PREFIX}{i:08d}", now) for i in range(customers)),
    )
    customer_ids = sorted(
        connection.scalars(select(Customer.id).order_by(Customer.id.desc()).limit(customers))
    )
    return Population(
        departments=departments,
        staff=staff,
        products=[f"{tag}稳健理财{i:03d}号" for i in range(products)],
        customers=customer_ids,
    )


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _zipf(n: int, s: float = 0.8) -> list[float]:
    return _cumulative([1 / (i + 1) ** s for i in range(n)])


def complaint_rows(
    rng: random.Random,
    population: Population,
    background: Background,
    hot_spots: Iterable[HotSpot] = (),
) -> Iterator[tuple[Any, ...]]:
    """Rows in ``COMPLAINT_COLUMNS`` order (datetimes aware UTC), background then hot spots."""
    departments = list(DEPARTMENT_SHARES)
    department_cw = _cumulative(list(DEPARTMENT_SHARES.values()))
    categories = list(CATEGORY_SHARES)
    category_cw = _cumulative(list(CATEGORY_SHARES.values()))
    channels = list(CHANNEL_SHARES)
    channel_cw = _cumulative(list(CHANNEL_SHARES.values()))
    product_cw = _zipf(len(population.products))
    staff_cw = {code: _zipf(len(ids), 0.5) for code, ids in population.staff.items()}
    customer_cw = _zipf(len(population.customers), 0.3)
    end_day = background.first_day + timedelta(days=background.days)

    def rows_for(day: date, n: int, fixed: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
        if n <= 0:
            return
        start = datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(UTC)
        seconds = sorted(rng.random() * 86400 for _ in range(n))
        depts = rng.choices(departments, cum_weights=department_cw, k=n)
        cats = rng.choices(categories, cum_weights=category_cw, k=n)
        chans = rng.choices(channels, cum_weights=channel_cw, k=n)
        prods = rng.choices(population.products, cum_weights=product_cw, k=n)
        custs = rng.choices(population.customers, cum_weights=customer_cw, k=n)
        unassigned = (end_day - day).days <= background.unassigned_days
        for i in range(n):
            department = fixed.get("department", depts[i])
            staff = population.staff[department]
            owner = (
                fixed.get("first_inquiry_owner_id")
                or rng.choices(staff, cum_weights=staff_cw[department])[0]
            )
            handler = fixed.get("handler_id") or (
                None if unassigned else rng.choices(staff, cum_weights=staff_cw[department])[0]
            )
            category = fixed.get("category", cats[i])
            received = start + timedelta(seconds=seconds[i])
            yield (
                f"SYN{next(_references):09d}",
                fixed.get("channel", chans[i]).value,
                "customer",
                fixed.get("customer_id", custs[i]),
                received,
                CONTENT,
                fixed.get("product", prods[i]),
                category.value,
                category.value,
                "[]",
                population.departments[department],
                owner,
                handler,
                False,
                "[]",
                "awaiting_handling",
                False,
                0,
                1,
                received,
            )

    for index in range(background.days):
        day = background.first_day + timedelta(days=index)
        mean = background.per_day * background.volume(index)
        n = max(0, round(mean + rng.gauss(0, mean**0.5)))
        yield from rows_for(day, n, {})
    for spot in hot_spots:
        fixed: dict[str, Any] = {spot.column: spot.value}
        if spot.column in ("first_inquiry_owner_id", "handler_id"):
            fixed["department"] = population.staff_department(spot.value)
        days = (spot.last_day - spot.first_day).days + 1
        per_day = [0] * days
        for _ in range(spot.extra):
            per_day[rng.randrange(days)] += 1
        for offset, n in enumerate(per_day):
            yield from rows_for(spot.first_day + timedelta(days=offset), n, fixed)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def bulk_insert(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch: int = 50_000,
) -> int:
    """Insert rows through the driver: executemany on SQLite, COPY on PostgreSQL. Count back.

    Values are as the ORM would store them: enum values as strings, JSON as text; datetimes
    aware (written as naive UTC on SQLite, like ``models.db.UTCDateTime``).
    """
    dbapi = connection.connection.driver_connection
    assert dbapi is not None
    names = ", ".join(columns)
    written = 0
    cursor = dbapi.cursor()
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        else:
            statement = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
            iterator = iter(rows)
            while chunk := [
                tuple(_sqlite_value(v) for v in row) for row in itertools.islice(iterator, batch)
            ]:
                cursor.executemany(statement, chunk)
                written += len(chunk)
    finally:
        cursor.close()
    return written


def add_contacts(connection: Connection) -> None:
    """Each complaint without one gets its complainant's details (a name, the phone), as the
    intake stores them: what the monitoring job must never read out (Art. 2(5))."""
    connection.execute(
        text(
            "INSERT INTO complaint_contacts (complaint_id, name, phone) "
            f"SELECT complaints.id, '{NAME_PREFIX}' || customers.id, customers.phone "
            "FROM complaints JOIN customers ON customers.id = complaints.customer_id "
            "WHERE NOT EXISTS (SELECT 1 FROM complaint_contacts "
            "WHERE complaint_contacts.complaint_id = complaints.id)"
        )
    )

"""Mainland-China working-day calendar (工作日历) for deadlines counted in working days.

docs/regulation.md ("Reply time"): deadlines in days may count working days with the mainland China
holiday calendar. The calendar must answer for *any* date, because a reply deadline set in December
already falls in a year whose official schedule (国务院办公厅关于节假日安排的通知) is not yet
published. Each answer says where it came from, so a deadline can record how sure it is:

1. ``override`` — ``workday_overrides.yaml`` beside this module, maintained by an operator: single
   dates declared rest days or make-up workdays (调休上班), and "complete years" whose schedule
   has been entered in full (every other date of such a year follows the plain weekend rule).
2. ``official`` — the ``chinese_calendar`` package, which carries the State Council schedules
   for 2004–2026 and raises ``NotImplementedError`` outside them.
3. ``estimate`` — the ``holidays`` package's China calendar, which derives public holidays by
   rule but knows no make-up workdays for future years; weekends are rest days. If even that
   fails, plain weekends (also ``estimate``).

No lookup of a ``date`` ever raises.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import chinese_calendar
import holidays
import yaml

DEFAULT_OVERRIDES_PATH = Path(__file__).with_name("workday_overrides.yaml")


class CalendarSource(StrEnum):
    """Where a working-day answer came from, from most to least authoritative."""

    override = "override"
    official = "official"
    estimate = "estimate"

    @property
    def label(self) -> str:
        return {
            "override": "人工维护的节假日安排",
            "official": "国务院公布的节假日安排",
            "estimate": "按规则估算（官方安排尚未公布）",
        }[self.value]


@dataclass(frozen=True, slots=True)
class DayInfo:
    """Whether one date is a working day, and which source said so."""

    workday: bool
    source: CalendarSource


@dataclass(frozen=True, slots=True)
class WorkdayResult:
    """A date reached by counting working days, with every source consulted on the way."""

    date: date
    sources: frozenset[CalendarSource]


class OverrideFileError(ValueError):
    """The override file is malformed; the message says which entry and how to fix it."""


class WorkdayCalendar:
    """Working days in mainland China, answering for every date (see the module docstring).

    ``overrides`` maps a date to ``True`` (a working day, e.g. a make-up workday 调休上班) or
    ``False`` (a rest day, e.g. a statutory holiday). ``complete_years`` are years whose official
    schedule is entirely in ``overrides``: their other dates follow the weekend rule and are
    answered as ``override`` too, so a rule-based estimate never contradicts a published schedule.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        *,
        complete_years: Collection[int] = (),
    ) -> None:
        self._overrides: dict[date, bool] = {}
        for day, workday in (overrides or {}).items():
            if isinstance(day, datetime) or not isinstance(day, date):
                raise TypeError(f"override keys must be dates, got {day!r}")
            self._overrides[day] = bool(workday)
        self._complete_years = frozenset(complete_years)
        self._estimated_holidays: dict[int, frozenset[date]] = {}

    @classmethod
    def default(cls) -> WorkdayCalendar:
        """The calendar with the operator-maintained ``workday_overrides.yaml`` shipped here."""
        overrides, complete_years = _load_default_overrides()
        return cls(overrides, complete_years=complete_years)

    @classmethod
    def from_yaml(cls, path: Path) -> WorkdayCalendar:
        """A calendar with the overrides in ``path`` (same format as ``workday_overrides.yaml``)."""
        overrides, complete_years = load_overrides(path)
        return cls(overrides, complete_years=complete_years)

    def is_workday(self, d: date) -> DayInfo:
        """Whether ``d`` (a local mainland-China date) is a working day. Never raises for a date."""
        if isinstance(d, datetime):
            # A datetime is a date subclass; its calendar day depends on the time zone, which
            # only the caller knows. Refuse rather than guess.
            raise TypeError("is_workday takes a local date, not a datetime")
        if d in self._overrides:
            return DayInfo(self._overrides[d], CalendarSource.override)
        if d.year in self._complete_years:
            return DayInfo(d.weekday() < 5, CalendarSource.override)
        try:
            return DayInfo(bool(chinese_calendar.is_workday(d)), CalendarSource.official)
        except NotImplementedError:
            pass  # outside 2004–2026: fall through to the estimate
        return DayInfo(
            d.weekday() < 5 and d not in self._holiday_estimate(d.year), CalendarSource.estimate
        )

    def add_workdays(self, start: date, n: int) -> WorkdayResult:
        """The date ``n`` working days after ``start``; counting starts the day after ``start``.

        ``n = 0`` returns ``start`` itself (no day consulted, empty ``sources``); a negative ``n``
        counts backwards. ``sources`` holds the source of every day stepped over, rest days
        included, since each of them decided where the count ended.
        """
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        day = start
        sources: set[CalendarSource] = set()
        while remaining:
            day += step
            info = self.is_workday(day)
            sources.add(info.source)
            if info.workday:
                remaining -= 1
        return WorkdayResult(day, frozenset(sources))

    def workdays_between(self, a: date, b: date) -> int:
        """The signed number of working days stepped onto walking from ``a`` to ``b``.

        Forwards that is the working days in ``(a, b]``; backwards, minus those in ``[b, a)``.
        So ``workdays_between(a, add_workdays(a, n).date) == n`` for every ``n``.
        """
        step = timedelta(days=1 if b >= a else -1)
        count = 0
        day = a
        while day != b:
            day += step
            count += self.is_workday(day).workday
        return count if b >= a else -count

    def _holiday_estimate(self, year: int) -> frozenset[date]:
        if year not in self._estimated_holidays:
            try:
                estimated = frozenset(holidays.China(years=year))
            except Exception:  # the calendar must never raise: fall back to plain weekends
                estimated = frozenset()
            self._estimated_holidays[year] = estimated
        return self._estimated_holidays[year]


def load_overrides(path: Path) -> tuple[dict[date, bool], frozenset[int]]:
    """Read an override file: ``(date -> is_workday, complete_years)``.

    Raises ``OverrideFileError`` with a message naming the bad entry, so an operator who
    mistypes a date learns it when the file is loaded, not when a deadline comes out wrong.
    """
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise OverrideFileError(f"{path}: expected a mapping with 'holidays' and 'workdays'")
    unknown = set(raw) - {"holidays", "workdays", "complete_years"}
    if unknown:
        raise OverrideFileError(f"{path}: unknown keys {sorted(unknown)}")
    overrides: dict[date, bool] = {}
    for key, workday in (("holidays", False), ("workdays", True)):
        for day in _dates(path, key, raw.get(key)):
            if overrides.get(day, workday) != workday:
                raise OverrideFileError(f"{path}: {day} is listed under both holidays and workdays")
            overrides[day] = workday
    years = raw.get("complete_years") or []
    if not isinstance(years, list) or not all(
        isinstance(y, int) and not isinstance(y, bool) for y in years
    ):
        raise OverrideFileError(f"{path}: complete_years must be a list of years, e.g. [2027]")
    return overrides, frozenset(years)


def _dates(path: Path, key: str, entries: object) -> list[date]:
    """The dates of one section: a mapping ``date: note`` or a plain list of dates."""
    if entries is None:
        return []
    if not isinstance(entries, dict | list):
        raise OverrideFileError(f"{path}: '{key}' must be a mapping of date: note, or a list")
    days: list[date] = []
    for entry in entries:
        if isinstance(entry, str):
            try:
                entry = date.fromisoformat(entry)
            except ValueError:
                raise OverrideFileError(
                    f"{path}: '{key}' entry {entry!r} is not a date; write it as YYYY-MM-DD"
                ) from None
        if isinstance(entry, datetime) or not isinstance(entry, date):
            raise OverrideFileError(
                f"{path}: '{key}' entry {entry!r} is not a date; write it as YYYY-MM-DD"
            )
        days.append(entry)
    return days


@functools.cache
def _load_default_overrides() -> tuple[dict[date, bool], frozenset[int]]:
    return load_overrides(DEFAULT_OVERRIDES_PATH)

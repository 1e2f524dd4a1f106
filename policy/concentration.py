"""Art. 8 concentration monitoring (对客户投诉较为集中的单位和问题要重点监控): the statistics.

A *unit* is whatever the monitoring job groups complaints by: a department, a staff member, a
product, a category. For each unit the question is whether its count in the current window stands
out against what its own history predicts, given how busy the whole exchange is now.

Model. Under "nothing special", the unit keeps its share of the overall volume, so its current
count is Poisson with mean

    expected = baseline_count × total_current / total_baseline

(``adjust_for_volume=False`` instead scales by window length only, ``× current_days /
baseline_days``, for when a surge everywhere should count as a surge; also the fallback when the
baseline window has no complaints at all). The p-value is the exact
upper tail P(X ≥ count | expected).

Prior. A unit with no complaints in the baseline would have expected 0 and any complaint would be
"infinitely surprising". So expected is floored:

    floor = max(min_expected, floor_share × total_current / n_units)

— a tenth of the current mean per unit (``floor_share=0.1``), and never below half a complaint
(``min_expected=0.5``). A brand-new product among 20 with 60 complaints in all (mean 3) has
floor 0.5: 3 complaints are then unremarkable (P≈0.014), 4 are flagged (P≈0.0018). The floor binds
only for units far below the average share, so it does not blunt the test for ordinary units.

Decision. A unit is *flagged* when p < ``alpha`` (0.01) and count ≥ ``min_count`` (3). Flagged units
get a severity: ``high`` when p < alpha/100 and count ≥ 3 × expected, ``elevated`` when p < alpha/10
and count ≥ 2 × expected, ``watch`` otherwise. With many units, roughly ``alpha × units`` will be
flagged by chance each run; the severity grades separate those from real concentrations. The
baseline itself is noisy and the test takes it as exact, so use a baseline window several times
longer than the current one: in simulation of a uniform background the false-alarm rate is about
alpha with 180 vs 30 days, but about 1.7 × alpha with 90 vs 30 and 5 × alpha with 30 vs 30.

Trend compares the current count with the previous window of the same length by the exact
conditional (sign) test: given n = current + previous, current ~ Binomial(n, ½) when nothing
changed; ``rising`` / ``falling`` when the one-sided p < ``trend_alpha`` (0.1), else ``steady``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How strongly a unit stands out (重点监控级别)."""

    none = "none"
    watch = "watch"
    elevated = "elevated"
    high = "high"

    @property
    def label(self) -> str:
        return {"none": "正常", "watch": "关注", "elevated": "较高", "high": "高"}[self.value]


class Trend(StrEnum):
    """The current window against the previous one of the same length."""

    rising = "rising"
    steady = "steady"
    falling = "falling"

    @property
    def label(self) -> str:
        return {"rising": "上升", "steady": "持平", "falling": "下降"}[self.value]


@dataclass(frozen=True, slots=True)
class UnitAssessment:
    """One unit's Art. 8 assessment; ``explanation`` is the sentence shown in the report."""

    unit: str
    count: int
    expected: float
    ratio: float
    p_value: float
    flagged: bool
    severity: Severity
    trend: Trend | None
    explanation: str


def poisson_upper_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam), exact up to floating-point rounding, for any size.

    Each sum starts at the largest term and adds terms that shrink geometrically, with the
    leading term computed in log space; so there is neither overflow (large ``lam``) nor
    cancellation (tiny tails). For k > lam the tail itself is summed; otherwise the tail is
    1 − P(X ≤ k−1), which is then at least about one half and loses nothing to the subtraction.
    """
    if lam < 0 or math.isnan(lam):
        raise ValueError("lam must be a non-negative number")
    if k <= 0:
        return 1.0
    if lam == 0:
        return 0.0
    if math.isinf(lam):
        return 1.0
    if k > lam:
        return min(1.0, math.exp(_log_pmf(k, lam)) * _series(k, lam, upward=True))
    lower = math.exp(_log_pmf(k - 1, lam)) * _series(k - 1, lam, upward=False)
    return min(1.0, max(0.0, 1.0 - lower))


def _log_pmf(j: int, lam: float) -> float:
    return -lam + j * math.log(lam) - math.lgamma(j + 1)


def _series(j: int, lam: float, *, upward: bool) -> float:
    """Σ pmf(i)/pmf(j) over i ≥ j (upward) or 0 ≤ i ≤ j (downward); terms only shrink."""
    total = term = 1.0
    if upward:
        i = j + 1
        while term > total * 1e-17:
            term *= lam / i
            total += term
            i += 1
    else:
        i = j
        while i > 0 and term > total * 1e-17:
            term *= i / lam
            total += term
            i -= 1
    return total


def binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), used for the trend; as ``poisson_upper_tail``.

    The sum starts at the term nearest the mean and moves away from it, so its terms only
    shrink and it stops once they no longer change the total: a few standard deviations'
    worth of terms, not all n (a department's thousands of complaints cost microseconds).
    """
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if k <= 0:
        return 1.0
    if k > n or p == 0:
        return 0.0
    if p == 1:
        return 1.0
    if k > n * p:
        return min(1.0, math.exp(_binomial_log_pmf(k, n, p)) * _binomial_series(k, n, p, True))
    lower = math.exp(_binomial_log_pmf(k - 1, n, p)) * _binomial_series(k - 1, n, p, False)
    return min(1.0, max(0.0, 1.0 - lower))


def _binomial_log_pmf(j: int, n: int, p: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(j + 1)
        - math.lgamma(n - j + 1)
        + j * math.log(p)
        + (n - j) * math.log1p(-p)
    )


def _binomial_series(j: int, n: int, p: float, upward: bool) -> float:
    """Σ pmf(i)/pmf(j) over j ≤ i ≤ n (upward) or 0 ≤ i ≤ j (downward); terms only shrink
    because ``j`` lies on the far side of the mean from where the sum goes."""
    odds = p / (1 - p)
    total = term = 1.0
    if upward:
        i = j
        while i < n and term > total * 1e-17:
            term *= (n - i) / (i + 1) * odds
            total += term
            i += 1
    else:
        i = j
        while i > 0 and term > total * 1e-17:
            term *= i / ((n - i + 1) * odds)
            total += term
            i -= 1
    return total


def assess_unit(
    unit: str,
    *,
    current_count: int,
    baseline_count: int,
    total_current: int,
    total_baseline: int,
    n_units: int | None = None,
    current_days: int = 30,
    baseline_days: int = 180,
    adjust_for_volume: bool = True,
    previous_count: int | None = None,
    alpha: float = 0.01,
    min_count: int = 3,
    floor_share: float = 0.1,
    min_expected: float = 0.5,
    trend_alpha: float = 0.1,
) -> UnitAssessment:
    """Art. 8: does ``unit``'s complaint count in the current window stand out?

    ``unit`` is the name shown in the report (e.g. ``Department.wealth_center.label``).
    ``current_count`` / ``baseline_count`` are the unit's complaints in the current and baseline
    windows (``current_days`` / ``baseline_days`` long), ``total_current`` / ``total_baseline``
    the whole exchange's in the same windows, ``n_units`` the number of units compared (for the
    floor; without it only ``min_expected`` applies). ``previous_count`` is the unit's count in
    the window just before the current one, of the same length. See the module docstring for the
    model, the floor and the thresholds.
    """
    counts = {
        "current_count": current_count,
        "baseline_count": baseline_count,
        "total_current": total_current,
        "total_baseline": total_baseline,
    }
    for name, value in counts.items():
        if value < 0:
            raise ValueError(f"{name} must not be negative")
    if current_days <= 0 or baseline_days <= 0:
        raise ValueError("window lengths must be positive")
    if n_units is not None and n_units < 1:
        raise ValueError("n_units must be at least 1")

    if adjust_for_volume and total_baseline > 0:
        rate_adjusted = baseline_count * total_current / total_baseline
    else:
        rate_adjusted = baseline_count * current_days / baseline_days
    floor = min_expected
    if n_units is not None:
        floor = max(floor, floor_share * total_current / n_units)
    expected = max(rate_adjusted, floor)

    p_value = poisson_upper_tail(current_count, expected)
    ratio = current_count / expected
    flagged = p_value < alpha and current_count >= min_count
    severity = _severity(flagged, p_value, ratio, alpha)
    trend = None if previous_count is None else _trend(current_count, previous_count, trend_alpha)

    explanation = (
        f"{unit} 近{current_days}天投诉 {current_count} 件，"
        f"按基线预期 {expected:.1f} 件，{_format_p(p_value)}"
    )
    if trend is not None:
        explanation += f"，较上期 {previous_count} 件{trend.label}"
    if flagged:
        explanation += f"；投诉较为集中，列入重点监控（{severity.label}，第八条）"
    return UnitAssessment(
        unit=unit,
        count=current_count,
        expected=expected,
        ratio=ratio,
        p_value=p_value,
        flagged=flagged,
        severity=severity,
        trend=trend,
        explanation=explanation,
    )


def assess_units(
    current: Mapping[str, int],
    baseline: Mapping[str, int],
    *,
    previous: Mapping[str, int] | None = None,
    current_days: int = 30,
    baseline_days: int = 180,
    adjust_for_volume: bool = True,
    alpha: float = 0.01,
    min_count: int = 3,
    floor_share: float = 0.1,
    min_expected: float = 0.5,
    trend_alpha: float = 0.1,
) -> list[UnitAssessment]:
    """Art. 8: ``assess_unit`` for every unit seen in either window, most surprising first.

    Totals and ``n_units`` come from the mappings themselves, so they cannot disagree with the
    counts; a unit missing from a mapping counts 0 there.
    """
    units = sorted(set(current) | set(baseline))
    total_current = sum(current.values())
    total_baseline = sum(baseline.values())
    assessments = [
        assess_unit(
            unit,
            current_count=current.get(unit, 0),
            baseline_count=baseline.get(unit, 0),
            total_current=total_current,
            total_baseline=total_baseline,
            n_units=max(1, len(units)),
            current_days=current_days,
            baseline_days=baseline_days,
            adjust_for_volume=adjust_for_volume,
            previous_count=None if previous is None else previous.get(unit, 0),
            alpha=alpha,
            min_count=min_count,
            floor_share=floor_share,
            min_expected=min_expected,
            trend_alpha=trend_alpha,
        )
        for unit in units
    ]
    return sorted(assessments, key=lambda a: (a.p_value, -a.count, a.unit))


def _severity(flagged: bool, p_value: float, ratio: float, alpha: float) -> Severity:
    if not flagged:
        return Severity.none
    if p_value < alpha / 100 and ratio >= 3:
        return Severity.high
    if p_value < alpha / 10 and ratio >= 2:
        return Severity.elevated
    return Severity.watch


def _trend(current: int, previous: int, trend_alpha: float) -> Trend:
    n = current + previous
    if n == 0:
        return Trend.steady
    if trend_alpha <= 0.5:
        # Under Binomial(n, ½) the smaller count's upper tail is at least ½, so only the larger
        # count can be significant: one short tail instead of two (one of them long).
        if current == previous:
            return Trend.steady
        larger, trend = (current, Trend.rising) if current > previous else (previous, Trend.falling)
        return trend if binomial_upper_tail(larger, n, 0.5) < trend_alpha else Trend.steady
    if binomial_upper_tail(current, n, 0.5) < trend_alpha:
        return Trend.rising
    if binomial_upper_tail(previous, n, 0.5) < trend_alpha:
        return Trend.falling
    return Trend.steady


def _format_p(p_value: float) -> str:
    return "P<0.0001" if p_value < 0.0001 else f"P={p_value:.4f}"


# Every unit of every kind (Art. 8 重点监控) -----------------------------------------------------


class UnitKind(StrEnum):
    """What complaints are grouped by (监控对象类型)."""

    department = "department"
    category = "category"
    channel = "channel"
    department_category = "department_category"
    product = "product"
    owner = "owner"
    handler = "handler"
    customer = "customer"
    # Who or what complaints are about (被投诉对象); the product complained about is ``product``.
    subject_department = "subject_department"
    subject_staff = "subject_staff"
    subject_institution = "subject_institution"

    @property
    def label(self) -> str:
        return {
            "subject_department": "被投诉部门",
            "subject_staff": "被投诉人员",
            "subject_institution": "被投诉会员机构",
            "department": "部门",
            "category": "投诉类别",
            "channel": "投诉渠道",
            "department_category": "部门×类别",
            "product": "产品",
            "owner": "首问负责人",
            "handler": "承办人",
            "customer": "重复投诉客户",
        }[self.value]


@dataclass(frozen=True)
class WindowCounts:
    """A unit's complaints in the current window, the previous one, and the whole baseline."""

    current: int
    previous: int
    baseline: int

    def __add__(self, other: WindowCounts) -> WindowCounts:
        return WindowCounts(
            self.current + other.current,
            self.previous + other.previous,
            self.baseline + other.baseline,
        )


@dataclass(frozen=True)
class UnitCounts:
    """One kind of unit: counts by unit key, and the name each unit is shown by.

    ``complete`` is False for customers: only those with at least the minimum count in the
    current window are listed (no one else can be flagged); ``totals`` are then the whole
    exchange's, which the listed units do not add up to.
    """

    kind: UnitKind
    counts: dict[str, WindowCounts]
    names: dict[str, str]
    totals: WindowCounts
    complete: bool = True


@dataclass(frozen=True)
class AlertRecord:
    """What is stored for one flagged unit (the fields of ``ConcentrationAlert``)."""

    unit_kind: UnitKind
    unit_key: str
    count: int
    expected: float
    p_value: float
    severity: Severity
    trend: Trend | None
    explanation: str


@dataclass(frozen=True)
class Thresholds:
    """The settings the statistic uses (``COMPLAINTS_MONITOR_*``)."""

    current_days: int = 30
    baseline_days: int = 180
    alpha: float = 0.01
    min_count: int = 3


@dataclass(frozen=True)
class KindSummary:
    """How many units of one kind were assessed and flagged."""

    kind: UnitKind
    assessed: int
    flagged: int
    complete: bool


@dataclass(frozen=True)
class Assessment:
    """The outcome of one report's statistics: alerts to store, and what was looked at."""

    alerts: list[AlertRecord]
    kinds: list[KindSummary]
    complaints_current: int
    complaints_baseline: int


def assess_concentration(units: Sequence[UnitCounts], thresholds: Thresholds) -> Assessment:
    """Art. 8 on every unit (pure): ``assess_units`` per kind, with each unit's own baseline,
    rate-adjusted for the overall volume; flagged units become alerts, most surprising first.

    Customers are a partial list (only those who could reach ``min_count``), so each is
    assessed against the whole exchange's totals with the plain ``min_expected`` floor.
    """
    options: dict[str, Any] = {
        "current_days": thresholds.current_days,
        "baseline_days": thresholds.baseline_days,
        "alpha": thresholds.alpha,
        "min_count": thresholds.min_count,
    }
    alerts: list[AlertRecord] = []
    kinds: list[KindSummary] = []
    for unit_counts in units:
        kind = unit_counts.kind
        shown = _shown_names(unit_counts)
        if unit_counts.complete:
            assessments = assess_units(
                {shown[k]: c.current for k, c in unit_counts.counts.items()},
                {shown[k]: c.baseline for k, c in unit_counts.counts.items()},
                previous={shown[k]: c.previous for k, c in unit_counts.counts.items()},
                **options,
            )
        else:
            assessments = sorted(
                (
                    assess_unit(
                        shown[key],
                        current_count=c.current,
                        baseline_count=c.baseline,
                        previous_count=c.previous,
                        total_current=unit_counts.totals.current,
                        total_baseline=unit_counts.totals.baseline,
                        **options,
                    )
                    for key, c in unit_counts.counts.items()
                ),
                key=lambda a: (a.p_value, -a.count, a.unit),
            )
        key_of = {name: key for key, name in shown.items()}
        flagged = [a for a in assessments if a.flagged]
        alerts.extend(
            AlertRecord(
                unit_kind=kind,
                unit_key=key_of[a.unit],
                count=a.count,
                expected=a.expected,
                p_value=a.p_value,
                severity=a.severity,
                trend=a.trend,
                explanation=a.explanation,
            )
            for a in flagged
        )
        kinds.append(
            KindSummary(
                kind=kind,
                assessed=len(assessments),
                flagged=len(flagged),
                complete=unit_counts.complete,
            )
        )
    alerts.sort(key=lambda a: (a.p_value, -a.count, a.unit_kind.value, a.unit_key))
    totals = next((u.totals for u in units if u.kind is UnitKind.department), None)
    return Assessment(
        alerts=alerts,
        kinds=kinds,
        complaints_current=totals.current if totals else 0,
        complaints_baseline=totals.baseline if totals else 0,
    )


def _shown_names(unit_counts: UnitCounts) -> dict[str, str]:
    """Each unit's name in the explanation, unique within its kind: ``产品「X」``; a staff name
    shared by two people gets the username; a customer is its opaque key."""
    kind = unit_counts.kind
    if kind is UnitKind.customer:
        return {key: key for key in unit_counts.counts}
    names = {key: unit_counts.names.get(key, key) for key in unit_counts.counts}
    seen: dict[str, int] = {}
    for name in names.values():
        seen[name] = seen.get(name, 0) + 1
    return {
        key: f"{kind.label}「{name}」" if seen[name] == 1 else f"{kind.label}「{name}（{key}）」"
        for key, name in names.items()
    }


# Following up an alert (Art. 8 重点监控): an owner, a due date, a disposition ------------------


class Disposition(StrEnum):
    """What the alert's owner found and did (处置结果)."""

    explained = "explained"
    corrected = "corrected"
    escalated = "escalated"

    @property
    def label(self) -> str:
        return {"explained": "已说明原因", "corrected": "已整改", "escalated": "已上报公司领导"}[
            self.value
        ]


# The kinds of unit that belong to a department: the alert's owner is that department's manager
# (for a staff member: the manager of their department). Any other unit (a product, a member
# institution, a category, a channel, a customer) is owned by compliance.
DEPARTMENT_UNIT_KINDS = frozenset(
    {UnitKind.department, UnitKind.department_category, UnitKind.subject_department}
)
STAFF_UNIT_KINDS = frozenset({UnitKind.owner, UnitKind.handler, UnitKind.subject_staff})


def founded_share(founded: int | None, count: int) -> str:
    """The founded share beside a count: ``属实 2/4（50%）``; ``—`` when not known."""
    if founded is None or count <= 0:
        return "—"
    return f"属实 {founded}/{count}（{founded * 100 // count}%）"


def disposition_overdue(*, due_on: date, today: date, disposed: bool) -> bool:
    """An alert without a disposition after its due date goes to leadership (Art. 8)."""
    return not disposed and today > due_on

"""Art. 8: monitoring units with concentrated complaints (投诉较为集中的单位和问题)."""

from __future__ import annotations

import math
import random
import time
from decimal import Decimal, getcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy.concentration import (
    Severity,
    Trend,
    assess_unit,
    assess_units,
    binomial_upper_tail,
    poisson_upper_tail,
)


def reference_tail(k: int, lam: str) -> float:
    """P(X ≥ k | lam) = 1 − e^(−lam) Σ_{j<k} lam^j / j!, in 80-digit decimal arithmetic."""
    getcontext().prec = 80
    rate = Decimal(lam)
    term, below = Decimal(1), Decimal(0)
    for j in range(k):
        below += term
        term = term * rate / (j + 1)
    return float(1 - (-rate).exp() * below)


def test_art8_poisson_tail_matches_hand_computation() -> None:
    # P(X ≥ 3 | 1) = 1 − e^(−1)(1 + 1 + 1/2) = 1 − 2.5/e
    assert poisson_upper_tail(3, 1.0) == pytest.approx(1 - 2.5 / math.e, rel=1e-14)
    # P(X ≥ 1 | λ) = 1 − e^(−λ), accurate even where the tail is tiny.
    assert poisson_upper_tail(1, 1e-9) == pytest.approx(-math.expm1(-1e-9), rel=1e-12)
    assert poisson_upper_tail(0, 5.0) == 1.0
    assert poisson_upper_tail(-2, 5.0) == 1.0
    assert poisson_upper_tail(1, 0.0) == 0.0


@pytest.mark.parametrize(
    ("k", "lam"),
    [(12, "3.1"), (4, "0.5"), (100, "1"), (5, "30"), (1000, "1000"), (1100, "1000"), (3, "2.5")],
)
def test_art8_poisson_tail_exact_against_high_precision_sum(k: int, lam: str) -> None:
    assert poisson_upper_tail(k, float(lam)) == pytest.approx(reference_tail(k, lam), rel=1e-11)


def test_art8_poisson_tail_stays_finite_for_large_counts() -> None:
    assert poisson_upper_tail(10**6, 10**6) == pytest.approx(0.5, abs=0.001)
    assert poisson_upper_tail(2 * 10**6, 10**6) == 0.0
    assert poisson_upper_tail(10, 10**6) == 1.0
    with pytest.raises(ValueError):
        poisson_upper_tail(1, -0.1)


@given(lam=st.floats(min_value=0, max_value=5000), k=st.integers(min_value=-2, max_value=6000))
def test_art8_poisson_tail_is_a_probability_decreasing_in_k(lam: float, k: int) -> None:
    p, p_next = poisson_upper_tail(k, lam), poisson_upper_tail(k + 1, lam)
    assert 0.0 <= p_next <= p <= 1.0


def test_art8_binomial_tail_matches_hand_computation() -> None:
    assert binomial_upper_tail(3, 3, 0.5) == pytest.approx(0.125, rel=1e-14)
    assert binomial_upper_tail(2, 4, 0.5) == pytest.approx(11 / 16, rel=1e-14)
    assert binomial_upper_tail(5, 4, 0.5) == 0.0


@pytest.mark.parametrize(
    ("n", "p"), [(1, 0.5), (7, 0.5), (40, 0.5), (333, 0.5), (120, 0.03), (120, 0.97), (2000, 0.5)]
)
def test_art8_binomial_tail_agrees_with_exact_fractions_for_every_k(n: int, p: float) -> None:
    """The trend's tail sums only the terms that matter; it must agree with the full sum in
    exact rational arithmetic, on both sides of the mean and at its extremes."""
    from fractions import Fraction

    q = Fraction(p)
    pmf = [math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(n + 1)]
    tail = Fraction(0)
    exact = [Fraction(0)] * (n + 2)
    for i in range(n, -1, -1):
        tail += pmf[i]
        exact[i] = tail
    for k in range(0, n + 2, max(1, n // 150)):
        expected = float(exact[k])
        assert binomial_upper_tail(k, n, p) == pytest.approx(expected, rel=1e-11, abs=1e-300)


def test_art8_concentrated_unit_is_flagged_with_a_chinese_explanation() -> None:
    result = assess_unit(
        "财富中心", current_count=12, baseline_count=31, total_current=100, total_baseline=1000
    )
    assert result.expected == pytest.approx(3.1)
    assert result.p_value == pytest.approx(reference_tail(12, "3.1"), rel=1e-11)
    assert result.flagged
    assert result.severity is Severity.high
    assert result.explanation.startswith("财富中心 近30天投诉 12 件，按基线预期 3.1 件，P<0.0001")
    assert "第八条" in result.explanation


def test_art8_unit_at_its_usual_share_is_not_flagged() -> None:
    result = assess_unit(
        "综合管理部", current_count=34, baseline_count=200, total_current=100, total_baseline=600
    )
    assert result.expected == pytest.approx(100 / 3)
    assert not result.flagged
    assert result.severity is Severity.none
    assert "P=0.4" in result.explanation


def test_art8_expected_follows_overall_volume_or_window_length() -> None:
    busy = dict(current_count=10, baseline_count=30, total_current=200, total_baseline=600)
    assert assess_unit("u", **busy).expected == pytest.approx(10.0)
    by_length = assess_unit("u", **busy, adjust_for_volume=False, current_days=30, baseline_days=90)
    assert by_length.expected == pytest.approx(10.0)
    by_length = assess_unit("u", **busy, adjust_for_volume=False, current_days=7, baseline_days=90)
    assert by_length.expected == pytest.approx(30 * 7 / 90)
    # No baseline volume at all: only the window lengths can say anything.
    empty = assess_unit("u", current_count=2, baseline_count=0, total_current=2, total_baseline=0)
    assert empty.expected == 0.5


def test_art8_unit_without_baseline_is_not_infinitely_surprising() -> None:
    new_product = dict(baseline_count=0, total_current=60, total_baseline=360, n_units=20)
    three = assess_unit("新产品", current_count=3, **new_product)
    assert three.expected == 0.5  # the floor, not zero
    assert 0.01 < three.p_value < 0.02
    assert not three.flagged
    four = assess_unit("新产品", current_count=4, **new_product)
    assert four.flagged
    # With few, busy units the floor is a tenth of the mean per unit.
    dept = assess_unit(
        "会员管理部",
        current_count=9,
        baseline_count=0,
        total_current=300,
        total_baseline=1800,
        n_units=3,
    )
    assert dept.expected == pytest.approx(10.0)
    assert not dept.flagged


def test_art8_needs_a_minimum_count_before_flagging() -> None:
    two = assess_unit(
        "张三",
        current_count=2,
        baseline_count=0,
        total_current=50,
        total_baseline=300,
        min_expected=0.05,
    )
    assert two.p_value < 0.01
    assert not two.flagged
    assert assess_unit(
        "张三",
        current_count=2,
        baseline_count=0,
        total_current=50,
        total_baseline=300,
        min_expected=0.05,
        min_count=2,
    ).flagged


def test_art8_severity_grows_with_surprise_and_ratio() -> None:
    base = dict(baseline_count=60, total_current=100, total_baseline=600)  # expected 10
    assert assess_unit("u", current_count=20, **base).severity is Severity.watch  # P≈0.0035
    assert assess_unit("u", current_count=24, **base).severity is Severity.elevated  # P≈0.0002
    assert assess_unit("u", current_count=30, **base).severity is Severity.high  # P<1e-6, ×3


def test_art8_trend_compares_with_the_previous_window() -> None:
    base = dict(current_count=12, baseline_count=31, total_current=100, total_baseline=1000)
    assert assess_unit("u", **base).trend is None
    assert assess_unit("u", **base, previous_count=3).trend is Trend.rising
    assert assess_unit("u", **base, previous_count=10).trend is Trend.steady
    assert assess_unit("u", **base, previous_count=25).trend is Trend.falling
    assert "较上期 3 件上升" in assess_unit("u", **base, previous_count=3).explanation
    quiet = dict(current_count=0, baseline_count=0, total_current=0, total_baseline=0)
    assert assess_unit("u", **quiet, previous_count=0).trend is Trend.steady
    assert assess_unit("u", **base, previous_count=6).trend is Trend.steady  # 12 vs 6: P≈0.12


def test_art8_assess_units_takes_totals_from_the_counts_and_sorts_by_surprise() -> None:
    current = {"财富中心": 25, "会员管理部": 10}
    baseline = {"财富中心": 60, "会员管理部": 60, "综合管理部": 60}
    results = assess_units(current, baseline, previous={"财富中心": 8})
    assert results[0].unit == "财富中心"
    assert {r.unit for r in results} == {"财富中心", "会员管理部", "综合管理部"}
    by_unit = {r.unit: r for r in results}
    assert by_unit["财富中心"].expected == pytest.approx(60 * 35 / 180)
    assert by_unit["财富中心"].flagged
    assert by_unit["财富中心"].trend is Trend.rising
    assert by_unit["综合管理部"].count == 0
    assert by_unit["会员管理部"].trend is Trend.rising  # missing from previous: 0 → 10


def test_art8_invalid_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        assess_unit("u", current_count=-1, baseline_count=0, total_current=0, total_baseline=0)
    with pytest.raises(ValueError):
        assess_unit(
            "u",
            current_count=1,
            baseline_count=0,
            total_current=1,
            total_baseline=0,
            current_days=0,
        )


def poisson_draw(rng: random.Random, lam: float) -> int:
    """Knuth's method in chunks of mean ≤ 30, so exp(−chunk) never underflows."""
    count = 0
    while lam > 0:
        chunk = min(lam, 30.0)
        lam -= chunk
        limit, product = math.exp(-chunk), rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
    return count


@pytest.mark.parametrize(("daily_rate", "units"), [(0.05, 20), (0.2, 10), (1.0, 5)])
def test_art8_uniform_background_flags_about_alpha_of_units(daily_rate: float, units: int) -> None:
    """No unit is special: the share flagged stays near alpha (180-day baseline, 30-day window)."""
    started = time.perf_counter()
    alpha, flagged, assessed = 0.01, 0, 0
    for seed in range(250):
        rng = random.Random(seed)
        current = {f"u{i}": poisson_draw(rng, daily_rate * 30) for i in range(units)}
        baseline = {f"u{i}": poisson_draw(rng, daily_rate * 180) for i in range(units)}
        results = assess_units(current, baseline, alpha=alpha)
        flagged += sum(r.flagged for r in results)
        assessed += len(results)
    assert flagged / assessed <= 1.5 * alpha
    assert time.perf_counter() - started < 2.0

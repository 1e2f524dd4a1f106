"""Art. 2(5), Art. 4: an archived complaint is kept whole for the retention period after its
closure; only after it may its personal data go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from policy.retention import past_retention, retention_ends

CLOSED = datetime(2021, 3, 10, 8, 0, tzinfo=UTC)


def test_the_period_ends_on_the_same_date_years_later_and_29_february_on_28_february() -> None:
    assert retention_ends(CLOSED, 5) == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    leap = datetime(2024, 2, 29, tzinfo=UTC)
    assert retention_ends(leap, 5) == datetime(2029, 2, 28, tzinfo=UTC)


def test_nothing_inside_the_period_nor_unarchived_is_past_retention() -> None:
    end = retention_ends(CLOSED, 5)
    archived = CLOSED + timedelta(days=1)
    assert not past_retention(
        closed_at=CLOSED, archived_at=archived, now=end - timedelta(seconds=1), years=5
    )
    assert past_retention(closed_at=CLOSED, archived_at=archived, now=end, years=5)
    assert not past_retention(closed_at=CLOSED, archived_at=None, now=end, years=5)
    assert not past_retention(closed_at=None, archived_at=None, now=end, years=5)

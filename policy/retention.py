"""How long a closed complaint's personal data is kept (Art. 2(5) 保护客户隐私; Art. 4 处理过程
存档): the archived case is kept whole for the retention period after its closure, then the
customer's personal data and the free text written about them are removed, while the case's
facts, decisions, dates and log remain for statistics and audit.
"""

from __future__ import annotations

from datetime import datetime


def retention_ends(closed_at: datetime, years: int) -> datetime:
    """The moment the retention period of a complaint closed at ``closed_at`` ends: the same
    date ``years`` later (29 February falls on 28 February)."""
    try:
        return closed_at.replace(year=closed_at.year + years)
    except ValueError:
        return closed_at.replace(year=closed_at.year + years, day=28)


def past_retention(
    *, closed_at: datetime | None, archived_at: datetime | None, now: datetime, years: int
) -> bool:
    """Whether a complaint's personal data may be removed: it was closed and archived, and the
    retention period after its closure has ended. Anything else is inside it."""
    if closed_at is None or archived_at is None:
        return False
    return now >= retention_ends(closed_at, years)

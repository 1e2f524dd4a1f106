"""A later reply time (Art. 2(4), Art. 7): the limits counted from receipt — the default reply
time, 30 days for a case marked complex, never past 60 — and what a request may ask for."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from policy.deadlines import proposed_reply_at
from policy.extensions import ExtensionError, ExtensionLimit, check_extension, extension_limit

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)  # a Friday


def _end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, 999999, tzinfo=SHANGHAI)


def test_art2_4_by_default_a_reply_may_move_only_within_the_default_reply_time() -> None:
    limit = extension_limit(RECEIVED, complex_case=False)
    assert limit.latest == proposed_reply_at(RECEIVED, days=15).due
    assert limit.name == "受理之日起 15 个工作日"


def test_art2_4_a_complex_case_may_be_extended_to_30_days_after_receipt() -> None:
    limit = extension_limit(RECEIVED, complex_case=True)
    assert limit.latest == _end_of(2026, 12, 27)
    assert limit.name == "复杂投诉受理之日起 30 天"


def test_art7_never_past_60_days_after_receipt_whatever_the_settings_say() -> None:
    assert extension_limit(
        RECEIVED, complex_case=True, extension_max_days=90, reply_max_days=90
    ) == ExtensionLimit(_end_of(2027, 1, 26), "受理之日起 60 天")
    assert extension_limit(
        RECEIVED, complex_case=True, extension_max_days=45, reply_max_days=40
    ) == ExtensionLimit(_end_of(2027, 1, 6), "受理之日起 40 天")


def test_the_limits_are_settings() -> None:
    assert extension_limit(RECEIVED, complex_case=True, extension_max_days=45).latest == _end_of(
        2027, 1, 11
    )
    assert extension_limit(
        RECEIVED, complex_case=False, reply_days=10, reply_working_days=False
    ).name == ("受理之日起 10 天")


def test_a_complex_case_never_gets_less_than_the_default() -> None:
    default = extension_limit(RECEIVED, complex_case=False)
    assert extension_limit(RECEIVED, complex_case=True, extension_max_days=5) == default


NOW = RECEIVED + timedelta(days=3)
PROMISED = RECEIVED + timedelta(days=10)


@pytest.mark.parametrize(
    ("complex_case", "asked", "code", "words"),
    [
        (False, NOW - timedelta(minutes=1), "not_ahead", "必须晚于现在"),
        (False, PROMISED, "not_later", "必须晚于现在承诺的回复时间"),
        (False, PROMISED - timedelta(days=1), "not_later", "2026-12-07 10:00"),
        (False, _end_of(2026, 12, 27), "beyond_limit", "受理之日起 15 个工作日"),
        (True, _end_of(2026, 12, 27) + timedelta(microseconds=1), "beyond_limit", "30 天"),
    ],
)
def test_art7_a_request_beyond_its_limit_or_not_later_is_refused_in_chinese(
    complex_case: bool, asked: datetime, code: str, words: str
) -> None:
    limit = extension_limit(RECEIVED, complex_case=complex_case)
    with pytest.raises(ExtensionError) as refused:
        check_extension(
            received_at=RECEIVED,
            current_reply_at=PROMISED,
            new_reply_at=asked,
            now=NOW,
            limit=limit,
        )
    assert refused.value.code == code
    assert words in str(refused.value)
    if code == "beyond_limit":
        assert "请及时向上级报告（第七条）" in str(refused.value)


def test_a_request_within_its_limit_passes() -> None:
    for complex_case, asked in (
        (False, PROMISED + timedelta(days=1)),
        (True, _end_of(2026, 12, 27)),
    ):
        check_extension(
            received_at=RECEIVED,
            current_reply_at=PROMISED,
            new_reply_at=asked,
            now=NOW,
            limit=extension_limit(RECEIVED, complex_case=complex_case),
        )

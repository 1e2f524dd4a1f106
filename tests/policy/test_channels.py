"""Art. 3 channels: what each channel requires, and the regulator's deadline over the reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from policy.channels import (
    check_reply_within_regulator,
    fields_of,
    misplaced_field,
    missing_field,
    regulator_reply_missing,
    reply_time_within_regulator,
)
from policy.classification import classify
from policy.enums import Channel

T = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")


def test_art3_each_channel_requires_its_own_fields_and_refuses_another_channels() -> None:
    assert missing_field(Channel.regulator_transfer, {"document_number"}) == "transferring_body"
    assert missing_field(Channel.regulator_transfer, {"transferring_body"}) == (
        "regulator_reply_due"
    )
    complete = {"transferring_body", "regulator_reply_due"}
    assert missing_field(Channel.regulator_transfer, complete) is None
    assert missing_field(Channel.internal_transfer, set()) == "transferred_by"
    assert missing_field(Channel.onsite, set()) is None
    assert missing_field(Channel.sales_manager, set()) is None
    assert missing_field(Channel.phone, set()) is None
    assert misplaced_field(Channel.phone, {"transferred_by"}) == "transferred_by"
    assert misplaced_field(Channel.onsite, {"reception_place", "received_by"}) is None
    assert fields_of(Channel.phone) == ()
    assert fields_of(Channel.sales_manager) == ("sales_manager", "sales_manager_name")


def test_internal_transfer_is_a_channel_of_its_own() -> None:
    assert Channel("internal_transfer").label == "公司领导或其他部门转办"


def test_art3_art2_4_an_earlier_regulator_deadline_caps_the_reply_time() -> None:
    assert reply_time_within_regulator(T + timedelta(days=15), T + timedelta(days=5)) == (
        T + timedelta(days=5)
    )
    assert reply_time_within_regulator(T + timedelta(days=3), T + timedelta(days=5)) == (
        T + timedelta(days=3)
    )
    assert reply_time_within_regulator(T, None) == T


def test_art3_a_later_reply_time_may_not_pass_the_regulators_deadline() -> None:
    check_reply_within_regulator(T, T, tz=TZ)
    check_reply_within_regulator(T + timedelta(days=90), None, tz=TZ)
    with pytest.raises(ValueError, match="不能晚于监管回复期限（2026-12-01 18:00）"):
        check_reply_within_regulator(T + timedelta(minutes=1), T, tz=TZ)


def test_art3_a_regulator_transfer_is_held_open_until_the_reply_is_recorded() -> None:
    why = regulator_reply_missing(
        channel=Channel.regulator_transfer, transferring_body="四川证监局", replied_at=None
    )
    assert why is not None and "「四川证监局」" in why and "第三条" in why
    assert (
        regulator_reply_missing(
            channel=Channel.regulator_transfer, transferring_body="四川证监局", replied_at=T
        )
        is None
    )
    # A transfer received before transfers were recorded, or another channel: not held.
    assert (
        regulator_reply_missing(
            channel=Channel.regulator_transfer, transferring_body=None, replied_at=None
        )
        is None
    )
    assert (
        regulator_reply_missing(channel=Channel.phone, transferring_body=None, replied_at=None)
        is None
    )


def test_the_classifier_takes_an_internal_transfer_though_it_does_not_predict_it() -> None:
    result = classify("工作人员态度冷漠，推诿扯皮", channel=Channel.internal_transfer)
    assert result.category.value == "service_attitude"

"""The input rules shared by the pages and the API, and the masks lists use (Art. 2(5))."""

from __future__ import annotations

from decimal import Decimal

import pytest

from web.access import mask_email, mask_name, mask_phone
from web.validation import FieldError, check_amount, clean_text, normalize_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800001234", "13800001234"),
        ("138 0000 1234", "13800001234"),
        ("+86 138-0000-1234", "13800001234"),
        ("028-86026043", "02886026043"),
        ("(028) 8532 3543", "02885323543"),
        ("400-123-4567", "4001234567"),
    ],
)
def test_phone_numbers_are_normalised(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "12345", "23800001234", "1380000123", "138000012345", "abc"])
def test_impossible_phone_numbers_are_refused(typed: str) -> None:
    with pytest.raises(FieldError) as refused:
        normalize_phone(typed)
    assert refused.value.field == "customer_phone"


def test_text_is_trimmed_capped_and_free_of_control_characters() -> None:
    assert clean_text("  内容 ", field="x", label="内容", max_length=5) == "内容"
    assert clean_text("第一行\n第二行", field="x", label="内容", max_length=20, multiline=True)
    for bad, multiline in (
        ("a\x00b", True),
        ("a\nb", False),
        ("\ud800", True),
        ("太长了吧", False),
    ):
        with pytest.raises(FieldError):
            clean_text(bad, field="x", label="内容", max_length=3, multiline=multiline)


def test_amounts_keep_two_decimals() -> None:
    assert check_amount(Decimal("0.57000000000000001")) == Decimal("0.57")
    for bad in (Decimal("-1"), Decimal("1.234"), Decimal("NaN"), Decimal("1e20")):
        with pytest.raises(FieldError):
            check_amount(bad)


def test_masks() -> None:
    assert mask_phone("13800001234") == "138****1234"
    assert mask_phone("02886026043") == "028****6043"
    assert mask_phone("1234") == "****"
    assert mask_name("张三") == "张*"
    assert mask_name("某某资产管理有限公司") == "某***"
    assert mask_email("zhangsan@example.test") == "z***@example.test"


@pytest.mark.parametrize("query", ["?form=2026-11-01", "?=true", "?from=2026-11-01&usr=li"])
def test_api_a_filter_the_endpoint_does_not_take_is_refused_not_ignored(
    api, staff, query: str
) -> None:  # type: ignore[no-untyped-def]
    """A misspelt ``from`` would otherwise answer with every record of every period."""
    refused = api.get(f"/accountability{query}", staff.compliance)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("不支持的查询参数：")
    assert "from" in refused.json()["detail"]  # and what it does take
    taken = api.get("/accountability?from=2026-11-01&user=owner", staff.compliance)
    assert taken.status_code == 200


@pytest.mark.parametrize("query", ["?user=li&user=wang", "?from=2026-11-01&from=2026-12-01"])
def test_api_a_filter_given_twice_is_refused_not_read_as_one_of_them(
    api, staff, query: str
) -> None:  # type: ignore[no-untyped-def]
    """A filter that takes one value, sent twice, would otherwise be answered for whichever
    the server kept, silently dropping the other."""
    refused = api.get(f"/accountability{query}", staff.compliance)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("查询参数只能给一个值：")


@pytest.mark.parametrize("query", ["?user=%00", "?user=a%00b"])
def test_api_a_filter_holding_a_nul_character_is_refused(api, staff, query: str) -> None:  # type: ignore[no-untyped-def]
    """A NUL character cannot be stored or compared in PostgreSQL: the filter is refused
    with a reason, never answered with a server error."""
    refused = api.get(f"/accountability{query}", staff.compliance)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("查询参数含有不可用的字符：")


def test_pages_and_endpoints_without_filters_keep_reading_their_query_loosely(
    client, api, staff
) -> None:  # type: ignore[no-untyped-def]
    reference = api.new_complaint(staff.owner)
    assert api.get(f"/complaints/{reference}?utm_source=mail", staff.owner).status_code == 200

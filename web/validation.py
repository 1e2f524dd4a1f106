"""Input rules shared by the pages and the JSON API: lengths, text hygiene, phone and email.

Each check raises ``FieldError(field, message)`` with a Chinese sentence that says what to do;
the pages show it beside the field, the API returns it in ``errors``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import field_annotation_is_sequence
from fastapi.routing import APIRoute

from policy.text import is_blank

# The steps' caps are the staff app's and the API's too.
from services.step_errors import StepInputError
from services.step_registry import MAX_TEXT as MAX_TEXT
from services.step_registry import MAX_USERNAME as MAX_USERNAME

MAX_NAME = 100
MAX_PHONE = 30
MAX_EMAIL = 254
MAX_INSTITUTION = 200
MAX_PRODUCT = 200
MAX_PASSWORD = 256
MAX_AMOUNT = Decimal("10000000000000")  # 10 万亿元: far above any real case, inside Numeric(18, 2)
# A complaint is entered when it is received (Art. 4: the written record is due in 24 hours);
# entering one received more than this long ago is a mistake in the date.
MAX_BACKDATE = timedelta(days=30)

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")  # area code (3–4 digits with the 0) + 7–8 digits
_SERVICE = re.compile(r"^[48]00\d{7}$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_REFERENCE = re.compile(r"^TS-\d{8}-\d{4,6}$")


class FieldError(ValueError):
    """One input that cannot be accepted; ``message`` is the Chinese sentence shown beside it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _bad_characters(value: str, *, multiline: bool) -> bool:
    for char in value:
        if char in "\n\r\t":
            if not multiline and char != "\t":
                return True
            continue
        category = unicodedata.category(char)
        # Cc: control characters (NUL breaks PostgreSQL); Cs: lone surrogates (not UTF-8).
        if category in ("Cc", "Cs"):
            return True
    return False


def clean_text(
    value: str | None,
    *,
    field: str,
    label: str,
    max_length: int,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """Trimmed text, or ``FieldError``: empty when required, too long, or control characters."""
    value = (value or "").strip()
    if is_blank(value):  # only blanks or invisible characters (zero-width …): nothing
        if required:
            raise FieldError(field, f"请填写{label}")
        return ""
    if len(value) > max_length:
        raise FieldError(field, f"{label}不能超过 {max_length} 个字符（当前 {len(value)} 个）")
    if _bad_characters(value, multiline=multiline):
        raise FieldError(field, f"{label}含有无法保存的控制字符，请删除后重试")
    return value


def text_problem(value: str, *, label: str, multiline: bool = True) -> str | None:
    """For the API models: the message when ``value`` has characters that cannot be saved."""
    if _bad_characters(value, multiline=multiline):
        return f"{label}含有无法保存的控制字符，请删除后重试"
    return None


def normalize_phone(value: str | None, *, field: str = "customer_phone") -> str:
    """A mainland mobile (13800001234), landline with area code (028-86026043 → 02886026043)
    or 400/800 number, digits only; ``+86``/``0086`` is dropped."""
    raw = (value or "").strip()
    if not raw:
        raise FieldError(field, "请填写联系电话")
    if len(raw) > MAX_PHONE:
        raise FieldError(field, f"联系电话不能超过 {MAX_PHONE} 个字符")
    digits = _PHONE_NOISE.sub("", raw)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if _MOBILE.match(digits) or _LANDLINE.match(digits) or _SERVICE.match(digits):
        return digits
    raise FieldError(
        field,
        "联系电话格式不正确：请填写 11 位手机号（如 13800001234）"
        "或带区号的固定电话（如 028-86026043）",
    )


def looks_like_phone(value: str) -> bool:
    try:
        normalize_phone(value)
    except FieldError:
        return False
    return True


def check_email(value: str | None, *, field: str = "customer_email") -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_EMAIL or not _EMAIL.match(value):
        raise FieldError(field, "电子邮箱格式不正确，例如 name@example.com；没有可留空")
    return value


def looks_like_reference(value: str) -> bool:
    return bool(_REFERENCE.match(value.strip().upper()))


def parse_amount(value: str | None, *, field: str = "amount") -> Decimal | None:
    """An amount in yuan from a form: empty is none; up to two decimals; not negative."""
    raw = (value or "").strip().replace(",", "").replace("，", "")
    if not raw:
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise FieldError(field, "涉及金额请填写数字（单位：元），如 50000 或 1234.56") from None
    return check_amount(amount, field=field)


def check_amount(amount: Decimal, *, field: str = "amount") -> Decimal:
    if not amount.is_finite():
        raise FieldError(field, "涉及金额请填写数字（单位：元）")
    if amount < 0:
        raise FieldError(field, "涉及金额不能为负数")
    if amount > MAX_AMOUNT:
        raise FieldError(field, "涉及金额过大，请核对单位（元）")
    quantized = amount.quantize(Decimal("0.01"))
    if abs(amount - quantized) > Decimal("0.000001"):
        raise FieldError(field, "涉及金额最多保留两位小数")
    return quantized


def parse_local_datetime(
    value: str | None, *, field: str, label: str, tz: ZoneInfo, required: bool = True
) -> datetime | None:
    """``YYYY-MM-DDTHH:MM`` from an ``<input type=datetime-local>``, in local time."""
    raw = (value or "").strip()
    if not raw:
        if required:
            raise FieldError(field, f"请填写{label}")
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise FieldError(field, f"{label}格式不正确，请按 2026-11-27 14:30 的格式填写") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return check_time_range(parsed, field=field, label=label)


def parse_date(value: str | None, *, field: str, label: str) -> date | None:
    """``YYYY-MM-DD`` (a query's or an ``<input type=date>``'s); empty means none given."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FieldError(field, f"{label}应为日期，格式如 2026-12-01") from None


def check_time_range(value: datetime, *, field: str, label: str) -> datetime:
    """Years 2000–2099 only: far outside that is a typing error (and would overflow later)."""
    if not 2000 <= value.year <= 2099 or not 2000 <= value.astimezone(UTC).year <= 2099:
        raise FieldError(field, f"{label}不在合理范围内，请核对年份")
    return value


def check_received_at(received_at: datetime, *, now: datetime) -> None:
    if received_at > now + timedelta(minutes=5):
        raise FieldError("received_at", "受理时间不能晚于当前时间")
    if received_at < now - MAX_BACKDATE:
        raise FieldError(
            "received_at",
            f"受理时间不能早于 {MAX_BACKDATE.days} 天前；请核对日期，补录旧投诉请联系管理员",
        )


def refuse_unknown_query(request: Request) -> None:
    """An API filter the endpoint does not take is refused, not ignored: a misspelt ``from``
    would otherwise answer with every record. So is a filter that takes one value sent more
    than once: the server would answer for one of them and drop the other unsaid, and one
    holding a NUL character, which the database cannot compare. Only for
    endpoints that take query parameters (they document 422); the pages read theirs loosely."""
    route = request.scope.get("route")
    if not request.url.path.startswith("/api/") or not isinstance(route, APIRoute):
        return
    taken = dict(_query_parameters(route.dependant))
    unknown = sorted(set(request.query_params) - set(taken))
    if taken and unknown:
        names = "、".join(f"「{name}」" for name in unknown)
        raise StepInputError(f"不支持的查询参数：{names}；可用：{'、'.join(sorted(taken))}")
    repeated = sorted(
        name
        for name, many in taken.items()
        if not many and len(request.query_params.getlist(name)) > 1
    )
    if repeated:
        names = "、".join(f"「{name}」" for name in repeated)
        raise StepInputError(f"查询参数只能给一个值：{names}")
    # A NUL character can be neither stored nor compared in PostgreSQL.
    unusable = sorted(
        {name for name, value in request.query_params.multi_items() if "\x00" in value}
    )
    if not taken:
        unusable = []
    if unusable:
        names = "、".join(f"「{name}」" for name in unusable)
        raise StepInputError(f"查询参数含有不可用的字符：{names}")


def _query_parameters(dependant: Dependant) -> Iterator[tuple[str, bool]]:
    """The query parameters an endpoint and its dependencies take, by the name sent, each
    with whether it takes several values (a list)."""
    for parameter in dependant.query_params:
        yield parameter.alias, field_annotation_is_sequence(parameter.field_info.annotation)
    for dependency in dependant.dependencies:
        yield from _query_parameters(dependency)

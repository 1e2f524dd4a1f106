"""Major complaint suggestion (重大客户投诉), Art. 4(3) and docs/regulation.md.

Art. 4(3) asks that every complaint transferred by a regulator be examined for whether it is
a *major* complaint; the regulation does not define "major", so docs/regulation.md ("Interpretation
where the text is silent") does, and this module suggests it.  A complaint is suggested as
major when any of these holds:

* its category is *violation* (违规操作类) and it touches customer funds, signatures,
  suitability or personal data: the subject must be *at stake* in the complaint (the
  customer's money moved, taken or dealt with behind their back, or asked back; a signature
  not theirs or given on a blank form; a product sold against their risk level; personal
  data passed on or shown), not merely named ("说收益更高", "某某收益权产品", "留了电话");
* it threatens litigation, media exposure or petitioning (诉讼、媒体曝光、信访); exposure
  online (a video or post put online, spreading, trending) is media exposure;
* it is a group complaint (群体投诉), a rights group gathered online included;
* customer funds are frozen (payouts or withdrawals halted, an account or its money frozen),
  whatever the category (Art. 3 clarified);
* the amount at stake, given or written in the text ("200万", "一百二十万元",
  "1,500,000元"), is at or above the threshold (default 1,000,000 CNY);
* it is a regulator transfer carrying any of the above.  A regulator transfer alone is
  *not* major; the suggestion says so, because Art. 4(3) still asks a person to decide.

A person confirms the suggestion; the suggestion and its reasons are recorded elsewhere.
The intake framing (the channel it came by, the receiving staff member's own notes) is read
past first (:func:`unframed`): "经省信访局转办" is a transfer, not a threat to petition.

The cues live in ``lexicon.yaml`` beside this module (section ``major``).  This module also
holds the lexicon loader and the negation test shared with :mod:`policy.classification`,
because it is the lower of the two layers that read ``lexicon.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from policy.enums import Category, Channel

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")


@lru_cache(maxsize=1)
def load_lexicon() -> dict[str, Any]:
    """The parsed ``lexicon.yaml``, read once per process."""
    with LEXICON_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def normalize(text: str) -> str:
    """Full-width letters, digits and punctuation to half-width, whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


@lru_cache(maxsize=1)
def _framing() -> re.Pattern[str]:
    patterns = load_lexicon()["framing"]["patterns"]
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


def unframed(body: str) -> tuple[str, list[str]]:
    """The normalised text without its intake framing, and the framing that was removed.

    Art. 3 names the *channels* a complaint comes by (a phone call, a sales manager, a
    regulator's transfer, a visit) apart from what it is *about*.  How it arrived (经……转办,
    "客户经理记录:", "在前台投诉") and what the receiving staff member already did
    ("已致歉，答应明天回电") are the record of the intake, not the complaint: they
    name neither its category (Art. 3), nor its department (Art. 9), nor a threat or a
    protected subject (major).  Each framing span becomes a comma.
    """
    removed = [found.group() for found in _framing().finditer(body) if found.group()]
    return _framing().sub(",", body), removed


class Negation:
    """Decides whether a cue found at some position is negated ("没有违规", "不是很慢").

    A cue is negated when a negator stands before it in the same clause and only filler
    (subjects, adverbs, 是/有 ...) stands between them, at most ``window`` characters.
    Cues that carry their own negation ("未经同意", "不耐烦") begin *with* the negator, so
    they are never negated by it.
    """

    def __init__(self, negators: list[str], filler: str, window: int, rhetorical: str) -> None:
        self._negators = re.compile("|".join(f"(?:{n})" for n in negators))
        self._filler = re.compile(filler)
        self._window = window
        self._rhetorical = re.compile(rhetorical)

    def negator_before(self, text: str, start: int) -> str | None:
        """The negator that negates a cue starting at ``start``, or None.

        A rhetorical question ("这不违反规定吗?") asserts what it seems to deny, so a
        negator in a clause that ends in 吗/嘛 negates nothing.
        """
        if self._rhetorical.match(text, start):
            return None
        prefix = text[max(0, start - self._window - 4) : start]
        for found in self._negators.finditer(prefix):
            gap = prefix[found.end() :]
            if len(gap) <= self._window and self._filler.fullmatch(gap):
                return found.group()
        return None


@lru_cache(maxsize=2)
def negation(*, extra: bool = False) -> Negation:
    """The negation test of ``lexicon.yaml``; ``extra`` adds the disclaimers of threats."""
    config = load_lexicon()["negation"]
    negators = list(config["negators"])
    filler = config["filler"]
    if extra:
        threats = load_lexicon()["major"]["threat_negation"]
        negators = list(threats["negators"]) + negators
        filler = f"(?:{_repeated(filler)}|{_repeated(threats['filler'])})*"
    return Negation(negators, filler, int(config["window"]), config["rhetorical"])


def _repeated(filler: str) -> str:
    """The alternation inside a filler pattern written as ``(?:a|b|c)*``."""
    if not (filler.startswith("(?:") and filler.endswith(")*")):
        raise ValueError(f"lexicon.yaml: a filler must read (?:...)*, not {filler!r}")
    return filler[3:-2]


@dataclass(frozen=True)
class MajorSuggestion:
    """Whether a complaint looks major, and why (each reason names its rule)."""

    major: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class _CueGroup:
    key: str
    label: str
    pattern: re.Pattern[str]
    # When this matches the text, the group's cues do not count (``unless`` in lexicon.yaml).
    unless: re.Pattern[str] | None = None


@lru_cache(maxsize=1)
def _groups() -> tuple[tuple[_CueGroup, ...], tuple[_CueGroup, ...]]:
    config = load_lexicon()["major"]

    def build(section: dict[str, Any]) -> tuple[_CueGroup, ...]:
        return tuple(
            _CueGroup(
                key,
                entry["label"],
                re.compile("|".join(entry["patterns"])),
                re.compile(entry["unless"]) if entry.get("unless") else None,
            )
            for key, entry in section.items()
        )

    return build(config["violation_subjects"]), build(config["escalation"])


def configured_threshold() -> Decimal:
    """The amount threshold of ``lexicon.yaml`` (``major.amount_threshold``)."""
    return Decimal(str(load_lexicon()["major"]["amount_threshold"]))


def _hits(group: _CueGroup, text: str, neg: Negation) -> list[str]:
    found: list[str] = []
    if group.unless is not None and group.unless.search(text):
        return found
    for match in group.pattern.finditer(text):
        cue = match.group()
        if cue and cue not in found and neg.negator_before(text, match.start()) is None:
            found.append(cue)
    return found


def _quote(cues: list[str]) -> str:
    return "".join(f"「{cue}」" for cue in cues)


def _decimal(value: Decimal | int | float | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


_RULE = "重大投诉认定:"
# A complaint to the regulator, in so many words (向监管部门投诉, 投诉到监管局).
_REGULATOR_CHANNEL = re.compile(r"监管(?!.*(?:信访|上访))")
# Between the two ends of a range of amounts ("100万到1亿先令").
_RANGE = re.compile(r"(?:到|至|-|~|—|－|～)")


def violation_subjects(text: str) -> list[str]:
    """The Art. 4(3) reasons a violation of this text would give: the customer funds,
    signatures, suitability or personal data it touches (empty when it touches none).

    :func:`suggest_major` counts them when the category it is given is violation (the
    rules', or the model's final one in :func:`policy.classification.classify`);
    ``bench/train_classifier.py`` asks this alone to evaluate the same way."""
    body, _ = unframed(normalize(text))
    subjects, _ = _groups()
    neg = negation()
    reasons = []
    for group in subjects:
        cues = _hits(group, body, neg)
        if cues:
            reasons.append(f"{_RULE} 违规操作且涉及{group.label}: 命中{_quote(cues)}")
    return reasons


def suggest_major(
    *,
    text: str,
    channel: Channel | None = None,
    category: Category | None = None,
    amount: Decimal | int | float | str | None = None,
    threshold: Decimal | int | float | str | None = None,
) -> MajorSuggestion:
    """Suggest whether a complaint is major (重大客户投诉), with the reasons.

    ``threshold`` defaults to ``major.amount_threshold`` in ``lexicon.yaml`` (1,000,000
    CNY).  ``amount`` is the amount entered at intake; amounts written in the text count
    too, and the larger one is compared with the threshold.
    """
    limit = configured_threshold() if threshold is None else _decimal(threshold)
    given = None if amount is None else _decimal(amount)
    body, _ = unframed(normalize(text))
    _, escalations = _groups()
    reasons: list[str] = []

    if category == Category.violation:
        reasons.extend(violation_subjects(text))

    threat_negation = negation(extra=True)
    for group in escalations:
        cues = _hits(group, body, threat_negation)
        if group.key == "petition" and channel == Channel.regulator_transfer:
            # The complaint to the regulator that the regulator transferred is the channel
            # it came by (a transfer is not major in itself); a petition office still counts.
            cues = [cue for cue in cues if not _REGULATOR_CHANNEL.search(cue)]
        if cues:
            reasons.append(f"{_RULE} {group.label}: 命中{_quote(cues)}")

    largest = max([a for a in [given, *amounts_in_text(text)] if a is not None], default=None)
    if largest is not None and largest >= limit:
        source = "受理金额" if given is not None and largest == given else "文中金额"
        reasons.append(f"{_RULE} 涉案金额 {largest:,.0f} 元({source})达到阈值 {limit:,.0f} 元")

    major = bool(reasons)
    if channel == Channel.regulator_transfer:
        if major:
            reasons.append("Art. 4(3) 行政监管部门转办且具备上述情形: 建议报公司领导研究处理")
        else:
            reasons.append("Art. 4(3) 行政监管部门转办本身不构成重大投诉: 仍须人工认定是否重大")
    elif major:
        reasons.append("Art. 4(3) 建议认定为重大客户投诉，报公司领导研究处理(须人工确认)")
    else:
        reasons.append(f"{_RULE} 未命中任何情形: 建议按一般投诉受理")
    return MajorSuggestion(major=major, reasons=tuple(reasons))


# --- amounts written in the text -------------------------------------------------------

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8,
    "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL) + "万亿"
_UNITS = {"千": Decimal(1000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}


# What a number with 万/亿 counts when it is not money: shares, lots, records, people ...
# (8000万股, 一万条).
# 人 counts people, not 人民币.
_COUNTED = (
    "股|手|份|条|张|笔|枚|件|人(?!民币)|名|户|次|克|吨|盎司|个|位|册|台|辆|平方|平米|亩|公里|英里"
    # people counted ("几百万投资者", "200万客户"), not their money ("200万客户资金")
    "|(?:投资者|投资人|客户|用户|储户|股民|居民)(?!的?(?:资金|钱|存款|款|财产|本金))"
)
# A threshold of who is served or eligible ("只为存款5万镑以上、房贷20万镑以上的客户服务",
# "门槛50万"), not the amount in dispute.
_THRESHOLD_AFTER = re.compile(
    r"(?:及|或)?以上(?:[^。;；!！?？]{0,30}?的(?:客户|用户|会员|人)(?:服务|开放|提供|办理|才|可以|可|专享))"
)
_THRESHOLD_BEFORE = re.compile(
    r"(?:门槛|起点|起存|准入|资格)(?:是|为|要求|提高到|提到|调到|调整为)?(?:存款|资产|金额)?(?:达到|满)?$"
)


@lru_cache(maxsize=1)
def _currency_rates() -> dict[str, Decimal]:
    """Yuan per unit of a foreign currency (``major.currency_rates`` in ``lexicon.yaml``)."""
    rates = load_lexicon()["major"].get("currency_rates") or {}
    return {str(name): Decimal(str(rate)) for name, rate in rates.items()}


@lru_cache(maxsize=1)
def _unknown_currency() -> re.Pattern[str]:
    """A currency word the table has no rate for, right after an amount."""
    pattern = load_lexicon()["major"].get("currency_unknown") or "(?!)"
    return re.compile(rf"(?:{pattern})", re.IGNORECASE)


def _foreign() -> str:
    # Longest names first, so that 新台币 is not read as 台币 and 港币 before 港.
    return "|".join(sorted(map(re.escape, _currency_rates()), key=len, reverse=True)) or "(?!)"


@lru_cache(maxsize=1)
def _arabic_amount() -> re.Pattern[str]:
    return re.compile(
        r"(?P<prefix>[¥￥]|人民币|rmb)?"
        r"(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?"
        rf"(?:多|余|来)?(?P<unit>千|万|亿)?(?:多|余|来)?"
        rf"(?:(?P<foreign>{_foreign()})|(?P<currency>元|块|圆|rmb|人民币))?"
        rf"(?P<counted>{_COUNTED})?",
        re.IGNORECASE,
    )


@lru_cache(maxsize=1)
def _chinese_amount() -> re.Pattern[str]:
    return re.compile(
        rf"(?P<number>[{_CN_CHARS}]+)(?:多|余|来)?(?P<unit>万|亿)?(?:多|余|来)?"
        rf"(?:(?P<foreign>{_foreign()})|(?P<currency>元|块|圆))?(?P<counted>{_COUNTED})?"
    )


def _chinese_number(numeral: str) -> int:
    """The value of a Chinese numeral: 一百二十万 → 1200000, 两千五 → 2005 (read literally)."""
    total = section = number = 0
    for char in numeral:
        if char in _CN_DIGITS:
            number = _CN_DIGITS[char]
        elif char in _CN_SMALL:
            section += (number or 1) * _CN_SMALL[char]
            number = 0
        elif char == "万":
            total += (section + number) * 10_000
            section = number = 0
        elif char == "亿":
            total = (total + section + number) * 100_000_000
            section = number = 0
    return total + section + number


_BELOW = re.compile(r"(?:不到|不足|低于|少于|未满|未达|不超过|没超过|没有超过|将近|接近|近)$")


def _below(body: str, start: int) -> bool:
    """True for an upper bound such as 不到100万 or 将近百万, which is not the amount at stake."""
    return bool(_BELOW.search(body[max(0, start - 4) : start]))


def _threshold(body: str, start: int, end: int) -> bool:
    """True for a threshold of who is served ("存款5万镑以上…的客户", "门槛50万")."""
    before = body[max(0, start - 12) : start]
    return bool(_THRESHOLD_AFTER.match(body, end) or _THRESHOLD_BEFORE.search(before))


def amounts_in_text(text: str) -> list[Decimal]:
    """Money amounts written in the text, in yuan.

    A number counts as money when it carries 万/亿 or a currency mark (元, 块, ¥, 人民币):
    "200万", "五十万元", "1,500,000元", "一百二十万", "1.5亿", "100多万".  Bare numbers
    (dates, phone numbers, percentages) do not count.  An amount in a foreign currency
    ("300万韩元", "37840美元", "200万奈拉") is converted at ``major.currency_rates``; one the
    table does not know ("20万第纳尔", "50万新元") is left out, never read as yuan.
    """
    body = normalize(text)
    # (start, end, value in its own currency, currency): the currency is "yuan", a rate, None
    # for a currency without a rate, or "" for a bare amount ("200万"), which is read in the
    # currency of the range it opens ("100万到1亿先令") or of the amount written before it
    # ("存了400万先令，只剩300万"), and as yuan when the text names no other currency.
    seen: list[tuple[int, int, Decimal, Decimal | str | None]] = []
    for match in _arabic_amount().finditer(body):
        unit, currency, prefix = match["unit"], match["currency"], match["prefix"]
        foreign = match["foreign"]
        if (
            not (unit in ("万", "亿") or currency or prefix or foreign)
            or _below(body, match.start())
            or _threshold(body, match.start(), match.end())
            or (match["counted"] and not (currency or prefix or foreign))
        ):
            continue
        digits = match["number"].replace(",", "")
        if match["fraction"]:
            digits += "." + match["fraction"]
        try:
            value = Decimal(digits)
        except InvalidOperation:  # pragma: no cover - the pattern admits digits only
            continue
        value *= _UNITS.get(unit or "", Decimal(1))
        seen.append((match.start(), match.end(), value, _currency_of(body, match, prefix)))
    for match in _chinese_amount().finditer(body):
        numeral = match["number"]
        if (
            _below(body, match.start())
            or _threshold(body, match.start(), match.end())
            or not any(char in _CN_DIGITS or char in _CN_SMALL for char in numeral)
        ):
            continue
        has_unit = any(char in "万亿" for char in numeral) or match["unit"]
        money = match["currency"] or match["foreign"]
        if not (has_unit or money) or (match["counted"] and not money):
            continue
        value = Decimal(_chinese_number(numeral))
        if match["unit"]:
            value *= _UNITS[match["unit"]]
        seen.append((match.start(), match.end(), value, _currency_of(body, match, None)))
    ordered = sorted(range(len(seen)), key=lambda i: seen[i][0])
    resolved: dict[int, Decimal | str | None] = {}
    before: Decimal | str | None = "yuan"
    for place, i in enumerate(ordered):
        _, end, _, currency = seen[i]
        if currency == "":
            after = ordered[place + 1] if place + 1 < len(ordered) else None
            if (
                after is not None
                and seen[after][3] != ""
                and _RANGE.fullmatch(body[end : seen[after][0]])
            ):
                currency = seen[after][3]
            else:
                currency = before
        else:
            before = currency
        resolved[i] = currency
    found: list[Decimal] = []
    for i, (_, _, value, _) in enumerate(seen):
        currency = resolved[i]
        if currency is None:
            continue  # "20万第纳尔": a currency without a rate is not read as yuan
        found.append(value if currency == "yuan" else value * Decimal(currency))
    return found


def _currency_of(body: str, match: re.Match[str], prefix: str | None) -> Decimal | str | None:
    """The currency an amount is written in: "yuan", a foreign currency's rate, None for a
    currency word the table has no rate for, "" for none written (a bare "200万")."""
    if match["foreign"]:
        return _currency_rates()[match["foreign"]]
    if match["currency"] or prefix:
        return "yuan"
    if _unknown_currency().match(body, match.end()):
        return None
    # A conversion in brackets takes the currency written after them: "十拉克(约100万)塔卡".
    closing = re.compile(r"\)").match(body, match.end())
    if closing:
        after = re.compile(rf"(?:{_foreign()})").match(body, closing.end())
        if after:
            return _currency_rates()[after.group()]
        if _unknown_currency().match(body, closing.end()):
            return None
    return ""

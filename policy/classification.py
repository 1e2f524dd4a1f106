"""Art. 3 classification: the suggested category of a complaint, with its evidence.

Art. 3 (客户投诉类别) names four categories and defines each in one sentence:

1. 服务态度类 (service attitude): cold, unsmiling, passive, shirking customers, irresponsible;
2. 办事效率类 (efficiency): unskilled handling, slow business, low efficiency, slow documents;
3. 业务差错类 (business error): careless handling, poor communication, contract or process
   unfamiliarity leading to a mistake;
4. 违规操作类 (violation): staff not following the rules, handling business in breach of them.

:func:`classify` scores each category with the cues of ``lexicon.yaml`` (beside this module):

* each cue line is a concept with a weight; a category's score is the sum of the weights of
  its distinct matched concepts, so several cues outweigh one phrase;
* besides the words of Art. 3, the concepts include *families* for what customers describe
  instead of naming: actions, gestures and quoted rude speech (attitude), durations and
  repeated chasing (efficiency), concrete wrong facts and contradicting documents (error),
  concrete acts, implied rules and rhetorical "合规吗?" (violation);
* a cue preceded by a negator in the same clause ("没有违规", "不是很慢") does not count;
  cues that carry their own negation ("未经同意", "未收到", "不耐烦") match as a whole;
* explicit exclusions ("不是态度问题", "态度还可以", "没有违规") subtract from a category;
* after a contrast (但是/可是/不过/就是 ...) the clause carries the complaint: cues after the
  last contrast weigh more, cues before the first weigh less ("态度还可以，就是太慢" is
  efficiency).

Decision: the highest score wins.  Equal scores go to the graver category (``tie_break``:
violation, business error, efficiency, attitude) so that a tie never hides a possible
violation.  When no cue matches at all, the suggestion falls back to *business error*
(``decision.fallback``), Art. 3(3) being the broadest definition and the category of the
plainly stated facts that the cue families leave uncovered on the tuning sets (the lexicon
comment gives the counts); staff confirm the category in every case.

The result also carries the Art. 9 department (:func:`policy.routing.route`) and the major
suggestion (:func:`policy.major.suggest_major`), each with its reasons.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from policy.enums import Category, Channel, ComplainantKind, Department
from policy.major import load_lexicon, negation, normalize, suggest_major
from policy.routing import route


@dataclass(frozen=True)
class Classification:
    """The suggestion for one complaint: category, department, major, and why."""

    category: Category
    department: Department
    major: bool
    reasons: tuple[str, ...]
    category_scores: dict[Category, float] = field(default_factory=dict, compare=False)
    major_reasons: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``complaints classify``: enum values as strings."""
        return {
            "category": self.category.value,
            "department": self.department.value,
            "major": self.major,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class _Concept:
    weight: float
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class _CategoryCues:
    category: Category
    clause: str
    concepts: tuple[_Concept, ...]
    discounts: tuple[_Concept, ...]


@dataclass(frozen=True)
class _Rules:
    categories: tuple[_CategoryCues, ...]
    contrast: re.Pattern[str]
    before: float
    after: float
    cause: re.Pattern[str]
    cause_factor: float
    fallback: Category
    tie_break: tuple[Category, ...]


def _concepts(groups: list[dict[str, Any]] | None) -> tuple[_Concept, ...]:
    return tuple(
        _Concept(float(group["weight"]), re.compile(pattern))
        for group in groups or []
        for pattern in group["patterns"]
    )


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    lexicon = load_lexicon()
    contrast = lexicon["contrast"]
    decision = lexicon["decision"]
    return _Rules(
        categories=tuple(
            _CategoryCues(
                category=Category(code),
                clause=entry["clause"],
                concepts=_concepts(entry["cues"]),
                discounts=_concepts(entry.get("discounts")),
            )
            for code, entry in lexicon["categories"].items()
        ),
        contrast=re.compile("|".join(f"(?:{m})" for m in contrast["markers"])),
        before=float(contrast["before"]),
        after=float(contrast["after"]),
        cause=re.compile("|".join(f"(?:{m})" for m in lexicon["cause"]["markers"])),
        cause_factor=float(lexicon["cause"]["factor"]),
        fallback=Category(decision["fallback"]),
        tie_break=tuple(Category(code) for code in decision["tie_break"]),
    )


def _sentence_end(body: str, start: int) -> int:
    found = re.compile(r"[。!?;！？；]").search(body, start)
    return found.start() if found else len(body)


def _quote(cues: list[str]) -> str:
    return "".join(f"「{cue}」" for cue in cues)


def _score_category(
    cues: _CategoryCues, body: str, factor: Callable[[int], float]
) -> tuple[float, list[str]]:
    """The score of one category and the reasons naming its evidence."""
    neg = negation()
    score = 0.0
    matched: list[str] = []
    negated: list[str] = []
    for concept in cues.concepts:
        best = 0.0
        for match in concept.pattern.finditer(body):
            cue = match.group()
            if not cue:
                continue
            negator = neg.negator_before(body, match.start())
            if negator is not None:
                if f"{negator}…{cue}" not in negated:
                    negated.append(f"{negator}…{cue}")
                continue
            best = max(best, factor(match.start()))
            if cue not in matched:
                matched.append(cue)
        score += concept.weight * best
    excluded: list[str] = []
    for discount in cues.discounts:
        found = discount.pattern.search(body)
        if found:
            score += discount.weight * factor(found.start())
            excluded.append(found.group())

    label = f"{cues.clause} {cues.category.label}"
    reasons: list[str] = []
    if matched:
        reasons.append(f"{label}: 命中{_quote(matched)}")
    if negated:
        reasons.append(f"{label}: 否定语境不计{_quote(negated)}")
    if excluded:
        reasons.append(f"{label}: 明确排除{_quote(excluded)}，降低该类得分")
    return round(score, 3), reasons


def classify(
    text: str,
    *,
    channel: Channel | None = None,
    complainant: ComplainantKind = ComplainantKind.customer,
    amount: Decimal | None = None,
) -> Classification:
    """Suggest the Art. 3 category, the Art. 9 department and whether the complaint is major.

    Raises ``ValueError`` when the text is empty: there is nothing to classify.
    """
    if text is None or not str(text).strip():
        raise ValueError(
            "投诉内容为空，无法分类：请填写客户投诉的具体内容 (complaint text is empty)."
        )
    rules = _rules()
    body = normalize(text)
    markers = list(rules.contrast.finditer(body))
    causes = [
        (found.end(), _sentence_end(body, found.end())) for found in rules.cause.finditer(body)
    ]

    def factor(position: int) -> float:
        weight = 1.0
        if markers and position >= markers[-1].end():
            weight = rules.after
        elif markers and position < markers[0].start():
            weight = rules.before
        if any(start <= position < end for start, end in causes):
            weight = max(weight, rules.cause_factor)
        return weight

    scores: dict[Category, float] = {}
    evidence: dict[Category, list[str]] = {}
    for cues in rules.categories:
        scores[cues.category], evidence[cues.category] = _score_category(cues, body, factor)

    best = max(scores.values())
    reasons: list[str] = []
    if best <= 0:
        category = rules.fallback
        reasons.append(f"Art. 3 未命中任何类别线索，默认归为{category.label}(待人工确认)")
    else:
        tied = [c for c in rules.tie_break if scores.get(c) == best]
        category = tied[0]
        reasons.extend(evidence[category])
        runner_up = max((s for c, s in scores.items() if c != category), default=0.0)
        note = f"Art. 3 判定为{category.label}: 得分 {best:g}"
        if len(tied) > 1:
            note += f"，与{'、'.join(c.label for c in tied[1:])}同分，按从重原则取{category.label}"
        elif runner_up > 0:
            note += f"，高于次高 {runner_up:g}"
        reasons.append(note)
        for other in rules.tie_break:
            if other != category:
                reasons.extend(evidence[other])
    if markers:
        reasons.append(f"转折「{markers[-1].group()}」之后的内容权重加大")

    routing = route(text, complainant, category)
    major = suggest_major(text=text, channel=channel, category=category, amount=amount)
    return Classification(
        category=category,
        department=routing.department,
        major=major.major,
        reasons=(*reasons, *routing.reasons, *major.reasons),
        category_scores=scores,
        major_reasons=major.reasons,
    )

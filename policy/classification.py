"""Art. 3 classification: the suggested category of a complaint, with its evidence.

Art. 3 (客户投诉类别) names four categories and defines each in one sentence:

1. 服务态度类 (service attitude): cold, unsmiling, passive, shirking customers, irresponsible;
2. 办事效率类 (efficiency): unskilled handling, slow business, low efficiency, slow documents;
3. 业务差错类 (business error): careless handling, poor communication, contract or process
   unfamiliarity leading to a mistake;
4. 违规操作类 (violation): staff not following the rules, handling business in breach of them.

:func:`classify` scores each category with the cues of ``lexicon.yaml`` (beside this module),
after the intake framing is removed (:func:`policy.major.unframed`: the Art. 3 channel it came
by and what the receiving staff member already did are the record, not the complaint):

* each cue line is a concept with a weight; a category's score is the sum of the weights of
  its distinct matched concepts, so several cues outweigh one phrase;
* besides the words of Art. 3, the concepts include *families* for what customers describe
  instead of naming: actions, gestures and quoted rude speech (attitude), durations and
  repeated chasing (efficiency), concrete wrong facts and contradicting documents (error),
  concrete acts, implied rules and rhetorical "合规吗?" (violation);
* the remedy a complainant asks for names the grievance and is a clear sign of its category:
  an apology (attitude), a date or speed (efficiency), a correction or the difference made
  up (error), an investigation or someone held to account (violation);
* a cue preceded by a negator in the same clause ("没有违规", "不是很慢") does not count;
  cues that carry their own negation ("未经同意", "未收到", "不耐烦") match as a whole;
* explicit exclusions ("不是态度问题", "态度还可以", "没有违规") subtract from a category;
* after a contrast (但是/可是/不过/就是 ..., and "不能接受的是", "更过分的是") the clause
  carries the complaint: cues after the last contrast weigh more, cues before the first weigh
  less ("态度还可以，就是太慢" is efficiency);
* a concession ("晚一天到账我能理解", "慢点也就算了") gives up what it follows: cues from the
  start of its sentence up to the concession weigh ``concession.factor``;
* Art. 3 defines a category by its cause ("由于……导致"), so what a complaint gives as the
  consequence ("导致……", "致使……", "造成……") weighs ``consequence.factor`` to the end of its
  sentence: a mistake that made a payment late is a mistake, not a delay;
* one stretch of text is one piece of evidence: where the cues of two concepts of the same
  category overlap ("延期兑付"), only the heavier concept counts it;
* quotes are written many ways ('…', ‘…’, 「…」, "…"); single quotes are read as double
  quotes, so that quoted speech is recognised however the complaint was typed;
* what a staff member is quoted as saying is evidence of how they spoke and what they
  promised, not the complainant's own account of the facts: a category may weigh the cues
  inside quotes by its ``quoted`` factor ("'晚一天又不会怎样'" is not a delay reported,
  "'是你自己算错了'" is not a mistake found).

Decision: the highest score wins.  Equal scores go to the graver category (``tie_break``:
violation, business error, efficiency, attitude) so that a tie never hides a possible
violation.  When no cue matches at all, or only hints too weak to name a category (a best
score below ``decision.min_score``, e.g. the bare word 工作人员), the suggestion falls back
to *business error* (``decision.fallback``), Art. 3(3) being the broadest definition and the
category of the plainly stated facts that the cue families leave uncovered on the tuning
sets (the lexicon comment gives the counts); staff confirm the category in every case.

The result also carries the Art. 9 department (:func:`policy.routing.route`) and the major
suggestion (:func:`policy.major.suggest_major`), each with its reasons.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from policy.enums import Category, Channel, ComplainantKind, Department
from policy.major import (
    amounts_in_text,
    configured_threshold,
    load_lexicon,
    negation,
    normalize,
    suggest_major,
    unframed,
)
from policy.model import Model, describe, features, load_model, predict
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
    # The rules found General Management's subject named outright (policy.routing).
    department_named_outright: bool = field(default=False, compare=False)

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
    quoted: float = 1.0


@dataclass(frozen=True)
class _Rules:
    categories: tuple[_CategoryCues, ...]
    contrast: re.Pattern[str]
    before: float
    after: float
    concession: re.Pattern[str]
    concession_factor: float
    cause: re.Pattern[str]
    cause_factor: float
    consequence: re.Pattern[str]
    consequence_factor: float
    fallback: Category
    min_score: float
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
                quoted=float(entry.get("quoted", 1.0)),
            )
            for code, entry in lexicon["categories"].items()
        ),
        contrast=re.compile("|".join(f"(?:{m})" for m in contrast["markers"])),
        before=float(contrast["before"]),
        after=float(contrast["after"]),
        concession=re.compile("|".join(f"(?:{m})" for m in lexicon["concession"]["markers"])),
        concession_factor=float(lexicon["concession"]["factor"]),
        cause=re.compile("|".join(f"(?:{m})" for m in lexicon["cause"]["markers"])),
        cause_factor=float(lexicon["cause"]["factor"]),
        consequence=re.compile("|".join(f"(?:{m})" for m in lexicon["consequence"]["markers"])),
        consequence_factor=float(lexicon["consequence"]["factor"]),
        fallback=Category(decision["fallback"]),
        min_score=float(decision["min_score"]),
        tie_break=tuple(Category(code) for code in decision["tie_break"]),
    )


_SENTENCE_END = re.compile(r"[。!?;！？；]")
_QUOTED = re.compile(r'“[^“”]*”|"[^"]*"|「[^「」]*」|『[^『』]*』')
# Single quotes, straight or curly, read as the double quotes the cue patterns expect.
_QUOTES = str.maketrans({"'": '"', "‘": "“", "’": "”"})


def _sentence_end(body: str, start: int) -> int:
    found = _SENTENCE_END.search(body, start)
    return found.start() if found else len(body)


def _sentence_start(body: str, end: int) -> int:
    """Where the sentence holding ``end`` begins (Art. 3: the concession's reach)."""
    starts = [found.end() for found in _SENTENCE_END.finditer(body, 0, end)]
    return starts[-1] if starts else 0


_QUOTE_MARKS = '“”"「」『』'


def _core(body: str, start: int, end: int) -> tuple[int, int]:
    """A cue's span without the quote marks at its edges."""
    while start < end and body[start] in _QUOTE_MARKS:
        start += 1
    while end > start and body[end - 1] in _QUOTE_MARKS:
        end -= 1
    return start, end


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """Art. 3 scoring: one stretch of text is one piece of evidence, not two.

    Spans are compared without their quote marks: "笑他" and the quoted words after it
    («“这点钱») touch at the quote, and are two pieces of evidence.
    """
    start, end = span
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _quoted_spans(body: str) -> list[tuple[int, int]]:
    """Art. 3: the stretches of text inside quotes, the quotes themselves excluded."""
    return [(found.start() + 1, found.end() - 1) for found in _QUOTED.finditer(body)]


def _quote(cues: list[str]) -> str:
    return "".join(f"「{cue}」" for cue in cues)


def _score_category(
    cues: _CategoryCues,
    body: str,
    factor: Callable[[int], float],
    quoted: Sequence[tuple[int, int]] = (),
) -> tuple[float, list[str]]:
    """Art. 3(1)-(4): the score of one category and the reasons naming its evidence."""
    neg = negation()
    score = 0.0
    matched: list[str] = []
    negated: list[str] = []
    in_quotes: list[str] = []
    counted: list[tuple[int, int]] = []
    # Heavier concepts first: a stretch of text another concept already counted is not
    # evidence twice ("延期兑付" is one delay, not two).
    for concept in sorted(cues.concepts, key=lambda c: -c.weight):
        best = 0.0
        spans: list[tuple[int, int]] = []
        for match in concept.pattern.finditer(body):
            cue = match.group()
            core = _core(body, match.start(), match.end())
            if not cue or _overlaps(core, counted):
                continue
            negator = neg.negator_before(body, match.start())
            if negator is not None:
                if f"{negator}…{cue}" not in negated:
                    negated.append(f"{negator}…{cue}")
                continue
            weight = factor(match.start())
            if cues.quoted != 1.0 and any(start <= match.start() < end for start, end in quoted):
                weight *= cues.quoted
                if cue not in in_quotes:
                    in_quotes.append(cue)
            best = max(best, weight)
            spans.append(core)
            if cue not in matched:
                matched.append(cue)
        counted.extend(spans)
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
    if in_quotes:
        reasons.append(f"{label}: 引述他人原话中的线索按 {cues.quoted:g} 倍计{_quote(in_quotes)}")
    if excluded:
        reasons.append(f"{label}: 明确排除{_quote(excluded)}，降低该类得分")
    return round(score, 3), reasons


def category_lead(scores: dict[Category, float]) -> float:
    """Art. 3: how many points the rules' best category leads the next one by."""
    ranked = sorted(scores.values(), reverse=True)
    return round(ranked[0] - ranked[1], 3) if len(ranked) > 1 else 0.0


def classify_by_rules(
    text: str,
    *,
    channel: Channel | None = None,
    complainant: ComplainantKind = ComplainantKind.customer,
    amount: Decimal | None = None,
) -> Classification:
    """The cue rules alone: Art. 3 category, Art. 9 department and the major suggestion.

    Raises ``ValueError`` when the text is empty: there is nothing to classify.
    """
    if text is None or not str(text).strip():
        raise ValueError(
            "投诉内容为空，无法分类：请填写客户投诉的具体内容 (complaint text is empty)."
        )
    rules = _rules()
    body = unframed(normalize(text))[0].translate(_QUOTES)
    markers = list(rules.contrast.finditer(body))
    causes = [
        (found.end(), _sentence_end(body, found.end())) for found in rules.cause.finditer(body)
    ]
    effects = [
        (found.end(), _sentence_end(body, found.end()))
        for found in rules.consequence.finditer(body)
    ]
    concessions = list(rules.concession.finditer(body))
    conceded = [(_sentence_start(body, found.start()), found.end()) for found in concessions]

    def factor(position: int) -> float:
        weight = 1.0
        if markers and position >= markers[-1].end():
            weight = rules.after
        elif markers and position < markers[0].start():
            weight = rules.before
        if any(start <= position < end for start, end in causes):
            weight = max(weight, rules.cause_factor)
        if any(start <= position < end for start, end in effects):
            weight = min(weight, rules.consequence_factor)
        if any(start <= position < end for start, end in conceded):
            weight = min(weight, rules.concession_factor)
        return weight

    scores: dict[Category, float] = {}
    evidence: dict[Category, list[str]] = {}
    quoted = _quoted_spans(body)
    for cues in rules.categories:
        scores[cues.category], evidence[cues.category] = _score_category(cues, body, factor, quoted)

    best = max(scores.values())
    reasons: list[str] = []
    if best <= 0:
        category = rules.fallback
        reasons.append(f"Art. 3 未命中任何类别线索，默认归为{category.label}(待人工确认)")
    elif best < rules.min_score:
        category = rules.fallback
        for cues in rules.categories:
            reasons.extend(evidence[cues.category])
        reasons.append(
            f"Art. 3 线索不足(最高得分 {best:g} 低于 {rules.min_score:g})，"
            f"默认归为{category.label}(待人工确认)"
        )
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
    if concessions:
        said = _quote([found.group() for found in concessions])
        reasons.append(f"让步{said}之前的内容已被投诉人谅解，权重降低")
    if effects:
        said = _quote([found.group() for found in rules.consequence.finditer(body)])
        reasons.append(f"后果{said}之后的内容是投诉事项的后果，权重降低")

    routing = route(text, complainant, category)
    major = suggest_major(text=text, channel=channel, category=category, amount=amount)
    return Classification(
        category=category,
        department=routing.department,
        major=major.major,
        reasons=(*reasons, *routing.reasons, *major.reasons),
        category_scores=scores,
        major_reasons=major.reasons,
        department_named_outright=routing.named_outright,
    )


def classify(
    text: str,
    *,
    channel: Channel | None = None,
    complainant: ComplainantKind = ComplainantKind.customer,
    amount: Decimal | None = None,
) -> Classification:
    """Suggest the Art. 3 category, the Art. 9 department and whether the complaint is major.

    The cue rules (:func:`classify_by_rules`) read the words of the complaint; the shipped
    model (:mod:`policy.model`) reads the whole story together with what the rules found,
    and decides.  Two things stay rules whatever the model says: a member institution's
    complaint is a member complaint (Art. 9; one the rules find about membership or a
    member's conduct when a customer complains is too only where the model file's
    ``member_cue_stands`` says so, otherwise the model weighs that finding with the story);
    and a major suggestion of the rules (an amount at or above the threshold, a threat, a
    group, a protected subject) is never withdrawn by the model, which may only add one.
    A category whose cues lead the next category's by the model's ``clear_lead`` points or
    more is the rules' answer too (for the model's ``clear_categories``: not efficiency,
    whose waiting is the setting of most counter stories).
    Every answer names the rules' cues, the features that weighed most in the model, and
    the clause.

    Raises ``ValueError`` when the text is empty: there is nothing to classify.
    """
    ruled = classify_by_rules(text, channel=channel, complainant=complainant, amount=amount)
    model = load_model()
    if model is None:
        return ruled
    return _with_model(model, ruled, text, channel, ComplainantKind(complainant), amount)


def _with_model(
    model: Model,
    ruled: Classification,
    text: str,
    channel: Channel | None,
    complainant: ComplainantKind,
    amount: Decimal | None,
) -> Classification:
    body = unframed(normalize(text))[0]
    # The model knows only whether the amount at stake reaches the configured threshold.
    largest = max(
        (Decimal(str(a)) for a in (amount, *amounts_in_text(text)) if a is not None), default=None
    )
    stated = largest if largest is not None and largest >= configured_threshold() else None
    found = features(
        body,
        channel=channel.value if channel else None,
        complainant=complainant.value,
        amount=stated,
        rule_category=ruled.category.value,
        rule_department=ruled.department.value,
        rule_major=ruled.major,
        rule_named_outright=ruled.department_named_outright,
    )
    version = f"模型 {model.version}"
    notes: list[str] = []

    said = predict(model, "category", found)
    lead = category_lead(ruled.category_scores)
    clear = (
        model.clear_lead is not None
        and lead >= model.clear_lead
        and ruled.category.value in model.clear_categories
    )
    category = Category(said.value) if model.overrules(said, body) and not clear else ruled.category
    cues = "".join(describe(f) for f in said.evidence) or "(无突出特征)"
    if category != Category(said.value) and clear:
        # Art. 3: the cues of one category clearly outweigh the others' (the rules' lead is
        # at least ``clear_lead`` points, for ``clear_categories``): that evidence stands
        # against the model's reading.
        notes.append(
            f"Art. 3 {version}: 倾向{Category(said.value).label}(概率 {said.probability:.0%})，"
            f"规则线索明确(领先 {lead:g} 分)，维持规则判定{category.label}"
        )
    elif category != Category(said.value):
        notes.append(
            f"Art. 3 {version}: 倾向{Category(said.value).label}(概率 {said.probability:.0%})，"
            f"文本较短且把握不足，维持规则判定{category.label}"
        )
    elif category == ruled.category:
        notes.append(
            f"Art. 3 {version}: 通读全文同样判为{category.label}"
            f"(概率 {said.probability:.0%})，主要依据{cues}"
        )
    else:
        notes.append(
            f"Art. 3 {version}: 通读全文改判为{category.label}"
            f"(概率 {said.probability:.0%}，规则线索倾向{ruled.category.label})，主要依据{cues}"
        )

    if complainant == ComplainantKind.member:
        department = ruled.department
    elif ruled.department == Department.member_management and model.member_cue_stands:
        # Art. 9: membership matters, or a member institution's or its agents' conduct
        # toward a customer, found by the rules: a member complaint whoever complains.
        department = ruled.department
        notes.append(
            f"Art. 9 {version}: 规则认定为会员投诉(会员事务或会员单位及其人员、代理人的行为)，"
            f"由{department.label}受理，模型不改判"
        )
    elif model.named_outright_stands and ruled.department_named_outright:
        # Art. 9 and the Art. 3 clarification: the exchange's own systems and machines, its
        # premises, disclosure and customers' data, named outright, are General Management's.
        # Off since the seventeenth round of 2026-12-06 (the model file's
        # ``named_outright_stands``): such a subject is one of the model's features, read
        # with the story (on two fresh sets the override had routed 9 service complaints away).
        department = ruled.department
        notes.append(
            f"Art. 9 {version}: 规则认定投诉事项为本所系统设备、场所、信息披露或个人信息等，"
            f"由{department.label}受理，模型不改判"
        )
    else:
        routed = predict(model, "department", found)
        department = Department(routed.value) if model.overrules(routed, body) else ruled.department
        cues = "".join(describe(f) for f in routed.evidence) or "(无突出特征)"
        if department != Department(routed.value):
            notes.append(
                f"Art. 9 {version}: 倾向{Department(routed.value).label}"
                f"(概率 {routed.probability:.0%})，文本较短且把握不足，"
                f"维持规则判定{department.label}"
            )
        elif department == ruled.department:
            notes.append(
                f"Art. 9 {version}: 通读全文同样由{department.label}受理"
                f"(概率 {routed.probability:.0%})，主要依据{cues}"
            )
        else:
            notes.append(
                f"Art. 9 {version}: 通读全文改由{department.label}受理"
                f"(概率 {routed.probability:.0%}，规则线索倾向{ruled.department.label})，"
                f"主要依据{cues}"
            )

    flagged = predict(model, "major", found)
    major = ruled.major
    major_reasons = list(ruled.major_reasons)
    if category == Category.violation and ruled.category != Category.violation and not major:
        # Art. 4(3) reads the final category: a violation the model found, touching the
        # customer's funds, signatures, suitability or data, is major as the rules' would be.
        again = suggest_major(
            text=text, channel=channel, category=Category.violation, amount=amount
        )
        if again.major:
            major = True
            major_reasons = [
                f"Art. 4(3) {version}: 终判为违规操作类，按终判类别认定涉及事项",
                *again.reasons,
            ]
    if flagged.value == "true" and not ruled.major:
        major = True
        cues = "".join(describe(f) for f in flagged.evidence) or "(无突出特征)"
        major_reasons.append(
            f"重大投诉(建议) {version}: 事实特征提示重大"
            f"(概率 {flagged.probability:.0%})，主要依据{cues}；须由人员确认"
        )
    reasons = [r for r in ruled.reasons if r not in ruled.major_reasons]
    return Classification(
        category=category,
        department=department,
        major=major,
        reasons=(*reasons, *notes, *major_reasons),
        category_scores=ruled.category_scores,
        major_reasons=tuple(major_reasons),
        department_named_outright=ruled.department_named_outright,
    )

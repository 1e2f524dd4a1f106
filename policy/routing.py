"""Art. 9 routing: which department receives a complaint (受理部门).

第九条: member complaints go to the Member Management Dept (会员管理部), service complaints to
the Wealth Center (财富中心), all others to the General Management Dept (综合管理部).

The routing table is data, ``routing.yaml`` beside this module, read once:

1. a complaint from a member institution is a member complaint (``complainants``);
2. otherwise topic cues score each department; membership matters (admission, annual review,
   fees, seats, member services) win once they reach ``member_min_score``, else the highest
   score wins, ties broken by ``tie_break``;
3. with no topic cue at all the complaint is "其它类" and goes to ``default``
   (General Management).

Art. 9 routes by "投诉内容", what a complaint is *about*, so the text is read for its
subject, not for every word it contains:

* the intake framing is removed first (:func:`policy.major.unframed`): the channel it came
  by (经市民热线转办, "客户经理记录:", "在前台投诉") is an Art. 3 channel, not the
  content, and what the receiving staff member did is the handling, not the complaint;
* a cue weighs less where the text only *cites* a source for what it says ("公告说月底前
  付息": the interest payment is the subject, the announcement the source), where it
  names what *followed* from the complaint ("导致……": a consequence, not the subject), and
  inside brackets (an aside that describes something already named), in the reason a
  staff member gave for not serving ("一次说系统维护": the excuse, not the subject), in
  what the complainant marks as secondary ("顺便说一句……", "……不过那是小事"), and
  in the words that describe which record is asked for ("调我那笔债权转让的交易档案": the
  record is the subject, the product only names it); ``weighing`` in ``routing.yaml``
  holds the factors.  A cue line counts once, at its best-placed match.

``category`` may refine the table through an optional ``category_prior`` section (a score
added to a department for a category); the table shipped has none, because Art. 9 routes by
the *content* of a complaint, not by its Art. 3 category.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from policy.enums import Category, ComplainantKind, Department
from policy.major import load_lexicon, normalize, unframed

ROUTING_PATH = Path(__file__).with_name("routing.yaml")


@dataclass(frozen=True)
class DepartmentInfo:
    """A receiving department of Art. 9: its code, Chinese name and complaint phone."""

    code: Department
    name: str
    phone: str


@dataclass(frozen=True)
class RoutingDecision:
    """The receiving department and why (each reason names Art. 9 and the evidence)."""

    department: Department
    reasons: tuple[str, ...]
    # General Management's subject named outright (the exchange's own systems or machines,
    # premises, disclosure, personal data): a cue line of at least ``named_outright_weight``
    # matched where it is the subject.  Such a routing is not overruled by the model.
    named_outright: bool = False


@dataclass(frozen=True)
class _Topic:
    department: Department
    label: str
    cues: tuple[tuple[float, re.Pattern[str]], ...]


@dataclass(frozen=True)
class _Table:
    directory: tuple[DepartmentInfo, ...]
    complainants: dict[ComplainantKind, Department]
    topics: tuple[_Topic, ...]
    member_min_score: float
    named_outright_weight: float
    default: Department
    tie_break: tuple[Department, ...]
    category_prior: dict[Category, dict[Department, float]]
    citation: re.Pattern[str]
    citation_factor: float
    consequence: re.Pattern[str]
    consequence_factor: float
    aside_factor: float
    excuse: re.Pattern[str]
    excuse_factor: float
    minor_after: re.Pattern[str]
    minor_before: re.Pattern[str]
    minor_factor: float
    record_description: re.Pattern[str]
    record_description_factor: float


@lru_cache(maxsize=1)
def _table() -> _Table:
    with ROUTING_PATH.open(encoding="utf-8") as handle:
        raw: dict[str, Any] = yaml.safe_load(handle)
    topics = tuple(
        _Topic(
            department=Department(code),
            label=entry["label"],
            cues=tuple(
                (float(group["weight"]), re.compile(pattern))
                for group in entry["cues"]
                for pattern in group["patterns"]
            ),
        )
        for code, entry in raw["topics"].items()
    )
    weighing = raw["weighing"]
    return _Table(
        directory=tuple(
            DepartmentInfo(code=Department(d["code"]), name=d["name"], phone=str(d["phone"]))
            for d in raw["departments"]
        ),
        complainants={
            ComplainantKind(kind): Department(code)
            for kind, code in (raw.get("complainants") or {}).items()
        },
        topics=topics,
        member_min_score=float(raw["member_min_score"]),
        named_outright_weight=float(raw.get("named_outright_weight", 3.0)),
        default=Department(raw["default"]),
        tie_break=tuple(Department(code) for code in raw["tie_break"]),
        category_prior={
            Category(category): {Department(d): float(w) for d, w in priors.items()}
            for category, priors in (raw.get("category_prior") or {}).items()
        },
        citation=re.compile("|".join(f"(?:{p})" for p in weighing["citation"]["patterns"])),
        citation_factor=float(weighing["citation"]["factor"]),
        # What a consequence looks like is read once, in lexicon.yaml (Art. 3 uses it too).
        consequence=re.compile(
            "|".join(f"(?:{m})" for m in load_lexicon()["consequence"]["markers"])
        ),
        consequence_factor=float(weighing["consequence"]["factor"]),
        aside_factor=float(weighing["aside"]["factor"]),
        excuse=_alternation(weighing["excuse"]["patterns"]),
        excuse_factor=float(weighing["excuse"]["factor"]),
        minor_after=_alternation(weighing["minor"]["after"]),
        minor_before=_alternation(weighing["minor"]["before"]),
        minor_factor=float(weighing["minor"]["factor"]),
        record_description=re.compile("|".join(weighing["record_description"]["patterns"])),
        record_description_factor=float(weighing["record_description"]["factor"]),
    )


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def department_directory() -> list[DepartmentInfo]:
    """The three receiving departments of Art. 9 with their names and complaint phones."""
    return list(_table().directory)


def _department_label(table: _Table, department: Department) -> str:
    for info in table.directory:
        if info.code == department:
            return f"{info.name}({info.phone})"
    return department.label  # pragma: no cover - every code is in the directory


def route(
    text: str,
    complainant: ComplainantKind = ComplainantKind.customer,
    category: Category | None = None,
) -> RoutingDecision:
    """Art. 9: the receiving department of a complaint, with the evidence for it."""
    table = _table()
    complainant = ComplainantKind(complainant)
    if complainant in table.complainants:
        department = table.complainants[complainant]
        return RoutingDecision(
            department,
            (
                f"Art. 9 会员投诉: 投诉人为{complainant.label}"
                f" → {_department_label(table, department)}",
            ),
        )

    body, framing = unframed(normalize(text))
    factor, discounted = _weigher(table, body)
    scores: dict[Department, float] = {}
    strongest: dict[Department, float] = {}
    evidence: dict[Department, list[str]] = {}
    lowered: dict[Department, list[str]] = {}
    for topic in table.topics:
        for weight, pattern in topic.cues:
            found = [
                (m.group(), factor(m.start(), m.end())) for m in pattern.finditer(body) if m.group()
            ]
            if not found:
                continue
            weighed = weight * max(f for _, f in found)
            scores[topic.department] = scores.get(topic.department, 0.0) + weighed
            strongest[topic.department] = max(strongest.get(topic.department, 0.0), weighed)
            for cue, f in found:
                if cue not in evidence.setdefault(topic.department, []):
                    evidence[topic.department].append(cue)
                if f < 1.0 and cue not in lowered.setdefault(topic.department, []):
                    lowered[topic.department].append(cue)
    if category is not None:
        for department, weight in table.category_prior.get(Category(category), {}).items():
            scores[department] = scores.get(department, 0.0) + weight

    labels = {topic.department: topic.label for topic in table.topics}
    member = Department.member_management
    if scores.get(member, 0.0) >= table.member_min_score:
        department = member
    elif any(score > 0 for d, score in scores.items() if d != member):
        best = max(score for d, score in scores.items() if d != member)
        department = next(d for d in table.tie_break if d != member and scores.get(d, 0.0) == best)
    else:
        department = table.default
        return RoutingDecision(
            department,
            (
                *_reading_notes(framing, discounted, []),
                "Art. 9 其它类投诉: 未命中会员事务或服务类线索"
                f" → {_department_label(table, department)}",
            ),
        )

    cues = "".join(f"「{cue}」" for cue in evidence.get(department, [])[:6])
    reasons = _reading_notes(framing, discounted, [c for cues in lowered.values() for c in cues])
    reasons += [
        f"Art. 9 {labels.get(department, department.label)}: 命中{cues or '(类别先验)'}"
        f" → {_department_label(table, department)}"
    ]
    others = [
        f"{d.label} {scores[d]:.1f}" for d in table.tie_break if d != department and scores.get(d)
    ]
    if others:
        reasons.append(_comparison(table, department, scores, others))
    general = Department.general_management
    named = department == general and strongest.get(general, 0.0) >= table.named_outright_weight
    return RoutingDecision(department, tuple(reasons), named_outright=named)


def _comparison(
    table: _Table, department: Department, scores: dict[Department, float], others: list[str]
) -> str:
    """Art. 9: what decided between the departments, in words a person can check.

    A member complaint is decided by the member cues reaching ``member_min_score`` (membership
    matters and a member institution's conduct come first, whoever else the story names), not
    by outscoring the others; otherwise the highest score decides, a tie by ``tie_break``, and
    a member score short of its threshold is named as such (it may be the highest)."""
    score = scores[department]
    member = Department.member_management
    if department == member:
        return (
            f"Art. 9 比较: {department.label} {score:.1f} 达到会员投诉门槛"
            f" {table.member_min_score:g}，会员事务或会员单位及其人员的行为优先"
            f"(其它部门得分不参与比较: {'、'.join(others)})"
        )
    rivals = [d for d in table.tie_break if d not in (department, member) and scores.get(d)]
    tied = [d for d in rivals if scores[d] == score]
    lower = "、".join(f"{d.label} {scores[d]:.1f}" for d in rivals if scores[d] < score)
    short = (
        f"；{member.label} {scores[member]:.1f} 未达会员投诉门槛 {table.member_min_score:g}"
        if scores.get(member)
        else ""
    )
    if tied:
        return (
            f"Art. 9 比较: {department.label} {score:.1f} 与{'、'.join(d.label for d in tied)}"
            f"同分，按顺序{'、'.join(d.label for d in table.tie_break)}取{department.label}"
            + (f"(其它: {lower})" if lower else "")
            + short
        )
    return (
        f"Art. 9 比较: {department.label} {score:.1f} 得分最高"
        + (f"，高于{lower}" if lower else "")
        + short
    )


_SENTENCE_END = re.compile(r"[。!?;！？；]")
_CLAUSE_END = re.compile(r"[,，。!?;！？；]")
_ASIDE = re.compile(r"\([^()]*\)|【[^【】]*】")


def _end_of(pattern: re.Pattern[str], body: str, position: int) -> int:
    found = pattern.search(body, position)
    return found.start() if found else len(body)


def _weigher(table: _Table, body: str) -> tuple[Callable[[int, int], float], list[str]]:
    """Art. 9 "投诉内容": the weight of a cue by where it stands, and the spans weighed less.

    A cited source ("公告称"), a consequence ("导致……" to the end of its sentence), an
    aside in brackets, a staff member's excuse (to the end of its clause) and what the
    complainant marks as secondary name something other than the subject of the complaint;
    so do the words describing which record is asked for, for a cue wholly inside them.
    """
    spans: list[tuple[int, int, float]] = []
    inner: list[tuple[int, int, float]] = []
    notes: list[str] = []
    for found in table.citation.finditer(body):
        spans.append((found.start(), found.end(), table.citation_factor))
        notes.append(f"引述「{found.group()}」")
    for found in table.consequence.finditer(body):
        end = _end_of(_SENTENCE_END, body, found.end())
        spans.append((found.end(), end, table.consequence_factor))
        notes.append(f"后果「{found.group()}」")
    for found in _ASIDE.finditer(body):
        spans.append((found.start(), found.end(), table.aside_factor))
        notes.append(f"括注「{found.group()}」")
    for found in table.excuse.finditer(body):
        end = _end_of(_CLAUSE_END, body, found.end())
        spans.append((found.end(), end, table.excuse_factor))
        notes.append(f"托辞「{body[found.start() : end]}」")
    for found in table.minor_after.finditer(body):
        end = _end_of(_SENTENCE_END, body, found.end())
        spans.append((found.start(), end, table.minor_factor))
        notes.append(f"次要「{body[found.start() : end]}」")
    for found in table.minor_before.finditer(body):
        starts = [m.end() for m in _SENTENCE_END.finditer(body, 0, found.start())]
        start = starts[-1] if starts else 0
        spans.append((start, found.end(), table.minor_factor))
        notes.append(f"次要「{body[start : found.end()]}」")
    for found in table.record_description.finditer(body):
        if found.group("description"):
            start, end = found.span("description")
            inner.append((start, end, table.record_description_factor))
            notes.append(f"所调档案的描述「{found.group('description')}」")

    def factor(position: int, stop: int) -> float:
        weights = [f for start, end, f in spans if start <= position < end]
        weights += [f for start, end, f in inner if start <= position and stop <= end]
        return min(weights, default=1.0)

    return factor, notes


def _reading_notes(framing: list[str], discounted: list[str], lowered: list[str]) -> list[str]:
    """Art. 9 reasons for what was not read as the subject of the complaint."""
    notes: list[str] = []
    if framing:
        said = "".join(f"「{span}」" for span in framing[:4])
        notes.append(f"Art. 3/9 受理渠道与接待记录不作为投诉内容: {said}")
    if lowered:
        said = "".join(f"「{cue}」" for cue in lowered[:6])
        where = "、".join(discounted[:4])
        notes.append(f"Art. 9 非投诉主题的线索权重降低{said}({where})")
    return notes

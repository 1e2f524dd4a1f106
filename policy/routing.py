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

``category`` may refine the table through an optional ``category_prior`` section (a score
added to a department for a category); the table shipped has none, because Art. 9 routes by
the *content* of a complaint, not by its Art. 3 category.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from policy.enums import Category, ComplainantKind, Department

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
    default: Department
    tie_break: tuple[Department, ...]
    category_prior: dict[Category, dict[Department, float]]


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
        default=Department(raw["default"]),
        tie_break=tuple(Department(code) for code in raw["tie_break"]),
        category_prior={
            Category(category): {Department(d): float(w) for d, w in priors.items()}
            for category, priors in (raw.get("category_prior") or {}).items()
        },
    )


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

    body = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()
    scores: dict[Department, float] = {}
    evidence: dict[Department, list[str]] = {}
    for topic in table.topics:
        for weight, pattern in topic.cues:
            found = [m.group() for m in pattern.finditer(body) if m.group()]
            if found:
                scores[topic.department] = scores.get(topic.department, 0.0) + weight
                for cue in found:
                    if cue not in evidence.setdefault(topic.department, []):
                        evidence[topic.department].append(cue)
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
                "Art. 9 其它类投诉: 未命中会员事务或服务类线索"
                f" → {_department_label(table, department)}",
            ),
        )

    cues = "".join(f"「{cue}」" for cue in evidence.get(department, [])[:6])
    reasons = [
        f"Art. 9 {labels.get(department, department.label)}: 命中{cues or '(类别先验)'}"
        f" → {_department_label(table, department)}"
    ]
    others = [
        f"{d.label} {scores[d]:.1f}" for d in table.tie_break if d != department and scores.get(d)
    ]
    if others:
        reasons.append(
            f"Art. 9 比较: {department.label} {scores[department]:.1f} 胜过 " + "、".join(others)
        )
    return RoutingDecision(department, tuple(reasons))

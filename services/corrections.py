"""Art. 3 / Art. 9 / Art. 4(3): what staff did with the system's classification suggestions.

At intake the system suggests a category, a department and a major flag; the receiving
staff member confirms or overrides each, and an override is recorded in the complaint's
first event (``received``: ``overrides``).  Here those records are read back:

* ``classification_outcomes``: per complaint, the suggestion made at intake and the labels
  it carries now (a later correction counts as well), and whether it is closed;
* ``override_rates``: per month of receipt and per field, how many suggestions were
  overridden, for the monitoring page;
* ``evaluate_classifier``: how today's classifier does on the overridden complaints and on
  the confirmed ones (closed without an override of that field), for
  ``complaints classify --evaluate-overrides``.

Nothing here changes the classifier: corrections reach it only through a reviewed, versioned
data file (``tests/data/classification_corrections.jsonl``) and a retraining
(``bench/train_classifier.py``) committed like any other change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models.complaint import Complaint, ComplaintEvent
from policy.enums import Category, Channel, ComplainantKind, Department, Stage

FIELDS = ("category", "department", "major")
FIELD_LABELS = {"category": "投诉类别", "department": "受理部门", "major": "重大投诉"}
_CLOSED = (Stage.closed, Stage.archived)


@dataclass(frozen=True)
class ClassificationOutcome:
    """One complaint: the suggestion at intake, the labels it carries now, and its state."""

    reference: str
    received_at: datetime
    content: str
    channel: Channel
    complainant: ComplainantKind
    amount: Decimal | None
    suggested: dict[str, Any]
    final: dict[str, Any]
    closed: bool

    def overridden(self, field: str) -> bool:
        """Whether staff changed this field's suggestion (at intake or later)."""
        final = self.final[field]
        return final is not None and final != self.suggested[field]

    @property
    def month(self) -> str:
        return self.received_at.strftime("%Y-%m")


def classification_outcomes(
    session: Session, *, since: datetime | None = None
) -> list[ClassificationOutcome]:
    """Every complaint received since ``since`` with its suggestion and its labels now."""
    query = select(Complaint).options(joinedload(Complaint.department)).order_by(Complaint.id)
    if since is not None:
        query = query.where(Complaint.received_at >= since)
    complaints = list(session.scalars(query))
    received = {
        event.complaint_id: event
        for event in session.scalars(
            select(ComplaintEvent).where(
                ComplaintEvent.kind == "received",
                ComplaintEvent.complaint_id.in_([c.id for c in complaints] or [0]),
            )
        )
    }
    outcomes: list[ClassificationOutcome] = []
    for complaint in complaints:
        event = received.get(complaint.id)
        overrides = (event.data.get("overrides") if event else None) or {}
        department_override = overrides.get("department") or {}
        suggested_department = Department(
            department_override.get("suggested") or complaint.department.code
        )
        outcomes.append(
            ClassificationOutcome(
                reference=complaint.reference,
                received_at=complaint.received_at,
                content=complaint.content,
                channel=complaint.channel,
                complainant=complaint.complainant_kind,
                amount=complaint.amount,
                suggested={
                    "category": Category(complaint.suggested_category),
                    "department": suggested_department,
                    "major": bool(complaint.suggested_major),
                },
                final={
                    "category": Category(complaint.category),
                    "department": Department(complaint.department.code),
                    "major": complaint.major,
                },
                closed=complaint.stage in _CLOSED,
            )
        )
    return outcomes


@dataclass(frozen=True)
class OverrideRate:
    """One month and field: suggestions made, and how many staff overrode."""

    month: str
    field: str
    suggestions: int
    overridden: int

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.field]

    @property
    def rate(self) -> float:
        return self.overridden / self.suggestions if self.suggestions else 0.0


def override_rates(outcomes: Iterable[ClassificationOutcome]) -> list[OverrideRate]:
    """Per month of receipt (newest first) and field, the share of suggestions overridden."""
    counts: dict[tuple[str, str], list[int]] = {}
    for outcome in outcomes:
        for field in FIELDS:
            tally = counts.setdefault((outcome.month, field), [0, 0])
            tally[0] += 1
            tally[1] += outcome.overridden(field)
    return [
        OverrideRate(month, field, made, changed)
        for (month, field), (made, changed) in sorted(
            counts.items(), key=lambda item: (item[0][0], FIELDS.index(item[0][1])), reverse=False
        )
    ][::-1]


Classifier = Callable[[ClassificationOutcome], dict[str, Any]]


def evaluate_classifier(
    outcomes: Iterable[ClassificationOutcome], classifier: Classifier
) -> dict[str, Any]:
    """Today's classifier against the labels staff gave, per field.

    ``overridden``: complaints whose suggestion for the field staff changed (the staff label
    is the truth); ``confirmed``: closed complaints whose suggestion for the field staff kept.
    Open complaints without an override are not yet confirmed and are left out.  The
    references of the overridden complaints are listed for the reviewers who turn them into
    the corrections data file.
    """
    report: dict[str, Any] = {
        field: {
            "overridden": {"items": 0, "correct": 0},
            "confirmed": {"items": 0, "correct": 0},
        }
        for field in FIELDS
    }
    to_review: list[str] = []
    for outcome in outcomes:
        answer: dict[str, Any] | None = None
        for field in FIELDS:
            if outcome.overridden(field):
                group = "overridden"
            elif outcome.closed and outcome.final[field] is not None:
                group = "confirmed"
            else:
                continue
            answer = answer or classifier(outcome)
            tally = report[field][group]
            tally["items"] += 1
            tally["correct"] += answer[field] == outcome.final[field]
            if group == "overridden" and outcome.reference not in to_review:
                to_review.append(outcome.reference)
    for field in FIELDS:
        for tally in report[field].values():
            tally["accuracy"] = (
                round(tally["correct"] / tally["items"], 3) if tally["items"] else None
            )
    return {"fields": report, "overridden_references": to_review}

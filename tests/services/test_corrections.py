"""Art. 3/9/4(3): what staff did with the classification suggestions, read back."""

from __future__ import annotations

from policy.enums import Category, Department, Stage
from services.corrections import classification_outcomes, evaluate_classifier, override_rates
from tests.models.factories import make_complaint

STORY = "客户经理推荐产品时说保本保息，现在亏了一半，要求赔偿。"


def test_an_override_at_intake_is_read_back_per_field(session, settings) -> None:
    kept = make_complaint(session, settings)
    changed = make_complaint(
        session,
        settings,
        content=STORY,
        category=Category.efficiency,
        department=Department.general_management,
    )
    session.commit()
    outcomes = {o.reference: o for o in classification_outcomes(session)}
    assert not any(outcomes[kept.reference].overridden(f) for f in ("category", "department"))
    moved = outcomes[changed.reference]
    assert moved.overridden("category") and moved.overridden("department")
    assert moved.suggested["category"] == changed.suggested_category
    assert moved.final["department"] == Department.general_management


def test_override_rates_count_each_field_per_month(session, settings) -> None:
    make_complaint(session, settings)
    make_complaint(session, settings, content=STORY, category=Category.service_attitude)
    session.commit()
    rates = {r.field: r for r in override_rates(classification_outcomes(session))}
    assert (rates["category"].suggestions, rates["category"].overridden) == (2, 1)
    assert rates["category"].rate == 0.5
    assert rates["department"].overridden == 0


def test_evaluation_splits_overridden_from_confirmed_and_leaves_open_ones_out(
    session, settings
) -> None:
    confirmed = make_complaint(session, settings)
    confirmed.stage = Stage.closed
    make_complaint(session, settings)  # open, not overridden: not yet confirmed
    overridden = make_complaint(
        session, settings, content=STORY, category=Category.service_attitude
    )
    session.commit()

    def classifier(outcome):  # type: ignore[no-untyped-def]
        return dict(outcome.suggested)  # today's classifier says what intake said

    report = evaluate_classifier(classification_outcomes(session), classifier)
    category = report["fields"]["category"]
    assert category["overridden"] == {"items": 1, "correct": 0, "accuracy": 0.0}
    assert category["confirmed"] == {"items": 1, "correct": 1, "accuracy": 1.0}
    assert report["overridden_references"] == [overridden.reference]

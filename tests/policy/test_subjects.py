"""The subject and the demand (Art. 4 回避, Art. 8): suggested from the text; who stays away."""

from __future__ import annotations

import pytest

from policy.lifecycle import Step
from policy.subjects import Demand, conflict_as_actor, conflict_as_handler, suggest_demand


@pytest.mark.parametrize(
    ("text", "demand"),
    [
        ("理财亏了三万，要求公司赔偿全部损失", Demand.compensation),
        ("多扣的手续费请退款", Demand.refund),
        ("客服态度恶劣，要求当面道歉", Demand.apology),
        ("账户信息登记错了，请尽快更正", Demand.correction),
        ("请解释为什么赎回这么慢", Demand.explanation),
        ("赎回款半个月还没到账", None),
    ],
)
def test_the_demand_is_suggested_from_keywords_in_the_text(
    text: str, demand: Demand | None
) -> None:
    assert suggest_demand(text) is demand


def test_compensation_wins_over_refund_when_both_are_asked() -> None:
    assert suggest_demand("退款之外还要赔偿利息损失") is Demand.compensation


def test_art4_the_person_complained_about_takes_no_handling_review_or_customer_answer() -> None:
    for step in (Step.handling, Step.leadership_review, Step.customer_confirmation, Step.feedback):
        assert "回避" in (conflict_as_actor(step, actor_id=7, subject_user_id=7) or "")
        assert conflict_as_actor(step, actor_id=8, subject_user_id=7) is None
        assert conflict_as_actor(step, actor_id=7, subject_user_id=None) is None
    assert conflict_as_actor(Step.written_record, actor_id=7, subject_user_id=7) is None
    assert "回避" in (conflict_as_handler(handler_id=7, subject_user_id=7) or "")
    assert conflict_as_handler(handler_id=8, subject_user_id=7) is None

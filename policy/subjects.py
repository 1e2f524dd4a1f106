"""Who or what a complaint is about, and what the customer asks for: the rules.

Art. 8 counts complaints against those complained about (被投诉部门/人员/会员机构/产品), not
against those who receive them; Art. 4 (处理, 回避) keeps the person complained about away
from the case: they are never its handler, never verify, record the customer's answer or
review it, and are not shown who complained (Art. 2(5)).

The customer's demand (客户诉求) is one of a closed set with a free-text note; the system
suggests it from the complaint's text (keywords), staff confirm or change it. The department
the complaint is routed to handles it and is not, by that, the department complained about.
"""

from __future__ import annotations

from enum import StrEnum

from policy.lifecycle import Step

# The longest free text of a subject or a demand's note.
MAX_SUBJECT_TEXT = 200
MAX_DEMAND_NOTE = 500


class Demand(StrEnum):
    """What the customer asks for (客户诉求)."""

    compensation = "compensation"
    refund = "refund"
    apology = "apology"
    explanation = "explanation"
    correction = "correction"
    other = "other"

    @property
    def label(self) -> str:
        return {
            "compensation": "赔偿",
            "refund": "退款",
            "apology": "道歉",
            "explanation": "解释说明",
            "correction": "更正/纠正",
            "other": "其他",
        }[self.value]


# Keywords of each demand, checked in this order (the first demand with a keyword wins:
# compensation before refund, since 赔偿 usually comes with money back).
DEMAND_KEYWORDS: tuple[tuple[Demand, tuple[str, ...]], ...] = (
    (Demand.compensation, ("赔偿", "赔付", "补偿", "损失", "赔钱")),
    (Demand.refund, ("退款", "退钱", "退还", "返还", "退费", "退回")),
    (Demand.apology, ("道歉", "致歉", "赔礼", "说法")),
    (Demand.correction, ("更正", "纠正", "改正", "撤销", "恢复", "修改")),
    (Demand.explanation, ("解释", "说明", "给个答复", "为什么", "原因")),
)


def suggest_demand(text: str) -> Demand | None:
    """The demand the complaint's text suggests, or None when no keyword is in it."""
    for demand, keywords in DEMAND_KEYWORDS:
        if any(keyword in text for keyword in keywords):
            return demand
    return None


# Art. 4 回避: the steps the person complained about may not take. The assignment and
# leadership's instruction may not name them as handler (``conflict_as_handler``).
CONFLICTED_STEPS = frozenset(
    {Step.handling, Step.customer_confirmation, Step.feedback, Step.leadership_review}
)


def conflict_as_actor(step: Step, *, actor_id: int, subject_user_id: int | None) -> str | None:
    """Why the actor may not take ``step`` (they are complained about), or None."""
    if subject_user_id is None or actor_id != subject_user_id or step not in CONFLICTED_STEPS:
        return None
    return (
        f"您是本投诉的被投诉人员，应当回避，不能进行「{step.label}」"
        "（第四条 投诉处理，回避；第八条）"
    )


def conflict_as_handler(*, handler_id: int, subject_user_id: int | None) -> str | None:
    """Why this person may not be the complaint's handler (they are complained about), or None."""
    if subject_user_id is None or handler_id != subject_user_id:
        return None
    return "被投诉人员应当回避，不能被安排跟进本投诉（第四条 投诉处理，回避）"

"""What each human step takes when resumed from the Prefect UI (the staff app is the first way in).

Field titles and descriptions are what ops and leadership read in the UI's resume form. The
staff app resumes with the decision fields and the acting username only: the texts it saves in
the app database and never sends to Prefect (Art. 2(5)). Free text typed here is stored by
Prefect, so the forms ask for no customer data.
"""

from __future__ import annotations

from datetime import datetime

from prefect.input import RunInput
from pydantic import Field

from policy.enums import Department
from policy.lifecycle import Step

NO_PERSONAL_DATA = "请勿填写客户姓名、电话、证件号等个人信息；详细内容请在员工系统中填写。"


def _operator() -> str:
    return Field(  # type: ignore[no-any-return]
        title="操作人用户名",
        description="在员工系统中的用户名；系统据此核对其角色与部门（第五条第四项）。",
        min_length=1,
        max_length=64,
    )


def _note(title: str) -> str | None:
    return Field(  # type: ignore[no-any-return]
        default=None, title=title, description=NO_PERSONAL_DATA, max_length=2000
    )


class WrittenRecordInput(RunInput):
    """第四条：24小时内将处理过程形成文字记录交部门经理。"""

    operator: str = _operator()
    text: str | None = _note("文字记录")


class AssignmentInput(RunInput):
    """第四条第一项：部门经理安排相关人员跟进；本部门无法处理的，移交相关部门。"""

    operator: str = _operator()
    handler: str | None = Field(
        default=None, title="跟进人员用户名", description="与“移交部门”二选一", max_length=64
    )
    transfer_to_department: Department | None = Field(
        default=None, title="移交部门", description="本部门无法处理时选择接收部门"
    )
    reason: str | None = _note("说明或移交原因")


class MajorDecisionInput(RunInput):
    """第四条第三项：区分是否为重大客户投诉事件。"""

    operator: str = _operator()
    major: bool = Field(title="是否重大投诉", description="重大投诉须报告公司领导研究处理")
    reason: str | None = _note("认定理由")


class HandlingInput(RunInput):
    """第二条第二项、第四条第二项：核实是否属实，提出解决方案。"""

    operator: str = _operator()
    founded: bool = Field(title="投诉是否属实", description="核实调查的结论")
    evidence: str | None = _note("核实情况及依据")
    solution: str | None = _note("处理方案")
    promised_reply_at: datetime | None = Field(
        default=None, title="新的承诺回复时间", description="如需延长回复时间请填写"
    )


class LeadershipReviewInput(RunInput):
    """第四条第三项：重大投诉报告公司领导研究处理。"""

    operator: str = _operator()
    approved: bool = Field(title="同意处理方案", description="不同意则退回重新处理，并写明要求")
    comment: str | None = _note("领导意见")


class CustomerConfirmationInput(RunInput):
    """第四条第二项：如果不属实，请客户确认。"""

    operator: str = _operator()
    confirmed: bool = Field(title="客户确认核实结果", description="客户不认可则退回重新核实")
    note: str | None = _note("客户意见")


class FeedbackInput(RunInput):
    """第四条第二项：解决后征询客户反馈意见。"""

    operator: str = _operator()
    satisfied: bool = Field(title="客户是否满意", description="不满意将退回重新处理")
    comment: str | None = _note("客户反馈")


STEP_INPUTS: dict[Step, type[RunInput]] = {
    Step.written_record: WrittenRecordInput,
    Step.assignment: AssignmentInput,
    Step.major_decision: MajorDecisionInput,
    Step.handling: HandlingInput,
    Step.leadership_review: LeadershipReviewInput,
    Step.customer_confirmation: CustomerConfirmationInput,
    Step.feedback: FeedbackInput,
}

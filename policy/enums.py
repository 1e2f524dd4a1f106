"""Closed sets of the regulation, defined once and imported everywhere.

Values are the stable English codes used in the database, the API and the CLI;
``label`` gives the Chinese term shown to staff.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """Art. 3: the complaint channels (投诉渠道): the regulation's four, and a transfer from
    company leadership or another department, recorded as a channel of its own."""

    phone = "phone"
    sales_manager = "sales_manager"
    regulator_transfer = "regulator_transfer"
    onsite = "onsite"
    internal_transfer = "internal_transfer"

    @property
    def label(self) -> str:
        return {
            "phone": "电话投诉",
            "sales_manager": "向销售经理投诉",
            "regulator_transfer": "行政监管部门转办",
            "onsite": "现场投诉",
            "internal_transfer": "公司领导或其他部门转办",
        }[self.value]


class ComplainantKind(StrEnum):
    """Art. 9: a complaint comes from a customer or from a member institution (会员)."""

    customer = "customer"
    member = "member"

    @property
    def label(self) -> str:
        return {"customer": "客户", "member": "会员机构"}[self.value]


class Category(StrEnum):
    """Art. 3: the four complaint categories (投诉类别)."""

    service_attitude = "service_attitude"
    efficiency = "efficiency"
    business_error = "business_error"
    violation = "violation"

    @property
    def label(self) -> str:
        return {
            "service_attitude": "服务态度类",
            "efficiency": "办事效率类",
            "business_error": "业务差错类",
            "violation": "违规操作类",
        }[self.value]


class Department(StrEnum):
    """Art. 9: the three receiving departments (受理部门)."""

    member_management = "member_management"
    wealth_center = "wealth_center"
    general_management = "general_management"

    @property
    def label(self) -> str:
        return {
            "member_management": "会员管理部",
            "wealth_center": "财富中心",
            "general_management": "综合管理部",
        }[self.value]


class Role(StrEnum):
    """Art. 5(4): who may do what (权限划分)."""

    staff = "staff"
    manager = "manager"
    leadership = "leadership"
    compliance = "compliance"
    admin = "admin"

    @property
    def label(self) -> str:
        return {
            "staff": "员工",
            "manager": "部门经理",
            "leadership": "公司领导",
            "compliance": "合规",
            "admin": "系统管理员",
        }[self.value]


class Stage(StrEnum):
    """Where a complaint stands in its lifecycle; a waiting stage names the step awaited."""

    received = "received"
    awaiting_written_record = "awaiting_written_record"
    awaiting_assignment = "awaiting_assignment"
    awaiting_major_decision = "awaiting_major_decision"
    awaiting_leadership_instruction = "awaiting_leadership_instruction"
    awaiting_leadership_review = "awaiting_leadership_review"
    awaiting_handling = "awaiting_handling"
    awaiting_customer_confirmation = "awaiting_customer_confirmation"
    awaiting_feedback = "awaiting_feedback"
    awaiting_leadership_decision = "awaiting_leadership_decision"
    closed = "closed"
    archived = "archived"

    @property
    def label(self) -> str:
        return {
            "received": "已受理",
            "awaiting_written_record": "待提交文字记录",
            "awaiting_assignment": "待部门经理安排",
            "awaiting_major_decision": "待认定是否重大投诉",
            "awaiting_leadership_instruction": "待公司领导研究处理",
            "awaiting_leadership_review": "待公司领导审阅",
            "awaiting_handling": "待核实处理",
            "awaiting_customer_confirmation": "待客户确认",
            "awaiting_feedback": "待客户反馈",
            "awaiting_leadership_decision": "待公司领导决定",
            "closed": "已办结",
            "archived": "已归档",
        }[self.value]


class DeadlineKind(StrEnum):
    """Art. 4 and Art. 7: the time limits the system watches."""

    written_record = "written_record"
    reply = "reply"
    assignment = "assignment"
    major_decision = "major_decision"
    leadership_instruction = "leadership_instruction"
    instructed_handling = "instructed_handling"
    leadership_review = "leadership_review"
    reopened_handling = "reopened_handling"
    customer_confirmation = "customer_confirmation"
    feedback = "feedback"
    leadership_decision = "leadership_decision"

    @property
    def label(self) -> str:
        return {
            "written_record": "24小时文字记录",
            "reply": "承诺回复时间",
            "assignment": "部门经理安排跟进",
            "major_decision": "认定是否重大投诉",
            "leadership_instruction": "公司领导研究处理",
            "instructed_handling": "领导指定的处理时限",
            "leadership_review": "领导审阅",
            "reopened_handling": "重新处理",
            "customer_confirmation": "请客户确认核实结果",
            "feedback": "征询客户反馈意见",
            "leadership_decision": "公司领导决定再处理或办结",
        }[self.value]


class DeadlineStatus(StrEnum):
    open = "open"
    met = "met"
    breached = "breached"
    cancelled = "cancelled"


class NotificationStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"

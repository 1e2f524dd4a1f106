"""The complaint log's events (投诉处理记录), by their Chinese names: one vocabulary for the staff
app's timeline and the masked timeline ops read in the Prefect UI."""

from __future__ import annotations

EVENT_LABELS: dict[str, str] = {
    "received": "受理登记",
    "written_record_submitted": "提交文字记录",
    "transferred": "移交部门",
    "handler_assigned": "安排跟进人员",
    "major_decided": "认定是否重大投诉",
    "leadership_instructed": "公司领导研究处理",
    "handling_recorded": "核实与处理",
    "leadership_reviewed": "公司领导审阅",
    "customer_confirmation": "客户确认核实结果",
    "customer_feedback": "客户反馈意见",
    "deadline_warning": "时限即将届满提醒",
    "deadline_breached": "超过时限",
    "handling_form_generated": "生成投诉处理表",
    "handling_form_archived": "投诉处理表归档",
    "archived": "归档",
    "notification_sent": "通知已发送",
    "notification_failed": "通知发送失败",
    "notification_resend": "通知重新排队发送",
    "step_via_prefect_ui": "经 Prefect 界面办理",
    "customer_contacted": "联系客户",
    "reply_extension_requested": "申请延期答复",
    "reply_extension_decided": "审批延期答复",
    "breach_finding": "合规认定超时责任",
    "closed_early": "提前办结",
    "evidence_attached": "上传证据材料",
    "leadership_decided": "公司领导决定再次处理",
    "channel_details_recorded": "登记投诉渠道信息",
    "regulator_reply_recorded": "登记回复监管部门",
}


def event_label(kind: str) -> str:
    """The Chinese name of an event kind; an unknown kind is shown as it is."""
    return EVENT_LABELS.get(kind, kind)

"""`complaints demo`: a small, idempotent demonstration set-up.

The demonstration accounts share one published password; they exist only when an operator
runs this command, never by default.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from config.settings import Settings
from models.db import session_scope, utcnow
from policy.enums import Channel, ComplainantKind, Department, Role
from services.channels import ChannelDetailsInput
from services.directory import add_user, user_by_username
from services.intake import ComplaintIntake, register_complaint
from services.setup import prepare_database

DEMO_PASSWORD = "demo-password"

# (username, display name, role, department, superior)
DEMO_USERS: list[tuple[str, str, Role, Department | None, str | None]] = [
    ("admin", "系统管理员", Role.admin, None, None),
    ("leader", "王总", Role.leadership, None, None),
    ("compliance", "合规专员", Role.compliance, None, "leader"),
    ("mgr_member", "会员管理部经理", Role.manager, Department.member_management, "leader"),
    ("mgr_wealth", "财富中心经理", Role.manager, Department.wealth_center, "leader"),
    ("mgr_general", "综合管理部经理", Role.manager, Department.general_management, "leader"),
    ("staff_member", "会员部专员", Role.staff, Department.member_management, "mgr_member"),
    ("staff_wealth", "财富中心客服", Role.staff, Department.wealth_center, "mgr_wealth"),
    ("staff_general", "综合部前台", Role.staff, Department.general_management, "mgr_general"),
]

# (owner, channel, complainant, name, phone, product, amount, content)
DEMO_COMPLAINTS: list[
    tuple[str, Channel, ComplainantKind, str, str, str | None, Decimal | None, str]
] = [
    (
        "staff_wealth",
        Channel.phone,
        ComplainantKind.customer,
        "张先生",
        "13800001234",
        "稳盈1号",
        Decimal("50000"),
        "赎回申请提交半个月了钱还没到账，打了三次客服电话都说在处理，一直没有结果。",
    ),
    (
        "staff_wealth",
        Channel.onsite,
        ComplainantKind.customer,
        "李女士",
        "13900005678",
        "安享3号",
        None,
        "来现场咨询产品，柜台工作人员爱答不理，问了两遍就不耐烦，让我自己看说明书。",
    ),
    (
        "staff_member",
        Channel.sales_manager,
        ComplainantKind.member,
        "某某资产管理有限公司",
        "02887654321",
        None,
        None,
        "我公司年审材料上周已提交，会员管理部至今未反馈审核意见，影响业务开展。",
    ),
    (
        "staff_general",
        Channel.regulator_transfer,
        ComplainantKind.customer,
        "赵先生",
        "13700009876",
        "收益权转让项目",
        Decimal("1200000"),
        "经四川监管局转办：投资者反映销售人员未经其同意代其签署风险测评，并承诺保本，"
        "涉及金额120万元，投资者表示将向媒体曝光。",
    ),
]


def _demo_details(channel: Channel, received_at: datetime) -> ChannelDetailsInput | None:
    """The sample's channel details: the regulator's deadline, earlier than the promise, caps it."""
    if channel is Channel.regulator_transfer:
        return ChannelDetailsInput(
            transferring_body="四川证监局",
            document_number="川证监投转〔2026〕15号",
            regulator_reply_due=received_at + timedelta(days=10),
        )
    if channel is Channel.onsite:
        return ChannelDetailsInput(reception_place="客户接待室")
    return None


def seed_demo(settings: Settings) -> Iterator[str]:
    """Create what is missing and say what exists; safe to run again."""
    url = settings.effective_database_url
    prepare_database(url)
    now = utcnow()
    with session_scope(url) as session:
        created = 0
        for username, display, role, department, superior in DEMO_USERS:
            if user_by_username(session, username) is None:
                add_user(
                    session,
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                    display_name=display,
                    department=department,
                    superior=superior,
                    email=f"{username}@scfae.example",
                )
                created += 1
        yield f"demo users: {len(DEMO_USERS)} ({created} new), password {DEMO_PASSWORD!r}"
        if created == 0:
            yield "sample complaints already seeded"
            return
        for offset, (owner, channel, kind, name, phone, product, amount, content) in enumerate(
            DEMO_COMPLAINTS
        ):
            received_at = now - timedelta(minutes=30 * (offset + 1))
            complaint = register_complaint(
                session,
                intake=ComplaintIntake(
                    channel=channel,
                    complainant=kind,
                    customer_name=name,
                    customer_phone=phone,
                    content=content,
                    received_at=received_at,
                    product=product,
                    amount=amount,
                    member_institution=name if kind is ComplainantKind.member else None,
                    promised_reply_at=received_at + timedelta(days=15),
                    channel_details=_demo_details(channel, received_at),
                ),
                owner=user_by_username(session, owner),  # type: ignore[arg-type]
                now=now,
                settings=settings,
            )
            yield (
                f"complaint {complaint.reference}: {complaint.category.value} → "
                f"{complaint.department.code.value}"
            )

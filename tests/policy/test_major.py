"""Art. 4(3) and docs/regulation.md: when a complaint is suggested as major (重大客户投诉)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policy.classification import classify_by_rules
from policy.enums import Category, Channel
from policy.major import MajorSuggestion, amounts_in_text, normalize, suggest_major, unframed


def major(text: str, **kwargs: object) -> MajorSuggestion:
    kwargs.setdefault("channel", Channel.phone)
    kwargs.setdefault("category", Category.efficiency)
    kwargs.setdefault("amount", None)
    return suggest_major(text=text, **kwargs)  # type: ignore[arg-type]


# --- violation touching funds, signatures, suitability or personal data ------------------


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("客户经理私自把我的收益转到了别人的账户。", "客户资金"),
        ("合同上的签名不是我签的，是员工代签的。", "签字"),
        ("风险测评是业务员替我做的，给我卖了高风险产品。", "适当性"),
        ("你们员工把我的身份证号和电话泄露给了别人。", "个人信息"),
    ],
)
def test_violation_touching_a_protected_subject_is_major(text: str, subject: str) -> None:
    suggestion = major(text, category=Category.violation)
    assert suggestion.major is True
    assert any(subject in r for r in suggestion.reasons)


def test_violation_without_such_a_subject_is_not_major() -> None:
    suggestion = major(
        "员工上班时间在大厅发外部公司的传单，这不合规。", category=Category.violation
    )
    assert suggestion.major is False


def test_the_same_subject_outside_a_violation_is_not_major_by_itself() -> None:
    assert major("收益到账晚了两天。", category=Category.efficiency).major is False


# --- threats of litigation, media exposure, petitioning -----------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("再不兑付我就去法院起诉你们。", "诉讼"),
        ("我已经请了律师，准备打官司。", "诉讼"),
        ("你们这样对客户，我要找记者曝光。", "媒体"),
        ("不解决我就发到网上让大家评评理。", "媒体"),
        ("再拖下去我就去信访办上访。", "信访"),
    ],
)
def test_threat_of_litigation_media_or_petition_is_major(text: str, label: str) -> None:
    suggestion = major(text)
    assert suggestion.major is True
    assert any(label in r for r in suggestion.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "我不会去找什么媒体，就是想反映一下。",
        "暂时不考虑找律师，只希望给个准确时间。",
        "我不打算投诉到监管那去，把卡改回来就行。",
    ],
)
def test_a_disclaimed_threat_is_not_major(text: str) -> None:
    assert major(text).major is False


# --- group complaints ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "今天五位投资者一起来反映收益晚发。",
        "多名投资者联名投诉兑付延期。",
        "我们十几个客户的产品都出了问题。",
        "七八位持有同一期产品的客户约好一起来问。",
        "十余名投资者反映兑付款算少了。",
        "四位老年投资者今天来反映说明会上的事。",
        "我们二十几个投资人都没收到兑付款。",
    ],
)
def test_group_complaint_is_major(text: str) -> None:
    suggestion = major(text)
    assert suggestion.major is True
    assert any("群体投诉" in r for r in suggestion.reasons)


def test_two_people_or_one_person_is_not_a_group() -> None:
    assert major("发票金额开成了两个人的。").major is False
    assert major("把我一个人晾在那。").major is False
    assert major("我和老伴是一起来办的。").major is False


def test_bystanders_are_not_a_group_of_complainants() -> None:
    assert major("经理当众训我，引得旁边几个客户都笑了。").major is False
    assert major("周围的五六个客户都在看着。").major is False


@pytest.mark.parametrize(
    "text",
    [
        "其取号后等了半小时仍未轮到办理，大厅内十多名客户在等待，不少老人也耐不住性子。",
        "前面还有二十多位客户排队，窗口只开了一个。",
        "大厅里坐满了等着办业务的人，七八名客户在排队等候。",
    ],
)
def test_other_customers_waiting_in_the_hall_are_not_a_group_of_complainants(text: str) -> None:
    """Art. 4(3): a group complaint needs several complainants; customers waiting their
    turn in the same hall are the setting of one customer's complaint."""
    assert major(text).major is False


@pytest.mark.parametrize(
    "text",
    [
        "我从法院公告里看到项目方被起诉了。",
        "评估报告和法院公告中的资产状况不一致。",
    ],
)
def test_a_lawsuit_against_someone_else_is_not_a_litigation_threat(text: str) -> None:
    assert major(text).major is False


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("客户经理让我把五万转到他微信上。", "客户资金"),
        ("签字不是我的笔迹。", "签字"),
        ("讲师说产品跟存银行一样，一定能拿回来。", "适当性"),
        ("员工把我的资料提供给了外部机构。", "个人信息"),
    ],
)
def test_violation_subjects_described_in_other_words_are_found(text: str, subject: str) -> None:
    suggestion = major(text, category=Category.violation)
    assert suggestion.major is True
    assert any(subject in r for r in suggestion.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "员工在大厅里拉客户加他私人微信。",
        "承销份额没有公示分配规则。",
        "席位转让没有公示就批准了。",
    ],
)
def test_a_violation_not_touching_funds_is_not_major(text: str) -> None:
    assert major(text, category=Category.violation).major is False


# --- the protected subject must be at stake, not merely named ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # Money words in passing: a return mentioned, a product's name, a question asked.
        "员工在大厅推销外部理财，说收益比这里高，我没有买。",
        "打电话问收益时客服顺手推销他自己卖的保险，这合规吗？",
        "收益权项目的风险提示公告被擅自从官网撤下了。",
        # An elderly person mentioned, not sold to.
        "员工在大厅给老人发外面公司的传单。",
        # A signature named, not forged; contact details left with the front desk.
        "审核人员没有回避，审核意见上还有他的签名。",
        "审核人员违规没有回避，我把联系方式留给了你们前台。",
    ],
)
def test_a_protected_subject_named_in_passing_is_not_at_stake(text: str) -> None:
    assert major(text, category=Category.violation).major is False


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        # The customer's money moved, taken or dealt with behind their back.
        ("客户经理把我的到期本金转投到了另一个项目。", "客户资金"),
        ("员工私自操作我的账户，赎回了全部份额。", "客户资金"),
        ("业务员收了我两万元现金说替我认购，系统里却查不到。", "客户资金"),
        ("他让我把认购款转到他妻子的银行卡上。", "客户资金"),
        ("我从没申请过转让，持有的份额却被挂出去卖了，要求恢复份额。", "客户资金"),
        # A signature or seal that is not the customer's, or given on blank pages.
        ("这份转让申请上的名字不是我写的。", "签字"),
        ("经理说先帮你签了，回头再给你看。", "签字"),
        ("让我在几张空白的表格上先签字。", "签字"),
        ("我签字的时候金额那栏还空着没填。", "签字"),
        # Suitability: an elderly customer sold a risky product.
        ("给七十多岁的退休老人推荐了风险最高的产品。", "适当性"),
        # Personal data passed on, or left for anyone to see.
        ("我的手机号被员工给了一家贷款中介。", "个人信息"),
        ("柜台把客户的身份证复印件摊在台面上，谁路过都能看到。", "个人信息"),
    ],
)
def test_a_protected_subject_at_stake_in_a_violation_is_major(text: str, subject: str) -> None:
    suggestion = major(text, category=Category.violation)
    assert suggestion.major is True
    assert any(subject in r for r in suggestion.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "规则写明公示满二十个工作日，可第十二个工作日就由另一家会员成交了。",
        "他们单位派了五个人来参加培训，会务人员一直板着脸。",
    ],
)
def test_a_count_of_days_or_of_attendees_is_not_a_group_complaint(text: str) -> None:
    assert major(text).major is False


def test_art4_3_a_petition_office_transferring_the_complaint_is_not_a_petition_threat() -> None:
    suggestion = major(
        "经省信访局转办：投诉人反映赎回款晚到了三天。", channel=Channel.regulator_transfer
    )
    assert suggestion.major is False
    assert any("本身不构成重大投诉" in r for r in suggestion.reasons)


def test_the_staff_members_intake_note_is_not_a_protected_subject() -> None:
    text = "现场记录：审核人员未申报回避就参与了核查。已请其稍候，留存联系方式和身份证号。"
    assert major(text, category=Category.violation).major is False


# --- amount at or above the threshold -------------------------------------------------------


def test_amount_at_the_threshold_is_major() -> None:
    assert major("兑付晚了三天。", amount=Decimal("1000000")).major is True


def test_amount_below_the_threshold_is_not_major() -> None:
    assert major("兑付晚了三天。", amount=Decimal("999999.99")).major is False


@pytest.mark.parametrize("text", ["我投了200万", "损失1,500,000元", "一百二十万的产品", "1.5亿"])
def test_amount_written_in_the_text_counts(text: str) -> None:
    suggestion = major(text)
    assert suggestion.major is True
    assert any("文中金额" in r for r in suggestion.reasons)


def test_the_threshold_can_be_set() -> None:
    assert major("五十万元的产品延期了。").major is False
    assert major("五十万元的产品延期了。", threshold=Decimal("500000")).major is True


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("200万", [Decimal("2000000")]),
        ("五十万元", [Decimal("500000")]),
        ("1,500,000元", [Decimal("1500000")]),
        ("一百二十万", [Decimal("1200000")]),
        ("两百万", [Decimal("2000000")]),
        ("100多万", [Decimal("1000000")]),
        ("人民币150万元", [Decimal("1500000")]),
        ("三千块", [Decimal("3000")]),
        ("１５０万", [Decimal("1500000")]),
        ("损失不到100万", []),
        ("电话028-85323543，2024年3月5日，年化6%", []),
    ],
)
def test_amounts_in_text_reads_arabic_and_chinese_numerals(
    text: str, amounts: list[Decimal]
) -> None:
    assert amounts_in_text(text) == amounts


# --- Art. 4(3) regulator transfers ----------------------------------------------------------


def test_art4_3_regulator_transfer_alone_is_not_major() -> None:
    suggestion = major(
        "经四川金融监管局转办：投诉人反映赎回款晚到账两天，请核实并答复。",
        channel=Channel.regulator_transfer,
    )
    assert suggestion.major is False
    assert any("Art. 4(3)" in r and "本身不构成重大投诉" in r for r in suggestion.reasons)


def test_art4_3_regulator_transfer_carrying_a_litigation_threat_is_major() -> None:
    suggestion = major(
        "经四川金融监管局转办：投诉人称如月底前仍未兑付，将委托律师提起诉讼。",
        channel=Channel.regulator_transfer,
    )
    assert suggestion.major is True
    assert any("Art. 4(3)" in r and "报公司领导" in r for r in suggestion.reasons)


def test_nothing_found_says_so() -> None:
    suggestion = major("收益到账晚了一天。")
    assert suggestion.major is False
    assert suggestion.reasons


@pytest.mark.parametrize(
    "text",
    [
        "我也没想闹到法院，就是问问什么时候能到账。",
        "不打算找报社曝光，给个说法就行。",
        "更不会上电视曝光，只是心里不舒服。",
    ],
)
def test_a_disclaimer_covers_every_threat_it_names(text: str) -> None:
    assert major(text).major is False


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("交易所没通知我们，就从缴存的保证金里扣划了二十万。", "客户资金"),
        ("我没签过任何指令，款却被划入一个陌生人名下的账户。", "客户资金"),
        ("客户经理把客户名单发给朋友做推销，外面的人叫得出我的全名。", "个人信息"),
    ],
)
def test_funds_taken_or_misdirected_and_data_handed_out_are_at_stake(
    text: str, subject: str
) -> None:
    suggestion = suggest_major(text=text, category=Category.violation)
    assert suggestion.major is True
    assert any(subject in r for r in suggestion.reasons)


# --- Art. 3 clarified, and exposure online ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "柜员当众把现金摔在桌上，现场视频已经在网上传播了。",
        "我把当时的录像上传到社交平台了，大家都看得到。",
        "这件事已经上了热搜，你们看着办。",
    ],
)
def test_exposure_online_is_media_exposure(text: str) -> None:
    result = suggest_major(text=text)
    assert result.major
    assert any("媒体曝光" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "平台上个月关闭了提现，我的钱全被冻住了。",
        "到期的钱取不出来，客服说账户被冻结了，原因不肯说。",
    ],
)
def test_customer_funds_frozen_suggest_major(text: str) -> None:
    result = suggest_major(text=text, category=Category.efficiency)
    assert result.major
    assert any("客户资金被冻结" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text", ["密码输错三次，账户被锁定了，登不上去。", "我的会员账户锁定了登不上去，客服也不接。"]
)
def test_an_account_locked_after_wrong_passwords_is_not_funds_frozen(text: str) -> None:
    result = suggest_major(text=text, category=Category.efficiency)
    assert not any("客户资金被冻结" in reason for reason in result.reasons)


def test_a_rights_group_online_is_a_group_complaint() -> None:
    result = suggest_major(text="产品逾期没兑付，维权群里已经有几百人了。")
    assert any("群体投诉" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "说是存款，签的其实是保险合同，现在退保要亏本金。",
        "买的时候光讲收益，风险从头到尾没提。",
        "我把账户和密码交给他打理，他天天替我下单。",
        "这个产品根本未备案，是他私售的。",
    ],
)
def test_a_violation_of_mis_selling_or_trading_for_the_client_is_major_even_when_small(
    text: str,
) -> None:
    """A product sold as something else, undisclosed risk, trading in the client's account
    and an unauthorised product suggest major, whatever the amount."""
    assert suggest_major(text=text, category=Category.violation).major


@pytest.mark.parametrize(
    "text",
    [
        "有人在本地论坛发帖，附了柜员推搡老人的视频。",
        "这件事在小区里传开了，引起不少居民关注。",
    ],
)
def test_a_post_on_a_forum_or_a_story_that_drew_public_attention_is_media_exposure(
    text: str,
) -> None:
    result = suggest_major(text=text)
    assert result.major
    assert any("媒体曝光" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "网点突然撤了，小区近两千名居民的养老金都要跑到很远的地方去取。",
        "业主代表来反映，购房款转进去后一直没有下文。",
        "数百名储户的存款到期取不出来。",
    ],
)
def test_residents_owners_or_depositors_in_numbers_are_a_group(text: str) -> None:
    result = suggest_major(text=text)
    assert result.major
    assert any("群体投诉" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "老人的资金账户因为系统预警被冻结了半个月，付首付的钱一直用不了。",
        "她有一笔钱上周就到期了，现在全被冻住了。",
    ],
)
def test_an_account_or_money_frozen_told_apart_is_customer_funds_frozen(text: str) -> None:
    result = suggest_major(text=text, category=Category.efficiency)
    assert result.major
    assert any("客户资金被冻结" in reason for reason in result.reasons)


def test_a_customer_asking_for_an_account_to_be_frozen_is_not_funds_frozen() -> None:
    result = suggest_major(
        text="卡被盗刷了几千元，我要求马上冻结账户。", category=Category.efficiency
    )
    assert not any("客户资金被冻结" in reason for reason in result.reasons)


def test_a_recording_given_to_a_radio_station_is_media_exposure() -> None:
    result = suggest_major(text="客户已将完整通话录音提供给当地电台的维权栏目。")
    assert result.major
    assert any("媒体曝光" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "期货公司以身份证件过期为由，限制了他账户的出金，钱转不出来。",
        "会员单位限制其出金已经两周了。",
    ],
)
def test_withdrawals_restricted_by_someone_else_are_customer_funds_frozen(text: str) -> None:
    """Art. 3 clarified: the customer's money held back (withdrawals restricted) suggests
    major whatever the category."""
    result = suggest_major(text=text, category=Category.efficiency)
    assert result.major
    assert any("客户资金被冻结" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "老人想存定期，拿到单据以为是存单，后来才发现“存单”变成了分红型保单。",
        "她问：明明是说存钱，怎么变成了保险？",
        "老人眼睛看不清，工作人员便代其完成了风险测评和产品购买的全部流程。",
    ],
)
def test_a_deposit_turned_into_a_policy_or_a_risk_test_done_for_the_buyer_is_a_major_violation(
    text: str,
) -> None:
    """Art. 3(4) and the major criteria: a product sold as something else, and the
    suitability test done by the seller, are violations touching suitability."""
    assert classify_by_rules(text).category == Category.violation
    assert suggest_major(text=text, category=Category.violation).major


@pytest.mark.parametrize(
    "text",
    [
        "市长热线转来市民反映：其到柜台缴费，被要求先开户才能办理，质疑是否合理。",
        "证监会12386热线转来投诉：投资者称销户被拖了一周，要求尽快办结。",
    ],
)
def test_the_heading_of_a_transfer_is_the_channel_not_a_petition(text: str) -> None:
    """Art. 3 channels and Art. 4(3): how a transfer arrived ("市长热线转来") is the record of
    the intake; a regulator transfer alone is not major."""
    result = suggest_major(
        text=text, channel=Channel.regulator_transfer, category=Category.efficiency
    )
    assert not result.major
    assert not any("信访" in reason and "命中" in reason for reason in result.reasons)


def test_a_petition_transferred_is_still_a_petition() -> None:
    text = "信访事项转送函：信访人反映其债权转让登记被录错，多次要求更正无果。"
    assert suggest_major(text=text, channel=Channel.regulator_transfer).major


def test_a_certificate_the_teller_sent_the_customer_to_the_police_for_is_no_threat() -> None:
    text = "柜员要求其先到公安机关开具证明，证明这张残币不是故意损坏的才能存入。"
    result = suggest_major(text=text, category=Category.business_error)
    assert not result.major


@pytest.mark.parametrize(
    "text",
    [
        "客户来电称：其在会员单位开的存折一直没用，前几天去补登，发现账户里莫名其妙少了两千元，网点说不清楚。",
        "客户投诉称：其在我所账户里的理财份额突然“消失”了，客服只回复已登记，要求说明资金去向。",
        "客户称其在自助设备上缴存了认购款，现在账户里查不到这笔钱，要求赔偿。",
    ],
)
def test_a_loss_of_client_funds_suggests_major_whatever_the_category(text: str) -> None:
    """A loss of client funds (money gone from the customer's card or account without
    their doing) suggests major even as a business error and with a small amount."""
    result = suggest_major(text=text, category=Category.business_error)
    assert result.major
    assert any("客户资金损失" in reason for reason in result.reasons)


def test_money_that_cannot_be_taken_out_at_all_is_held_back() -> None:
    """Art. 3 clarified: payouts halted suggest major; "本金和收益都取不出来了" is the money
    held back, told without the word 冻结."""
    text = (
        "客户来电称：去年买的产品原说随时可取，从今年三月开始本金和收益都取不出来了，要求尽快兑付。"
    )
    result = suggest_major(text=text, category=Category.efficiency)
    assert result.major
    assert any("客户资金被冻结" in reason for reason in result.reasons)


def test_a_video_that_has_been_put_online_is_media_exposure() -> None:
    text = "客户称柜员冲她拍桌子，她拍下的视频已经发到了网上，要求道歉。"
    result = suggest_major(text=text, category=Category.service_attitude)
    assert result.major
    assert any("媒体曝光" in reason for reason in result.reasons)


def test_money_held_back_on_purpose_is_a_violation_touching_funds() -> None:
    """A regulator's transfer alleging the exchange held customer funds back on purpose
    alleges misconduct (Art. 3(4)) touching customer funds: major."""
    text = (
        "监管部门转来投诉：客户赎回的款项比约定晚了一周才到账，"
        "客户认为我所故意占用客户资金，要求赔偿利息。"
    )
    assert classify_by_rules(text, channel=Channel.regulator_transfer).category == (
        Category.violation
    )
    assert suggest_major(
        text=text, channel=Channel.regulator_transfer, category=Category.violation
    ).major


def test_another_customers_data_shown_is_personal_data_let_out_whatever_the_category() -> None:
    """Personal data let out suggests major: another customer's account shown to this one is
    a business error (Art. 3(3)) and still that customer's data let out."""
    text = "客户来电反映：登录我所客户端后显示的却是外地一家公司的账户，能看到对方的余额和联系人。"
    result = suggest_major(text=text, category=Category.business_error)
    assert result.major
    assert any("客户个人信息外泄" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "客户在柜台大额取现，柜员怀疑是诈骗而报警，前后折腾了三个小时才取到钱。",
        "客户的账户此前被公安机关误设警示，已解除，但我所仍限制网上功能，要求尽快恢复。",
        "客户请柜员再数一遍现金，柜员不肯，还说“要调监控就去报警”。",
        "柜员说少了一万元，还有人说要报警，客户为息事宁人先补上了差额。",
    ],
)
def test_the_police_called_or_named_by_others_is_no_threat_of_the_complainant(text: str) -> None:
    """Art. 4(3): a threat of litigation is the complainant's own step.  Staff who called
    the police, the police as the ones who erred, a staff member's retort or a bystander's
    word are not the complainant threatening anything."""
    result = suggest_major(text=text, category=Category.business_error)
    assert not result.major


@pytest.mark.parametrize(
    "text",
    [
        "客户存款被他人冒领，客户已向公安机关报案，要求我所赔偿。",
        "几个竞买人的保证金迟迟不退，他们商量要一起去报警。",
        "客户称账户里的钱被转走，目前已报警，要求我所协助。",
        "客户说再不退款就报警。",
        "推荐产品的业务员已被警方控制，客户要求赔偿。",
    ],
)
def test_the_complainant_going_to_the_police_is_a_threat(text: str) -> None:
    """Art. 4(3): the complainant who reported, or will report, to the police, and a case
    the police have taken up, suggest major."""
    result = suggest_major(text=text, category=Category.business_error)
    assert result.major
    assert any("诉讼威胁" in reason for reason in result.reasons)


def test_payouts_halted_hold_customer_funds() -> None:
    """Art. 3 clarified: a halt of payouts or redemptions (暂停本息兑付) holds the customers'
    money back, and suggests major as frozen funds do."""
    text = "客户来电：其投资的产品发出通知，因运营问题从即日起暂停本息兑付，要求说明情况。"
    result = suggest_major(text=text, category=Category.efficiency)
    assert result.major
    assert any("冻结" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("text", "story"),
    [
        ("客户来电投诉：其取号后等了半小时。", ",其取号后等了半小时。"),
        ("客户到我所服务大厅投诉：窗口只开了一个。", ",窗口只开了一个。"),
        ("客户（退休人员）来函并电话投诉：押金迟迟未退。", ",押金迟迟未退。"),
        ("客户来电称：今天APP又用不了。", ",今天app又用不了。"),
    ],
)
def test_the_intake_heading_of_who_came_and_how_is_framing(text: str, story: str) -> None:
    """Art. 3 channels: a heading that says only who came and how is the record, not the
    complaint, and neither the rules nor the model read it."""
    assert unframed(normalize(text))[0] == story


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "客户来电投诉：电汇的1万加元四个星期没到账，谁也说不清钱在哪里。"
            "我们已经联系了电视台记者。",
            "媒体",
        ),
        ("客户来电投诉：赎回款拖了两个月。我已联系律师准备起诉。", "诉讼"),
    ],
)
def test_the_complainant_having_contacted_the_press_or_a_lawyer_is_not_framing(
    text: str, reason: str
) -> None:
    """Art. 4(3): "我们已经联系了电视台记者" is the complainant's threat, not the receiving
    staff member's note of what they did (已联系客户经理核实), and suggests major."""
    result = suggest_major(text=text, category=Category.efficiency)
    assert result.major
    assert any(reason in r for r in result.reasons)


def test_the_staff_having_contacted_a_colleague_stays_framing() -> None:
    text = "客户来电投诉：押金未退。已联系客户经理核实。"
    assert unframed(normalize(text))[0] == ",押金未退。,。"


@pytest.mark.parametrize(
    "text",
    ["多名客户来电反映：周一早盘无法登录。", "客户到我所财富中心投诉：理财经理夸大收益。"],
)
def test_a_heading_that_names_who_complains_or_about_whom_stays(text: str) -> None:
    assert unframed(normalize(text))[0] == normalize(text)


@pytest.mark.parametrize(
    "text",
    [
        "多家会员单位联名来函：我所行情数据收费连年上涨，要求公开成本依据。",
        "几家投资机构联合来函：要求我所说明收费调整的依据。",
        "客户（某报社记者）来电投诉：保安不让其在门前车位停车。",
    ],
)
def test_a_heading_that_names_a_group_or_a_journalist_complaining_stays(text: str) -> None:
    """Art. 4(3): who complains is a fact of the complaint, not the record of its intake:
    several institutions writing jointly are a group, a journalist complaining is the
    media."""
    assert unframed(normalize(text))[0] == normalize(text)
    assert major(text, category=Category.business_error).major


@pytest.mark.parametrize(
    "text",
    [
        # A group shown by the number of like claims already made.
        "会员单位已设专班受理，目前同类受损申报已达180件，要求赔偿。",
        "网上交易系统整个上午无法使用，短时间内已接到两千余件同类投诉。",
        "同样情况的投诉已有三十多起，要求会员单位说明原因。",
        # The complainant's own story published.
        "客户称其常去别处办事从未受过这种对待，并已在其供职的网站刊发此事。",
    ],
)
def test_like_claims_counted_are_a_group_and_a_story_published_is_media(text: str) -> None:
    """Art. 4(3): a group of complainants is shown as well by the count of like claims
    (同类投诉、同类申报 in the tens or thousands) as by the complainants named; the
    complainant's own report published is media exposure."""
    assert major(text, category=Category.business_error).major


@pytest.mark.parametrize(
    "text",
    [
        # Customers around the complainant, as the setting of one complaint.
        "中午排队半天不见挪动，柜员忙于处理冲账，客户认为工作人员拿几十名客户的时间当儿戏。",
        "取号排在第141号，大厅挤满等候的人，一笔业务要15分钟以上，许多客户等不下去中途离开，要求增加窗口。",
        # The exchange's press conference is not the complainant going to the press.
        "今天我所交易系统故障全天停止交易，其融资持仓没法平仓，“会见记者几分钟就结束了，利息怎么办？”要求补偿。",
    ],
)
def test_bystanders_and_the_exchanges_own_press_conference_are_no_group_or_media(
    text: str,
) -> None:
    """Art. 4(3): customers in the hall whose time was wasted or who gave up waiting are
    the setting of one customer's complaint, not its complainants; the exchange meeting
    the press is not the complainant's exposure."""
    assert not major(text, category=Category.efficiency).major


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("按错误信息操作损失约300万韩元。", [Decimal("15000")]),
        ("要求赔偿约415亿日元。", [Decimal("2075000000")]),
        ("要求退还37840美元。", [Decimal("264880")]),
        ("损失折合人民币约7万元。", [Decimal("70000")]),
    ],
)
def test_amounts_in_a_foreign_currency_are_read_in_yuan(text: str, amounts: list[Decimal]) -> None:
    """Art. 4(3)'s threshold is in yuan: an amount in won, yen or dollars is converted at the
    reference rate of ``lexicon.yaml`` (``major.currency_rates``), not read as yuan."""
    assert amounts_in_text(text) == amounts


@pytest.mark.parametrize(
    "text",
    [
        "三周前转出200万奈拉进货，账户已扣款，对方一直没收到。",
        "一点点攒了400万先令给孩子交学费，取的时候只剩300万，说是扣了服务费。",
        "账户里莫名其妙少了150万兰特，要求退还。",
        "在自助机上被多扣了180万苏姆，要求全部退回。",
        "投资的300万比索打了水漂，要求赔偿。",
        "投入100万到2000万先令，承诺每月11%的收益。",
        "他在当地存了500万坚戈，被扣了120万坚戈手续费。",
    ],
)
def test_an_amount_in_a_weak_foreign_currency_is_not_read_as_yuan(text: str) -> None:
    """Naira, shillings, rand, sum, pesos, tenge: converted at their rough rates, each far
    below the threshold in yuan; an amount written after one ("只剩300万") or opening a
    range ending in one ("100万到2000万先令") is read in the same currency."""
    assert all(amount < 1_000_000 for amount in amounts_in_text(text))
    reasons = major(text, category=Category.business_error).reasons
    assert not any("涉案金额" in reason for reason in reasons)


@pytest.mark.parametrize(
    "text",
    [
        "损失了约200万第纳尔，要求赔偿。",
        "被扣了300万西非法郎以外的一笔150万马纳特。",
        "账户里少了500万拉里。",
        "转出的200万某国元至今没到账。",
    ],
)
def test_an_amount_in_a_currency_without_a_rate_is_left_out(text: str) -> None:
    """A currency word the table has no rate for is another currency all the same: the
    amount is left out of the threshold, never read as yuan."""
    assert all(amount < 1_000_000 for amount in amounts_in_text(text))


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("客户损失了200万，要求赔偿。", [Decimal("2000000")]),
        ("被挪走了150万元。", [Decimal("1500000")]),
        ("理财本金五十万人民币，利息两百万块。", [Decimal("500000"), Decimal("2000000")]),
        ("先是损失了1万美元，后来又亏了120万元。", [Decimal("70000"), Decimal("1200000")]),
        ("100多万的本金，还有5万多元利息。", [Decimal("1000000"), Decimal("50000")]),
        ("存了300万本金，现在只剩120万。", [Decimal("3000000"), Decimal("1200000")]),
        ("¥150万被划走。", [Decimal("1500000")]),
    ],
)
def test_yuan_amounts_still_count(text: str, amounts: list[Decimal]) -> None:
    """Yuan is 元 alone, 人民币, 块, ¥ or a bare amount in a text that names no other
    currency: those count at their face value."""
    assert amounts_in_text(text) == amounts


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("损失42万多美元，要求补偿。", [Decimal("2940000")]),
        ("亏了4.2万余欧元。", [Decimal("323400")]),
        ("被扣了三十万多美元。", [Decimal("2100000")]),
        ("还有5万多元利息。", [Decimal("50000")]),
    ],
)
def test_an_approximate_amount_keeps_its_currency(text: str, amounts: list[Decimal]) -> None:
    """42万多美元 is some 420,000 US dollars: 多/余 after the unit does not hide the
    currency that follows it, so the amount is never read as yuan."""
    assert amounts_in_text(text) == amounts


def test_a_loss_in_won_below_the_threshold_in_yuan_is_not_major_by_amount() -> None:
    result = major("按错误信息操作损失约140万韩元，要求赔偿。", category=Category.business_error)
    assert not result.major


def test_a_complaint_to_the_regulator_that_the_regulator_transferred_is_its_channel() -> None:
    """Art. 4(3): a transfer by the regulator is not major in itself, so the complainant's
    complaint to the regulator, in a complaint the regulator transferred, is how it came,
    not a threat to petition; a petition office (信访) still is one."""
    text = "监管部门转来投诉：客户通过APP卖出时连接错误，错过时机造成亏损，遂向监管部门投诉。"
    assert not major(text, channel=Channel.regulator_transfer).major
    assert major(text, channel=Channel.phone).major
    petitioned = (
        "监管部门转来投诉：系统故障无法平仓，客户多次投诉无果，已到监管部门信访办公室投诉。"
    )
    assert major(petitioned, channel=Channel.regulator_transfer).major


@pytest.mark.parametrize(
    "text",
    [
        "公告把“800万股限售股”写成了“8000万股限售股”。",
        "一次卖出了61万股。",
        "泄露了一万条客户信息。",
    ],
)
def test_a_count_of_shares_or_things_is_no_amount_of_money(text: str) -> None:
    """Art. 4(3)'s threshold is money: 8000万股 counts shares, 一万条 records, not yuan."""
    assert amounts_in_text(text) == []


# --- Art. 4(3): facts told in stories from abroad ----------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("客户称已向消费者权益保护机构提起申诉，要求赔偿。", "信访"),
        ("客户表示已向金融申诉专员提出申诉。", "信访"),
        ("客户说再不解决就去消费者协会投诉。", "信访"),
        ("客户表示要追究到底，将诉诸法律。", "诉讼"),
        ("当时的现场视频已在社交网络上广泛传播。", "媒体"),
        ("不少人已在网上集中吐槽这次故障。", "媒体"),
        ("很多用户的钱都取不出来，有人损失了几万元。", "群体"),
        ("外包公司把一批客户的资料误寄给了另一家机构。", "个人信息"),
        ("我所发来的短信里写着另一位客户的姓名和账号。", "个人信息"),
        ("我所把账户报送给税务机关后，账户里的存款被国家收缴。", "冻结"),
        ("工资刚到账，我所就冻结了其银行卡，无法取现。", "冻结"),
    ],
)
def test_major_facts_told_in_stories_from_abroad(text: str, reason: str) -> None:
    suggestion = major(text, category=Category.business_error)
    assert suggestion.major is True
    assert any(reason in r for r in suggestion.reasons)


@pytest.mark.parametrize(
    "text",
    [
        # A count of counters, windows or staff is not a group of complainants.
        "三个柜台办完一位客户就叫下一位VIP，普通队伍几乎不动。",
        # A customer asking for their own card to be frozen is no funds frozen by others.
        "卡丢了，客户要求马上冻结该银行卡。",
    ],
)
def test_counters_a_slip_and_a_card_the_customer_asks_to_freeze_are_not_major(text: str) -> None:
    assert major(text).major is False


def test_an_operators_slip_that_led_to_an_outage_is_no_misleading_sale() -> None:
    """A slip that caused something (失误导致) holds 误导 (misleading): no violation."""
    ruled = classify_by_rules("操作人员失误导致行情数据无法正常发布，交易被暂停了一小时。")
    assert ruled.category != Category.violation
    assert ruled.major is False


@pytest.mark.parametrize(
    "text",
    [
        # Users decrying it online, any wording and order.
        "这次APP停了一整天，网上到处有人在骂我所。",
        "转账三天没到账，网络上骂声一片。",
        "结算延迟后，不少网友在推特上声讨我所。",
        "故障持续两天，评论区全在吐槽。",
        # A letter or story made public: an open letter, the press, online.
        "客户写了一封公开信，要求我所恢复网点。",
        "她把这件事的经过写成文章，刊登在晚报上。",
        "客户说已经投书报社，讲了自己的遭遇。",
        "他把那封信贴在了网上。",
    ],
)
def test_users_decrying_it_online_and_letters_made_public_are_media_exposure(text: str) -> None:
    suggestion = major(text, category=Category.efficiency)
    assert suggestion.major is True
    assert any("媒体" in r for r in suggestion.reasons)


@pytest.mark.parametrize(
    "text",
    [
        # Information disclosed (公开信息) holds the characters of 公开信; online banking is
        # no outcry.
        "我所未核实已公开信息，就要求公司发布澄清公告。",
        "网上银行转账失败，客户要求查明原因。",
        # The exchange's own notice in the paper is not the complainant's exposure.
        "我所登在报纸上的公告写错了营业时间。",
    ],
)
def test_disclosed_information_and_the_exchanges_own_notices_are_not_exposure(text: str) -> None:
    assert major(text).major is False


@pytest.mark.parametrize(
    "text",
    [
        "附近好多老客户都对网点撤并意见很大。",
        "本地几家商户都反映存款机经常坏。",
        "和他一样受损的散户多达上万。",
        "不少持卡人在下面留言说自己也碰到了同样的情况。",
    ],
)
def test_many_customers_users_or_merchants_aggrieved_together_are_a_group(text: str) -> None:
    suggestion = major(text, category=Category.efficiency)
    assert suggestion.major is True
    assert any("群体" in r for r in suggestion.reasons)


def test_many_customers_waiting_around_the_complainant_are_no_group() -> None:
    assert major("大厅里好多客户在排队，只开了一个窗口。").major is False


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        # Unsuitable advice to a cautious or inexperienced client, either order.
        ("她是保守型投资者，理财顾问却推荐她买了一只科技股，半年就亏了四成。", "适当性"),
        (
            "客户说自己从没买过基金，风险承受力很低，客户经理还是建议他全仓买入，结果跌了三成。",
            "适当性",
        ),
        ("顾问给老人配的产品对她来说过于激进，要求赔偿损失。", "适当性"),
        # A signature copied or reused without the customer.
        ("业务员把我旧合同上的签名复制到了新的申请表上。", "签字"),
        ("客户发现自己的签字被挪用到了另一份协议上，事先毫不知情。", "签字"),
        ("经理套用了客户以前的签名，补办了变更手续。", "签字"),
    ],
)
def test_unsuitable_advice_and_a_copied_signature_are_violations_touching_them(
    text: str, subject: str
) -> None:
    ruled = classify_by_rules(text)
    assert ruled.category == Category.violation
    assert ruled.major is True
    assert any(subject in r for r in ruled.major_reasons)


@pytest.mark.parametrize(
    "text",
    [
        # A letter or mail holding another customer's data, what an envelope shows, a mass
        # e-mail that shows every recipient, a customer's dealings told to outsiders.
        "今天收到你们的年终对账单，拆开一看竟然是陌生人的，上面有他的地址和持仓。",
        "寄给我的保单里还装着另一位客户的投保资料，姓名电话一清二楚。",
        "你们寄来的信封外面就能看到'欠款催收'几个字，楼里的人都知道了。",
        "理财部发的通知邮件，抄送栏里上百个客户的邮箱谁都能看到。",
        "员工把我存款的情况说给了我的邻居听，现在整栋楼都在议论。",
    ],
)
def test_customers_data_in_a_letter_that_reached_others_is_personal_data_let_out(
    text: str,
) -> None:
    suggestion = major(text)
    assert suggestion.major is True
    assert any("个人信息" in r for r in suggestion.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "我的对账单寄晚了半个月，信息也没有更新。",
        "通知书上写的是我自己的名字，但金额算错了。",
        "信用卡账单是别的银行寄来的，跟你们没关系吧？",
    ],
)
def test_a_letter_late_or_wrong_about_the_customer_alone_lets_no_data_out(text: str) -> None:
    assert not any("个人信息" in r for r in major(text).reasons)


@pytest.mark.parametrize(
    "text",
    [
        # A mediation body or a prosecutor seized by the complainant; a video counted in
        # shares or posted on a named platform.
        "他已经去金融纠纷调解中心递交了申请。",
        "客户说下周准备申请金融调解，不行再说。",
        "她已经到区检察院举报了这件事。",
        "那段录像被我儿子传到了油管上，播放量十几万。",
        "客户在推特上发了长文吐槽，一万多人转发。",
    ],
)
def test_mediation_a_prosecutor_and_a_video_counted_in_shares_are_escalations(text: str) -> None:
    assert major(text).major is True


@pytest.mark.parametrize(
    "text",
    [
        "调解中心受理客户投诉：窗口柜员办理转账时少算了利息。",
        "后经监管部门引导申请调解，客户要求更正利息。",
        "我所只在推特上道了个歉，系统还是登不上。",
        "电话转了三次才接通，客服态度还行。",
    ],
)
def test_a_mediation_channel_the_exchanges_own_post_and_a_call_transferred_are_no_escalation(
    text: str,
) -> None:
    assert major(text).major is False


@pytest.mark.parametrize(
    "text",
    [
        # Advised to borrow to buy a product, or a product tied to a loan: mis-selling that
        # touches suitability, whoever's staff did it.
        "理财经理怂恿我父亲向银行借了一笔钱去买分红保险，现在每月还贷都还不上。",
        "会员券商的营业部经理建议她拿房子抵押贷款来投基金，说稳赚。",
        "办经营贷的时候，会员银行的客户经理给我搭售了一份意外险。",
    ],
)
def test_advice_to_borrow_to_buy_a_product_and_tied_sales_are_violations_touching_suitability(
    text: str,
) -> None:
    ruled = classify_by_rules(text)
    assert ruled.category == Category.violation
    assert ruled.major is True


def test_a_customer_who_borrowed_on_their_own_is_no_mis_selling() -> None:
    ruled = classify_by_rules("我自己借钱买了基金，现在想赎回，到账太慢。")
    assert ruled.category != Category.violation


@pytest.mark.parametrize(
    "text",
    [
        # Exposure spreading online, a post on a named platform, many reposts.
        "柜员骂人的视频当天就在网上传开了。",
        "她把这件事写在推特上，几千人转发。",
        "客户经理回复的截图已经在网络上疯传。",
        # The like-aggrieved counted after the noun, told as a crowd, or a group formed.
        "据说收到同样通知的客户有两百多人。",
        "受影响的客户建了一个微信群，已经有六十多人。",
        "成千上万的持卡人都被多扣了一笔年费。",
        "她说邻居里也有好几个人被重复扣款。",
        "一批同样被盗刷的储户联合起来要求赔偿。",
        # The supervising authority seized.
        "该会员已向主管部门提出申诉。",
    ],
)
def test_exposure_spreading_a_group_counted_after_the_noun_and_the_authority_seized(
    text: str,
) -> None:
    assert major(text).major is True


@pytest.mark.parametrize(
    "text",
    [
        "柜员说这个消息已经在大厅里传开了，让他别着急。",
        "他问了两个人，都说不知道。",
        "客户说要是再不处理，就找上级领导。",
    ],
)
def test_talk_in_the_hall_two_people_and_a_superior_are_no_escalation(text: str) -> None:
    assert major(text).major is False


@pytest.mark.parametrize(
    "text",
    [
        "客户来电：听说我所外包公司的电脑被黑，好几万名客户的身份证号和手机号码都流出去了，他要求我所说明。",
        "客户来信：我所一名职员把客户的姓名、住址和存款余额拷到U盘卖给了推销公司。",
        "客户到大厅反映：报上说我所遗失了一批储户的开户资料，他想知道有没有自己的。",
    ],
)
def test_art4_customers_data_named_by_its_items_and_let_out_or_lost_is_major(text: str) -> None:
    """Art. 4(3): customers' data let out, lost, stolen or shared, told by its items and
    either way round, is personal data let out whatever the category."""
    result = suggest_major(text=text, category=Category.business_error)
    assert result.major
    assert any("客户个人信息外泄" in r for r in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "客户来电：想改绑手机号，担心客户信息被泄露，问我所有什么保护措施。",
        "客户来电：问我所会不会把客户的资料提供给合作机构。",
        "客户来电：柜员拒绝泄露其他客户的资料，他觉得态度生硬。",
    ],
)
def test_art4_a_fear_or_a_refusal_to_let_data_out_is_not_data_let_out(text: str) -> None:
    result = suggest_major(text=text, category=Category.business_error)
    assert not any("客户个人信息外泄" in r for r in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "客户来电投诉：柜台服务太差，他说下个月打算把存款全部转走。",
        "客户来电投诉：客服一直推诿，她威胁说再不解决就将所有资金转走。",
        "客户来函投诉：等了三周没人处理，他只好把账户里的钱转走了，现在还要收转出费。",
    ],
)
def test_the_customer_taking_their_own_money_elsewhere_is_no_violation(text: str) -> None:
    """Money the customer means or threatens to move elsewhere (把业务转走) is displeasure
    with the service: no rule broken, no violation touching funds."""
    ruled = classify_by_rules(text)
    assert ruled.category != Category.violation
    assert not ruled.major


@pytest.mark.parametrize(
    "text",
    [
        "客户来电投诉：她的钱被客户经理私下转走了二十万。",
        "客户来电投诉：账户里的钱却已经转走，他根本没有操作过。",
        "客户来电投诉：理财经理用他的密码把钱转走，至今没有归还。",
    ],
)
def test_money_moved_away_by_others_is_still_a_violation_touching_funds(text: str) -> None:
    ruled = classify_by_rules(text)
    assert ruled.category == Category.violation
    assert ruled.major


@pytest.mark.parametrize(
    "text",
    [
        "客户来电投诉：柜员说为了防诈骗要他说明取款用途，问了半个小时，态度很差。",
        "客户来电投诉：系统怀疑欺诈把他的卡锁了两天，客服一直说等通知。",
        "客户家属来电投诉：柜员嫌金额大叫来警察盘问，他理解是防诈骗，但觉得过了头。",
    ],
)
def test_fraud_prevention_named_as_the_reason_is_no_allegation(text: str) -> None:
    assert classify_by_rules(text).category != Category.violation


@pytest.mark.parametrize(
    "text",
    [
        "客户来电投诉：这台取款机坏了两个月，前后有二十多个人投诉过，还是没修。",
        "客户来函投诉：网点突然缩短营业时间，不少附近的居民和商户都去网点提意见，没人理。",
        "客户到我所服务大厅投诉：大厅空调坏了半年，已经有几十个人反映过，一直没修。",
    ],
)
def test_many_who_already_complained_are_a_group(text: str) -> None:
    assert classify_by_rules(text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户到我所服务大厅投诉：大厅里有十几个人在排队，只开了一个窗口。",
        "客户来电投诉：他已经反映了几十次，没人处理。",
    ],
)
def test_a_queue_or_one_customer_asking_often_is_no_group(text: str) -> None:
    assert not classify_by_rules(text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户来电投诉：多扣了手续费，网上一堆人都碰到一样的事。",
        "客户来电投诉：刷卡扣了钱商家没收到，听朋友说很多人都碰到这种情况。",
        "客户来电投诉：App登不进去，网上投诉的人好几千。",
        "客户来函投诉：很多新住民和移工反映，APP没有多语言界面。",
        "客户来电投诉：钱没吐出来，官方页面下面也全是留言。",
        "监管部门转来投诉：收了申购款既不申购也不退款，累计已有48宗投诉。",
        "客户来电投诉：好多网友也反映同样的问题。",
    ],
)
def test_others_hit_or_complaining_in_any_words_are_a_group(text: str) -> None:
    assert suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户到我所投诉：大户只让取存款的10%，剩下的钱什么时候能取没人说得清。",
        "客户代表来电投诉：只兑付了存款的20%，剩下70%一直没下文。",
        "客户到我所投诉：最多只能取150万，现在门又关了，不知道哪天再开。",
    ],
)
def test_payouts_partly_paid_and_the_rest_held_are_funds_frozen(text: str) -> None:
    assert suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户来电投诉：工作人员不会放坡道，社区已经请议员出面了。",
        "客户来电投诉：柜台人手不够没人帮忙，我已经在点评网站上发了差评。",
        "客户来电投诉：转账一直不到账，我们已经找人大代表反映了。",
    ],
)
def test_a_representative_asked_in_or_a_public_review_is_escalation(text: str) -> None:
    assert suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户到我所投诉：大厅里很多人都在排队，等了一个小时。",
        "客户来电投诉：经理说心电图一点小波动很多人都有，不算病，让我勾否。",
        "客户来电投诉：我朋友说他也遇到过一次，柜员态度很差。",
        "客户来电投诉：只退了手续费的50%，说明不清楚。",
        "客户来电投诉：取款机每天最多只能取2万元，太少了。",
        "客户来电投诉：他说这种情况很多人都不知道，费用没讲清楚。",
    ],
)
def test_a_queue_or_others_in_a_story_of_one_is_no_group(text: str) -> None:
    assert not suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户来电投诉：又进不去账户，钱动不了，我在推特上也说了。",
        "客户来电投诉：APP登不进去错过了卖出，我在网上也发了帖。",
        "客户来电投诉：转账三天没到账，我已经在微博上写了。",
    ],
)
def test_the_complainants_own_word_online_told_plainly_is_media(text: str) -> None:
    assert suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "老年协会来函：多名退休储户反映，网点不再提供柜台取现。",
        "客户来电投诉：APP又打不开，上个月就有几千人登不进去。",
        "客户来电投诉：这次系统故障，上万用户受影响，取不了钱。",
    ],
)
def test_several_described_customers_or_thousands_hit_are_a_group(text: str) -> None:
    assert suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户到我所投诉：大厅里多名老年客户在排队，我等了一个小时。",
        "客户来电投诉：上千人点赞的那个视频里说的利率是错的，我按那个利率算少了。",
    ],
)
def test_customers_waiting_or_a_liked_video_are_no_group(text: str) -> None:
    assert not any(r.startswith("群体投诉") for r in suggest_major(text=text).reasons)


@pytest.mark.parametrize(
    "text",
    [
        "客户来电投诉：被骗走9000英镑，另有8,000英镑被冻结，我所没发现异常。",
        "客户来电投诉：被骗后账户被暂停调查，定期扣款也不给付。",
        "客户来电投诉：收到我所来信，说外包公司把客户资料丢在营业点外面，可能有我的身份证号。",
    ],
)
def test_money_frozen_by_its_amount_an_account_suspended_or_files_dropped_are_major(
    text: str,
) -> None:
    assert suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户来电投诉：今年的利息税务凭证开错了，听说大约8,000名客户的凭证都错了。",
        "客户投诉：系统升级后转账重复扣款，据说有12,500个客户受影响。",
        "客户来电：对账单金额不对，一共有3,200名储户收到了同样的错单。",
    ],
)
def test_thousands_hit_written_with_a_separator_are_a_group(text: str) -> None:
    assert suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "市民来电反映：撤并网点附近的垃圾桶里塞满了我所的文件，上面有客户对账单和账号。",
        "客户投诉：街边堆着一摞我所的资料，里面全是客户的电话号码和交易记录。",
        "客户来电投诉：登录App后竟然能看到几个陌生人的账户，还有社保号。",
    ],
)
def test_customers_papers_dumped_or_other_accounts_shown_are_data_let_out(text: str) -> None:
    assert suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户投诉：门口垃圾桶满了，一直没人清理。",
        "客户投诉：柜员让我看了别人排队的号码，我还是等了很久。",
        "客户来电：营业厅有8名客户在排队等待，我等了一个小时。",
    ],
)
def test_a_bin_a_queue_number_or_customers_waiting_are_not_major(text: str) -> None:
    assert not suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户投诉：柜台只开一个窗口，排了一个多小时，我已经打电话向央行投诉了。",
        "客户来电：账户被无故限制，再不解决我就去人民银行反映。",
        "客户来函：网上交易系统停了一小时，听说有两千多人在申请赔偿。",
        "客户来电：你们来信说外包商被黑客攻击，我的姓名和账号被偷走了。",
    ],
)
def test_a_central_bank_petition_thousands_in_numerals_and_data_stolen_are_major(
    text: str,
) -> None:
    assert suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户来电：营业厅里等了三十分钟，柜员态度一般。",
        "客户投诉：我在网上查到一千多元的收费，想问清楚。",
        "客户来电：担心资料会不会被偷，想问问你们怎么保管。",
    ],
)
def test_a_wait_a_thousand_yuan_or_a_fear_of_theft_are_not_major(text: str) -> None:
    assert not suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户投诉：我拿着律师开给我的赔偿支票来兑现，柜员却多收了手续费。",
        "客户家属投诉：父亲生前请律师拟了一份委托书，网点不认，让我们来回跑了三趟。",
        "客户来电：律所帮我办理的过户材料寄过来好几次，你们都说找不到，委托律师帮我办的手续拖了两个月。",
        "客户投诉：柜员自己算错了利息，却叫我去找律师要回来。",
    ],
)
def test_a_lawyer_in_the_story_is_no_threat_to_sue(text: str) -> None:
    assert not suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户来电：我已经请了律师准备起诉你们。",
        "客户来函：若十日内不退款，将由我方发出律师函。",
        "客户投诉：这件事我会交给律师处理，追回我的损失。",
        "客户到大厅投诉：账户全部被停了，今天我带着律师来要说法。",
    ],
)
def test_a_lawyer_set_against_the_exchange_is_a_threat_to_sue(text: str) -> None:
    assert suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户投诉：开门前门口已经等了30个客户，只开了一个窗口。",
        "客户来电：排队时前面只有十几个老人，却等了一个多小时。",
        "客户投诉：大堂经理把五个客户直接领到柜台插队办理。",
        "客户投诉：安检门坏了，又有四个客户被同样挡在门外。",
    ],
)
def test_people_counted_in_a_queue_or_at_the_door_are_no_group(text: str) -> None:
    assert not suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户来电：二十多个客户一起来投诉，都说被多扣了费用。",
        "客户投诉：很多人都被扣了钱，你们一直不给说法。",
        "客户来函：我们五个客户都被多收了年费，要求退还。",
    ],
)
def test_others_hit_by_the_same_grievance_are_still_a_group(text: str) -> None:
    assert suggest_major(text=text).major


@pytest.mark.parametrize(
    "text",
    [
        "客户来电：我早就说了不要再打，你们的推销电话一天还打三次。",
        "客户投诉：退订以后还是天天接到你们的营销电话推理财。",
        "客户来电：电话销售员反复推销信用卡，拒绝了还照打不误，推销电话太烦人。",
    ],
)
def test_marketing_calls_after_an_opt_out_are_not_personal_data_misused(text: str) -> None:
    assert not major(text, category=Category.violation).major


def test_a_customers_data_sold_by_a_telemarketer_is_still_personal_data() -> None:
    text = "客户来电：你们的电话销售员把我的个人信息卖给了一家推销公司，现在天天接推销电话。"
    assert major(text, category=Category.violation).major


@pytest.mark.parametrize(
    "text",
    [
        "客户投诉：你们再乱收年费，我账户里的钱也会转走。",
        "客户来电：不取消这笔收费，我的存款就要转走到别家。",
        "客户投诉：代收的电费柜员嫌麻烦不肯收，让我去别的网点缴。",
        "客户来电：你们代收水费是收手续费的，柜员却说单子没用。",
    ],
)
def test_a_threat_to_move_money_or_a_bill_refused_is_not_funds_touched(text: str) -> None:
    assert not major(text, category=Category.violation).major


def test_money_moved_behind_the_customers_back_is_still_funds_touched() -> None:
    text = "客户投诉：我账户里的钱被客户经理私自转走了。"
    assert major(text, category=Category.violation).major


@pytest.mark.parametrize(
    "text",
    [
        "上个月系统停了一整天，影响了几百万投资者，原因至今没有公布。",
        "这次故障波及三百万用户，我只想知道什么时候修好。",
        "听说全国有200万客户都收到了这条通知，我要求解释。",
        "交易所有几十万股民，出了问题却没人出来说一句。",
    ],
)
def test_a_count_of_people_is_no_amount(text: str) -> None:
    """A number followed by people (投资者, 客户, 用户, 人, 户, 名, 位) counts them, not money."""
    assert amounts_in_text(text) == []


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("账户里攒的将近十拉克（约100万）塔卡差不多没了。", Decimal("60000")),
        ("被人取走了五十拉克（500万）塔卡。", Decimal("300000")),
        ("账户里的三十拉克（300万）塔卡被人分几次取光。", Decimal("180000")),
    ],
)
def test_an_amount_in_brackets_takes_the_currency_written_after_them(
    text: str, yuan: Decimal
) -> None:
    assert max(amounts_in_text(text)) == yuan


@pytest.mark.parametrize(
    "text",
    [
        "听说营业部以后只为存款5万镑以上、房贷20万镑以上的客户服务，我们这些人只能去别处。",
        "理财专区只对资产300万以上的客户开放，我排了半天被赶出来。",
        "贵宾窗口的门槛是存款达到100万，普通客户只能排长队。",
        "新规定说只给账户余额50万美元及以上的客户办理这项业务。",
    ],
)
def test_a_threshold_of_who_is_served_is_not_the_amount_in_dispute(text: str) -> None:
    result = suggest_major(text=text, category=Category.service_attitude)
    assert not any("涉案金额" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "涉及金额120万元，至今没有说法。",
        "这笔理财损失约150万元，要求赔偿。",
        "我账户里被转走200万，你们说是我自己操作的。",
        "这次亏损200万以上，顾问一句风险都没提。",
        "挪用了200万客户资金，要求查清。",
        "五十拉克（约100万）元被扣走了。",
    ],
)
def test_the_complaints_own_money_still_counts(text: str) -> None:
    result = suggest_major(text=text, category=Category.business_error)
    assert any("涉案金额" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "经纪会员的交易App开盘就全挂了，一整天登不上，账户里的钱也转不出来。",
        "App一个星期崩了三次，想取钱取不出，想买也买不了。",
        "网银从上午起登录不了，午饭钱都取不出来，要求说明原因。",
        "手机银行一直显示系统维护中，货款转不出去，钱也提不出来。",
    ],
)
def test_money_not_taken_out_while_a_system_is_down_is_not_funds_frozen(text: str) -> None:
    """The guide's funds frozen is the account or money held, not a system down for a while."""
    result = suggest_major(text=text, category=Category.efficiency)
    assert not any("客户资金被冻结" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "基金宣布暂停交易，我的钱一直取不出来。",
        "从7月开始本金和收益都取不出来了。",
        "App系统升级后账户被冻结了，钱取不出来。",
        "网点说我父亲账上的钱取不出来，要我再补材料。",
    ],
)
def test_money_held_back_is_still_funds_frozen(text: str) -> None:
    result = suggest_major(text=text, category=Category.efficiency)
    assert any("客户资金被冻结" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "等了二十五分钟，网点人手太少，连三个人都没办完。",
        "排了一个小时，柜台才五个人都还没叫到我。",
        "两个窗口只开了一个，连四个人都没办完我就得回去上班了。",
    ],
)
def test_people_served_counted_are_no_group(text: str) -> None:
    result = suggest_major(text=text, category=Category.efficiency)
    assert not any("群体投诉" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    "text", ["我们三个人都被多扣了手续费。", "五个人一起来投诉，要求退钱。", "我们七个人联名投诉。"]
)
def test_several_complainants_counted_are_still_a_group(text: str) -> None:
    result = suggest_major(text=text, category=Category.business_error)
    assert any("群体投诉" in reason for reason in result.reasons)


def _has(text: str, label: str, **kwargs: object) -> bool:
    kwargs.setdefault("category", Category.efficiency)
    return any(label in reason for reason in suggest_major(text=text, **kwargs).reasons)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "我们好几个人的工资都被重复扣了一次，去问也没人管。",
        "多名职工一起来反映，公积金转入的钱迟迟不到账。",
        "几百个退休老人每个月都在门外等着领钱，我所也不管。",
        "很多来领补贴的人都受过柜员的白眼。",
        "大量退休人员反映养老金到账晚了一周。",
        "柜员推三阻四，大家对这种做法都很不满。",
        "这次收费我问过了，不少客户都一样被多收。",
        "储户代表说剩下的钱至今没有着落。",
    ],
)
def test_complainants_told_as_several_or_many_are_a_group(text: str) -> None:
    assert _has(text, "群体投诉")


@pytest.mark.parametrize(
    "text",
    [
        "门口排着很多人，我等了一个多小时才办上。",
        "周一大厅里人很多，柜员态度还很差。",
        "很多人不知道这个手续费，我觉得应该在柜台贴出来。",
        "我们这里很多人不知道新开了网点。",
    ],
)
def test_people_merely_present_or_a_general_remark_are_no_group(text: str) -> None:
    assert not _has(text, "群体投诉")


@pytest.mark.parametrize(
    "text",
    [
        "这件事我已经写进了自己在晚报的专栏。",
        "柜员的态度我在专栏里写过不止一次。",
        "我写了篇文章投给当地报纸，讲这次被多收费的事。",
        "我在论坛发了帖，几天里很多人跟帖说遇到过。",
    ],
)
def test_the_complainants_own_column_article_or_followed_post_is_media(text: str) -> None:
    assert _has(text, "媒体曝光")


@pytest.mark.parametrize(
    "text",
    [
        "我平时爱看报纸的财经专栏，这次是真的着急了。",
        "我写了篇文章总结自己的理财经验，跟这次投诉无关。",
    ],
)
def test_reading_a_column_or_writing_for_oneself_is_no_media(text: str) -> None:
    assert not _has(text, "媒体曝光")


@pytest.mark.parametrize(
    "text",
    [
        "消费者保护协会来函，说收到市民对我所网点排队的投诉。",
        "区消费者委员会收到十几位老人反映网点常年只开一个窗口。",
        "我已经找过金融监察专员了，至今没有回音。",
        "我要求消费者权益部门出面，查一查这笔收费。",
        "居民协会要求主管部门介入，责令网点恢复营业。",
        "当地议员反映，网点关闭前根本没有通知客户。",
        "州议员的来信转达了选民对取款机常年故障的不满。",
        "一位议员带着居民的联名信找到网点经理。",
        "储户们在我所门外抗议过两次，至今没人理。",
        "我们几十户已经在市政府门前请愿。",
    ],
)
def test_a_consumer_body_a_representative_or_a_protest_is_petitioning(text: str) -> None:
    assert _has(text, "信访")


@pytest.mark.parametrize(
    "text",
    [
        "我对这次的处理结果表示抗议，但暂时不打算追究。",
        "议员选举那天网点关门，我白跑了一趟。",
        "消费者总是最后才知道收费调整。",
    ],
)
def test_a_protest_word_an_election_or_consumers_in_general_are_no_petition(text: str) -> None:
    assert not _has(text, "信访")


@pytest.mark.parametrize(
    "text",
    [
        "网点说资金紧张不给取，我的定期到期三个月了还拿不到。",
        "那家公司被接管后，我们的存款一直取不回来。",
        "清盘后只返还了30%的存款，剩下的说要等。",
        "工资到账当天我的账户就被封了，卡也用不了。",
        "说是风控检查，账户被临时冻结，钱动不了。",
    ],
)
def test_deposits_held_back_or_an_account_blocked_are_funds_frozen(text: str) -> None:
    assert _has(text, "客户资金被冻结")


@pytest.mark.parametrize(
    "text",
    [
        "只退了50%的手续费，剩下的说不退。",
        "我的论坛账户被封号了，发不了言。",
        "密码输错三次账户被锁了，要去柜台解锁。",
    ],
)
def test_a_partial_fee_refund_or_a_locked_login_is_no_funds_frozen(text: str) -> None:
    assert not _has(text, "客户资金被冻结")


def test_a_regulators_own_transfer_is_still_the_channel() -> None:
    text = "监管部门转来投诉：客户要求监管部门介入，网点排队太久。"
    assert not _has(text, "信访", channel=Channel.regulator_transfer)


# --- major facts told in structure rather than in one author's words --------------------


@pytest.mark.parametrize(
    "text",
    [
        "我已经向银行业申诉机构投诉了，这笔手续费必须退。",
        "上周我向个人信息保护委员会反映了这件事。",
        "再不处理，我就去消费者权益部门(Consumentenbond)反映。",
        "我给市长写信了，也打算找市议员出面。",
        "他已写信给财政部长，说明网点关门的事。",
        "我们要到省里的仲裁委员会申请仲裁。",
        "她向央行的消费者保护处求助。",
    ],
)
def test_a_complaint_to_any_outside_body_or_office_holder_is_petitioning(text: str) -> None:
    assert _has(text, "信访")


@pytest.mark.parametrize(
    "text",
    [
        "市长办公室来函反映：老年居民在网点办事等得太久。",
        "本地商会来电反映：镇上唯一一台取款机坏了两周。",
        "州议员来电反映：选区里的网点每周只开两天。",
        "残障人士权益组织来函：网点没有无障碍通道。",
    ],
)
def test_a_body_or_office_holder_as_the_sender_is_petitioning(text: str) -> None:
    assert _has(text, "信访")


@pytest.mark.parametrize(
    "text",
    [
        "柜员说处理不了，让他自己去找申诉专员。",
        "工作人员建议她去消费者保护部门反映。",
        "我已经报警了，派出所做了笔录。",
        "我们部门的同事也遇到过，想问问怎么办。",
    ],
)
def test_staff_pointing_to_an_ombudsman_or_the_police_alone_are_no_petition(text: str) -> None:
    assert not _has(text, "信访")


def test_a_regulators_transfer_with_a_complaint_to_it_is_the_channel() -> None:
    text = "监管部门转来投诉：客户向省里的监管部门投诉，网点排队太久。"
    assert not _has(text, "信访", channel=Channel.regulator_transfer)


@pytest.mark.parametrize(
    "text",
    [
        "三位养老金领取人联合来函反映：利息拖了半年没发。",
        "理财产品持有人代表到我所投诉：到期款项迟迟不付。",
        "多家证券会员反映行情中断，无法为客户下单。",
        "约120家公司的公告发不出去，只能停牌。",
        "他说其他会员也是一样，都取不了钱。",
        "网上很多网友都在骂，说今天转账全失败。",
    ],
)
def test_complainants_or_the_harmed_told_as_many_are_a_group(text: str) -> None:
    assert _has(text, "群体投诉")


@pytest.mark.parametrize(
    "text",
    [
        "大厅里排着很多人，我等了一个多小时。",
        "旁边的两个客户也在看热闹。",
        "这家公司的人态度很差。",
    ],
)
def test_people_present_are_still_no_group(text: str) -> None:
    assert not _has(text, "群体投诉")


@pytest.mark.parametrize(
    "text",
    [
        "我没有任何欠款，你们却扣着我卡里的钱不让取。",
        "贷款到账第二天，整个账户都被锁了，原来的存款也动不了。",
        "网点说上面要求，暂停支取已经两年了。",
        "到期的本金至今未付，也没说什么时候付。",
        "公司拖欠我们三期的本金和利息。",
    ],
)
def test_the_exchange_holding_the_money_is_funds_frozen(text: str) -> None:
    assert _has(text, "客户资金被冻结")


@pytest.mark.parametrize(
    "text",
    [
        "App维护了一上午，转账一直失败，下午才恢复。",
        "密码输错了三次，账户被锁了，要去柜台解锁。",
        "利息晚了两天才到账。",
    ],
)
def test_a_system_down_a_locked_login_or_a_late_payment_is_no_funds_frozen(text: str) -> None:
    assert not _has(text, "客户资金被冻结")


@pytest.mark.parametrize(
    "text",
    ["这些年我为这笔退休金打了好几场官司。", "去年已把该公司诉至区法院，还在审理。"],
)
def test_a_suit_already_taken_is_litigation(text: str) -> None:
    assert _has(text, "诉讼威胁")


@pytest.mark.parametrize(
    "text",
    [
        "寄来的对账单后面还附着另外一位客户的保单资料。",
        "登录网银后能看到别的账户的交易明细。",
        "柜员给她的回单上印着我的账号和余额。",
    ],
)
def test_another_customers_papers_or_transactions_shown_are_data_let_out(text: str) -> None:
    assert _has(text, "客户个人信息外泄")


@pytest.mark.parametrize(
    "text",
    [
        "对账单上附有我上个月的交易流水。",
        "我能看到自己两个账户的交易。",
        "柜员给我的回单上印着余额。",
    ],
)
def test_ones_own_papers_or_balance_are_no_data_let_out(text: str) -> None:
    assert not _has(text, "客户个人信息外泄")


@pytest.mark.parametrize(
    "text", ["他已经找了晚报的记者，要把这件事报道出来。", "我会请专栏作家把我的遭遇写出来。"]
)
def test_the_press_asked_to_print_it_is_media(text: str) -> None:
    assert _has(text, "媒体曝光")


def test_a_notice_printed_in_a_paper_is_no_media() -> None:
    assert not _has(text="报纸上登了你们调整营业时间的通知，我没看到。", label="媒体曝光")


@pytest.mark.parametrize(
    "text",
    [
        "我们已经要求金融监管局和消费者委员会介入调查。",
        "居民们呼吁市政府出面干预这次涨价。",
        "我已向银行业投诉机构申请裁决。",
    ],
)
def test_an_authority_asked_to_step_in_with_the_body_before_the_verb_is_petitioning(
    text: str,
) -> None:
    assert _has(text, "信访")


@pytest.mark.parametrize(
    "text",
    ["我要求你们部门经理出面给个说法。", "我要求网点负责人出面解释。"],
)
def test_the_exchanges_own_staff_asked_to_step_in_is_no_petitioning(text: str) -> None:
    assert not _has(text, "信访")


@pytest.mark.parametrize(
    "text",
    [
        "网上一大堆用户都在问同样的问题，你们一句解释都没有。",
        "帖子下面好多人留言说也被扣了手续费。",
        "很多个体户客户都在网上发帖骂你们。",
    ],
)
def test_a_group_told_online_is_a_group(text: str) -> None:
    assert _has(text, "群体投诉")


@pytest.mark.parametrize("text", ["网上很多人说这个产品不错，我才买的。", "很多人不知道这个规定。"])
def test_many_praising_online_or_a_general_remark_is_no_group(text: str) -> None:
    assert not _has(text, "群体投诉")


@pytest.mark.parametrize(
    "text",
    ["调解专员已经裁定你们退款，你们还拖着不办。", "仲裁庭已裁决会员赔偿我两万元。"],
)
def test_a_ruling_already_given_for_the_complainant_is_litigation(text: str) -> None:
    assert _has(text, "诉讼威胁")


def test_a_court_order_the_story_only_cites_is_no_litigation() -> None:
    assert not _has(
        text="托管机构根据法院已裁定的冻结令，暂停支付这批债券的利息。", label="诉讼威胁"
    )


@pytest.mark.parametrize(
    "text",
    [
        "我向你们客服部门反映了三次，都没有下文。",
        "我找了投诉部门反映，至今没有回复。",
        "我去找了你们的部门经理投诉",
        "我到你们机构网点去投诉，排了两个小时。",
        "我向你们的投诉专员反映了好几次。",
        "请求客服部介入处理。",
        "希望有关部门调查一下这个柜员的态度。",
        "希望你们的监管部门能出面处理一下这个柜员",
    ],
)
def test_the_exchanges_own_departments_or_staff_seized_are_no_petitioning(text: str) -> None:
    assert not _has(text, "信访")


@pytest.mark.parametrize(
    "text",
    [
        "我已向金融申诉机构投诉。",
        "我已经向数据保护机构投诉。",
        "我要去消费者保护部门反映。",
        "我已致信首席部长。",
        "我们已要求消费部和央行介入。",
    ],
)
def test_an_outside_body_seized_is_still_petitioning(text: str) -> None:
    assert _has(text, "信访")


@pytest.mark.parametrize(
    "text",
    [
        "ATM暂停取款，只好去柜台排队。",
        "柜员说系统升级，今天暂停取款，明天再来。",
        "我的卡因为密码输错三次被锁，整个账户锁了，去柜台重置就好。",
        "我的本金还没付给你们，是贷款逾期了",
        "存款被临时冻结，去网点核实身份后马上解冻了。",
    ],
)
def test_a_pause_a_lockout_a_debt_or_a_freeze_already_lifted_is_no_funds_frozen(
    text: str,
) -> None:
    assert not _has(text, "客户资金被冻结")


def test_a_phone_call_hung_up_does_not_cancel_money_held_back() -> None:
    assert _has("我的钱取不出来了，打电话给客服，客服把电话挂了。", "客户资金被冻结")


@pytest.mark.parametrize(
    "text",
    [
        "我是股东代表，来问分红到账时间。",
        "客户代表给我打电话推销理财，态度很差。",
        "有三家公司的工作人员在大厅里排队。",
        "其他会员也都这样说，我就不计较了",
        "网上好多人都在说这个理财产品收益不错。",
    ],
)
def test_a_title_people_present_praise_or_a_general_remark_is_no_group(text: str) -> None:
    assert not _has(text, "群体投诉")


@pytest.mark.parametrize(
    "text",
    [
        "邻居家打了好几年官司，所以我很担心。",
        "诉到法院也不怕。",
        "投诉已经裁定，但你们至今没有退还手续费。",
    ],
)
def test_someone_elses_suit_a_boast_or_a_complaint_decided_is_no_litigation(text: str) -> None:
    assert not _has(text, "诉讼威胁")

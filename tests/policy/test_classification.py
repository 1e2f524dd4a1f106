"""Art. 3 categories suggested from a complaint's text, with the evidence named."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from policy.classification import Classification, classify
from policy.enums import Category, Channel, ComplainantKind, Department

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "classification_dev.jsonl"


def category_of(text: str) -> Category:
    return classify(text).category


# --- Art. 3(1) 服务态度类 -----------------------------------------------------------


def test_art3_1_cold_unsmiling_staff_is_service_attitude() -> None:
    assert category_of("柜台的工作人员全程冷着脸，问什么都爱答不理。") == Category.service_attitude


def test_art3_1_shirking_the_customer_is_service_attitude() -> None:
    text = "我问兑付的事，客服说不归她管，让我找客户经理，客户经理又让我找客服，一直踢皮球。"
    assert category_of(text) == Category.service_attitude


def test_art3_1_rude_words_are_service_attitude() -> None:
    assert (
        category_of("理财经理说话很难听，还嫌我问题多，太不尊重人了。") == Category.service_attitude
    )


# --- Art. 3(2) 办事效率类 -----------------------------------------------------------


def test_art3_2_slow_handling_is_efficiency() -> None:
    assert category_of("办一个转让手续等了三个小时，效率太低了。") == Category.efficiency


def test_art3_2_documents_sent_slowly_is_efficiency() -> None:
    assert category_of("说好寄给我的合同原件，一个多月了还没收到。") == Category.efficiency


def test_art3_2_unskilled_staff_making_it_slow_is_efficiency() -> None:
    text = "新来的工作人员对系统不熟，一个认购手续来回折腾了两个小时。"
    assert category_of(text) == Category.efficiency


# --- Art. 3(3) 业务差错类 -----------------------------------------------------------


def test_art3_3_wrong_amount_is_business_error() -> None:
    assert category_of("这个月的收益比合同约定的少，你们肯定算错了。") == Category.business_error


def test_art3_3_name_written_wrongly_is_business_error() -> None:
    assert category_of("确认书上我的名字写错了一个字，要重新办。") == Category.business_error


def test_art3_3_contract_unfamiliarity_leading_to_a_wrong_answer_is_business_error() -> None:
    text = "工作人员不熟悉合同条款，告诉我满三个月就能转让，实际合同约定是六个月。"
    assert category_of(text) == Category.business_error


# --- Art. 3(4) 违规操作类 -----------------------------------------------------------


def test_art3_4_staff_signing_for_customer_is_violation() -> None:
    result = classify("客户经理未经我同意，代客签字办理了续投。")
    assert result.category == Category.violation
    assert any("Art. 3(4)" in r and "「代客签字」" in r for r in result.reasons)


def test_art3_4_promise_of_guaranteed_return_is_violation() -> None:
    assert category_of("销售当初说这个产品保本，年化8%稳赚，现在却亏了。") == Category.violation


def test_art3_4_leaking_personal_data_is_violation() -> None:
    assert category_of("我的手机号和购买记录被泄露给了别的理财公司。") == Category.violation


def test_art3_4_money_into_a_private_account_is_violation() -> None:
    assert category_of("业务员让我把认购款转到他个人账户上。") == Category.violation


# --- negation, contrast and cause -------------------------------------------------------


def test_no_violation_just_slow_is_efficiency() -> None:
    result = classify("没有违规，就是太慢")
    assert result.category == Category.efficiency
    assert result.category_scores[Category.violation] <= 0
    assert any("否定" in r or "排除" in r for r in result.reasons)


def test_not_an_attitude_problem_discounts_service_attitude() -> None:
    text = "不是态度问题，是你们把我的认购金额录错了。"
    result = classify(text)
    assert result.category == Category.business_error
    assert result.category_scores[Category.service_attitude] < 0


def test_attitude_fine_but_slow_is_efficiency() -> None:
    assert category_of("工作人员态度还可以，但是办理太慢了，等了两个小时。") == Category.efficiency


def test_attitude_good_but_wrong_is_business_error() -> None:
    assert category_of("态度挺好的，一直道歉，可是合同日期写错了。") == Category.business_error


def test_unauthorised_is_itself_a_violation_cue_not_a_negation() -> None:
    assert category_of("工作人员未经同意替我办了赎回。") == Category.violation


def test_not_received_is_itself_an_efficiency_cue_not_a_negation() -> None:
    assert category_of("赎回款到现在还未收到，催了好几次。") == Category.efficiency


def test_a_rhetorical_question_is_not_a_negation() -> None:
    assert category_of("员工在大厅给外面的公司拉客户，这不违反规定吗？") == Category.violation


def test_the_clause_after_a_contrast_weighs_more() -> None:
    scores = classify("名字写错了，不过主要是等了太久，效率太低。").category_scores
    assert scores[Category.efficiency] > scores[Category.business_error]


def test_the_stated_cause_weighs_more() -> None:
    text = "赎回款打到了我已经注销的旧卡上，原因是柜台没有核对变更申请，但耽误了一周。"
    assert category_of(text) == Category.business_error


# --- decision rules ---------------------------------------------------------------------


def test_no_cue_falls_back_to_business_error_and_says_so() -> None:
    result = classify("我想反映一下上周的事情。")
    assert result.category == Category.business_error
    assert any("未命中任何类别线索" in r for r in result.reasons)


def test_the_same_text_always_gets_the_same_suggestion() -> None:
    text = "客户经理态度很差，而且把金额算错了。"
    assert classify(text) == classify(text)


@pytest.mark.parametrize("text", ["", "   ", "\n\t　"])
def test_empty_text_raises_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="投诉内容为空"):
        classify(text)


def test_full_width_characters_are_understood() -> None:
    assert category_of("ＡＰＰ上的收益金额有误，少了２００元。") == Category.business_error


# --- the whole suggestion ---------------------------------------------------------------


def test_result_carries_department_and_major_with_their_reasons() -> None:
    result = classify(
        "理财经理未经我同意代我签字，把我的产品赎回了，我要找律师起诉。",
        channel=Channel.phone,
        amount=Decimal("500000"),
    )
    assert result.category == Category.violation
    assert result.department == Department.wealth_center
    assert result.major is True
    assert result.major_reasons
    assert set(result.major_reasons) <= set(result.reasons)
    assert any(r.startswith("Art. 9") for r in result.reasons)


def test_art9_member_institution_complaint_goes_to_member_management() -> None:
    result = classify("你们工作人员态度太差。", complainant=ComplainantKind.member)
    assert result.department == Department.member_management


def test_as_dict_is_the_json_of_the_classify_command() -> None:
    result = classify("兑付拖了半个月还没到账。")
    data = result.as_dict()
    assert set(data) == {"category", "department", "major", "reasons"}
    assert data["category"] == "efficiency"
    assert data["department"] == "wealth_center"
    assert data["major"] is False
    assert all(isinstance(r, str) for r in data["reasons"])
    json.dumps(data, ensure_ascii=False)


def test_classification_is_frozen() -> None:
    result = classify("兑付太慢。")
    assert isinstance(result, Classification)
    with pytest.raises(AttributeError):
        result.category = Category.violation  # type: ignore[misc]


# --- regression guard on the labelled development set -----------------------------------


@pytest.mark.skipif(not DEV_SET.exists(), reason="labelled development set not present")
def test_dev_set_meets_the_accuracy_targets() -> None:
    items = [json.loads(line) for line in DEV_SET.read_text("utf-8").splitlines() if line]
    category = department = found = majors = alarms = minors = 0
    for item in items:
        amount = item.get("amount")
        result = classify(
            item["text"],
            channel=Channel(item["channel"]) if item.get("channel") else None,
            complainant=ComplainantKind(item.get("complainant") or "customer"),
            amount=None if amount is None else Decimal(str(amount)),
        )
        category += result.category.value == item["category"]
        department += result.department.value == item["department"]
        if item["major"]:
            majors += 1
            found += result.major
        else:
            minors += 1
            alarms += result.major
    assert category / len(items) >= 0.85
    assert department / len(items) >= 0.90
    assert found / majors >= 0.90
    assert alarms / minors <= 0.15

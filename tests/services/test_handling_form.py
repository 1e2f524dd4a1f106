"""The Customer Complaint Handling Form (客户投诉处理表, the regulation's annex): every field in
its cell, a printable layout, a version per change, and a read-only archive checked on read."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from models import ComplaintEvent, Document
from models.complaint import Complaint, LeadershipInstruction
from policy.enums import Channel, Role
from services.channels import record_regulator_reply
from services.handling_form import (
    ArchiveTamperedError,
    HandlingFormArchivedError,
    HandlingFormData,
    handling_form_data,
    read_archived_form,
    render_handling_form,
    write_handling_form,
)
from tests.models.factories import NOW, make_complaint
from tests.support.cases import Cast, carry_through


def _rows(document: docx.document.Document) -> list[list[str]]:
    """The texts of the form's table, row by row; a merged cell is read once."""
    (table,) = document.tables
    rows = []
    for row in table.rows:
        unique = []
        for cell in row.cells:
            if not unique or cell._tc is not unique[-1]._tc:
                unique.append(cell)
        rows.append([cell.text for cell in unique])
    return rows


def _pairs(document: docx.document.Document) -> list[tuple[str, str]]:
    """(label, value) of every field, in the order printed; section headings (a row that is
    one cell) are left out."""
    return [
        (label, value)
        for texts in _rows(document)
        if len(texts) > 1
        for label, value in zip(texts[::2], texts[1::2], strict=True)
    ]


def _headings(document: docx.document.Document) -> list[str]:
    return [texts[0] for texts in _rows(document) if len(texts) == 1]


def _cells(document: docx.document.Document) -> dict[str, str]:
    """Label → value of the form's table (the signature lines' 日期 once)."""
    return dict(_pairs(document))


def _write(session: Session, settings: Settings, complaint: Complaint, **options) -> Document:
    document = write_handling_form(
        session, complaint_id=complaint.id, data_dir=settings.data_dir, **options
    )
    session.commit()
    return document


def test_annex_form_read_back_has_every_field_in_its_cell(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    carry_through(session, complaint, cast, major=True)
    document = _write(session, settings, complaint, final=True, now=NOW + timedelta(days=5))

    cells = _cells(docx.Document(document.path))

    fields = handling_form_data(session, complaint.id).fields().values()
    assert set(cells) == {field.label for field in fields}
    expected = {
        "投诉编号": complaint.reference,
        "受理时间": "2026年11月27日 09:55",
        "投诉渠道": "电话投诉",
        "投诉人类别": "客户",
        "投诉人": "张三",
        "联系方式": "13800001234；zhangsan@example.test",
        "投诉类别": "办事效率类",
        "受理部门": "财富中心（投诉电话 028-85323543）",
        "首问负责人": "李首问",
        "重大投诉认定": "是：涉及客户资金，可能引起媒体关注",
        "文字记录（接待、解释及致歉经过）": "客户来电反映赎回款未到账，已致歉并说明将核查。",
        "记录提交时间": "2026年11月27日 12:00",
        "处理人": "陈处理",
        "承诺回复时间": "2026年12月12日 10:00",
        "办结日期": "2026年12月01日",
        "归档日期": "2026年12月02日",
    }
    assert {label: cells[label] for label in expected} == expected
    assert cells["投诉内容"] == complaint.content
    assert "属实：划付指令延误两个工作日" in cells["核实结果"]
    assert "已补划赎回款" in cells["解决方案"]
    assert "客户满意：款项已到账，满意" in cells["客户意见及反馈"]
    manager = cells["部门经理意见"].split("\n")
    assert "安排陈处理跟进处理：由运营岗核查资金划付记录（王经理）" in manager[0]
    assert "认定为重大投诉" in manager[1]
    assert "同意：同意处理方案，加强划付复核（刘总）" in cells["公司领导意见"]


def test_art4_3_the_form_shows_leadership_instruction_before_their_sign_off(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    carry_through(session, complaint, cast, major=True)
    session.add(
        LeadershipInstruction(
            complaint_id=complaint.id,
            instruction="先行补划赎回款，三日内向客户说明",
            handler_id=cast.handler.id,
            due_at=NOW + timedelta(days=3),
            given_by_id=cast.leader.id,
            given_at=NOW + timedelta(hours=5),
        )
    )
    session.commit()
    cells = _cells(docx.Document(_write(session, settings, complaint).path))
    leadership = cells["公司领导意见"].split("\n")
    assert leadership[0] == (
        "2026年11月27日 15:00 研究处理意见：先行补划赎回款，三日内向客户说明"
        "（指定处理人员：陈处理；处理时限：2026年11月30日 10:00）（刘总）"
    )
    assert "同意：同意处理方案，加强划付复核（刘总）" in leadership[1]


def test_art7_the_form_lists_the_extensions_and_their_approvals(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    from models.extensions import ReplyExtension
    from policy.extensions import ExtensionStatus

    carry_through(session, complaint, cast, major=True)
    session.add_all(
        [
            ReplyExtension(
                complaint_id=complaint.id,
                requested_by_id=cast.owner.id,
                requested_at=NOW + timedelta(days=1),
                previous_reply_at=NOW + timedelta(days=15),
                new_reply_at=NOW + timedelta(days=20),
                reason="需向托管银行调取划付记录",
                complex_case=True,
                status=ExtensionStatus.approved,
                decided_by_id=cast.superior.id,
                decided_at=NOW + timedelta(days=1, hours=2),
                comment="同意",
            ),
            ReplyExtension(
                complaint_id=complaint.id,
                requested_by_id=cast.handler.id,
                requested_at=NOW + timedelta(days=2),
                new_reply_at=NOW + timedelta(days=22),
                reason="等待客户补充材料",
                status=ExtensionStatus.pending,
            ),
        ]
    )
    session.commit()
    cells = _cells(docx.Document(_write(session, settings, complaint).path))
    assert cells["延期答复及审批"].split("\n") == [
        "2026年11月28日 10:00 李首问申请延至2026年12月17日 10:00（复杂投诉）："
        "需向托管银行调取划付记录；已批准（赵主任，2026年11月28日 12:00：同意）",
        "2026年11月29日 10:00 陈处理申请延至2026年12月19日 10:00：等待客户补充材料；待审批",
    ]


def test_the_form_lists_the_evidence_with_sizes_and_hashes(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    from policy.evidence import DEFAULT_TYPES
    from services.evidence import attach_evidence

    carry_through(session, complaint, cast, major=False)
    session.commit()
    files = [
        ("通话录音.mp3", b"ID3" + b"\x00" * 2045),
        ("截图.png", b"\x89PNG\r\n\x1a\n" + b"1" * 92),
    ]
    for name, content in files:
        attach_evidence(
            session,
            complaint=complaint,
            actor=cast.handler,
            name=name,
            content=content,
            now=NOW + timedelta(days=1),
            data_dir=settings.data_dir,
            max_bytes=1 << 20,
            allowed=DEFAULT_TYPES,
        )
    cells = _cells(docx.Document(_write(session, settings, complaint).path))
    assert cells["证据材料"].split("\n") == [
        f"通话录音.mp3（2 KB，SHA-256：{hashlib.sha256(files[0][1]).hexdigest()}）",
        f"截图.png（100 字节，SHA-256：{hashlib.sha256(files[1][1]).hexdigest()}）",
    ]


def test_non_major_case_says_leadership_review_is_not_needed(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    carry_through(session, complaint, cast, major=False)
    cells = _cells(docx.Document(_write(session, settings, complaint).path))
    assert cells["公司领导意见"] == "非重大投诉，无需报公司领导审阅"
    assert cells["重大投诉认定"].startswith("否")
    assert cells["归档日期"] == ""


def test_form_prints_on_a4_in_simsun_with_a_bordered_table_and_shaded_labels(
    session: Session, settings: Settings, complaint: Complaint
) -> None:
    document = docx.Document(_write(session, settings, complaint).path)

    section = document.sections[0]
    # A4, to the twip Word stores it in
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    normal_fonts = document.styles["Normal"].element.rPr.rFonts
    assert normal_fonts.get(qn("w:eastAsia")) == "宋体"
    title = next(p for p in document.paragraphs if p.text == "客户投诉处理表")
    assert title.runs[0].bold
    (table,) = document.tables
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {child.get(qn("w:val")) for child in borders} == {"single"}
    assert len(borders) == 6  # four edges and both inner directions
    for row in table.rows:
        label = row.cells[0]
        shading = label._tc.tcPr.find(qn("w:shd"))
        assert shading is not None and shading.get(qn("w:fill")) == "D9D9D9", label.text
        assert label.paragraphs[0].runs[0].bold
    assert document.core_properties.title == f"客户投诉处理表 {complaint.reference}"


def test_unchanged_complaint_adds_no_version_and_each_change_adds_one(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    first = _write(session, settings, complaint)
    same = _write(session, settings, complaint, now=NOW + timedelta(hours=1))
    carry_through(session, complaint, cast)
    changed = _write(session, settings, complaint)

    assert same.id == first.id
    assert (first.version, changed.version) == (1, 2)
    folder = settings.data_dir.resolve() / "documents" / complaint.reference
    assert Path(first.path) == folder / f"{complaint.reference}-v1.docx"
    assert Path(changed.path) == folder / f"{complaint.reference}-v2.docx"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{complaint.reference}-v1.docx",
        f"{complaint.reference}-v2.docx",
    ]
    for document in (first, changed):
        assert hashlib.sha256(Path(document.path).read_bytes()).hexdigest() == document.sha256
    assert _cells(docx.Document(first.path))["处理人"] == ""
    assert _cells(docx.Document(changed.path))["处理人"] == "陈处理"
    events = session.scalars(
        select(ComplaintEvent.kind).where(ComplaintEvent.kind.like("handling_form%"))
    ).all()
    assert events == ["handling_form_generated", "handling_form_generated"]


def test_form_data_is_compared_by_a_canonical_digest_not_by_docx_bytes(
    session: Session, settings: Settings, complaint: Complaint
) -> None:
    data = handling_form_data(session, complaint.id)
    assert isinstance(data, HandlingFormData) and data.digest() == data.digest()
    # python-docx output carries the time of writing: bytes differ, the digest does not.
    assert render_handling_form(data, generated_at="a") != render_handling_form(
        data, generated_at="b"
    )


def test_art4_1_archived_form_is_read_only_and_refuses_further_writes(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    carry_through(session, complaint, cast)
    draft = _write(session, settings, complaint)
    final = _write(session, settings, complaint, final=True)

    assert final.final and final.version == draft.version + 1
    assert stat.S_IMODE(os.stat(final.path).st_mode) == 0o444
    with pytest.raises(HandlingFormArchivedError):
        _write(session, settings, complaint)
    session.rollback()
    assert read_archived_form(session, complaint.id) == Path(final.path).read_bytes()


def test_archived_form_is_checked_against_its_checksum_when_read(
    session: Session, settings: Settings, complaint: Complaint
) -> None:
    final = _write(session, settings, complaint, final=True)
    path = Path(final.path)
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes() + b"\0")

    with pytest.raises(ArchiveTamperedError, match="does not match"):
        read_archived_form(session, complaint.id)
    path.unlink()
    with pytest.raises(ArchiveTamperedError, match="missing"):
        read_archived_form(session, complaint.id)


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_form_converts_to_pdf_with_libreoffice(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint, tmp_path: Path
) -> None:
    carry_through(session, complaint, cast)
    source = Path(_write(session, settings, complaint).path)
    profile = tmp_path / "lo-profile"  # one profile per process: a shared one fails silently
    done = subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pdf = (tmp_path / source.with_suffix(".pdf").name).read_bytes()
    assert pdf.startswith(b"%PDF") and b"/BaseFont" in pdf
    cjk = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if cjk:
        # With a CJK font installed, the Chinese is drawn in it, not as boxes.
        families = {name.replace(" ", "") for line in cjk.splitlines() for name in line.split(",")}
        embedded = [
            part.split(b"/")[0].split(b"+")[-1].decode() for part in pdf.split(b"/BaseFont/")[1:]
        ]
        assert any(name.strip() in families for name in embedded), embedded


def test_art4_2_complaint_resolved_on_the_spot_shows_its_solution_once(
    session: Session, settings: Settings, cast: Cast
) -> None:
    complaint = make_complaint(
        session,
        settings,
        owner=cast.owner,
        resolved_on_the_spot=True,
        resolution="当场查询到账情况并向客户解释",
        promised_reply_at=None,
    )
    session.commit()
    cells = _cells(docx.Document(_write(session, settings, complaint).path))
    assert cells["解决方案"].count("当场查询到账情况并向客户解释") == 1
    assert cells["解决方案"].startswith("现场解决")
    assert cells["承诺回复时间"] == ""


# Every field read back ------------------------------------------------------------------------

SIGNATURE_KEYS = {
    f"{who}_{part}"
    for who in ("handler", "manager", "leader")
    for part in ("signature", "signed_on")
}


def _fully_recorded(
    session: Session, settings: Settings, cast: Cast
) -> tuple[Complaint, Complaint]:
    """A regulator transfer with every part of the form recorded through the services: the
    subject and the demand, an earlier complaint by the same customer, the written record late
    (a breach, and compliance's finding on it), a major decision, leadership's instruction, the
    handling with evidence, a contact and progress notices, an extension approved, the sign-off,
    a reopened round, and closure with a satisfied customer."""
    from models import Deadline
    from policy.accountability import Finding
    from policy.enums import Channel, DeadlineKind, Department
    from policy.evidence import DEFAULT_TYPES
    from policy.subjects import Demand
    from services.accountability import record_finding
    from services.contacts import record_contact
    from services.deadlines import check_deadline
    from services.evidence import attach_evidence
    from services.extensions import decide_extension, request_extension
    from services.steps import (
        assign,
        decide_major,
        give_leadership_instruction,
        record_feedback,
        record_handling,
        review_handling,
        submit_written_record,
    )
    from tests.support.cases import make_staff

    hour, day = timedelta(hours=1), timedelta(days=1)
    make_staff(session, "zhou_subject", "周某某", Role.staff)  # the person complained about
    session.commit()
    earlier = make_complaint(
        session,
        settings,
        owner=cast.owner,
        received_at=NOW - 20 * day,
        customer_email="zhangsan@example.test",
    )
    session.commit()
    complaint = make_complaint(
        session,
        settings,
        owner=cast.owner,
        channel=Channel.regulator_transfer,
        customer_email="zhangsan@example.test",
        product="稳盈1号",
        amount=Decimal("50000"),
        subject_department=Department.wealth_center,
        subject_staff="zhou_subject",
        subject_institution="某某会员机构",
        demand=Demand.refund,
        demand_note="退还认购手续费",
    )
    session.commit()
    record_limit = session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint.id, Deadline.kind == DeadlineKind.written_record
        )
    ).one()
    check_deadline(
        session, deadline_id=record_limit.id, purpose="breach", now=record_limit.due_at + hour
    )
    session.commit()
    at = record_limit.due_at + 2 * hour
    submit_written_record(
        session,
        complaint=complaint,
        actor=cast.owner,
        text="接听来电，向客户解释赎回流程并致歉，承诺核查后答复。",
        now=at,
    )
    assign(
        session,
        complaint=complaint,
        actor=cast.manager,
        handler="chen_handler",
        reason="由运营岗核查",
        now=at + hour,
    )
    decide_major(
        session,
        complaint=complaint,
        actor=cast.manager,
        major=True,
        reason="监管转办，涉及客户资金",
        now=at + 2 * hour,
    )
    give_leadership_instruction(
        session,
        complaint=complaint,
        actor=cast.leader,
        instruction="先行核实资金划付，三日内答复监管",
        handler="chen_handler",
        now=at + 3 * hour,
    )
    session.commit()
    record_finding(
        session,
        deadline_id=record_limit.id,
        actor=cast.compliance,
        finding=Finding.warning,
        note="首问负责人逾时提交文字记录",
        now=at + 4 * hour,
    )
    attach_evidence(
        session,
        complaint=complaint,
        actor=cast.handler,
        name="通话录音.mp3",
        content=b"ID3" + b"\x00" * 2045,
        now=at + 5 * hour,
        data_dir=settings.data_dir,
        max_bytes=1 << 20,
        allowed=DEFAULT_TYPES,
    )
    record_contact(
        session,
        complaint=complaint,
        actor=cast.handler,
        method="phone",
        reached=True,
        summary="告知正在核查划付记录",
        now=at + 6 * hour,
    )
    extension = request_extension(
        session,
        complaint=complaint,
        actor=cast.handler,
        new_reply_at=complaint.promised_reply_at + 5 * day,
        reason="需向托管银行调取划付记录",
        now=at + 7 * hour,
        settings=settings,
    )
    decide_extension(
        session,
        complaint=complaint,
        extension_id=extension.id,
        actor=cast.manager,
        approved=True,
        comment="同意延期",
        now=at + 8 * hour,
        settings=settings,
    )
    session.commit()
    for round_, satisfied in ((1, False), (2, True)):
        start = at + round_ * day
        record_handling(
            session,
            complaint=complaint,
            actor=cast.handler,
            founded=True,
            evidence=f"第{round_}次核查：划付指令延误",
            solution=f"第{round_}次方案：退还认购手续费",
            now=start,
        )
        review_handling(
            session,
            complaint=complaint,
            actor=cast.leader,
            approved=True,
            comment="同意处理方案",
            now=start + hour,
        )
        if satisfied:  # Art. 3: a regulator transfer closes once the regulator was answered
            record_regulator_reply(
                session,
                complaint=complaint,
                actor=cast.handler,
                method="书面函件",
                note="已函复监管部门",
                now=start + hour + hour / 2,
            )
        record_feedback(
            session,
            complaint=complaint,
            actor=cast.handler,
            satisfied=satisfied,
            comment="满意" if satisfied else "要求同时补偿利息",
            now=start + 2 * hour,
        )
        session.commit()
    return complaint, earlier


def test_annex_every_field_of_a_fully_recorded_complaint_is_read_back_from_the_document(
    session: Session, settings: Settings, cast: Cast
) -> None:
    complaint, earlier = _fully_recorded(session, settings, cast)
    archived_at = NOW + timedelta(days=10)
    final = _write(session, settings, complaint, final=True, now=archived_at)
    document = docx.Document(final.path)
    pairs = _pairs(document)
    cells = dict(pairs)
    data = handling_form_data(session, complaint.id, archived_at=archived_at)
    fields = data.fields()

    # Every field of the form is printed, with its label, in its own cell, and says what was
    # recorded: none is empty but the early closure (the customer was satisfied) and the lines
    # left to sign by hand.
    for field in fields.values():
        assert (field.label, field.value) in pairs, field.key
    assert {key for key, field in fields.items() if not field.value} == {"closure"} | SIGNATURE_KEYS
    assert _headings(document) == [section.title for section in data.sections]

    # ...and each says what the services recorded.
    expected = {
        "投诉渠道": "行政监管部门转办",
        "涉及产品": "稳盈1号",
        "涉及金额": "50,000.00 元",
        "被投诉部门": "财富中心",
        "被投诉人员": "周某某",
        "被投诉会员机构": "某某会员机构",
        "客户诉求": "退款：退还认购手续费",
        "文字记录（接待、解释及致歉经过）": "接听来电，向客户解释赎回流程并致歉，承诺核查后答复。",
        "文字记录时限": "应于2026年11月28日 09:55前提交，2026年11月28日 11:55提交，超时",
        "超时记录": "24小时文字记录：应于2026年11月28日 09:55前完成，2026年11月28日 11:55完成"
        "（责任人：李首问）",
        "超时责任认定": "24小时文字记录超时（责任人：李首问）：警示提醒：首问负责人逾时提交文字记录"
        "（孙合规，2026年11月28日 15:55）",
        "处理结论": "核实结论：属实；结案方式：客户满意办结",
        "关联前次投诉": earlier.reference,
        "重新处理轮次": "1 轮",
        "处理人": "陈处理",
        "归档日期": "2026年12月07日",
    }
    assert {label: cells[label] for label in expected} == expected
    channel = cells["渠道信息"].split("\n")
    assert channel[0] == "转办单位：四川证监局" and channel[2].startswith("监管回复期限：")
    assert channel[3].startswith("回复监管：") and channel[3].endswith("已函复监管部门")
    assert cells["证据材料"].startswith("通话录音.mp3（2 KB，SHA-256：")
    assert cells["联系客户记录"] == (
        "2026年11月28日 17:55 电话，已联系上：告知正在核查划付记录（陈处理）"
    )
    # The milestones and the extension told to the customer, each on its line (the outbox
    # stamps the time it queued them).
    notices = [line.split(" ", 2)[2] for line in cells["进度通报"].split("\n")]
    assert notices == [
        "处理进展通报（待发送）：您的投诉已安排专人跟进处理。",
        "处理进展通报（待发送）：您的投诉已列为重大投诉，将报公司领导研究处理。",
        "处理进展通报（待发送）：您的投诉答复时间经批准延至 2026-12-17 10:00。"
        "延期原因：需向托管银行调取划付记录",
    ]
    assert (
        "已批准（王经理" in cells["延期答复及审批"]
        and "需向托管银行调取划付记录" in cells["延期答复及审批"]
    )
    leadership = cells["公司领导意见"].split("\n")
    assert (
        "研究处理意见：先行核实资金划付，三日内答复监管（指定处理人员：陈处理）（刘总）"
        in leadership[0]
    )
    assert [line.endswith("同意：同意处理方案（刘总）") for line in leadership[1:]] == [True, True]
    assert cells["解决方案"].split("\n")[1].startswith("第2轮")
    assert "客户不满意：要求同时补偿利息" in cells["客户意见及反馈"]
    assert "客户满意：满意" in cells["客户意见及反馈"]
    # Lines to sign on a printout, blank.
    signatures = [pair for pair in pairs if pair[0].endswith("签字") or pair[0] == "日期"]
    assert signatures == [
        ("经办人签字", ""),
        ("日期", ""),
        ("部门经理签字", ""),
        ("日期", ""),
        ("公司领导签字", ""),
        ("日期", ""),
    ]


def test_annex_a_field_nothing_was_recorded_for_is_printed_empty(
    session: Session, settings: Settings, complaint: Complaint
) -> None:
    cells = _cells(docx.Document(_write(session, settings, complaint).path))

    nothing_yet = [
        "被投诉部门",
        "被投诉人员",
        "被投诉会员机构",
        "文字记录（接待、解释及致歉经过）",
        "记录提交时间",
        "处理人",
        "核实结果",
        "证据材料",
        "解决方案",
        "客户意见及反馈",
        "联系客户记录",
        "进度通报",
        "文字记录时限",
        "超时记录",
        "延期答复及审批",
        "超时责任认定",
        "公司领导意见",
        "处理结论",
        "提前办结",
        "关联前次投诉",
        "重新处理轮次",
        "办结日期",
        "归档日期",
        "经办人签字",
        "日期",
    ]
    assert {label: cells[label] for label in nothing_yet} == dict.fromkeys(nothing_yet, "")
    assert cells["客户诉求"] == ""  # nothing in the text suggested one, and staff chose none


def test_a_form_with_none_of_the_added_fields_digests_as_the_first_edition_did(
    session: Session, settings: Settings, complaint: Complaint
) -> None:
    """A form written before fields were added is not written again only because they were:
    with nothing in them, the digest is that of the first edition's fields."""
    from services.handling_form.fields import FIRST_EDITION

    first = _write(session, settings, complaint)
    data = handling_form_data(session, complaint.id)
    first_edition = {"complaint_id": complaint.id} | {
        key: field.value for key, field in data.fields().items() if key in FIRST_EDITION
    }
    canonical = json.dumps(first_edition, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert data.digest() == hashlib.sha256(canonical.encode()).hexdigest()
    assert _write(session, settings, complaint, now=NOW + timedelta(hours=1)).id == first.id


def test_an_archived_form_is_returned_not_rewritten_however_the_form_grows(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    from services.handling_form import ensure_handling_form

    carry_through(session, complaint, cast)
    final = _write(session, settings, complaint, final=True)
    again = ensure_handling_form(
        session, complaint_id=complaint.id, data_dir=settings.data_dir, final=True, tz=settings.tz
    )
    assert again.id == final.id
    assert [v.version for v in session.scalars(select(Document))] == [final.version]


def test_a_section_added_to_the_form_is_printed_and_leaves_forms_without_its_data_as_they_were(
    session: Session, settings: Settings, complaint: Complaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group of fields is added in one place, ``SECTIONS``: the page prints it and the digest
    takes it, and a complaint with nothing to put in it keeps its form's version."""
    from services.handling_form import fields as form_fields

    first = _write(session, settings, complaint)
    recorded: dict[int, str] = {}

    def extra(source: form_fields.FormSource) -> form_fields.FormSection:
        value = recorded.get(source.case.complaint.id, "")
        return form_fields.FormSection(
            "附、测试栏目", (form_fields.row(form_fields.FormField("extra", "测试字段", value)),)
        )

    monkeypatch.setattr(form_fields, "SECTIONS", (*form_fields.SECTIONS, extra))
    same = _write(session, settings, complaint, now=NOW + timedelta(hours=1))
    recorded[complaint.id] = "有内容"
    changed = _write(session, settings, complaint, now=NOW + timedelta(hours=2))

    assert same.id == first.id
    assert changed.version == first.version + 1
    document = docx.Document(changed.path)
    assert _headings(document)[-1] == "附、测试栏目"
    assert _cells(document)["测试字段"] == "有内容"


def test_art3_the_form_carries_the_regulator_transfer_and_the_reply_to_the_regulator(
    session: Session, settings: Settings, cast: Cast
) -> None:
    complaint = make_complaint(
        session, settings, owner=cast.owner, channel=Channel.regulator_transfer
    )
    cells = _cells(docx.Document(_write(session, settings, complaint).path))
    assert cells["投诉渠道"] == "行政监管部门转办"
    details = cells["渠道信息"].splitlines()
    assert "转办单位：四川证监局" in details and "回复监管：尚未登记" in details
    assert any(line.startswith("监管回复期限：") for line in details)
    record_regulator_reply(
        session, complaint=complaint, actor=cast.owner, method="书面函件", note="已函复", now=NOW
    )
    session.commit()
    cells = _cells(docx.Document(_write(session, settings, complaint).path))
    assert any(
        line.startswith("回复监管：") and "书面函件" in line and "已函复" in line
        for line in cells["渠道信息"].splitlines()
    )


def test_a_complaint_without_channel_details_prints_the_channel_alone(
    session: Session, settings: Settings, cast: Cast
) -> None:
    complaint = make_complaint(session, settings, owner=cast.owner, channel=Channel.phone)
    cells = _cells(docx.Document(_write(session, settings, complaint).path))
    assert cells["投诉渠道"] == "电话投诉" and cells.get("渠道信息", "") == ""

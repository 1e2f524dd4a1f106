"""The form as a .docx file (python-docx): A4, 宋体 body, 黑体 title, a bordered table."""

from __future__ import annotations

import io

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from services.handling_form.fields import (
    EAST_ASIAN_FONT,
    FORM_TITLE,
    ISSUER,
    LABEL_SHADING,
    LATIN_FONT,
    TITLE_FONT,
    HandlingFormData,
)

SHORT_ROW = 0.8  # cm: the least height of a row


def stored_identifier(path: str) -> str:
    return docx.Document(path).core_properties.identifier or ""


def _set_fonts(run_or_style_font_element: object, *, east_asian: str, size: float | None) -> None:
    """Latin and East Asian font of a run or style: Word reads Chinese text from w:eastAsia."""
    font = run_or_style_font_element.font  # type: ignore[attr-defined]
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    r_pr = run_or_style_font_element.element.get_or_add_rPr()  # type: ignore[attr-defined]
    r_fonts = r_pr.get_or_add_rFonts()
    r_fonts.set(qn("w:eastAsia"), east_asian)
    r_fonts.set(qn("w:ascii"), LATIN_FONT)
    r_fonts.set(qn("w:hAnsi"), LATIN_FONT)
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _shade(cell: object, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc_pr.append(shading)


def _borders(table: object) -> None:
    """Single black borders on every edge and between every cell, whatever the style says."""
    tbl_pr = table._tbl.tblPr  # type: ignore[attr-defined]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "6")
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    tbl_pr.append(borders)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)


def _write_cell(
    cell: object, text: str, *, label: bool = False, top: bool = False, heading: bool = False
) -> None:
    """One line of ``text`` a paragraph; a label centred and bold, a heading bold; both shaded."""
    lines = text.split("\n") if text else [""]
    for index, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()  # type: ignore[attr-defined]
        paragraph.paragraph_format.space_after = Pt(0)
        if label and not heading:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.bold = label or heading
    cell.vertical_alignment = (  # type: ignore[attr-defined]
        WD_CELL_VERTICAL_ALIGNMENT.TOP if top else WD_CELL_VERTICAL_ALIGNMENT.CENTER
    )
    if label or heading:
        _shade(cell, LABEL_SHADING)


def render(
    data: HandlingFormData, *, version: int | None = None, generated_at: str | None = None
) -> bytes:
    """The form as .docx bytes: A4, 宋体 body, 黑体 title, a bordered table, shaded labels."""
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.2)

    normal = document.styles["Normal"]
    _set_fonts(normal, east_asian=EAST_ASIAN_FONT, size=10.5)  # 五号
    normal.paragraph_format.space_after = Pt(0)

    issuer = document.add_paragraph()
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(issuer.add_run(ISSUER), east_asian=EAST_ASIAN_FONT, size=12)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)
    title_run = title.add_run(FORM_TITLE)
    title_run.bold = True
    _set_fonts(title_run, east_asian=TITLE_FONT, size=18)  # 小二
    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    number.paragraph_format.space_after = Pt(4)
    number.add_run(f"编号：{data.reference}")

    widths = (Cm(3.1), Cm(5.2), Cm(3.1), Cm(5.2))
    rows = sum(1 + len(part.rows) for part in data.sections)
    table = document.add_table(rows=rows, cols=4)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for cells in (row.cells for row in table.rows):
        for cell, width in zip(cells, widths, strict=True):
            cell.width = width
    table_rows = iter(table.rows)
    for part in data.sections:
        heading = next(table_rows)
        _write_cell(heading.cells[0].merge(heading.cells[3]), part.title, heading=True)
        heading.height = Cm(SHORT_ROW)
        heading.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        for form_row in part.rows:
            row = next(table_rows)
            cells = row.cells
            if len(form_row.fields) == 1:
                (field,) = form_row.fields
                _write_cell(cells[0], field.label, label=True)
                merged = cells[1].merge(cells[3])
                _write_cell(merged, field.value, top=form_row.height is not None)
            else:
                for offset, field in enumerate(form_row.fields):
                    _write_cell(cells[offset * 2], field.label, label=True)
                    _write_cell(cells[offset * 2 + 1], field.value)
            row.height = Cm(form_row.height or SHORT_ROW)
            row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note = "本表由客户投诉处理系统生成"
    if version is not None:
        note += f"  第 {version} 版"
    if generated_at:
        note += f"  {generated_at}"
    _set_fonts(footer.add_run(note), east_asian=EAST_ASIAN_FONT, size=8)

    properties = document.core_properties
    properties.title = f"{FORM_TITLE} {data.reference}"
    properties.subject = FORM_TITLE
    properties.author = ISSUER
    properties.language = "zh-CN"
    properties.identifier = f"sha256:{data.digest()}"
    if version is not None:
        properties.revision = version
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

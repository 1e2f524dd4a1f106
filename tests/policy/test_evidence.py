"""Which files are accepted as evidence: the extension must be allowed and the content must be
of the kind it names (a renamed file is refused); empty and oversized files are refused, each
with a Chinese reason."""

from __future__ import annotations

import io
import zipfile

import pytest

from policy.evidence import (
    DEFAULT_TYPES,
    EvidenceRefused,
    FileTooLarge,
    check_file,
    size_label,
)


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


SAMPLES = {
    "letter.pdf": (b"%PDF-1.7\n...", "application/pdf"),
    "screen.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    "photo.JPG": (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    "call.mp3": (b"ID3\x04\x00\x00\x00\x00", "audio/mpeg"),
    "call2.mp3": (b"\xff\xfb\x90\x64\x00", "audio/mpeg"),
    "call.m4a": (b"\x00\x00\x00\x20ftypM4A \x00\x00", "audio/mp4"),
    "call.wav": (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
    "call.amr": (b"#!AMR\n\x3c", "audio/amr"),
    "reply.docx": (
        _docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "notes.txt": ("客户来电记录：已核实。\n".encode(), "text/plain"),
    "gbk.txt": ("客户来电记录".encode("gb18030"), "text/plain"),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_each_common_kind_is_recognised_by_its_content(name: str) -> None:
    content, media_type = SAMPLES[name]
    kind = check_file(name, content, allowed=DEFAULT_TYPES, max_bytes=1 << 20)
    assert kind.media_type == media_type


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("letter.pdf", b"MZ\x90\x00 a program", "内容不是PDF 文档"),
        ("screen.png", b"%PDF-1.7", "内容不是PNG 图片"),
        ("reply.docx", b"PK\x03\x04 not a zip", "内容不是Word 文档"),
        ("notes.txt", b"\x00\x01\x02binary", "内容不是文本文件"),
        ("run.exe", b"MZ\x90\x00", "不接受该类型的文件"),
        ("noextension", b"%PDF-1.7", "不接受该类型的文件"),
        ("empty.pdf", b"", "是空文件"),
        ("", b"%PDF-1.7", "请选择要上传的文件"),
    ],
)
def test_a_file_not_of_an_allowed_kind_is_refused_with_the_reason(
    name: str, content: bytes, message: str
) -> None:
    with pytest.raises(EvidenceRefused, match=message):
        check_file(name, content, allowed=DEFAULT_TYPES, max_bytes=1 << 20)


def test_a_kind_left_off_the_allowed_list_is_refused() -> None:
    with pytest.raises(EvidenceRefused, match="可上传的类型：pdf"):
        check_file("screen.png", SAMPLES["screen.png"][0], allowed=("pdf",), max_bytes=100)


def test_a_file_over_the_limit_is_refused_as_too_large() -> None:
    with pytest.raises(FileTooLarge, match="超过上限 1 KB"):
        check_file("letter.pdf", b"%PDF-" + b"x" * 1024, allowed=DEFAULT_TYPES, max_bytes=1024)


def test_sizes_are_written_as_staff_read_them() -> None:
    assert size_label(300) == "300 字节"
    assert size_label(20 * 1024) == "20 KB"
    assert size_label(20 * 1024 * 1024) == "20 MB"
    assert size_label(1536 * 1024) == "1.5 MB"

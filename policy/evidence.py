"""Evidence attached to a complaint (证据材料: recordings, screenshots, letters), Art. 2(2) 核实
and Art. 4 处理过程存档: what kinds of file are accepted and how a file proves its kind.

A file is accepted when its name's extension is on the allowed list *and* its first bytes are
those of that kind (a renamed program is refused). Pure functions; the storage and the
table are ``services.evidence``'s.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# The kinds the system can check, by extension: (media type, Chinese name).
FILE_TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "PDF 文档"),
    "png": ("image/png", "PNG 图片"),
    "jpg": ("image/jpeg", "JPEG 图片"),
    "jpeg": ("image/jpeg", "JPEG 图片"),
    "mp3": ("audio/mpeg", "MP3 录音"),
    "m4a": ("audio/mp4", "M4A 录音"),
    "wav": ("audio/wav", "WAV 录音"),
    "amr": ("audio/amr", "AMR 录音"),
    "docx": (DOCX, "Word 文档"),
    "txt": ("text/plain", "文本文件"),
}
DEFAULT_TYPES = ("pdf", "png", "jpg", "jpeg", "mp3", "m4a", "wav", "amr", "docx", "txt")
MAX_NAME = 200


class EvidenceRefused(ValueError):
    """The file is not accepted; the message says why, in Chinese."""


class FileTooLarge(EvidenceRefused):
    """The file is larger than the configured limit."""


@dataclass(frozen=True)
class FileKind:
    extension: str
    media_type: str


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower().removeprefix(".")


def _is_mp3(head: bytes) -> bool:
    # An ID3 tag, or an MPEG audio frame's sync word (11 bits set).
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _is_docx(content: bytes) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return all(ch.isprintable() or ch in "\t\r\n\f\ufeff" for ch in text)
    return False


def content_matches(extension: str, content: bytes) -> bool:
    """Whether ``content`` begins (or, for text and Word, is made) as a file of that kind."""
    head = content[:16]
    match extension:
        case "pdf":
            return head.startswith(b"%PDF-")
        case "png":
            return head.startswith(b"\x89PNG\r\n\x1a\n")
        case "jpg" | "jpeg":
            return head.startswith(b"\xff\xd8\xff")
        case "mp3":
            return _is_mp3(head)
        case "m4a":
            return head[4:8] == b"ftyp"
        case "wav":
            return head.startswith(b"RIFF") and head[8:12] == b"WAVE"
        case "amr":
            return head.startswith(b"#!AMR")
        case "docx":
            return _is_docx(content)
        case "txt":
            return _is_text(content)
    return False


def allowed_label(allowed: tuple[str, ...]) -> str:
    return "、".join(extension for extension in allowed if extension in FILE_TYPES)


def check_file(name: str, content: bytes, *, allowed: tuple[str, ...], max_bytes: int) -> FileKind:
    """The kind of an uploaded file, or ``EvidenceRefused`` (``FileTooLarge`` for the size)
    with the reason: no name, an empty file, too large, a kind not allowed, content that is
    not of the kind its name says."""
    if not name.strip():
        raise EvidenceRefused("请选择要上传的文件")
    if len(name) > MAX_NAME:
        raise EvidenceRefused(f"文件名不能超过 {MAX_NAME} 个字符，请改名后重新上传")
    if not content:
        raise EvidenceRefused(f"文件「{name}」是空文件，未保存")
    if len(content) > max_bytes:
        size, limit = size_label(len(content)), size_label(max_bytes)
        raise FileTooLarge(f"文件「{name}」大小 {size}，超过上限 {limit}，未保存")
    extension = extension_of(name)
    if extension not in allowed or extension not in FILE_TYPES:
        raise EvidenceRefused(
            f"不接受该类型的文件「{name}」；可上传的类型：{allowed_label(allowed)}"
        )
    if not content_matches(extension, content):
        raise EvidenceRefused(
            f"文件「{name}」的内容不是{FILE_TYPES[extension][1]}（扩展名与内容不符），未保存"
        )
    return FileKind(extension, FILE_TYPES[extension][0])


def size_label(size: int) -> str:
    """1.5 MB, 20 KB, 300 字节."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.1f} KB".replace(".0 KB", " KB")
    return f"{size} 字节"

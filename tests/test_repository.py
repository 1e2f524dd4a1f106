"""The repository stands alone: its design is in ``docs/``, and a clone has everything it cites.

- No tracked file cites a document kept outside the repository (a sibling ``shared`` folder,
  or the design notes the project was started from by their file names): the system's own
  documents are ``docs/architecture.md``, ``docs/regulation.md``, ``docs/operations.md``,
  ``docs/configuration.md`` and ``bench/README.md``.
- Every relative link and image in the Markdown documents points at a tracked file, and every
  ``#anchor`` at a heading of the file it names.
- The README is the front door: it names the two commands and stays short.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Written in pieces, so that this file does not cite what it forbids.
OUTSIDE_FOLDER = "../" + "shared"
OUTSIDE_DOCUMENTS = re.compile(
    r"\b(?:"
    + "|".join(["DES" + "IGN", "REGU" + "LATION", "PREFECT" + "-NOTES", "TOOLING" + "-NOTES"])
    + r")\b|\bSTY"
    + r"LE\.md\b"
)

MAX_README_BYTES = 7_000
MAX_IMAGE_BYTES = 300_000

_LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


@cache
def tracked_files() -> tuple[str, ...]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are unknown")
    return tuple(name for name in listed.decode().split("\0") if name)


def tracked_text(name: str) -> str | None:
    path = ROOT / name
    if not path.is_file():  # deleted in the working tree, not yet committed
        return None
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def markdown_files() -> list[str]:
    return [name for name in tracked_files() if name.endswith(".md")]


def heading_anchors(markdown: str) -> set[str]:
    """The anchors a Markdown renderer gives the headings (GitHub's rule: lower case, only
    letters, digits, ``-``, ``_`` and spaces kept, spaces to hyphens, repeats numbered)."""
    seen: Counter[str] = Counter()
    anchors = set()
    for heading in _HEADING.findall(_FENCE.sub("", markdown)):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        anchors.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return anchors


def links(markdown: str) -> list[str]:
    body = _FENCE.sub("", markdown)
    return _LINK.findall(body) + _REFERENCE.findall(body)


def is_external(target: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE))


def test_no_tracked_file_cites_documents_outside_the_repository() -> None:
    citing = []
    for name in tracked_files():
        text = tracked_text(name)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE_FOLDER in line or OUTSIDE_DOCUMENTS.search(line):
                citing.append(f"{name}:{number}: {line.strip()}")
    assert not citing, (
        "these lines cite documents a clone of the repository does not have; cite docs/ "
        "instead:\n" + "\n".join(citing)
    )


def test_every_relative_link_in_the_documentation_points_at_a_tracked_file() -> None:
    tracked = set(tracked_files())
    broken = []
    for name in markdown_files():
        text = tracked_text(name) or ""
        folder = (ROOT / name).parent
        for target in links(text):
            if is_external(target) or target.startswith("#"):
                continue
            path = target.split("#", 1)[0]
            resolved = (folder / path).resolve()
            try:
                relative = resolved.relative_to(ROOT).as_posix()
            except ValueError:
                broken.append(f"{name}: {target} (outside the repository)")
                continue
            if relative not in tracked and not any(t.startswith(relative + "/") for t in tracked):
                broken.append(f"{name}: {target}")
    assert not broken, "links to files the repository does not hold:\n" + "\n".join(broken)


def test_every_anchor_in_a_documentation_link_names_a_heading() -> None:
    broken = []
    for name in markdown_files():
        text = tracked_text(name) or ""
        folder = (ROOT / name).parent
        for target in links(text):
            if is_external(target) or "#" not in target:
                continue
            path, anchor = target.split("#", 1)
            file = (folder / path).resolve() if path else ROOT / name
            if file.suffix != ".md" or not file.is_file():
                continue
            if anchor not in heading_anchors(file.read_text(encoding="utf-8")):
                broken.append(f"{name}: {target}")
    assert not broken, "links to headings that do not exist:\n" + "\n".join(broken)


def test_the_readme_is_a_front_door_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make up" in readme
    assert "make test" in readme
    size = len(readme.encode())
    assert size <= MAX_README_BYTES, (
        f"README.md is {size} bytes: keep it a front door and move detail into docs/"
    )


def test_images_in_the_documentation_stay_small() -> None:
    images = [name for name in tracked_files() if name.endswith((".png", ".jpg", ".svg"))]
    heavy = [
        f"{name}: {(ROOT / name).stat().st_size} bytes"
        for name in images
        if (ROOT / name).is_file() and (ROOT / name).stat().st_size > MAX_IMAGE_BYTES
    ]
    assert not heavy, "images over 300 KB:\n" + "\n".join(heavy)

"""Files the system keeps under the data folder, written whole or not at all."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def write_file_atomically(path: Path, content: bytes, *, read_only: bool = False) -> None:
    """``content`` at ``path``: written to a temporary file beside it, flushed to disk, then
    renamed over it, so a reader (or a crash) never meets half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own: two writers of the same path never share a temporary file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o444 if read_only else 0o644)


class StoredFileError(Exception):
    """A kept file cannot be given out as recorded; the subclass says why."""


class StoredFileMissing(StoredFileError):
    """The file is not there (removed, or storage lost)."""


class StoredFileAltered(StoredFileError):
    """The file's bytes no longer match the SHA-256 on record."""


def read_checked(path: Path, sha256: str) -> bytes:
    """The bytes at ``path``, only if they still hash to ``sha256`` (the one on record)."""
    try:
        content = Path(path).read_bytes()
    except FileNotFoundError:
        raise StoredFileMissing(str(path)) from None
    if hashlib.sha256(content).hexdigest() != sha256:
        raise StoredFileAltered(str(path))
    return content


def write_versioned(folder: Path, stem: str, suffix: str, content: bytes) -> tuple[Path, str]:
    """``content`` kept read-only as ``folder/stem-<first 12 of its SHA-256>suffix``: a new
    writing never replaces an earlier one, so a record pointing at the earlier file stays true
    until it is itself updated. The path and the full SHA-256."""
    sha256 = hashlib.sha256(content).hexdigest()
    path = Path(folder) / f"{stem}-{sha256[:12]}{suffix}"
    if not path.exists():
        write_file_atomically(path, content, read_only=True)
    return path, sha256

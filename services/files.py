"""Files the system keeps under the data folder, written whole or not at all."""

from __future__ import annotations

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

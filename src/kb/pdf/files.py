"""Writing PDFs so that a reader never sees half a file, and a web server can serve it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

#: mkstemp creates files only their owner can read; published files must be readable.
PUBLISHED_MODE = 0o644


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target``, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, PUBLISHED_MODE)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def copy_atomic(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` the same way."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(descriptor)
    try:
        shutil.copyfile(source, temporary)
        os.chmod(temporary, PUBLISHED_MODE)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

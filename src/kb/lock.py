"""One writer per project: a lock that another ``kb build`` (or ``kb serve``) finds taken.

The lock is the operating system's own lock on an open file
(``.kb-cache/<name>.lock``): it is released when the process ends however it
ends, ``kill -9`` included, so there is never a stale lock to remove by hand.
The holder writes its process id, its command and when it started into the
file, so that the one turned away can say who holds it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from kb.errors import KbError

#: How often, and how far apart (seconds), a turned-away process reads who holds the lock.
HOLDER_READS = 40
HOLDER_READ_PAUSE = 0.025

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


@contextlib.contextmanager
def project_lock(root: Path, name: str, command: str, activity: str) -> Iterator[None]:
    """Hold ``<root>/.kb-cache/<name>.lock`` while the block runs; a KbError if it is taken.

    ``command`` (``kb build``) is who holds it and ``activity`` (``build``)
    what it does, as the message of a second process says them.
    """
    path = root / ".kb-cache" / f"{name}.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise KbError(f"could not create the lock file {path}: {exc.strerror}") from None
    try:
        if not _try_lock(descriptor):
            raise KbError(_taken(path, activity))
        started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        holder = {"pid": os.getpid(), "command": command, "since": started}
        os.ftruncate(descriptor, 0)
        os.lseek(descriptor, 0, os.SEEK_SET)
        os.write(descriptor, json.dumps(holder).encode("utf-8"))
        yield
        # Who held it is no longer true: the next process turned away must not name us.
        os.ftruncate(descriptor, 0)
    finally:
        os.close(descriptor)  # releases the lock


def _taken(path: Path, activity: str) -> str:
    """The message for a lock another process holds: who, since when."""
    who = "it has just started"
    # The holder writes who it is just after taking the lock: a process turned
    # away in between waits a moment for it rather than saying nothing useful.
    for _ in range(HOLDER_READS):
        try:
            holder = json.loads(path.read_text(encoding="utf-8"))
            who = f"{holder['command']}, pid {int(holder['pid'])}, since {holder['since']}"
            if _alive(int(holder["pid"])):
                break
            # A holder killed with -9 left its name behind; the new one writes soon.
            who = "it has just started"
            time.sleep(HOLDER_READ_PAUSE)
        except (OSError, ValueError, KeyError, TypeError):
            time.sleep(HOLDER_READ_PAUSE)
    return (
        f"another {activity} is running in this project ({who}); "
        "wait for it to finish or stop it, then try again"
    )


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (always true where that cannot be asked)."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True

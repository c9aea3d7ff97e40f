"""Helper processes that end with the kb command that started them, even after ``kill -9``.

A process pool's workers wait for work on a pipe; when their parent is
killed outright nobody closes it, and they wait for ever. On Linux the kernel
sends each worker SIGKILL when its parent dies (``PR_SET_PDEATHSIG``, set
here through ``prctl``); elsewhere a thread in each worker watches for its
parent's death. Programs kb runs (Pagefind) get the same signal on Linux.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library kb runs with
        prctl: Callable[..., int] = libc.prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _load_prctl()


def _end_with_parent() -> bool:
    """Ask the kernel to kill this process when its parent dies; False where it cannot."""
    if _PRCTL is None:
        return False
    return _PRCTL(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0


def _watch_parent(parent: int) -> None:
    """Where the kernel cannot help: exit as soon as the parent is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="kb-parent-watch", daemon=True).start()


def die_with_parent(parent: int) -> None:
    """Initializer of pool workers: end when the process ``parent`` ends."""
    if not _end_with_parent():
        _watch_parent(parent)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def worker_pool(workers: int, context: BaseContext) -> ProcessPoolExecutor:
    """A process pool whose workers end with this process."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )


def child_setup() -> Callable[[], None] | None:
    """For ``subprocess``: end the program with kb (Linux), or None where that is not possible."""
    if _PRCTL is None:
        return None
    parent = os.getpid()

    def setup() -> None:
        _end_with_parent()
        if os.getppid() != parent:
            os._exit(1)

    return setup

"""The build's folders: where it works, and how the new site replaces the old one.

A build works in a folder of its own (``.kb-cache/site-build-<pid>/``) and
writes the new site beside the old one (``.site.building-<pid>``). When all
has succeeded the two change places: on Linux in one step
(``renameat2(RENAME_EXCHANGE)``), so that ``site/`` is never missing, not even
for a moment; elsewhere with two renames (``site/`` to ``.site.old-<pid>``,
then the new one to ``site/``). A build killed between those two renames
leaves no ``site/``; the next build puts the old one back before anything
else (``recover``). Whatever an interrupted build leaves is removed by the
next one, which holds the project's build lock and so knows no other build
is using it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from kb.errors import KbError

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # from <linux/fs.h>


def _load_renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library kb runs with
        function: Callable[..., int] = libc.renameat2
    except (OSError, AttributeError):  # glibc before 2.28, musl
        return None
    return function


_RENAMEAT2 = _load_renameat2()


def working_folder(root: Path) -> Path:
    """This process's own working folder in the project's cache."""
    return root / ".kb-cache" / f"site-build-{os.getpid()}"


def staging_folder(out: Path) -> Path:
    """Where this process writes the new site: beside ``out``, on the same file system."""
    return out.parent / f".{out.name}.building-{os.getpid()}"


def _leftovers(out: Path, root: Path) -> list[Path]:
    """What earlier builds of ``out`` may have left: staging, old sites, working folders."""
    found = [
        *out.parent.glob(f".{out.name}.building-*"),
        *out.parent.glob(f".{out.name}.old-*"),
        *(root / ".kb-cache").glob("site-build-*"),
    ]
    legacy = root / ".kb-cache" / "site-build"  # the shared folder of earlier versions
    if legacy.is_dir():
        found.append(legacy)
    return found


def recover(out: Path, root: Path) -> None:
    """Repair what an interrupted build left: the old site back in place, leftovers removed.

    Call it holding the build lock: every leftover then belongs to a build
    that has ended.
    """
    if not out.exists():
        olds = sorted(out.parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
        if olds:
            # A build stopped between its two renames: its old site is whole.
            try:
                olds[-1].rename(out)
            except OSError as exc:
                raise KbError(
                    f"could not put the previous site back from {olds[-1]}: {exc.strerror}; "
                    f"rename it to {out.name} by hand"
                ) from None
    for leftover in _leftovers(out, root):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)


def check_target(out: Path, root: Path, content_dir: Path) -> None:
    """Fail before any work when the new site could not, or must not, replace ``out``.

    ``out`` is replaced whole, so it must hold neither the project nor its content.
    """
    for kept in (root, content_dir):
        if out == kept or out in kept.parents or content_dir in out.parents:
            raise KbError(
                f"{out} holds the project or is inside its content, and the site would "
                "replace it; choose another folder with --out"
            )
    if out.exists() and not out.is_dir():
        raise KbError(f"{out} is a file, not a folder; remove it or build elsewhere with --out")
    for folder in [out.parent, out] if out.exists() else [out.parent]:
        if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
            raise KbError(
                f"{folder} is not writable, so the site cannot be replaced; "
                "make it writable or build elsewhere with --out (nothing was changed)"
            )


def check_untracked(root: Path, out: Path) -> None:
    """Fail when git tracks files in kb's cache (``.kb-cache/``) or in the site ``out``.

    A build takes what its cache and the old site hold as its own earlier work: kept
    renderings, panels and finished pages are published without being made again. Both
    folders are git-ignored, but a commit can add them anyway (``git add -f``), and a
    pull request's preview would then publish what the pull request put there, unchecked.
    Outside a git repository, or without git, there is nothing to check.
    """
    for folder in (root / ".kb-cache", out):
        try:
            listed = subprocess.run(
                ["git", "ls-files", "-z", "--", str(folder)],
                cwd=root,
                capture_output=True,
                check=False,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired):
            return
        if listed.returncode != 0:  # not a repository, or a folder outside it
            continue
        tracked = [name for name in listed.stdout.decode("utf-8", "replace").split("\0") if name]
        if tracked:
            raise KbError(
                f"{tracked[0]}: git tracks it, but {folder.name}/ is kb's own output, never "
                "content, and a build would publish what it holds without making it again; "
                f"remove it from the repository (git rm -r --cached {folder.name}) and build again"
            )


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step; False where the system cannot."""
    if _RENAMEAT2 is None:
        return False
    paths = (os.fsencode(first), os.fsencode(second))
    if _RENAMEAT2(_AT_FDCWD, paths[0], _AT_FDCWD, paths[1], _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # the file system cannot
        return False
    raise OSError(code, os.strerror(code), str(second))


def swap(staging: Path, out: Path) -> None:
    """Put ``staging`` in place of ``out``; the old site is removed afterwards."""
    if out.exists() and _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now the old site
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        if old.exists() and not out.exists():
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def link_unchanged(new: Path, previous: Path) -> int:
    """Make each file of ``new`` with the bytes of the same file in ``previous`` a hard link to it.

    A rebuild after a small edit writes mostly the files it wrote last time.
    Removing the old site then frees only the blocks of what changed, which
    on a busy disk is most of a rebuild's time (10,000 written files took
    15 s to delete on the shared test machine, against under a second for
    files never flushed). Call it once nothing writes into ``new`` any more
    but new files: the two sites then share those files until the old one
    is removed. Returns how many files were linked.
    """
    linked = 0
    for folder, _folders, names in os.walk(new):
        for name in names:
            path = Path(folder, name)
            old = previous / path.relative_to(new)
            try:
                old_stat, new_stat = old.lstat(), path.lstat()
                if (
                    not stat.S_ISREG(old_stat.st_mode)
                    or not stat.S_ISREG(new_stat.st_mode)
                    or old_stat.st_size != new_stat.st_size
                    or old_stat.st_ino == new_stat.st_ino
                    or old.read_bytes() != path.read_bytes()
                ):
                    continue
                spare = path.with_name(f".{name}.link")
                os.link(old, spare)
            except OSError:  # gone, unreadable, or no hard links here: the written copy stays
                continue
            try:
                os.replace(spare, path)
            except OSError:
                spare.unlink(missing_ok=True)
                continue
            linked += 1
    return linked


def write_or_link(target: Path, data: bytes, previous: Path | None, *, same: bool = False) -> bool:
    """Write ``data`` to ``target`` (a new file), or link ``previous`` when it holds those bytes.

    A rebuild writes mostly what the site it replaces has already: a hard link
    costs a fraction of writing the file (and of ``link_unchanged`` comparing
    and replacing it afterwards), and removing the old site then frees
    nothing. ``previous`` is only ever read, never written through: ``target``
    must not exist yet. ``same``: ``data`` was just read from ``previous``, which
    is not read again. Returns whether it linked.
    """
    if previous is not None:
        try:
            old = previous.lstat()
            if (
                stat.S_ISREG(old.st_mode)
                and old.st_size == len(data)
                and (same or previous.read_bytes() == data)
            ):
                os.link(previous, target)
                return True
        except OSError:  # gone, unreadable, or no hard links here: write instead
            pass
    target.write_bytes(data)
    return False


def rewrite(path: Path, text: str) -> None:
    """Write ``text`` over the file ``path`` as a new file, never through the old one:
    in a staging folder it may be a hard link to the site being replaced."""
    path.unlink(missing_ok=True)
    path.write_text(text, encoding="utf-8")


def describe_os_error(exc: OSError) -> str:
    """An OSError met while building, as a message naming the path and what to do."""
    path = exc.filename or "a file"
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some space and build again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = "make it writable, or build elsewhere with --out"
    else:
        advice = "check it and build again"
    return f"{path}: {reason}; {advice}. The site was not changed"

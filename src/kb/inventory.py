"""What is in the content folder, found and read without following links.

Contributions arrive as pull requests, and a pull request can carry a
symbolic link (git stores them) or any file at all. So every entry below
``content/`` is looked at with ``lstat`` and sorted: documents (``.md``),
kb's own files (``taxonomy.yml``, ``packs.yml``, ``glossary.yml`` and the
top ``README.md``), media (images and PDF files, and the types the site
owner adds), and what may not be there: symbolic links, special files,
other file types, and names that break a checkout on Windows or macOS.
Nothing a link points to is ever read.

Files are read and copied through ``open_content_file``, which opens each
folder on the way relative to the one before with ``O_NOFOLLOW``: a folder
swapped for a link after the walk is refused at the moment of reading too.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import pathspec

from kb.problems import Problem, Severity

if TYPE_CHECKING:
    from kb.config import Settings

#: kb's own files at the top of the content folder: read by kb, never published.
KB_FILES = frozenset({"taxonomy.yml", "packs.yml", "glossary.yml", "README.md"})
#: Published without configuration: pictures a browser shows, and PDF files.
IMAGE_TYPES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"})
MEDIA_TYPES = IMAGE_TYPES | {".pdf"}
#: Longest file or folder name: well below the 255 bytes file systems allow,
#: since a document's id becomes part of longer names (its page, its PDF).
MAX_NAME = 100
#: Hidden folders that version control keeps: skipped quietly.
QUIET = frozenset({".git"})
#: Device names Windows reserves, with or without an extension.
WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)}
)
WINDOWS_FORBIDDEN = '<>:"|?*\\'
#: Types that run in a browser when served from the site's own address.
ACTIVE_TYPES = frozenset(
    {".html", ".htm", ".xhtml", ".shtml", ".js", ".mjs", ".css", ".svg", ".svgz", ".xml"}
)
#: Names people give Markdown files that kb does not read as documents.
MARKDOWN_LOOKALIKES = frozenset({".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt"})

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


@dataclass(frozen=True)
class Inventory:
    """The content folder sorted: what kb reads, what it publishes, what is wrong."""

    documents: tuple[Path, ...]
    media: tuple[Path, ...]
    #: Project paths of every file and folder a link may point to (no links, nothing hidden).
    present: frozenset[str]
    #: Project paths of the symbolic links found.
    links: frozenset[str]
    problems: tuple[Problem, ...]
    #: Why a path that is there is not published: a link, hidden, ignored, kb's own.
    unpublished: Mapping[str, str] = field(default_factory=dict)

    def link_problem(self, target: str) -> str:
        """Why a link to the project path ``target`` leads nowhere published, or ''.

        ``"missing"`` when nothing is there at all.
        """
        path = target.rstrip("/")
        if path in self.present:
            return ""
        parts = PurePosixPath(path).parts
        for end in range(len(parts), 0, -1):
            prefix = PurePosixPath(*parts[:end]).as_posix()
            if prefix in self.unpublished:
                return f"'{prefix}' {self.unpublished[prefix]}"
        return "missing"


def shown(text: str) -> str:
    """A name as it can be printed: control characters written as escapes."""
    return "".join(
        c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
        for c in text
    )


def take_inventory(settings: Settings) -> Inventory:
    """Walk the content folder without following links; every problem on the way."""
    walker = _Walker(
        settings.content_dir,
        settings.rel(settings.content_dir),
        settings.media_types,
        ignore_spec(settings.ignore),
    )
    walker.walk()
    return walker.result()


def document_files(content_dir: Path) -> tuple[Path, ...]:
    """The document files below ``content_dir`` (no settings: no ignore patterns)."""
    walker = _Walker(content_dir, content_dir.as_posix(), frozenset(), ignore_spec(()))
    walker.walk()
    return walker.result().documents


def ignore_spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    """The owner's ``ignore:`` patterns, read as a ``.gitignore`` would be."""
    return pathspec.GitIgnoreSpec.from_lines(patterns)


class _Walker:
    """One walk; paths are carried as strings (a ``Path`` per entry costs more than the walk)."""

    def __init__(
        self,
        content_dir: Path,
        content_prefix: str,
        media_types: frozenset[str],
        ignore: pathspec.GitIgnoreSpec,
    ) -> None:
        self.content_dir = content_dir
        self.content_prefix = content_prefix
        self.added_types = media_types
        self.media_types = MEDIA_TYPES | media_types
        self.ignore = ignore if ignore.patterns else None
        self.documents: list[Path] = []
        self.media: list[Path] = []
        self.present: set[str] = set()
        self.links: set[str] = set()
        self.unpublished: dict[str, str] = {}
        self.problems: list[Problem] = []
        self.folded: dict[str, str] = {}

    def project_path(self, inside: str) -> str:
        return f"{self.content_prefix}/{inside}"

    def problem(self, inside: str, message: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(shown(self.project_path(inside)), 1, "", message, severity))

    def walk(self) -> None:
        # An explicit stack: folders nested thousands deep must not exhaust Python's.
        stack = [(str(self.content_dir), "")]
        while stack:
            folder, prefix = stack.pop()
            try:
                with os.scandir(folder) as scan:
                    entries = sorted(scan, key=lambda e: e.name)
            except OSError as exc:
                self.problem(prefix.rstrip("/"), f"cannot be read: {exc.strerror or exc}")
                continue
            for entry in reversed(entries):
                inside = prefix + entry.name
                if self.look_at(entry, inside, top=not prefix, parent=prefix):
                    stack.append((entry.path, inside + "/"))

    def look_at(self, entry: os.DirEntry[str], inside: str, *, top: bool, parent: str) -> bool:
        """Sort one entry; True for a folder to walk into."""
        project_path = self.project_path(inside)
        name = entry.name
        if entry.is_symlink():
            self.links.add(project_path)
            self.unpublished[project_path] = (
                "is a symbolic link, which kb does not follow; put the file itself there"
            )
            self.problem(inside, symlink_message(entry.path))
            return False
        if name.startswith("."):
            self.unpublished[project_path] = (
                "is hidden (its name starts with '.'), so it is not published"
            )
            # A hidden document or folder may be a mistake worth a warning; other hidden
            # files are tools' own (editor swap files, markers) and pass quietly.
            if name.endswith(".md") or (entry.is_dir(follow_symlinks=False) and name not in QUIET):
                self.problem(inside, hidden_message(name), "warning")
            return False
        is_dir = entry.is_dir(follow_symlinks=False)
        own = top and name in KB_FILES
        if (
            self.ignore is not None
            and not own
            and self.ignore.match_file(inside + "/" if is_dir else inside)
        ):
            self.unpublished[project_path] = (
                "matches an 'ignore:' pattern in mkdocs.yml, so it is not published"
            )
            self.problem(
                inside,
                "not read or published: it matches an 'ignore:' pattern in mkdocs.yml",
                "warning",
            )
            return False
        misnamed = name_problems(name)
        for message in misnamed:
            self.problem(inside, message)
        self.check_case(inside, parent, name)
        if is_dir:
            self.present.add(project_path)
            return True
        if not entry.is_file(follow_symlinks=False):
            self.problem(inside, f"is not a regular file ({_kind(entry)}); remove it")
            return False
        if own:
            self.unpublished[project_path] = (
                "is one of kb's own files, which are not published; link to a document instead"
            )
            return False
        self.present.add(project_path)
        if name.endswith(".md"):
            self.documents.append(Path(entry.path))
        elif os.path.splitext(name)[1].lower() in self.media_types:
            self.media.append(Path(entry.path))
        elif not misnamed:  # a renamed file is judged by its new name
            self.problem(inside, self.unpublished_message(name))
        return False

    def check_case(self, inside: str, parent: str, name: str) -> None:
        """Two names in one folder that a case-insensitive file system would take for one."""
        key = parent + unicodedata.normalize("NFC", name).casefold()
        other = self.folded.setdefault(key, inside)
        if other == inside:
            return
        for mine, theirs in ((inside, other), (other, inside)):
            self.problem(
                mine,
                f"differs from '{shown(self.project_path(theirs))}' only in upper and "
                "lower case: they would be one file on Windows and macOS; rename one",
            )

    def unpublished_message(self, name: str) -> str:
        suffix = PurePosixPath(name).suffix.lower()
        lower = name.lower()
        if suffix == ".md" or suffix in MARKDOWN_LOOKALIKES or ".md." in lower:
            base = name[: lower.index(".md")] if ".md" in lower else PurePosixPath(name).stem
            return (
                "kb reads documents only from files whose names end in '.md' (lower case), "
                f"so this one is not checked or published; rename it to '{shown(base)}.md', "
                "or remove it"
            )
        if suffix in ACTIVE_TYPES:
            instead = (
                "convert the drawing to PNG or WebP"
                if suffix in (".svg", ".svgz")
                else "write the text as a Markdown document"
                if suffix in (".html", ".htm", ".xhtml", ".shtml")
                else "remove the file"
            )
            return (
                f"'{suffix}' files are not published: served from the site's address they "
                f"could run code in readers' browsers; {instead}"
            )
        kind = f"'{suffix}' files" if suffix else "files without an extension"
        added = "".join(f", {t}" for t in sorted(self.added_types))
        return (
            f"{kind} are not published; kb publishes documents (.md), images (.png, .jpg, "
            f".jpeg, .gif, .webp, .avif) and PDF files{added}. Remove the file, or name its "
            "type under 'media_types:' (to publish it) or the file under 'ignore:' (to keep "
            "it unpublished) in mkdocs.yml, extra: kb:"
        )

    def result(self) -> Inventory:
        return Inventory(
            documents=tuple(sorted(self.documents)),
            media=tuple(sorted(self.media)),
            present=frozenset(self.present),
            links=frozenset(self.links),
            unpublished=dict(self.unpublished),
            problems=tuple(self.problems),
        )


def image_problem(settings: Settings, path: Path) -> str:
    """Why the file at ``path`` cannot be printed as an image, or '' when it can.

    Only the pictures kb publishes are embedded: a file of an image type,
    inside the content folder, reached without any symbolic link.
    """
    suffix = path.suffix.lower()
    # SVG only when the owner publishes it: WeasyPrint draws it without running scripts.
    if suffix not in IMAGE_TYPES | (settings.media_types & {".svg"}):
        return f"is not a picture kb prints ('{suffix or path.name}')"
    try:
        os.close(open_content_file(settings.content_dir, path))
    except OSError as exc:
        if through_link(settings.content_dir, path):
            return "is, or is in, a symbolic link, which kb does not follow"
        if isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOTDIR:
            return "does not exist"
        return f"cannot be read ({exc.strerror or exc})"
    return ""


def through_link(content_dir: Path, path: Path) -> bool:
    """Whether ``path``, or a folder between it and ``content_dir``, is a symbolic link."""
    try:
        parts = path.relative_to(content_dir).parts
    except ValueError:
        return False
    current = content_dir
    for part in parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


def symlink_message(path: Path | str) -> str:
    """The problem of a symbolic link, saying where it points without going there."""
    try:
        target = f" to '{shown(os.readlink(path))}'"
    except OSError:
        target = ""
    return (
        f"is a symbolic link{target}; kb never follows links in the content folder, so "
        "nothing is read or published through it: put the file itself here, or remove the link"
    )


def hidden_message(name: str) -> str:
    if name.endswith(".md"):
        return (
            "this document is hidden (its name starts with '.'), so it is not checked or "
            f"published; rename it to '{shown(name.lstrip('.'))}' to publish it, or remove it"
        )
    return (
        "hidden (its name starts with '.'), so it is not read or published; rename it "
        "without the '.' if it should be, or remove it"
    )


def name_problems(name: str) -> list[str]:
    """What makes a file or folder name unusable on some system or in a web address."""
    found = []
    if len(name) > MAX_NAME:
        found.append(
            f"the name is {len(name)} characters long; names in the content folder may have "
            f"at most {MAX_NAME} (a document's name becomes its id, its address and the "
            "names of its files); shorten it"
        )
    control = sorted({c for c in name if not c.isprintable() and c != " "})
    if control:
        found.append(
            f"the name has control characters ({shown(''.join(control))}); rename it with "
            "letters, digits and hyphens"
        )
    forbidden = sorted({c for c in name if c in WINDOWS_FORBIDDEN})
    if forbidden:
        found.append(
            f"the name has {' '.join(repr(c) for c in forbidden)}, which Windows does not "
            "allow in file names, so the project cannot be checked out there; rename it"
        )
    if name.endswith((".", " ")):
        found.append(
            f"the name ends with {'a dot' if name.endswith('.') else 'a space'}, which "
            "Windows drops from file names; rename it"
        )
    device = name.split(".", 1)[0].rstrip(" ").lower()
    if device in WINDOWS_DEVICES:
        found.append(
            f"'{device.upper()}' is a device name on Windows, where no file may be called "
            "that (with any extension), so the project cannot be checked out there; rename it"
        )
    return found


def _kind(entry: os.DirEntry[str]) -> str:
    mode = entry.stat(follow_symlinks=False).st_mode
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file or a folder"


def open_content_file(content_dir: Path, path: Path) -> int:
    """A descriptor of the regular file ``path`` below ``content_dir``, reached without links.

    Raises ``OSError``: ``ELOOP`` (or ``ENOTDIR``) when the file or a folder on
    the way is a symbolic link, ``EINVAL`` when it is outside the content
    folder or not a regular file.
    """
    try:
        parts = path.relative_to(content_dir).parts
    except ValueError:
        raise OSError(errno.EINVAL, "outside the content folder") from None
    if not parts or ".." in parts:
        raise OSError(errno.EINVAL, "outside the content folder")
    if not _NOFOLLOW or os.open not in os.supports_dir_fd:  # pragma: no cover - not POSIX
        return _open_checked_by_path(content_dir, parts)
    folder = os.open(content_dir, os.O_RDONLY | _DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=folder)
            os.close(folder)
            folder = inner
        # Non-blocking: opening a named pipe must not wait for a writer.
        descriptor = os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _NONBLOCK, dir_fd=folder)
    finally:
        os.close(folder)
    return _regular(descriptor)


def _open_checked_by_path(content_dir: Path, parts: tuple[str, ...]) -> int:  # pragma: no cover
    """Where descriptors relative to folders are missing: check each step, then open."""
    current = content_dir
    for part in parts:
        current = current / part
        if current.is_symlink():
            raise OSError(errno.ELOOP, "a symbolic link", str(current))
    return _regular(os.open(current, os.O_RDONLY | getattr(os, "O_BINARY", 0)))


def _regular(descriptor: int) -> int:
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(errno.EINVAL, "not a regular file")
    if _NONBLOCK:
        os.set_blocking(descriptor, True)
    return descriptor


def read_content_file(content_dir: Path, path: Path) -> bytes:
    """The bytes of a regular file below ``content_dir``, never through a link."""
    with os.fdopen(open_content_file(content_dir, path), "rb") as stream:
        return stream.read()


def copy_content_file(content_dir: Path, path: Path, destination: Path) -> None:
    """Copy a regular file below ``content_dir`` to ``destination``, never through a link."""
    with os.fdopen(open_content_file(content_dir, path), "rb") as source:
        # Exclusive creation never writes through a link left where the copy goes.
        destination.unlink(missing_ok=True)
        with destination.open("xb") as target:
            shutil.copyfileobj(source, target)

"""Hostile files in a contribution: links out of the project, stray types, bad names.

Each case is one of issue 18's findings as it was reported (symbolic links
that published the password file and the build's environment, a linked
document from outside the project, ``evil.html``/``.svg``/``.js`` copied to
the site, names that replace a listing page or break a checkout). Each test
asserts ``kb check``'s exact messages and exit status, and after the build
(refused or not) that nothing from outside ``content/`` reached the site.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from kb.build import copy_media
from kb.config import load_settings
from kb.errors import KbError
from kb.inventory import Inventory, read_content_file, take_inventory
from kb.loader import load_project
from kb.serve import Preview
from tests.conftest import ProjectFactory, document

Kb = Callable[..., Result]
SECRET = "kb-test-secret-5f0c2a91"
PASSWD = Path("/etc/passwd")
LINK_ERROR = (
    "is a symbolic link to '{target}'; kb never follows links in the content folder, so "
    "nothing is read or published through it: put the file itself here, or remove the link"
)


def link_error(path: str, target: object) -> str:
    return f"{path}:1: " + LINK_ERROR.format(target=target)


def valid_project(
    make_project: ProjectFactory, files: dict[str, str | bytes] | None = None
) -> Path:
    return make_project(
        {
            "content/case-studies/accra.md": document("Accra", "case-study"),
            "content/case-studies/accra.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 32,
            **(files or {}),
        }
    )


def leaked(folder: Path, *needles: bytes) -> list[str]:
    """Files below ``folder`` that hold one of ``needles``; links anywhere count too."""
    found = []
    for path in folder.rglob("*") if folder.exists() else ():
        if path.is_symlink():
            found.append(f"{path} (a link)")
        elif path.is_file() and any(n in path.read_bytes() for n in needles):
            found.append(str(path))
    return found


def passwd_line() -> bytes:
    return PASSWD.read_bytes().split(b"\n", 1)[0]


def build(project: Path, kb: Kb, *args: str) -> Result:
    return kb(project, "build", "--no-pdf", "--out", str(project / "site"), *args)


# -- finding 1: symbolic links ------------------------------------------------------


@pytest.mark.skipif(not PASSWD.is_file(), reason="needs /etc/passwd to link to")
def test_links_to_the_password_file_and_the_environment_are_errors_and_never_published(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    """The report's case, in a separate process with a secret in its environment."""
    project = valid_project(make_project)
    folder = project / "content" / "case-studies"
    (folder / "passwd.png").symlink_to(PASSWD)
    (folder / "env.txt").symlink_to("/proc/self/environ")
    environment = {**os.environ, "KB_TEST_SECRET": SECRET}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kb", "--project", str(project), *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    check = run("check")
    built = run("build", "--no-pdf", "--out", str(project / "site"))

    assert check.stdout.splitlines() == [
        link_error("content/case-studies/env.txt", "/proc/self/environ"),
        link_error("content/case-studies/passwd.png", PASSWD),
    ]
    assert check.returncode == 1
    assert built.returncode == 1
    assert built.stderr.splitlines()[:2] == check.stdout.splitlines()
    for output in (check, built):
        assert "Traceback" not in output.stdout + output.stderr
        assert SECRET not in output.stdout + output.stderr
    assert not (project / "site").exists()
    assert leaked(project / "site", SECRET.encode(), passwd_line()) == []
    assert leaked(project / ".kb-cache", SECRET.encode(), passwd_line()) == []


def test_media_copy_follows_no_link_even_without_the_check(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    """Whatever calls it, the copy publishes the real files and nothing links lead to."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"outside-secret")
    project = valid_project(make_project)
    folder = project / "content" / "case-studies"
    (folder / "secret.png").symlink_to(outside / "secret.png")
    (folder / "album").symlink_to(outside, target_is_directory=True)
    target = tmp_path / "media"

    copy_media(load_settings(project), target)

    copied = sorted(p.relative_to(target).as_posix() for p in target.rglob("*"))
    assert copied == ["case-studies", "case-studies/accra.png"]
    assert leaked(target, b"outside-secret") == []


def test_a_file_swapped_for_a_link_after_the_walk_is_refused_at_copy_time(
    make_project: ProjectFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy opens each folder without following links: a race finds a refusal."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "photo.png").write_bytes(b"outside-secret")
    project = valid_project(make_project, {"content/lessons/album/photo.png": b"\x89PNG"})
    settings = load_settings(project)
    walked = take_inventory(settings)
    album = settings.content_dir / "lessons" / "album"
    (album / "photo.png").unlink()
    album.rmdir()
    album.symlink_to(outside, target_is_directory=True)
    monkeypatch.setattr("kb.build.take_inventory", lambda _settings: walked)

    with pytest.raises(KbError) as refused:
        copy_media(settings, tmp_path / "media")

    assert str(refused.value).startswith("content/lessons/album/photo.png: cannot be published: ")
    assert str(refused.value).endswith("; run kb check")
    assert leaked(tmp_path / "media", b"outside-secret") == []
    with pytest.raises(OSError):
        read_content_file(settings.content_dir, album / "photo.png")


def test_a_linked_document_from_outside_the_project_is_not_read(
    make_project: ProjectFactory, tmp_path: Path, kb: Kb
) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text(document("OUTSIDE-MARKER lesson", body="OUTSIDE-MARKER body\n"))
    project = valid_project(make_project)
    (project / "content" / "lessons").mkdir()
    (project / "content" / "lessons" / "elsewhere.md").symlink_to(outside)

    check = kb(project, "check")
    named = kb(project, "check", str(project / "content" / "lessons" / "elsewhere.md"))
    built = build(project, kb)
    pdf = kb(project, "pdf", "--document", "elsewhere", "--output", str(tmp_path / "x.pdf"))

    assert check.stdout.splitlines() == [link_error("content/lessons/elsewhere.md", outside)]
    assert named.stdout == check.stdout and named.exit_code == 1
    assert check.exit_code == built.exit_code == pdf.exit_code == 1
    assert "OUTSIDE-MARKER" not in check.output + built.output + pdf.output
    assert not (project / "site").exists() and not (tmp_path / "x.pdf").exists()
    assert "elsewhere" not in {
        d.id for d in load_project(project).knowledge_base.documents.values()
    }


def test_a_linked_folder_is_reported_once_and_not_walked(
    make_project: ProjectFactory, tmp_path: Path, kb: Kb
) -> None:
    outside = tmp_path / "shared"
    outside.mkdir()
    (outside / "guide.md").write_text(document("OUTSIDE-MARKER", body="OUTSIDE-MARKER\n"))
    (outside / "evil.html").write_text("<script>alert(1)</script>")
    project = valid_project(make_project)
    (project / "content" / "lessons").mkdir()
    (project / "content" / "lessons" / "shared").symlink_to(outside, target_is_directory=True)
    (project / "content" / "lessons" / "loop").symlink_to(".", target_is_directory=True)

    check = kb(project, "check")

    assert check.stdout.splitlines() == [
        link_error("content/lessons/loop", "."),
        link_error("content/lessons/shared", outside),
    ]
    assert check.exit_code == 1
    assert "No problems" not in check.stderr


def test_links_to_linked_files_say_so_and_the_pdf_does_not_print_them(
    make_project: ProjectFactory, tmp_path: Path, kb: Kb
) -> None:
    outside = tmp_path / "pictures"
    outside.mkdir()
    (outside / "map.png").write_bytes(b"\x89PNG outside-secret")
    body = "![The map](album/map.png)\n\n![The plan](plan.png)\n"
    project = valid_project(make_project, {"content/lessons/walk.md": document(body=body)})
    lessons = project / "content" / "lessons"
    (lessons / "album").symlink_to(outside, target_is_directory=True)
    (lessons / "plan.png").symlink_to(outside / "map.png")
    settings = load_settings(project)

    check = kb(project, "check")

    assert check.stdout.splitlines() == [
        link_error("content/lessons/album", outside),
        link_error("content/lessons/plan.png", outside / "map.png"),
        "content/lessons/walk.md:9: image: 'album/map.png': 'content/lessons/album' is a "
        "symbolic link, which kb does not follow; put the file itself there",
        "content/lessons/walk.md:11: image: 'plan.png': 'content/lessons/plan.png' is a "
        "symbolic link, which kb does not follow; put the file itself there",
    ]
    from kb.inventory import image_problem
    from kb.pdf.engine import _read_image

    for path in (lessons / "album" / "map.png", lessons / "plan.png"):
        assert image_problem(settings, path) == (
            "is, or is in, a symbolic link, which kb does not follow"
        )
        with pytest.raises(OSError):
            _read_image(path.as_uri(), settings.content_dir, frozenset({path.as_uri()}))
    mkdocs = (project / "mkdocs.yml").as_uri()
    with pytest.raises(ValueError, match="is not one of the document's images"):
        _read_image(mkdocs, settings.content_dir, frozenset())


def test_the_preview_refuses_linked_files_too(make_project: ProjectFactory, tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"outside-secret")
    project = valid_project(make_project)
    (project / "content" / "case-studies" / "secret.png").symlink_to(tmp_path / "secret.png")

    preview = Preview(project, drafts=False)
    preview.first_build()  # the preview starts, and shows the link as an error

    assert any("symbolic link" in p.message for p in preview.problems)
    assert leaked(project / ".kb-cache", b"outside-secret") == []


# -- finding 3: files that are not documents or media --------------------------------


STRAY = {
    "content/case-studies/evil.html": "<script>alert(document.cookie)</script>",
    "content/case-studies/evil.svg": "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    "content/case-studies/evil.js": "alert(1)",
    "content/lessons/notes.md.txt": document("Notes"),
    "content/lessons/Loud.MD": document("Loud"),
    "content/lessons/long-form.markdown": document("Long form"),
    "content/lessons/data.csv": "a,b\n1,2\n",
    "content/lessons/Makefile": "all:\n",
}


def test_stray_files_are_errors_that_say_what_to_do(make_project: ProjectFactory, kb: Kb) -> None:
    project = valid_project(make_project, dict(STRAY))

    check = kb(project, "check")
    built = build(project, kb)

    rename = "kb reads documents only from files whose names end in '.md' (lower case), so "
    active = "files are not published: served from the site's address they could run code in "
    other = (
        "are not published; kb publishes documents (.md), images (.png, .jpg, .jpeg, .gif, "
        ".webp, .avif) and PDF files. Remove the file, or name its type under 'media_types:' "
        "(to publish it) or the file under 'ignore:' (to keep it unpublished) in mkdocs.yml, "
        "extra: kb:"
    )
    assert check.stdout.splitlines() == [
        f"content/case-studies/evil.html:1: '.html' {active}readers' browsers; write the "
        "text as a Markdown document",
        f"content/case-studies/evil.js:1: '.js' {active}readers' browsers; remove the file",
        f"content/case-studies/evil.svg:1: '.svg' {active}readers' browsers; convert the "
        "drawing to PNG or WebP",
        f"content/lessons/Loud.MD:1: {rename}this one is not checked or published; rename it "
        "to 'Loud.md', or remove it",
        f"content/lessons/Makefile:1: files without an extension {other}",
        f"content/lessons/data.csv:1: '.csv' files {other}",
        f"content/lessons/long-form.markdown:1: {rename}this one is not checked or published; "
        "rename it to 'long-form.md', or remove it",
        f"content/lessons/notes.md.txt:1: {rename}this one is not checked or published; "
        "rename it to 'notes.md', or remove it",
    ]
    assert check.exit_code == built.exit_code == 1
    assert not (project / "site").exists()
    assert leaked(project / ".kb-cache", b"alert(") == []


def test_owner_settings_publish_more_types_and_ignore_files(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = valid_project(
        make_project,
        {
            "mkdocs.yml": (
                "site_name: Test KB\nsite_url: https://wash-kb.github.io/\n"
                "theme:\n  name: material\n  font: false\n"
                "extra:\n  kb:\n    media_types: [csv, .MP4]\n"
                "    ignore: ['*.psd', 'sources/']\n"
            ),
            "content/lessons/data.csv": "a,b\n1,2\n",
            "content/lessons/clip.mp4": b"\0\0\0\x18ftypmp42",
            "content/lessons/poster.psd": b"8BPS",
            "content/lessons/sources/interview.docx": b"PK\3\4",
            "content/lessons/sources/draft.md": "no front matter\n",
            "content/case-studies/evil.html": "<script>alert(1)</script>",
            "content/lessons/.DS_Store": b"\0",
        },
    )

    check = kb(project, "check")
    (project / "content" / "case-studies" / "evil.html").unlink()
    built = build(project, kb)

    ignored = "warning: not read or published: it matches an 'ignore:' pattern in mkdocs.yml"
    assert check.stdout.splitlines() == [
        "content/case-studies/evil.html:1: '.html' files are not published: served from the "
        "site's address they could run code in readers' browsers; write the text as a "
        "Markdown document",
        f"content/lessons/poster.psd:1: {ignored}",
        f"content/lessons/sources:1: {ignored}",
    ]
    assert check.exit_code == 1
    assert built.exit_code == 0, built.output
    media = project / "site" / "media"
    published = sorted(p.relative_to(media).as_posix() for p in media.rglob("*.*"))
    assert published == ["case-studies/accra.png", "lessons/clip.mp4", "lessons/data.csv"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("media_types: [md]", "extra.kb.media_types: 'md' files are kb's documents and settings"),
        ("media_types: ['*.png']", "extra.kb.media_types: '*.png' is not a file type"),
        ("media_types: svg", "extra.kb.media_types must be a list of text, e.g. [svg, mp4]"),
        ("ignore: [1]", 'extra.kb.ignore must be a list of text, e.g. ["*.psd", "drafts/"]'),
    ],
)
def test_bad_file_settings_are_named(
    make_project: ProjectFactory, kb: Kb, setting: str, message: str
) -> None:
    project = valid_project(
        make_project, {"mkdocs.yml": f"site_name: Test KB\nextra:\n  kb:\n    {setting}\n"}
    )

    check = kb(project, "check")

    assert check.exit_code == 2
    assert check.stderr.startswith(f"Error: mkdocs.yml: {message}")
    assert "Traceback" not in check.output


# -- finding 8: names --------------------------------------------------------------


def test_a_document_called_index_cannot_replace_the_listing(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = valid_project(
        make_project,
        {
            "content/lessons/index/index.md": document("Takeover", body="TAKEOVER\n"),
            "content/lessons/Page.md": document("Pages"),
        },
    )

    check = kb(project, "check")
    built = build(project, kb)

    reason = "which this document would replace; rename the file (or its folder, for a document "
    assert check.stdout.splitlines() == [
        "content/lessons/Page.md:1: 'Page' cannot be a document id: the site uses that name "
        f"for the further pages of its type's listing (lessons/page/2/), {reason}kept as index.md)",
        "content/lessons/index/index.md:1: 'index' cannot be a document id: the site uses that "
        f"name for the listing of its document type (lessons/), {reason}kept as index.md)",
    ]
    assert check.exit_code == built.exit_code == 1
    assert not (project / "site").exists()


def test_names_that_differ_only_in_case_are_errors(make_project: ProjectFactory, kb: Kb) -> None:
    project = valid_project(
        make_project,
        {
            "content/lessons/Foo.md": document("Upper"),
            "content/lessons/foo.md": document("Lower"),
            "content/case-studies/FOO/index.md": document("Folder", "case-study"),
            "content/case-studies/Accra.PNG": b"\x89PNG",
        },
    )

    check = kb(project, "check")

    case = "only in upper and lower case: they would be one file on Windows and macOS; rename one"
    unique = (
        "ids must be unique whatever the case of their letters (they are one page on Windows "
        "and macOS), so rename one of the files"
    )
    assert check.stdout.splitlines() == [
        f"content/case-studies/Accra.PNG:1: differs from 'content/case-studies/accra.png' {case}",
        f"content/case-studies/FOO/index.md:1: the id 'FOO' is also used by "
        f"content/lessons/Foo.md (as 'Foo'), content/lessons/foo.md (as 'foo'); {unique}",
        f"content/case-studies/accra.png:1: differs from 'content/case-studies/Accra.PNG' {case}",
        f"content/lessons/Foo.md:1: differs from 'content/lessons/foo.md' {case}",
        f"content/lessons/Foo.md:1: the id 'Foo' is also used by "
        f"content/case-studies/FOO/index.md (as 'FOO'), content/lessons/foo.md (as 'foo'); "
        f"{unique}",
        f"content/lessons/foo.md:1: differs from 'content/lessons/Foo.md' {case}",
        f"content/lessons/foo.md:1: the id 'foo' is also used by "
        f"content/case-studies/FOO/index.md (as 'FOO'), content/lessons/Foo.md (as 'Foo'); "
        f"{unique}",
    ]
    assert check.exit_code == 1


def test_a_long_name_is_an_error_not_a_failed_build(make_project: ProjectFactory, kb: Kb) -> None:
    long_id = "a" * 217
    project = valid_project(
        make_project,
        {
            f"content/lessons/{long_id}.md": document("Long"),
            f"content/lessons/{'b' * 101}/index.md": document("Long folder"),
            f"content/lessons/{'c' * 96}.md": document("Just short enough"),
        },
    )

    check = kb(project, "check")
    built = build(project, kb)

    def too_long(length: int) -> str:
        return (
            f"the name is {length} characters long; names in the content folder may have at "
            "most 100 (a document's name becomes its id, its address and the names of its "
            "files); shorten it"
        )

    assert check.stdout.splitlines() == [
        f"content/lessons/{long_id}.md:1: {too_long(220)}",
        f"content/lessons/{'b' * 101}:1: {too_long(101)}",
    ]
    assert check.exit_code == built.exit_code == 1
    assert "File name too long" not in built.output and "Traceback" not in built.output


def test_names_windows_cannot_check_out_are_errors(make_project: ProjectFactory, kb: Kb) -> None:
    project = valid_project(
        make_project,
        {
            "content/lessons/CON.md": document("Console"),
            "content/lessons/aux.png": b"\x89PNG",
            "content/lessons/lpt1/x.png": b"\x89PNG",
            "content/lessons/what?.png": b"\x89PNG",
            "content/lessons/a<b>.png": b"\x89PNG",
            "content/lessons/trailing..png.": b"\x89PNG",
            "content/lessons/space .png ": b"\x89PNG",
            "content/lessons/bell\x07.png": b"\x89PNG",
        },
    )

    check = kb(project, "check")

    device = (
        "is a device name on Windows, where no file may be called that (with any extension), "
        "so the project cannot be checked out there; rename it"
    )
    forbidden = (
        "which Windows does not allow in file names, so the project cannot be checked out "
        "there; rename it"
    )
    assert check.stdout.splitlines() == [
        f"content/lessons/CON.md:1: 'CON' {device}",
        f"content/lessons/a<b>.png:1: the name has '<' '>', {forbidden}",
        f"content/lessons/aux.png:1: 'AUX' {device}",
        "content/lessons/bell\\x07.png:1: the name has control characters (\\x07); rename it "
        "with letters, digits and hyphens",
        f"content/lessons/lpt1:1: 'LPT1' {device}",
        "content/lessons/space .png :1: the name ends with a space, which Windows drops from "
        "file names; rename it",
        "content/lessons/trailing..png.:1: the name ends with a dot, which Windows drops from "
        "file names; rename it",
        f"content/lessons/what?.png:1: the name has '?', {forbidden}",
    ]
    assert check.exit_code == 1


def test_hidden_files_are_reported_not_skipped_silently(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = valid_project(
        make_project,
        {
            "content/lessons/.hidden.md": document("Hidden"),
            "content/lessons/.drafts/next.md": document("Next"),
            "content/lessons/.gitkeep": "",
            "content/.DS_Store": b"\0",
        },
    )

    check = kb(project, "check")
    strict = kb(project, "check", "--strict")

    assert check.stdout.splitlines() == [
        "content/lessons/.drafts:1: warning: hidden (its name starts with '.'), so it is not "
        "read or published; rename it without the '.' if it should be, or remove it",
        "content/lessons/.hidden.md:1: warning: this document is hidden (its name starts with "
        "'.'), so it is not checked or published; rename it to 'hidden.md' to publish it, or "
        "remove it",
    ]
    assert check.exit_code == 0
    assert strict.exit_code == 1


def test_an_inventory_lists_only_real_files(make_project: ProjectFactory, tmp_path: Path) -> None:
    project = valid_project(make_project, {"content/lessons/x/index.md": document("X")})
    (project / "content" / "lessons" / "y.md").symlink_to(tmp_path)

    inventory = take_inventory(load_settings(project))

    assert isinstance(inventory, Inventory)
    content = project / "content"
    assert inventory.documents == (
        content / "case-studies" / "accra.md",
        content / "lessons" / "x" / "index.md",
    )
    assert inventory.media == (content / "case-studies" / "accra.png",)
    assert inventory.links == frozenset({"content/lessons/y.md"})


def test_kb_new_refuses_reserved_and_case_variant_ids(make_project: ProjectFactory, kb: Kb) -> None:
    project = valid_project(make_project)

    reserved = kb(project, "new", "lesson", "The index", "--id", "index")
    variant = kb(project, "new", "lesson", "Accra again", "--id", "ACCRA")
    long_title = kb(project, "new", "lesson", "word " * 40)

    assert reserved.exit_code == variant.exit_code == 2
    assert reserved.stderr == (
        "Error: 'index' cannot be a document id: the site uses that name for the listing of "
        "its document type (lessons/); give another with --id\n"
    )
    assert variant.stderr.startswith(
        "Error: content/case-studies/accra.md already has the id 'accra'"
    )
    assert long_title.exit_code == 0, long_title.output
    created = sorted((project / "content" / "lessons").glob("word-*.md"))
    assert [len(p.stem) for p in created] == [59]


def test_the_file_settings_contributing_shows_work_as_it_says(
    make_project: ProjectFactory, kb: Kb
) -> None:
    from tests.test_contributing import block_after

    _arg, settings = block_after("files-settings")
    project = valid_project(
        make_project,
        {
            "mkdocs.yml": "site_name: Test KB\nsite_url: https://wash-kb.github.io/\n" + settings,
            "content/lessons/clip.mp4": b"\0\0\0\x18ftypmp42",
            "content/lessons/poster.psd": b"8BPS",
            "content/lessons/sources/notes.docx": b"PK",
        },
    )

    check = kb(project, "check")

    ignored = "warning: not read or published: it matches an 'ignore:' pattern in mkdocs.yml"
    assert check.stdout.splitlines() == [
        f"content/lessons/poster.psd:1: {ignored}",
        f"content/lessons/sources:1: {ignored}",
    ]
    assert check.exit_code == 0
    assert take_inventory(load_settings(project)).media[-1].name == "clip.mp4"


def test_links_to_files_that_are_not_published_say_why(
    make_project: ProjectFactory, kb: Kb
) -> None:
    body = (
        "[Hidden](.secret.png) and [the vocabulary](../taxonomy.yml) and "
        "[the poster](poster.psd) and [a draft](sources/draft.md)\n"
    )
    project = valid_project(
        make_project,
        {
            "mkdocs.yml": "site_name: Test KB\nextra:\n  kb:\n    ignore: ['*.psd', sources/]\n",
            "content/lessons/refs.md": document(body=body),
            "content/lessons/.secret.png": b"\x89PNG",
            "content/lessons/poster.psd": b"8BPS",
            "content/lessons/sources/draft.md": document("Draft"),
        },
    )

    check = kb(project, "check")

    ignored = "matches an 'ignore:' pattern in mkdocs.yml, so it is not published"
    assert [line for line in check.stdout.splitlines() if "refs.md" in line] == [
        "content/lessons/refs.md:9: link: '../taxonomy.yml': 'content/taxonomy.yml' is one of "
        "kb's own files, which are not published; link to a document instead",
        "content/lessons/refs.md:9: link: '.secret.png': 'content/lessons/.secret.png' is "
        "hidden (its name starts with '.'), so it is not published",
        f"content/lessons/refs.md:9: link: 'poster.psd': 'content/lessons/poster.psd' {ignored}",
        f"content/lessons/refs.md:9: link: 'sources/draft.md': 'content/lessons/sources' {ignored}",
    ]
    assert check.exit_code == 1


def test_a_print_job_reads_its_own_images_and_nothing_else(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    """WeasyPrint asks for an attachment and a stylesheet from the project: both refused."""
    from pypdf import PdfReader

    from kb.pdf.engine import render_to_file
    from kb.pdf.printhtml import PrintJob

    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
        b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    project = valid_project(make_project, {"content/lessons/dot.png": png})
    settings = load_settings(project)
    image = (settings.content_dir / "lessons" / "dot.png").as_uri()
    mkdocs = (project / "mkdocs.yml").as_uri()
    html = (
        # lang: a tagged PDF (PDF/UA-1) needs it, as kb's own print HTML has it.
        f'<html lang="en"><head><link rel="stylesheet" href="{mkdocs}"></head><body>'
        f'<div><link/rel="attachment"/href="{mkdocs}"></div>'
        f'<p>Text</p><img src="{image}" alt="dot"></body></html>'
    )
    job = PrintJob(
        kind="document",
        id="probe",
        html=html,
        source="content/lessons/probe.md",
        images=((image, "content/lessons/probe.md", 9),),
        allowed_roots=(str(settings.content_dir),),
    )

    rendered = render_to_file(job, tmp_path / "probe.pdf", b"0" * 16)

    reader = PdfReader(tmp_path / "probe.pdf")
    assert rendered.pages == 1
    assert reader.attachments == {}
    assert b"site_name" not in (tmp_path / "probe.pdf").read_bytes()
    page = reader.pages[0]
    assert "/XObject" in page["/Resources"], "the job's own image is printed"
    assert all("is not one of the document's images" in p.message for p in rendered.problems)
    assert len(rendered.problems) == 2


def test_special_files_are_errors_and_never_opened(make_project: ProjectFactory, kb: Kb) -> None:
    """A named pipe called ``.md`` would block a reader forever; it is not opened at all."""
    project = valid_project(make_project)
    lessons = project / "content" / "lessons"
    lessons.mkdir()
    os.mkfifo(lessons / "pipe.md")
    os.mkfifo(lessons / "pipe.png")

    check = kb(project, "check")

    assert check.stdout.splitlines() == [
        "content/lessons/pipe.md:1: is not a regular file (a named pipe); remove it",
        "content/lessons/pipe.png:1: is not a regular file (a named pipe); remove it",
    ]
    assert check.exit_code == 1
    with pytest.raises(OSError):
        read_content_file(project / "content", lessons / "pipe.png")


def test_folders_that_differ_in_case_are_reported_once_not_for_each_file(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = valid_project(
        make_project,
        {
            "content/lessons/Photos/a.png": b"\x89PNG",
            "content/lessons/photos/a.png": b"\x89PNG",
            "content/lessons/photos/b.png": b"\x89PNG",
        },
    )

    check = kb(project, "check")

    case = "only in upper and lower case: they would be one file on Windows and macOS; rename one"
    assert check.stdout.splitlines() == [
        f"content/lessons/Photos:1: differs from 'content/lessons/photos' {case}",
        f"content/lessons/photos:1: differs from 'content/lessons/Photos' {case}",
    ]


def test_a_content_folder_that_is_a_link_is_refused(
    make_project: ProjectFactory, tmp_path: Path, kb: Kb
) -> None:
    """A pull request can replace content/ itself by a link to any folder of the machine."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.png").write_bytes(b"outside-secret")
    project = valid_project(make_project)
    (project / "content").rename(tmp_path / "real-content")
    (project / "content").symlink_to(elsewhere, target_is_directory=True)

    check = kb(project, "check")
    built = build(project, kb)

    assert check.exit_code == built.exit_code == 2
    assert check.stderr == (
        f"Error: content: the content folder is a symbolic link (or is reached through one), "
        f"to {elsewhere.resolve()}; kb does not follow links to or in the content folder: make "
        "it a real folder\n"
    )
    assert leaked(project, b"outside-secret") == [f"{project / 'content'} (a link)"]


@pytest.mark.skipif(not PASSWD.is_file(), reason="needs /etc/passwd to link to")
def test_kb_own_files_as_links_are_not_read(make_project: ProjectFactory, kb: Kb) -> None:
    """taxonomy.yml and packs.yml linked to the password file: one error each, nothing read."""
    project = valid_project(make_project)
    content = project / "content"
    (content / "taxonomy.yml").unlink()
    (content / "taxonomy.yml").symlink_to(PASSWD)
    (content / "packs.yml").symlink_to(PASSWD)

    check = kb(project, "check")

    assert [line for line in check.stdout.splitlines() if "accra.md" not in line] == [
        link_error("content/packs.yml", PASSWD),
        link_error("content/taxonomy.yml", PASSWD),
    ]
    assert check.exit_code == 1
    assert passwd_line().decode() not in check.output
    assert "root:" not in check.output


@pytest.mark.parametrize("folder", [".kb-cache", "site"])
def test_a_build_refuses_a_cache_or_site_that_git_tracks(
    make_project: ProjectFactory, kb: Callable[..., Result], folder: str
) -> None:
    """What the cache and the old site hold is published as the build's own earlier work:
    a pull request that commits them must not get its own HTML into the preview."""
    project = valid_project(make_project)
    assert kb(project, "build", "--no-pdf").exit_code == 0
    git = ["git", "-c", "user.name=kb", "-c", "user.email=kb@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    (project / ".gitignore").write_text("/site/\n/.kb-cache/\n", encoding="utf-8")
    subprocess.run([*git, "add", "."], cwd=project, check=True)  # both are ignored
    assert kb(project, "build", "--no-pdf").exit_code == 0
    planted = next(p for p in (project / folder).rglob("*") if p.is_file())
    subprocess.run([*git, "add", "-f", str(planted)], cwd=project, check=True)

    refused = kb(project, "build", "--no-pdf")

    assert refused.exit_code != 0
    assert f"{planted.relative_to(project).as_posix()}: git tracks it" in refused.output
    assert f"git rm -r --cached {folder}" in refused.output
    subprocess.run([*git, "rm", "-q", "-r", "--cached", folder], cwd=project, check=True)
    assert kb(project, "build", "--no-pdf").exit_code == 0

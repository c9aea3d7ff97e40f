"""PDF packs and documents, checked by their structure with pypdf (not by their pixels)."""

from __future__ import annotations

import io
import re
import shutil
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

import kb.pdf.engine
from kb.loader import LoadResult, load_project
from kb.model import Document
from kb.packs import find_pack, load_packs
from kb.pdf import Download, PdfProblems, build_downloads, downloads_by_document, render_pack
from kb.problems import Problem
from kb.typography import french_text, is_french
from tests.conftest import MKDOCS, REPO, TAXONOMY, ProjectFactory, document

Kb = Callable[..., Result]

ALPHA = """\
Alpha opens with a sentence about latrine emptying schedules in Ghana.

## Planning the work

1. Read [the beta lesson](../lessons/beta.md#why-it-matters) first.
2. Then go to [the checklist](#the-checklist) below.

### Who takes part

| Role | Task |
|---|---|
| Facilitator | Runs the meeting |
| District officer | Brings the budget |

!!! tip "Before the meeting"
    - Book the room.
    - Invite the district.

![A district map](map.png)

## The checklist

Compare with [gamma](../lessons/gamma.md) and [a web page](https://example.org/page).
Raw HTML too: <a href="../lessons/beta.md">a raw link</a>.
A claim with a footnote.[^1]

[^1]: The footnote's text.
"""

BETA = """\
Beta explains why pit latrines fill faster in the rainy season.

## Why it matters

Go back to [alpha](../guidelines/alpha.md).
"""

PACKS = """\
packs:
  starter:
    title: Starter pack
    subtitle: Sanitation at the local level
    introduction: A short introduction written for the tests.
    select: {themes: sanitation, type: [guideline, lesson]}
  francais:
    title: Recueil en français
    subtitle: Pour les essais
    introduction: Une introduction.
    select: {language: fr}
"""


def png() -> bytes:
    """A small picture, made here so the tests need no binary fixtures."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 105, 92)).save(buffer, format="PNG")
    return buffer.getvalue()


def write_project(root: Path, files: dict[str, str | bytes]) -> Path:
    """The same layout as conftest's make_project, for module-scoped fixtures."""
    defaults: dict[str, str | bytes] = {"mkdocs.yml": MKDOCS, "content/taxonomy.yml": TAXONOMY}
    for rel, data in {**defaults, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data), encoding="utf-8")
    return root


def sample_files() -> dict[str, str | bytes]:
    return {
        "content/guidelines/alpha.md": document(
            "Alpha guideline",
            "guideline",
            body=ALPHA,
            countries="[GH]",
            programme="washtech",
            sources='[{title: "A field report", publisher: IRC, year: 2012, '
            'url: "https://example.org/report"}]',
        ),
        "content/guidelines/map.png": png(),
        "content/lessons/beta.md": document("Beta lesson", body=BETA, date="2026-02-20"),
        "content/lessons/gamma.md": document(
            "Gamma lesson", body="Gamma talks about tariffs for kiosks.\n", themes="[finance]"
        ),
        "content/lessons/draft.md": document(
            "Draft lesson", body="Draft text that must never be printed.\n", status="draft"
        ),
        "content/lessons/french.md": document(
            "Une leçon en français",
            body="Le texte français parle des latrines.\n\n## Pourquoi\n\nParce que.\n",
            language="fr",
            date="2026-03-05",
        ),
        "content/packs.yml": PACKS,
    }


@dataclass
class Built:
    result: LoadResult
    out: Path
    downloads: list[Download]
    problems: list[Problem]

    def reader(self, url: str) -> PdfReader:
        return PdfReader(self.out / url.removeprefix("downloads/"))

    def download(self, kind: str, item_id: str) -> Download:
        return next(d for d in self.downloads if d.kind == kind and d.id == item_id)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = write_project(tmp_path_factory.mktemp("pdf") / "project", sample_files())
    result = load_project(root)
    assert result.problems == []
    problems: list[Problem] = []
    out = root / "site" / "downloads"
    downloads = build_downloads(result, out, strict=True, workers=1, report=problems.extend)
    return Built(result, out, downloads, problems)


# -- helpers to read a PDF's structure ------------------------------------------


@dataclass
class Entry:
    title: str
    page: int  # 0-based
    children: list[Entry]


def outline(reader: PdfReader) -> list[Entry]:
    """The bookmarks as a tree of titles and the pages they point to."""

    def build(items: list[Any]) -> list[Entry]:
        entries: list[Entry] = []
        for item in items:
            if isinstance(item, list):
                entries[-1].children = build(item)
            else:
                entries.append(Entry(item.title, reader.get_destination_page_number(item), []))
        return entries

    return build(reader.outline)


def plain_text(reader: PdfReader, pages: range | None = None) -> str:
    """The text of the pages, with hyphenation undone and spaces collapsed."""
    numbers = pages if pages is not None else range(len(reader.pages))
    text = "\n".join(reader.pages[i].extract_text() for i in numbers)
    text = re.sub(r"[\u2010\-]\n", "", text).replace("\u00a0", " ")
    return " ".join(text.split())


def contents_numbers(reader: PdfReader) -> dict[str, int]:
    """Title -> page number, as the table of contents prints them."""
    found: dict[str, int] = {}
    pending = ""  # a title too long for one line goes on over the next
    for line in reader.pages[1].extract_text().splitlines():
        # A title that fills its line leaves no room for the leader's dots.
        entry = f"{pending} {line.strip()}".strip()
        match = re.match(r"^(.*?)(?:\s*\.{4,}\s*|\s)(\d+)$", entry)
        if match and not re.search(r"Page \d+ of$", match.group(1)):  # the running foot
            found[match.group(1).strip()] = int(match.group(2))
            pending = ""
        else:
            # The kind of document above a run of entries is in capitals: not a title.
            pending = "" if line.strip().isupper() else line.strip()
    return found


def links(reader: PdfReader) -> Iterator[tuple[int, DictionaryObject]]:
    """Every link annotation, with the (0-based) page it is on."""
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link":
                yield number, annotation


def all_strings(reader: PdfReader) -> Iterator[str]:
    """Every string in the PDF's object graph (content streams aside)."""
    seen: set[int] = set()
    stack: list[Any] = [reader.trailer]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in seen:
                continue
            seen.add(item.idnum)
            stack.append(item.get_object())
        elif isinstance(item, DictionaryObject):
            stack.extend(v for k, v in item.items() if k not in ("/Parent", "/P"))
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, str):
            yield str(item)


# -- packs ------------------------------------------------------------------------


def test_pack_outline_is_pack_then_documents_then_headings(built: Built) -> None:
    reader = built.reader("downloads/packs/starter.pdf")

    tree = outline(reader)

    assert [e.title for e in tree] == ["Starter pack"]
    documents = tree[0].children
    assert [e.title for e in documents] == [
        "Alpha guideline",
        "Beta lesson",
        "Licence and how to cite",
    ]
    alpha = documents[0]
    assert [e.title for e in alpha.children] == ["Planning the work", "The checklist", "Sources"]
    assert [e.title for e in alpha.children[0].children] == ["Who takes part"]
    assert [e.title for e in documents[1].children] == ["Why it matters"]
    assert tree[0].page == 0
    assert documents[-1].page == len(reader.pages) - 1


def test_contents_page_numbers_match_where_documents_start(built: Built) -> None:
    reader = built.reader("downloads/packs/starter.pdf")
    starts = {e.title: e.page + 1 for e in outline(reader)[0].children}

    numbers = contents_numbers(reader)

    assert numbers == {
        "Alpha guideline": starts["Alpha guideline"],
        "Beta lesson": starts["Beta lesson"],
    }
    destinations = reader.named_destinations
    assert (
        reader.get_destination_page_number(destinations["alpha"]) + 1 == numbers["Alpha guideline"]
    )
    assert reader.get_destination_page_number(destinations["beta"]) + 1 == numbers["Beta lesson"]


def test_page_count_and_each_document_starts_on_a_new_page(built: Built) -> None:
    reader = built.reader("downloads/packs/starter.pdf")
    download = built.download("pack", "starter")

    assert download.pages == len(reader.pages)
    # cover, contents, alpha (one page or more), beta, licence
    starts = [e.page for e in outline(reader)[0].children]
    assert starts[0] == 2
    assert starts == sorted(set(starts))
    assert plain_text(reader, range(starts[1], starts[1] + 1)).find("Beta explains") != -1


def test_links_stay_inside_the_pdf_or_go_to_the_online_page(built: Built) -> None:
    reader = built.reader("downloads/packs/starter.pdf")
    names = reader.named_destinations
    internal: list[str] = []
    external: list[str] = []

    for _page, link in links(reader):
        if "/Dest" in link:
            internal.append(str(link["/Dest"]))
        else:
            action = link["/A"]
            assert action["/S"] == "/URI"
            external.append(str(action["/URI"]))

    assert internal and all(name in names for name in internal)
    assert "beta--why-it-matters" in internal  # a heading of another document of the pack
    assert "alpha--the-checklist" in internal  # a heading of the same document
    assert "alpha" in internal and "beta" in internal  # contents and links between documents
    assert "https://wash-kb.github.io/lessons/gamma/" in external  # not in the pack: online
    assert "https://example.org/page" in external
    assert "https://wash-kb.github.io/guidelines/alpha/" in external  # "read online"
    assert "https://creativecommons.org/licenses/by/4.0/" in external  # the licence
    assert all(url.startswith(("https://", "http://", "mailto:")) for url in external)


def test_no_file_url_anywhere(built: Built) -> None:
    for download in built.downloads:
        reader = built.reader(download.url)
        strings = list(all_strings(reader))
        assert strings, download.url
        assert not [s for s in strings if "file:" in s or "/tmp/" in s], download.url


def test_pack_metadata(built: Built) -> None:
    reader = built.reader("downloads/packs/starter.pdf")
    info = reader.metadata
    assert info is not None

    assert info.title == "Starter pack"
    assert info.author == "Test KB"
    assert info.subject == "Sanitation at the local level"
    assert "Sanitation" in str(info["/Keywords"]) and "WASHTech" in str(info["/Keywords"])
    # The newest document date (beta, 2026-02-20), not the time of the build.
    assert info["/CreationDate"] == "D:20260220"
    assert info["/ModDate"] == "D:20260220"
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_pack_text_has_every_selected_document_and_nothing_else(built: Built) -> None:
    reader = built.reader("downloads/packs/starter.pdf")
    text = plain_text(reader)

    for expected in (
        "Starter pack",
        "Sanitation at the local level",
        "A short introduction written for the tests.",
        "Contents FACILITATION GUIDELINE Alpha guideline",  # type headings group the contents
        "Alpha opens with a sentence about latrine emptying schedules in Ghana.",
        "Beta explains why pit latrines fill faster in the rainy season.",
        "Before the meeting",  # the admonition's title
        "District officer",  # a table cell
        "Raw HTML too: a raw link.",  # kept as words, its local href dropped
        "The footnote's text.",
        "Read online: https://wash-kb.github.io/lessons/beta/",
        "Page 2 of",
        "How to cite",
        "Test KB (2026). “Starter pack”.",
        "CC BY 4.0",
        "20 February 2026",
    ):
        assert expected in text, expected
    for absent in ("Draft text", "tariffs for kiosks", "Le texte français"):
        assert absent not in text
    assert built.download("pack", "starter").document_ids == ("alpha", "beta")


def test_french_pack_is_typeset_as_french(built: Built) -> None:
    reader = built.reader("downloads/packs/francais.pdf")
    text = plain_text(reader)

    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert outline(reader)[0].children[0].title == "Une leçon en français"
    for expected in (
        "Sommaire",
        "À propos de ce recueil",
        "Page 2 sur",
        "1 leçon",
        "LEÇON",  # the type above the title, in capitals
        "5 mars 2026",
        "Lire en ligne : https://wash-kb.github.io/lessons/french/",
        "(2026). « Recueil en français ».",
        "Licence et citation",
    ):
        assert expected in text, expected
    assert built.download("pack", "francais").language == "fr"


def test_one_pdf_per_document_without_cover(built: Built) -> None:
    reader = built.reader("downloads/documents/alpha.pdf")
    text = plain_text(reader)

    tree = outline(reader)
    assert [e.title for e in tree] == ["Alpha guideline"]
    assert [e.title for e in tree[0].children] == ["Planning the work", "The checklist", "Sources"]
    assert "Contents" not in text and "Licence and how to cite" not in text
    assert "TEST KB FACILITATION GUIDELINE Alpha guideline A short summary." in text
    assert "Page 1 of" in text
    assert "How to cite this document: A. Author (2026). “Alpha guideline”. Test KB." in text
    # In a document's own PDF, the beta link goes to beta's online page.
    urls = [str(link["/A"]["/URI"]) for _p, link in links(reader) if "/A" in link]
    assert "https://wash-kb.github.io/lessons/beta/#why-it-matters" in urls


def test_build_returns_what_the_downloads_page_lists(built: Built) -> None:
    kinds = [(d.kind, d.id) for d in built.downloads]
    assert kinds == [
        ("pack", "starter"),
        ("pack", "francais"),
        ("document", "alpha"),
        ("document", "beta"),
        ("document", "french"),
        ("document", "gamma"),
    ]
    for download in built.downloads:
        path = built.out / download.url.removeprefix("downloads/")
        assert download.size == path.stat().st_size
        assert download.pages == len(PdfReader(path).pages)
    assert built.download("document", "beta").url == "downloads/documents/beta.pdf"
    assert str(built.download("pack", "starter").date) == "2026-02-20"
    assert not (built.out / "documents" / "draft.pdf").exists()
    containing = downloads_by_document(built.downloads)
    assert [d.id for d in containing["beta"]] == ["starter"]
    assert "gamma" not in containing
    assert built.problems == []


def test_without_a_site_url_no_link_points_to_a_local_path(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    files = sample_files()
    files["mkdocs.yml"] = MKDOCS.replace("site_url: https://wash-kb.github.io/\n", "")
    result = load_project(make_project(files))
    assert result.settings.site_url == ""

    build_downloads(result, tmp_path, strict=True, workers=1)

    reader = PdfReader(tmp_path / "documents" / "alpha.pdf")
    uris = [str(link["/A"]["/URI"]) for _p, link in links(reader) if "/A" in link]
    assert uris and all(u.startswith("https://") for u in uris)  # the web page, the licence
    assert "Read online: guidelines/alpha/" in plain_text(reader)
    for pdf in tmp_path.rglob("*.pdf"):
        assert not [s for s in all_strings(PdfReader(pdf)) if "file:" in s], pdf


# -- determinism, cache and parallel rendering ---------------------------------------


def test_same_input_same_bytes_in_parallel_and_in_process(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", sample_files())
    result = load_project(root)

    build_downloads(result, tmp_path / "one", strict=True, workers=2)
    shutil.rmtree(root / ".kb-cache")
    build_downloads(result, tmp_path / "two", strict=True, workers=1)

    first = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.pdf"))
    assert len(first) == 6
    for rel in first:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes()


def test_unchanged_pdfs_come_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sample_files()
    root = write_project(tmp_path / "project", files)
    out = tmp_path / "downloads"
    first = build_downloads(load_project(root), out, strict=True, workers=1)
    before = {p: p.read_bytes() for p in out.rglob("*.pdf")}
    cached = sorted((root / ".kb-cache" / "pdf").rglob("*.pdf"))
    assert len(cached) == 6

    def must_not_render(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged PDF was rendered again")

    monkeypatch.setattr(kb.pdf.engine, "render_to_file", must_not_render)
    second = build_downloads(load_project(root), out, strict=True, workers=1)

    assert second == first
    assert {p: p.read_bytes() for p in out.rglob("*.pdf")} == before

    rendered: list[str] = []
    monkeypatch.undo()
    real = kb.pdf.engine.render_to_file

    def counting(job: Any, target: Path, identifier: bytes) -> Any:
        rendered.append(f"{job.kind}:{job.id}")
        return real(job, target, identifier)

    monkeypatch.setattr(kb.pdf.engine, "render_to_file", counting)
    beta = root / "content/lessons/beta.md"
    beta.write_text(beta.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    build_downloads(load_project(root), out, strict=True, workers=1)

    assert sorted(rendered) == ["document:beta", "pack:starter"]
    # The old renders of the changed PDFs are dropped from the cache.
    assert len(sorted((root / ".kb-cache" / "pdf").rglob("*.pdf"))) == 6


def test_stale_pdfs_are_removed_from_the_output(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", sample_files())
    out = tmp_path / "downloads"
    (out / "packs").mkdir(parents=True)
    (out / "packs" / "removed-pack.pdf").write_bytes(b"%PDF old")

    build_downloads(load_project(root), out, strict=True, workers=1, documents=False)

    assert sorted(p.name for p in (out / "packs").iterdir()) == ["francais.pdf", "starter.pdf"]
    assert not (out / "documents").exists()


# -- bad input --------------------------------------------------------------------------


BROKEN = """\
Intro.

![Map of the area](missing.png)

![A broken picture](broken.png)

| a | b | c | d | e | f | g | h |
|---|---|---|---|---|---|---|---|
| 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 |

| Where | Address |
|---|---|
| Office | https://example.org/a-very-long-address/without-any-space-to-break/at |
| Report | Thisisaverylongwordthatcannotbebrokenanywhereatall |
"""


def test_missing_image_broken_image_and_wide_tables_name_document_and_line(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    root = make_project(
        {
            "content/lessons/broken.md": document("Broken", body=BROKEN),
            "content/lessons/broken.png": b"this is not a picture",
        }
    )
    result = load_project(root)
    reported: list[Problem] = []
    out = tmp_path / "downloads"

    downloads = build_downloads(result, out, strict=False, workers=1, report=reported.extend)

    assert [p.as_text() for p in reported] == [
        "content/lessons/broken.md:11: image: warning: 'missing.png' does not exist "
        "(looked for content/lessons/missing.png); the PDF shows the alt text instead",
        "content/lessons/broken.md:13: image: warning: the image broken.png could not be "
        "printed (it is not a readable picture); replace the file",
        "content/lessons/broken.md:15: table: warning: the table has 8 columns; at most 6 fit "
        "the width of a printed page; split it or turn some columns into rows",
        "content/lessons/broken.md:19: table: warning: a cell holds "
        "'Thisisaverylongwordthatcannotbebrokenanywhereatall' (50 characters without a "
        "space); on paper a cell cannot fit more than about 30: add spaces, or put long "
        "addresses in a link's text",
    ]
    assert [d.id for d in downloads] == ["broken"]
    text = plain_text(PdfReader(out / "documents" / "broken.pdf"))
    assert "[Map of the area]" in text

    strict_out = tmp_path / "strict"
    with pytest.raises(PdfProblems) as raised:
        build_downloads(result, strict_out, strict=True, workers=1)
    assert [p.as_text() for p in raised.value.problems] == [p.as_text() for p in reported]
    assert "content/lessons/broken.md:11: image:" in raised.value.message
    assert raised.value.message.endswith("4 problems in the PDFs; nothing was written")
    assert not strict_out.exists()


def test_kb_pdf_renders_a_pack_a_document_and_a_selection(
    make_project: ProjectFactory, kb: Kb, tmp_path: Path
) -> None:
    project = make_project(sample_files())

    result = kb(project, "pdf", "--pack", "starter", "-o", str(tmp_path / "starter.pdf"))
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        rf"Wrote {re.escape(str(tmp_path / 'starter.pdf'))}: \d+ pages, \d+ KB, 2 documents\.\n",
        result.stdout,
    )

    result = kb(project, "pdf", "--document", "gamma", "-o", str(tmp_path / "gamma.pdf"))
    assert result.exit_code == 0, result.output
    assert outline(PdfReader(tmp_path / "gamma.pdf"))[0].title == "Gamma lesson"

    target = tmp_path / "selection.pdf"
    result = kb(project, "pdf", "--type", "lesson", "--theme", "sanitation", "-o", str(target))
    assert result.exit_code == 0, result.output
    tree = outline(PdfReader(target))
    assert [e.title for e in tree] == ["Lessons: Sanitation"]
    assert [e.title for e in tree[0].children] == ["Beta lesson", "Licence and how to cite"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--pack", "startr"],
            "Error: no pack 'startr'; did you mean 'starter'? The packs are: starter, francais\n",
        ),
        (
            ["--theme", "sanitaton", "-o", "x.pdf"],
            "Error: --theme: 'sanitaton' is not a theme; did you mean 'sanitation'?\n",
        ),
        (
            ["--theme", "hygiene", "-o", "x.pdf"],
            "Error: no published document matches themes hygiene; language en\n",
        ),
        (["--type", "lesson"], "Error: a selection needs an output file: add -o FILE.pdf\n"),
        (["--document", "alpah"], "Error: no document has the id 'alpah'; did you mean 'alpha'?\n"),
        (
            [],
            "Error: say what to print: --pack ID, --document ID, or selection options such as "
            "--type guideline --level local (one of these), or --list\n",
        ),
    ],
)
def test_kb_pdf_bad_requests_get_a_clear_message(
    make_project: ProjectFactory, kb: Kb, args: list[str], message: str
) -> None:
    result = kb(make_project(sample_files()), "pdf", *args)

    assert result.exit_code == 2
    assert result.stderr == message


def test_kb_pdf_refuses_a_knowledge_base_with_errors(make_project: ProjectFactory, kb: Kb) -> None:
    files = sample_files()
    files["content/lessons/bad.md"] = document("Bad", themes="[sanitaton]")

    result = kb(make_project(files), "pdf", "--pack", "starter")

    assert result.exit_code == 1
    assert "content/lessons/bad.md:5: themes[0]: 'sanitaton' is not a theme" in result.stderr


def test_kb_pdf_list(make_project: ProjectFactory, kb: Kb) -> None:
    result = kb(make_project(sample_files()), "pdf", "--list")

    assert result.exit_code == 0
    assert result.stdout == (
        "starter: Starter pack (2 documents)\nfrancais: Recueil en français (1 document)\n"
    )


# -- the shipped knowledge base ---------------------------------------------------------


def test_shipped_smallest_pack(tmp_path: Path) -> None:
    root = tmp_path / "shipped"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    result = load_project(root)
    packs, _ = load_packs(result.settings, result.knowledge_base)
    from kb.packs import select

    smallest = min(packs, key=lambda p: len(select(p, result.knowledge_base)))
    documents = select(smallest, result.knowledge_base)
    pack = find_pack(packs, smallest.id)
    assert pack is not None
    target = tmp_path / "pack.pdf"

    download = render_pack(result, pack, target, strict=True)

    reader = PdfReader(target)
    assert download.pages == len(reader.pages) > len(documents)
    tree = outline(reader)
    assert [e.title for e in tree] == [pack.title]
    titles = [e.title for e in tree[0].children]

    def printed(doc: Document) -> str:
        """The title as printed: French documents in French typography."""
        return french_text(doc.title) if is_french(doc.language) else doc.title

    # The documents, then the back matter: the glossary of the terms they use, the colophon.
    assert titles[: len(documents)] == [printed(d) for d in documents]
    assert len(titles) - len(documents) in (1, 2)
    assert all(entry.children for entry in tree[0].children[: len(documents)])
    starts = {e.title: e.page + 1 for e in tree[0].children}
    text = plain_text(reader)
    for doc in documents:
        assert " ".join(printed(doc).split()) in text
        assert starts[printed(doc)] in contents_numbers(reader).values()
    assert not [s for s in all_strings(reader) if "file:" in s]
    languages = {d.language for d in documents}
    if len(languages) == 1:
        assert reader.trailer["/Root"]["/Lang"] == languages.pop()

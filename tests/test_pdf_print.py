"""PDFs made for paper: tick boxes and room to write, addresses printed whole.

One small pack is rendered once for the module; each test reads it with pypdf.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from kb.loader import LoadResult, load_project
from kb.packs import find_pack, load_packs
from kb.pdf import render_pack
from kb.pdf.printbody import PrintRenderer
from kb.pdf.printhtml import Cover, pack_job
from kb.pdf.worksheet import BOX, TICKED
from tests.conftest import MKDOCS, REPO, TAXONOMY, document

Kb = Callable[..., Result]

LONG_URL = (
    "https://example.net/documentation/participatory-monitoring/"
    "institutional-arrangements-for-decentralised-sanitation-programmes.pdf"
)

PLAN = f"""\
Use [the worksheet](../tools/sheet.md) during the meeting and read
[the lesson kept outside](../lessons/outside.md) afterwards.

The full report is at [{LONG_URL}]({LONG_URL}), a long address to type.

## Steps

Fill in [the checks](../tools/sheet.md#checks) at the end.

![A district map with the three wards](map.png)
"""

SHEET = """\
Topic: ______________ Date: __________

| Question | Answer |
|---|---|
| Who called the meeting? |  |
| Who was missing? |  |

| Name | Role | Signature |
|---|---|---|
|  |  |  |
|  |  |  |

## Checks

- [ ] Every group has a row
- [x] The date is set
"""

PACKS = """\
packs:
  workshop:
    title: Workshop pack
    subtitle: For the tests
    introduction: A pack to print.
    select: {type: [guideline, tool]}
  duplex:
    title: Duplex pack
    select: {type: [guideline, tool]}
    right_hand_start: true
  readings:
    title: Readings
    select: {type: lesson}
"""


@dataclass
class Printed:
    result: LoadResult
    pdf: Path
    reader: PdfReader

    def text(self) -> str:
        return "\n".join(page.extract_text() for page in self.reader.pages)


def project_files() -> dict[str, str | bytes]:
    picture = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 105, 92)).save(picture, format="PNG")
    return {
        "content/guidelines/map.png": picture.getvalue(),
        "mkdocs.yml": MKDOCS,
        "content/taxonomy.yml": TAXONOMY,
        "content/packs.yml": PACKS,
        "content/guidelines/plan.md": document("Planning guideline", "guideline", body=PLAN),
        "content/tools/sheet.md": document("Meeting worksheet", "tool", body=SHEET),
        "content/lessons/outside.md": document("Lesson kept outside", body="Not in the pack.\n"),
        "content/lessons/second.md": document("Second short lesson", body="Short.\n"),
    }


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    root = write(tmp_path_factory.mktemp("print") / "project", project_files())
    result = load_project(root)
    assert result.problems == []
    packs, _problems = load_packs(result.settings, result.knowledge_base)
    pack = find_pack(packs, "workshop")
    assert pack is not None
    target = root / "workshop.pdf"
    render_pack(result, pack, target, strict=True)
    return Printed(result, target, PdfReader(target))


def html_of(printed: Printed) -> str:
    kb = printed.result.knowledge_base
    printer = PrintRenderer(printed.result.settings, kb)
    documents = [kb.documents["plan"], kb.documents["sheet"]]
    return pack_job(Cover("workshop", "Workshop pack"), documents, printer, "en").html


# -- worksheets ---------------------------------------------------------------------


def test_task_list_items_print_as_tick_boxes(printed: Printed) -> None:
    text = printed.text()

    assert f"{BOX} Every group has a row" in text
    assert f"{TICKED} The date is set" in text
    assert "[ ]" not in text and "[x]" not in text


def test_empty_cells_make_tall_rows_and_wide_columns_to_write_in(printed: Printed) -> None:
    html = html_of(printed)

    assert html.count('<tr class="write-in">') == 4
    # The answer column is the one left empty: it takes half the width.
    assert '<th class="write-in-column of-1">Answer</th>' in html
    # A blank grid keeps the widths it has.
    assert "<th>Signature</th>" in html


def test_the_site_shows_task_lists_as_disabled_check_boxes(printed: Printed) -> None:
    from kb.render import render_markdown

    html = render_markdown("- [ ] one\n- [x] two\n", printed.result.settings)

    assert '<li class="task-list-item"><input type="checkbox" disabled=""> one</li>' in html
    assert '<input type="checkbox" disabled="" checked=""> two' in html


# -- addresses ----------------------------------------------------------------------


def test_no_hyphen_is_inserted_in_a_printed_address(printed: Printed) -> None:
    lines = printed.text().replace("\u00a0", " ")
    # The address is broken across lines (it is longer than one), never with a hyphen.
    assert LONG_URL not in lines
    assert LONG_URL in lines.replace("\n", "")


# -- references ---------------------------------------------------------------------


def page_of(reader: PdfReader, words: str) -> int:
    """The 1-based number of the first page whose text holds ``words``."""
    for number, page in enumerate(reader.pages, start=1):
        if words in " ".join(page.extract_text().split()):
            return number
    raise AssertionError(f"{words!r} is on no page")


def test_references_inside_the_pack_give_the_targets_page(printed: Printed) -> None:
    text = " ".join(printed.text().replace("\u00a0", " ").split())
    worksheet = page_of(printed.reader, "Topic: ______________")
    checks = page_of(printed.reader, f"Checks {BOX}")

    assert f"the worksheet (see p. {worksheet})" in text
    assert f"the checks (see p. {checks})" in text
    # The page numbers come from the layout: the worksheet starts after the guideline.
    assert worksheet > page_of(printed.reader, "Use the worksheet")


def test_references_outside_the_pack_print_their_address_as_a_note(printed: Printed) -> None:
    # pypdf reads the note's smaller type as a word of its own, or not.
    text = re.sub(r"\s*\[", " [", " ".join(printed.text().replace("\u00a0", " ").split()))

    assert "the lesson kept outside [1] afterwards" in text
    address = "https://wash-kb.github.io/lessons/outside/"
    assert f"Addresses of the links [1] {address} Read online:" in text
    # A link whose words are its address needs no note.
    assert "[2]" not in text


# -- typesetting and fonts ----------------------------------------------------------


def test_the_stylesheets_fonts_are_installed_by_the_install_script() -> None:
    from kb.pdf import fonts

    script = (REPO / "scripts" / "install.sh").read_text(encoding="utf-8")
    assert "fonts-noto-core" in script and "fonts-noto-mono" in script
    # After the install script, each Noto family the stylesheet asks for is there.
    assert fonts.missing_families() == []


def test_the_fonts_are_part_of_the_pdf_cache_key(
    printed: Printed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.pdf import fonts
    from kb.pdf.build import PdfCache

    kb = printed.result.knowledge_base
    job = pack_job(
        Cover("workshop", "Workshop pack"),
        [kb.documents["plan"]],
        PrintRenderer(printed.result.settings, kb),
        "en",
    )
    fonts.fonts_digest.cache_clear()
    before = PdfCache(printed.pdf.parent).key(job)
    real = fonts.resolve
    monkeypatch.setattr(
        fonts,
        "resolve",
        lambda family: "/elsewhere/Other.ttf" if family == "Noto Serif" else real(family),
    )
    fonts.fonts_digest.cache_clear()
    try:
        assert PdfCache(printed.pdf.parent).key(job) != before
    finally:
        monkeypatch.undo()
        fonts.fonts_digest.cache_clear()
    assert PdfCache(printed.pdf.parent).key(job) == before


def test_body_text_is_set_for_reading(printed: Printed) -> None:
    sizes: dict[float, int] = {}

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if text.strip():
            # WeasyPrint draws in CSS pixels, scaled to points by the page's matrix.
            shown = round(size * tm[0] * cm[0], 1)
            sizes[shown] = sizes.get(shown, 0) + len(text.strip())

    printed.reader.pages[2].extract_text(visitor_text=visit)
    body = max(sizes, key=lambda s: sizes[s])
    assert 10.5 <= body <= 11
    assert min(sizes) >= 7.5  # the running heads; tables are at 8.5 pt


# -- the A5 booklet -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        (1, [(None, 0), (None, None)]),
        (5, [(None, 0), (1, None), (None, 2), (3, 4)]),
        (8, [(7, 0), (1, 6), (5, 2), (3, 4)]),
        (
            13,
            [(None, 0), (1, None), (None, 2), (3, 12), (11, 4), (5, 10), (9, 6), (7, 8)],
        ),
    ],
)
def test_booklet_pages_are_in_signature_order(
    pages: int, expected: list[tuple[int | None, int | None]]
) -> None:
    from kb.pdf.booklet import sides

    order = sides(pages)

    assert order == expected
    # Every page once; folded, the sheets read in order: each side's two pages add
    # up to the padded count less one (they face each other across the fold).
    placed = [p for side in order for p in side if p is not None]
    assert sorted(placed) == list(range(pages))
    total = len(order) * 2
    assert all(left + right == total - 1 for left, right in order if None not in (left, right))


def test_kb_pdf_booklet_imposes_a5_pages_on_a4_sheets(
    printed: Printed, kb: Kb, tmp_path: Path
) -> None:
    root = printed.result.settings.root
    target = tmp_path / "booklet.pdf"

    result = kb(root, "pdf", "--pack", "workshop", "--booklet", "-o", str(target))

    assert result.exit_code == 0, result.output
    a5_pages = int(re.search(r": (\d+) pages", result.stdout).group(1))  # type: ignore[union-attr]
    reader = PdfReader(target)
    assert len(reader.pages) == -(-a5_pages // 4) * 2
    for side in reader.pages:
        assert (round(float(side.mediabox.width)), round(float(side.mediabox.height))) == (842, 595)
    # The outer sheet: the cover on the front's right half, the contents behind it.
    assert "Workshop pack" in reader.pages[0].extract_text()
    assert "Contents" in reader.pages[1].extract_text()


# -- packs made on the command line ---------------------------------------------------


def test_a_selection_gets_a_readable_title_an_introduction_and_cites_its_file(
    printed: Printed, kb: Kb, tmp_path: Path
) -> None:
    root = printed.result.settings.root
    target = tmp_path / "district-handout.pdf"

    result = kb(
        root,
        "pdf",
        "--type",
        "guideline,tool",
        "--theme",
        "sanitation",
        "--level",
        "local",
        "--intro",
        "For the district workshop in March.",
        "-o",
        str(target),
    )

    assert result.exit_code == 0, result.output
    pages = "\n".join(page.extract_text() for page in PdfReader(target).pages)
    text = " ".join(pages.replace("\u2010\n", "").split())  # hyphenation undone
    title = "Facilitation guidelines and tools and templates: Sanitation at local level"
    assert text.startswith(f"TEST KB {title}")
    assert "About this pack For the district workshop in March." in text
    assert f"Test KB (2026). “{title}”. district-handout.pdf" in text
    assert "selection.pdf" not in text


def test_kb_pdf_takes_the_build_lock_when_writing_into_site(printed: Printed, kb: Kb) -> None:
    from kb.lock import project_lock

    root = printed.result.settings.root
    inside = root / "site" / "downloads" / "packs" / "workshop.pdf"
    with project_lock(root, "build", "kb build", "build"):
        refused = kb(root, "pdf", "--pack", "workshop", "-o", str(inside))
        elsewhere = kb(root, "pdf", "--pack", "workshop", "-o", str(root / "here.pdf"))

    assert refused.exit_code != 0
    assert "build" in refused.output and "kb build" in refused.output
    assert not inside.exists()
    assert elsewhere.exit_code == 0, elsewhere.output


def test_lessons_flow_on_and_documents_can_open_on_right_hand_pages(
    printed: Printed, tmp_path: Path
) -> None:
    result = printed.result
    packs, _problems = load_packs(result.settings, result.knowledge_base)
    readings, duplex = find_pack(packs, "readings"), find_pack(packs, "duplex")
    assert readings is not None and duplex is not None
    render_pack(result, readings, tmp_path / "readings.pdf")
    render_pack(result, duplex, tmp_path / "duplex.pdf")

    lessons = PdfReader(tmp_path / "readings.pdf")
    assert page_of(lessons, "Not in the pack.") == page_of(lessons, "Short.") == 3
    opened = PdfReader(tmp_path / "duplex.pdf")
    starts = [page_of(opened, "Use the worksheet"), page_of(opened, "Topic: ______________")]
    assert all(number % 2 == 1 for number in starts), starts
    assert starts != [3, 4]


# -- accessibility: tagged PDF/UA-1 (veraPDF is not in the registries this project
# reaches, so the structure tree is read with pypdf) ----------------------------------


def structure(reader: PdfReader) -> list[DictionaryObject]:
    """Every element of the structure tree, in reading order."""
    found: list[DictionaryObject] = []

    def walk(node: object) -> None:
        node = getattr(node, "get_object", lambda: node)()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, DictionaryObject) and "/S" in node:
            found.append(node)
            walk(node.get("/K"))

    walk(reader.trailer["/Root"]["/StructTreeRoot"].get("/K"))
    return found


def test_the_pdf_is_tagged_with_headings_tables_and_figures_with_alt_text(
    printed: Printed,
) -> None:
    root = printed.reader.trailer["/Root"]
    elements = structure(printed.reader)
    kinds = [str(e["/S"]) for e in elements]

    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert 'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data().decode("utf-8")
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/L", "/LI"} <= set(kinds)
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert [str(f["/Alt"]) for f in figures] == ["A district map with the three wards"]
    # The cover's and each document's title, the back matter's: first-level headings.
    assert kinds.count("/H1") >= 4

"""PDFs made for paper: tick boxes and room to write, addresses printed whole.

One small pack is rendered once for the module; each test reads it with pypdf.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from kb.loader import LoadResult, load_project
from kb.packs import find_pack, load_packs
from kb.pdf import render_pack
from kb.pdf.printbody import PrintRenderer
from kb.pdf.printhtml import Cover, pack_job
from kb.pdf.worksheet import BOX, TICKED
from tests.conftest import MKDOCS, TAXONOMY, document

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
"""


@dataclass
class Printed:
    result: LoadResult
    pdf: Path
    reader: PdfReader

    def text(self) -> str:
        return "\n".join(page.extract_text() for page in self.reader.pages)


def project_files() -> dict[str, str]:
    return {
        "mkdocs.yml": MKDOCS,
        "content/taxonomy.yml": TAXONOMY,
        "content/packs.yml": PACKS,
        "content/guidelines/plan.md": document("Planning guideline", "guideline", body=PLAN),
        "content/tools/sheet.md": document("Meeting worksheet", "tool", body=SHEET),
        "content/lessons/outside.md": document("Lesson kept outside", body="Not in the pack.\n"),
    }


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
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
    assert "Addresses of the links [1] https://kb.example.org/lessons/outside/ Read online:" in text
    # A link whose words are its address needs no note.
    assert "[2]" not in text

"""One build with a tool, a glossary and citations: the site and the PDFs show all three."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from kb.cli import main
from kb.loader import load_project
from kb.site.search_index import record_html
from tests.conftest import document
from tests.test_pdf import links, plain_text, write_project

GLOSSARY = """\
- term: TAF
  expansion: Technology Applicability Framework
  definition: A way for stakeholders to judge whether a technology fits.
  fr:
    expansion: Cadre d'applicabilité des technologies
    definition: Une façon de juger si une technologie convient.
- term: IWRM
  expansion: Integrated water resources management
  definition: Managing water with land and related resources.
- term: host institution
  definition: An organisation that keeps a project's tool in use.
"""

#: The cited source's title, with a term of the glossary in it.
CITED = "Scoring technologies together with the TAF"
SOURCES = (
    '[{id: smith2012, authors: ["Ama Smith", "Kofi Jones"], title: "Scoring technologies '
    'together with the TAF", publisher: IRC, year: 2012, url: "https://example.org/scoring"}]'
)

PACKS = """\
packs:
  toolkit:
    title: Facilitator's toolkit
    subtitle: Methods and the sheets that go with them
    introduction: The method, then the sheet to print.
    select: {type: [guideline, tool]}
"""

FILES: dict[str, str | bytes] = {
    "content/glossary.yml": GLOSSARY,
    "content/packs.yml": PACKS,
    "content/guidelines/taf-assessment.md": document(
        "Assessing a technology with the TAF",
        "guideline",
        body="## Steps\n\nScore the technology together using the TAF.[^smith2012]\n\n"
        "Then hand the result to a host institution.\n",
        sources=SOURCES,
        countries="[GH]",
        summary="In Ghana, a platform scores technologies.",
    ),
    "content/tools/taf-scoring-sheet.md": document(
        "TAF scoring sheet",
        "tool",
        body="## When to use it\n\nDuring a scoring workshop: see "
        "[the assessment guideline](../guidelines/taf-assessment.md).\n\n"
        "## The template\n\n| Dimension | Score |\n| --- | --- |\n| Social |  |\n",
    ),
    "content/lessons/taf-fr.md": document(
        "Le TAF rend l'approbation transparente",
        body="Le TAF aide la plateforme.\n",
        language="fr",
    ),
}


@dataclass
class Built:
    project: Path
    site: Path

    def page(self, url: str) -> str:
        return (self.site / url / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    project = write_project(tmp_path_factory.mktemp("extras") / "project", FILES)
    site = project / "site"
    result = CliRunner().invoke(
        main, ["--project", str(project), "build", "--strict", "--out", str(site)]
    )
    assert result.exit_code == 0, result.output
    return Built(project, site)


# -- the tool type ----------------------------------------------------------------


def test_tools_have_their_listing_and_pages(built: Built) -> None:
    listing = built.page("tools")
    assert "Tools and templates" in listing
    assert 'href="../tools/taf-scoring-sheet/"' in listing or "taf-scoring-sheet/" in listing
    page = built.page("tools/taf-scoring-sheet")
    assert 'href="../../guidelines/taf-assessment/"' in page
    assert "1 tool" in re.sub(r"<[^>]+>", "", built.page(""))
    navigation = built.page("")
    assert 'href="tools/"' in navigation


def test_tools_are_a_search_filter_on_the_site_and_on_the_command_line(built: Built) -> None:
    result = load_project(built.project)
    tool = result.knowledge_base.documents["taf-scoring-sheet"]
    record = record_html(tool, result.knowledge_base.taxonomy, "")
    assert '<span data-pagefind-filter="type">Tool</span>' in record
    runner = CliRunner()
    args = ["--project", str(built.project), "search", "TAF"]
    found = runner.invoke(main, [*args, "--type", "tool", "--json"], catch_exceptions=False)
    assert found.exit_code == 0, found.output
    assert [hit["id"] for hit in json.loads(found.stdout)["hits"]] == ["taf-scoring-sheet"]


def test_catalogue_lists_the_tool(built: Built) -> None:
    catalogue = json.loads((built.site / "catalogue.json").read_text(encoding="utf-8"))
    entries = catalogue["documents"] if isinstance(catalogue, dict) else catalogue
    assert {"taf-scoring-sheet": "tool"}.items() <= {e["id"]: e["type"] for e in entries}.items()


def test_a_pack_takes_tools(built: Built) -> None:
    reader = PdfReader(built.site / "downloads" / "packs" / "toolkit.pdf")
    text = plain_text(reader)
    assert "TAF scoring sheet" in text
    assert "1 facilitation guideline, 1 tool" in text


# -- the glossary ---------------------------------------------------------------


def test_glossary_terms_are_abbreviations_in_the_documents_language(built: Built) -> None:
    english = built.page("guidelines/taf-assessment")
    french = built.page("lessons/taf-fr")
    assert '<abbr title="Technology Applicability Framework">TAF</abbr>' in english
    assert '<abbr title="Cadre d\'applicabilité des technologies">TAF</abbr>' in french
    assert "<abbr" not in built.page("lessons")


def test_abbreviations_are_not_marked_in_the_notes(built: Built) -> None:
    # A note quotes its source's title as published; the text around it explains the terms.
    page = built.page("guidelines/taf-assessment")
    body, notes = page.split('<div class="footnote">', 1)
    notes = notes[: notes.index("</div>")]
    assert CITED in html.unescape(notes)
    assert "<abbr" not in notes
    assert '<abbr title="Technology Applicability Framework">TAF</abbr>' in body


def test_the_glossary_has_its_page_in_the_navigation(built: Built) -> None:
    page = built.page("glossary")
    assert '<dt id="term-taf"><dfn>TAF</dfn>' in page
    assert "Integrated water resources management" in page  # every term, used or not
    assert 'lang="fr"' in page
    assert "Cadre d'applicabilité des technologies" in html.unescape(page)
    assert 'href="glossary/"' in built.page("")


def test_a_pack_ends_with_the_terms_it_uses(built: Built) -> None:
    reader = PdfReader(built.site / "downloads" / "packs" / "toolkit.pdf")
    last = plain_text(reader, range(len(reader.pages) - 2, len(reader.pages)))
    glossary = last[last.index("Glossary") :]
    assert "TAF — Technology Applicability Framework" in glossary
    assert "host institution" in glossary
    assert "IWRM" not in plain_text(reader)  # no document of the pack uses it
    pack, documents = reader.outline
    assert pack.title == "Facilitator's toolkit"
    assert [d.title for d in documents if not isinstance(d, list)][-2:] == [
        "Glossary",
        "Licence and how to cite",
    ]


# -- citations ------------------------------------------------------------------


def test_citations_are_linked_footnotes_on_the_site(built: Built) -> None:
    page = built.page("guidelines/taf-assessment")
    assert 'href="#fn:smith2012"' in page
    note = page[page.index('<li id="fn:smith2012">') :]
    note = note[: note.index("</li>")]
    assert f"Ama Smith and Kofi Jones (2012). <em>{CITED}</em>. IRC." in note
    assert '<a href="https://example.org/scoring">https://example.org/scoring</a>' in note
    # The notes close the text, before kb's panels (sources, citation, related pages).
    assert page.index('class="footnote"') < page.index('id="kb-sources"')
    sources = page[page.index('id="kb-sources"') :]
    assert f'<a href="https://example.org/scoring">{CITED}</a>' in sources


def test_citations_are_linked_footnotes_in_the_pdf(built: Built) -> None:
    reader = PdfReader(built.site / "downloads" / "documents" / "taf-assessment.pdf")
    text = plain_text(reader)
    assert f"Ama Smith and Kofi Jones (2012). {CITED}. IRC." in text
    actions = [a.get("/A", {}) for _, a in links(reader)]
    assert "https://example.org/scoring" in {str(a.get("/URI")) for a in actions}
    # The reference jumps to its note inside the PDF.
    assert [str(a["/Dest"]) for _, a in links(reader) if "/Dest" in a] == [
        "taf-assessment--fn:smith2012"
    ]

"""Citations a reference manager imports: BibTeX, RIS and CSL-JSON, read back by parsers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import pickle
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares
from click.testing import Result

from kb.site import cite
from kb.site.downloads import Download
from tests.conftest import ProjectFactory, document

Kb = Callable[..., Result]

TRICKY = cite.Reference(
    key="accra-stormwater",
    kind="case-study",
    title="Accra\u2019s “learning” alliance: 50% of {drains} & the R_2 plan",
    authors=("Smith, Jane", "IRC WASH", "Ngom, Éloïse"),
    issued=dt.date(2024, 5, 17),
    publisher="Learning Alliances KB",
    url="https://wash-kb.github.io/case-studies/accra_stormwater/?a=1%20b",
    language="en",
    license="CC-BY-4.0",
    abstract="Stormwater in #Accra, with $ and \\ in it.",
    pdf_url="https://wash-kb.github.io/downloads/documents/accra-stormwater.pdf",
    path="cite/accra-stormwater",
)


def parse_bibtex(text: str) -> dict[str, object]:
    library = bibtexparser.parse_string(
        text,
        append_middleware=[middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors()],
    )
    assert library.failed_blocks == []
    (entry,) = library.entries
    return {"type": entry.entry_type, "key": entry.key, **entry.fields_dict}


def test_bibtex_reads_back_with_every_field() -> None:
    entry = parse_bibtex(cite.bibtex([TRICKY]))
    values = {k: getattr(v, "value", v) for k, v in entry.items()}
    assert values["type"] == "techreport"
    assert values["key"] == "accra-stormwater"
    assert values["title"] == TRICKY.title
    # A person is "Family, Given"; an organisation stays in braces, one name.
    assert values["author"] == ["Smith, Jane", "IRC WASH", "Ngom, Éloïse"]
    assert values["institution"] == "Learning Alliances KB"
    assert values["year"] == "2024"
    assert values["month"] == "5"
    assert values["date"] == "2024-05-17"
    # Addresses are not LaTeX ("%" is no comment in them): read raw, as Zotero does.
    raw = bibtexparser.parse_string(cite.bibtex([TRICKY])).entries[0]
    assert raw.fields_dict["url"].value == TRICKY.url
    assert values["abstract"] == TRICKY.abstract
    assert values["note"] == "Licence: CC-BY-4.0"
    assert values["language"] == "en"


def test_bibtex_keeps_organisations_whole_for_bibtex_itself() -> None:
    text = cite.bibtex([TRICKY])
    assert "author = {Smith, Jane and {IRC WASH} and Ngom, Éloïse}" in text
    # LaTeX's special characters are escaped, the address is not.
    assert r"50\% of \{drains\} \& the R\_2 plan" in text
    assert "url = {https://wash-kb.github.io/case-studies/accra_stormwater/?a=1%20b}" in text


def test_bibtex_keeps_arabic_script_and_says_nothing_about_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    title = "تحالفات التعلّم في كساب"
    ref = cite.Reference(
        "ar", "case-study", title, ("كساب, علي",), dt.date(2020, 1, 2), "P", "u", "ar", "L"
    )
    with caplog.at_level(logging.WARNING):
        fields = parse_bibtex(cite.bibtex([ref]))
    assert fields["title"].value == title  # type: ignore[attr-defined]
    assert caplog.records == []


def test_ris_reads_back_with_every_field() -> None:
    (record,) = rispy.loads(cite.ris([TRICKY]))
    assert record["type_of_reference"] == "RPRT"
    assert record["id"] == "accra-stormwater"
    assert record["title"] == TRICKY.title
    assert record["authors"] == list(TRICKY.authors)
    assert record["year"] == "2024"
    assert record["date"] == "2024/05/17"
    assert record["publisher"] == "Learning Alliances KB"
    assert record["urls"] == [TRICKY.url]
    assert record["language"] == "en"
    assert record["abstract"] == TRICKY.abstract
    assert record["notes"] == ["Licence: CC-BY-4.0"]
    assert record["file_attachments1"] == TRICKY.pdf_url


def test_csl_json_reads_back_with_every_field() -> None:
    (item,) = json.loads(cite.csl_json([TRICKY]))
    assert item == {
        "id": "accra-stormwater",
        "type": "report",
        "title": TRICKY.title,
        "author": [
            {"family": "Smith", "given": "Jane"},
            {"literal": "IRC WASH"},
            {"family": "Ngom", "given": "Éloïse"},
        ],
        "issued": {"date-parts": [[2024, 5, 17]]},
        "publisher": "Learning Alliances KB",
        "URL": TRICKY.url,
        "language": "en",
        "license": "CC-BY-4.0",
        "abstract": TRICKY.abstract,
    }


@pytest.mark.parametrize(
    ("kind", "bibtex_type", "ris_type", "csl_type"),
    [
        ("case-study", "techreport", "RPRT", "report"),
        ("guideline", "techreport", "RPRT", "report"),
        ("lesson", "misc", "ELEC", "article"),
        ("tool", "misc", "GEN", "document"),
        ("pack", "book", "BOOK", "book"),
    ],
)
def test_each_kind_of_work_has_its_type_in_each_format(
    kind: str, bibtex_type: str, ris_type: str, csl_type: str
) -> None:
    ref = cite.Reference("x", kind, "T", ("kb team",), dt.date(2020, 1, 2), "P", "u", "en", "L")
    entry = parse_bibtex(cite.bibtex([ref]))
    assert entry["type"] == bibtex_type
    organisation = entry["institution" if bibtex_type == "techreport" else "publisher"]
    assert getattr(organisation, "value", None) == "P"
    assert rispy.loads(cite.ris([ref]))[0]["type_of_reference"] == ris_type
    assert json.loads(cite.csl_json([ref]))[0]["type"] == csl_type


def test_a_pack_is_a_book_the_site_publishes() -> None:
    from kb.config import load_settings

    settings = load_settings(Path(__file__).resolve().parent.parent)
    pack = Download(
        "pack",
        "setting-up",
        "Setting up a learning alliance",
        "Methods for facilitators.",
        "downloads/packs/setting-up.pdf",
        68,
        1000,
        dt.date(2025, 3, 1),
        ("a", "b"),
        "en",
        subtitle="Step by step",
    )
    ref = cite.pack_reference(pack, settings)
    (item,) = json.loads(cite.csl_json([ref]))
    assert item["title"] == "Setting up a learning alliance: Step by step"
    assert item["author"] == [{"literal": settings.site_name}]
    assert item["URL"] == "https://example.org/learning-alliances/downloads/packs/setting-up.pdf"
    assert item["issued"] == {"date-parts": [[2025, 3, 1]]}
    assert ref.file("ris") == "cite/packs/setting-up.ris"


class MetaTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.in_head = False
        self.tags: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self.in_head = True
        named = dict(attrs)
        if tag == "meta" and self.in_head and str(named.get("name", "")).startswith("citation_"):
            self.tags.append((str(named["name"]), str(named.get("content"))))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False


def test_the_built_site_offers_every_format_from_page_and_catalogue(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project(
        {
            "content/case-studies/district-latrines.md": document(
                "District latrines & <drains>",
                "case-study",
                authors='["Mensah, Ama", "kb editorial team"]',
            ),
            "content/lessons/criteria-fr.md": document(
                "Les critères aident", language="fr", date="2025-02-03"
            ),
        }
    )
    out = project / "site"
    result = kb(project, "build", "--no-pdf", "--out", str(out))
    assert result.exit_code == 0, result.output
    page = (out / "case-studies/district-latrines/index.html").read_text(encoding="utf-8")
    parser = MetaTags()
    parser.feed(page)
    assert parser.tags == [
        ("citation_title", "District latrines & <drains>"),
        ("citation_author", "Mensah, Ama"),
        ("citation_author", "kb editorial team"),
        ("citation_publication_date", "2026/01/15"),
        ("citation_publisher", "Test KB"),
        ("citation_language", "en"),
        ("citation_public_url", "https://wash-kb.github.io/case-studies/district-latrines/"),
        ("citation_technical_report_institution", "Test KB"),
    ]
    links = re.findall(r'<a href="([^"]+)" download type="([^"]+)">([^<]+)</a>', page)
    assert [(href, label) for href, _, label in links] == [
        ("../../cite/district-latrines.bib", "BibTeX"),
        ("../../cite/district-latrines.ris", "RIS"),
        ("../../cite/district-latrines.json", "CSL-JSON"),
    ]
    page_dir = out / "case-studies/district-latrines"
    entry = parse_bibtex((page_dir / links[0][0]).resolve().read_text(encoding="utf-8"))
    assert getattr(entry["title"], "value", None) == "District latrines & <drains>"
    assert getattr(entry["author"], "value", None) == ["Mensah, Ama", "kb editorial team"]
    (record,) = rispy.loads((page_dir / links[1][0]).resolve().read_text(encoding="utf-8"))
    assert record["title"] == "District latrines & <drains>"
    catalogue = json.loads((out / "catalogue.json").read_text(encoding="utf-8"))
    entries = {d["id"]: d for d in catalogue["documents"]}
    citation = entries["district-latrines"]["citation"]
    assert citation["bibtex"] == "https://wash-kb.github.io/cite/district-latrines.bib"
    assert citation["csl"] == json.loads((page_dir / links[2][0]).resolve().read_text())[0]
    # A document without authors is the site's own work, in its own language.
    french = entries["criteria-fr"]["citation"]["csl"]
    assert french["author"] == [{"literal": "Test KB"}]
    assert french["language"] == "fr"
    assert french["issued"] == {"date-parts": [[2025, 2, 3]]}
    french_page = (out / "lessons/criteria-fr/index.html").read_text(encoding="utf-8")
    assert "Importer dans un gestionnaire de références" in french_page


def test_citation_files_take_an_earlier_builds_texts_for_unchanged_references(
    tmp_path: Path,
) -> None:
    first = cite.write_citation_files(tmp_path / "a", [TRICKY])
    assert (tmp_path / "a/cite/accra-stormwater.bib").read_text(encoding="utf-8") == cite.bibtex(
        [TRICKY]
    )
    # An earlier build's texts are taken as they are for the same reference...
    marked = {key: {**texts, ".bib": "% kept\n"} for key, texts in first.items()}
    again = cite.write_citation_files(tmp_path / "b", [TRICKY], marked)
    assert (tmp_path / "b/cite/accra-stormwater.bib").read_text(encoding="utf-8") == "% kept\n"
    assert again == marked
    # ...and made again for a changed one, or when what was kept is not whole.
    retitled = dataclasses.replace(TRICKY, title="Accra revisited")
    cite.write_citation_files(tmp_path / "c", [retitled], marked)
    assert "Accra revisited" in (tmp_path / "c/cite/accra-stormwater.bib").read_text("utf-8")
    broken = {key: {".bib": "% kept\n"} for key in first}
    cite.write_citation_files(tmp_path / "d", [TRICKY], broken)
    assert (tmp_path / "d/cite/accra-stormwater.ris").is_file()
    assert (tmp_path / "d/cite/accra-stormwater.bib").read_text("utf-8") == cite.bibtex([TRICKY])


def test_citation_texts_made_in_a_helper_process_are_written_as_made(tmp_path: Path) -> None:
    # A clean build makes the texts in another process: references and texts cross as pickles.
    made = pickle.loads(pickle.dumps(cite.citation_files(pickle.loads(pickle.dumps([TRICKY])))))
    assert made == cite.write_citation_files(tmp_path / "a", [TRICKY])
    assert cite.write_citation_files(tmp_path / "b", [TRICKY], made) == made
    for suffix in (".bib", ".ris", ".json"):
        name = f"cite/accra-stormwater{suffix}"
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes()

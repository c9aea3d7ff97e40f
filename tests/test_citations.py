"""Citations: ``[^source-id]`` in the text, notes written by kb from ``sources:``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from click.testing import Result

from kb.citations import check_citations, definitions, footnote_text, references
from kb.loader import load_project
from kb.model import Document, Source
from tests.conftest import REPO, ProjectFactory, document

Kb = Callable[..., Result]

SOURCES = (
    '[{id: butterworth2011, authors: ["John Butterworth", "Patrick McIntyre"], '
    'title: "SWITCH in the city", publisher: IRC, year: 2011, '
    'url: "https://example.org/switch-in-the-city"}, '
    "{id: notes2010, title: Meeting notes, year: 2010}]"
)


def lesson(body: str, sources: str = SOURCES) -> str:
    return document("Cited lesson", body=body, sources=sources)


def test_unknown_citation_is_an_error_with_line_and_suggestion(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project(
        {
            "content/lessons/cited.md": lesson(
                "The alliance met quarterly.[^butterworth2011]\n\n"
                "It kept going after the project.[^butterworth2012]\n"
            )
        }
    )

    result = kb(project, "check")

    assert result.exit_code == 1
    assert (
        "content/lessons/cited.md:12: citation: '[^butterworth2012]' cites no source of this "
        "document; did you mean 'butterworth2011'?"
    ) in result.stdout.splitlines()


def test_a_citation_in_a_document_without_source_ids_says_how_to_add_one(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project({"content/lessons/cited.md": lesson("A claim.[^smith2012]\n", "[]")})

    result = kb(project, "check")

    assert result.stdout.splitlines()[0] == (
        "content/lessons/cited.md:10: citation: '[^smith2012]' cites no source of this "
        "document; add the source under 'sources:' with 'id: smith2012', or write the "
        "footnote out as '[^smith2012]: ...'"
    )


def test_a_hand_written_note_for_a_source_is_an_error(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project(
        {
            "content/lessons/cited.md": lesson(
                "A claim.[^butterworth2011]\n\n[^butterworth2011]: Butterworth, 2011.\n"
            )
        }
    )

    result = kb(project, "check")

    assert result.exit_code == 1
    assert (
        "content/lessons/cited.md:12: citation: '[^butterworth2011]:' writes out the note for "
        "the source 'butterworth2011', which kb writes from 'sources:'; remove this footnote "
        "and keep the reference"
    ) in result.stdout.splitlines()


def test_an_ordinary_footnote_is_left_alone(make_project: ProjectFactory, kb: Kb) -> None:
    body = "A claim.[^butterworth2011] An aside.[^1]\n\n[^1]: Said in passing.\n"
    sources = SOURCES.replace(", {id: notes2010, title: Meeting notes, year: 2010}", "")
    project = make_project({"content/lessons/cited.md": lesson(body, sources)})

    result = kb(project, "check", "--strict")

    assert result.exit_code == 0, result.output


def test_a_cited_source_without_address_warns_and_fails_strict(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project({"content/lessons/cited.md": lesson("From the notes.[^notes2010]\n")})

    result = kb(project, "check")
    strict = kb(project, "check", "--strict")

    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        "content/lessons/cited.md:8: sources[1]: warning: 'notes2010' is cited on line 10 but "
        "has no 'url:'; add the address where readers can find it, so the note can link to it"
    )
    assert strict.exit_code == 1


def test_source_ids_must_be_usable_and_unique(make_project: ProjectFactory, kb: Kb) -> None:
    sources = (
        "\n  - {id: smith 2012, title: A}\n  - {id: jones, title: B, url: 'https://e.org/b'}"
        "\n  - {id: jones, title: C, url: 'https://e.org/c'}"
    )
    project = make_project({"content/lessons/cited.md": lesson("Text.\n", sources)})

    result = kb(project, "check")

    lines = result.stdout.splitlines()
    assert (
        "content/lessons/cited.md:9: sources[0].id: 'smith 2012' cannot be a source id; use "
        "letters, digits, hyphens and underscores only, e.g. 'smith2012'"
    ) in lines
    assert (
        "content/lessons/cited.md:11: sources[2].id: 'jones' is also the id of sources[1]; "
        "each source needs its own id"
    ) in lines


def test_citations_in_code_are_not_citations() -> None:
    body = "Write `[^id]` to cite.\n\n```\n[^other]\n```\n\nA claim.[^real]\n"
    assert [(c.label, c.line) for c in references(body, 10)] == [("real", 16)]
    assert definitions("[^a]: note\n   [^b]: note\n    [^c]: code\n", 1) == {"a": 1, "b": 2}


def test_the_note_names_authors_year_title_publisher_and_links_the_address() -> None:
    source = Source(
        title="SWITCH in the city: putting *urban* water management to the test",
        url="https://example.org/switch",
        year=2011,
        publisher="IRC",
        id="b2011",
        authors=("J. Butterworth", "P. McIntyre", "C. da Silva Wells"),
    )
    assert footnote_text(source) == (
        "J. Butterworth, P. McIntyre and C. da Silva Wells (2011). "
        "*SWITCH in the city: putting \\*urban\\* water management to the test*. IRC. "
        "<https://example.org/switch>"
    )
    no_authors = Source(title="Who pays?", year=2012, publisher="IRC", id="x")
    assert footnote_text(no_authors) == "*Who pays?* IRC, 2012."


def test_every_citation_in_the_shipped_content_resolves_to_a_source_with_an_address() -> None:
    result = load_project(REPO)
    documents: list[Document] = list(result.knowledge_base.documents.values())
    unresolved = []
    for doc in documents:
        by_id = {s.id: s for s in doc.sources if s.id}
        written = definitions(doc.body, doc.body_line)
        for citation in references(doc.body, doc.body_line):
            source = by_id.get(citation.label)
            if citation.label in written:
                unresolved.append(f"{doc.path}:{citation.line}: written out by hand")
            elif source is None or not source.url:
                unresolved.append(f"{doc.path}:{citation.line}: [^{citation.label}]")
    assert unresolved == []
    assert [p for doc in documents for p in check_citations(doc) if p.is_error] == []


def test_check_citations_reads_the_document_it_is_given() -> None:
    doc = Document(
        id="x",
        path="content/lessons/x.md",
        type="lesson",
        title="X",
        summary="S.",
        themes=("sanitation",),
        levels=("local",),
        date=dt.date(2026, 1, 1),
        body="A claim.[^a]\n",
        body_line=8,
        language="en",
        license="CC-BY-4.0",
        sources=(Source(title="A", url="https://e.org/a", id="a"),),
    )
    assert list(check_citations(doc)) == []

"""The search index and ``kb search`` / ``kb show`` on small hand-made knowledge bases."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from whoosh.qparser import OrGroup
from whoosh.util.filelock import FileLock

from kb.errors import KbError
from kb.loader import load_project
from kb.model import KnowledgeBase
from kb.search import QueryError, SearchIndex, SearchResults, plain_text, scoring
from kb.search import fields as search_fields
from kb.search import index as search_index_module
from kb.search.analysis import SITE_WORD
from tests.conftest import REPO, ProjectFactory, document

Kb = Callable[..., Result]

FILES: dict[str, str | bytes] = {
    "content/lessons/emptying-businesses.md": document(
        "Pit latrine emptying businesses",
        summary="How licensed operators made pit latrines last longer.",
        themes="[sanitation, finance]",
        levels="[local]",
        countries="[GH]",
        programme="washtech",
        date="2026-01-10",
        body=(
            "## Licensing\n\nThe municipality licensed emptying trucks, and the emptying "
            "businesses grew. Sludge goes to treatment ponds.\n"
        ),
    ),
    "content/case-studies/kumasi-tariffs.md": document(
        "Tariffs in Kumasi",
        "case-study",
        summary="A utility in Kumasi set tariffs with the platform.",
        themes="[finance, governance]",
        levels="[intermediate]",
        countries="[GH]",
        date="2026-02-10",
        body="The utility published its tariffs. Businesses paid for emptying separately.\n",
    ),
    "content/guidelines/national-policy.md": document(
        "Writing a national sanitation policy",
        "guideline",
        summary="Steps for a ministry drafting its policy with the learning alliance.",
        themes="[sanitation, governance]",
        levels="[national]",
        countries="[BF]",
        date="2026-03-10",
        body="## Drafting\n\nThe ministry drafts; the alliance reviews. Hygiene counts too.\n",
    ),
    "content/lessons/handwashing-schools.md": document(
        "Handwashing stations in schools",
        summary="Pupils keep handwashing stations working.",
        themes="[hygiene]",
        levels="[local]",
        date="2026-04-10",
        body="Pupils refill the stations with soap every morning. A giraffe mural helps.\n",
    ),
    "content/lessons/evaluation-fr.md": document(
        "L'évaluation des technologies par la plateforme",
        summary="Les acteurs évaluent ensemble les technologies d'assainissement.",
        themes="[sanitation]",
        levels="[national]",
        language="fr",
        date="2026-05-10",
        body="Les évaluations réunissent les communes et les ministères.\n",
    ),
    "content/lessons/comunidades-es.md": document(
        "Las comunidades gestionan el saneamiento",
        summary="Comunidades rurales organizadas.",
        themes="[sanitation]",
        levels="[local]",
        language="es",
        date="2026-06-10",
        body="Las comunidades organizadas mantienen las letrinas.\n",
    ),
    "content/lessons/avaliacoes-pt.md": document(
        "Avaliações participativas de tecnologias",
        summary="Os municípios participam das avaliações.",
        themes="[sanitation]",
        levels="[local]",
        language="pt-BR",
        date="2026-07-10",
        body="As avaliações participativas envolvem os municípios.\n",
    ),
    "content/lessons/draft-note.md": document(
        "A draft about emptying",
        themes="[sanitation]",
        levels="[local]",
        status="draft",
        body="Emptying, but not ready.\n",
    ),
}


@pytest.fixture
def project(make_project: ProjectFactory) -> Path:
    return make_project(FILES)


def knowledge_base(root: Path) -> KnowledgeBase:
    result = load_project(root)
    # The documents are filed under countries their text never names, on purpose
    # (what a document is filed under is searchable too): kb check warns of that.
    assert [p for p in result.problems if not p.field.startswith("countries[")] == []
    return result.knowledge_base


@pytest.fixture
def index(project: Path, tmp_path: Path) -> SearchIndex:
    search_index = SearchIndex(tmp_path / "index")
    search_index.update(knowledge_base(project))
    return search_index


def ids(results: SearchResults) -> list[str]:
    return [hit.id for hit in results.hits]


def found(index: SearchIndex, query: str, **filters: list[str]) -> set[str]:
    return set(ids(index.search(query, filters, limit=50)))


# -- finding documents -------------------------------------------------------------------


def test_finds_a_word_of_the_title_the_summary_or_the_body(index: SearchIndex) -> None:
    assert found(index, "handwashing") == {"handwashing-schools"}  # title
    assert found(index, "operators") == {"emptying-businesses"}  # summary
    assert found(index, "giraffe") == {"handwashing-schools"}  # body
    assert found(index, "licensing") == {"emptying-businesses"}  # heading


def test_english_words_are_stemmed_and_a_title_outranks_a_body(index: SearchIndex) -> None:
    results = index.search("latrine")
    assert ids(results) == ["emptying-businesses"]
    assert found(index, "tariff") == {"kumasi-tariffs"}
    # "emptying" is in one title and in another body: the title ranks first.
    assert ids(index.search("emptying"))[:2] == ["emptying-businesses", "kumasi-tariffs"]


def test_a_french_query_finds_the_french_documents(index: SearchIndex) -> None:
    # "évaluations" is only in the body; the stemmer reduces it and "évaluation" alike.
    assert found(index, "évaluation") == {"evaluation-fr"}
    assert found(index, "évaluent") == {"evaluation-fr"}
    # Accents are folded, so a keyboard without them finds the same document.
    assert found(index, "evaluations") == {"evaluation-fr"}
    assert found(index, "ministère") == {"evaluation-fr"}


def test_french_elisions_are_words_apart_with_either_apostrophe(index: SearchIndex) -> None:
    # "d'assainissement" in the summary, "L'évaluation" in the title: the elided article
    # is a word of its own, with a straight or a typographic apostrophe alike, as the
    # site's search script splits them (kb.search.analysis.SITE_WORD).
    for query in ("technologies d'assainissement", "technologies d\u2019assainissement"):
        assert found(index, query) == {"evaluation-fr"}, query
    for query in ("l'évaluation", "l\u2019évaluation", "évaluation"):
        assert ids(index.search(query)) == ["evaluation-fr"], query
    assert SITE_WORD.findall("L\u2019évaluation d'un forage, aujourd'hui") == [
        "L",
        "évaluation",
        "d",
        "un",
        "forage",
        "aujourd",
        "hui",
    ]


def test_spanish_and_portuguese_are_stemmed(index: SearchIndex) -> None:
    assert found(index, "comunidad") == {"comunidades-es"}
    assert found(index, "organizada") == {"comunidades-es"}
    assert found(index, "avaliação") == {"avaliacoes-pt"}
    assert found(index, "participativa") == {"avaliacoes-pt"}


def test_hits_say_what_and_where_with_a_highlighted_snippet(index: SearchIndex) -> None:
    results = index.search("sludge")
    assert results.total == 1
    hit = results.hits[0]
    assert (hit.id, hit.title, hit.type, hit.levels) == (
        "emptying-businesses",
        "Pit latrine emptying businesses",
        "lesson",
        ("local",),
    )
    assert hit.path == "content/lessons/emptying-businesses.md"
    assert hit.url == "lessons/emptying-businesses/"
    assert hit.score > 0
    assert "[Sludge] goes to treatment ponds" in hit.snippet.marked()
    assert "Sludge goes to treatment ponds" in hit.snippet.text
    # A match in the title only: the snippet falls back to the summary.
    assert index.search("pit").hits[0].snippet.text.startswith("How licensed operators")


def test_phrases_match_words_side_by_side(index: SearchIndex) -> None:
    assert found(index, "emptying businesses") == {"emptying-businesses", "kumasi-tariffs"}
    assert found(index, '"emptying businesses"') == {"emptying-businesses"}
    assert found(index, "“emptying businesses”") == {"emptying-businesses"}


def test_operators_and_prefixes(index: SearchIndex) -> None:
    assert found(index, "tariffs OR pupils") == {"kumasi-tariffs", "handwashing-schools"}
    assert found(index, "emptying NOT sludge") == {"kumasi-tariffs"}
    assert found(index, "hand*") == {"handwashing-schools"}
    assert found(index, "(tariffs OR pupils) AND soap") == {"handwashing-schools"}


def test_all_words_must_match_else_any_with_a_notice(index: SearchIndex) -> None:
    assert found(index, "sludge ponds") == {"emptying-businesses"}
    results = index.search("sludge giraffe")
    assert set(ids(results)) == {"emptying-businesses", "handwashing-schools"}
    assert results.notices == ("no page has every word; showing pages with most of them",)


# -- filters and facets -------------------------------------------------------------------


def test_filters_or_within_a_field_and_across_fields(index: SearchIndex) -> None:
    everything = "emptying OR ministry OR pupils OR évaluations OR comunidades OR avaliações"
    assert found(index, everything) == {
        "emptying-businesses",
        "kumasi-tariffs",
        "national-policy",
        "handwashing-schools",
        "evaluation-fr",
        "comunidades-es",
        "avaliacoes-pt",
    }
    assert found(index, everything, theme=["governance"]) == {"kumasi-tariffs", "national-policy"}
    # OR within a field.
    assert found(index, everything, theme=["hygiene", "finance"]) == {
        "emptying-businesses",
        "kumasi-tariffs",
        "handwashing-schools",
    }
    assert found(index, everything, level=["intermediate", "national"]) == {
        "kumasi-tariffs",
        "national-policy",
        "evaluation-fr",
    }
    # AND across fields.
    assert found(index, everything, level=["local", "national"], theme=["finance"]) == {
        "emptying-businesses"
    }
    assert found(index, everything, country=["gh"], type=["case-study"]) == {"kumasi-tariffs"}
    assert found(index, everything, programme=["washtech"]) == {"emptying-businesses"}
    assert found(index, everything, language=["fr", "es"]) == {"evaluation-fr", "comunidades-es"}
    # A language filter without a region takes in its regional variants.
    assert found(index, everything, language=["pt"]) == {"avaliacoes-pt"}
    assert found(index, everything, language=["pt-br"]) == {"avaliacoes-pt"}


def test_facet_counts_are_for_the_whole_result_set(index: SearchIndex) -> None:
    results = index.search("emptying OR ministry OR pupils", limit=1)
    assert results.total == 4
    assert len(results.hits) == 1
    assert results.facets["theme"] == {
        "finance": 2,
        "governance": 2,
        "sanitation": 2,
        "hygiene": 1,
    }
    assert results.facets["level"] == {"local": 2, "intermediate": 1, "national": 1}
    assert results.facets["type"] == {"lesson": 2, "case-study": 1, "guideline": 1}
    assert results.facets["country"] == {"GH": 2, "BF": 1}
    assert results.facets["language"] == {"en": 4}
    assert results.facets["programme"] == {"washtech": 1}


def test_theme_programme_and_country_names_are_searchable(index: SearchIndex) -> None:
    # None of these words is in the documents' text, only in what they are filed under.
    assert found(index, "finance") == {"emptying-businesses", "kumasi-tariffs"}
    assert found(index, "washtech") == {"emptying-businesses"}
    assert found(index, "ghana") == {"emptying-businesses", "kumasi-tariffs"}
    assert found(index, "burkina") == {"national-policy"}


def test_theme_aliases_and_stop_words_match_as_the_query_model_says(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    from tests.conftest import TAXONOMY

    taxonomy = TAXONOMY.replace(
        "    label: Finance\n",
        '    label: Finance and costs\n    aliases: ["F&C", "money matters"]\n',
    )
    root = make_project({**FILES, "content/taxonomy.yml": taxonomy})
    with SearchIndex(tmp_path / "aliases") as search_index:
        search_index.update(knowledge_base(root))
        finance = {"emptying-businesses", "kumasi-tariffs"}
        # A theme's label, an alias in words, an alias that is not words ("F&C" is
        # rewritten to the label), each with stop words left out.
        for query in ("finance and costs", "money matters", "F&C", "the F&C of it"):
            assert set(ids(search_index.search(query))) == finance, query
        # Every word first; fewer than FEW documents with all of them: those with
        # most of the words are ranked with them, saying so.
        results = search_index.search("sanitation policy")
        assert ids(results)[0] == "national-policy"
        assert len(ids(results)) > 3
        assert results.notices == (
            "few pages have every word; pages with most of them are included",
        )
        # Words side by side in a title count extra.
        pair = search_index.search("emptying businesses")
        assert ids(pair)[0] == "emptying-businesses"


def test_with_few_pages_holding_every_word_those_with_most_rank_with_them_by_score(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    # "georeference an old map" on the Programming Historian: the lessons on
    # georeferencing name two of the words in their titles; a page holding all three,
    # "old" once in its body, came first whatever its score.
    filler = "Other words about something else entirely. " * 30
    root = make_project(
        {
            "content/lessons/georeferencing.md": document(
                "Georeferencing a map", body="Georeferencing places a map in space.\n"
            ),
            "content/lessons/warper.md": document(
                "Georeferencing with Map Warper", body="Map Warper georeferencing online.\n"
            ),
            "content/lessons/geocoding.md": document(
                "Geocoding addresses",
                body=f"{filler}Scans of an old map can be georeferencing input.\n",
            ),
        }
    )
    with SearchIndex(tmp_path / "few") as search_index:
        search_index.update(knowledge_base(root))
        results = search_index.search("georeferencing old map")
        assert results.notices == (
            "few pages have every word; pages with most of them are included",
        )
        assert ids(results) == ["georeferencing", "warper", "geocoding"]
        scores = [hit.score for hit in results.hits]
        assert scores == sorted(scores, reverse=True)
        # Every word in enough documents: no others are mixed in.
        assert ids(search_index.search("georeferencing map"))[2:] == ["geocoding"]


def test_a_glossary_term_finds_documents_using_its_expansion_and_back(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    glossary = (
        "- term: PTE\n"
        "  expansion: pit truck emptiers\n"
        "  definition: Businesses that empty pit latrines with vacuum trucks.\n"
        "- term: K&T\n"
        "  expansion: Kumasi tariff board\n"
        "  definition: The board that set the city's water tariffs.\n"
    )
    files = {**FILES, "content/glossary.yml": glossary}
    files["content/lessons/handwashing-schools.md"] = document(
        "Handwashing stations in schools",
        summary="Pupils keep handwashing stations working; the PTE come monthly.",
        themes="[hygiene]",
        levels="[local]",
        body="Pupils refill the stations with soap every morning.\n",
    )
    root = make_project(files)
    with SearchIndex(tmp_path / "glossary") as search_index:
        search_index.update(knowledge_base(root))
        assert "handwashing-schools" in ids(search_index.search("truck emptiers"))
        assert ids(search_index.search("K&T")) == ["kumasi-tariffs"]


def test_aliases_must_be_a_list_of_names(make_project: ProjectFactory, kb: Kb) -> None:
    from tests.conftest import TAXONOMY

    taxonomy = TAXONOMY.replace(
        "    label: Finance\n", "    label: Finance\n    aliases: money\n"
    ).replace("    label: Hygiene\n", "    label: Hygiene\n    aliases: [[wash]]\n")
    root = make_project({**FILES, "content/taxonomy.yml": taxonomy})
    result = kb(root, "check")
    assert result.exit_code == 1
    assert (
        'content/taxonomy.yml:10: themes.finance.aliases: expected a list of names, e.g. ["M&E"]'
        in result.output
    )
    assert "content/taxonomy.yml:14: themes.hygiene.aliases[0]: expected a name (text)" in (
        result.output
    )


def test_filters_without_a_query_list_documents_newest_first(index: SearchIndex) -> None:
    results = index.search("", {"level": ["local"]})
    assert ids(results) == [
        "avaliacoes-pt",
        "comunidades-es",
        "handwashing-schools",
        "emptying-businesses",
    ]
    assert results.total == 4
    assert results.facets["language"] == {"en": 2, "es": 1, "pt-br": 1}


def test_unknown_filter_values_get_a_notice_and_a_suggestion(index: SearchIndex) -> None:
    results = index.search("emptying", {"theme": ["sanitaton"]})
    assert results.hits == []
    assert results.notices == ("no document has theme 'sanitaton'; did you mean 'sanitation'?",)
    with pytest.raises(KbError, match="'colour' is not a field any indexed document has; filter"):
        index.search("emptying", {"colour": ["red"]})


def test_drafts_only_when_asked_for(index: SearchIndex) -> None:
    assert "draft-note" not in found(index, "emptying")
    assert "draft-note" in set(ids(index.search("emptying", include_drafts=True)))


# -- misspellings and bad queries -------------------------------------------------------


def test_did_you_mean(index: SearchIndex) -> None:
    results = index.search("slugde ponds")
    assert results.did_you_mean == "sludge ponds"
    assert index.search("handwashng").did_you_mean == "handwashing"
    # A word that is only present in another form is not a misspelling.
    assert index.search("latrine").did_you_mean is None
    assert index.search("sludge").did_you_mean is None


def test_did_you_mean_offers_the_closest_word(make_project: ProjectFactory, tmp_path: Path) -> None:
    # "latrines" is one letter from "latrnes", "latrine" two and in more documents:
    # Whoosh ranks every word within two letters by frequency alone.
    root = make_project(
        {
            "content/lessons/one.md": document("Latrine one", body="A latrine.\n"),
            "content/lessons/two.md": document("Latrine two", body="A latrine.\n"),
            "content/lessons/three.md": document("Three", body="Some latrines.\n"),
        }
    )
    with SearchIndex(tmp_path / "index") as search_index:
        search_index.update(knowledge_base(root))
        results = search_index.search("latrnes")
    assert results.did_you_mean == "latrines"
    assert len(results.hits) == 3  # the same stem


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "the query is empty; give some words to search for"),
        ("   ", "the query is empty; give some words to search for"),
        (
            "the of and",
            "'the of and' has only common words (the, of, and), which are not indexed; "
            "add a word that says what you are looking for",
        ),
        (
            "AND",
            "'AND' has nothing to search for once operators and common words are left out; "
            "add a word that says what you are looking for",
        ),
        (
            "OR OR NOT",
            "'OR OR NOT' has nothing to search for once operators and common words are left "
            "out; add a word that says what you are looking for",
        ),
    ],
)
def test_queries_with_nothing_to_search_for(index: SearchIndex, query: str, message: str) -> None:
    with pytest.raises(QueryError) as raised:
        index.search(query)
    assert raised.value.message == message


@pytest.mark.parametrize(
    ("query", "expected", "notice"),
    [
        ('"emptying businesses', {"emptying-businesses", "kumasi-tariffs"}, "quotation mark"),
        ("(tariffs OR pupils", {"kumasi-tariffs", "handwashing-schools"}, "brackets"),
        ("tariffs) OR (pupils", {"kumasi-tariffs", "handwashing-schools"}, "brackets"),
    ],
)
def test_unbalanced_quotes_and_brackets_are_searched_without_them(
    index: SearchIndex, query: str, expected: set[str], notice: str
) -> None:
    results = index.search(query)
    assert set(ids(results)) == expected
    assert len(results.notices) == 1
    assert notice in results.notices[0]


@pytest.mark.parametrize(
    "query",
    ["sludge^", "title:sludge", "sludge~~", "sludge AND", "*sludge", "'sludge'", "{[sludge"],
)
def test_stray_syntax_never_breaks_a_search(index: SearchIndex, query: str) -> None:
    assert "emptying-businesses" in found(index, query)


# -- keeping the index up to date -----------------------------------------------------------


def test_an_update_reindexes_only_what_changed(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    search_index = SearchIndex(tmp_path / "index")
    first = search_index.update(knowledge_base(project))
    assert (first.added, first.updated, first.removed, first.rebuilt) == (8, 0, 0, True)
    again = search_index.update(knowledge_base(project))
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 8)
    assert not again.rebuilt and not again.changed

    indexed: list[str] = []
    real = search_index_fields = search_index_module.index_fields

    def counting(doc, labels):  # type: ignore[no-untyped-def]
        indexed.append(doc.id)
        return real(doc, labels)

    monkeypatch.setattr(search_index_module, "index_fields", counting)
    lesson = project / "content/lessons/handwashing-schools.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8").replace("giraffe", "zebra"), encoding="utf-8"
    )
    (project / "content/case-studies/kumasi-tariffs.md").unlink()
    (project / "content/lessons/new-one.md").write_text(
        document("A new lesson on rainwater", themes="[hygiene]"), encoding="utf-8"
    )
    stats = search_index.update(knowledge_base(project))
    assert (stats.added, stats.updated, stats.removed, stats.unchanged) == (1, 1, 1, 6)
    assert sorted(indexed) == ["handwashing-schools", "new-one"]
    assert search_index_fields is real
    assert found(search_index, "zebra") == {"handwashing-schools"}
    assert found(search_index, "giraffe") == set()
    assert found(search_index, "tariffs") == set()
    assert found(search_index, "rainwater") == {"new-one"}
    # The index has several segments now; scores still add up as Whoosh's do.
    searcher = search_index._open_searcher()
    assert len(searcher.leaf_searchers()) > 1
    parsed = search_index._parse("pupils OR rainwater OR emptying", ["en"], OrGroup, [])
    whoosh = {hit.docnum: hit.score for hit in searcher.search(parsed, limit=None)}
    assert scoring.evaluate(parsed, searcher) == pytest.approx(whoosh)
    assert len(whoosh) == 4  # the draft too: no filter here


def test_a_new_index_version_rebuilds_everything(
    project: Path, index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_fields, "INDEX_VERSION", "kb-search-test")
    stats = index.update(knowledge_base(project))
    assert (stats.added, stats.rebuilt) == (8, True)
    assert found(index, "giraffe") == {"handwashing-schools"}


def test_a_damaged_index_is_rebuilt(project: Path, index: SearchIndex) -> None:
    index.close()
    for toc in index.index_dir.glob("_kb_*.toc"):
        toc.write_bytes(b"not a table of contents")
    with pytest.raises(KbError, match="there is no usable search index here"):
        index.search("giraffe")
    stats = index.update(knowledge_base(project))
    assert stats.rebuilt
    assert found(index, "giraffe") == {"handwashing-schools"}


def test_an_index_with_flipped_bytes_in_any_file_is_rebuilt(kb: Kb, project: Path) -> None:
    assert "handwashing-schools" in kb(project, "search", "giraffe").stdout
    index_dir = project / ".kb-cache" / "index"
    intact = {path.name: path.read_bytes() for path in index_dir.iterdir() if path.is_file()}
    assert len(intact) >= 3
    for name, data in sorted(intact.items()):
        for path in index_dir.iterdir():
            path.unlink()
        for other, original in intact.items():
            (index_dir / other).write_bytes(original)
        # Every byte of the file's middle half inverted.
        start, end = len(data) // 4, max(len(data) * 3 // 4, len(data) // 4 + 1)
        damaged = data[:start] + bytes(b ^ 0xFF for b in data[start:end]) + data[end:]
        (index_dir / name).write_bytes(damaged)
        for _again in range(2):
            result = kb(project, "search", "giraffe", "--json")
            assert result.exit_code == 0, (name, result.output)
            hits = [hit["id"] for hit in json.loads(result.stdout)["hits"]]
            assert hits == ["handwashing-schools"], name


def test_searching_before_any_update_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(KbError, match="there is no usable search index here; build it first"):
        SearchIndex(tmp_path / "index").search("giraffe")


def test_an_interrupted_update_leaves_the_index_as_it_was(
    project: Path, index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(doc, labels):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    lesson = project / "content/lessons/handwashing-schools.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8").replace("giraffe", "zebra"), encoding="utf-8"
    )
    monkeypatch.setattr(search_index_module, "index_fields", broken)
    with pytest.raises(KeyboardInterrupt):
        index.update(knowledge_base(project))
    assert found(index, "giraffe") == {"handwashing-schools"}
    # Nor does an interrupted full rebuild touch it.
    monkeypatch.setattr(search_fields, "INDEX_VERSION", "kb-search-test")
    with pytest.raises(KeyboardInterrupt):
        index.update(knowledge_base(project))
    monkeypatch.undo()
    assert found(index, "giraffe") == {"handwashing-schools"}
    leftovers = [p.name for p in index.index_dir.parent.iterdir() if p.name.startswith("index")]
    assert sorted(leftovers) == ["index", "index.lock"]
    assert index.update(knowledge_base(project)).updated == 1
    assert found(index, "zebra") == {"handwashing-schools"}


def test_a_second_writer_waits_then_fails_clearly(project: Path, index: SearchIndex) -> None:
    lock = FileLock(str(index.index_dir.parent / "index.lock"))
    assert lock.acquire(blocking=False)
    try:
        waiting = SearchIndex(index.index_dir, lock_timeout=0.3)
        with pytest.raises(KbError) as raised:
            waiting.update(knowledge_base(project))
        assert raised.value.message == (
            f"{index.index_dir}: another kb process is updating the search index and did "
            "not finish within 0.3 s; try again when it is done"
        )
        # Searching does not need the lock.
        assert found(index, "giraffe") == {"handwashing-schools"}
    finally:
        lock.release()


def test_concurrent_updates_take_turns(project: Path, tmp_path: Path) -> None:
    base = knowledge_base(project)
    outcomes: list[object] = []

    def update() -> None:
        try:
            outcomes.append(SearchIndex(tmp_path / "shared").update(base))
        except Exception as exc:  # collected: the assertion below shows it
            outcomes.append(exc)

    threads = [threading.Thread(target=update) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rebuilt = [o for o in outcomes if getattr(o, "rebuilt", False)]
    unchanged = [o for o in outcomes if getattr(o, "unchanged", 0) == 8]
    assert (len(rebuilt), len(unchanged)) == (1, 2), outcomes
    assert found(SearchIndex(tmp_path / "shared"), "giraffe") == {"handwashing-schools"}


def test_plain_text_drops_markup_but_keeps_words() -> None:
    text = plain_text(
        "# Title {#t}\n\nSome *emphasis*, **bold**, _this_ and `code` in snake_case, "
        "a [link](x.md) and "
        "![a picture](p.png) and <b>tags</b>.\n\n| a | b |\n| --- | --- |\n\n"
        "```python\nprint('hi')\n```\n\n[ref]: https://example.org\n"
    )
    assert text == (
        "Title\n\nSome emphasis, bold, this and code in snake_case, a link and a picture "
        "and tags .\n\n"
        "a b\n\nprint('hi')"
    )


def test_the_shipped_knowledge_base(tmp_path: Path) -> None:
    result = load_project(REPO)
    assert not result.errors
    with SearchIndex(tmp_path / "index") as search_index:
        stats = search_index.update(result.knowledge_base)
        assert stats.added == len(result.knowledge_base.documents)
        results = search_index.search('"learning alliance"', {"level": ["national"]})
        assert results.total >= 5
        assert all("national" in hit.levels for hit in results.hits)
        french = search_index.search("évaluations", {"language": ["fr"]})
        assert "technology-assessment-with-a-platform-fr" in ids(french)
        assert search_index.search("sanitaton").did_you_mean == "sanitation"


# -- the command line ------------------------------------------------------------------


def test_kb_search_prints_hits_snippets_and_facets(kb: Kb, project: Path) -> None:
    result = kb(project, "search", "emptying", "--limit", "1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "2 documents for 'emptying' (showing 1)"
    assert lines[2] == " 1. Pit latrine emptying businesses"
    assert lines[3] == (
        "    emptying-businesses · Lesson · Local · content/lessons/emptying-businesses.md"
    )
    assert "**emptying**" in lines[4]
    assert "Refine with:" in lines
    assert "  theme: finance 2, governance 1, sanitation 1" in lines
    assert "Indexed 8 documents" in result.stderr
    # The second search finds the index up to date and says nothing about it.
    again = kb(project, "search", "emptying")
    assert again.stderr == ""


def test_kb_search_filters_json_and_did_you_mean(kb: Kb, project: Path) -> None:
    result = kb(
        project,
        "search",
        "emptyng",
        "--theme",
        "finance",
        "--level",
        "local",
        "--level",
        "intermediate",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["did_you_mean"] == "emptying"
    assert data["notices"] == ["nothing matches 'emptyng'; showing results for 'emptying'"]
    assert data["hits"][0]["id"] == "emptying-businesses"
    fixed = json.loads(
        kb(project, "search", "emptying", "--theme", "finance", "--level", "local", "--json").stdout
    )
    assert [h["id"] for h in fixed["hits"]] == ["emptying-businesses"]
    assert fixed["hits"][0]["levels"] == ["local"]
    assert fixed["hits"][0]["snippet"].count("**") >= 2
    assert fixed["facets"]["theme"] == {"finance": 1, "sanitation": 1}
    text = kb(project, "search", "emptyng")
    assert "Note: nothing matches 'emptyng'; showing results for 'emptying'." in text.stdout
    assert "emptying-businesses" in text.stdout
    nothing = kb(project, "search", "zzyzx", "sanitationish", "--level", "local")
    assert "No documents match 'zzyzx sanitationish'." in nothing.stdout
    assert "try it without some of them" in nothing.stdout
    assert "Sanitation (theme): kb search --theme sanitation" in nothing.stdout


def test_kb_search_bad_input(kb: Kb, project: Path) -> None:
    empty = kb(project, "search")
    assert (empty.exit_code, empty.stderr.splitlines()[-1]) == (
        2,
        "Error: the query is empty; give some words to search for",
    )
    common = kb(project, "search", "the")
    assert common.exit_code == 2
    assert "Error: 'the' has only common words (the)" in common.stderr
    theme = kb(project, "search", "emptying", "--theme", "sanitaton")
    assert theme.exit_code == 2
    assert theme.stderr.splitlines()[-1] == (
        "Error: --theme: 'sanitaton' is not a theme; did you mean 'sanitation'?"
    )
    quote = kb(project, "search", '"emptying')
    assert quote.exit_code == 0
    assert quote.stdout.startswith("Note: a quotation mark was not closed")


def test_kb_search_refuses_a_knowledge_base_with_errors(
    kb: Kb, make_project: ProjectFactory
) -> None:
    root = make_project(
        {
            **FILES,
            "content/lessons/broken.md": document("Broken", themes="[sanitaton]"),
        }
    )
    result = kb(root, "search", "emptying")
    assert result.exit_code == 1
    assert (
        "content/lessons/broken.md:5: themes[0]: 'sanitaton' is not a theme; "
        "did you mean 'sanitation'?"
    ) in result.stderr
    assert not (root / ".kb-cache" / "index").exists()


def test_kb_show(kb: Kb, make_project: ProjectFactory) -> None:
    files = dict(FILES)
    files["content/lessons/links-here.md"] = document(
        "A lesson that links",
        themes="[sanitation]",
        levels="[intermediate]",
        body="Read [the emptying lesson](emptying-businesses.md).\n",
    )
    files["content/lessons/emptying-businesses-fr.md"] = document(
        "Les entreprises de vidange",
        themes="[sanitation, finance]",
        levels="[local]",
        language="fr",
        translation_of="emptying-businesses",
    )
    root = make_project(files)
    result = kb(root, "show", "emptying-businesses")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Pit latrine emptying businesses\n  id:           emptying-businesses\n")
    assert "  themes:       Sanitation, Finance\n" in out
    assert "  programme:    WASHTech\n" in out
    assert "Translations\n  fr    Les entreprises de vidange [emptying-businesses-fr]\n" in out
    assert "Related documents\n  1. " in out
    assert "Linked from\n  - A lesson that links [links-here]\n" in out
    assert (
        "  Sanitation, national level:\n    - Writing a national sanitation policy "
        "[national-policy]\n"
    ) in out
    data = json.loads(kb(root, "show", "emptying-businesses-fr", "--json").stdout)
    assert data["translation_of"] == "emptying-businesses"
    assert [t["id"] for t in data["translations"]] == ["emptying-businesses"]
    assert "emptying-businesses" not in [r["id"] for r in data["related"]]
    assert all(r["reason"] for r in data["related"])
    assert data["same_theme_other_levels"][0]["theme"] == "sanitation"
    assert data["same_theme_other_levels"][0]["level"] == "national"


def test_kb_show_unknown_id(kb: Kb, project: Path) -> None:
    result = kb(project, "show", "emptying-business")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: no document has the id 'emptying-business'; did you mean 'emptying-businesses'?"
    )
    broken = project / "content/lessons/broken.md"
    broken.write_text(document("Broken", levels="[locl]"), encoding="utf-8")
    result = kb(project, "show", "broken")
    assert result.exit_code == 1
    assert "content/lessons/broken.md:6: levels[0]: 'locl' is not a level" in result.stderr


def test_kb_search_filters_on_a_facet_of_the_taxonomy(kb: Kb, make_project: ProjectFactory) -> None:
    from tests.conftest import TAXONOMY

    taxonomy = TAXONOMY + "facets:\n  activity:\n    label: Activity\n    values:\n"
    taxonomy += "      analysing: {label: Analysing}\n      building: {label: Building}\n"
    root = make_project(
        {
            "content/taxonomy.yml": taxonomy,
            "content/lessons/one.md": document("Pumps one", activity="[analysing]"),
            "content/lessons/two.md": document("Pumps two", activity="[building]"),
        }
    )
    data = json.loads(kb(root, "search", "pumps", "--facet", "activity=building", "--json").stdout)
    assert [h["id"] for h in data["hits"]] == ["two"]
    everything = json.loads(kb(root, "search", "pumps", "--json").stdout)
    assert everything["facets"]["activity"] == {"analysing": 1, "building": 1}
    wrong = kb(root, "search", "pumps", "--facet", "activity=bilding")
    assert wrong.exit_code == 2
    assert (
        "--facet activity: 'bilding' is not a value of Activity; did you mean 'building'?"
        in wrong.stderr
    )
    unknown = kb(root, "search", "pumps", "--facet", "colour=red")
    assert "--facet: 'colour' is not a facet of the taxonomy (activity)" in unknown.stderr


# -- the shortcuts past Whoosh's slow paths give Whoosh's own answers -------------------


@pytest.mark.parametrize("language", ["en", "fr", "es", "pt", "de", "xx"])
def test_one_pass_indexing_gives_whooshs_postings(language: str) -> None:
    from whoosh.fields import TEXT

    from kb.search.analysis import LanguageText, analyzer_for

    fast, plain = LanguageText(language), TEXT(analyzer=analyzer_for(language), phrase=False)
    for text in (
        "The évaluations of l'assainissement, THE water-supply 3.5 m3! Running runs ran.",
        "Les évaluations réunissent les communes et les ministères. L'eau d'abord.",
        "Las comunidades organizadas mantienen las letrinas; as avaliações envolvem.",
        "the and of",
        "",
    ):
        assert sorted(fast.index(text)) == sorted(plain.index(text))


def test_the_word_list_gives_keywords_postings() -> None:
    from whoosh.fields import KEYWORD

    from kb.search.fields import WordList

    for text in ("latrines latrine évaluation d'eau", "pit pit emptying", "", "a\tb\nc  d"):
        assert sorted(WordList().index(text)) == sorted(KEYWORD(scorable=True).index(text))


@pytest.mark.parametrize("language", ["en", "fr", "xx"])
def test_word_pairs_are_the_terms_whoosh_puts_side_by_side(language: str) -> None:
    from collections import Counter

    from whoosh.fields import TEXT

    from kb.search.analysis import LanguageText, WordPairs, analyzer_for, pair_term

    with_positions = TEXT(analyzer=analyzer_for(language))
    for text in (
        "The évaluations of the assainissement, THE water-supply 3.5 m3! Running runs ran.",
        "Les évaluations réunissent les communes et les ministères. L'eau d'abord.",
        "the and of",
        "emptying emptying emptying",
    ):
        at = terms_at(with_positions, text)
        expected = Counter(pair_term("text", at[p], at[p + 1]) for p in sorted(at) if p + 1 in at)
        found = {
            term.decode("utf-8"): freq
            for term, freq, _w, _v in WordPairs(language).index([("text", text)])
        }
        assert found == dict(expected)
        assert LanguageText(language).language == language


def terms_at(with_positions: Any, text: str) -> dict[int, str]:
    """The term at each position of ``text``, as Whoosh's own field with positions puts it."""
    at: dict[int, str] = {}
    for term, _freq, _weight, value in with_positions.index(text):
        for position in with_positions.format.decode_positions(value):
            at[position] = term.decode("utf-8")
    return at


@pytest.mark.parametrize("language", ["en", "fr", "xx"])
def test_next_words_are_the_terms_whoosh_puts_side_by_side(language: str) -> None:
    from collections import defaultdict

    from whoosh.fields import TEXT

    from kb.search.analysis import LanguageText, NextWords, analyzer_for, next_key

    with_positions = TEXT(analyzer=analyzer_for(language))
    next_field = NextWords(language)
    for text in (
        "The évaluations of the assainissement, THE water-supply 3.5 m3! Running runs ran.",
        "Les évaluations réunissent les communes et les ministères. L'eau d'abord.",
        "the and of",
        "emptying emptying emptying",
        "supply chain, supply pumps and the supply chain again",
    ):
        at = terms_at(with_positions, text)
        expected: dict[str, set[str]] = defaultdict(set)
        for position in sorted(at):
            if position + 1 in at:
                expected[next_key("text", at[position])].add(at[position + 1])
        found = {
            term.decode("utf-8"): set(next_field.format.decode_following(value))
            for term, _freq, _w, value in next_field.index([("text", text)])
        }
        assert found == dict(expected)
        assert LanguageText(language).language == language


def test_phrases_match_the_documents_whoosh_finds_with_positions(tmp_path: Path) -> None:
    """Phrases answered from pairs of words find what Whoosh finds from positions, scored
    as the sum of the words' BM25 scores (Whoosh's AND of the words)."""
    from whoosh import index as whoosh_index
    from whoosh import query as wq
    from whoosh.fields import STORED, TEXT, Schema

    from kb.search.analysis import LanguageText, NextWords, analyzer_for
    from kb.search.scoring import CachedLengthsBM25F, Phrase, evaluate

    bodies = [
        "The emptying businesses licensed emptying trucks.",
        "Businesses paid for emptying. Trucks were licensed.",
        "Licensed emptying trucks and emptying of the businesses.",
        "Trucks emptying licensed businesses; the licensed emptying of trucks.",
        "Nothing here about pits.",
    ]
    ours = Schema(
        body=STORED(), headings=STORED(), text_en=LanguageText("en"), next_en=NextWords("en")
    )
    theirs = Schema(text=TEXT(analyzer=analyzer_for("en")))
    (tmp_path / "ours").mkdir()
    (tmp_path / "theirs").mkdir()
    ours_ix = whoosh_index.create_in(str(tmp_path / "ours"), ours)
    theirs_ix = whoosh_index.create_in(str(tmp_path / "theirs"), theirs)
    with ours_ix.writer() as writer:
        for body in bodies:
            text = f"\n\n{body}"
            writer.add_document(body=body, headings="", text_en=text, next_en=[("text", text)])
    with theirs_ix.writer() as writer:
        for body in bodies:
            writer.add_document(text=f"\n\n{body}")
    analyse = analyzer_for("en")
    with (
        ours_ix.searcher(weighting=CachedLengthsBM25F()) as mine,
        theirs_ix.searcher() as reference,
    ):
        for phrase, count in (
            # stop words leave no gap: "emptying of the businesses" holds the phrase
            ("emptying businesses", 2),
            ("licensed emptying trucks", 3),
            ("the emptying of trucks", 4),  # "emptying. Trucks" too, as in Whoosh
            ("trucks licensed", 1),
            ("emptying pits", 0),
        ):
            words = [t.text for t in analyse(phrase)]
            whoosh_found = {
                hit.docnum for hit in reference.search(wq.Phrase("text", words), limit=None)
            }
            words_scores = {
                hit.docnum: hit.score
                for hit in mine.search(wq.And([wq.Term("text_en", w) for w in words]), limit=None)
            }
            found = evaluate(Phrase("text_en", words), mine)
            assert found is not None
            assert set(found) == whoosh_found, phrase
            assert len(found) == count, phrase
            assert found == pytest.approx({d: words_scores[d] for d in whoosh_found})
    ours_ix.close()
    theirs_ix.close()


@pytest.mark.parametrize(
    "query",
    [
        "emptying",
        "emptying businesses",
        '"emptying businesses"',
        "tariffs OR pupils",
        "emptying NOT sludge",
        "(tariffs OR pupils) AND soap",
        "évaluations communes",
        "finance ghana",
        "emptying busin*",
        "tarif* OR pupil*",
        "e*",
        "sl?dge",
        '"emptying businesses" OR "licensed emptying trucks"',
    ],
)
def test_fast_scoring_gives_whooshs_scores(index: SearchIndex, query: str) -> None:
    from whoosh.qparser import AndGroup

    searcher = index._open_searcher()
    parsed = index._parse(query, index._languages(searcher), AndGroup, [])
    fast = scoring.evaluate(parsed, searcher)
    assert fast is not None
    whoosh = {hit.docnum: hit.score for hit in searcher.search(parsed, limit=None)}
    assert fast.keys() == whoosh.keys()
    assert fast == pytest.approx(whoosh)


def whoosh_phrase_ids(index: SearchIndex, phrase: str) -> set[str]:
    """The documents Whoosh's own phrase search over positions finds, part by part,
    in an index of the same documents' parts kept with positions."""
    from whoosh import query as wq
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    from kb.search.analysis import analyzer_for
    from kb.search.fields import stored_part
    from kb.search.querymodel import PARTS, language_key

    searcher = index._open_searcher()
    languages = index._languages(searcher)
    schema = Schema(
        id=ID(stored=True),
        **{
            f"{part}_{lang}": TEXT(analyzer=analyzer_for(lang))
            for part in PARTS
            for lang in languages
        },
    )
    reference = RamStorage().create_index(schema)
    with reference.writer() as writer:
        for stored in searcher.all_stored_fields():
            lang = language_key(stored["language"])
            parts = {f"{part}_{lang}": stored_part(stored, part) for part in PARTS}
            writer.add_document(id=stored["id"], **parts)
    found: set[str] = set()
    with reference.searcher() as theirs:
        for lang in languages:
            words = [t.text for t in analyzer_for(lang)(phrase)]
            query = wq.Or([wq.Phrase(f"{part}_{lang}", words) for part in PARTS])
            found |= {hit["id"] for hit in theirs.search(query, limit=None)}
    return found


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        # in a body only (NextWords), two and three words
        ("treatment ponds", {"emptying-businesses"}),
        ("licensed emptying trucks", {"emptying-businesses"}),
        # stop words leave no gap, in a body too: "trucks, and the emptying businesses"
        ("trucks emptying businesses", {"emptying-businesses"}),
        # in a title, in a lead (summary and labels: WordPairs)
        ("pit latrine emptying", {"emptying-businesses"}),
        ("licensed operators", {"emptying-businesses"}),
        # from a heading on into the body's first words: the text part runs on, as in Whoosh
        ("licensing municipality", {"emptying-businesses"}),
        # from the end of a title to the start of its summary: two parts, no phrase
        ("businesses licensed operators", set()),
        ("emptying ponds", set()),
        ("évaluations réunissent", {"evaluation-fr"}),
    ],
)
def test_phrases_in_each_part_find_what_whoosh_finds_with_positions(
    index: SearchIndex, phrase: str, expected: set[str]
) -> None:
    assert whoosh_phrase_ids(index, phrase) == expected
    assert found(index, f'"{phrase}"') == expected


def test_body_phrases_after_an_incremental_update(project: Path, tmp_path: Path) -> None:
    search_index = SearchIndex(tmp_path / "index")
    search_index.update(knowledge_base(project))
    lesson = project / "content/lessons/handwashing-schools.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8").replace("A giraffe mural", "Treatment ponds"),
        encoding="utf-8",
    )
    stats = search_index.update(knowledge_base(project))
    assert (stats.updated, stats.rebuilt) == (1, False)
    expected = {"emptying-businesses", "handwashing-schools"}
    assert found(search_index, '"treatment ponds"') == expected
    assert whoosh_phrase_ids(search_index, "treatment ponds") == expected
    assert found(search_index, '"giraffe mural"') == set()


def test_a_full_build_writes_the_postings_whooshs_own_pool_writes(
    project: Path, tmp_path: Path
) -> None:
    """``TermPool`` gathers postings by term and writes them a block at a time; Whoosh's
    pool sorts them all and writes them one by one: the same postings, also in posting
    lists of several blocks."""
    from whoosh import index as whoosh_index

    from kb.search.bulk import TermPool
    from kb.search.fields import index_fields, index_schema
    from kb.search.querymodel import QueryModel

    kb_model = knowledge_base(project)
    model = QueryModel(kb_model.taxonomy, kb_model.glossary)
    documents = sorted(kb_model.documents.values(), key=lambda d: d.id) * 3
    postings = []
    documents_stored: list[list[Any]] = []
    for name in ("whoosh", "pool", "blocks"):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / name), index_schema(), indexname="kb")
        codec = search_index_module.writer_codec()
        codec._blocklimit = 4  # posting lists of several blocks
        writer = ix.writer(codec=codec)
        if name != "whoosh":
            writer.pool = TermPool()
        for number, doc in enumerate(documents):
            fields = {"hash": f"h{number}", **index_fields(doc, model.lead(doc))}
            if name == "blocks":
                writer.pool.add_document(writer, fields)
            else:
                writer.add_document(**fields)
        if name == "blocks":
            writer.pool.write(writer)
            assert list(writer.pool.iter_postings()) == []
        writer.commit()
        with ix.reader() as reader:
            postings.append(
                {
                    (field, text): (
                        all_postings(reader.postings(field, text)),
                        term_statistics(reader.term_info(field, text)),
                    )
                    for field, text in reader.all_terms()
                }
            )
            assert max(len(found) for found, _stats in postings[-1].values()) > 8
            # and the same stored fields, field lengths and sortable columns
            scorable = sorted(n for n, f in reader.schema.items() if f.scorable)
            sortable = sorted(n for n in reader.schema.names() if reader.has_column(n))
            columns = {n: reader.column_reader(n) for n in sortable}
            documents_stored.append(
                [
                    (
                        reader.stored_fields(n),
                        [reader.doc_field_length(n, f) for f in scorable],
                        [columns[c][n] for c in sortable],
                    )
                    for n in reader.all_doc_ids()
                ]
            )
        ix.close()
    assert len(postings[0]) > 100
    assert postings[0] == postings[1] == postings[2]
    assert len(documents_stored[0]) == len(documents)
    assert documents_stored[0] == documents_stored[1] == documents_stored[2]


def term_statistics(info: Any) -> tuple[Any, ...]:
    return (
        info.weight(),
        info.doc_frequency(),
        info.max_weight(),
        info.min_id(),
        info.max_id(),
        info.min_length(),
        info.max_length(),
    )


def all_postings(matcher: Any) -> list[tuple[int, float, bytes]]:
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def test_the_term_pool_refuses_postings_out_of_order() -> None:
    from kb.search.bulk import TermPool

    pool = TermPool()
    pool.add(("text_en", b"pit", 3, 1.0, b""))
    with pytest.raises(ValueError, match="out of document order"):
        pool.add(("text_en", b"pit", 2, 1.0, b""))

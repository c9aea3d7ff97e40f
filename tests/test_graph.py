"""The knowledge graph on small hand-made knowledge bases, and on the shipped one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest
from benchmarks.generate import generate

from kb.graph import KnowledgeGraph, Related
from kb.loader import load_project
from kb.model import Document
from tests.conftest import REPO, ProjectFactory, document

LATRINE_BODY = (
    "Pit latrine emptying businesses grew when the municipality licensed emptying trucks.\n"
    "Sludge from pit latrines now goes to treatment ponds, and emptying fees are posted.\n"
)

FILES: dict[str, str | bytes] = {
    "content/lessons/emptying-businesses.md": document(
        "Pit latrine emptying businesses",
        summary="How small emptying businesses in Ghana made pit latrines last longer.",
        themes="[sanitation, finance]",
        levels="[local]",
        countries="[GH]",
        programme="washtech",
        stakeholders="[government]",
        body="## Emptying\n\n"
        + LATRINE_BODY
        + "\nSee the [Kumasi case](../case-studies/kumasi-emptying.md).\n",
    ),
    "content/lessons/emptying-businesses-fr.md": document(
        "Les entreprises de vidange des latrines",
        summary="Comment les entreprises de vidange du Ghana prolongent la vie des latrines.",
        themes="[sanitation, finance]",
        levels="[local]",
        countries="[GH]",
        language="fr",
        translation_of="emptying-businesses",
        body="Les entreprises de vidange des latrines ont grandi avec les licences municipales.\n",
    ),
    "content/case-studies/kumasi-emptying.md": document(
        "Latrine emptying in Kumasi",
        "case-study",
        summary="Licensed emptying trucks and sludge treatment in Kumasi, Ghana.",
        themes="[sanitation]",
        levels="[local]",
        countries="[GH]",
        body=LATRINE_BODY + "Kumasi posted emptying fees at every depot.\n",
    ),
    "content/guidelines/national-policy.md": document(
        "Writing a national sanitation policy",
        "guideline",
        summary="Steps for a ministry drafting its sanitation policy with the platform.",
        themes="[sanitation, governance]",
        levels="[national]",
        body=(
            "A policy draws on practice: read [emptying businesses]"
            "(../lessons/emptying-businesses.md#emptying)\n"
            "and [the Kumasi case](/case-studies/kumasi-emptying.md), then the ministry drafts.\n"
            "A second [link to the lesson](../lessons/emptying-businesses.md) counts once.\n"
        ),
    ),
    "content/lessons/district-budgets.md": document(
        "District budgets for sanitation",
        summary="Districts that budget for sanitation keep their platforms running.",
        themes="[sanitation, finance]",
        levels="[intermediate]",
        date="2026-03-01",
        body="District assemblies set aside a budget line for sanitation and for emptying.\n",
    ),
    "content/lessons/handwashing-schools.md": document(
        "Handwashing stations in schools",
        summary="Schools keep handwashing stations working when pupils run them.",
        themes="[hygiene]",
        levels="[local]",
        body="Pupils refill the handwashing stations with soap every morning.\n",
    ),
    "content/lessons/draft-ministry-note.md": document(
        "A draft note for the ministry",
        themes="[sanitation]",
        levels="[national]",
        status="draft",
        body="Not ready yet.\n",
    ),
}


@pytest.fixture
def graph(make_project: ProjectFactory) -> KnowledgeGraph:
    result = load_project(make_project(FILES))
    assert not result.problems, result.problems
    return KnowledgeGraph.build(result.knowledge_base)


def ids(items: Iterable[Document | Related]) -> list[str]:
    return [item.document.id if isinstance(item, Related) else item.id for item in items]


def test_documents_by_every_field(graph: KnowledgeGraph) -> None:
    assert ids(graph.documents_by("theme", "sanitation")) == [
        "district-budgets",
        "emptying-businesses",
        "emptying-businesses-fr",
        "kumasi-emptying",
        "national-policy",
    ]
    assert ids(graph.documents_by("themes", "hygiene")) == ["handwashing-schools"]
    assert ids(graph.documents_by("level", "national")) == ["national-policy"]
    assert ids(graph.documents_by("type", "case-study")) == ["kumasi-emptying"]
    assert ids(graph.documents_by("country", "gh")) == [
        "emptying-businesses",
        "emptying-businesses-fr",
        "kumasi-emptying",
    ]
    assert ids(graph.documents_by("programme", "washtech")) == ["emptying-businesses"]
    assert ids(graph.documents_by("stakeholder", "government")) == ["emptying-businesses"]
    assert ids(graph.documents_by("language", "fr")) == ["emptying-businesses-fr"]
    assert graph.documents_by("theme", "no-such-theme") == []
    assert graph.values("level") == {"local": 4, "intermediate": 1, "national": 1}
    with pytest.raises(ValueError, match="'colour' is not a field documents are classified by"):
        graph.documents_by("colour", "red")


def test_drafts_are_left_out_unless_asked_for(make_project: ProjectFactory) -> None:
    knowledge_base = load_project(make_project(FILES)).knowledge_base
    assert "draft-ministry-note" not in KnowledgeGraph.build(knowledge_base)
    with_drafts = KnowledgeGraph.build(knowledge_base, include_drafts=True)
    assert ids(with_drafts.documents_by("level", "national")) == [
        "draft-ministry-note",
        "national-policy",
    ]


def test_facets_configured_in_the_taxonomy(make_project: ProjectFactory) -> None:
    from tests.conftest import TAXONOMY

    taxonomy = TAXONOMY + "facets:\n  activity:\n    label: Activity\n    values:\n"
    taxonomy += "      analyse: {label: Analyse}\n      build: {label: Build}\n"
    root = make_project(
        {
            "content/taxonomy.yml": taxonomy,
            "content/lessons/one.md": document("One", activity="[analyse, build]"),
            "content/lessons/two.md": document("Two", activity="[build]"),
        }
    )
    result = load_project(root)
    assert not result.errors, result.errors
    graph = KnowledgeGraph.build(result.knowledge_base)
    assert ids(graph.documents_by("activity", "build")) == ["one", "two"]
    assert ids(graph.documents_by("activity", "analyse")) == ["one"]
    assert graph.values("activity") == {"build": 2, "analyse": 1}


def test_translations_both_ways_and_between_siblings(make_project: ProjectFactory) -> None:
    files = dict(FILES)
    files["content/lessons/emptying-businesses-es.md"] = document(
        "Empresas de vaciado de letrinas",
        language="es",
        translation_of="emptying-businesses",
        body="Las empresas de vaciado crecieron.\n",
    )
    graph = KnowledgeGraph.build(load_project(make_project(files)).knowledge_base)
    assert ids(graph.translations("emptying-businesses")) == [
        "emptying-businesses-es",
        "emptying-businesses-fr",
    ]
    # The original first, then the other translations by language.
    assert ids(graph.translations("emptying-businesses-fr")) == [
        "emptying-businesses",
        "emptying-businesses-es",
    ]
    assert graph.original("emptying-businesses-es").id == "emptying-businesses"
    assert graph.translations("kumasi-emptying") == []


def test_links_and_backlinks(graph: KnowledgeGraph) -> None:
    # Relative, anchored and site-absolute links resolve; a repeated link counts once.
    assert ids(graph.links_from("national-policy")) == ["emptying-businesses", "kumasi-emptying"]
    assert ids(graph.links_from("emptying-businesses")) == ["kumasi-emptying"]
    assert ids(graph.backlinks("kumasi-emptying")) == ["emptying-businesses", "national-policy"]
    assert ids(graph.backlinks("emptying-businesses")) == ["national-policy"]
    assert graph.backlinks("handwashing-schools") == []
    assert graph.links_from("handwashing-schools") == []


def test_related_ranks_similar_text_and_shared_taxonomy(graph: KnowledgeGraph) -> None:
    related = graph.related("emptying-businesses", limit=5)
    assert ids(related)[:1] == ["kumasi-emptying"]
    best = related[0]
    assert best.reason == "shares theme Sanitation; also about GH; similar text"
    assert 0 < best.score <= 1
    assert [r.score for r in related] == sorted((r.score for r in related), reverse=True)
    # Its own translation is a translation, not a related document; drafts are left out.
    assert "emptying-businesses-fr" not in ids(related)
    assert "draft-ministry-note" not in ids(related)
    # Sharing nothing at all is no relation.
    assert "handwashing-schools" not in ids(related)
    assert graph.related("emptying-businesses", limit=1) == related[:1]


def test_related_of_a_translation_skips_its_family(graph: KnowledgeGraph) -> None:
    related = ids(graph.related("emptying-businesses-fr"))
    assert "emptying-businesses" not in related
    # "latrines" is a word in common with the Kumasi case; both themes with the budgets.
    assert related[:2] == ["kumasi-emptying", "district-budgets"]


def test_related_ties_are_broken_by_id(make_project: ProjectFactory) -> None:
    twin = {"themes": "[hygiene]", "levels": "[local]", "body": "Soap and water.\n"}
    root = make_project(
        {
            "content/lessons/base.md": document("Base", **twin),
            "content/lessons/twin-b.md": document("Twin", **twin),
            "content/lessons/twin-a.md": document("Twin", **twin),
        }
    )
    graph = KnowledgeGraph.build(load_project(root).knowledge_base)
    first = graph.related("base")
    assert ids(first) == ["twin-a", "twin-b"]
    assert first[0].score == first[1].score
    assert first[0].reason == "shares theme Hygiene"


def test_same_theme_other_levels(graph: KnowledgeGraph) -> None:
    crosses = graph.same_theme_other_levels("emptying-businesses")
    # Themes in the document's order, levels in the taxonomy's order; no group for
    # finance at national level (nobody writes about it), drafts left out.
    assert [(c.theme.id, c.level.id, ids(c.documents), c.total) for c in crosses] == [
        ("sanitation", "national", ["national-policy"], 1),
        ("sanitation", "intermediate", ["district-budgets"], 1),
        ("finance", "intermediate", ["district-budgets"], 1),
    ]
    assert crosses[0].theme.label == "Sanitation"
    assert crosses[0].level.label == "National"
    # A document covering all levels of its theme has nothing to cross to.
    assert graph.same_theme_other_levels("handwashing-schools") == []


def test_same_theme_other_levels_best_first_and_limited(make_project: ProjectFactory) -> None:
    files = dict(FILES)
    for n in range(4):
        files[f"content/lessons/national-{n}.md"] = document(
            f"National note {n}",
            themes="[sanitation]",
            levels="[national]",
            date=f"2026-0{n + 1}-10",
            body="Ministries and budgets.\n",
        )
    files["content/lessons/national-emptying.md"] = document(
        "National rules for latrine emptying",
        themes="[sanitation, finance]",
        levels="[national]",
        countries="[GH]",
        date="2025-01-01",
        body=LATRINE_BODY,
    )
    graph = KnowledgeGraph.build(load_project(make_project(files)).knowledge_base)
    national = graph.same_theme_other_levels("emptying-businesses", limit=3)[0]
    assert (national.theme.id, national.level.id, national.total) == ("sanitation", "national", 6)
    # The most related first, however old; of equally related ones the most recent.
    assert ids(national.documents) == ["national-emptying", "national-policy", "national-3"]
    everything = graph.same_theme_other_levels("emptying-businesses", limit=None)[0]
    assert len(everything.documents) == 6


def test_same_theme_other_levels_lists_one_language_version(make_project: ProjectFactory) -> None:
    files = dict(FILES)
    files["content/guidelines/national-policy-fr.md"] = document(
        "Rédiger une politique nationale d'assainissement",
        "guideline",
        themes="[sanitation, governance]",
        levels="[national]",
        language="fr",
        translation_of="national-policy",
        body="Une politique s'appuie sur la pratique.\n",
    )
    graph = KnowledgeGraph.build(load_project(make_project(files)).knowledge_base)
    english = graph.same_theme_other_levels("emptying-businesses")[0]
    french = graph.same_theme_other_levels("emptying-businesses-fr")[0]
    assert (ids(english.documents), english.total) == (["national-policy"], 1)
    assert (ids(french.documents), french.total) == (["national-policy-fr"], 1)


def test_unknown_ids_raise_key_error(graph: KnowledgeGraph) -> None:
    for method in (
        graph.related,
        graph.backlinks,
        graph.links_from,
        graph.translations,
        graph.same_theme_other_levels,
    ):
        with pytest.raises(KeyError, match="no document has the id 'nope'"):
            method("nope")


def test_the_shipped_knowledge_base() -> None:
    result = load_project(REPO)
    assert not result.errors
    graph = KnowledgeGraph.build(result.knowledge_base, content_prefix="content")
    for doc in graph.documents:
        related = graph.related(doc.id)
        family = {doc.id, *ids(graph.translations(doc.id))}
        assert related, doc.id
        assert not family & set(ids(related)), doc.id
        for linked in graph.links_from(doc.id):
            assert doc.id in ids(graph.backlinks(linked.id))
    # A WASHTech country case is most like the WASHTech programme case, and the
    # documents most like a SWITCH city case are SWITCH documents.
    assert graph.related("washtech-uganda")[0].document.id == "washtech-programme-overview"
    assert all(
        r.document.programme == "switch" for r in graph.related("switch-accra-learning-alliance")
    )
    assert "switch-accra-learning-alliance" in ids(
        graph.backlinks("switch-city-alliances-compared")
    )


def test_a_generated_knowledge_base(tmp_path: Path) -> None:
    result = load_project(generate(tmp_path / "generated", 300))
    assert not result.errors
    graph = KnowledgeGraph.build(result.knowledge_base)
    translated = [d for d in graph.documents if d.translation_of]
    assert translated
    for doc in graph.documents:
        related = graph.related(doc.id)
        assert len(related) == 5
        assert doc.id not in ids(related)
        if doc.translation_of:
            assert doc.translation_of not in ids(related)
        for cross in graph.same_theme_other_levels(doc.id):
            assert cross.level.id not in doc.levels
            assert all(cross.theme.id in d.themes for d in cross.documents)
            assert all(cross.level.id in d.levels for d in cross.documents)
    linking = sum(1 for d in graph.documents if graph.links_from(d.id))
    assert linking > 100


def test_a_graph_that_follows_the_previous_one_answers_as_a_new_one(tmp_path: Path) -> None:
    # kb serve builds a graph after every edit, reusing the word vectors of the
    # documents that did not change (KnowledgeGraph.follow): the relations must be
    # those of a graph made from nothing, whatever the edit did to the words' weights.
    knowledge_base = load_project(generate(tmp_path / "generated", 200)).knowledge_base
    documents = dict(knowledge_base.documents)
    ordered = sorted(documents)
    first, second, third = (documents[ordered[n]] for n in (3, 50, 120))
    # Words other documents have: the edits change how many documents hold them.
    theirs = [
        w for w in re.findall(r"[a-z]{6,}", documents[ordered[100]].body) if w not in first.body
    ]
    edits: list[dict[str, Document | None]] = [
        {first.id: replace(first, body=first.body + f"\nOn {' '.join(theirs[:3])}.\n")},
        # Words of its own, found in no other document, then taken out again.
        {second.id: replace(second, body="Zanzibarite qwertyuiop words.\n" + second.body)},
        {second.id: second},
        {third.id: replace(third, title="Latrine emptying and handwashing")},
        {third.id: None, first.id: replace(first, summary="Another summary.")},  # one gone
    ]
    previous = KnowledgeGraph.build(knowledge_base)
    previous.follow(None)
    for doc_id in ordered:
        previous.related(doc_id)
    reused = 0
    for edit in edits:
        for doc_id, changed in edit.items():
            if changed is None:
                documents.pop(doc_id)
            else:
                documents[doc_id] = changed
        edited = replace(knowledge_base, documents=dict(documents))
        following = KnowledgeGraph.build(edited)
        following.follow(previous)
        fresh = KnowledgeGraph.build(edited)
        for doc_id in documents:
            assert following.related(doc_id) == fresh.related(doc_id), (edit, doc_id)
        vectors, fresh_vectors = following._vectors(), fresh._vectors()
        assert vectors.vectors == fresh_vectors.vectors
        assert vectors.postings == fresh_vectors.postings
        before = previous._vectors().vectors
        reused += sum(1 for i, v in vectors.vectors.items() if before.get(i) is v)
        previous = following
    assert reused > 200, reused  # most vectors were not made again

"""content/packs.yml: selection, order, validation in kb check, and the shipped packs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from kb.loader import load_project
from kb.packs import (
    adhoc_pack,
    find_pack,
    load_packs,
    packs_by_document,
    select,
    unknown_pack_message,
)
from tests.conftest import REPO, ProjectFactory, document

Kb = Callable[..., Result]

DOCUMENTS = {
    "content/guidelines/zeta-guide.md": document(
        "Zeta guide", "guideline", themes="[sanitation, governance]", levels="[local]"
    ),
    "content/guidelines/alpha-guide.md": document(
        "Alpha guide", "guideline", themes="[finance]", levels="[national]"
    ),
    "content/lessons/beta-lesson.md": document(
        "Beta lesson", themes="[sanitation]", levels="[local, intermediate]", date="2026-03-01"
    ),
    "content/case-studies/ghana.md": document(
        "Ghana case",
        "case-study",
        themes="[hygiene]",
        countries="[GH]",
        programme="washtech",
        date="2026-02-01",
    ),
    "content/lessons/draft-lesson.md": document("Draft lesson", status="draft"),
    "content/lessons/french.md": document("Leçon en français", language="fr"),
}


def project_with(make_project: ProjectFactory, packs: str) -> Path:
    return make_project({**DOCUMENTS, "content/packs.yml": packs})


def ids(project: Path, pack_id: str) -> list[str]:
    result = load_project(project)
    packs, problems = load_packs(result.settings, result.knowledge_base)
    assert [p for p in problems if p.is_error] == []
    pack = find_pack(packs, pack_id)
    assert pack is not None
    return [d.id for d in select(pack, result.knowledge_base)]


def test_selection_fields_combine_with_and_values_with_or(make_project: ProjectFactory) -> None:
    project = project_with(
        make_project,
        """\
        packs:
          local:
            title: Local
            select: {levels: local, themes: [sanitation, hygiene]}
          guides:
            title: Guides
            select: {type: guideline}
          ghana:
            title: Ghana
            select: {countries: GH, programme: washtech}
        """,
    )

    assert ids(project, "local") == ["ghana", "zeta-guide", "beta-lesson"]
    assert ids(project, "guides") == ["alpha-guide", "zeta-guide"]
    assert ids(project, "ghana") == ["ghana"]


def test_drafts_and_other_languages_stay_out_unless_asked(make_project: ProjectFactory) -> None:
    project = project_with(
        make_project,
        """\
        packs:
          lessons: {title: Lessons, select: {type: lesson}}
          french: {title: Français, select: {language: fr}}
        """,
    )

    assert ids(project, "lessons") == ["beta-lesson"]
    assert ids(project, "french") == ["french"]
    result = load_project(project)
    packs, _ = load_packs(result.settings, result.knowledge_base)
    with_drafts = select(packs[0], result.knowledge_base, drafts=True)
    assert [d.id for d in with_drafts] == ["beta-lesson", "draft-lesson"]


def test_order_by_type_title_date_or_listed_first(make_project: ProjectFactory) -> None:
    project = project_with(
        make_project,
        """\
        packs:
          by-type:
            title: By type
            select: {type: [lesson, guideline, case-study]}
          by-title: {title: By title, select: {}, order: title}
          by-date: {title: By date, select: {}, order: date}
          listed:
            title: Listed
            select: {}
            order: [beta-lesson, zeta-guide]
            include: [french]
            exclude: [alpha-guide]
        """,
    )

    assert ids(project, "by-type") == ["beta-lesson", "alpha-guide", "zeta-guide", "ghana"]
    assert ids(project, "by-title") == ["alpha-guide", "beta-lesson", "ghana", "zeta-guide"]
    assert ids(project, "by-date")[0] == "beta-lesson"
    assert ids(project, "listed") == ["beta-lesson", "zeta-guide", "ghana", "french"]


def test_kb_check_reports_pack_problems_with_line_and_hint(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = project_with(
        make_project,
        """\
        packs:
          good:
            title: Good
            select: {type: lesson}
          typo:
            title: Typo
            select:
              themes: [sanitaton]
              level: local
          empty:
            title: Nothing matches
            select: {type: guideline, themes: hygiene}
          orders:
            title: Orders
            subtitle: [not, text]
            select: {countries: gh, language: english}
            include: [beta-leson]
            order: [ghana]
            colour: blue
          picky:
            title: Picky
            select: {type: guideline}
            order: [ghana]
          Bad Id:
            title: x
        """,
    )

    result = kb(project, "check")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/packs.yml:8: packs.typo.select.themes[0]: 'sanitaton' is not a theme; "
        "did you mean 'sanitation'?",
        "content/packs.yml:9: packs.typo.select.level: cannot select on 'level' (expected: "
        "type, themes, levels, countries, programme, language); did you mean 'levels'?",
        "content/packs.yml:10: packs.empty: the pack selects no published document "
        "(type guideline; themes hygiene; language en); widen 'select:' or add ids under "
        "'include:'",
        "content/packs.yml:15: packs.orders.subtitle: expected text, found a list",
        "content/packs.yml:16: packs.orders.select.countries: 'gh' is not an ISO 3166-1 "
        "alpha-2 country code; did you mean 'GH'?",
        "content/packs.yml:16: packs.orders.select.language: 'english' is not a language "
        "code; write e.g. en or fr",
        "content/packs.yml:17: packs.orders.include[0]: no document has the id 'beta-leson'; "
        "did you mean 'beta-lesson'?",
        "content/packs.yml:19: packs.orders.colour: unknown field (expected: title, subtitle, "
        "introduction, select, include, exclude, order, right_hand_start, booklet, archival)",
        "content/packs.yml:23: packs.picky.order[0]: 'ghana' is listed in 'order:' but the "
        "pack does not select it; add it under 'include:' or remove it from 'order:'",
        "content/packs.yml:24: packs.Bad Id: 'Bad Id' is not a usable id; use lowercase "
        "letters, digits and hyphens",
    ]


def test_a_missing_packs_file_means_no_packs(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project(DOCUMENTS)

    assert kb(project, "check").exit_code == 0
    result = load_project(project)
    assert load_packs(result.settings, result.knowledge_base) == ([], [])


def test_yaml_syntax_error_in_packs_names_the_line(make_project: ProjectFactory, kb: Kb) -> None:
    project = project_with(make_project, "packs:\n  a:\n    title: [unclosed\n")

    result = kb(project, "check")

    assert result.exit_code == 1
    assert result.stdout.startswith("content/packs.yml:")
    assert "YAML syntax error" in result.stdout


def test_packs_by_document_and_unknown_pack_message(make_project: ProjectFactory) -> None:
    project = project_with(
        make_project,
        """\
        packs:
          sanitation-pack: {title: Sanitation, select: {themes: sanitation}}
          local-pack: {title: Local, select: {levels: local}}
        """,
    )
    result = load_project(project)
    packs, _ = load_packs(result.settings, result.knowledge_base)

    found = packs_by_document(packs, result.knowledge_base)

    assert [p.id for p in found["beta-lesson"]] == ["sanitation-pack", "local-pack"]
    assert [p.id for p in found["ghana"]] == ["local-pack"]
    assert "alpha-guide" not in found
    assert unknown_pack_message(packs, "sanitation") == (
        "no pack 'sanitation'; did you mean 'sanitation-pack'? "
        "The packs are: sanitation-pack, local-pack"
    )


def test_adhoc_selection_messages_name_the_option(make_project: ProjectFactory) -> None:
    result = load_project(make_project(DOCUMENTS))

    pack, messages = adhoc_pack(
        result.settings, result.knowledge_base, "Mine", {"themes": ["sanitaton"], "type": ["x"]}
    )
    assert pack is None
    assert messages == [
        "--type: 'x' is not a document type (case-study, guideline, lesson, tool)",
        "--theme: 'sanitaton' is not a theme; did you mean 'sanitation'?",
    ]

    pack, messages = adhoc_pack(
        result.settings, result.knowledge_base, "Mine", {"themes": ["finance"], "levels": ["local"]}
    )
    assert pack is None
    assert messages == ["no published document matches themes finance; levels local; language en"]

    pack, messages = adhoc_pack(
        result.settings, result.knowledge_base, "Mine", {"themes": ["sanitation"]}
    )
    assert pack is not None and messages == []
    assert [d.id for d in select(pack, result.knowledge_base)] == ["zeta-guide", "beta-lesson"]


def test_shipped_packs_are_valid_and_cover_what_the_issue_asks() -> None:
    result = load_project(REPO)
    packs, problems = load_packs(result.settings, result.knowledge_base)

    assert problems == []
    by_id = {p.id: p for p in packs}
    for required in ("setting-up-a-learning-alliance", "local-level-guidelines", "switch"):
        assert required in by_id
    assert {"switch", "washtech", "empowers"} <= {
        programme for p in packs for programme in p.selection.programmes
    }
    for pack in packs:
        chosen = select(pack, result.knowledge_base)
        assert chosen, pack.id
        assert pack.subtitle and pack.introduction, pack.id
        assert all(not d.is_draft for d in chosen)
    french = select(by_id["guide-en-francais"], result.knowledge_base)
    assert {d.language for d in french} == {"fr"}
    # Every published French document, and the translations of issue 14 among them.
    published_french = [
        d for d in result.knowledge_base.documents.values() if d.language == "fr" and not d.is_draft
    ]
    assert len(french) == len(published_french) >= 10
    assert {"start-here-fr", "setting-up-a-learning-alliance-fr"} <= {d.id for d in french}
    local = select(by_id["local-level-guidelines"], result.knowledge_base)
    assert all(d.type == "guideline" and "local" in d.levels for d in local)

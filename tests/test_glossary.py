"""The glossary file: read with line numbers, checked, and matched against text."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import Result

from kb.glossary import abbreviation_definitions, terms_in_documents
from kb.loader import load_project
from tests.conftest import REPO, ProjectFactory, document

Kb = Callable[..., Result]

GLOSSARY = """\
- term: TAF
  expansion: Technology Applicability Framework
  definition: A way to judge whether a technology fits.
  fr:
    expansion: Cadre d'applicabilité des technologies
    definition: Une façon de juger si une technologie convient.
- term: NGO
  expansion: Non-governmental organisation
  definition: Neither government nor business.
  fr:
    term: ONG
    definition: Ni l'État ni une entreprise.
- term: host institution
  definition: Keeps a tool in use.
"""


def test_a_valid_glossary_passes(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project({"content/glossary.yml": GLOSSARY})

    result = kb(project, "check", "--strict")

    assert result.exit_code == 0, result.output


def test_glossary_problems_name_the_line(make_project: ProjectFactory, kb: Kb) -> None:
    glossary = """\
    - term: TAF
      definition: A framework.
    - term: TAF
      definition: Again.
    - term: TIP
      expansion: Technology Introduction Process
    - term: MUS
      definition: Multiple-use services.
      colour: blue
      fr:
        expansion: Services à usages multiples
    - just a word
    """
    project = make_project({"content/glossary.yml": glossary})

    result = kb(project, "check")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/glossary.yml:3: [1].term: 'TAF' is already in the glossary (line 1); "
        "keep one entry",
        "content/glossary.yml:5: [2]: 'definition:' is missing; add it to this entry",
        "content/glossary.yml:9: [3].colour: unknown field; expected term, expansion, "
        "definition, or a language code such as 'fr:' with the term's version in that language",
        "content/glossary.yml:10: [3].fr: 'definition:' is missing; add it to this entry",
        "content/glossary.yml:12: [4]: expected a term with 'term:', 'expansion:' and "
        "'definition:'",
    ]


def test_a_glossary_that_is_not_a_list_says_what_is_expected(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project({"content/glossary.yml": "TAF: Technology Applicability Framework\n"})

    result = kb(project, "check")

    assert result.stdout.splitlines()[0] == (
        "content/glossary.yml:1: expected a list of terms, each starting with '- term:' "
        "(followed by 'expansion:' and 'definition:')"
    )


def test_abbreviations_are_in_the_documents_language(make_project: ProjectFactory) -> None:
    project = make_project({"content/glossary.yml": GLOSSARY})
    glossary = load_project(project).knowledge_base.glossary

    english = abbreviation_definitions("The TAF and an NGO. TAFs, NGOs.", glossary, "en")
    french = abbreviation_definitions("Le TAF et une ONG, pas une NGO.", glossary, "fr")

    assert english == (
        "*[TAF]: Technology Applicability Framework\n*[NGO]: Non-governmental organisation"
    )
    # TAF keeps its abbreviation with a French expansion; the French ONG, written
    # differently and given no expansion, is not marked (nor is the English NGO).
    assert french == "*[TAF]: Cadre d'applicabilité des technologies"


def test_a_pack_lists_only_the_terms_its_documents_use(make_project: ProjectFactory) -> None:
    project = make_project(
        {
            "content/glossary.yml": GLOSSARY,
            "content/lessons/a.md": document("A", body="The Host institution keeps the TAF.\n"),
            "content/lessons/b.md": document("B", body="Nothing to explain.\n"),
        }
    )
    result = load_project(project)
    docs = list(result.knowledge_base.documents.values())

    used = terms_in_documents(docs, result.knowledge_base.glossary, "en")

    assert [t.entry.term for t in used] == ["host institution", "TAF"]


def test_the_shipped_glossary_explains_the_abbreviations_the_content_uses() -> None:
    result = load_project(REPO)
    terms = {t.entry.term for t in result.knowledge_base.glossary}
    assert {"IUWM", "IWRM", "TAF", "TIP", "MUS", "DEIE", "MEDA", "WASH", "NGO"} <= terms
    assert [p for p in result.problems if p.path.endswith("glossary.yml")] == []

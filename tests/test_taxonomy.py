"""content/taxonomy.yml: its problems are reported with lines, and another organisation's works."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.conftest import TAXONOMY, ProjectFactory, document

Kb = Callable[..., Result]

BROKEN = """\
themes:
  Sanitation Stuff: {label: S}
  water: [x]
  hygiene: {description: Handwashing.}
  sanitation: {label: Sanitation}
  sanitation: {label: Sanitation again}
  finance: {label: [Finance]}
levels:
  local: {label: Local, order: first}
programmes:
  p1: {name: P, years: 2011, countries: GH}
  p2: {years: [2011], countries: [GH, XX]}
facets:
  activity: {label: Activity}
things: 1
"""


def project_with(make_project: ProjectFactory, taxonomy: str | bytes, **docs: str) -> Path:
    files: dict[str, str | bytes] = {"content/taxonomy.yml": taxonomy}
    files.update({f"content/lessons/{name}.md": text for name, text in docs.items()})
    return make_project(files)


def test_every_taxonomy_problem_is_reported_with_its_line(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = project_with(make_project, BROKEN, ok=document("Fine"))

    result = kb(project, "check")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/taxonomy.yml:2: themes.Sanitation Stuff: 'Sanitation Stuff' is not a usable "
        "id; use lowercase letters, digits and hyphens, e.g. 'sanitation-stuff'",
        "content/taxonomy.yml:3: themes.water: expected fields such as 'label:' below the id",
        "content/taxonomy.yml:4: themes.hygiene: 'label:' is missing; add it below the id",
        "content/taxonomy.yml:6: themes.sanitation: given twice (lines 5 and 6); keep one of them",
        "content/taxonomy.yml:7: themes.finance.label: expected text, found a list",
        "content/taxonomy.yml:9: levels.local.order: expected a whole number",
        "content/taxonomy.yml:11: programmes.p1.countries: expected a list of country codes, "
        "e.g. [GH, BF]",
        "content/taxonomy.yml:11: programmes.p1.years: expected a list of years, e.g. [2006, 2011]",
        "content/taxonomy.yml:12: programmes.p2: 'name:' is missing; add it below the id",
        "content/taxonomy.yml:12: programmes.p2.countries[1]: 'XX' is not an ISO 3166-1 alpha-2 "
        "country code (such as GH)",
        "content/taxonomy.yml:14: facets.activity: expected 'values:' with one entry per id",
        "content/taxonomy.yml:15: things: unknown section; expected one of: facets, levels, "
        "programmes, stakeholders, themes",
    ]


def test_taxonomy_syntax_error_names_the_line_and_does_not_flood_documents(
    make_project: ProjectFactory, kb: Kb
) -> None:
    broken = TAXONOMY.replace("  national: {label: National, order: 1}", "  national: {label: x")
    project = project_with(make_project, broken, a=document("A"), b=document("B"))

    result = kb(project, "check")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/taxonomy.yml:15: YAML syntax error: a group opened with '{' on this line is "
        "not closed with '}', or its entries are not separated by commas"
    ]


def test_missing_taxonomy_is_one_problem(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project({"content/lessons/a.md": document("A")})
    (project / "content" / "taxonomy.yml").unlink()

    result = kb(project, "check")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/taxonomy.yml:1: the taxonomy file is missing; it defines themes and levels"
    ]


def test_empty_or_missing_sections(make_project: ProjectFactory, kb: Kb) -> None:
    taxonomy = "themes: {}\nstakeholders:\n  government: {label: Government}\n"
    project = project_with(make_project, taxonomy, a=document("A"))

    result = kb(project, "check")

    assert result.stdout.splitlines() == [
        "content/taxonomy.yml:1: the section 'levels:' is missing",
        "content/taxonomy.yml:1: themes: the section 'themes:' is empty; add at least one entry",
    ]


def test_a_field_whose_vocabulary_is_not_defined(make_project: ProjectFactory, kb: Kb) -> None:
    taxonomy = TAXONOMY.split("stakeholders:")[0]
    project = project_with(
        make_project, taxonomy, a=document("A", stakeholders="[government]", programme="x")
    )

    result = kb(project, "check")

    assert result.stdout.splitlines() == [
        "content/lessons/a.md:8: stakeholders: content/taxonomy.yml defines no values for "
        "'stakeholders'; remove this field or add the values to the taxonomy",
        "content/lessons/a.md:9: programme: 'x' is not a programme",
    ]


def test_another_organisations_taxonomy(make_project: ProjectFactory, kb: Kb) -> None:
    """Levels, themes and facets are whatever the taxonomy says: nothing is built in."""
    taxonomy = """\
        themes:
          irrigation: {label: Irrigation}
        levels:
          basin: {label: River basin, order: 1}
          village: {label: Village, order: 2}
        facets:
          activity:
            label: Activity
            multiple: false
            values:
              mapping: {label: Mapping}
              visioning: {label: Visioning}
        """
    project = project_with(
        make_project,
        taxonomy,
        good=document("Good", themes="[irrigation]", levels="[basin, village]"),
        shipped=document("Old", themes="[sanitation]", levels="[local]"),
        facet=document("Facet", themes="[irrigation]", levels="[village]", activity="[mapin]"),
        two=document(
            "Two", themes="[irrigation]", levels="[village]", activity="[mapping, visioning]"
        ),
    )

    result = kb(project, "check")

    assert result.stdout.splitlines() == [
        "content/lessons/facet.md:8: activity[0]: 'mapin' is not a value of Activity; "
        "did you mean 'mapping'?",
        "content/lessons/shipped.md:5: themes[0]: 'sanitation' is not a theme; "
        "expected one of: irrigation",
        "content/lessons/shipped.md:6: levels[0]: 'local' is not a level; "
        "expected one of: basin, village",
        "content/lessons/two.md:8: activity: Activity takes one value",
    ]


def test_taxonomy_with_bom_and_crlf_loads(make_project: ProjectFactory, kb: Kb) -> None:
    data = b"\xef\xbb\xbf" + TAXONOMY.replace("\n", "\r\n").encode("utf-8")
    project = project_with(make_project, data, a=document("A"))

    result = kb(project, "check", "--strict")

    assert result.exit_code == 0, result.output


def test_taxonomy_that_is_not_utf8(make_project: ProjectFactory, kb: Kb) -> None:
    data = TAXONOMY.replace("Safe management", "Gestion sûre").encode("cp1252")
    project = project_with(make_project, data, a=document("A"))

    result = kb(project, "check")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/taxonomy.yml:4: the file is not UTF-8: byte 0xFB at line 4, column 27 "
        "(probably 'û' saved in another encoding, such as Windows-1252) cannot be read; "
        "save the file with UTF-8 encoding"
    ]

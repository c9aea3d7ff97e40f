"""kb new (a document from its template) and kb schema (the front matter as JSON Schema)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from kb.content import document_files, read_source
from tests.conftest import REPO, ProjectFactory, document

Kb = Callable[..., Result]
GOLDEN = Path(__file__).parent / "golden"


# -- kb new -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc_type", "folder"),
    [("case-study", "case-studies"), ("guideline", "guidelines"), ("lesson", "lessons")],
)
def test_new_writes_into_the_types_folder(
    make_project: ProjectFactory, kb: Kb, doc_type: str, folder: str
) -> None:
    project = make_project({})

    result = kb(project, "new", doc_type, "Rope pumps in Ouagadougou: what worked")

    path = f"content/{folder}/rope-pumps-in-ouagadougou-what-worked.md"
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Wrote {path}. Fill in the TODOs, then run: kb check {path}",
        "It is a draft (status: draft): checked and shown in previews, but not published "
        "until you change that line to 'status: published' (kb new --publish writes that).",
    ]
    text = (project / path).read_text(encoding="utf-8")
    assert text.startswith(
        f'---\ntitle: "Rope pumps in Ouagadougou: what worked"\ntype: {doc_type}\n'
    )
    assert f"date: {dt.date.today().isoformat()}\n" in text
    assert "status: draft            # not published until this says: published\n" in text
    # The comments list this project's vocabularies, not built-in ones.
    assert "# theme ids from content/taxonomy.yml: sanitation, governance, finance, hygiene" in text
    assert "# level ids from content/taxonomy.yml: national, intermediate, local" in text


def test_new_document_fails_only_on_its_placeholders(make_project: ProjectFactory, kb: Kb) -> None:
    """What kb new writes parses, and the only problems are the TODOs left to fill in."""
    project = make_project({})
    kb(project, "new", "lesson", "Rope pumps")
    path = "content/lessons/rope-pumps.md"

    result = kb(project, "check", path)

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:4: summary: replace the template's placeholder 'TODO: the lesson in one plain "
        "sentenc...' (Plain text, at most 300 characters)",
        f"{path}:6: themes[0]: replace the template's placeholder 'TODO' with theme ids "
        "(sanitation, governance, finance, hygiene)",
        f"{path}:7: levels[0]: replace the template's placeholder 'TODO' with level ids "
        "(national, intermediate, local)",
        f"{path}:9: authors[0]: replace the template's placeholder 'TODO: your name' "
        "(List of names; required for case studies and guidelines)",
        f"{path}:15: body: warning: the text still has a 'TODO' placeholder from the template; "
        "write the text or remove the line",
        f"{path}:19: body: warning: the text still has a 'TODO' placeholder from the template; "
        "write the text or remove the line",
    ]


@pytest.mark.parametrize("doc_type", ["case-study", "guideline", "lesson", "tool"])
def test_new_document_passes_once_filled_in(
    make_project: ProjectFactory, kb: Kb, doc_type: str
) -> None:
    project = make_project({})
    result = kb(project, "new", doc_type, "Rope pumps", "--author", 'Ama "the engineer" Mensah')
    path = project / result.stdout.split()[1].rstrip(".")
    text = path.read_text(encoding="utf-8")

    text = re.sub(r"summary: >-\n(  .*\n)+", "summary: Rope pumps lasted longer.\n", text)
    text = text.replace("themes: [TODO]", "themes: [sanitation]")
    text = text.replace("levels: [TODO]", "levels: [local]")
    text = text.replace('"TODO: the report, article or page this case is based on"', "Report")
    text = text.replace("publisher: TODO", "publisher: IRC")
    text = text.replace("id: TODO", "id: irc2012")
    text = text.replace('"TODO: its web address"', "https://example.org/report")
    text = "\n".join(line for line in text.split("\n") if "TODO" not in line)
    path.write_text(text, encoding="utf-8")

    check = kb(project, "check", "--strict")

    assert check.exit_code == 0, check.output
    source, problems = read_source(path, "x.md")
    assert problems == []
    assert source is not None
    assert source.front_matter.value["authors"] == ['Ama "the engineer" Mensah']


def test_new_refuses_to_overwrite(make_project: ProjectFactory, kb: Kb) -> None:
    original = document("Rope pumps")
    project = make_project({"content/lessons/rope-pumps.md": original})

    result = kb(project, "new", "lesson", "Rope pumps")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: content/lessons/rope-pumps.md already has the id 'rope-pumps'; "
        "choose another title or pass --id\n"
    )
    assert (project / "content/lessons/rope-pumps.md").read_text(encoding="utf-8") == original


def test_new_refuses_an_id_used_in_another_folder(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project({"content/case-studies/rope-pumps/index.md": document("Rope")})

    clash = kb(project, "new", "lesson", "Rope pumps")
    other = kb(project, "new", "lesson", "Rope pumps", "--id", "rope-pumps-lesson")

    assert clash.exit_code == 2
    assert "content/case-studies/rope-pumps/index.md already has the id 'rope-pumps'" in (
        clash.stderr
    )
    assert not (project / "content/lessons/rope-pumps.md").exists()
    assert other.exit_code == 0
    assert (project / "content/lessons/rope-pumps-lesson.md").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--id", "../../escape"],
            "Error: '../../escape' cannot be a document id; use --id with lowercase letters, "
            "digits and hyphens\n",
        ),
        (
            ["--id", "Handpump-Alliance"],
            "Error: 'Handpump-Alliance' cannot be a document id; use --id with lowercase "
            "letters, digits and hyphens\n",
        ),
        (
            ["--language", "fr: x"],
            "Error: 'fr: x' is not a BCP 47 language code; write e.g. en, fr or pt-BR\n",
        ),
    ],
)
def test_new_refuses_bad_options(
    make_project: ProjectFactory, kb: Kb, args: list[str], message: str
) -> None:
    project = make_project({})

    result = kb(project, "new", "lesson", "Rope pumps", *args)

    assert result.exit_code == 2
    assert result.stderr == message
    assert list(document_files(project / "content")) == []


def test_new_with_a_title_that_gives_no_file_name(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project({})

    refused = kb(project, "new", "lesson", "مياه")
    named = kb(project, "new", "lesson", "مياه", "--id", "water", "--language", "ar")

    assert refused.exit_code == 2
    assert refused.stderr == (
        "Error: cannot make a file name from this title; give one with --id, "
        "e.g. --id accra-stormwater\n"
    )
    assert named.exit_code == 0
    text = (project / "content/lessons/water.md").read_text(encoding="utf-8")
    assert 'title: "مياه"\n' in text
    assert "language: ar\n" in text


def test_new_outside_a_project_exits_2(tmp_path: Path, kb: Kb) -> None:
    result = kb(tmp_path, "new", "lesson", "Rope pumps")

    assert result.exit_code == 2
    assert "no mkdocs.yml here" in result.stderr


# -- kb schema ----------------------------------------------------------------


def schema_of(project: Path, kb: Kb) -> dict[str, Any]:
    result = kb(project, "schema")
    assert result.exit_code == 0, result.output
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_schema_is_json_schema_with_the_vocabularies(make_project: ProjectFactory, kb: Kb) -> None:
    schema = schema_of(make_project({}), kb)

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert schema["required"] == ["title", "type", "summary", "themes", "levels", "date"]
    assert schema["additionalProperties"] is False
    properties = schema["properties"]
    assert properties["type"]["enum"] == ["case-study", "guideline", "lesson", "tool"]
    assert properties["themes"]["items"]["enum"] == [
        "sanitation",
        "governance",
        "finance",
        "hygiene",
    ]
    assert properties["themes"]["minItems"] == 1
    assert properties["levels"]["items"]["enum"] == ["national", "intermediate", "local"]
    assert properties["stakeholders"]["items"]["enum"] == ["government", "civil-society"]
    assert properties["programme"]["enum"] == ["washtech"]
    assert {"GH", "BF", "UG"} <= set(properties["countries"]["items"]["enum"])
    assert properties["summary"]["maxLength"] == 300
    assert all(spec.get("description") for spec in properties.values())
    assert schema["allOf"] == [
        {
            "if": {"properties": {"type": {"enum": ["case-study", "guideline"]}}},
            "then": {"required": ["authors"]},
        },
        # A translation awaiting review is a translation.
        {"if": {"required": ["translation_review"]}, "then": {"required": ["translation_of"]}},
    ]
    assert properties["translation_review"]["enum"] == ["pending"]


def test_schema_follows_the_projects_taxonomy(make_project: ProjectFactory, kb: Kb) -> None:
    taxonomy = """\
        themes:
          irrigation: {label: Irrigation}
        levels:
          basin: {label: River basin}
        facets:
          activity:
            label: Activity
            values: {mapping: {label: Mapping}}
        """
    schema = schema_of(make_project({"content/taxonomy.yml": taxonomy}), kb)

    properties = schema["properties"]
    assert properties["themes"]["items"]["enum"] == ["irrigation"]
    assert properties["levels"]["items"]["enum"] == ["basin"]
    assert properties["activity"]["items"]["enum"] == ["mapping"]


def test_schema_refuses_a_broken_taxonomy(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project({"content/taxonomy.yml": "themes:\n  - sanitation\n"})

    result = kb(project, "schema")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        "content/taxonomy.yml:1: themes: expected entries of the form 'id:' with their fields below"
    )


class SchemaViolation(Exception):
    pass


def conforms(value: Any, schema: dict[str, Any], where: str = "") -> None:
    """Check ``value`` against the keywords ``kb schema`` uses (jsonschema is not a dependency)."""
    types = {"string": str, "array": list, "object": dict, "integer": int}
    if "type" in schema and not isinstance(value, types[schema["type"]]):
        raise SchemaViolation(f"{where}: not {schema['type']}: {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaViolation(f"{where}: {value!r} not in the enum")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 10**9):
            raise SchemaViolation(f"{where}: length {len(value)}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise SchemaViolation(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            raise SchemaViolation(f"{where}: too few items")
        if schema.get("uniqueItems") and len({json.dumps(v) for v in value}) != len(value):
            raise SchemaViolation(f"{where}: repeated items")
        for i, item in enumerate(value):
            conforms(item, schema.get("items", {}), f"{where}[{i}]")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                raise SchemaViolation(f"{where}: {name} is required")
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key not in properties and schema.get("additionalProperties") is False:
                raise SchemaViolation(f"{where}: {key} is not allowed")
            conforms(item, properties.get(key, {}), f"{where}.{key}")
    for rule in schema.get("allOf", []):
        try:
            conforms(value, rule["if"], where)
        except SchemaViolation:
            continue
        conforms(value, rule["then"], where)


def front_matter(path: Path) -> dict[str, Any]:
    """A file's front matter as an editor's YAML tooling sees it: dates are strings."""
    source, problems = read_source(path, path.name)
    assert source is not None, problems
    as_json = json.dumps(source.front_matter.value, default=lambda d: d.isoformat())
    loaded: dict[str, Any] = json.loads(as_json)
    return loaded


def test_shipped_documents_conform_to_the_schema(kb: Kb) -> None:
    schema = schema_of(REPO, kb)
    paths = list(document_files(REPO / "content"))
    assert len(paths) >= 50

    for path in paths:
        conforms(front_matter(path), schema, str(path.relative_to(REPO)))


@pytest.mark.parametrize(
    "name",
    [
        "unknown-vocabulary",
        "wrong-types",
        "summary-too-long",
        "case-study-without-authors",
        "missing-required",
        "unknown-field",
        "invalid-country",
    ],
)
def test_schema_rejects_what_kb_check_rejects(
    make_project: ProjectFactory, kb: Kb, name: str
) -> None:
    schema = schema_of(make_project({}), kb)
    case = GOLDEN / f"{name}.md"
    if not case.exists():  # a case kept in the folder of its type
        case = next((GOLDEN / name).rglob("*.md"))

    with pytest.raises(SchemaViolation):
        conforms(front_matter(case), schema)

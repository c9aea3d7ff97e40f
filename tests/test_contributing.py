"""CONTRIBUTING.md, followed as a new editor would, and the editor support it describes."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from click.testing import Result

from kb.config import load_settings, load_taxonomy
from kb.content import split
from kb.links import classify, heading_slugs, scan_links
from kb.schema import FIELDS
from tests.conftest import REPO, ProjectFactory, document

KbRunner = Callable[..., Result]
GUIDE = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
SHIPPED_TAXONOMY = (REPO / "content" / "taxonomy.yml").read_text(encoding="utf-8")


def block_after(marker: str) -> tuple[str, str]:
    """The argument of ``<!-- marker: ARG -->`` and the fenced block that follows it."""
    match = re.search(
        rf"<!-- {re.escape(marker)}:?\s*(\S*)\s*-->\n(`{{3,}})\w*\n(.*?)\n\2\n", GUIDE, re.DOTALL
    )
    assert match, f"CONTRIBUTING.md has no block marked {marker}"
    return match[1], match[3] + "\n"


def linked_documents(path: str, text: str) -> dict[str, str]:
    """The shipped documents a document links to, keyed by their project path."""
    source, problems = split(text, path, REPO / path)
    assert source is not None, problems
    linked = {}
    for link in scan_links(source.body, source.body_line):
        target = classify(link.target, path, "content")
        if target.kind == "local":
            linked[target.path] = (REPO / target.path).read_text(encoding="utf-8")
    return linked


def test_the_example_document_passes_kb_check(make_project: ProjectFactory, kb: KbRunner) -> None:
    path, text = block_after("example")
    assert path.startswith("content/case-studies/") and path.endswith(".md")
    linked = linked_documents(path, text)
    assert linked, "the example shows how to link to another document"
    root = make_project({"content/taxonomy.yml": SHIPPED_TAXONOMY, path: text, **linked})

    result = kb(root, "check", "--strict", str(root / path))

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "No problems" in result.stderr


def test_the_example_fills_every_field_an_editor_usually_needs() -> None:
    _path, text = block_after("example")
    front = text.split("---\n")[1]
    used = {line.split(":")[0] for line in front.splitlines() if re.match(r"^\w+:", line)}
    assert {f.name for f in FIELDS if f.required} <= used
    assert {"authors", "countries", "stakeholders", "sources", "reviewers", "review"} <= used


def test_the_check_messages_shown_are_what_kb_check_prints(
    make_project: ProjectFactory, kb: KbRunner
) -> None:
    path, text = block_after("broken-example")
    _, expected = block_after("broken-example-output")
    root = make_project({"content/taxonomy.yml": SHIPPED_TAXONOMY, path: text})

    result = kb(root, "check")

    assert result.exit_code == 1
    assert result.stdout == expected, (
        "kb check's messages changed; paste its output into CONTRIBUTING.md:\n" + result.stdout
    )


def test_the_pasted_text_messages_shown_are_what_kb_check_prints(
    make_project: ProjectFactory, kb: KbRunner
) -> None:
    path, text = block_after("pasted-example")
    _, expected = block_after("pasted-example-output")
    assert "\u00a0" in text, "the example keeps its non-breaking spaces"
    root = make_project({"content/taxonomy.yml": SHIPPED_TAXONOMY, path: text})

    result = kb(root, "check")

    assert result.exit_code == 1
    assert result.stdout == expected, (
        "kb check's messages changed; paste its output into CONTRIBUTING.md:\n" + result.stdout
    )


def test_every_front_matter_field_is_explained() -> None:
    for field in FIELDS:
        assert f"| `{field.name}` |" in GUIDE, f"CONTRIBUTING.md does not explain {field.name}"


def test_the_themes_and_levels_listed_are_those_of_the_shipped_taxonomy() -> None:
    taxonomy, problems = load_taxonomy(load_settings(REPO))
    assert not problems
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| ([^|]+?) \|", GUIDE, re.MULTILINE)
    listed = {term_id: label for term_id, label in rows}
    for term in [*taxonomy.themes.values(), *taxonomy.levels.values()]:
        assert listed.get(term.id) == term.label, f"{term.id} is not listed as '{term.label}'"


def test_the_guides_own_links_resolve() -> None:
    slugs = heading_slugs(GUIDE)
    anchors = re.findall(r"\]\(#([^)]+)\)", GUIDE)
    assert anchors
    assert [a for a in anchors if a not in slugs] == []
    for target in re.findall(r"\]\(((?:content/|README)[^)#]*)\)", GUIDE):
        assert (REPO / target).exists(), target


# -- editorial metadata ---------------------------------------------------------------


def test_a_translation_older_than_its_updated_original_is_a_warning(
    make_project: ProjectFactory, kb: KbRunner
) -> None:
    root = make_project(
        {
            "content/lessons/pumps.md": document("Pumps", updated="2026-03-01"),
            "content/lessons/pumps-fr.md": document(
                "Pompes", date="2026-02-01", language="fr", translation_of="pumps"
            ),
            "content/lessons/wells.md": document("Wells", updated="2026-03-01"),
            "content/lessons/wells-fr.md": document(
                "Puits", language="fr", translation_of="wells", updated="2026-03-02"
            ),
        }
    )

    result = kb(root, "check")

    assert result.exit_code == 0  # a warning does not fail the check
    assert result.stdout.splitlines() == [
        "content/lessons/pumps-fr.md:9: translation_of: warning: the original 'pumps' was "
        "updated on 2026-03-01, after this translation (2026-02-01); bring the translation "
        "up to date and set 'updated:'"
    ]
    assert kb(root, "check", "--strict").exit_code == 1


def test_reviewers_and_the_review_link_are_part_of_the_contract(
    make_project: ProjectFactory, kb: KbRunner
) -> None:
    root = make_project(
        {
            "content/lessons/reviewed.md": document(
                "Reviewed",
                reviewers='["Jo Smith", "Ama Mensah"]',
                review="https://github.com/example-org/kb/pull/42",
            ),
            "content/lessons/unreviewed.md": document("Unreviewed", review="pull request 42"),
        }
    )

    result = kb(root, "check")

    assert result.exit_code == 1
    assert [line.split(":")[:3] for line in result.stdout.splitlines()] == [
        ["content/lessons/unreviewed.md", "8", " review"]
    ]


# -- editor support ---------------------------------------------------------------------


def vscode(name: str) -> Any:
    """A file of the .vscode folder, which VS Code reads as JSON."""
    return json.loads((REPO / ".vscode" / name).read_text(encoding="utf-8"))


def test_the_vscode_check_task_reads_kb_check_messages() -> None:
    tasks = {task["label"]: task for task in vscode("tasks.json")["tasks"]}
    matcher = tasks["kb: check"]["problemMatcher"]
    assert tasks["kb: check what I changed"]["problemMatcher"] == matcher
    pattern = matcher["pattern"]
    # VS Code's patterns are JavaScript regular expressions; this one uses
    # nothing that Python reads differently.
    regexp = re.compile(pattern["regexp"])
    _, output = block_after("broken-example-output")
    found = []
    for line in output.splitlines():
        match = regexp.match(line)
        assert match, line
        found.append(
            (
                match[pattern["file"]],
                int(match[pattern["line"]]),
                match[pattern["code"]],
                match[pattern["severity"]] or matcher["severity"],
            )
        )
    path = "content/case-studies/tamale-water-board.md"
    assert found[:3] == [
        (path, 1, "summary", "error"),
        (path, 4, "sumary", "warning"),
        (path, 5, "themes[0]", "error"),
    ]
    whole_file = regexp.match("content/x.md:1: warning: a warning about the whole file")
    assert whole_file and (whole_file[3], whole_file[4]) == (None, "warning")


def test_the_front_matter_schema_is_wired_for_the_editor(
    make_project: ProjectFactory, kb: KbRunner
) -> None:
    tasks = {task["label"]: task for task in vscode("tasks.json")["tasks"]}
    schema_task = tasks["kb: front-matter schema"]
    assert schema_task["runOptions"] == {"runOn": "folderOpen"}
    written = schema_task["command"].split(" > ")[1]
    assert schema_task["command"].split(" > ")[0].endswith("kb schema")
    package = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    plugins = package["remarkConfig"]["plugins"]
    assert plugins[0] == "remark-frontmatter"
    name, options = plugins[1]
    assert name == "remark-lint-frontmatter-schema"
    assert options["schemas"] == {f"./{written}": ["content/**/*.md"]}
    assert set(package["devDependencies"]) >= {name, "remark-frontmatter"}
    assert vscode("extensions.json")["recommendations"] == ["unifiedjs.vscode-remark"]
    assert vscode("settings.json")["markdown.validate.enabled"] is True

    root = make_project({"content/taxonomy.yml": SHIPPED_TAXONOMY})
    schema = json.loads(kb(root, "schema").stdout)
    assert set(schema["properties"]) >= {f.name for f in FIELDS}
    assert "rural-water-supply" in schema["properties"]["themes"]["items"]["enum"]


# -- the commands the guide gives -------------------------------------------------------


def commands_after(marker: str) -> list[list[str]]:
    """The command lines of the block marked ``commands: marker``, comments left out."""
    _, block = block_after(f"commands: {marker}")
    lines = [line.split("  #")[0].strip() for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line]


def test_every_command_for_the_own_computer_runs(
    make_project: ProjectFactory, kb: KbRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guide's commands, in its order, on a fresh knowledge base in git (kb serve has
    tests of its own, since it runs until stopped)."""
    root = make_project({"content/taxonomy.yml": SHIPPED_TAXONOMY})
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=Editor", "-c", "user.email=e@example.org", "commit", "-qm", "start"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True)
    monkeypatch.chdir(root)
    commands = commands_after("own-computer")
    assert [words[:2] for words in commands][-1] == ["kb", "serve"]
    expected = {
        "new": (0, "Wrote content/case-studies/who-repairs-the-handpumps.md"),
        "check": (1, "errors"),  # the new document's placeholders, until filled in
    }

    for words in commands[:-1]:
        assert words[0] == "kb"
        result = kb(root, *words[1:])

        code, said = expected[words[1]]
        assert result.exit_code == code, (words, result.output)
        assert said in result.output, (words, result.output)
        assert "Traceback" not in result.output
    assert (root / "content/case-studies/who-repairs-the-handpumps.md").exists()


def test_the_pre_commit_section_turns_on_the_repositorys_hook() -> None:
    assert commands_after("pre-commit") == [
        ["pip", "install", "pre-commit"],
        ["pre-commit", "install"],
    ]
    assert "ORG/REPO" not in GUIDE
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert repo["repo"] == "local"
    (hook,) = repo["hooks"]
    published = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    # The repository's own hook is the one other knowledge bases use, run with this kb.
    assert hook["language"] == "system"
    for key in ("id", "entry", "files", "pass_filenames", "require_serial"):
        assert hook[key] == published[key], key


def test_the_install_commands_are_those_ci_proves_on_each_system() -> None:
    """The guide's install is the pip install the 'Install with pip' workflow runs on
    Linux, macOS and Windows in a clean virtual environment (it needs the package
    registry, so it runs there, not here)."""
    commands = commands_after("install")
    assert commands == [
        ["python3", "-m", "venv", ".venv"],
        ["source", ".venv/bin/activate"],
        ["pip", "install", "."],
    ]
    workflow = (REPO / ".github" / "workflows" / "install.yml").read_text(encoding="utf-8")
    assert '-m venv "$RUNNER_TEMP/kb-venv"' in workflow
    assert '"$bin/python" -m pip install .' in workflow
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "source .venv/bin/activate   # puts kb on the PATH" in readme
    assert ".venv\\Scripts\\Activate.ps1" in readme

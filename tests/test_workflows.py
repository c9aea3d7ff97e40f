"""The GitHub Actions workflows: linted with actionlint, and doing what the editors rely on."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from kb.cli import main
from tests.conftest import REPO, ProjectFactory, document

WORKFLOWS = REPO / ".github" / "workflows"
INSTALL_HINT = "install the test tools with: bash scripts/install.sh --test"


def tool(name: str) -> str:
    """The path of a command-line tool from the virtual environment or PATH."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search)
    assert found, f"{name} is not installed; {INSTALL_HINT}"
    return found


def actionlint(folder: Path) -> subprocess.CompletedProcess[str]:
    """Lint the workflows under ``folder``, with shellcheck looking at the run: scripts."""
    files = sorted(str(p) for p in (folder / ".github" / "workflows").glob("*.yml"))
    assert files, f"no workflows in {folder}"
    return subprocess.run(
        [tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), *files],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


def workflow(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # YAML 1.1 reads the key ``on`` as the boolean true.
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def uses(data: dict[str, Any], action: str) -> dict[str, Any]:
    """The step that uses ``action`` (any version)."""
    found = [s for s in steps(data) if str(s.get("uses", "")).split("@")[0] == action]
    assert len(found) == 1, f"expected one step using {action}"
    return found[0]


def kb_commands(data: dict[str, Any]) -> list[list[str]]:
    """Each ``kb ...`` line of the run: scripts, split into words."""
    commands = []
    for step in steps(data):
        for line in str(step.get("run", "")).splitlines():
            words = shlex.split(line.strip())
            # What follows a redirection or a shell operator is not kb's.
            cut = next(
                (i for i, w in enumerate(words) if w in ("||", "&&", "|") or re.match(r"\d*>", w)),
                len(words),
            )
            if words and words[0] == "kb":
                commands.append(words[1:cut])
    return commands


def test_the_workflows_pass_actionlint() -> None:
    linted = actionlint(REPO)

    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert linted.stdout == ""


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    # Proof that the lint above can fail: the same files with one mistake each.
    copy = tmp_path / ".github" / "workflows"
    shutil.copytree(WORKFLOWS, copy)
    publish = copy / "publish.yml"
    publish.write_text(
        publish.read_text(encoding="utf-8").replace("steps.pages.", "steps.pagez.", 1),
        encoding="utf-8",
    )
    preview = copy / "pull-request.yml"
    preview.write_text(
        preview.read_text(encoding="utf-8").replace("github.base_ref", "github.base_reff"),
        encoding="utf-8",
    )

    linted = actionlint(tmp_path)

    assert linted.returncode == 1
    assert 'property "pagez" is not defined' in linted.stdout
    assert 'property "base_reff" is not defined' in linted.stdout


def test_every_kb_command_in_the_workflows_exists_with_its_options() -> None:
    seen = []
    for name in sorted(p.name for p in WORKFLOWS.glob("*.yml")):
        for words in kb_commands(workflow(name)):
            words = [w.replace("$BASE_REF", "main") for w in words]
            with click.Context(main) as context:
                command = main.get_command(context, words[0])
                assert command is not None, f"{name}: kb {words[0]} is not a command"
                command.make_context(words[0], words[1:], parent=context)
            seen.append(words[0])
    assert {"check", "build"} <= set(seen)


def test_a_pull_request_is_checked_on_its_changed_lines_then_built_for_preview() -> None:
    data = workflow("pull-request.yml")

    assert "pull_request" in data["on"]
    assert set(data["on"]["pull_request"]["types"]) >= {"opened", "synchronize", "closed"}
    checkout = data["jobs"]["check-and-build"]["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0
    commands = kb_commands(data)
    changed = [c for c in commands if c[0] == "check" and "--changed" in c]
    assert changed == [
        ["check", "--format", "github", "--changed", "origin/$BASE_REF"],
        [
            "check",
            "--format",
            "markdown",
            "--changed",
            "origin/$BASE_REF",
            "--preview-url",
            "$PREVIEW_URL",
        ],
    ]
    # Reviewers see new documents, drafts or not, and a preview even when the check fails.
    assert ["build", "--drafts", "--preview"] in commands
    upload = uses(data, "actions/upload-artifact")["with"]
    assert upload["path"].rstrip("/") == "site"
    assert data["permissions"] == {"contents": "read"}
    assert data["concurrency"]["cancel-in-progress"] is True


def test_the_pull_request_preview_is_hosted_commented_and_removed() -> None:
    data = workflow("pull-request.yml")
    job = data["jobs"]["check-and-build"]
    names = [step.get("name", "") for step in job["steps"]]
    check = next(s for s in job["steps"] if s.get("id") == "check")
    build = next(s for s in job["steps"] if "build" in str(s.get("run", "")))
    deploy = next(s for s in job["steps"] if s.get("id") == "preview")
    comment = next(s for s in job["steps"] if "sticky-pull-request-comment" in s.get("uses", ""))
    fail = job["steps"][-1]

    # The check's result waits for the last step, so the preview and the comment happen.
    assert "status=$?" in check["run"] and "if" not in build
    assert names.index(build["name"]) < names.index(deploy["name"]) < names.index(comment["name"])
    assert fail["if"] == "steps.check.outputs.status == '1'" and "exit 1" in fail["run"]
    assert deploy["with"]["action"] == "deploy" and deploy["with"]["source-dir"] == "site/"
    assert comment["with"] == {"header": "kb-check", "path": "kb-comment.md"}
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    removal = data["jobs"]["remove-preview"]
    assert "closed" in removal["if"]
    assert removal["steps"][-1]["with"]["action"] == "remove"
    # Every action from outside GitHub is pinned to a commit, its version in a comment.
    text = (WORKFLOWS / "pull-request.yml").read_text(encoding="utf-8")
    text += (WORKFLOWS / "publish.yml").read_text(encoding="utf-8")
    for used in re.findall(r"uses: ((?!actions/)[\w.-]+/[\w.-]+@\S+)", text):
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", used), used


def test_main_is_checked_built_and_deployed_to_pages() -> None:
    data = workflow("publish.yml")

    assert data["on"]["push"]["branches"] == ["main"]
    assert ["check", "--format", "github"] in kb_commands(data)
    assert ["build"] in kb_commands(data)
    # Pushed to the gh-pages branch, keeping the pull requests' previews beside the site.
    deploy = uses(data, "JamesIves/github-pages-deploy-action")["with"]
    assert deploy == {
        "folder": "site",
        "branch": "gh-pages",
        "clean-exclude": "pr-preview/",
        "force": False,
    }
    assert data["jobs"]["build"]["permissions"] == {"contents": "write"}
    # Deployments queue up rather than cancel each other half-way.
    assert data["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_web_links_are_checked_on_a_schedule_with_a_cache() -> None:
    data = workflow("links.yml")

    assert "schedule" in data["on"]
    assert uses(data, "actions/cache")["with"]["path"] == ".kb-cache/links.json"
    assert any("--external" in c for c in kb_commands(data))


def test_the_pip_install_is_proved_on_each_system_without_a_package_manager() -> None:
    data = workflow("install.yml")
    job = data["jobs"]["pip"]
    runs = "\n".join(str(step.get("run", "")) for step in job["steps"])

    assert job["strategy"]["matrix"]["os"] == ["ubuntu-latest", "macos-latest", "windows-latest"]
    assert "-m pip install ." in runs and "-m venv" in runs
    assert "apt" not in runs and "brew" not in runs and "install.sh" not in runs
    assert ["build", "--no-pdf"] in kb_commands(data) and ["check"] in kb_commands(data)
    assert "^Error: PDFs need" in runs


@pytest.mark.parametrize("name", ["pull-request.yml", "publish.yml", "links.yml"])
def test_install_goes_through_the_projects_install_script(name: str) -> None:
    runs = [str(s.get("run", "")) for s in steps(workflow(name))]
    assert any("bash scripts/install.sh" in run for run in runs)


# -- pre-commit -------------------------------------------------------------------


def test_the_pre_commit_hook_names_a_kb_command_and_the_content_files() -> None:
    from importlib.metadata import entry_points

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["kb-check"]
    hook = hooks[0]
    assert (hook["language"], hook["pass_filenames"]) == ("python", True)
    script, *args = shlex.split(hook["entry"])
    (installed,) = entry_points(group="console_scripts", name=script)
    assert installed.value == "kb.cli:main"
    assert args == ["check"] and main.get_command(click.Context(main), "check") is not None
    files = re.compile(hook["files"])
    for path in ("content/lessons/a.md", "content/case-studies/x/index.md", "content/taxonomy.yml"):
        assert files.search(path), path
    for path in ("README.md", "src/kb/cli.py", "content/case-studies/x/photo.jpg"):
        assert not files.search(path), path


def test_the_pre_commit_hook_checks_the_staged_files_as_pre_commit_runs_it(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    root = make_project(
        {
            "content/lessons/good.md": document("Good"),
            "content/lessons/bad.md": document("Bad", levels="[regional]"),
        }
    )
    # pre-commit runs the entry from the repository's top with relative file names.
    monkeypatch.chdir(root)
    runner = CliRunner()
    args = shlex.split(hook["entry"])[1:]

    good = runner.invoke(main, [*args, "content/lessons/good.md"])
    bad = runner.invoke(main, [*args, "content/lessons/good.md", "content/lessons/bad.md"])

    assert good.exit_code == 0, good.output
    assert bad.exit_code == 1
    assert bad.stdout.startswith("content/lessons/bad.md:6: levels[0]: 'regional' is not a level")


# -- supply chain ------------------------------------------------------------------------


def locked(lock: str) -> dict[str, str]:
    """The packages a lock file pins, by normalised name, each with its hashes checked."""
    text = (REPO / lock).read_text(encoding="utf-8")
    pins: dict[str, str] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = block.split(" ", 1)[0].strip()
        if "==" not in first:
            continue
        name, pinned = first.split("==")
        assert "--hash=sha256:" in block, f"{lock}: {name} has no hash"
        pins[re.sub(r"[-_.]+", "-", name).lower()] = pinned
    return pins


def declared(extra: str | None = None) -> dict[str, str]:
    """The requirements of pyproject.toml (or of one extra), by normalised name."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["optional-dependencies"][extra] if extra else project["dependencies"]
    found = {}
    for requirement in requirements:
        name = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0]
        found[re.sub(r"[-_.]+", "-", name).lower()] = requirement
    return found


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is in Python 3.11 and later")
def test_the_lock_files_pin_every_dependency_within_its_range() -> None:
    from packaging.requirements import Requirement

    runtime, test = locked("requirements.lock"), locked("requirements-test.lock")
    for lock, pins, wanted in (
        ("requirements.lock", runtime, declared()),
        ("requirements-test.lock", test, {**declared(), **declared("test")}),
    ):
        for name, requirement in wanted.items():
            assert name in pins, f"{lock} lacks {name}: run bash scripts/lock.sh"
            assert Requirement(requirement).specifier.contains(pins[name], prereleases=True), (
                f"{lock} pins {name}=={pins[name]}, outside {requirement}: run bash scripts/lock.sh"
            )
    assert {n: v for n, v in test.items() if n in runtime} == runtime  # one kb, tested as run


def test_install_and_ci_use_the_lock_and_ci_audits_it() -> None:
    install = (REPO / "scripts/install.sh").read_text(encoding="utf-8")
    assert '--require-hashes -r "$lock"' in install and "--no-deps -e ." in install
    for name in ("pull-request.yml", "publish.yml"):
        runs = [str(s.get("run", "")) for s in steps(workflow(name))]
        assert any(
            "pip-audit" in run and "--require-hashes -r requirements.lock" in run for run in runs
        ), name


def test_publishing_gives_kb_the_pages_address_before_checking_and_building() -> None:
    data = workflow("publish.yml")
    ordered = steps(data)
    pages = next(i for i, s in enumerate(ordered) if "configure-pages" in s.get("uses", ""))
    assert ordered[pages]["id"] == "pages"
    for i, step in enumerate(ordered):
        if step.get("run", "").startswith(("kb check", "kb build")):
            assert i > pages, step["run"]
            assert step["env"]["KB_SITE_URL"] == "${{ steps.pages.outputs.base_url }}"

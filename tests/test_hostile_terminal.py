"""Values from front matter never carry control characters to the terminal; JSON keeps them.

YAML's double-quoted strings write ESC as ``\\e`` and any character as
``\\xNN``: a pull request can put an escape sequence (retitle the terminal,
clear it, recolour what follows) in a title, a summary or a theme.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from kb.problems import json_safe, terminal_safe
from tests.conftest import ProjectFactory, document

KbRunner = Callable[..., Result]

RAW = ("\x1b", "\x07", "\x9b", "\r")
TITLE = "Water \x1b]0;pwned\x07 boards \x1b[2J"
SUMMARY = "Boards \x9b31m that \rmeet."


def hostile_project(make_project: ProjectFactory) -> Path:
    return make_project(
        {
            "content/lessons/boards.md": document(
                '"Water \\e]0;pwned\\a boards \\e[2J"',
                summary='"Boards \\x9b31m that \\rmeet."',
                body="Water boards meet monthly.\n",
            ),
            "content/lessons/typo.md": document(
                "Typo", themes='["sanit\\e[31mation"]', body="Text.\n"
            ),
        }
    )


def assert_no_control(text: str) -> None:
    found = [c for c in RAW if c in text]
    assert found == [], f"raw control characters reach the terminal: {found!r}"


def test_terminal_safe_shows_controls_and_keeps_lines() -> None:
    assert terminal_safe("a\x1b[31mb\tc\nd\x9b\x7f\r") == "a\\x1b[31mb\tc\nd\\x9b\\x7f\\x0d"
    assert json.loads(json_safe(json.dumps("\x9b\x7f", ensure_ascii=False))) == "\x9b\x7f"


def test_kb_check_shows_control_characters_escaped(
    make_project: ProjectFactory, kb: KbRunner
) -> None:
    root = hostile_project(make_project)

    result = kb(root, "check")

    assert result.exit_code == 1
    assert_no_control(result.output)
    assert "themes[0]: 'sanit\\x1b[31mation' is not a theme" in result.stdout


@pytest.mark.parametrize("fmt", ["github", "json"])
def test_kb_check_other_formats(make_project: ProjectFactory, kb: KbRunner, fmt: str) -> None:
    root = hostile_project(make_project)

    result = kb(root, "check", "--format", fmt)

    assert_no_control(result.output)
    if fmt == "json":
        messages = [p["message"] for p in json.loads(result.stdout)]
        assert any("'sanit\x1b[31mation' is not a theme" in m for m in messages)


def test_kb_search_and_show_show_control_characters_escaped(
    make_project: ProjectFactory, kb: KbRunner
) -> None:
    root = hostile_project(make_project)
    (root / "content/lessons/typo.md").unlink()

    found = kb(root, "search", "water boards")
    shown = kb(root, "show", "boards")

    assert found.exit_code == 0 and shown.exit_code == 0, found.output + shown.output
    for result in (found, shown):
        assert_no_control(result.output)
    assert "Water \\x1b]0;pwned\\x07 boards \\x1b[2J" in found.stdout
    assert "Water \\x1b]0;pwned\\x07 boards \\x1b[2J" in shown.stdout
    assert "Boards \\x9b31m that  meet." in shown.stdout  # textwrap makes CR a space


def test_json_output_keeps_the_values(make_project: ProjectFactory, kb: KbRunner) -> None:
    root = hostile_project(make_project)
    (root / "content/lessons/typo.md").unlink()

    found = kb(root, "search", "water boards", "--json")
    shown = kb(root, "show", "boards", "--json")

    for result in (found, shown):
        assert_no_control(result.stdout)
    assert json.loads(found.stdout)["hits"][0]["title"] == TITLE
    assert json.loads(shown.stdout)["summary"] == SUMMARY


def test_error_messages_show_control_characters_escaped(
    make_project: ProjectFactory, kb: KbRunner
) -> None:
    root = hostile_project(make_project)

    result = kb(root, "show", "no-such-\x1b[2J-id")

    assert result.exit_code != 0
    assert_no_control(result.output)
    assert "no-such-\\x1b[2J-id" in result.output

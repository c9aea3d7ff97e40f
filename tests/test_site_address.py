"""The site's address: a placeholder or a missing site_url is a loud warning; KB_SITE_URL wins."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from kb.config import load_settings
from kb.siteaddress import configured_site_url, is_placeholder
from tests.conftest import MKDOCS, REPO, ProjectFactory, document

Kb = Callable[..., Result]


@pytest.fixture(autouse=True)
def _no_address_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KB_SITE_URL", raising=False)


def test_the_shipped_placeholder_is_a_warning_and_an_error_in_strict(kb: Kb) -> None:
    result = kb(REPO, "check")

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "mkdocs.yml:5: site_url: warning: site_url is the placeholder "
        "https://example.org/learning-alliances/ (example.org is reserved for examples and "
        "tests; no reader can visit it): every PDF would print it as the documents' address; "
        "set site_url in mkdocs.yml to the address the site is published at, or set "
        "KB_SITE_URL when building (the publish workflow sets it from the repository's "
        "Pages address)"
    ]
    assert kb(REPO, "check", "--strict").exit_code == 1


def test_no_site_url_is_a_warning(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project(
        {
            "mkdocs.yml": MKDOCS.replace("site_url: https://wash-kb.github.io/\n", ""),
            "content/lessons/a.md": document("A"),
        }
    )

    result = kb(project, "check")

    assert result.exit_code == 0
    assert result.stdout.startswith("mkdocs.yml:1: site_url: warning: no site_url: the PDFs")


def test_the_environment_gives_the_address_to_check_build_and_mkdocs(
    make_project: ProjectFactory, kb: Kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project = make_project(
        {
            "mkdocs.yml": MKDOCS.replace("https://wash-kb.github.io/", "https://example.org/kb/"),
            "content/lessons/a.md": document("A"),
        }
    )
    assert kb(project, "check", "--strict").exit_code == 1
    monkeypatch.setenv("KB_SITE_URL", "https://owner.github.io/kb")

    assert load_settings(project).site_url == "https://owner.github.io/kb/"
    assert kb(project, "check", "--strict").exit_code == 0
    site = tmp_path / "site"
    built = kb(project, "build", "--no-pdf", "--out", str(site))
    assert built.exit_code == 0, built.output
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://owner.github.io/kb/lessons/a/" in sitemap
    assert "example.org" not in sitemap


@pytest.mark.parametrize(
    ("given", "placeholder"),
    [
        ("https://example.org/learning-alliances/", True),
        ("http://www.example.com", True),
        ("https://EXAMPLE.net/x/", True),
        ("https://owner.github.io/kb/", False),
        ("https://wash-kb.github.io/", False),
        ("https://kb.example.org/", True),  # subdomains of a reserved domain are reserved too
        ("http://kb.test:8000/", True),
        ("http://localhost:8000/", True),
        ("https://example.org.owner.net/", False),
    ],
)
def test_placeholder_hosts(given: str, placeholder: bool) -> None:
    assert is_placeholder(given) is placeholder


def test_environment_wins_and_a_trailing_slash_is_added() -> None:
    raw = {"site_url": "https://example.org/a"}
    assert configured_site_url(raw, {}) == "https://example.org/a/"
    assert configured_site_url(raw, {"KB_SITE_URL": " https://o.github.io/r "}) == (
        "https://o.github.io/r/"
    )
    assert configured_site_url({}, {"KB_SITE_URL": ""}) == ""

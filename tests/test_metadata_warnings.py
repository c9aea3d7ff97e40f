"""Metadata that tells the truth: country tags the text names, sources with an address."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result

from kb.countries import country_names, names_country
from tests.conftest import ProjectFactory, document

Kb = Callable[..., Result]


def test_a_country_the_text_never_names_is_a_warning(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project(
        {
            "content/lessons/tagged.md": document(
                "Tagged",
                body="Districts in Ghana and in Tanzania agreed a tariff.\n",
                countries="[GH, TZ, UG]",
            )
        }
    )

    result = kb(project, "check")
    strict = kb(project, "check", "--strict")

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "content/lessons/tagged.md:8: countries[2]: warning: 'UG' (Uganda) is never named in "
        "the text; name the country where the document speaks of it, or remove the tag"
    ]
    assert strict.exit_code == 1


def test_a_french_document_names_countries_in_french(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project(
        {
            "content/lessons/fr.md": document(
                "Leçon",
                body="Au Burkina Faso, en Côte d\u2019Ivoire et en Égypte ; mais pas Germany.\n",
                countries="[BF, CI, EG, DE]",
                language="fr",
            )
        }
    )

    result = kb(project, "check")

    assert result.stdout.splitlines() == [
        "content/lessons/fr.md:8: countries[3]: warning: 'DE' (Allemagne) is never named in "
        "the text; name the country where the document speaks of it, or remove the tag"
    ]


@pytest.mark.parametrize(
    ("text", "code", "language", "named"),
    [
        ("The West Bank platform", "PS", "en", True),
        ("a study in the UK", "GB", "en", True),
        ("Water in Nigeria", "NE", "en", False),  # Niger is not Nigeria
        ("La Tanzanie", "TZ", "fr", True),
        ("en egypte", "EG", "fr", True),  # case and accents aside
        ("in Egypt", "EG", "fr", False),  # an English name in a French text does not count
        ("US households", "US", "en", False),  # 'us' is a word, not a country
        ("Au Bénin et en Côte d\u2019Ivoire", "CI", "fr", True),  # a typographic apostrophe
        ("ÉGYPTE", "EG", "fr", True),
        ("Vie\u0302t Nam", "VN", "en", True),  # an accent written as its own character
        ("في مِصْرَ", "EG", "ar", True),  # Arabic with its vowel marks
        ("في الأُرْدُنّ", "JO", "ar", True),
    ],
)
def test_country_names(text: str, code: str, language: str, named: bool) -> None:
    assert names_country(text, code, language) is named


def test_country_names_include_short_forms() -> None:
    assert "Tanzania" in country_names("TZ", "en")
    assert "Bolivia" in country_names("BO", "en")
    assert "Royaume-Uni" in country_names("GB", "fr")


def test_a_source_without_address_is_a_warning_cited_or_not(
    make_project: ProjectFactory, kb: Kb
) -> None:
    sources = "\n  - {title: Annual report, publisher: IRC, year: 2012}"
    project = make_project({"content/lessons/x.md": document("X", sources=sources)})

    result = kb(project, "check")
    strict = kb(project, "check", "--strict")

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "content/lessons/x.md:9: sources[0]: warning: has no 'url:'; add the address of the "
        "report or page where readers can find it, or remove the source if it is not public"
    ]
    assert strict.exit_code == 1

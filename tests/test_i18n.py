"""Languages: interface catalogues, taxonomy labels per language, French browse pages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from click.testing import Result

from kb import i18n
from kb.config import load_settings, load_taxonomy
from kb.loader import load_project
from kb.pdf.printbody import PrintRenderer
from kb.pdf.printhtml import document_job
from tests.conftest import MKDOCS, REPO, TAXONOMY, ProjectFactory, document

Kb = Callable[..., Result]

BILINGUAL = MKDOCS.replace(
    "    default_language: en\n",
    "    default_language: en\n"
    "    languages: [en, fr]\n"
    "    site_name: {fr: KB de test}\n"
    "    edition: {en: 2026 edition, fr: Édition 2026}\n",
)
FRENCH_TAXONOMY = (
    TAXONOMY.replace("label: Sanitation", "label: {en: Sanitation, fr: Assainissement}")
    .replace(
        "description: Safe management of excreta.",
        "description: {en: Safe management of excreta., fr: Gestion sûre des excréta.}",
    )
    .replace("label: Governance and policy", "label: {en: Governance and policy, fr: Gouvernance}")
    .replace("label: Finance", "label: {en: Finance, fr: Financement}")
    .replace("label: Hygiene", "label: {en: Hygiene, fr: Hygiène}")
    .replace("{label: National,", "{label: {en: National, fr: National},")
    .replace("{label: Intermediate,", "{label: {en: Intermediate, fr: Intermédiaire},")
    .replace("{label: Local,", "{label: {en: Local, fr: Local (communautaire)},")
    .replace("{label: Government}", "{label: {en: Government, fr: Pouvoirs publics}}")
    .replace("{label: Civil society}", "{label: {en: Civil society, fr: Société civile}}")
)


def messages_in_code() -> set[str]:
    """The interface messages the code and templates use, extracted as ``pybabel`` does."""
    method_map = [
        ("src/kb/**.py", "python"),
        ("src/kb/site/templates/**.html", "jinja2"),
        ("src/kb/pdf/templates/**.j2", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_the_catalogue_template_lists_every_message_of_the_code() -> None:
    # Fails when an interface string was added or changed without re-extracting
    # (the commands are in kb/i18n.py's docstring).
    assert messages_in_code() == set(i18n.interface_messages())


def test_french_translates_every_interface_message() -> None:
    assert i18n.missing_messages("fr") == []
    french = i18n.translations("fr")
    assert french.gettext("Related documents") == "Documents liés"
    assert french.ngettext("shares theme %(themes)s", "shares themes %(themes)s", 2) == (
        "partage les thèmes %(themes)s"
    )
    # A language without a catalogue keeps the message ids (English).
    assert i18n.translations("sw").gettext("Related documents") == "Related documents"
    assert len(i18n.missing_messages("sw")) == len(i18n.interface_messages())


def test_names_of_languages_and_countries_follow_the_page_language() -> None:
    assert i18n.own_name("fr") == "Français"
    assert i18n.language_name("en", "fr") == "Anglais"
    assert i18n.language_name("fr", "en") == "French"
    assert i18n.own_name("ar") == "العربية"
    assert i18n.country_name("BF", "fr") == "Burkina Faso"
    assert i18n.country_name("EG", "fr") == "Égypte"


def test_taxonomy_labels_per_language_and_the_missing_ones(
    make_project: ProjectFactory,
) -> None:
    taxonomy = FRENCH_TAXONOMY.replace(
        "label: {en: Finance, fr: Financement}", "label: Finance"
    ).replace("label: {en: Hygiene, fr: Hygiène}", "label: {fr: Hygiène}")
    project = make_project({"mkdocs.yml": BILINGUAL, "content/taxonomy.yml": taxonomy})
    loaded, problems = load_taxonomy(load_settings(project))
    sanitation = loaded.themes["sanitation"]
    assert (sanitation.label, sanitation.label_in("fr"), sanitation.label_in("fr-BF")) == (
        "Sanitation",
        "Assainissement",
        "Assainissement",
    )
    assert sanitation.description_in("fr") == "Gestion sûre des excréta."
    assert loaded.themes["finance"].label_in("fr") == "Finance"  # falls back to English
    assert [p.as_text() for p in problems] == [
        "content/taxonomy.yml:9: themes.finance.label: warning: no fr text; pages in fr show "
        "the en one: write label: {en: ..., fr: ...}",
        "content/taxonomy.yml:12: themes.hygiene.label: no 'en:' text (the site's default "
        "language); add it",
    ]


def test_a_wrong_language_code_in_the_taxonomy_is_an_error(make_project: ProjectFactory) -> None:
    taxonomy = TAXONOMY.replace(
        "label: Sanitation", "label: {en: Sanitation, French: Assainissement}"
    )
    project = make_project({"content/taxonomy.yml": taxonomy})
    _loaded, problems = load_taxonomy(load_settings(project))
    assert [p.as_text() for p in problems] == [
        "content/taxonomy.yml:3: themes.sanitation.label: 'French' is not a language code; "
        "write one such as en or fr"
    ]


def test_site_texts_per_language(make_project: ProjectFactory) -> None:
    settings = load_settings(make_project({"mkdocs.yml": BILINGUAL}))
    assert settings.site_languages == ("en", "fr")
    assert (settings.site_name_in("fr"), settings.site_name_in("en")) == ("KB de test", "Test KB")
    assert (settings.edition, settings.edition_in("fr")) == ("2026 edition", "Édition 2026")


def test_a_site_text_that_is_neither_text_nor_per_language_is_refused(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project(
        {"mkdocs.yml": MKDOCS + "    edition: [2026]\n", "content/lessons/a.md": document()}
    )
    result = kb(project, "check")
    assert result.exit_code == 2
    assert (
        "mkdocs.yml: extra.kb.edition must be a text, or one text per language such as "
        '{en: "2026 edition", fr: "Édition 2026"}' in result.output
    )


def test_check_lists_missing_translations_per_language(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project(
        {
            "mkdocs.yml": BILINGUAL.replace("languages: [en, fr]", "languages: [en, fr, pt]"),
            "content/taxonomy.yml": FRENCH_TAXONOMY,
            "content/lessons/a.md": document(),
        }
    )
    result = kb(project, "check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        "mkdocs.yml:1: extra.kb.languages: warning: pt: kb has no interface translation for "
        "it; its pages show them in en (kb's catalogue kb/locale/pt/LC_MESSAGES/kb.po)" in lines
    )
    assert (
        "mkdocs.yml:1: extra.kb.site_name: warning: no pt text; pages in pt show the en one: "
        "write site_name: {pt: ...} under extra: kb:" in lines
    )
    assert (
        "content/taxonomy.yml:3: themes.sanitation.label: warning: no pt text; pages in pt "
        "show the en one: write label: {en: ..., pt: ...}" in lines
    )
    assert not any("fr text" in line or "fr:" in line for line in lines), result.output
    assert kb(project, "check", "--strict").exit_code == 1


def test_the_shipped_knowledge_base_has_every_french_and_arabic_label(
    kb: Kb, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the publish workflow runs it: with the Pages address (see test_site_address).
    monkeypatch.setenv("KB_SITE_URL", "https://owner.github.io/kb/")
    result = kb(REPO, "check", "--strict")
    assert result.exit_code == 0, result.output


def french_site(make_project: ProjectFactory, kb: Kb) -> Path:
    project = make_project(
        {
            "mkdocs.yml": BILINGUAL,
            "content/taxonomy.yml": FRENCH_TAXONOMY,
            "content/lessons/criteria.md": document(
                "Criteria help approval", levels="[national]", themes="[sanitation, governance]"
            ),
            "content/lessons/criteria-fr.md": document(
                "Les critères aident",
                body="Les critères aident.\n",
                levels="[national]",
                themes="[sanitation, governance]",
                language="fr",
                translation_of="criteria",
            ),
            "content/lessons/alone.md": document("Alone in English", levels="[national]"),
            "content/lessons/start-here.md": document("Start with this", levels="[national]"),
            "content/lessons/start-here-fr.md": document(
                "Commencez par ceci",
                levels="[national]",
                language="fr",
                translation_of="start-here",
            ),
        }
    )
    out = project / "site"
    result = kb(project, "build", "--no-pdf", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def text_of(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_a_french_site_beside_the_english_one(make_project: ProjectFactory, kb: Kb) -> None:
    site = french_site(make_project, kb)
    # English URLs stay where they were; the French browse pages are under fr/.
    for path in ("index.html", "themes/sanitation/index.html", "matrix/index.html"):
        assert (site / path).is_file()
        assert (site / "fr" / path).is_file()
    home = (site / "fr" / "index.html").read_text(encoding="utf-8")
    english_home = (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr" dir="ltr"' in home
    # Each home page's title is the site's name in its language, once.
    assert "<title>KB de test</title>" in home
    assert "<title>Test KB</title>" in english_home
    assert english_home.count("<h1") == 1 and "<h1>Test KB</h1>" in english_home
    assert home.count("<h1") == 1 and "<h1>KB de test</h1>" in home
    theme_title = "<title>Assainissement - KB de test</title>"
    assert theme_title in (site / "fr" / "themes" / "sanitation" / "index.html").read_text()
    words = text_of(site / "fr" / "index.html")
    for french in ("Parcourir par thème", "Assainissement", "Derniers ajouts", "KB de test"):
        assert french in words
    for english in ("Browse by theme", "Newest additions", "Sanitation", "Test KB"):
        assert english not in words
    # The navigation leads to the French browse pages, and to documents as they are.
    assert '<a href="./" class="md-nav__link">' in home
    assert '<a href="themes/" class="md-nav__link">' in home
    assert 'href="../fr/themes/sanitation/"' in home
    assert 'href="../lessons/criteria-fr/"' in home
    # The newcomers' link leads to the start-here page's French translation.
    assert 'class="kb-start__link"><a href="../lessons/start-here-fr/">' in home
    assert 'class="kb-start__link"><a href="lessons/start-here/">' in english_home
    # Every page switches to the same page in the other language.
    assert '<a href="fr/" hreflang="fr" lang="fr">Français</a>' in english_home
    assert '<a href="../" hreflang="en" lang="en">English</a>' in home
    theme = (site / "fr" / "themes" / "sanitation" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../../../themes/sanitation/" hreflang="en" lang="en">English</a>' in theme


def test_a_french_document_page_speaks_french_and_switches_to_its_original(
    make_project: ProjectFactory, kb: Kb
) -> None:
    site = french_site(make_project, kb)
    page = site / "lessons" / "criteria-fr" / "index.html"
    html_text = page.read_text(encoding="utf-8")
    words = text_of(page)
    assert '<html lang="fr" dir="ltr"' in html_text
    for french in ("Thèmes", "Niveaux", "Assainissement", "Comment citer", "Accueil", "Langue"):
        assert french in words, french
    for english in ("Themes", "Levels", "How to cite", "Related documents", "Home", "Language"):
        assert not re.search(rf"\b{english}\b", words), english
    assert '<a href="../../lessons/criteria/" hreflang="en" lang="en">English</a>' in html_text
    assert 'href="../../fr/themes/sanitation/"' in html_text
    # A document with no translation switches to the other language's home page.
    alone = (site / "lessons" / "alone" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../../fr/" hreflang="fr" lang="fr">Français</a>' in alone


#: Words the PDFs add around the content in English, none of which a French pack may show.
ENGLISH_PDF_WORDS = (
    "Contents",
    "Themes",
    "Levels",
    "Read online",
    "How to cite",
    "Licence and",
    "edition",
    "Test KB",
    "Sanitation",
    "Governance",
    "Lesson",
    "Page 2 of",
)


def test_a_french_pack_has_no_english_word_of_its_own(
    make_project: ProjectFactory, kb: Kb, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    project = make_project(
        {
            "mkdocs.yml": BILINGUAL,
            "content/taxonomy.yml": FRENCH_TAXONOMY,
            "content/lessons/criteres.md": document(
                "Les critères aident",
                body="Les critères aident à l'homologation.\n",
                summary="Un résumé court.",
                themes="[sanitation, governance]",
                language="fr",
            ),
            "content/lessons/eau.md": document(
                "L'eau d'abord",
                body="Un texte.\n\n" + "Une phrase de plus.\n\n" * 60,
                summary="Un autre résumé.",
                language="fr",
            ),
        }
    )
    target = tmp_path / "fr.pdf"
    result = kb(project, "pdf", "--language", "fr", "-o", str(target))
    assert result.exit_code == 0, result.output
    reader = PdfReader(target)
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    for french in ("Sommaire", "Thèmes", "Assainissement", "Édition 2026", "KB de test", "leçons"):
        assert french in text, french
    for english in ENGLISH_PDF_WORDS:
        assert english not in text, english
    info = reader.metadata
    assert info is not None
    assert info.title == "Documents"
    assert info.author == "KB de test"
    assert info["/Keywords"] == "Assainissement, Gouvernance"
    assert reader.trailer["/Root"]["/Lang"] == "fr"


ARABIC_BODY = (
    "اجتمعت البلديات والجمعيات والباحثون في منصة واحدة لإدارة المياه في المدينة.\n\n"
    "- المياه النظيفة للجميع\n- الصرف الصحي في القرى\n"
)


def arabic_project(make_project: ProjectFactory) -> Path:
    return make_project(
        {
            "content/case-studies/city.md": document(
                "A city platform", "case-study", body="The municipalities met.\n"
            ),
            "content/case-studies/city-ar.md": document(
                "منصة المدينة",
                "case-study",
                body=ARABIC_BODY,
                summary="منصة واحدة للمدينة.",
                language="ar",
                translation_of="city",
            ),
        }
    )


def test_an_arabic_pdf_is_right_to_left_with_shaped_arabic_text(
    make_project: ProjectFactory, kb: Kb, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    project = arabic_project(make_project)
    target = tmp_path / "ar.pdf"
    result = kb(project, "pdf", "--document", "city-ar", "-o", str(target))
    assert result.exit_code == 0, result.output
    reader = PdfReader(target)
    page = reader.pages[0]
    lines = [line.strip() for line in page.extract_text().splitlines()]
    # The text comes back in reading order, each word whole: the glyphs were shaped
    # (joined forms) by a font that has them, not drawn as boxes or isolated letters.
    assert "منصة المدينة" in lines
    sentence = "اجتمعت البلديات والجمعيات والباحثون في منصة واحدة لإدارة المياه في المدينة"
    assert any(line.strip(".") == sentence for line in lines), lines
    assert "المياه النظيفة للجميع" in lines
    fonts = {
        str(font["/BaseFont"])
        for font in page["/Resources"]["/Font"].values()  # type: ignore[union-attr]
    }
    assert any("Arabic" in name for name in fonts), fonts
    # Mirrored: the print HTML says the document reads right to left.
    loaded = load_project(project)
    doc = loaded.knowledge_base.documents["city-ar"]
    job = document_job(doc, PrintRenderer(loaded.settings, loaded.knowledge_base))
    assert '<html lang="ar" dir="rtl"' in job.html
    assert '<article class="document type-case-study" id="city-ar" lang="ar" dir="rtl">' in job.html


def test_kb_search_stems_arabic(make_project: ProjectFactory, kb: Kb) -> None:
    project = arabic_project(make_project)
    # "البلدية" (the municipality) finds "البلديات" (the municipalities) by its stem.
    result = kb(project, "search", "البلدية", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)["hits"]
    assert [hit["id"] for hit in hits] == ["city-ar"]

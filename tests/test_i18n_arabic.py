"""Arabic: the interface catalogue, the EMPOWERS translations awaiting review, their PDFs."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from kb import i18n
from kb.countries import names_country
from kb.loader import load_project
from kb.pdf.printbody import PrintRenderer
from kb.pdf.printhtml import document_job
from tests.conftest import REPO, ProjectFactory, document

Kb = Callable[..., Result]

#: The shipped EMPOWERS case studies and their Arabic translations.
EMPOWERS = {
    "empowers-programme-overview": "empowers-programme-overview-ar",
    "empowers-egypt-kassab": "empowers-egypt-kassab-ar",
    "empowers-jordan-scenario-building": "empowers-jordan-scenario-building-ar",
}
NOTICE_AR = "لم يراجع هذه الترجمةَ متحدثٌ أصليٌّ باللغة بعدُ"
NOTICE_EN = "This translation has not yet been reviewed by a native speaker"


def test_arabic_translates_every_interface_message() -> None:
    assert i18n.missing_messages("ar") == []
    arabic = i18n.translations("ar")
    assert arabic.gettext("Related documents") == "وثائق ذات صلة"
    assert arabic.gettext("How to cite") == "طريقة الاستشهاد"
    # Arabic's six plural forms: one theme, two themes (the dual), three or more.
    shares = ("shares theme %(themes)s", "shares themes %(themes)s")
    assert arabic.ngettext(*shares, 1) == "يشترك في الموضوع %(themes)s"
    assert arabic.ngettext(*shares, 2) == "يشترك في الموضوعين %(themes)s"
    assert arabic.ngettext(*shares, 3) == "يشترك في الموضوعات %(themes)s"
    # A translation uses no placeholder its message lacks (formatting would fail), and
    # drops one only where Arabic says the number in words ("نتيجة واحدة", one result).
    placeholder = re.compile(r"%\(\w+\)s|\{\w+\}")
    dropped = {}
    for message in i18n.interface_messages():
        said, meant = (
            set(placeholder.findall(arabic.gettext(message))),
            set(placeholder.findall(message)),
        )
        assert said <= meant, message
        if said != meant:
            dropped[message] = meant - said
    assert dropped == {
        "{count} result for “{query}”.": {"{count}"},
        "The knowledge base has %(count)s error": {"%(count)s"},  # "خطأ واحد", one error
        "%(num)s A4 sheet": {"%(num)s"},  # "ورقة A4 واحدة", one A4 sheet
    }


def test_lists_are_separated_the_arabic_way() -> None:
    assert i18n.list_separator("ar") == "، "
    assert i18n.list_separator("ar", clauses=True) == "؛ "
    assert i18n.list_separator("fr") == ", "


def test_the_review_notice_says_it_in_the_document_language_then_the_site_language() -> None:
    notice = i18n.review_notice("ar", "en")
    assert [(lang, direction) for lang, direction, _ in notice] == [("ar", "rtl"), ("en", "ltr")]
    assert notice[0][2].startswith(NOTICE_AR)
    assert notice[1][2].startswith(NOTICE_EN)
    # Once only when the document is in the site's language, or its language has no
    # catalogue (the English words then say it, marked as English).
    assert [lang for lang, _, _ in i18n.review_notice("en", "en")] == ["en"]
    assert [lang for lang, _, _ in i18n.review_notice("sw", "en")] == ["en"]


def test_arabic_text_names_its_countries_with_joined_prepositions() -> None:
    assert names_country("عمل البرنامج في مصر والأردن", "EG", "ar")
    assert names_country("عمل البرنامج في مصر والأردن", "JO", "ar")
    assert names_country("وبالأردن", "JO", "ar")
    assert names_country("في الضفة الغربية وغزة", "PS", "ar")
    # A longer word that merely starts with the name is not the country.
    assert not names_country("المصريون", "EG", "ar")


def test_every_empowers_case_study_has_an_arabic_translation_awaiting_review() -> None:
    documents = load_project(REPO).knowledge_base.documents
    empowers = {
        d.id for d in documents.values() if d.programme == "empowers" and d.type == "case-study"
    }
    originals = {i for i in empowers if documents[i].language == "en"}
    assert originals == set(EMPOWERS)
    for original, translation in EMPOWERS.items():
        doc = documents[translation]
        assert (doc.language, doc.translation_of) == ("ar", original)
        assert doc.review_pending and not doc.reviewers, translation
        assert doc.path == f"content/case-studies/{translation}.md"
        # The translation cites the same sources as its original, each footnote used.
        assert [s.id for s in doc.sources] == [s.id for s in documents[original].sources]
        cited = set(re.findall(r"\[\^([\w-]+)\]", doc.body))
        assert cited == set(re.findall(r"\[\^([\w-]+)\]", documents[original].body))
        assert doc.themes == documents[original].themes
        assert doc.countries == documents[original].countries


def test_the_page_of_an_unreviewed_translation_says_so_in_arabic_and_english(
    shipped_site: Path,
) -> None:
    page = shipped_site / "case-studies" / "empowers-egypt-kassab-ar" / "index.html"
    html_text = page.read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl"' in html_text
    notice = re.search(r'<p class="kb-review-notice" role="note">(.*?)</p>', html_text)
    assert notice is not None
    assert f'<span lang="ar" dir="rtl">{NOTICE_AR}' in notice.group(1)
    assert f'<span lang="en" dir="ltr">{NOTICE_EN}' in notice.group(1)
    # The Arabic interface around it: Material's words and kb's own, and Arabic lists.
    for arabic in ("عن هذه الوثيقة", "الموضوعات", "طريقة الاستشهاد", "المستوى الوسيط، المستوى"):
        assert arabic in html_text, arabic
    # The original, and a reviewed translation, carry no notice.
    original = shipped_site / "case-studies" / "empowers-egypt-kassab" / "index.html"
    assert "kb-review-notice" not in original.read_text(encoding="utf-8")
    french = shipped_site / "case-studies" / "washtech-burkina-faso-fr" / "index.html"
    assert "kb-review-notice" not in french.read_text(encoding="utf-8")


def test_the_arabic_browse_pages_and_search_index(shipped_site: Path) -> None:
    home = (shipped_site / "ar" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl"' in home
    for arabic in ("قاعدة معارف تحالفات التعلّم", "تصفّح حسب الموضوع", "الصرف الصحي"):
        assert arabic in home, arabic
    # Pagefind keeps an index per language: the three Arabic pages have their own.
    entry = (shipped_site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8")
    assert re.search(r'"ar":\{"hash":"ar_\w+","wasm":"ar","page_count":3\}', entry), entry


@pytest.fixture(scope="module")
def arabic_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from kb.cli import main

    target = tmp_path_factory.mktemp("pdf") / "kassab-ar.pdf"
    result = CliRunner().invoke(
        main,
        [
            "--project",
            str(REPO),
            "pdf",
            "--document",
            "empowers-egypt-kassab-ar",
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    return target


def test_the_pdf_of_a_shipped_arabic_case_study_has_its_text_shaped(arabic_pdf: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(arabic_pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # Words come back whole and in reading order: shaped by a font with Arabic glyphs,
    # not drawn as boxes or as isolated letters.
    source = (REPO / "content" / "case-studies" / "empowers-egypt-kassab-ar.md").read_text(
        encoding="utf-8"
    )
    for heading in re.findall(r"^## (.+)$", source, flags=re.M):
        assert heading in lines, (heading, lines)
    # Every Arabic word of the document is in the PDF's text as the word itself (pypdf
    # gives justified lines' words in visual order, so words are compared, not lines).
    arabic_word = re.compile(r"[\u0621-\u064a\u064b-\u0652\u0670]+")
    body = source.split("---\n", 2)[2]
    missing = set(arabic_word.findall(body)) - set(arabic_word.findall(text))
    assert not missing, missing
    assert len(set(arabic_word.findall(body))) > 300
    # Shaped by the font, not by swapping in presentation forms.
    assert not re.search("[\ufb50-\ufdff\ufe70-\ufeff]", text)
    joined = " ".join(lines)
    assert NOTICE_AR in joined and NOTICE_EN in joined
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[union-attr]
    }
    assert any("Arabic" in name for name in fonts), fonts
    assert reader.trailer["/Root"]["/Lang"] == "ar"


def test_the_print_html_of_an_unreviewed_translation_carries_the_notice(
    make_project: ProjectFactory,
) -> None:
    project = make_project(
        {
            "content/lessons/city.md": document("A city platform"),
            "content/lessons/city-ar.md": document(
                "منصة المدينة",
                body="اجتمعت البلديات.\n",
                language="ar",
                translation_of="city",
                translation_review="pending",
            ),
        }
    )
    loaded = load_project(project)
    printer = PrintRenderer(loaded.settings, loaded.knowledge_base)
    job = document_job(loaded.knowledge_base.documents["city-ar"], printer)
    assert '<p class="review-notice"><span lang="ar" dir="rtl">' + NOTICE_AR in job.html
    original = document_job(loaded.knowledge_base.documents["city"], printer)
    assert '<p class="review-notice"' not in original.html

"""kb build: pages, escaping, atomic output, determinism and machine-readable outputs."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import Result
from pypdf import PdfReader

from kb import build as build_module
from tests.conftest import ProjectFactory, document

#: Material for MkDocs' installed package (its stylesheets, as MkDocs copies them).
MATERIAL = Path(str(importlib.util.find_spec("material").origin)).parent  # type: ignore[union-attr]

Kb = Callable[..., Result]


def small_project(make_project: ProjectFactory, **extra: str) -> Path:
    files = {
        "content/case-studies/district-latrines.md": document(
            "District latrines",
            "case-study",
            body="## Context\n\nA district platform on sanitation.\n\n"
            "It applied [the ladder](../guidelines/ladder.md#steps).\n",
            levels="[intermediate]",
            countries="[GH]",
            programme="washtech",
        ),
        "content/guidelines/ladder.md": document(
            "Scoring ladder",
            "guideline",
            body="## Steps\n\n1. Agree the rungs.\n2. Score together.\n",
            levels="[local]",
            themes="[sanitation, governance]",
        ),
        "content/lessons/criteria.md": document(
            "Criteria help approval",
            body="**Criteria help.**\n\n"
            "See [the district case](../case-studies/district-latrines.md).\n",
            levels="[national]",
            themes="[sanitation, governance]",
        ),
        "content/lessons/criteria-fr.md": document(
            "Les critères aident",
            body="**Les critères aident.**\n",
            levels="[national]",
            language="fr",
            translation_of="criteria",
        ),
    }
    files.update(extra)
    return make_project(files)


def build_ok(kb: Kb, project: Path, *args: str) -> Path:
    out = project / "site"
    result = kb(project, "build", "--no-pdf", "--out", str(out), *args)
    assert result.exit_code == 0, result.output
    return out


def test_build_writes_every_kind_of_page(make_project: ProjectFactory, kb: Kb) -> None:
    site = build_ok(kb, small_project(make_project))
    for page in [
        "index.html",
        "case-studies/index.html",
        "guidelines/index.html",
        "lessons/index.html",
        "case-studies/district-latrines/index.html",
        "lessons/criteria-fr/index.html",
        "themes/index.html",
        "themes/sanitation/index.html",
        "themes/sanitation/national/index.html",
        "levels/local/index.html",
        "programmes/washtech/index.html",
        "countries/gh/index.html",
        "matrix/index.html",
        "search/index.html",
        "downloads/index.html",
        "catalogue.json",
        "feed.xml",
        "sitemap.xml",
        "pagefind/pagefind.js",
    ]:
        assert (site / page).is_file(), page
    # Pagefind's own interfaces are not kb's search page: neither published nor kept offline.
    assert not list((site / "pagefind").glob("pagefind-*ui*"))
    assert not (site / "pagefind" / "pagefind-highlight.js").exists()
    # Material's own search (lunr and its worker) is replaced by Pagefind, its script is
    # dropped, its stylesheets are folded into the site's one: none of them is published,
    # nor kept offline.
    assert not (site / "assets" / "javascripts").exists()
    assert not (site / "assets" / "stylesheets").exists()
    offline = json.loads((site / "offline.json").read_text(encoding="utf-8"))
    assert offline["files"]
    assert not [p for p in offline["files"] if re.search(r"lunr|bundle\.|/main\.|palette\.", p)]
    theme = (site / "themes/sanitation/index.html").read_text(encoding="utf-8")
    # The theme at each level it has documents at, in the levels' order.
    cell = 'href="../../themes/sanitation/{}/"'
    assert theme.index(cell.format("national")) < theme.index(cell.format("local"))


def test_document_page_has_panel_relations_and_rewritten_links(
    make_project: ProjectFactory, kb: Kb
) -> None:
    site = build_ok(kb, small_project(make_project))
    page = (site / "case-studies/district-latrines/index.html").read_text(encoding="utf-8")
    assert 'data-pagefind-filter="level">Intermediate<' in page
    assert 'data-pagefind-filter="programme">WASHTech<' in page
    assert 'data-pagefind-filter="country">Ghana<' in page
    # The body link to the guideline's .md file and anchor now points to its page.
    assert 'href="../../guidelines/ladder/#steps"' in page
    # The lesson links here: a backlink; the same theme at other levels.
    assert 'id="kb-backlinks"' in page and "../../lessons/criteria/" in page
    assert 'id="kb-other-levels"' in page
    jsonld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert jsonld is not None
    data = json.loads(jsonld.group(1))
    assert data["headline"] == "District latrines"
    assert data["url"] == "https://wash-kb.github.io/case-studies/district-latrines/"


def test_translations_link_both_ways(make_project: ProjectFactory, kb: Kb) -> None:
    site = build_ok(kb, small_project(make_project))
    english = (site / "lessons/criteria/index.html").read_text(encoding="utf-8")
    french = (site / "lessons/criteria-fr/index.html").read_text(encoding="utf-8")
    assert 'hreflang="fr"' in english and "../../lessons/criteria-fr/" in english
    assert 'hreflang="en"' in french and "../../lessons/criteria/" in french
    assert '<h1 class="kb-title" lang="fr">' in french


def test_front_matter_values_are_escaped(make_project: ProjectFactory, kb: Kb) -> None:
    project = small_project(
        make_project,
        **{
            "content/lessons/xss.md": document(
                "<script>alert(1)</script>",
                summary="'\"><img src=x onerror=alert(2)>'",
                authors='["</title><b>bold</b>"]',
            )
        },
    )
    site = build_ok(kb, project)
    for page in ["lessons/xss/index.html", "lessons/index.html", "index.html"]:
        text = (site / page).read_text(encoding="utf-8")
        assert "<script>alert(1)" not in text, page
        assert '"><img src=x' not in text, page
        assert "<b>bold</b>" not in text, page
    text = (site / "lessons/xss/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_raw_script_in_a_body_is_an_error(make_project: ProjectFactory, kb: Kb) -> None:
    project = small_project(
        make_project,
        **{
            "content/lessons/raw.md": document(
                "Raw", body='Text\n\n<iframe src="x"></iframe>\n<p onclick="go()">x</p>\n'
            )
        },
    )
    result = kb(project, "check")
    assert result.exit_code == 1
    assert "content/lessons/raw.md:11: html: the HTML tag <iframe> is not allowed" in result.output
    assert (
        "content/lessons/raw.md:12: html: the HTML attribute 'onclick' on <p> runs script"
        in result.output
    )


def test_drafts_are_left_out_unless_asked(make_project: ProjectFactory, kb: Kb) -> None:
    project = small_project(
        make_project,
        **{"content/lessons/unfinished.md": document("Unfinished", status="draft")},
    )
    site = build_ok(kb, project)
    assert not (site / "lessons/unfinished").exists()
    assert "unfinished" not in (site / "catalogue.json").read_text(encoding="utf-8")
    site = build_ok(kb, project, "--drafts")
    assert (site / "lessons/unfinished/index.html").is_file()


def test_invalid_content_stops_the_build_and_keeps_the_old_site(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = small_project(make_project)
    site = build_ok(kb, project)
    before = (site / "index.html").read_bytes()
    (project / "content/lessons/criteria.md").write_text(
        document("Criteria", themes="[sanitaton]"), encoding="utf-8"
    )
    result = kb(project, "build", "--no-pdf", "--out", str(site))
    assert result.exit_code == 1
    assert (
        "content/lessons/criteria.md:5: themes[0]: 'sanitaton' is not a theme; "
        "did you mean 'sanitation'?" in result.output
    )
    assert (site / "index.html").read_bytes() == before


def test_a_failure_late_in_the_build_leaves_the_previous_site(
    make_project: ProjectFactory, kb: Kb, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = small_project(make_project)
    site = build_ok(kb, project)
    marker = site / "index.html"
    before = marker.read_bytes()

    def broken(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "write_catalogue", broken)
    result = kb(project, "build", "--no-pdf", "--out", str(site))
    assert result.exit_code == 1 and "Aborted" in result.output
    assert marker.read_bytes() == before
    assert [p.name for p in project.iterdir() if p.name.startswith(".site")] == []


def test_two_builds_are_identical(make_project: ProjectFactory, kb: Kb) -> None:
    """Identical files, except Pagefind's filter and metadata indexes.

    Pagefind writes those from hash maps in arbitrary order (upstream issue
    Pagefind/pagefind#638: fragments are stable since 1.3, the indexes are not);
    its fragments, which hold the page text, must be identical. ``offline.json``
    lists every file's hash, those indexes' included; the worker it goes with
    (``sw.js``, versioned from the other files) must be identical.
    """
    project = small_project(make_project)
    first = project / "first"
    second = project / "second"
    assert kb(project, "build", "--no-pdf", "--out", str(first)).exit_code == 0
    assert kb(project, "build", "--no-pdf", "--out", str(second)).exit_code == 0

    def ours(root: Path) -> list[Path]:
        return sorted(
            p.relative_to(root)
            for p in root.rglob("*")
            if p.is_file()
            and (p.relative_to(root).parts[0] != "pagefind" or p.parent.name == "fragment")
            and not p.name.startswith("offline.json")
        )

    files = ours(first)
    assert files == ours(second)
    assert any(f.parts[0] == "pagefind" for f in files)
    different = [f for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert different == []


def test_catalogue_and_feed(make_project: ProjectFactory, kb: Kb) -> None:
    site = build_ok(kb, small_project(make_project))
    catalogue = json.loads((site / "catalogue.json").read_text(encoding="utf-8"))
    entries = {d["id"]: d for d in catalogue["documents"]}
    assert set(entries) == {"district-latrines", "ladder", "criteria", "criteria-fr"}
    case = entries["district-latrines"]
    assert case["url"] == "https://wash-kb.github.io/case-studies/district-latrines/"
    assert case["relations"]["links_to"] == ["ladder"]
    assert case["relations"]["backlinks"] == ["criteria"]
    assert entries["criteria"]["relations"]["translations"] == ["criteria-fr"]
    feed = ET.parse(site / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    assert len(feed.findall(f"{atom}entry")) == 4


def test_pages_stay_on_the_site_and_navigation_lists_no_documents(
    make_project: ProjectFactory, kb: Kb
) -> None:
    site = build_ok(kb, small_project(make_project))
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", text):
            if re.search(r'rel="(?:canonical|alternate)"', tag):
                continue  # an address, not something the browser loads
            assert not re.search(r"(?:src|href)=\"(?:https?:)?//", tag), (page, tag)
        nav = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>', text, re.S)
        assert nav is not None
        assert "District latrines" not in nav.group(0)
        assert "Scoring ladder" not in nav.group(0)


def cold_transfer(site: Path, page: Path) -> int:
    """Gzipped bytes of a page and the stylesheets and scripts it loads."""
    import gzip

    text = page.read_text(encoding="utf-8")
    total = len(gzip.compress(text.encode("utf-8"), 9))
    for ref in re.findall(
        r'<(?:script[^>]*src|link[^>]*rel="stylesheet"[^>]*href)="([^"]+)"', text
    ):
        asset = (page.parent / ref).resolve()
        assert asset.is_relative_to(site.resolve()), ref
        total += len(gzip.compress(asset.read_bytes(), 9))
    return total


def test_document_pages_are_light_and_do_not_grow_with_the_knowledge_base(
    make_project: ProjectFactory, kb: Kb
) -> None:
    small = build_ok(kb, small_project(make_project))
    page = small / "case-studies/district-latrines/index.html"
    assert cold_transfer(small, page) <= 150 * 1024
    many = {
        f"content/lessons/extra-{n:02d}.md": document(
            f"Extra lesson {n}",
            body="See [the district case](../case-studies/district-latrines.md).\n",
            levels="[local]",
        )
        for n in range(40)
    }
    big = build_ok(kb, small_project(make_project, **many))

    def outside_article(site: Path) -> str:
        text = (site / "case-studies/district-latrines/index.html").read_text(encoding="utf-8")
        return re.sub(r"<article.*</article>", "", text, flags=re.S)

    assert len(outside_article(big)) == len(outside_article(small))
    article = (big / "case-studies/district-latrines/index.html").read_text(encoding="utf-8")
    # 40 pages link here, but each relation list is capped.
    assert article.count(">Extra lesson") <= 20 + 3 + 5
    assert "And 21 more pages link here" in article  # 40 extra lessons and criteria


def test_a_first_heading_that_repeats_the_title_is_not_shown_twice(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = small_project(
        make_project,
        **{
            "content/lessons/repeat.md": document("Same title", body="# Same title\n\nText.\n"),
            "content/lessons/other.md": document("A title", body="# Another heading\n\nText.\n"),
        },
    )
    site = build_ok(kb, project)
    repeat = (site / "lessons/repeat/index.html").read_text(encoding="utf-8")
    assert repeat.count(">Same title</h1>") == 1
    other = (site / "lessons/other/index.html").read_text(encoding="utf-8")
    assert '<h1 id="another-heading">Another heading' in other


def test_downloads_page_and_document_pages_link_the_pdfs(
    make_project: ProjectFactory, kb: Kb
) -> None:
    packs = """\
    packs:
      sanitation-pack:
        title: Sanitation pack
        subtitle: For workshops
        introduction: Everything on sanitation.
        select:
          themes: [sanitation]
    """
    project = small_project(make_project, **{"content/packs.yml": packs})
    out = project / "site"
    result = kb(project, "build", "--out", str(out))
    assert result.exit_code == 0, result.output
    downloads = (out / "downloads/index.html").read_text(encoding="utf-8")
    assert 'href="../downloads/packs/sanitation-pack.pdf"' in downloads
    assert re.search(r"PDF · \d+ pages · \d+ KB", downloads)
    assert (out / "downloads/packs/sanitation-pack.pdf").is_file()
    # A web server running as another user must be able to read what was published.
    assert (out / "downloads/packs/sanitation-pack.pdf").stat().st_mode & 0o044 == 0o044
    page = (out / "lessons/criteria/index.html").read_text(encoding="utf-8")
    assert 'href="../../downloads/documents/criteria.pdf" download>Download PDF' in page
    assert 'href="../../downloads/packs/sanitation-pack.pdf" download>Sanitation pack' in page
    assert (out / "downloads/documents/criteria.pdf").is_file()
    catalogue = json.loads((out / "catalogue.json").read_text(encoding="utf-8"))
    entry = next(d for d in catalogue["documents"] if d["id"] == "criteria")
    assert entry["pdf"] == "https://wash-kb.github.io/downloads/documents/criteria.pdf"
    assert entry["relations"]["packs"] == ["sanitation-pack"]


def test_the_downloads_page_lists_each_booklet_beside_its_pack_in_each_language(
    make_project: ProjectFactory, kb: Kb
) -> None:
    from kb.site.markup import filesize
    from tests.test_i18n import BILINGUAL

    packs = """\
    packs:
      sanitation-pack:
        title: Sanitation pack
        select: {themes: [sanitation]}
        booklet: true
        archival: true
      governance-pack:
        title: Governance pack
        select: {themes: [governance]}
    """
    project = small_project(make_project, **{"content/packs.yml": packs, "mkdocs.yml": BILINGUAL})
    out = project / "site"
    result = kb(project, "build", "--packs-only", "--out", str(out))
    assert result.exit_code == 0, result.output
    booklet = out / "downloads/packs/sanitation-pack-booklet.pdf"
    sheets = len(PdfReader(booklet).pages) // 2  # two printed sides to a sheet
    size = filesize(booklet.stat().st_size)
    english = (out / "downloads/index.html").read_text(encoding="utf-8")
    french = (out / "fr/downloads/index.html").read_text(encoding="utf-8")
    for page, link, words in (
        (
            english,
            "../downloads/packs/",
            ("A5 booklet", "to print on both sides", "pages", ("A4 sheet", "A4 sheets")),
        ),
        (
            french,
            "../../downloads/packs/",
            ("Livret A5", "à imprimer recto verso", "pages", ("feuille A4", "feuilles A4")),
        ),
    ):
        items = re.findall(r'<li class="kb-item" data-pack="([^"]+)">(.*?)</li>', page, re.S)
        entries = dict(items)
        assert list(entries) == ["sanitation-pack", "governance-pack"]
        # The booklet is in its pack's entry, with its size and pages, and nowhere else.
        line = re.search(
            r'<span class="kb-item__meta kb-booklet">(.*?)</span>', entries["sanitation-pack"]
        )
        assert line is not None
        text = re.sub(r"<[^>]+>", "", line.group(1))
        assert f'href="{link}sanitation-pack-booklet.pdf" download>{words[0]}</a>' in line.group(1)
        assert words[1] in text
        sheet_word = words[3][0] if sheets == 1 else words[3][1]
        found = re.search(rf"\) · PDF · (\d+) {words[2]} · (\d+) {sheet_word} · (.+)$", text)
        assert found is not None, text
        a5_pages = int(found.group(1))
        assert (-(-a5_pages // 4), int(found.group(2)), found.group(3)) == (sheets, sheets, size)
        assert "kb-booklet" not in entries["governance-pack"]
        assert page.count("-booklet.pdf") == 1
        # The pack itself is the PDF/A copy; the other pack is not.
        assert re.search(r"PDF/A · \d+ pages", entries["sanitation-pack"])
        assert "PDF/A" not in entries["governance-pack"]


def test_pages_declare_their_own_language_and_direction(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = small_project(
        make_project,
        **{
            "content/lessons/criteria-ar.md": document(
                "المعايير تساعد",
                body="المعايير تساعد على الموافقة.\n",
                levels="[national]",
                language="ar",
                translation_of="criteria",
            )
        },
    )
    site = build_ok(kb, project)

    def opening(path: str) -> str:
        text = (site / path / "index.html").read_text(encoding="utf-8")
        return re.search(r"<html[^>]*>", text).group(0) + re.search(r"<body[^>]*>", text).group(0)  # type: ignore[union-attr]

    assert '<html lang="en" dir="ltr"' in opening("lessons/criteria")
    assert '<html lang="fr" dir="ltr"' in opening("lessons/criteria-fr")
    assert '<html lang="ar" dir="rtl"' in opening("lessons/criteria-ar")
    assert 'dir="rtl"' in opening("lessons/criteria-ar").split("<body")[1]
    assert '<html lang="en" dir="ltr"' in opening("themes")


def test_every_page_has_a_skip_link_one_stylesheet_and_no_material_script(
    make_project: ProjectFactory, kb: Kb
) -> None:
    site = build_ok(kb, small_project(make_project))
    pages = sorted(site.rglob("index.html"))
    assert len(pages) > 10
    stylesheets = set()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.count('class="md-skip"') == 1, page
        assert '<a href="#kb-content" class="md-skip">' in text, page
        assert 'id="kb-content"' in text, page
        assert "bundle." not in text and "__config" not in text, page
        head = text[: text.index("<body")]
        links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', head)
        assert len(links) == 1, (page, links)
        stylesheets.add(links[0].rsplit("/", 1)[1])
    # One stylesheet for the whole site, a fraction of Material's, cached across pages.
    assert len(stylesheets) == 1
    css = (site / "assets" / "kb" / stylesheets.pop()).read_text(encoding="utf-8")
    material = next((MATERIAL / "templates" / "assets" / "stylesheets").glob("main.*.min.css"))
    assert len(css) < len(material.read_text(encoding="utf-8")) / 2
    assert ".md-skip" in css and ".kb-meta" in css
    assert "--md-version-icon" not in css  # read only by the version selector, unused


def test_material_javascript_is_kept_when_the_owner_asks(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = small_project(make_project)
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "extra:\n  kb:\n", "extra:\n  kb:\n    material_javascript: true\n"
        ),
        encoding="utf-8",
    )
    assert "material_javascript: true" in config.read_text(encoding="utf-8")
    site = build_ok(kb, project)
    text = (site / "lessons" / "criteria" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<script src="[^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js">', text)
    assert [p.name for p in (site / "assets" / "javascripts").glob("bundle.*.min.js")]
    # Classes only Material's script sets keep their rules.
    css = next((site / "assets" / "kb").glob("site.*.css")).read_text(encoding="utf-8")
    assert ".md-tooltip" in css


def test_counts_agree_with_their_number_in_english_and_french(
    make_project: ProjectFactory, kb: Kb
) -> None:
    from tests.test_i18n import BILINGUAL

    project = small_project(make_project, **{"mkdocs.yml": BILINGUAL})
    out = build_ok(kb, project)

    def words(page: str) -> str:
        html = (out / page / "index.html").read_text(encoding="utf-8")
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ")

    # One case study, one document about Ghana, two lessons (one of them in French).
    assert "1 case study." in words("case-studies")
    assert "1 case studies" not in words("case-studies")
    assert "2 lessons, newest first." in words("lessons")
    assert "1 document about Ghana." in words("countries/gh")
    assert "1 étude de cas." in words("fr/case-studies")
    # A document in another language says which, in the page's language (not its code).
    assert "· Anglais ·" in words("fr/case-studies") and "· en ·" not in words("fr/case-studies")
    assert "Ghana : 1 document." in words("fr/countries/gh").replace("\u00a0", " ")
    matrix = (out / "matrix/index.html").read_text(encoding="utf-8")
    labels = re.findall(r'aria-label="([^"]+)"', matrix)
    assert any(label.endswith(": 1 document") for label in labels), labels
    assert not any(label.endswith(": 1 documents") for label in labels)

"""French typography: set when rendering, in text only; reported in sources with --strict."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import Result

from kb.typography import french_html, french_text, typeset_source
from tests.conftest import ProjectFactory, document

Kb = Callable[..., Result]
NNBSP = "\u202f"
APOSTROPHE = "\u2019"


def test_narrow_spaces_and_apostrophes_in_text() -> None:
    assert french_text("Pourquoi ? Voici : l'eau « potable » ; enfin !") == (
        f"Pourquoi{NNBSP}? Voici{NNBSP}: l{APOSTROPHE}eau «{NNBSP}potable{NNBSP}»{NNBSP}; "
        f"enfin{NNBSP}!"
    )
    # A no-break space already there becomes the narrow one; no space is added where none was.
    assert french_text("Note\u00a0: 10:30, https://example.org") == (
        f"Note{NNBSP}: 10:30, https://example.org"
    )
    assert french_text("l'« image »") == f"l{APOSTROPHE}«{NNBSP}image{NNBSP}»"


def test_typesetting_twice_changes_nothing() -> None:
    # Sources are typeset (kb typeset), then the site and the PDFs set them again.
    once = french_text("Il dit : « Pourquoi ? » ; l'eau « potable » !")
    assert french_text(once) == once
    assert once.count(NNBSP) == 8
    source = "---\ntitle: x\n---\n« On parle ; rien ne change ? »\n"
    assert typeset_source(typeset_source(source)) == typeset_source(source)
    # Narrow spaces doubled by an earlier pass collapse into one.
    assert french_text(f"«{NNBSP}{NNBSP}oui{NNBSP}{NNBSP}»") == f"«{NNBSP}oui{NNBSP}»"


def test_code_attributes_and_addresses_are_left_as_written() -> None:
    html_text = (
        '<p>Voir : <a href="x.html?a=1 ; b" title="l\'eau ?">l\'eau ?</a> et <code>a : b</code>'
        " !</p><pre><code>x ; y 'z'</code></pre><script>var a = 'b' ;</script><p>fin !</p>"
    )
    assert french_html(html_text) == (
        f'<p>Voir{NNBSP}: <a href="x.html?a=1 ; b" title="l\'eau ?">l{APOSTROPHE}eau{NNBSP}?</a>'
        f" et <code>a : b</code>{NNBSP}!</p><pre><code>x ; y 'z'</code></pre>"
        f"<script>var a = 'b' ;</script><p>fin{NNBSP}!</p>"
    )


def test_typeset_source_keeps_front_matter_code_and_link_targets() -> None:
    source = (
        "---\ntitle: L'eau : un bien\n---\n"
        "L'eau : voir [l'article](../x-fr.md#l'ancre) et `a : b`.\n\n"
        "```\ncode ; 'x'\n```\n"
    )
    assert typeset_source(source) == (
        "---\ntitle: L'eau : un bien\n---\n"
        f"L{APOSTROPHE}eau{NNBSP}: voir [l{APOSTROPHE}article](../x-fr.md#l'ancre) et `a : b`.\n\n"
        "```\ncode ; 'x'\n```\n"
    )


def french_project(make_project: ProjectFactory) -> dict[str, str]:
    return {
        "content/lessons/eau-fr.md": document(
            '"L\'eau : un bien commun"',
            body="## Pourquoi ?\n\nL'eau est rare : il faut la partager.\n\n"
            "```\nx = 'a' ; y\n```\n",
            language="fr",
        ),
        "content/lessons/water.md": document('"Water: a common good"', body="Why? It's rare.\n"),
    }


def test_check_reports_the_source_forms_only_when_strict(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project(french_project(make_project))
    plain = kb(project, "check")
    assert plain.exit_code == 0, plain.output
    assert "typeset" not in plain.output
    strict = kb(project, "check", "--strict")
    assert strict.exit_code == 1
    assert (
        "content/lessons/eau-fr.md:10: body: warning: 2 ordinary spaces before ; : ? ! or "
        "inside « » and 1 straight apostrophes, the first on this line; the site and PDFs "
        f"print them in French typography ({APOSTROPHE} and narrow no-break spaces): run kb "
        "typeset content/lessons/eau-fr.md to write them so in the source" in strict.output
    )
    typeset = kb(project, "typeset")
    assert typeset.output.splitlines() == [
        "Typeset content/lessons/eau-fr.md",
        "1 French document typeset.",
    ]
    assert kb(project, "check", "--strict").exit_code == 0
    body = (project / "content/lessons/eau-fr.md").read_text(encoding="utf-8")
    assert f"L{APOSTROPHE}eau est rare{NNBSP}: il faut" in body
    assert "x = 'a' ; y" in body
    english = (project / "content/lessons/water.md").read_text(encoding="utf-8")
    assert "It's rare." in english


def test_the_site_and_the_pdf_print_french_typography(make_project: ProjectFactory, kb: Kb) -> None:
    from pypdf import PdfReader

    project = make_project(french_project(make_project))
    out = project / "site"
    result = kb(project, "build", "--out", str(out))
    assert result.exit_code == 0, result.output
    page = (out / "lessons/eau-fr/index.html").read_text(encoding="utf-8")
    assert f"L{APOSTROPHE}eau est rare{NNBSP}: il faut la partager." in page
    assert f"L{APOSTROPHE}eau{NNBSP}: un bien commun</h1>" in page
    assert "x = &#39;a&#39; ; y" in page or "x = 'a' ; y" in page
    english = (out / "lessons/water/index.html").read_text(encoding="utf-8")
    assert "Why? It" in english
    pdf = PdfReader(out / "downloads/documents/eau-fr.pdf")
    text = "".join(p.extract_text() for p in pdf.pages)
    assert f"L{APOSTROPHE}eau est rare{NNBSP}: il faut" in text

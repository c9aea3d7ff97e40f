"""The Programming Historian example: a real, messy, multilingual corpus converted and checked.

The corpus is not part of the project (its text must not be copied in): the
tests that need it skip, naming the folder, when ``../shared/corpora/
programming-historian`` is absent. The converter's own rules (Liquid, links,
summaries) are tested on small inputs and run everywhere.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import Result

from kb.links import code_free_lines
from kb.loader import LoadResult, load_project
from kb.model import Document

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "programming-historian"
CORPUS = REPO.parent / "shared" / "corpora" / "programming-historian"

Kb = Callable[..., Result]


def _load_converter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ph_convert", EXAMPLE / "convert.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is made
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


convert = _load_converter()


def needs_corpus() -> None:
    if not (CORPUS / "en").is_dir():
        pytest.skip(f"needs the Programming Historian corpus at {CORPUS}")


class Converted:
    """A converted copy of the example, the converter's outcome and the loaded knowledge base."""

    def __init__(self, root: Path, outcome: Any) -> None:
        self.root = root
        self.outcome = outcome
        self.result: LoadResult = load_project(root)
        self.documents = self.result.knowledge_base.documents

    def doc(self, doc_id: str) -> Document:
        return self.documents[doc_id]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Converted:
    needs_corpus()
    root = tmp_path_factory.mktemp("ph")
    outcome = convert.convert(CORPUS, root, convert.Report(echo=False))
    return Converted(root, outcome)


# -- the whole corpus ---------------------------------------------------------


def test_the_converted_corpus_checks_clean(converted: Converted, kb: Kb) -> None:
    result = kb(converted.root, "check")
    assert result.exit_code == 0, result.output
    assert f"No problems: {len(converted.outcome.converted)} documents checked." in result.output
    # every lesson of the four editions, less the two stubs the script reports
    assert len(converted.outcome.converted) == 231
    assert len(converted.documents) == 231


def test_the_stubs_are_skipped_and_said_so(converted: Converted) -> None:
    assert converted.outcome.skipped == [
        "en/lessons/ocr-tutorial.md",
        "en/lessons/retired/OCR-with-Tesseract-and-ScanTailor.md",
    ]
    warnings = converted.outcome.report.warnings
    assert (
        "WARNING: en/lessons/ocr-tutorial.md:3: not published upstream (published: false); skipped"
        in warnings
    )
    assert any(
        w.startswith("WARNING: en/lessons/retired/OCR-with-Tesseract-and-ScanTailor.md:1: skipped:")
        and "difficulty" in w
        for w in warnings
    )


def test_duplicate_keys_are_reported_and_the_last_value_kept(converted: Converted) -> None:
    warnings = converted.outcome.report.warnings
    assert (
        "WARNING: es/lecciones/introduccion-a-ffmpeg.md:21: 'original' is given twice "
        "(lines 10 and 21); the last value is used, as Jekyll does" in warnings
    )
    duplicated = [w for w in warnings if "is given twice" in w]
    assert len(duplicated) == 7
    # the file that gives 'date' twice takes the second one, as Jekyll did
    network = converted.doc("exploring-and-analyzing-network-data-with-python")
    assert network.date == dt.date(2017, 8, 23)


def test_levels_languages_and_facets_come_from_the_front_matter(converted: Converted) -> None:
    bash = converted.doc("intro-to-bash")
    assert (bash.language, bash.levels, bash.type) == ("en", ("beginner",), "lesson")
    assert set(bash.themes) == {"data-manipulation", "get-ready"}
    assert bash.facets["activity"] == ("transforming",)
    assert bash.authors == ("Ian Milligan", "James Baker")
    assert bash.license == "CC-BY-4.0"
    assert bash.sources[0].url == "https://doi.org/10.46430/phen0037"
    assert bash.sources[0].publisher == "Programming Historian"

    by_language: dict[str, int] = {}
    for doc in converted.documents.values():
        by_language[doc.language] = by_language.get(doc.language, 0) + 1
    assert by_language == {"en": 108, "es": 61, "fr": 25, "pt": 37}
    levels = {doc.levels[0] for doc in converted.documents.values()}
    assert levels == {"beginner", "intermediate", "advanced"}


def test_translations_link_to_their_original(converted: Converted) -> None:
    spanish = converted.doc("introduccion-a-bash")
    assert spanish.language == "es"
    assert spanish.translation_of == "intro-to-bash"
    assert "Víctor Gayol (traducción)" in spanish.authors
    # a translation is dated by its translation, and cites its original too
    assert spanish.date == dt.date(2017, 7, 29)
    assert [s.publisher for s in spanish.sources] == [
        "Programming Historian en español",
        "Programming Historian",
    ]
    translations = [d for d in converted.documents.values() if d.translation_of]
    assert len(translations) == 108
    for doc in translations:
        assert doc.translation_of is not None
        original = converted.doc(doc.translation_of)
        assert original.language != doc.language
        assert original.translation_of is None


def test_retired_lessons_are_drafts(converted: Converted) -> None:
    retired = converted.doc("getting-started-with-github-desktop")
    assert retired.status == "draft"
    drafts = {d.id for d in converted.documents.values() if d.is_draft}
    assert len(drafts) == 9
    assert converted.doc("intro-to-bash").status == "published"


def test_summaries_are_plain_text_of_at_most_300_characters(converted: Converted) -> None:
    for doc in converted.documents.values():
        assert 0 < len(doc.summary) <= 300, doc.id
        assert "](" not in doc.summary and "**" not in doc.summary, doc.id
    bash = converted.doc("intro-to-bash")
    assert bash.summary.startswith("This lesson will teach you how to enter commands")
    assert bash.summary.endswith("…")


def test_figures_become_captioned_placeholders(converted: Converted) -> None:
    body = converted.doc("intro-to-bash").body
    assert (
        "![GUI of Ian Milligan's Computer](../figure-not-included.svg "
        '"Image not included in this example: GUI.png")' in body
    )
    assert "\n*GUI of Ian Milligan's Computer*\n" in body
    assert (converted.root / "content" / "lessons" / "figure-not-included.svg").is_file()


def test_no_liquid_is_left_outside_code(converted: Converted) -> None:
    for doc in converted.documents.values():
        for number, line in code_free_lines(doc.body, doc.body_line):
            assert "{%" not in line and "{{" not in line, f"{doc.path}:{number}: {line}"


def test_alerts_become_admonitions(converted: Converted) -> None:
    body = converted.doc("visualizing-with-bokeh").body
    assert (
        "!!! note\n    `p` is a common variable name for a `figure` object, since a figure "
        "is a type of plot.\n" in body
    )


def test_links_between_lessons_point_to_the_converted_documents(converted: Converted) -> None:
    # written as /lessons/applied-archival-downloading-with-wget in the Spanish lesson
    body = converted.doc("introduccion-a-bash").body
    assert "[Wget](../en/applied-archival-downloading-with-wget.md)" in body
    # {{ site.baseurl }}/assets/... is a file of the journal's site, not a lesson
    notebooks = converted.doc("jupyter-notebooks").body
    assert (
        "[the sample CSV file](https://programminghistorian.org/assets/jupyter-notebooks/"
        "ph-jupyter-notebook-example.csv)" in notebooks
    )


def test_every_lesson_ends_with_its_attribution(converted: Converted) -> None:
    for doc in converted.documents.values():
        tail = doc.body.rstrip().rsplit("\n", 1)[-1]
        assert tail.startswith(("**Attribution.**", "**Atribución.**", "**Atribuição.**")), doc.id
        assert "https://creativecommons.org/licenses/by/4.0/" in tail, doc.id
        assert doc.sources[0].url and doc.sources[0].url in tail, doc.id
    spanish = converted.doc("introduccion-a-bash").body
    assert (
        "**Atribución.** Ian Milligan & James Baker, “Introducción a la línea de comandos en "
        "Bash”, traducido por Víctor Gayol, *Programming Historian en español* (2017), "
        "<https://doi.org/10.46430/phes0013>. Publicado bajo la licencia "
        "[CC BY 4.0](https://creativecommons.org/licenses/by/4.0/)." in spanish
    )


def test_anchors_follow_the_new_heading_ids(converted: Converted) -> None:
    # kramdown kept the accent (#recursos-útiles); Python-Markdown drops it
    body = converted.doc("escritura-sostenible-usando-pandoc-y-markdown").body
    assert "(#recursos-utiles)" in body
    assert "#recursos-útiles" not in body


def test_broken_anchors_are_reported_by_kb_check_when_kept(
    tmp_path: Path, converted: Converted, kb: Kb
) -> None:
    outcome = convert.convert(CORPUS, tmp_path, convert.Report(echo=False), repair_anchors=False)
    result = kb(tmp_path, "check")
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith("content/")]
    assert problems
    assert all(re.search(r"\.md:\d+: link: '[^']*' matches no heading", p) for p in problems)
    assert any(
        re.match(
            r"content/lessons/en/linear-regression\.md:\d+: link: '#alternatives-to-anaconda' "
            r"matches no heading in this document$",
            p,
        )
        for p in problems
    )
    reported = {
        w.split(":", 2)[1].strip().rsplit("/", 1)[-1]
        for w in outcome.report.warnings
        if "matches no heading" in w
    }
    checked = {p.split(":", 1)[0].rsplit("/", 1)[-1] for p in problems}
    assert checked <= {name.lower() for name in reported}


@pytest.mark.parametrize(
    ("query", "lesson_id"),
    [
        # none of these forms is in the lesson; its stem is
        ("georreferenciamos", "georreferenciar-qgis"),
        ("calibrées", "calibration-radiocarbone-avec-r"),
        ("sonificando", "som-dados-sonificacao-historiadores"),
    ],
)
def test_spanish_french_and_portuguese_are_stemmed_in_search(
    converted: Converted, kb: Kb, query: str, lesson_id: str
) -> None:
    words = re.findall(r"\w+", converted.doc(lesson_id).body.lower())
    assert query not in words
    result = kb(converted.root, "search", query, "--json", "--limit", "3")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output[result.output.index("{") :])
    assert found["hits"][0]["id"] == lesson_id
    assert found["hits"][0]["language"] == converted.doc(lesson_id).language


# -- the converter's rules, on small inputs -------------------------------------


def lesson(body: str, stem: str = "sample", language: str = "en", **meta: Any) -> Any:
    return convert.Lesson(
        path=Path(f"{stem}.md"),
        rel=f"{language}/lessons/{stem}.md",
        edition=convert.EDITIONS[language],
        stem=stem,
        retired=False,
        meta=meta,
        key_lines={},
        body=textwrap.dedent(body),
        body_line=10,
        id=stem,
    )


def test_liquid_figures_alerts_raw_and_unknown_tags() -> None:
    report = convert.Report(echo=False)
    source = lesson(
        """\
        {% include toc.html %}

        Text before.
        {% include figure.html filename="a.png" caption="Click \\"Save\\" in *File*" %}
        {% raw %}{{ page.title }} {% if x %}{% endraw %}
        - item
            {% include alert.html text='Mind the
          gap' %}
        {% comment %}x{% endcomment %} and {{ site.baseurl }}/en/about
        """
    )
    out = convert.expand_liquid(source, report)
    assert "toc.html" not in out
    assert (
        '\n![Click "Save" in File](../figure-not-included.svg '
        '"Image not included in this example: a.png")\n\nClick "Save" in *File*\n' in out
    )
    assert "{{ page.title }} {% if x %}" in out
    # the alert keeps the list item's indentation; its own line breaks stay inside it
    assert "\n    !!! note\n        Mind the\n          gap\n" in out
    assert "x and /en/about" in out
    assert report.warnings == [
        "WARNING: en/lessons/sample.md:18: Liquid tag '{% comment %}' removed",
        "WARNING: en/lessons/sample.md:18: Liquid tag '{% endcomment %}' removed",
    ]


def test_kramdowns_table_of_contents_marker_is_removed() -> None:
    body = "## Contents\n{:.no_toc}\n\n* TOC\n{:toc}\n\n# Summary\n\n```\n* TOC\n{:toc}\n```\n"
    assert convert.remove_kramdown_toc(body) == "\n# Summary\n\n```\n* TOC\n{:toc}\n```\n"


def test_an_unclosed_raw_block_keeps_the_rest_and_warns() -> None:
    report = convert.Report(echo=False)
    out = convert.expand_liquid(lesson("a\n{% raw %}\n{{ x }}\n"), report)
    assert out == "a\n\n{{ x }}\n"
    assert report.warnings == [
        "WARNING: en/lessons/sample.md:11: '{% raw %}' is never closed; the rest of the lesson "
        "is kept as written"
    ]


def test_links_are_mapped_to_lessons_or_to_the_journal() -> None:
    target = lesson("", stem="intro-to-bash")
    other = lesson("", stem="introduccion-a-bash", language="es")
    links = convert.LinkMap.build([target, other])
    here = lesson("", stem="here")
    assert convert.map_target("/en/lessons/intro-to-bash#x", here, links) == (
        "../en/intro-to-bash.md#x",
        "lesson",
    )
    assert convert.map_target("/lessons/intro-to-bash.html", here, links)[0] == (
        "../en/intro-to-bash.md"
    )
    # relative links start from the lesson's own address on the journal's site
    assert convert.map_target("intro-to-bash", here, links)[0] == "../en/intro-to-bash.md"
    assert convert.map_target("../../es/lecciones/introduccion-a-bash", here, links)[0] == (
        "../es/introduccion-a-bash.md"
    )
    assert convert.map_target("not-a-lesson", other, links)[0] == (
        "https://programminghistorian.org/es/lecciones/not-a-lesson"
    )
    assert convert.map_target(
        "https://programminghistorian.org/es/lecciones/introduccion-a-bash", here, links
    ) == ("../es/introduccion-a-bash.md", "lesson")
    assert convert.map_target("/assets/x.zip", here, links) == (
        "https://programminghistorian.org/assets/x.zip",
        "site",
    )
    assert convert.map_target("https://example.org/a", here, links)[1] == "external"


def test_links_inside_code_are_left_alone_and_images_replaced() -> None:
    links = convert.LinkMap.build([lesson("", stem="intro-to-bash")])
    body = (
        "See [the `bash` lesson](/lessons/intro-to-bash) and ![a map](/images/x/map.png).\n"
        "```\n[code](/lessons/intro-to-bash)\n```\n"
        '<img src="/images/y.png"\n  alt="A [chart]">\n'
    )
    counts: Any = convert.Counter()
    out = convert.rewrite_links(body, lesson(body), links, counts)
    assert "[the `bash` lesson](../en/intro-to-bash.md)" in out
    assert (
        '![a map](../figure-not-included.svg "Image not included in this example: '
        '/images/x/map.png")' in out
    )
    assert "```\n[code](/lessons/intro-to-bash)\n```" in out
    assert (
        '<img src="../figure-not-included.svg" alt="A (chart)" '
        'title="Image not included in this example: /images/y.png">' in out
    )


def test_summaries_are_cut_at_a_word_with_an_ellipsis() -> None:
    text = convert.plain_text("A **bold** [link](http://x) and `code` " + "word " * 80)
    assert text.startswith("A bold link and code word")
    short = convert.shorten(text)
    assert len(short) <= 300 and short.endswith("word…")
    assert convert.shorten("short") == "short"


def test_a_missing_corpus_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    assert convert.main(["--corpus", str(missing), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {missing}: no such folder")


def test_a_lessons_folder_the_script_did_not_write_is_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    for language in ("en", "es", "fr", "pt"):
        (corpus / language).mkdir(parents=True)
    mine = tmp_path / "project" / "content" / "lessons" / "mine.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("my own lesson", encoding="utf-8")
    assert convert.main(["--corpus", str(corpus), "--out", str(tmp_path / "project")]) == 2
    assert "was not written by this script" in capsys.readouterr().err
    assert mine.read_text(encoding="utf-8") == "my own lesson"


# -- kb behaviour the corpus exposed -------------------------------------------


def test_setext_and_code_span_headings_are_link_targets(make_project: Any, kb: Kb) -> None:
    body = (
        "See [retrieval](#recursive-retrieval) and [csv](#output-a-csv-csv).\n\n"
        "Recursive Retrieval\n-------------------\n\n"
        "### Output a CSV: `@csv`\n\n"
        "two lines\nof a paragraph\n---\n\n[no](#of-a-paragraph)\n"
    )
    project = make_project({"content/lessons/a.md": document_text(body)})
    result = kb(project, "check")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "content/lessons/a.md:20: link: '#of-a-paragraph' matches no heading in this document"
    )


def test_a_line_of_inline_code_in_triple_backticks_opens_no_fence(
    make_project: Any, kb: Kb
) -> None:
    body = "```python get-pip.py```\n\n[broken](#nowhere)\n"
    project = make_project({"content/lessons/a.md": document_text(body)})
    result = kb(project, "check")
    assert "content/lessons/a.md:11: link: '#nowhere' matches no heading" in result.output


def test_escaped_tags_and_notes_in_comments_are_not_flagged(make_project: Any, kb: Kb) -> None:
    body = "An \\<iframe\\> tag is how sites embed players.\n\n<!-- TODO: check this -->\n"
    project = make_project({"content/lessons/a.md": document_text(body)})
    result = kb(project, "check")
    assert result.exit_code == 0, result.output


def document_text(body: str) -> str:
    return (
        "---\ntitle: A\ntype: lesson\nsummary: S.\nthemes: [sanitation]\nlevels: [local]\n"
        "date: 2026-01-15\n---\n" + body
    )

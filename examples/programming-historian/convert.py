"""Convert the Programming Historian lessons into the documents of this kb example.

Run from anywhere:

    python examples/programming-historian/convert.py [--corpus PATH] [--out DIR]

``--corpus`` is the folder with ``en/``, ``es/``, ``fr/`` and ``pt/`` (by
default ``<repo>/../shared/corpora/programming-historian``); ``--out`` is the
kb project to write into (by default this example's folder). The lessons are
written to ``DIR/content/lessons/<language>/<id>.md``, a folder that is
rebuilt on every run and never committed: the corpus text stays in the corpus.

What the conversion does, and why, is in this folder's README.md. In short:
front matter is mapped onto kb's contract (difficulty -> levels, topics ->
themes, activity -> a facet, original -> translation_of), Jekyll's Liquid
tags are rewritten into Markdown (figures, alerts) or removed with a warning,
links between lessons become links between the converted documents, images
(which the corpus does not include) become a captioned placeholder, and every
lesson ends with the attribution its CC BY 4.0 licence requires.

Warnings go to standard error as ``WARNING: <corpus file>:<line>: message``;
the exit status is 0 when the conversion ran (warnings included), 2 when it
could not (no corpus, an output folder that is not ours).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import difflib
import os
import posixpath
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from kb.citations import definitions, references
from kb.htmlcheck import scannable, start_tags
from kb.links import heading_slugs
from kb.sanitize import CONTENT_TAGS, TAGS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "programming-historian"
SITE = "https://programminghistorian.org"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
SUMMARY_MAX = 300
#: Written into the lessons folder so that a later run knows the folder is its own.
MARKER = ".converted-by-programming-historian-example"
#: The placeholder shown where a lesson had an image (images are not in the corpus).
PLACEHOLDER = "figure-not-included.svg"
#: Files copied into ``--out`` when it is not this folder and lacks them.
PROJECT_FILES = ("mkdocs.yml", "content/taxonomy.yml", "content/packs.yml")


@dataclass(frozen=True)
class Edition:
    """One language edition of the journal: where its lessons are and how it is named."""

    language: str
    folder: str
    retired: str
    name: str
    translator_label: str
    attribution: str
    translated_by: str
    licence_sentence: str
    changes: str


EDITIONS: dict[str, Edition] = {
    "en": Edition(
        "en",
        "lessons",
        "retired",
        "Programming Historian",
        "translator",
        "Attribution",
        "translated by",
        "Licensed under",
        "Converted for this example site from the lesson's Markdown source: Jekyll's "
        "Liquid tags rewritten, figures and images replaced by captioned placeholders (the "
        "images are not included), embedded players replaced by links, links between lessons "
        "pointed to this site, links to sections matched to the new heading ids (or removed "
        "where the section does not exist) and this note added; the text is otherwise "
        "unchanged.",
    ),
    "es": Edition(
        "es",
        "lecciones",
        "retirada",
        "Programming Historian en español",
        "traducción",
        "Atribución",
        "traducido por",
        "Publicado bajo la licencia",
        "Convertido para este sitio de ejemplo a partir del Markdown de la lección: "
        "etiquetas Liquid de Jekyll reescritas, figuras e imágenes sustituidas por marcadores "
        "con su leyenda (las imágenes no se incluyen), reproductores incrustados sustituidos "
        "por enlaces, enlaces entre lecciones dirigidos a este sitio, enlaces a secciones "
        "ajustados a los nuevos identificadores (o suprimidos si la sección no existe) y esta "
        "nota añadida; el texto no ha sido modificado en lo demás.",
    ),
    "fr": Edition(
        "fr",
        "lecons",
        "retrait",
        "Programming Historian en français",
        "traduction",
        "Attribution",
        "traduit par",
        "Publié sous la licence",
        "Converti pour ce site d'exemple à partir du Markdown de la leçon : balises Liquid "
        "de Jekyll réécrites, figures et images remplacées par un emplacement avec leur "
        "légende (les images ne sont pas incluses), lecteurs intégrés remplacés par des liens, "
        "liens entre leçons dirigés vers ce site, liens vers des sections ajustés aux nouveaux "
        "identifiants (ou supprimés si la section n'existe pas) et cette note ajoutée ; le "
        "texte n'est pas modifié par ailleurs.",
    ),
    "pt": Edition(
        "pt",
        "licoes",
        "retirado",
        "Programming Historian em português",
        "tradução",
        "Atribuição",
        "traduzido por",
        "Publicado sob a licença",
        "Convertido para este site de exemplo a partir do Markdown da lição: etiquetas "
        "Liquid do Jekyll reescritas, figuras e imagens substituídas por marcadores com a "
        "legenda (as imagens não estão incluídas), leitores incorporados substituídos por "
        "ligações, ligações entre lições dirigidas a este site, ligações a secções ajustadas "
        "aos novos identificadores (ou suprimidas se a secção não existir) e esta nota "
        "acrescentada; o texto não foi alterado de outra forma.",
    ),
}
LEVELS = {1: "beginner", 2: "intermediate", 3: "advanced"}
#: Opens the attribution block: Markdown inside (md_in_html), not indexed by Pagefind.
ATTRIBUTION_OPEN = '<div class="ph-attribution" data-pagefind-ignore="all" markdown>'


# -- reporting ---------------------------------------------------------------


class ConversionError(Exception):
    """The conversion cannot run: no corpus, or an output folder that is not ours."""


@dataclass
class Report:
    """Warnings with the corpus file and line they come from, printed as they happen."""

    echo: bool = True
    warnings: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)

    def warn(self, rel: str, line: int, message: str, kind: str = "other") -> None:
        text = f"WARNING: {rel}:{line}: {message}"
        self.warnings.append(text)
        self.kinds[kind] += 1
        if self.echo:
            print(text, file=sys.stderr)


# -- reading the corpus ------------------------------------------------------


#: libyaml when PyYAML was built with it: several times faster, same values and marks.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _TolerantLoader(_BaseLoader):  # type: ignore[misc]
    """PyYAML's safe loader, noting duplicate keys (the last value is kept, as PyYAML does)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int, int]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                self.duplicates.append((str(key), seen[key], line))
            seen[key] = line
        mapping: dict[Any, Any] = super().construct_mapping(node, deep)
        return mapping


_TolerantLoader.add_constructor(
    "tag:yaml.org,2002:map",
    _TolerantLoader.construct_mapping,
)


@dataclass
class Lesson:
    """One corpus file: where it is, its front matter and its body."""

    path: Path
    rel: str
    edition: Edition
    stem: str
    retired: bool
    meta: dict[str, Any]
    key_lines: dict[str, int]
    body: str
    body_line: int
    id: str = ""
    translation_of: str | None = None

    @property
    def page_path(self) -> str:
        """The lesson's path on programminghistorian.org, which relative links start from."""
        folder = f"/{self.edition.language}/{self.edition.folder}"
        if self.retired:
            folder += f"/{self.edition.retired}"
        return f"{folder}/{self.stem}"

    def line(self, key: str) -> int:
        return self.key_lines.get(key, 1)


def lesson_files(corpus: Path) -> Iterator[tuple[Edition, Path, bool]]:
    """Every lesson file of every edition, retired ones included, in a stable order."""
    for edition in EDITIONS.values():
        folder = corpus / edition.language / edition.folder
        for path in sorted(folder.glob("*.md")):
            if path.name != "README.md":
                yield edition, path, False
        for path in sorted((folder / edition.retired).glob("*.md")):
            if path.name != "README.md":
                yield edition, path, True


def read_lesson(
    corpus: Path, edition: Edition, path: Path, retired: bool, report: Report
) -> Lesson | None:
    """Split a file into front matter and body; ``None`` (reported) when it cannot be read."""
    rel = path.relative_to(corpus).as_posix()
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    opening = re.match(r"---[ \t]*\n", text)
    if opening is None:
        report.warn(rel, 1, "no front matter; skipped", "skipped")
        return None
    start = opening.end()
    closing = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[start:], re.MULTILINE)
    if closing is None:
        report.warn(rel, 1, "the front matter is never closed; skipped", "skipped")
        return None
    front = text[start : start + closing.start()]
    after = text.find("\n", start + closing.start())
    body = "" if after < 0 else text[after + 1 :]
    body_line = front.count("\n") + 3
    loader = _TolerantLoader(front)
    try:
        meta = loader.get_single_data() or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 2
        report.warn(rel, line, f"the front matter is not valid YAML ({exc}); skipped", "skipped")
        return None
    finally:
        loader.dispose()
    if not isinstance(meta, dict):
        report.warn(rel, 2, "the front matter is not a set of fields; skipped", "skipped")
        return None
    for key, first, last in loader.duplicates:
        report.warn(
            rel,
            last + 1,
            f"'{key}' is given twice (lines {first + 1} and {last + 1}); "
            "the last value is used, as Jekyll does",
            "duplicate-key",
        )
    key_lines = _key_lines(front)
    return Lesson(
        path=path,
        rel=rel,
        edition=edition,
        stem=path.stem,
        retired=retired,
        meta=meta,
        key_lines=key_lines,
        body=body,
        body_line=body_line,
    )


def _key_lines(front: str) -> dict[str, int]:
    """The file line of each top-level key (the last one, when a key is repeated)."""
    lines: dict[str, int] = {}
    for number, line in enumerate(front.split("\n"), start=2):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match:
            lines[match.group(1)] = number
    return lines


# -- front matter ------------------------------------------------------------


def slug(text: str) -> str:
    """A document id: lowercase letters, digits and single hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def names(value: Any) -> list[str]:
    """A list of names from a list, a single string or nothing."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value)]


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


MARKUP_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
MARKUP_EMPHASIS = re.compile(r"(\*\*|__|\*|(?<!\w)_)(?=\S)(.+?)(?<=\S)\1")


def plain_text(markdown: str) -> str:
    """Markdown to plain text for a summary: links, emphasis, code and HTML unwrapped."""
    text = MARKUP_LINK.sub(r"\1", markdown)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = MARKUP_EMPHASIS.sub(r"\2", text)
    text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", "", text)
    return " ".join(text.split())


def shorten(text: str, limit: int = SUMMARY_MAX) -> str:
    """Cut at a word boundary with an ellipsis, so the result has at most ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "\u2026"


def first_paragraph(body: str) -> str:
    """The first paragraph of prose, skipping headings, Liquid and code."""
    for block in re.split(r"\n\s*\n", body):
        stripped = block.strip()
        if not stripped or stripped.startswith(("#", "{%", "```", "<", "|", "!")):
            continue
        return plain_text(stripped)
    return ""


# -- Liquid ------------------------------------------------------------------

LIQUID = re.compile(
    r"\{%-?\s*raw\s*-?%\}"  # the start of a raw block
    r"|\{%-?(?P<tag>(?:(?!%\}).){0,6000}?)-?%\}"  # a tag, possibly over several lines
    r"|\{\{-?(?P<var>(?:(?!\}\}).){0,500}?)-?\}\}",  # an output expression
    re.DOTALL,
)
ENDRAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")
INCLUDE_PARAM = re.compile(
    r"([\w-]+)\s*=\s*(?:\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'|([\w.-]+))", re.DOTALL
)
#: Output expressions that are the site's root: dropping them leaves a root-relative path.
SITE_ROOT_VARIABLES = {"site.baseurl", "root_url", "site.url"}


class LineIndex:
    """Offsets in a text to file lines."""

    def __init__(self, text: str, first_line: int) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.first_line = first_line

    def line(self, offset: int) -> int:
        return self.first_line + bisect.bisect_right(self.starts, offset) - 1


def include_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for match in INCLUDE_PARAM.finditer(text):
        value = next(g for g in match.groups()[1:] if g is not None)
        params[match.group(1)] = re.sub(r"\\(.)", r"\1", value)
    return params


def one_line(text: str) -> str:
    return " ".join(text.split())


def safe_alt(text: str) -> str:
    """Alt text that cannot close the Markdown image early."""
    return one_line(plain_text(text)).replace("[", "(").replace("]", ")")


def figure_markdown(params: dict[str, str], inline: bool) -> list[str]:
    """A figure as Markdown: the placeholder image, then the caption as its own line."""
    caption = one_line(params.get("caption", ""))
    alt = safe_alt(params.get("alt", "")) or safe_alt(caption) or "Figure"
    image = placeholder_image(alt, params.get("filename", "").strip())
    if inline or not caption:
        return [image]
    # Wrapping the caption in *...* would break on emphasis inside it, so only
    # captions without emphasis markers are set in italics.
    caption_line = caption if re.search(r"[*_]", caption) else f"*{caption}*"
    return [image, "", caption_line]


def alert_markdown(params: dict[str, str]) -> list[str]:
    """An alert box as an admonition; its text keeps its Markdown."""
    text = params.get("text", "").strip()
    return ["!!! note", *("    " + line if line.strip() else "" for line in text.split("\n"))]


#: kramdown's generated table of contents: an optional heading marked ``{:.no_toc}``,
#: then a one-item list marked ``{:toc}``. The site makes its own contents.
KRAMDOWN_TOC = re.compile(
    r"^(?:#{1,6}[ \t][^\n]*\n\{:\s*\.no_toc\s*\}[ \t]*\n\s*\n)?"
    r"[*-][ \t][^\n]*\n\{:\s*toc\s*\}[ \t]*$\n?",
    re.MULTILINE,
)


#: The first heading of a body, after blank lines: ``#`` or ``##`` and its text.
OPENING_HEADING = re.compile(r"\A(?:[ \t]*\n)*(#{1,2})[ \t]+([^\n]*?)[ \t#]*(?:\n|\Z)")
#: How alike (0 to 1, letters and digits compared) an opening heading and the title
#: must be for the heading to count as the title again; the closest heading that is
#: a real section ("Introducción" under "Introducción a Map Warper") is at 0.6.
TITLE_LIKENESS = 0.9
#: The count in ``Outcome.links`` of the opening headings removed that way.
TITLE_HEADING = "title heading removed"


def remove_title_heading(body: str, title: str) -> tuple[str, bool]:
    """The body without an opening heading that repeats the title, and whether there was one.

    The page and the PDF show the title already. Many lessons open with it
    again, often not quite the same ("Introducción a línea de comandos en
    Bash" under "Introducción a la línea de comandos en Bash", with emphasis,
    or as ``##``), which kb's own check for an identical first heading misses.
    """
    match = OPENING_HEADING.match(body)
    if match is None:
        return body, False
    heading, wanted = fold(plain_text(match.group(2))), fold(title)
    if difflib.SequenceMatcher(None, heading, wanted).ratio() < TITLE_LIKENESS:
        return body, False
    return body[match.end() :], True


def remove_kramdown_toc(text: str) -> str:
    """Drop kramdown's table-of-contents marker, outside code."""
    if "{:" not in text:
        return text
    return map_prose(text, lambda chunk: KRAMDOWN_TOC.sub("", chunk))


def expand_liquid(lesson: Lesson, report: Report) -> str:
    """Rewrite Jekyll's Liquid as Jekyll would have rendered it, in Markdown.

    Jekyll renders Liquid everywhere, code blocks included, except between
    ``{% raw %}`` and ``{% endraw %}``: the same rule is kept here.
    """
    body = lesson.body
    index = LineIndex(body, lesson.body_line)
    out: list[str] = []
    position = 0
    for match in _liquid_matches(body):
        start, end = match.start(), match.end()
        if start < position:
            continue  # inside a raw block already copied
        text = match.group(0)
        if re.match(r"\{%-?\s*raw\b", text):
            closing = ENDRAW.search(body, end)
            out.append(body[position:start])
            if closing is None:
                report.warn(
                    lesson.rel,
                    index.line(start),
                    "'{% raw %}' is never closed; the rest of the lesson is kept as written",
                    "liquid",
                )
                out.append(body[end:])
                position = len(body)
                break
            out.append(body[end : closing.start()])
            position = closing.end()
            continue
        replacement = _replacement(match, lesson, index, report)
        line_start = body.rfind("\n", 0, start) + 1
        line_end = body.find("\n", end)
        line_end = len(body) if line_end < 0 else line_end
        alone = not body[line_start:start].strip() and not body[end:line_end].strip()
        if replacement is None:
            out.append(body[position:start])
            position = end
            continue
        kind, lines = replacement
        if kind == "block" and alone:
            indent = body[line_start:start]
            out.append(body[position:line_start])
            out.append("\n" + "\n".join(indent + line if line else "" for line in lines) + "\n")
            position = line_end
        else:
            out.append(body[position:start])
            out.append(" ".join(line for line in lines if line))
            position = end
    out.append(body[position:])
    return "".join(out)


def _liquid_matches(body: str) -> Iterator[re.Match[str]]:
    position = 0
    while True:
        match = LIQUID.search(body, position)
        if match is None:
            return
        yield match
        if re.match(r"\{%-?\s*raw\b", match.group(0)):
            closing = ENDRAW.search(body, match.end())
            position = closing.end() if closing else len(body)
        else:
            position = match.end()


def _replacement(
    match: re.Match[str], lesson: Lesson, index: LineIndex, report: Report
) -> tuple[str, list[str]] | None:
    """What a tag or expression becomes: ``(block|inline, lines)`` or ``None`` (removed)."""
    line = index.line(match.start())
    if match.group("var") is not None:
        expression = match.group("var").strip()
        if expression.replace(" ", "") in SITE_ROOT_VARIABLES:
            return None  # what follows is a path from the site's root; links handle it
        report.warn(lesson.rel, line, f"Liquid output '{{{{ {expression} }}}}' removed", "liquid")
        return None
    tag = match.group("tag").strip()
    name, _, rest = tag.partition(" ")
    if name == "include":
        included, _, params_text = rest.strip().partition(" ")
        params = include_params(params_text)
        if included == "toc.html":
            return None
        if included == "figure.html":
            if "filename" not in params:
                report.warn(lesson.rel, line, "a figure without 'filename'", "liquid")
            return ("block", figure_markdown(params, inline=False))
        if included == "alert.html":
            return ("block", alert_markdown(params))
    shown = one_line(tag)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    report.warn(lesson.rel, line, f"Liquid tag '{{% {shown} %}}' removed", "liquid")
    return None


# -- links -------------------------------------------------------------------

#: A backtick fence's info string has no backtick: "```python x.py```" is a code span.
FENCE = re.compile(r"^\s*(`{3,}(?=[^`]*$)|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
INLINE_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\]]*\])*)\]"
    r"\(\s*(?P<target><[^>]*>|[^\s()]*(?:\([^\s()]*\))?)(?P<title>\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
REFERENCE_DEF = re.compile(r"^(?P<lead> {0,3}\[[^\]]+\]:[ \t]*)(?P<target><[^>\n]*>|\S+)", re.M)
HTML_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
HTML_HREF = re.compile(r"(?P<lead><a\b[^>]*?\bhref\s*=\s*)([\"'])(?P<target>[^\"']*)\2", re.I)
HTML_NAME = re.compile(r"(<a\b[^>]*?\b)name(\s*=\s*([\"'])[^\"']+\3)", re.IGNORECASE)
HTML_ALT = re.compile(r"\balt\s*=\s*([\"'])([^\"']*)\1", re.IGNORECASE)
HTML_SRC = re.compile(r"\bsrc\s*=\s*([\"'])([^\"']*)\1", re.IGNORECASE)
IFRAME = re.compile(
    r"<iframe\b[^>]*?\bsrc\s*=\s*([\"'])(?P<src>[^\"']*)\1[^>]*>(?:\s*</iframe>)?", re.IGNORECASE
)
#: Addresses upstream that a browser cannot open as written, and what they meant.
MISTYPED_SCHEMES = (("hhttps://", "https://"), ("ttp://", "http://"), ("doi:", "https://doi.org/"))
#: A misspelt href ("haref"), which kb would remove.
HTML_HAREF = re.compile(r"(<a\b[^>]*?\b)haref(\s*=)", re.IGNORECASE)
PH_HOSTS = {"programminghistorian.org", "www.programminghistorian.org"}


@dataclass
class LinkMap:
    """Paths on programminghistorian.org that are lessons converted here, and their ids."""

    paths: dict[str, Lesson]

    @classmethod
    def build(cls, lessons: list[Lesson]) -> LinkMap:
        paths: dict[str, Lesson] = {}
        for lesson in lessons:
            edition = lesson.edition
            candidates = [lesson.page_path, f"/{edition.language}/{edition.folder}/{lesson.stem}"]
            if edition.language == "en":
                candidates.append(f"/lessons/{lesson.stem}")  # the URLs before editions
            for key in ("redirect_from", "redirect-from"):
                candidates.extend(names(lesson.meta.get(key)))
            for candidate in candidates:
                paths.setdefault(_normal_path(candidate), lesson)
        return cls(paths)

    def find(self, path: str) -> Lesson | None:
        return self.paths.get(_normal_path(path))


def _normal_path(path: str) -> str:
    path = "/" + path.strip().strip("/")
    path = re.sub(r"(/index)?\.html?$", "", path)
    return path.lower()


def map_target(target: str, lesson: Lesson, links: LinkMap) -> tuple[str, str]:
    """Where a link written in ``lesson`` should point now, and what kind of link it is.

    Kinds: ``anchor``, ``external``, ``lesson`` (a converted lesson, now a
    relative link), ``site`` (elsewhere on programminghistorian.org, now an
    absolute address). Retired lessons are drafts here, left out of the site,
    so links to them go to programminghistorian.org.
    """
    stripped = target.strip()
    if not stripped or stripped.startswith("#"):
        return stripped, "anchor"
    for typo, meant in MISTYPED_SCHEMES:
        if stripped.lower().startswith(typo):
            stripped = meant + stripped[len(typo) :]
    try:
        parts = urlsplit(stripped)
    except ValueError:
        return stripped, "external"
    if parts.scheme or stripped.startswith("//"):
        host = parts.netloc.lower()
        if parts.scheme.lower() not in ("http", "https", "") or host not in PH_HOSTS:
            return stripped, "external"
        path = parts.path or "/"
    elif stripped.startswith("/"):
        path = parts.path
    else:
        base = posixpath.dirname(lesson.page_path)
        path = posixpath.normpath(posixpath.join(base, parts.path))
    found = links.find(path)
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    if found is not None and found.id and not found.retired:
        return f"../{found.edition.language}/{found.id}.md{fragment}", "lesson"
    query = f"?{parts.query}" if parts.query else ""
    return f"{SITE}{path}{query}{fragment}", "site"


def prose_chunks(body: str) -> Iterator[tuple[bool, str]]:
    """The body as runs of lines, each either prose or fenced code (fence lines included)."""
    fence = ""
    run: list[str] = []
    prose = True
    for line in body.split("\n"):
        match = FENCE.match(line)
        in_code = bool(fence) or bool(match)
        if fence and match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
            fence = ""
        elif not fence and match:
            fence = match.group(1)
        if in_code == prose and run:
            yield prose, "\n".join(run)
            run = []
        prose = not in_code
        run.append(line)
    yield prose, "\n".join(run)


def map_prose(body: str, rewrite: Callable[[str], str]) -> str:
    """Apply ``rewrite`` to every run of prose, leaving fenced code exactly as it is."""
    return "\n".join(rewrite(chunk) if prose else chunk for prose, chunk in prose_chunks(body))


def unmatched_footnotes(body: str, lesson: Lesson, report: Report) -> str:
    """A footnote reference with no note upstream, kept as the text it shows there."""
    notes = definitions(body, 1)
    lines = body.split("\n")
    for citation in references(body, 1):
        if citation.label in notes:
            continue
        report.warn(
            lesson.rel,
            lesson.body_line + citation.line - 1,
            f"the footnote '[^{citation.label}]' has no note; it shows as text "
            "(as it does upstream)",
            "footnote",
        )
        index = citation.line - 1
        lines[index] = lines[index].replace(f"[^{citation.label}]", f"\\[^{citation.label}]")
    return "\n".join(lines)


def unclosed_fence(body: str) -> int | None:
    """The line (from 0) of a code fence that is never closed, if any."""
    fence, opened = "", 0
    for number, line in enumerate(body.split("\n")):
        match = FENCE.match(line)
        if not match:
            continue
        if not fence:
            fence, opened = match.group(1), number
        elif match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
            fence = ""
    return opened if fence else None


Replacer = Callable[["re.Match[str]", str], "str | None"]


def substitute(pattern: re.Pattern[str], text: str, replace: Replacer) -> str:
    """``pattern.sub`` that does not look inside code spans.

    The pattern runs on a copy with code spans blanked out, so that a link
    whose text holds a code span is still found; ``replace`` gets the match
    and the original text (slice it with the match's positions) and returns
    the new text, or ``None`` to keep it.
    """
    masked = CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text) if "`" in text else text
    pieces: list[str] = []
    position = 0
    for match in pattern.finditer(masked):
        new = replace(match, text)
        if new is None:
            continue
        pieces.append(text[position : match.start()])
        pieces.append(new)
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces)


def _group(match: re.Match[str], text: str, name: str | int) -> str:
    start, end = match.span(name)
    return "" if start < 0 else text[start:end]


def placeholder_image(alt: str, original: str) -> str:
    title = f"Image not included in this example: {original}".replace('"', "'")
    return f'![{alt or "Image"}](../{PLACEHOLDER} "{title}")'


def tags_as_text(body: str, counts: Counter[str]) -> str:
    """Tags no browser knows (``<teiHeader>`` in a heading) shown as text; styles dropped.

    Upstream, kramdown passes them to the browser, which hides them; kb would
    remove them when publishing and ``kb check`` reports that, so the words the
    author meant to show are written as text (the same rule kb's allowlist uses).
    """
    text = scannable(body, 1)
    if "<" not in text:
        return body
    line_starts = [0] + [i + 1 for i, c in enumerate(body) if c == "\n"]
    scanned_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    edits: list[tuple[int, int, str]] = []
    for tag in start_tags(text):
        if tag.name in TAGS or tag.name in "!?":
            continue
        number = bisect.bisect_right(scanned_starts, tag.offset) - 1
        offset = line_starts[number] + tag.offset - scanned_starts[number]
        if tag.name in CONTENT_TAGS:
            close = body.lower().find(f"</{tag.name}>", offset)
            end = len(body) if close < 0 else close + len(tag.name) + 3
            edits.append((offset, end, ""))
            counts["style removed"] += 1
        else:
            edits.append((offset, offset + 1, "&lt;"))
            counts["tag shown as text"] += 1
    for start, end, new in reversed(edits):
        body = body[:start] + new + body[end:]
    return body


def rewrite_links(text: str, lesson: Lesson, links: LinkMap, counts: Counter[str]) -> str:
    """Links between lessons made relative, other site links absolute, images replaced."""

    def target(old: str) -> str:
        new, kind = map_target(old, lesson, links)
        counts[kind] += 1
        return new

    def inline(match: re.Match[str], text: str) -> str | None:
        old = _group(match, text, "target").strip("<>")
        if match.group("bang"):
            if old == f"../{PLACEHOLDER}":
                return None
            counts["image"] += 1
            return placeholder_image(safe_alt(_group(match, text, "text")), old)
        new = target(old)
        link_text = _group(match, text, "text")
        # A linked image ("[![DOI](badge.svg)](record)") is an image too.
        new_text = substitute(INLINE_LINK, link_text, inline) if "![" in link_text else link_text
        if new == old and new_text == link_text:
            return None
        return f"[{new_text}]({new}{_group(match, text, 'title')})"

    def definition(match: re.Match[str], text: str) -> str | None:
        return _group(match, text, "lead") + target(_group(match, text, "target").strip("<>"))

    def html_img(match: re.Match[str], text: str) -> str | None:
        tag = _group(match, text, 0)
        src = HTML_SRC.search(tag)
        if src is None or src.group(2) == f"../{PLACEHOLDER}":
            return None
        counts["image"] += 1
        alt_match = HTML_ALT.search(tag)
        alt = (safe_alt(alt_match.group(2)) if alt_match else "") or "Image"
        title = f"Image not included in this example: {src.group(2)}".replace('"', "'")
        return f'<img src="../{PLACEHOLDER}" alt="{alt}" title="{title}">'

    def html_href(match: re.Match[str], text: str) -> str | None:
        quote = match.group(2)
        new = target(_group(match, text, "target"))
        return f"{_group(match, text, 'lead')}{quote}{new}{quote}"

    def iframe(match: re.Match[str], text: str) -> str | None:
        # An embedded player loads another site in the reader's browser: a link does not.
        counts["iframe"] += 1
        address = target(_group(match, text, "src"))
        return f"[Embedded content: {address}]({address})"

    def rewrite(chunk: str) -> str:
        if "[" in chunk:
            chunk = substitute(REFERENCE_DEF, chunk, definition)
            chunk = substitute(INLINE_LINK, chunk, inline)
        if "<" in chunk:
            chunk = substitute(
                HTML_HAREF, chunk, lambda m, t: f"{_group(m, t, 1)}href{_group(m, t, 2)}"
            )
            chunk = substitute(IFRAME, chunk, iframe)
            chunk = substitute(HTML_IMG, chunk, html_img)
            chunk = substitute(HTML_HREF, chunk, html_href)
            # <a name="x"> is an old way of writing <a id="x">, the one kb and HTML5 know.
            chunk = substitute(
                HTML_NAME, chunk, lambda m, t: f"{_group(m, t, 1)}id{_group(m, t, 2)}"
            )
        return chunk

    return map_prose(text, rewrite)


def fold(anchor: str) -> str:
    """An anchor reduced to ASCII letters, digits and single hyphens, to compare ids."""
    text = unicodedata.normalize("NFKD", unquote(anchor)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class AnchorFixer:
    """Point ``#anchors`` at the ids that headings get here.

    Jekyll's kramdown keeps accents and case in heading ids and numbers a
    repeated one ``x-1``; Python-Markdown (which MkDocs and kb use) gives
    ``recursos-utiles`` for ``recursos-útiles`` and ``x_1``. An anchor that
    matches a heading once compared that way is rewritten. An anchor that
    matches nothing was already broken upstream: with ``repair`` its link
    keeps its text (same lesson) or loses the fragment (another lesson), and
    the script reports it; without, it stays for ``kb check`` to report.
    """

    def __init__(self, converted: list[Converted], report: Report, counts: Counter[str]) -> None:
        self.report = report
        self.counts = counts
        self.slugs = {item.rel: heading_slugs(item.body) for item in converted}
        self.folded = {
            rel: {fold(s): s for s in sorted(found, key=lambda s: (len(s), s))}
            for rel, found in self.slugs.items()
        }

    def better(self, rel: str, anchor: str) -> str | None:
        """The id this anchor meant, or ``None`` when no heading fits."""
        folded = self.folded[rel]
        found = folded.get(fold(anchor))
        numbered = re.match(r"^(.*)-(\d+)$", anchor)
        if found is None and numbered:
            base = folded.get(fold(numbered.group(1)))
            if base and f"{base}_{numbered.group(2)}" in self.slugs[rel]:
                found = f"{base}_{numbered.group(2)}"
        return found

    def resolve(self, item: Converted, old: str) -> tuple[str, bool]:
        """The target to write, and whether its anchor matches nothing at all."""
        path, hash_, anchor = old.partition("#")
        if not hash_ or not anchor:
            return old, False
        if path == "":
            rel = item.rel
        elif path.startswith("../") and path.endswith(".md"):
            rel = path[3:]
        else:
            return old, False
        if rel not in self.slugs or unquote(anchor) in self.slugs[rel]:
            return old, False
        found = self.better(rel, anchor)
        if found is None:
            return old, True
        self.counts["anchor rewritten"] += 1
        return f"{path}#{found}", False

    def fix(self, item: Converted, repair: bool) -> None:
        broken: list[str] = []

        def inline(match: re.Match[str], text: str) -> str | None:
            if match.group("bang"):
                return None
            old = _group(match, text, "target")
            new, missing = self.resolve(item, old)
            link_text = _group(match, text, "text")
            if missing:
                broken.append(old)
                if not repair:
                    return None
                self.counts["broken anchor removed"] += 1
                if new.startswith("#"):
                    return link_text
                new = new.partition("#")[0]
            if new == old:
                return None
            return f"[{link_text}]({new}{_group(match, text, 'title')})"

        def definition(match: re.Match[str], text: str) -> str | None:
            new, missing = self.resolve(item, _group(match, text, "target"))
            if missing:
                broken.append(new)
            return _group(match, text, "lead") + new

        def html_href(match: re.Match[str], text: str) -> str | None:
            quote = match.group(2)
            new, missing = self.resolve(item, _group(match, text, "target"))
            if missing:
                broken.append(new)
            return f"{_group(match, text, 'lead')}{quote}{new}{quote}"

        def rewrite(chunk: str) -> str:
            if "#" not in chunk:
                return chunk
            if "[" in chunk:
                chunk = substitute(REFERENCE_DEF, chunk, definition)
                chunk = substitute(INLINE_LINK, chunk, inline)
            if "<" in chunk:
                chunk = substitute(HTML_HREF, chunk, html_href)
            return chunk

        item.body = map_prose(item.body, rewrite)
        lesson = item.lesson
        source_lines = lesson.body.split("\n")
        for target in dict.fromkeys(broken):
            anchor = target.partition("#")[2]
            what = (
                "kept for kb check to report"
                if repair is False
                else (
                    "the link is removed, its text kept"
                    if target.startswith("#")
                    else "the link now goes to the lesson's top"
                )
            )
            lines = [
                lesson.body_line + number
                for number, line in enumerate(source_lines)
                if f"#{anchor}" in line
            ] or [1]
            for line in lines:
                self.report.warn(
                    lesson.rel,
                    line,
                    f"'#{anchor}' matches no heading (a broken link upstream too); {what}",
                    "broken-anchor",
                )


# -- one document ------------------------------------------------------------


@dataclass
class Converted:
    """A lesson ready to be written: where, its front matter and its body."""

    lesson: Lesson
    front: dict[str, Any]
    body: str

    @property
    def rel(self) -> str:
        return f"{self.lesson.edition.language}/{self.lesson.id}.md"


def required_values(lesson: Lesson, report: Report) -> tuple[str, list[str], str] | None:
    """The level, themes and activity, or ``None`` (reported) when they are missing."""
    meta = lesson.meta
    missing = [
        key for key in ("title", "date", "authors", "difficulty", "topics") if not meta.get(key)
    ]
    if meta.get("published") is False:
        report.warn(
            lesson.rel,
            lesson.line("published"),
            "not published upstream (published: false); skipped",
            "skipped",
        )
        return None
    if missing:
        report.warn(
            lesson.rel,
            1,
            f"skipped: no {', '.join(missing)} in the front matter, and no honest default for them",
            "skipped",
        )
        return None
    difficulty = meta["difficulty"]
    if difficulty not in LEVELS:
        report.warn(
            lesson.rel,
            lesson.line("difficulty"),
            f"skipped: difficulty {difficulty!r} is not 1, 2 or 3",
            "skipped",
        )
        return None
    return LEVELS[difficulty], names(meta["topics"]), str(meta.get("activity") or "").strip()


def convert_lesson(
    lesson: Lesson,
    lessons_by_id: dict[str, Lesson],
    links: LinkMap,
    vocabulary: Vocabulary,
    report: Report,
    counts: Counter[str],
) -> Converted | None:
    """The kb document for one lesson, or ``None`` when it cannot be one (reported)."""
    values = required_values(lesson, report)
    if values is None:
        return None
    level, topics, activity = values
    meta = lesson.meta
    edition = lesson.edition
    themes = [t for t in topics if t in vocabulary.themes]
    for unknown in (t for t in topics if t not in vocabulary.themes):
        report.warn(
            lesson.rel,
            lesson.line("topics"),
            f"topic '{unknown}' is not a theme of content/taxonomy.yml; left out",
            "vocabulary",
        )
    if not themes:
        report.warn(lesson.rel, lesson.line("topics"), "skipped: no known topic", "skipped")
        return None
    if activity and activity not in vocabulary.activities:
        report.warn(
            lesson.rel,
            lesson.line("activity"),
            f"activity '{activity}' is not in content/taxonomy.yml; left out",
            "vocabulary",
        )
        activity = ""
    abstract = meta.get("abstract")
    summary = plain_text(str(abstract)) if abstract else ""
    if not summary:
        summary = first_paragraph(lesson.body)
        report.warn(lesson.rel, 1, "no abstract; the summary is the first paragraph", "no-abstract")
    translators = names(meta.get("translator"))
    published = as_date(meta.get("date"))
    translated = as_date(meta.get("translation_date"))
    if published is None:
        report.warn(lesson.rel, lesson.line("date"), "skipped: the date is not a date", "skipped")
        return None
    # A translation is a publication of its own: its date is the translation's,
    # as the journal's own citations give it.
    date = translated if lesson.translation_of and translated else published
    updated = None
    for key in ("last-updated", "modified"):
        candidate = as_date(meta.get(key))
        if candidate and candidate > date:
            updated = candidate
    authors = names(meta.get("authors"))
    doi = str(meta.get("doi") or "").strip()
    title = one_line(str(meta["title"]))
    front: dict[str, Any] = {
        "title": title,
        "type": "lesson",
        "summary": shorten(summary),
        "themes": themes,
        "levels": [level],
    }
    if activity:
        front["activity"] = [activity]
    front["date"] = date
    if updated:
        front["updated"] = updated
    front["authors"] = authors + [f"{name} ({edition.translator_label})" for name in translators]
    front["language"] = edition.language
    if lesson.translation_of:
        front["translation_of"] = lesson.translation_of
    sources: list[dict[str, Any]] = []
    source: dict[str, Any] = {"title": title, "publisher": edition.name, "year": date.year}
    if doi:
        source["url"] = f"https://doi.org/{doi}"
    else:
        source["url"] = f"{SITE}{lesson.page_path}"
        report.warn(lesson.rel, 1, "no doi; the source links to the lesson's page", "no-doi")
    sources.append(source)
    original = lessons_by_id.get(lesson.translation_of or "")
    if original is not None:
        original_source: dict[str, Any] = {
            "title": one_line(str(original.meta.get("title", original.stem))),
            "publisher": original.edition.name,
        }
        original_date = as_date(original.meta.get("date"))
        if original_date:
            original_source["year"] = original_date.year
        if original.meta.get("doi"):
            original_source["url"] = f"https://doi.org/{str(original.meta['doi']).strip()}"
        else:
            original_source["url"] = f"{SITE}{original.page_path}"
        sources.append(original_source)
    front["sources"] = sources
    front["license"] = "CC-BY-4.0"
    if lesson.retired:
        front["status"] = "draft"
    reviewers = names(meta.get("reviewers")) + names(meta.get("translation-reviewer"))
    if reviewers:
        front["reviewers"] = list(dict.fromkeys(reviewers))
    ticket = names(meta.get("review-ticket"))
    if ticket and re.match(r"^https?://[^\s/]+\.\S+$", ticket[0]):
        front["review"] = ticket[0]

    opened = unclosed_fence(lesson.body)
    if opened is not None:
        report.warn(
            lesson.rel,
            lesson.body_line + opened,
            "this code fence is never closed, so the rest of the lesson shows as code "
            "(as it does upstream)",
            "unclosed-fence",
        )
    body = expand_liquid(lesson, report)
    body, repeated = remove_title_heading(body, title)
    counts[TITLE_HEADING] += repeated
    body = remove_kramdown_toc(rewrite_links(body, lesson, links, counts))
    body = unmatched_footnotes(body, lesson, report)
    for _attempt in range(5):  # "<svg <svg ...>": showing one tag can reveal another
        shown = tags_as_text(body, counts)
        if shown == body:
            break
        body = shown
    body = body.rstrip("\n") + "\n\n" + attribution(lesson, title, authors, translators, date)
    return Converted(lesson, front, body)


def attribution(
    lesson: Lesson, title: str, authors: list[str], translators: list[str], date: dt.date
) -> str:
    """The credit line CC BY 4.0 asks for, in the lesson's language.

    It is in a block that Pagefind leaves out of the site's search: the same
    words end every lesson of an edition, so a search for "lição" or
    "licence" would otherwise list every lesson.
    """
    edition = lesson.edition
    doi = str(lesson.meta.get("doi") or "").strip()
    parts = [f"{_join(authors)}, “{title}”"]
    if translators:
        parts.append(f"{edition.translated_by} {_join(translators)}")
    parts.append(f"*{edition.name}* ({date.year})")
    if doi:
        parts.append(f"<https://doi.org/{doi}>")
    credit = ", ".join(parts)
    return (
        f"{ATTRIBUTION_OPEN}\n\n---\n\n"
        f"**{edition.attribution}.** {credit}. {edition.licence_sentence} "
        f"[CC BY 4.0]({LICENSE_URL}). {edition.changes}\n\n</div>\n"
    )


def _join(people: list[str]) -> str:
    if len(people) <= 1:
        return "".join(people)
    return ", ".join(people[:-1]) + " & " + people[-1]


# -- the whole corpus --------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """The ids of this example's taxonomy that lessons are mapped onto."""

    themes: frozenset[str]
    activities: frozenset[str]

    @classmethod
    def read(cls, path: Path) -> Vocabulary:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        facets = data.get("facets") or {}
        activity = (facets.get("activity") or {}).get("values") or {}
        return cls(frozenset(data.get("themes") or {}), frozenset(activity))


def assign_ids(lessons: list[Lesson], report: Report) -> None:
    """Ids from file names; a name used in two editions gets the language as a suffix."""
    by_slug: dict[str, list[Lesson]] = {}
    for lesson in lessons:
        by_slug.setdefault(slug(lesson.stem), []).append(lesson)
    for base, group in by_slug.items():
        for lesson in group:
            lesson.id = base if len(group) == 1 else f"{base}-{lesson.edition.language}"
            if len(group) > 1:
                report.warn(
                    lesson.rel,
                    1,
                    f"the name '{base}' is used in several editions; the id is '{lesson.id}'",
                    "id",
                )


def link_translations(lessons: list[Lesson], report: Report) -> None:
    """``original:`` (a file name) to the id of the original, following chains to the root."""
    by_stem = {lesson.stem.lower(): lesson for lesson in lessons if not lesson.retired}
    for lesson in lessons:
        by_stem.setdefault(lesson.stem.lower(), lesson)
    direct: dict[str, Lesson] = {}
    for lesson in lessons:
        original = lesson.meta.get("original")
        if not original:
            continue
        found = by_stem.get(str(original).strip().lower())
        if found is None:
            report.warn(
                lesson.rel,
                lesson.line("original"),
                f"original '{original}' is not in the corpus; the translation link is left out",
                "translation",
            )
            continue
        if found is lesson:
            report.warn(lesson.rel, lesson.line("original"), "original names this lesson itself")
            continue
        direct[lesson.id] = found
    for lesson in lessons:
        root = direct.get(lesson.id)
        seen = {lesson.id}
        while root is not None and root.id in direct and root.id not in seen:
            seen.add(root.id)
            report.warn(
                lesson.rel,
                lesson.line("original"),
                f"original '{root.stem}' is itself a translation; linked to its original "
                f"'{direct[root.id].id}' instead",
                "translation",
            )
            root = direct[root.id]
        if root is not None and root.edition.language == lesson.edition.language:
            report.warn(
                lesson.rel,
                lesson.line("original"),
                f"original '{root.stem}' is in the same language; the translation link is left out",
                "translation",
            )
            root = None
        lesson.translation_of = root.id if root is not None else None


@dataclass
class Outcome:
    converted: list[Converted]
    skipped: list[str]
    report: Report
    links: Counter[str]
    seconds: float


def convert(
    corpus: Path, out: Path, report: Report | None = None, repair_anchors: bool = True
) -> Outcome:
    """Read the whole corpus, convert every lesson, then write them all at once."""
    started = time.perf_counter()
    report = report or Report()
    if not all((corpus / language).is_dir() for language in EDITIONS):
        raise ConversionError(
            f"{corpus}: not the Programming Historian corpus "
            f"(expected folders {', '.join(EDITIONS)}); give its path with --corpus"
        )
    _prepare_project(out)
    vocabulary = Vocabulary.read(out / "content" / "taxonomy.yml")
    lessons: list[Lesson] = []
    for edition, path, retired in lesson_files(corpus):
        lesson = read_lesson(corpus, edition, path, retired, report)
        if lesson is not None:
            lessons.append(lesson)
    assign_ids(lessons, report)
    link_translations(lessons, report)
    lessons_by_id = {lesson.id: lesson for lesson in lessons}
    link_map = LinkMap.build(lessons)
    converted: list[Converted] = []
    skipped: list[str] = []
    link_counts: Counter[str] = Counter()
    for lesson in lessons:
        result = convert_lesson(lesson, lessons_by_id, link_map, vocabulary, report, link_counts)
        if result is None:
            skipped.append(lesson.rel)
        else:
            converted.append(result)
    kept = {c.lesson.id for c in converted}
    for item in converted:
        if item.front.get("translation_of") not in (None, *kept):
            report.warn(
                item.lesson.rel,
                item.lesson.line("original"),
                f"the original '{item.front['translation_of']}' was skipped; "
                "the translation link is left out",
                "translation",
            )
            del item.front["translation_of"]
    fixer = AnchorFixer(converted, report, link_counts)
    for item in converted:
        fixer.fix(item, repair=repair_anchors)
    write_lessons(out / "content" / "lessons", converted)
    return Outcome(converted, skipped, report, link_counts, time.perf_counter() - started)


def _prepare_project(out: Path) -> None:
    """Give ``out`` this example's settings and vocabularies when it has none."""
    if out.resolve() == HERE:
        return
    for rel in PROJECT_FILES:
        source, target = HERE / rel, out / rel
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def front_matter_text(front: dict[str, Any]) -> str:
    return yaml.dump(front, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)


PLACEHOLDER_SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" width="480" height="96" viewBox="0 0 480 96" \
role="img" aria-label="Image not included in this example">
  <rect x="1" y="1" width="478" height="94" rx="6" fill="#f3f3f3" stroke="#9a9a9a" \
stroke-dasharray="6 4"/>
  <text x="240" y="54" text-anchor="middle" font-family="sans-serif" font-size="16" \
fill="#555">Image not included in this example</text>
</svg>
"""


def write_lessons(target: Path, converted: list[Converted]) -> None:
    """Write every document into a new folder, then swap it in for the old one."""
    if target.exists() and not (target / MARKER).exists() and any(target.iterdir()):
        raise ConversionError(
            f"{target} exists and was not written by this script; "
            "move it away or choose another --out"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".lessons-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the lessons are not
    try:
        (staging / MARKER).write_text(
            "Written by examples/programming-historian/convert.py; rebuilt on every run.\n",
            encoding="utf-8",
        )
        (staging / PLACEHOLDER).write_text(PLACEHOLDER_SVG, encoding="utf-8")
        for item in converted:
            path = staging / item.rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                "---\n" + front_matter_text(item.front) + "---\n" + item.body, encoding="utf-8"
            )
        old = target.with_name(target.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if target.exists():
            target.rename(old)
        staging.rename(target)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def summary_lines(outcome: Outcome) -> list[str]:
    """What was converted: counts by language, level, activity and status, and what was not."""
    converted = outcome.converted
    by_language = Counter(c.front["language"] for c in converted)
    by_level = Counter(c.front["levels"][0] for c in converted)
    by_status = Counter(c.front.get("status", "published") for c in converted)
    translations = sum(1 for c in converted if c.front.get("translation_of"))
    lines = [
        f"Converted {len(converted)} lessons in {outcome.seconds:.2f} s "
        f"({len(outcome.skipped)} skipped, {len(outcome.report.warnings)} warnings).",
        "  by language: " + ", ".join(f"{k} {v}" for k, v in sorted(by_language.items())),
        "  by level: " + ", ".join(f"{k} {by_level[k]}" for k in LEVELS.values()),
        "  by status: " + ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())),
        f"  translations linked to their original: {translations}",
        "  links: "
        + ", ".join(f"{k} {v}" for k, v in sorted(outcome.links.items()) if k != TITLE_HEADING),
        f"  opening headings that repeated the title, removed: {outcome.links[TITLE_HEADING]}",
    ]
    if outcome.report.kinds:
        lines.append(
            "  warnings: " + ", ".join(f"{k} {v}" for k, v in sorted(outcome.report.kinds.items()))
        )
    lines.extend(f"  skipped: {rel}" for rel in outcome.skipped)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"the corpus folder (default: {DEFAULT_CORPUS})",
    )
    parser.add_argument(
        "--out", type=Path, default=HERE, help="the kb project to write into (default: %(default)s)"
    )
    parser.add_argument("--quiet", action="store_true", help="do not print each warning")
    parser.add_argument(
        "--keep-broken-anchors",
        action="store_true",
        help="leave links to sections that do not exist for kb check to report",
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(
            f"error: {args.corpus}: no such folder; the Programming Historian corpus is "
            "expected there (give another path with --corpus)",
            file=sys.stderr,
        )
        return 2
    report = Report(echo=not args.quiet)
    try:
        outcome = convert(
            args.corpus.resolve(),
            args.out.resolve(),
            report,
            repair_anchors=not args.keep_broken_anchors,
        )
    except ConversionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(summary_lines(outcome)))
    print(f"Wrote {args.out / 'content' / 'lessons'}. Next: kb --project {args.out} check")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The site's search index (Pagefind), built beside the render instead of after it.

Pagefind normally reads the rendered HTML, so it could only start once
MkDocs has finished. kb already knows every document, so it writes each
as a small HTML page (title, filters, the body's text with the same heading
ids as the real page) and has Pagefind index those, in another process,
while MkDocs renders the site. Results, filters and sub-result anchors are
the same as if Pagefind had read the finished pages.
"""

from __future__ import annotations

import functools
import gzip
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import cbor2

from kb import i18n, urls
from kb.citations import REFERENCE as CITATION
from kb.config import Settings
from kb.errors import KbError
from kb.lifeline import child_setup
from kb.links import FENCE, atx_heading, heading_id, plain_heading
from kb.model import Document, GlossaryTerm, Taxonomy
from kb.output import rewrite
from kb.search.analysis import SITE_WORD, WORD, plain_text
from kb.search.querymodel import SITE_WEIGHTS, QueryModel, fold
from kb.site.finished import digest
from kb.site.first_screen import CARDS, INLINE, term_file, write_first_screen
from kb.site.pages import country_name, language_name, type_label, without_title_heading

# Each stops at the next opening bracket, so none backtracks over the rest of the text
# from every '[', '<' or '{' of a contributor's body (tests/test_hostile_markdown.py).
INLINE_LINK = re.compile(r"!?\[([^\[\]]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
REFERENCE = re.compile(r"!?\[([^\[\]]*)\]\[[^\[\]]*\]")
TAG = re.compile(r"<[^<>]+>")
BLOCK_MARKUP = re.compile(r"^\s*(?:[-+*]|\d+[.)])\s+|^\s*>\s?|\{[:#.][^{}]*\}")
#: Emphasis and code marks go without a trace ("`vim`." stays "vim."); underscores
#: stay, as in snake_case names.
INLINE_MARKUP = re.compile(r"[*`~]+")
ADMONITION = re.compile(r'^\s*(?:!!!|\?\?\?\+?)\s*\w+(?:\s+"([^"]*)")?\s*$')
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
#: Pagefind's ready-made interfaces, which kb's search page does not use (it drives
#: ``pagefind.js`` itself): 418 KB that the offline copy of the site and the zipped
#: bundle would otherwise carry, and files every build would write and compress.
PAGEFIND_UI = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
#: Occurrences of one word a record's body keeps (see ``record_body``).
REPEATS = 3


def record_body(body: str) -> str:
    """A body as simple HTML for the search index: its words, and its headings' ids.

    Rendering every body with Markdown a second time would cost as much as
    the site's own render. The index needs only the text and the headings
    (with the ids the rendered page gives them, for links into sections), so
    the Markdown syntax is stripped instead.

    A word is kept at most ``REPEATS`` times: Pagefind stores where each
    occurrence is, and a first search downloads the index chunks of its words,
    which common words filled with positions (127 KB for a two-word search at
    5,000 documents, 69 KB kept to three). Its ranking saturates with repeats
    anyway, and the site shows no excerpt of the text, so nothing readers see
    changes; the judged sets (tests/judged/) measured no loss.
    """
    parts: list[str] = []
    paragraph: list[str] = []
    slugs: set[str] = set()
    seen: dict[str, int] = {}

    def kept(match: re.Match[str]) -> str:
        # Called for every word of every document: one fold and one look-up each.
        word = match.group()
        key = word.casefold()
        times = seen.get(key, 0) + 1
        seen[key] = times
        return word if times <= REPEATS else ""

    def flush() -> None:
        if paragraph:
            text = " ".join(WORD.sub(kept, " ".join(paragraph)).split())
            if text:
                parts.append(f"<p>{html.escape(text)}</p>")
            paragraph.clear()

    fence = ""
    ignored = 0  # depth of <div> elements inside one marked data-pagefind-ignore
    for line in body.split("\n"):
        if ignored or "data-pagefind-ignore" in line:
            ignored += line.count("<div") - line.count("</div")
            ignored = max(ignored, 0)
            continue
        opening = FENCE.match(line)
        if fence or opening:
            if opening and (not fence or opening.group(1)[0] == fence[0]):
                fence = "" if fence else opening.group(1)
            elif line.strip():
                paragraph.append(line.strip())
            continue
        heading = atx_heading(line)
        if heading:
            flush()
            level, text = heading
            unique = heading_id(text, slugs)
            label = html.escape(plain_heading(text))
            weight = SITE_WEIGHTS["headings"]
            parts.append(
                f'<h{level} id="{html.escape(unique)}" data-pagefind-weight="{weight}">'
                f"{label}</h{level}>"
            )
            continue
        if not line.strip() or TABLE_RULE.match(line):
            flush()
            continue
        admonition = ADMONITION.match(line)
        if admonition:
            flush()
            if admonition.group(1):
                paragraph.append(admonition.group(1))
            continue
        text = CITATION.sub("", line)  # a source's note is no word of the text
        text = INLINE_LINK.sub(r"\1", text)
        text = REFERENCE.sub(r"\1", text)
        text = BLOCK_MARKUP.sub(" ", TAG.sub(" ", text))
        text = INLINE_MARKUP.sub("", text).replace("|", " ")
        if text.strip():
            paragraph.append(" ".join(text.split()))
    flush()
    return "".join(parts)


def record_html(
    doc: Document, taxonomy: Taxonomy, body_html: str, model: QueryModel | None = None
) -> str:
    """The page Pagefind indexes for a document: what readers search, its filters and
    what a result card shows. Its parts weigh as the query model says."""
    model = model or QueryModel(taxonomy)
    # Filters in the document's language: each language has its own index, searched from
    # its own search page; the language filter keeps one name per language. (The cards'
    # type, levels and language are codes, named by the page: ``record_meta``.)
    language = doc.language
    kind = type_label(doc.type, language=language)
    filters = [("type", kind)]
    filters += [("theme", taxonomy.themes[t].label_in(language)) for t in doc.themes]
    filters += [("level", taxonomy.levels[lv].label_in(language)) for lv in doc.levels]
    filters += [
        ("country", country_name(c, i18n.interface_language(language))) for c in doc.countries
    ]
    if doc.programme:
        filters.append(("programme", taxonomy.programmes[doc.programme].name))
    filters.append(("language", language_name(doc.language)))
    for facet_id, values in doc.facets.items():
        facet = taxonomy.facets[facet_id]
        filters += [(facet_id, facet.terms[v].label) for v in values]
    spans = "".join(
        f'<span data-pagefind-filter="{html.escape(name)}">{html.escape(value)}</span>'
        for name, value in filters
    )
    metas = "".join(
        f'<span data-pagefind-meta="{key}">{html.escape(value)}</span>'
        for key, value in record_meta(doc, taxonomy).items()
        if value
    )
    lead = html.escape(model.lead(doc)).replace("\n", " · ")
    return (
        f'<!doctype html><html lang="{html.escape(doc.language)}"><head>'
        f"<title>{html.escape(doc.title)}</title></head><body>"
        f"<main data-pagefind-body>"
        f'<h1 data-pagefind-weight="{SITE_WEIGHTS["title"]}">{html.escape(doc.title)}</h1>'
        f"<div hidden data-pagefind-ignore>{spans}{metas}</div>"
        f'<div data-pagefind-weight="{SITE_WEIGHTS["lead"]}"><p>{html.escape(doc.summary)}</p>'
        f"<p>{lead}</p></div>{body_html}</main></body></html>"
    )


def record_meta(doc: Document, taxonomy: Taxonomy) -> dict[str, str]:
    """What a result card shows of a document besides its title: its type, levels and
    language as codes, which each search page names in its own language (the filters
    keep the document's labels), its programme and its summary."""
    return {
        "type": doc.type,
        "levels": ",".join(doc.levels),
        "programme": taxonomy.programmes[doc.programme].name if doc.programme else "",
        "language": doc.language,
        "summary": doc.summary,
    }


def build_search_index(
    documents: Sequence[Document],
    taxonomy: Taxonomy,
    settings: Settings,
    out_dir: Path,
    glossary: Sequence[GlossaryTerm] = (),
    kept: Path | None = None,
    salt: str = "",
) -> None:
    """Write the Pagefind bundle for ``documents`` into ``out_dir`` (replaced).

    The records are written as small HTML files and indexed by Pagefind's own
    command: its Python service waits a tenth of a second per answer, which is
    minutes for a large knowledge base.
    ``kept``: a folder where the records stay for the next build, which then
    writes only those of documents that changed (each is known by a hash of
    the document, the vocabularies, the glossary and ``salt``, kb's code).
    """
    model = QueryModel(taxonomy, glossary)
    records = kept or out_dir.parent / f"{out_dir.name}-records"
    for folder in (out_dir, records) if kept is None else (out_dir,):
        if folder.exists():
            shutil.rmtree(folder)
    keys_file = records.with_name(records.name + ".json")
    known = _known_records(keys_file) if kept is not None else {}
    keys_file.unlink(missing_ok=True)  # a build stopped half-way leaves none
    common = digest(salt, repr(taxonomy), repr(tuple(glossary)))
    keys = {}
    for doc in documents:
        url = urls.document_url(doc)
        keys[url] = digest(common, repr(doc))
        target = records / url / "index.html"
        if known.get(url) == keys[url] and target.is_file():
            continue
        body = record_body(without_title_heading(doc.body, doc.title))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(record_html(doc, taxonomy, body, model), encoding="utf-8")
    if kept is not None:
        _remove_other_records(records, set(keys))
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(records),
        "--output-path",
        str(out_dir),
        "--exclude-selectors",
        ".headerlink",
        "--silent",
    ]
    # The query model is made while Pagefind indexes (it spends much of its time writing
    # files), in a folder of its own, and moved in once Pagefind has finished.
    beside = out_dir.with_name(f"{out_dir.name}-model")
    if beside.exists():
        shutil.rmtree(beside)
    beside.mkdir(parents=True)
    with tempfile.TemporaryFile() as said:
        indexing = subprocess.Popen(command, stdout=said, stderr=said, preexec_fn=child_setup())
        try:
            write_query_model(documents, model, beside)
        except BaseException:
            indexing.kill()
            raise
        finally:
            indexing.wait()
        said.seek(0)
        output = said.read().decode("utf-8", "replace")
    if kept is None:
        shutil.rmtree(records, ignore_errors=True)
    if indexing.returncode != 0:
        shutil.rmtree(beside, ignore_errors=True)
        detail = output.strip().splitlines()[-5:]
        raise KbError("Pagefind could not index the site: " + " / ".join(detail))
    out_dir.mkdir(parents=True, exist_ok=True)
    for unused in PAGEFIND_UI:
        (out_dir / unused).unlink(missing_ok=True)
    for made in sorted(beside.iterdir()):
        made.rename(out_dir / made.name)
    beside.rmdir()
    if kept is not None:
        keys_file.write_text(json.dumps(keys, sort_keys=True), encoding="utf-8")


def _known_records(keys_file: Path) -> dict[str, str]:
    """The hash of each record the last build kept, by document address."""
    try:
        known = json.loads(keys_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def _remove_other_records(records: Path, wanted: set[str]) -> None:
    """Remove the kept records of documents no longer published, and anything else there."""
    for folder, folders, names in os.walk(records, topdown=False):
        here = Path(folder)
        url = here.relative_to(records).as_posix() + "/"
        for name in names:
            if name != "index.html" or url not in wanted:
                (here / name).unlink()
        for name in folders:
            if (here / name).is_symlink():
                (here / name).unlink()
        if here != records and not any(here.iterdir()):
            here.rmdir()


def write_query_model(documents: Sequence[Document], model: QueryModel, out_dir: Path) -> None:
    """What the site's search script needs beside Pagefind's index: the query model
    (``kb-search.json``, which also names the first screen's long lists); for spelling,
    each language's words by their first two letters, most frequent first, with the first
    screen's short lists of those words (``kb-words/<language>/<prefix>.json``: a query
    reads the few files of its words' beginnings); and the first screen's long lists and
    cards (``kb.site.first_screen``)."""
    languages = sorted({search_language(d.language) for d in documents})
    settings = model.site_settings(languages)
    urls_of = {"theme": urls.theme_url, "level": urls.level_url, "programme": urls.programme_url}
    for named in settings["named"]:
        url_of = urls_of.get(named["vocabulary"])
        named["url"] = url_of(named["id"]) if url_of else ""
    settings["languages"] = [{"code": code, "name": language_name(code)} for code in languages]
    settings["prefixes"] = {}
    settings["first"] = {}
    settings["cards"] = CARDS
    # Words as written are counted first (in C), then each distinct one folded to lower case.
    written: dict[str, Counter[str]] = {code: Counter() for code in languages}
    for doc in documents:
        text = " ".join((doc.title, doc.summary, model.lead(doc), plain_text(doc.body)))
        written[search_language(doc.language)].update(SITE_WORD.findall(text))
    counts: dict[str, Counter[str]] = {code: Counter() for code in languages}
    for code, as_written in written.items():
        for word, times in as_written.items():
            if len(word) > 2:
                counts[code][word.lower()] += times
    for code, words in counts.items():
        own = [d for d in documents if search_language(d.language) == code]
        meta = functools.partial(record_meta, taxonomy=model.taxonomy)
        first = write_first_screen(code, own, model, meta, out_dir)
        by_prefix: dict[str, list[str]] = defaultdict(list)
        for word, _count in sorted(words.items(), key=lambda item: (-item[1], item[0])):
            by_prefix[fold(word[:2])].append(word)
        # Each word with a first-screen list, by the word as the search page folds it.
        # A long list has a file, named here, so that the page asks for it as soon as it
        # has these settings; a short one is in the spelling list of the word's first
        # letters, with the name of its term.
        settings["first"][code] = {}
        terms: dict[str, dict[str, str]] = defaultdict(dict)
        short: dict[str, dict[str, list[int]]] = defaultdict(dict)
        for word, term in sorted(first.words.items()):
            prefix = word[:2]
            if len(first.rows[term]) > 2 * INLINE:
                settings["first"][code][word] = term_file(term)
            elif len(word) > 2 and prefix in by_prefix:
                terms[prefix][word] = term_file(term)
                short[prefix][term_file(term)] = first.rows[term]
        folder = out_dir / "kb-words" / code
        folder.mkdir(parents=True, exist_ok=True)
        settings["prefixes"][code] = sorted(by_prefix)
        for prefix, listed in by_prefix.items():
            shard = {"words": listed, "terms": terms[prefix], "lists": short[prefix]}
            (folder / f"{prefix_file(prefix)}.json").write_text(
                json.dumps(shard, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
            )
    (out_dir / "kb-search.json").write_text(
        json.dumps(settings, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )


#: Where the search pages' preloading goes: first in the head, right after the character
#: set, since an inline script after a stylesheet waits for it (0.9 s on the slow link).
HEAD_START = (re.compile(r"<meta charset=[^>]*>"), re.compile(r"<head>"))
HTML_LANG = re.compile(r'<html[^>]*\blang="([^"]+)"')


def link_search_pages(site: Path) -> None:
    """Let each language's search page, opened with a query (as every search box sends
    it), ask for what its first search needs while the page itself loads: Pagefind's
    script, kb's query model, the language's WebAssembly and Pagefind's metadata. On a
    slow link each of those otherwise waits for the one before it. The metadata's name
    changes from build to build (Pagefind's index hashes are not stable) and two builds
    of the same sources are identical, so the page reads it from Pagefind's entry file
    as it opens, with an address Pagefind then asks for too (``metaCacheTag``).
    Opened without a query, the page loads none of it until the reader goes to the
    search box (it stays within the page byte budget)."""
    bundle = site / "pagefind"
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    languages = entry.get("languages", {})
    pages = [site / "search" / "index.html"]
    pages += [site / code / "search" / "index.html" for code in languages]
    for page in pages:
        if not page.is_file():
            continue
        text = page.read_text(encoding="utf-8")
        lang = HTML_LANG.search(text)
        code = search_language(lang.group(1)) if lang else ""
        up = "../" * (len(page.relative_to(site).parts) - 1) + "pagefind/"
        files = [["modulepreload", up + "pagefind.js"], ["preload", up + "kb-search.json"]]
        if code in languages:
            files.append(["preload", f"{up}wasm.{languages[code]['wasm']}.pagefind"])
        script = (
            PRELOAD_SCRIPT.replace("FILES", json.dumps(files))
            .replace("BUNDLE", json.dumps(up))
            .replace("LANGUAGE", json.dumps(code if code in languages else ""))
        )
        start = HEAD_START[0].search(text) or HEAD_START[1].search(text)
        if start is not None and PRELOAD_MARK not in text:
            at = start.end()
            rewrite(page, text[:at] + script + text[at:])


def write_chunk_table(site: Path) -> None:
    """Put Pagefind's table of index chunks (first word, last word, file) for each
    language into kb's search settings, so that the search page, opened with a query,
    asks for its words' chunks while Pagefind's WebAssembly and metadata still load:
    Pagefind picks them from this table in its metadata, only once both are in (1.8 s
    later on the slow link at 5,000 documents). The table is in the metadata's order
    (by word), the files named by their content, so two builds write the same."""
    bundle = site / "pagefind"
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    settings_file = bundle / "kb-search.json"
    settings = json.loads(settings_file.read_text(encoding="utf-8"))
    settings["chunks"] = {
        code: index_chunks(bundle / f"pagefind.{index['hash']}.pf_meta")
        for code, index in sorted(entry.get("languages", {}).items())
    }
    settings_file.write_text(
        json.dumps(settings, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )


#: What Pagefind's files start with once uncompressed.
PAGEFIND_SIGNATURE = b"pagefind_dcd"


def index_chunks(meta: Path) -> list[list[str]]:
    """The ``[first word, last word, file]`` of each index chunk in a Pagefind metadata
    file (gzip, then Pagefind's signature, then CBOR: version, pages, chunks, …)."""
    data = gzip.decompress(meta.read_bytes())
    if not data.startswith(PAGEFIND_SIGNATURE):
        raise KbError(f"{meta}: not a Pagefind metadata file (no signature)")
    fields = cbor2.loads(data[len(PAGEFIND_SIGNATURE) :])
    return [[str(first), str(last), str(name)] for first, last, name in fields[2]]


#: Marks the search pages' preloading script (written once).
PRELOAD_MARK = "kb-preload"
#: Asks for the first search's files when the page's address has a query (``q=``); the
#: metadata once the entry file has named it (search.js gives Pagefind the same ``tag``).
#: ``kbSearchDone`` settles once search.js has shown the first results: the service
#: worker's registration waits for it (kb.site.offline.REGISTRATION).
PRELOAD_SCRIPT = (
    '<script id="kb-preload">if (/[?&]q=[^&]/.test(location.search)) {'
    " window.kbSearchDone = new Promise((done) => { window.kbSearchFinished = done; });"
    " const add = (rel, href) => {"
    ' const link = document.createElement("link"); link.rel = rel; link.href = href;'
    ' if (rel === "preload") { link.as = "fetch"; link.crossOrigin = "anonymous"; }'
    " document.head.append(link); };"
    " for (const [rel, href] of FILES) { add(rel, href); }"
    " const tag = window.kbPagefindTag = String(Date.now());"
    " if (LANGUAGE) {"
    ' fetch(BUNDLE + "pagefind-entry.json?ts=" + tag).then((r) => r.json())'
    ".then((entry) => { const index = entry.languages[LANGUAGE];"
    ' if (index) { add("preload", BUNDLE + "pagefind." + index.hash + ".pf_meta"); } })'
    ".catch(() => {}); } }</script>"
)


def prefix_file(prefix: str) -> str:
    """A file name for a word beginning: ASCII letters and digits as they are, others by
    their code points (the script computes the same)."""
    return "".join(c if c.isascii() and c.isalnum() else f"u{ord(c):x}" for c in prefix)


def search_language(code: str) -> str:
    """The language Pagefind files a page under: the primary subtag, lower case."""
    return code.split("-")[0].lower()

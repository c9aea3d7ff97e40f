"""What each print feature costs: the same pack rendered with it and without, in one run.

    python -m benchmarks.bench_print_features [--runs 5] [--pack ID] [--project DIR]

The pack (by default the largest shipped one; ``generated:50`` is the first
50 English documents, the pack ``benchmarks.run`` measures the PDF bound on,
in a generated ``--project``) is turned into its print HTML once; then each
variant below is rendered by WeasyPrint ``--runs`` times, the variants taking
turns (A B C A B C ...) so that the machine's load falls on all of them
alike. Pages per CPU second (= per core) are printed as the median with the
range, each variant's CPU time as a ratio to the full rendering measured in
the same run, and the number of page layouts WeasyPrint made (a page laid
out again counts again), which the machine's load does not change. Nothing
is asserted.

Variants, each the full rendering less one feature:

- ``no page references``: without the "(see p. 12)" after links inside the
  pack (its ``target-counter`` makes WeasyPrint lay the pages out again);
- ``no link notes``: without the numbered addresses of links leaving the PDF;
- ``untagged``: without PDF/UA-1 tagging (the structure tree);

and one that adds a feature: ``PDF/A-3b``, the archival variant (tagged too).
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench_pdf import REPO, largest_pack, spread

_XREF_RULE = re.compile(r"\.pack a\.xref\.paged::after \{[^}]*\}")
_NOTE = re.compile(r'<span class="link-note">\[\d+\]</span>')
_ADDRESSES = re.compile(
    r'<h2 class="sources-title links-title">[^<]*</h2>\s*<ol class="link-addresses">.*?</ol>', re.S
)


def _variants() -> dict[str, tuple[Callable[[str], str], dict[str, object]]]:
    from kb.pdf.engine import render_options

    full = render_options()
    untagged = {k: v for k, v in full.items() if k != "pdf_variant"}
    return {
        "full": (lambda html: html, full),
        "no page references": (lambda html: _XREF_RULE.sub("", html), full),
        "no link notes": (lambda html: _ADDRESSES.sub("", _NOTE.sub("", html)), full),
        "untagged": (lambda html: html, untagged),
        "PDF/A-3b": (lambda html: html, render_options(archival=True)),
    }


class _Layouts(logging.Handler):
    """Counts the pages WeasyPrint lays out (again), from its progress messages."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Creating layout - Page" in message and "up-to-date" not in message:
            self.count += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pack", default="")
    parser.add_argument("--project", type=Path, default=REPO)
    args = parser.parse_args()

    import weasyprint

    from kb.loader import load_project
    from kb.packs import Pack, Selection, find_pack, load_packs, pack_language, select
    from kb.pdf.engine import _fetcher
    from kb.pdf.printbody import PrintRenderer
    from kb.pdf.printhtml import Cover, pack_job

    result = load_project(args.project)
    pack_id = args.pack or largest_pack(args.project)
    packs, _ = load_packs(result.settings, result.knowledge_base)
    pack = find_pack(packs, pack_id)
    if pack_id.startswith("generated:"):
        english = (d for d in result.knowledge_base.published() if d.language == "en")
        first = sorted(english, key=lambda d: d.id)[: int(pack_id.split(":", 1)[1])]
        pack = Pack(
            id="generated",
            title="A generated pack",
            selection=Selection(types=("none",)),
            include=tuple(d.id for d in first),
        )
    if pack is None:
        raise SystemExit(f"no pack {pack_id}")
    documents = select(pack, result.knowledge_base)
    printer = PrintRenderer(result.settings, result.knowledge_base)
    language = pack_language(pack, documents, result.settings.default_language)
    cover = Cover(pack.id, pack.title, pack.subtitle, pack.introduction)
    job = pack_job(cover, documents, printer, language)

    variants = _variants()
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    pages: dict[str, int] = {}
    layouts: dict[str, int] = {}
    progress = logging.getLogger("weasyprint.progress")
    progress.setLevel(logging.INFO)
    progress.propagate = False
    for _ in range(args.runs):
        for name, (change, options) in variants.items():
            html = change(job.html)
            counter = _Layouts()
            progress.addHandler(counter)
            start = time.process_time()
            document = weasyprint.HTML(string=html, url_fetcher=_fetcher(job)).render(**options)
            document.write_pdf(**options)
            cpu[name].append(time.process_time() - start)
            progress.removeHandler(counter)
            pages[name] = len(document.pages)
            layouts[name] = counter.count

    full = statistics.median(cpu["full"])
    print(f"pack '{pack_id}', {args.runs} runs of each variant, taking turns")
    for name, times in cpu.items():
        rates = [pages[name] / t for t in times]
        ratio = statistics.median(times) / full
        print(
            f"  {name:<20} {pages[name]:>4} pages  {layouts[name]:>4} layouts  "
            f"{spread(rates)} pages/s per core  CPU x{ratio:.2f} of full"
        )


if __name__ == "__main__":
    main()

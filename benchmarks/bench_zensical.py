"""Zensical, Material for MkDocs' announced successor, on kb's generated pages, beside MkDocs.

    python -m benchmarks.bench_zensical [--documents 1000] [--runs 3] [--version 0.0.73]
                                        [--variant classic]
                                        [--out DIR]

``kb build --no-pdf`` leaves the pages it generated and the effective
``mkdocs.yml`` in ``.kb-cache/site-render/``; both engines render exactly
those, in turn (runs alternate so that machine noise hits both alike).
Zensical is installed into a throwaway virtual environment inside the work
folder with pip, never into kb's: kb does not depend on it. When it cannot
be installed or run, the reason is printed and nothing is measured.
Afterwards the two sites are compared: pages each one wrote, and pages
whose text (tags stripped) differs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import yaml

from benchmarks.common import BIN, median, run_timed
from benchmarks.generate import generate

TAG = re.compile(r"<[^>]+>")
GENERATOR = re.compile(r'<meta name="generator"[^>]*>')
REPOSITORY = Path(__file__).resolve().parents[1]


def install(version: str, folder: Path) -> tuple[Path | None, str]:
    """A virtual environment with Zensical and kb, or None and pip's last words.

    kb goes in too: the pages' ``mkdocs.yml`` names kb's own Markdown extension
    (``kb.sanitize``), which Zensical imports like any other.
    """
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"zensical=={version}", str(REPOSITORY)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
        return None, " / ".join(errors[-2:]) or done.stderr.strip()[-300:]
    return folder / "bin" / "zensical", ""


def page_text(path: Path) -> str:
    """A page's article text, tags stripped: what a reader reads, not the markup."""
    html = path.read_text(encoding="utf-8", errors="replace")
    start, end = html.find("<article"), html.rfind("</article>")
    body = html[start:end] if 0 <= start < end else html
    return " ".join(TAG.sub(" ", body).split())


def page_markup(path: Path) -> str:
    """A page's whole markup, the line naming the generator left out."""
    html = path.read_text(encoding="utf-8", errors="replace")
    return GENERATOR.sub("", html)


def compare(mkdocs_site: Path, zensical_site: Path) -> dict[str, int]:
    """Pages in one site only, and pages in both whose text differs."""
    ours = {p.relative_to(mkdocs_site) for p in mkdocs_site.rglob("index.html")}
    theirs = {p.relative_to(zensical_site) for p in zensical_site.rglob("index.html")}
    both = ours & theirs
    differ = sum(page_text(mkdocs_site / p) != page_text(zensical_site / p) for p in both)
    markup = sum(page_markup(mkdocs_site / p) != page_markup(zensical_site / p) for p in both)
    return {
        "pages (MkDocs)": len(ours),
        "pages (Zensical)": len(theirs),
        "only MkDocs": len(ours - theirs),
        "only Zensical": len(theirs - ours),
        "text differs": differ,
        "markup differs (generator line aside)": markup,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--version", default="0.0.73")
    parser.add_argument("--variant", default="classic", choices=["classic", "modern"])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="kb-zensical-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        zensical, why = install(args.version, work / "zensical-venv")
        if zensical is None:
            print(f"Zensical {args.version}: not measured: it does not install here: {why}")
            return
        project = generate(work / "project", args.documents)
        built = subprocess.run(
            [str(BIN / "kb"), "build", "--no-pdf"], cwd=project, capture_output=True, check=False
        )
        if built.returncode != 0:
            sys.exit(f"kb build failed: {built.stderr.decode(errors='replace')[-500:]}")
        render = project / ".kb-cache" / "site-render"
        config = render / "mkdocs.yml"
        sites = {"mkdocs": render / "html", "zensical": render / "html-zensical"}
        config_z = render / "mkdocs-zensical.yml"
        # Zensical wants docs_dir relative to the configuration and site_dir inside its
        # folder; its "classic" variant is Material's look, which kb's stylesheet builds on
        # (its default, "modern", is a new design).
        settings = yaml.safe_load(config.read_text(encoding="utf-8"))
        settings["docs_dir"], settings["site_dir"] = "docs", sites["zensical"].name
        settings["theme"] = {**(settings.get("theme") or {}), "variant": args.variant}
        config_z.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
        commands = {
            "mkdocs": ([str(BIN / "mkdocs"), "build", "-q", "-f", str(config)], sites["mkdocs"]),
            "zensical": ([str(zensical), "build", "-f", str(config_z)], sites["zensical"]),
        }
        times: dict[str, list[float]] = {"mkdocs": [], "zensical": []}
        peaks: dict[str, list[float]] = {"mkdocs": [], "zensical": []}
        for _ in range(args.runs):
            for name, (command, site) in commands.items():
                shutil.rmtree(site, ignore_errors=True)
                seconds, peak = run_timed(command, cwd=render)
                times[name].append(seconds)
                peaks[name].append((peak or 0) / 1024)
        for name in commands:
            print(
                f"{name}: median {median(times[name]):.2f} s of {args.runs} runs, "
                f"peak {median(peaks[name]):.0f} MiB ({args.documents} documents)"
            )
        for key, value in compare(sites["mkdocs"], sites["zensical"]).items():
            print(f"{key}: {value}")
    finally:
        if args.out is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""kb serve: the preview rebuilds a page after its document changes."""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import brotli

from tests.conftest import ProjectFactory, document


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode("utf-8"))


def fetch_compressed(url: str, accept: str) -> tuple[str, bytes]:
    """The Content-Encoding and the body as sent, for a request accepting ``accept``."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": accept})
    with urllib.request.urlopen(request, timeout=5) as response:
        return str(response.headers.get("Content-Encoding", "")), bytes(response.read())


def wait_for(url: str, text: str, limit: float = 60.0) -> str:
    deadline = time.monotonic() + limit
    last = ""
    while time.monotonic() < deadline:
        try:
            last = fetch(url)
            if text in last:
                return last
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared at {url}")


def test_serve_rebuilds_an_edited_document(make_project: ProjectFactory) -> None:
    project = make_project(
        {
            "content/lessons/first.md": document("First lesson", body="Original words.\n"),
            "content/lessons/draft.md": document("Draft lesson", status="draft"),
        }
    )
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kb", "--project", str(project), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}/lessons/first/"
        wait_for(url, "Original words.")
        # Drafts are shown in the preview.
        assert "Draft lesson" in fetch(f"http://127.0.0.1:{port}/lessons/draft/")
        # Text is sent compressed to a browser that accepts it, as a host would.
        encoding, body = fetch_compressed(url, "gzip, deflate, br")
        assert encoding == "gzip"
        assert b"Original words." in gzip.decompress(body)
        path = Path(project, "content/lessons/first.md")
        path.write_text(document("First lesson", body="Revised words.\n"), encoding="utf-8")
        wait_for(url, "Revised words.")
        # A bad edit keeps the last good page and says why on the console.
        path.write_text(document("First lesson", themes="[nonsense]"), encoding="utf-8")
        time.sleep(2)
        assert "Revised words." in fetch(url)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert b"'nonsense' is not a theme" in output


def test_serve_rebuilds_pages_when_the_glossary_changes(make_project: ProjectFactory) -> None:
    glossary = "- term: TAF\n  expansion: {}\n  definition: A framework.\n"
    project = make_project(
        {
            "content/glossary.yml": glossary.format("Technology Applicability Framework"),
            "content/lessons/first.md": document("First lesson", body="The TAF helps.\n"),
        }
    )
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kb", "--project", str(project), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}/lessons/first/"
        wait_for(url, '<abbr title="Technology Applicability Framework">TAF</abbr>')
        path = Path(project, "content/glossary.yml")
        path.write_text(glossary.format("Tool Applicability Framework"), encoding="utf-8")
        wait_for(url, '<abbr title="Tool Applicability Framework">TAF</abbr>')
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_serve_with_errors_from_the_start_serves_the_rest_and_shows_them(
    make_project: ProjectFactory,
) -> None:
    project = make_project(
        {
            "content/lessons/bad.md": document("Bad", themes="[nonsense]"),
            "content/lessons/good.md": document("Good lesson", body="Good words.\n"),
        }
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kb", "--project", str(project), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    try:
        page = wait_for(f"http://127.0.0.1:{port}/lessons/good/", "Good words.")
        assert '<section class="kb-problems" role="alert"' in page
        assert "The knowledge base has 1 error" in page
        assert "content/lessons/bad.md:5: themes[0]: &#x27;nonsense&#x27; is not a theme" in page
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    text = output.decode("utf-8")
    assert "content/lessons/bad.md:5: themes[0]: 'nonsense' is not a theme" in text
    assert "1 error: the preview shows them at the top of every page" in text
    assert "Serving the preview on" in text
    assert "Traceback" not in text


def test_serve_static_sends_the_precompressed_files(make_project: ProjectFactory) -> None:
    project = make_project({"content/lessons/first.md": document("First lesson")})
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "kb", "--project", str(project), "build", "--no-pdf"],
        check=True,
        capture_output=True,
        env=env,
    )
    port = free_port()
    command = [sys.executable, "-m", "kb", "--project", str(project), "serve", "--static"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}/lessons/first/"
        page = wait_for(url, "First lesson")
        assert brotli.decompress(fetch_compressed(url, "gzip, br")[1]).decode() == page
        encoding, body = fetch_compressed(url, "gzip")
        assert encoding == "gzip" and gzip.decompress(body).decode() == page
        assert fetch_compressed(url, "identity") == ("", page.encode())
        assert fetch_compressed(url, "br;q=0, gzip")[0] == "gzip"
        # Pagefind's WebAssembly: unpacked and compressed with brotli for a browser that
        # takes brotli (Pagefind's script takes it unpacked); Pagefind's gzip file else.
        wasm = f"http://127.0.0.1:{port}/pagefind/wasm.en.pagefind"
        shipped = (project / "site" / "pagefind" / "wasm.en.pagefind").read_bytes()
        encoding, body = fetch_compressed(wasm, "gzip, br")
        assert encoding == "br" and brotli.decompress(body) == gzip.decompress(shipped)
        assert len(body) < len(shipped)
        assert fetch_compressed(wasm, "gzip") == ("", shipped)
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_serve_static_without_a_built_site_says_so(make_project: ProjectFactory) -> None:
    project = make_project({"content/lessons/first.md": document("First lesson")})
    result = subprocess.run(
        [sys.executable, "-m", "kb", "--project", str(project), "serve", "--static"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "no built site here; run kb build first" in result.stderr

"""``kb check --external`` against a web server on 127.0.0.1, never the network."""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import Result

import kb.external
from kb.external import (
    LinkCheckOptions,
    LinkStatus,
    check_external_links,
    check_url,
    check_urls,
    collect_links,
)
from kb.loader import load_project
from tests.conftest import ProjectFactory, document

KbRunner = Callable[..., Result]


class Server:
    """A local web server with a page for each case, that remembers what it was asked."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:
                self.answer(body=False)

            def do_GET(self) -> None:
                self.answer(body=True)

            def answer(self, body: bool) -> None:
                server.requests.append((self.command, self.path))
                path = self.path
                if path == "/slow":
                    server.release.wait(5)
                if path == "/moved":
                    self.send_response(301)
                    self.send_header("Location", "/ok")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if path.startswith("/redirect?"):
                    self.send_response(302)
                    self.send_header("Location", path.split("?", 1)[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if path == "/moved-to-nothing":
                    self.send_response(302)
                    self.send_header("Location", "/missing")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = {
                    "/ok": 200,
                    "/slow": 200,
                    "/missing": 404,
                    "/broken": 500,
                    "/no-head": 405 if self.command == "HEAD" else 200,
                }.get(path.split("#")[0], 404)
                payload = b"<p>page</p>"
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if body:
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep the test output clean

        class Quiet(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up on /slow is expected

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def netloc(self) -> str:
        return self.base.removeprefix("http://")

    def asked(self, path: str) -> list[str]:
        """The methods used to ask for ``path``, in order."""
        return [method for method, asked in self.requests if asked == path]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    web = Server()
    web.thread.start()
    # The checker asks public servers only; this one it may ask (and only this port).
    real = kb.external.check_external_links
    trusting = functools.partial(real, trusted=(web.netloc,))
    monkeypatch.setattr(kb.external, "check_external_links", trusting)
    yield web
    web.release.set()
    web.httpd.shutdown()
    web.httpd.server_close()
    web.thread.join(timeout=5)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- one address ------------------------------------------------------------------


def test_a_page_that_answers_is_asked_with_head_only(server: Server) -> None:
    status = check_url(server.url("/ok"), timeout=5, trusted=[server.netloc])

    assert (status.ok, status.status, status.reason) == (True, 200, "")
    assert server.asked("/ok") == ["HEAD"]


def test_a_missing_page_is_dead_without_a_second_request(server: Server) -> None:
    status = check_url(server.url("/missing"), timeout=5, trusted=[server.netloc])

    assert (status.ok, status.status, status.reason) == (False, 404, "HTTP 404 Not Found")
    assert server.asked("/missing") == ["HEAD"]


def test_a_redirect_is_followed_and_stays_a_head_request(server: Server) -> None:
    assert check_url(server.url("/moved"), timeout=5, trusted=[server.netloc]).ok
    assert server.asked("/moved") == ["HEAD"]
    assert server.asked("/ok") == ["HEAD"]

    gone = check_url(server.url("/moved-to-nothing"), timeout=5, trusted=[server.netloc])
    assert (gone.ok, gone.status) == (False, 404)


def test_a_server_that_refuses_head_is_asked_with_get(server: Server) -> None:
    status = check_url(server.url("/no-head"), timeout=5, trusted=[server.netloc])

    assert status.ok
    assert server.asked("/no-head") == ["HEAD", "GET"]


def test_a_server_error_is_dead_after_both_methods(server: Server) -> None:
    status = check_url(server.url("/broken"), timeout=5, trusted=[server.netloc])

    assert (status.ok, status.reason) == (False, "HTTP 500 Internal Server Error")
    assert server.asked("/broken") == ["HEAD", "GET"]


def test_a_slow_server_times_out(server: Server) -> None:
    status = check_url(server.url("/slow"), timeout=0.3, trusted=[server.netloc])

    assert (status.ok, status.status, status.reason) == (False, None, "no answer within 0.3 s")
    assert server.asked("/slow") == ["HEAD"]  # a timeout is not worth a second wait


def test_a_closed_port_is_a_refused_connection() -> None:
    port = closed_port()
    status = check_url(f"http://127.0.0.1:{port}/x", timeout=5, trusted=[f"127.0.0.1:{port}"])

    assert (status.ok, status.reason) == (False, "the server refused the connection")


def test_an_address_without_a_host_is_not_a_web_address() -> None:
    assert check_url("https:///nothing", timeout=1).reason == "not a web address"


# -- only public web servers are asked ------------------------------------------------


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://10.1.2.3/intranet", "10.1.2.3"),
        ("http://127.0.0.1:9/admin", "127.0.0.1"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://192.168.1.1/", "192.168.1.1"),
        ("http://100.64.0.1/", "100.64.0.1"),
        ("http://[::1]:8000/", "::1"),
        ("http://[fe80::1]/", "fe80::1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
        ("http://224.0.0.1/", "224.0.0.1"),
        ("http://0.0.0.0:8000/", "0.0.0.0"),
        ("http://localhost:8000/", "127.0.0.1"),
    ],
)
def test_private_loopback_and_reserved_addresses_are_refused(url: str, address: str) -> None:
    status = check_url(url, timeout=0.5)

    assert (status.ok, status.refused, status.status) == (False, True, None)
    assert f"{address}, not a public address" in status.reason


def test_a_redirect_to_another_local_port_is_refused(server: Server) -> None:
    other = Server()
    other.thread.start()
    try:
        status = check_url(
            server.url(f"/redirect?{other.url('/ok')}"), timeout=5, trusted=[server.netloc]
        )
    finally:
        other.httpd.shutdown()
        other.httpd.server_close()

    assert (status.ok, status.refused) == (False, True)
    assert "127.0.0.1, not a public address" in status.reason
    assert other.requests == []


@pytest.mark.parametrize(
    "target", ["ftp://127.0.0.1/pub/file", "file:///etc/passwd", "gopher://x/"]
)
def test_a_redirect_out_of_the_web_is_refused(server: Server, target: str) -> None:
    status = check_url(server.url(f"/redirect?{target}"), timeout=5, trusted=[server.netloc])

    assert (status.ok, status.refused) == (False, True)
    assert status.reason == f"it redirects to {target}, not a web address"


def test_endless_redirects_stop(server: Server) -> None:
    loop = server.url("/redirect?/redirect?/redirect?/redirect?/redirect?/redirect?/redirect?/ok")

    status = check_url(loop, timeout=5, trusted=[server.netloc])

    assert (status.ok, status.reason) == (False, "more than 5 redirects")
    assert server.asked("/ok") == []


def test_kb_check_external_refuses_private_sources_with_file_and_line(
    make_project: ProjectFactory, server: Server, kb: KbRunner
) -> None:
    sources = (
        '[{title: A, url: "http://10.0.0.7/report"}, '
        '{title: B, url: "http://127.0.0.1:9/admin"}, '
        '{title: C, url: "http://169.254.169.254/latest/meta-data/"}]'
    )
    moved = server.url("/redirect?ftp://127.0.0.1/secret")
    body = f"[moved]({moved})\n"
    root = make_project(
        {"content/lessons/inside.md": document("Inside", body=body, sources=sources)}
    )

    result = kb(root, "check", "--external")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == [
        "content/lessons/inside.md:8: sources[0].url: warning: http://10.0.0.7/report was not "
        "checked: it is 10.0.0.7, not a public address (only public servers are asked); "
        "link to a public web page instead",
        "content/lessons/inside.md:8: sources[1].url: warning: http://127.0.0.1:9/admin was not "
        "checked: it is 127.0.0.1, not a public address (only public servers are asked); "
        "link to a public web page instead",
        "content/lessons/inside.md:8: sources[2].url: warning: "
        "http://169.254.169.254/latest/meta-data/ was not checked: it is 169.254.169.254, "
        "not a public address (only public servers are asked); link to a public web page instead",
        f"content/lessons/inside.md:10: link: warning: {moved} was not checked: "
        "it redirects to ftp://127.0.0.1/secret, not a web address; "
        "link to a public web page instead",
    ]


# -- many addresses -----------------------------------------------------------------


class FakeWeb:
    """Answers instantly or when released, and counts how many requests overlap."""

    def __init__(self, blocked: frozenset[str] = frozenset()) -> None:
        self.blocked = blocked
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.in_flight: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.most_overall = 0

    def ask(self, url: str, timeout: float) -> LinkStatus:
        host = url.split("/")[2]
        with self.lock:
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.most[host] = max(self.most.get(host, 0), self.in_flight[host])
            self.most_overall = max(self.most_overall, sum(self.in_flight.values()))
        if url in self.blocked:
            self.release.wait(10)
        else:
            time.sleep(0.02)  # long enough for the workers to overlap
        with self.lock:
            self.in_flight[host] -= 1
        return LinkStatus(url, True, 200)


def test_requests_in_flight_are_bounded_overall_and_per_server() -> None:
    urls = [f"https://host{n % 6}.example/{n}" for n in range(48)]
    web = FakeWeb()

    answers, unchecked = check_urls(urls, LinkCheckOptions(jobs=4, per_host=1), ask=web.ask)

    assert sorted(answers) == sorted(urls) and unchecked == []
    assert 1 < web.most_overall <= 4
    assert max(web.most.values()) == 1


def test_the_time_limit_stops_the_check_and_lists_what_was_not_asked() -> None:
    urls = [f"https://site{n}.example/page" for n in range(6)]
    stuck = frozenset(urls[:2])
    web = FakeWeb(blocked=stuck)
    try:
        answers, unchecked = check_urls(urls, LinkCheckOptions(jobs=3, time_limit=0.5), ask=web.ask)
    finally:
        web.release.set()

    assert set(unchecked) == stuck
    assert set(answers) == set(urls) - stuck


# -- documents, the cache and the command ----------------------------------------------


def project_with_links(make_project: ProjectFactory, server: Server) -> Path:
    body = (
        "Intro.\n"
        f"See [the report]({server.url('/ok')}#summary) and [gone]({server.url('/missing')}).\n"
        "\n"
        f"[A chart]({server.url('/broken')})\n"
        "```\n"
        f"[not a link]({server.url('/missing')}) inside code\n"
        "```\n"
        "[local](other.md)\n"
    )
    sources = f'[{{title: Report, url: "{server.url("/missing")}"}}]'
    return make_project(
        {
            "content/lessons/linked.md": document("Linked", body=body, sources=sources),
            "content/lessons/other.md": document(
                "Other", body=f"Also [the report]({server.url('/ok')}).\n"
            ),
        }
    )


def test_links_are_collected_with_their_lines(make_project: ProjectFactory, server: Server) -> None:
    root = project_with_links(make_project, server)
    result = load_project(root)

    found = collect_links(result.knowledge_base.documents.values(), "content")

    assert sorted((o.path, o.line, o.field, o.address) for o in found) == [
        ("content/lessons/linked.md", 8, "sources[0].url", server.url("/missing")),
        ("content/lessons/linked.md", 11, "link", server.url("/missing")),
        ("content/lessons/linked.md", 11, "link", server.url("/ok")),
        ("content/lessons/linked.md", 13, "link", server.url("/broken")),
        ("content/lessons/other.md", 9, "link", server.url("/ok")),
    ]


def test_kb_check_external_reports_dead_links_as_warnings(
    make_project: ProjectFactory, server: Server, kb: KbRunner
) -> None:
    root = project_with_links(make_project, server)

    result = kb(root, "check", "--external", "--format", "github")

    assert result.exit_code == 0, result.output  # dead links warn; they do not fail
    lines = result.stdout.splitlines()
    assert [line.split("::")[1] for line in lines] == [
        "warning file=content/lessons/linked.md,line=8,title=sources[0].url",
        "warning file=content/lessons/linked.md,line=11,title=link",
        "warning file=content/lessons/linked.md,line=13,title=link",
    ]
    assert f"{server.url('/missing')} does not work: HTTP 404 Not Found" in lines[0]
    assert "HTTP 500 Internal Server Error; the server may be busy" in lines[2]
    assert "Web links: 3 addresses, 0 known good from the cache, 3 asked now." in result.stderr
    strict = kb(root, "check", "--external", "--strict")
    assert strict.exit_code == 1


def test_good_answers_are_cached_and_bad_ones_asked_again(
    make_project: ProjectFactory, server: Server, kb: KbRunner
) -> None:
    root = project_with_links(make_project, server)
    kb(root, "check", "--external")
    cache = json.loads((root / ".kb-cache/links.json").read_text(encoding="utf-8"))
    assert cache["links"][server.url("/ok")]["ok"] is True
    assert cache["links"][server.url("/missing")]["status"] == 404
    server.requests.clear()

    again = kb(root, "check", "--external")

    assert server.asked("/ok") == []
    assert server.asked("/missing") == ["HEAD"]
    assert "1 known good from the cache, 2 asked now" in again.stderr
    server.requests.clear()

    kb(root, "check", "--external", "--refresh")

    assert server.asked("/ok") == ["HEAD"]


def test_a_cached_answer_expires(make_project: ProjectFactory, server: Server) -> None:
    root = project_with_links(make_project, server)
    documents = list(load_project(root).knowledge_base.documents.values())
    cache = root / ".kb-cache/links.json"
    options = LinkCheckOptions(max_age=7 * 24 * 3600)
    check = functools.partial(check_external_links, trusted=[server.netloc])
    check(documents, "content", cache, options)
    server.requests.clear()

    six_days = check(documents, "content", cache, options, now=lambda: time.time() + 6 * 24 * 3600)
    assert (six_days.from_cache, server.asked("/ok")) == (1, [])

    eight_days = check(
        documents, "content", cache, options, now=lambda: time.time() + 8 * 24 * 3600
    )
    assert (eight_days.from_cache, server.asked("/ok")) == (0, ["HEAD"])


def test_a_damaged_cache_is_ignored_and_replaced(
    make_project: ProjectFactory, server: Server, kb: KbRunner
) -> None:
    root = project_with_links(make_project, server)
    cache = root / ".kb-cache/links.json"
    cache.parent.mkdir()
    cache.write_text("{not json", encoding="utf-8")

    result = kb(root, "check", "--external")

    assert result.exit_code == 0
    assert json.loads(cache.read_text(encoding="utf-8"))["version"] == 1


def test_the_time_limit_leaves_slow_links_unchecked_not_dead(
    make_project: ProjectFactory, server: Server, kb: KbRunner
) -> None:
    root = make_project(
        {
            "content/lessons/slow.md": document(
                "Slow", body=f"[slow]({server.url('/slow')}) and [ok]({server.url('/ok')})\n"
            )
        }
    )

    result = kb(root, "check", "--external", "--time-limit", "1", "--link-timeout", "5")

    assert result.exit_code == 0
    assert result.stdout == ""
    assert "1 addresses were not checked within the 1 s limit" in result.stderr
    assert server.url("/slow") in result.stderr


def test_without_external_nothing_is_asked(
    make_project: ProjectFactory, server: Server, kb: KbRunner
) -> None:
    root = project_with_links(make_project, server)

    result = kb(root, "check")

    assert result.exit_code == 0
    assert server.requests == []
    assert not (root / ".kb-cache").exists()


def test_only_the_selected_files_links_are_checked(
    make_project: ProjectFactory, server: Server, kb: KbRunner
) -> None:
    root = project_with_links(make_project, server)

    result = kb(root, "check", "--external", str(root / "content/lessons/other.md"))

    assert result.exit_code == 0
    assert [path for _, path in server.requests] == ["/ok"]

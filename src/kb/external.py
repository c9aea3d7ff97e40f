"""``kb check --external``: do the web pages the documents point to still answer?

Web pages move and die; a reader who follows a dead source loses the
evidence behind a lesson. This module collects every ``http(s)`` link of the
document bodies and every ``sources[].url``, asks each address once (a HEAD
request, then a GET for servers that refuse HEAD), several at a time but a
few per server, and reports the ones that fail as warnings at the line that
holds them. A dead page is a warning, not an error: the document is still
right, and the editor may not be able to fix someone else's server today.
Only public ``http(s)`` servers are asked, checked again at every redirect
(kb follows them itself, at most five): the check runs in CI on addresses a
pull request chose, so it must not reach the machines around it. Requests go
straight to the server, not through a proxy from the environment.

Answers are kept in ``<project>/.kb-cache/links.json``: a link that worked is
trusted for ``max_age`` (seven days by default) and not asked again; a link
that failed is asked again on every run, so that a server back up is noticed
and a short outage is not remembered for a week. The whole check has a time
limit; addresses not reached in time are listed as not checked, never as
dead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import http.client
import ipaddress
import json
import os
import queue
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urldefrag, urljoin, urlsplit

from kb import __version__
from kb.links import classify, scan_links
from kb.model import Document
from kb.problems import Problem

CACHE_VERSION = 1
USER_AGENT = f"kb-link-check/{__version__} (link checker of a knowledge base)"
#: Answers after which the GET retry is pointless: the server spoke about the page.
NO_RETRY = {404, 410}


@dataclass(frozen=True)
class LinkOccurrence:
    """One external address written in one place of one document."""

    path: str
    line: int
    field: str
    url: str

    @property
    def address(self) -> str:
        """The address that is checked: without its ``#fragment``, with a scheme."""
        url = urldefrag(self.url)[0]
        return "https:" + url if url.startswith("//") else url


@dataclass(frozen=True)
class LinkStatus:
    """What asking for an address gave: ``ok``, the HTTP status if any, and why not."""

    url: str
    ok: bool
    status: int | None = None
    reason: str = ""
    checked: float = 0.0  # seconds since the epoch
    refused: bool = False  # not asked at all: not a public web address


@dataclass(frozen=True)
class LinkCheckOptions:
    timeout: float = 10.0  # per request, in seconds
    time_limit: float = 120.0  # for the whole check, in seconds
    jobs: int = 8  # requests in flight at once
    per_host: int = 2  # requests in flight to one server at once
    max_age: float = 7 * 24 * 3600.0  # how long a good answer is trusted, in seconds
    refresh: bool = False  # ask again even for answers the cache trusts


@dataclass(frozen=True)
class LinkReport:
    """The outcome of an external link check, for ``kb check`` to print."""

    problems: list[Problem]
    addresses: int  # distinct addresses found
    asked: int  # of which asked over the network in this run
    from_cache: int  # of which answered from the cache
    unchecked: tuple[str, ...] = field(default=())  # not reached within the time limit


def collect_links(documents: Iterable[Document], content_prefix: str) -> list[LinkOccurrence]:
    """Every http(s) address in the bodies and sources of ``documents``, with its line."""
    found: list[LinkOccurrence] = []
    for doc in documents:
        for link in scan_links(doc.body, doc.body_line):
            target = classify(link.target, doc.path, content_prefix)
            if target.kind == "external" and target.scheme in ("http", "https"):
                field_name = "image" if link.is_image else "link"
                found.append(LinkOccurrence(doc.path, link.line, field_name, link.target.strip()))
        for index, source in enumerate(doc.sources):
            if source.url:
                keypath = f"sources[{index}].url"
                found.append(LinkOccurrence(doc.path, doc.line(keypath), keypath, source.url))
    return found


def check_external_links(
    documents: Iterable[Document],
    content_prefix: str,
    cache_path: Path,
    options: LinkCheckOptions,
    *,
    now: Callable[[], float] = time.time,
    trusted: Collection[str] = (),
) -> LinkReport:
    """Check the external links of ``documents``; dead ones become warnings.

    ``trusted`` servers are asked even on private addresses (see ``check_url``).
    """
    occurrences = collect_links(documents, content_prefix)
    addresses = sorted({o.address for o in occurrences})
    cache = LinkCache.load(cache_path)
    started = now()
    known: dict[str, LinkStatus] = {}
    if not options.refresh:
        for url in addresses:
            status = cache.get(url, started, options.max_age)
            if status is not None:
                known[url] = status
    to_ask = [url for url in addresses if url not in known]
    ask = functools.partial(check_url, trusted=trusted)
    answered, unchecked = check_urls(to_ask, options, ask=ask)
    for status in answered.values():
        cache.put(status)
    if answered:
        cache.save(started, options.max_age)
    statuses = {**known, **answered}
    problems = [
        _dead_link(occurrence, statuses[occurrence.address])
        for occurrence in occurrences
        if occurrence.address in statuses and not statuses[occurrence.address].ok
    ]
    return LinkReport(
        problems=problems,
        addresses=len(addresses),
        asked=len(answered),
        from_cache=len(known),
        unchecked=tuple(unchecked),
    )


def _dead_link(occurrence: LinkOccurrence, status: LinkStatus) -> Problem:
    if status.refused:
        return Problem(
            occurrence.path,
            occurrence.line,
            occurrence.field,
            f"{occurrence.url} was not checked: {status.reason}; link to a public web page instead",
            "warning",
        )
    advice = (
        "the server may be busy; try again later"
        if status.status == 429 or (status.status or 0) >= 500
        else "update the address, link to an archived copy, or remove the link"
    )
    return Problem(
        occurrence.path,
        occurrence.line,
        occurrence.field,
        f"{occurrence.url} does not work: {status.reason}; {advice}",
        "warning",
    )


# -- asking the servers --------------------------------------------------------


def check_url(url: str, timeout: float, *, trusted: Collection[str] = ()) -> LinkStatus:
    """Ask one address: HEAD first, GET when the server refuses HEAD.

    Only public ``http(s)`` servers are asked, at the first address and after
    every redirect: private, loopback, link-local, multicast and reserved
    addresses are refused, so that a document cannot make the check (which
    runs in CI) reach the machines around it. ``trusted`` names servers
    (``host:port``) asked wherever they are: the tests serve pages on
    127.0.0.1. No option or setting of kb reaches it.
    """
    checked = time.time()
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return LinkStatus(url, False, None, "not a web address", checked)
    except ValueError:
        return LinkStatus(url, False, None, "not a web address", checked)
    status = _ask(url, "HEAD", timeout, trusted)
    if not status.ok and status.status is not None and status.status not in NO_RETRY:
        # Many servers answer HEAD with 403, 405 or 501 while serving GET.
        status = _ask(url, "GET", timeout, trusted)
    return dataclasses.replace(status, url=url, checked=checked)


#: Redirects followed before an address counts as dead.
MAX_REDIRECTS = 5
REDIRECTS = {301, 302, 303, 307, 308}


class _Refused(Exception):
    """An address kb does not ask: not a public web address."""


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``ip`` is a public address, one kb may connect to."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # is_global alone admits multicast addresses on some Python versions.
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def _public_address(host: str, port: int, trusted: Collection[str]) -> str:
    """The address to connect to for ``host``; refuses names that lead anywhere not public.

    Every address the name resolves to must be public (a name that answers
    with one public and one private address could reach either), and kb
    connects to the address checked here, so a second lookup cannot swap it.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError:
        raise _Refused("not a web address (the server's name is malformed)") from None
    addresses = [str(info[4][0]) for info in found]
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not _public(ip) and f"{host}:{port}" not in trusted:
            where = "it is" if _is_address(host, ip) else f"{host} is"
            raise _Refused(f"{where} {ip}, not a public address (only public servers are asked)")
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, "no address")
    return addresses[0]


def _is_address(host: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``host`` is written as the address ``ip`` itself."""
    try:
        return ipaddress.ip_address(host) == ip
    except ValueError:
        return False


def _connection(
    parts: SplitResult, timeout: float, trusted: Collection[str]
) -> http.client.HTTPConnection:
    """A connection to the checked address of the server in ``parts``."""
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = _public_address(host, port, trusted)
    connection: http.client.HTTPConnection
    if https:
        connection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    # Connect to the address checked above; the Host header and the TLS
    # certificate check still use the server's name.
    connection._create_connection = lambda _where, *args: socket.create_connection(  # type: ignore[attr-defined]
        (address, port), *args
    )
    return connection


def _ask(url: str, method: str, timeout: float, trusted: Collection[str]) -> LinkStatus:
    """One method on ``url``, following redirects one hop at a time, each hop checked."""
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise _Refused(f"it redirects to {url}, not a web address")
            connection = _connection(parts, timeout, trusted)
            try:
                target = parts.path or "/"
                if parts.query:
                    target += "?" + parts.query
                connection.request(method, target, headers={"User-Agent": USER_AGENT})
                response = connection.getresponse()
                status, reason = response.status, response.reason
                location = response.getheader("Location")
            finally:
                connection.close()
            if status in REDIRECTS and location:
                url = urljoin(url, location.strip())
                continue
            if status >= 400:
                return LinkStatus(url, False, status, f"HTTP {status} {reason}".rstrip())
            return LinkStatus(url, True, status)
        return LinkStatus(url, False, None, f"more than {MAX_REDIRECTS} redirects")
    except _Refused as exc:
        return LinkStatus(url, False, None, str(exc), refused=True)
    except TimeoutError:
        return LinkStatus(url, False, None, f"no answer within {timeout:g} s")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return LinkStatus(url, False, None, _network_reason(exc, timeout))


def _network_reason(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return "the server's name is not known (no such host)"
    if isinstance(reason, ssl.SSLError):
        return f"the secure connection failed ({getattr(reason, 'reason', None) or reason})"
    if isinstance(reason, ConnectionRefusedError):
        return "the server refused the connection"
    if isinstance(reason, OSError) and reason.strerror:
        return f"could not connect ({reason.strerror})"
    return f"could not connect ({reason})"


def check_urls(
    urls: list[str],
    options: LinkCheckOptions,
    *,
    ask: Callable[[str, float], LinkStatus] = check_url,
) -> tuple[dict[str, LinkStatus], list[str]]:
    """Ask every address, ``options.jobs`` at a time; return the answers and the rest.

    The workers are daemon threads fed from a queue: when the time limit
    passes, the answers so far are returned at once and a request still in
    flight cannot keep the command waiting.
    """
    answers: dict[str, LinkStatus] = {}
    if not urls:
        return answers, []
    clock = time.monotonic
    deadline = clock() + options.time_limit
    pending: queue.SimpleQueue[str] = queue.SimpleQueue()
    for url in urls:
        pending.put(url)
    lock = threading.Lock()
    finished = threading.Event()
    hosts = _HostSlots(max(1, options.per_host))
    left = len(urls)

    def work() -> None:
        nonlocal left
        while True:
            try:
                url = pending.get_nowait()
            except queue.Empty:
                return
            remaining = deadline - clock()
            if remaining <= 0:
                return
            with hosts.slot(url, remaining) as got:
                if not got:
                    return
                timeout = max(0.05, min(options.timeout, deadline - clock()))
                status = ask(url, timeout)
            with lock:
                if clock() <= deadline:
                    answers[url] = status
                left -= 1
                if left == 0:
                    finished.set()

    workers = [
        threading.Thread(target=work, name="kb-link-check", daemon=True)
        for _ in range(max(1, min(options.jobs, len(urls))))
    ]
    for worker in workers:
        worker.start()
    finished.wait(timeout=max(0.0, deadline - clock()))
    with lock:
        result = dict(answers)
    return result, [url for url in urls if url not in result]


class _HostSlots:
    """At most ``limit`` requests in flight to one server, so no site is hammered."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lock = threading.Lock()
        self.semaphores: dict[str, threading.Semaphore] = {}

    @contextmanager
    def slot(self, url: str, wait: float) -> Iterator[bool]:
        host = urlsplit(url).netloc.lower()
        with self.lock:
            semaphore = self.semaphores.setdefault(host, threading.Semaphore(self.limit))
        got = semaphore.acquire(timeout=wait)
        try:
            yield got
        finally:
            if got:
                semaphore.release()


# -- the cache -------------------------------------------------------------------


class LinkCache:
    """Answers from earlier runs, kept in a JSON file in the project's cache folder."""

    def __init__(self, path: Path, entries: dict[str, dict[str, Any]]) -> None:
        self.path = path
        self.entries = entries

    @classmethod
    def load(cls, path: Path) -> LinkCache:
        """Read the cache; a missing, unreadable or foreign file is an empty cache."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path, {})
        if not isinstance(raw, dict) or raw.get("version") != CACHE_VERSION:
            return cls(path, {})
        links = raw.get("links")
        if not isinstance(links, dict):
            return cls(path, {})
        return cls(path, {k: v for k, v in links.items() if isinstance(v, dict)})

    def get(self, url: str, now: float, max_age: float) -> LinkStatus | None:
        """The cached answer for ``url`` if it was good and is recent enough."""
        entry = self.entries.get(url)
        if not entry or entry.get("ok") is not True:
            return None
        checked = _timestamp(entry.get("checked"))
        if checked is None or not (0 <= now - checked < max_age):
            return None
        status = entry.get("status")
        return LinkStatus(url, True, status if isinstance(status, int) else None, "", checked)

    def put(self, status: LinkStatus) -> None:
        self.entries[status.url] = {
            "ok": status.ok,
            "status": status.status,
            "reason": status.reason,
            "checked": dt.datetime.fromtimestamp(status.checked, dt.timezone.utc).isoformat(
                timespec="seconds"
            ),
        }

    def save(self, now: float, max_age: float) -> None:
        """Write the cache atomically, dropping answers too old to be used again."""
        kept = {}
        for url, entry in sorted(self.entries.items()):
            checked = _timestamp(entry.get("checked"))
            if checked is not None and now - checked < max_age:
                kept[url] = entry
        data = json.dumps({"version": CACHE_VERSION, "links": kept}, indent=1, sort_keys=True)
        temporary = ""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=".links-", suffix=".tmp"
            )
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(data + "\n")
            os.replace(temporary, self.path)
        except OSError:
            # A read-only checkout still gets its report; only the speed-up is lost.
            if temporary:
                Path(temporary).unlink(missing_ok=True)


def _timestamp(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.timestamp()

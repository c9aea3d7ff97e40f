"""Where the site is published: ``site_url`` from mkdocs.yml or the build's environment.

Every PDF prints the documents' online address, and the sitemap, feeds and
search data carry it too, so a placeholder left in ``site_url`` ends up on
paper in workshops. The publish workflow knows the real address (the
repository's Pages address) and hands it over in ``KB_SITE_URL``, which
wins over mkdocs.yml; without either, ``kb check`` says so loudly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from kb.problems import Problem

#: Set by the publish workflow from the repository's Pages address.
ENVIRONMENT_VARIABLE = "KB_SITE_URL"
#: Domains reserved for examples (RFC 2606, section 3), with all their subdomains.
PLACEHOLDER_DOMAINS = ("example.com", "example.net", "example.org")
#: Top-level names reserved for tests and examples (RFC 2606, section 2): no reader
#: can visit an address under them either.
RESERVED_TLDS = ("example", "invalid", "localhost", "test")
_SITE_URL_LINE = re.compile(r"^site_url\s*:", re.MULTILINE)


def configured_site_url(raw: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> str:
    """The site's address with a trailing slash, or '' when none is set.

    ``KB_SITE_URL`` in the environment wins over ``site_url`` in mkdocs.yml.
    """
    given = (environ if environ is not None else os.environ).get(ENVIRONMENT_VARIABLE, "")
    value = given.strip() or str(raw.get("site_url") or "").strip()
    return value.rstrip("/") + "/" if value else ""


def is_placeholder(site_url: str) -> bool:
    """True for an address no reader can visit: a host reserved for examples or tests.

    ``https://example.org/...``, ``https://kb.example.org/`` and ``http://kb.test/``
    all are; so is ``localhost``, which only the machine that built the site can reach.
    """
    host = (urlsplit(site_url).hostname or "").lower().rstrip(".")
    labels = host.split(".")
    return any(host == d or host.endswith("." + d) for d in PLACEHOLDER_DOMAINS) or (
        labels[-1] in RESERVED_TLDS
    )


def site_url_problems(site_url: str, mkdocs_text: str) -> Iterator[Problem]:
    """A warning when the site has no real address (an error with ``--strict``)."""
    found = _SITE_URL_LINE.search(mkdocs_text)
    line = mkdocs_text.count("\n", 0, found.start()) + 1 if found else 1
    fix = (
        f"set site_url in mkdocs.yml to the address the site is published at, or set "
        f"{ENVIRONMENT_VARIABLE} when building (the publish workflow sets it from the "
        "repository's Pages address)"
    )
    if not site_url:
        yield Problem(
            "mkdocs.yml",
            line,
            "site_url",
            "no site_url: the PDFs cannot print the documents' online addresses and the "
            f"sitemap and feeds have no address; {fix}",
            "warning",
        )
    elif is_placeholder(site_url):
        yield Problem(
            "mkdocs.yml",
            line,
            "site_url",
            f"site_url is the placeholder {site_url} ({urlsplit(site_url).hostname} is "
            "reserved for examples and tests; no reader can visit it): every PDF would "
            f"print it as the documents' address; {fix}",
            "warning",
        )

"""The pruned Material stylesheet keeps what the pages can use, and only that."""

from __future__ import annotations

from kb.site.compress import accepted
from kb.site.lighten import Used, prune_stylesheet

CSS = """
:root{--used-colour:#123;--unused-icon:url(x.svg);--chained:var(--used-colour)}
.md-header{color:var(--chained)}
.md-version{mask-image:var(--unused-icon)}
.md-nav .md-nav__link:not(.md-nav__link--active){color:red}
a,.md-unused b{text-decoration:none}
[data-md-color-primary=teal]{--md-primary:#009485}
[data-md-color-primary=pink]{--md-primary:#e92063}
.md-typeset a{color:var(--md-primary)}
@media screen and (max-width:40em){.md-unused{display:none}.md-header{padding:0}}
@media print{.md-unused{display:none}}
"""


def pruned(html: str, readers: str = "") -> str:
    used = Used()
    used.add_page(html)
    return prune_stylesheet(CSS, used, readers)


def test_rules_for_classes_no_page_uses_are_dropped() -> None:
    css = pruned(
        '<body data-md-color-primary="teal"><header class="md-header">'
        '<nav class="md-nav"><a class="md-nav__link">x</a></nav>'
        '<div class="md-typeset"><a>y</a></div>'
    )
    assert ".md-header{color:var(--chained)}" in css
    assert ".md-version" not in css and "--unused-icon" not in css
    # Custom properties read through another one are kept.
    assert "--chained:var(--used-colour)" in css and "--used-colour:#123" in css
    # A class inside :not() is not required for the rule to apply.
    assert ".md-nav__link:not(.md-nav__link--active)" in css
    # From a selector list, only the selectors that can match stay.
    assert "a{text-decoration:none}" in css
    # The palette's values the pages set, not the others.
    assert "teal" in css and "pink" not in css
    assert "@media screen and (max-width:40em){.md-header{padding:0}}" in css
    assert "@media print" not in css


def test_properties_the_owners_stylesheets_read_are_kept() -> None:
    css = pruned("<p>nothing</p>", readers=".x{background:var(--unused-icon)}")
    assert "--unused-icon:url(x.svg)" in css


def test_accepted_encodings_follow_the_request() -> None:
    assert accepted("gzip, deflate, br, zstd") == ["br", "gzip"]
    assert accepted("gzip;q=0.5, br;q=0") == ["gzip"]
    assert accepted("identity") == []
    assert accepted("") == []

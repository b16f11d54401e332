"""Members' texts as safe HTML: a Markdown subset, then a sanitiser (no raw HTML ever reaches a
page).

markdown-it-py renders paragraphs, emphasis, links, lists, quotes and code, with raw HTML and
images switched off; nh3 (the Rust `ammonia` sanitiser) then keeps only the tags and attributes
listed here and only http, https and mailto links. Either alone should suffice; both together
mean one library's bug is not a hole.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable(
    ["image", "html_block", "html_inline", "heading", "lheading", "reference"]
)

TAGS = {"p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr"}
ATTRIBUTES = {"a": {"href", "title"}}
SCHEMES = {"http", "https", "mailto"}


def to_html(text: str | None) -> Markup:
    """Safe HTML for a member's Markdown text."""
    if not text:
        return Markup("")
    rendered = _md.render(text)
    clean = nh3.clean(
        rendered,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised just above

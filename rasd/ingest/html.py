"""Main text and metadata of a news web page, through trafilatura.

Outlet pages wrap one report in menus, related links, comments and footers; only the report
itself should reach the extractors, so every offset downstream refers to trafilatura's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class HtmlPage:
    """What trafilatura found in one page; `text` is None when it found no main text."""

    text: str | None
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    date: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


# trafilatura fields worth keeping beside the Article fields (only when non-empty).
_EXTRA_FIELDS = ("author", "description", "hostname", "categories", "tags", "language")


def _as_dict(doc: Any) -> dict[str, Any]:
    # trafilatura >= 2 returns a Document, 1.x a dict
    if isinstance(doc, dict):
        return doc
    if hasattr(doc, "as_dict"):
        return dict(doc.as_dict())
    return dict(vars(doc))


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def extract_html(data: bytes | str, url: str | None = None) -> HtmlPage:
    """Run trafilatura on raw page bytes (it detects the charset itself).

    favor_recall because short wire reports are otherwise sometimes dropped as boilerplate;
    comments are excluded because readers' comments are not reporting.
    """
    import trafilatura  # here, not at the top: it costs ~0.3 s of startup that JSONL and text runs never need

    doc = trafilatura.bare_extraction(
        data,
        url=url,
        favor_recall=True,
        include_comments=False,
        with_metadata=True,
    )
    if doc is None:
        return HtmlPage(text=None)
    d = _as_dict(doc)
    text = d.get("text")
    if not isinstance(text, str) or not text.strip():
        text = None
    meta: dict[str, Any] = {}
    for key in _EXTRA_FIELDS:
        value = d.get(key)
        if value:
            meta[key] = value
    return HtmlPage(
        text=text,
        title=_clean(d.get("title")),
        url=_clean(d.get("url")),
        outlet=_clean(d.get("sitename")),
        date=_clean(d.get("date")),
        meta=meta,
    )

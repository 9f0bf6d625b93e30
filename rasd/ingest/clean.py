"""Articles every backend can store and every output can print: no lone surrogate, no NUL.

Input can carry characters that Python strings hold but nothing downstream accepts: a lone UTF-16
surrogate (``"\\ud800"`` in JSON, or a file name with bytes that are not UTF-8, which Python decodes
to ``"\\udcff"``) cannot be encoded as UTF-8, so hashing, SQLite and standard output fail on it; a NUL
character cannot be stored in a PostgreSQL text or JSON field. `clean_article` replaces each lone
surrogate with U+FFFD (one character for one, so offsets do not move) and removes NUL characters,
in the article's text, its id, title, URL, outlet and path, and in every key and value of its
metadata, where a number that is not finite (``1e400``, ``NaN``: not JSON) becomes null. It says
what it changed, in words for a one-line report, and refuses metadata nested deeper than
`MAX_DEPTH` levels.

The readers (`rasd.ingest.readers`) clean every article they deliver and report what they changed;
`rasd.store.articles.ArticleWriter` cleans again, so articles from the API or a feed are safe too.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from typing import Any

from rasd.doc import Article

MAX_DEPTH = 100  # levels of nested metadata (lists and objects) an article may carry
_FIELDS = ("id", "text", "title", "url", "outlet", "path")
_NAMES = {"path": "file name"}  # how a field is named in a report
_BAD = re.compile("[\ud800-\udfff\x00]")
REPLACEMENT = "\ufffd"


class TooDeep(ValueError):
    """Metadata nested deeper than MAX_DEPTH levels."""


def _fine(s: str) -> bool:
    """No NUL and no lone surrogate (encoding is three times faster than a regular expression here)."""
    if "\x00" in s:
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_str(s: str) -> tuple[str, int, int]:
    """(s without lone surrogates and NULs, surrogates replaced, NULs removed)."""
    if _fine(s):  # the common case
        return s, 0, 0
    nuls = s.count("\x00")
    surrogates = len(_BAD.findall(s)) - nuls
    return _BAD.sub(lambda m: "" if m.group() == "\x00" else REPLACEMENT, s), surrogates, nuls


class _Tally:
    def __init__(self) -> None:
        self.surrogates: Counter[str] = Counter()
        self.nuls: Counter[str] = Counter()
        self.numbers = 0

    def text(self, where: str, s: str) -> str:
        where = _NAMES.get(where, where)
        out, sur, nul = clean_str(s)
        if sur:
            self.surrogates[where] += sur
        if nul:
            self.nuls[where] += nul
        return out

    def problems(self) -> list[str]:
        out = []
        for what, counts in (("lone surrogates replaced by U+FFFD in", self.surrogates),
                             ("NUL characters removed from", self.nuls)):
            if counts:
                out.append(f"{what} " + ", ".join(f"{k} ({n})" for k, n in counts.items()))
        if self.numbers:
            out.append(f"numbers that are not finite set to null in meta ({self.numbers})")
        return out


def _meta_fine(value: Any) -> bool:
    """True when the metadata needs no change; TooDeep when it is nested too deeply."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            if depth >= MAX_DEPTH:
                raise TooDeep(f"metadata nested more than {MAX_DEPTH} levels deep")
            for k, x in v.items():
                if isinstance(k, str) and not _fine(k):
                    return False
                stack.append((x, depth + 1))
        elif isinstance(v, (list, tuple)):
            if depth >= MAX_DEPTH:
                raise TooDeep(f"metadata nested more than {MAX_DEPTH} levels deep")
            stack.extend((x, depth + 1) for x in v)
        elif (isinstance(v, str) and not _fine(v)) or (isinstance(v, float) and not math.isfinite(v)):
            return False
    return True


def _clean_meta(value: Any, tally: _Tally) -> Any:
    """A copy of `value` with every string (keys too) cleaned; iterative, so depth costs no stack."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(value, root, 0, 0)]  # (value, parent, slot, depth)
    while stack:
        v, parent, slot, depth = stack.pop()
        if isinstance(v, dict):
            if depth >= MAX_DEPTH:
                raise TooDeep(f"metadata nested more than {MAX_DEPTH} levels deep")
            new: dict[Any, Any] = {}
            for k, x in v.items():
                k = tally.text("meta", k) if isinstance(k, str) else k
                new[k] = None
                stack.append((x, new, k, depth + 1))
            parent[slot] = new
        elif isinstance(v, (list, tuple)):
            if depth >= MAX_DEPTH:
                raise TooDeep(f"metadata nested more than {MAX_DEPTH} levels deep")
            lst: list[Any] = [None] * len(v)
            for i, x in enumerate(v):
                stack.append((x, lst, i, depth + 1))
            parent[slot] = lst
        elif isinstance(v, str):
            parent[slot] = tally.text("meta", v)
        elif isinstance(v, float) and not math.isfinite(v):
            tally.numbers += 1
            parent[slot] = None
        else:
            parent[slot] = v
    return root[0]


def clean_article(art: Article) -> tuple[Article, list[str]]:
    """The article with lone surrogates replaced and NULs removed, and what was changed (empty: nothing).

    Raises TooDeep when its metadata is nested more than MAX_DEPTH levels deep.
    """
    meta_fine = _meta_fine(art.meta) if art.meta else True
    if meta_fine and all(_fine(v) for v in (art.id, art.text, art.title, art.url, art.outlet, art.path)
                         if isinstance(v, str)):
        return art, []
    tally = _Tally()
    changes: dict[str, Any] = {}
    for name in _FIELDS:
        v = getattr(art, name)
        if isinstance(v, str):
            new = tally.text(name, v)
            if new is not v:
                changes[name] = new
    meta = art.meta if meta_fine else _clean_meta(art.meta, tally)
    problems = tally.problems()
    if not problems:
        return art, []
    return dataclasses.replace(art, **changes, meta=meta), problems

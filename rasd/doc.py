"""The document every pipeline component reads and annotates (spaCy's Doc is the model).

`Doc.text` is the article exactly as read; `Doc.norm` is the normalised view used for
matching; `Doc.span()` turns view offsets into a `Span` of the original text. Components add
spans to named layers (`doc.layers["numbers"]`, ...) and never edit text or earlier layers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from rasd.arabic.normalize import normalize_with_map
from rasd.arabic.tokens import TOKEN_RE, proclitic_splits


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of the original text, with a label and free attributes."""

    start: int
    end: int
    text: str
    label: str = ""
    attrs: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def __getattr__(self, key: str) -> Any:
        # attrs read like fields: number.value, date.date_start
        attrs = self.__dict__.get("attrs")
        if attrs is not None and key in attrs:
            return attrs[key]
        raise AttributeError(key)


@dataclass(slots=True)
class Token:
    """A token of the view: nstart/nend index `doc.norm`; start/end index the original."""

    i: int
    nstart: int
    nend: int
    start: int
    end: int
    norm: str

    def splits(self) -> list[tuple[str, str]]:
        return proclitic_splits(self.norm)


@dataclass
class Article:
    """One input article as the readers deliver it."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: dt.date | None = None
    path: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


# Sentence ends: . ! ? ؟ and line breaks; a dot between digits is a decimal point.
_SENT_END = re.compile(r"(?<![0-9])[.!?؟]+(?=[\s\"'»”)]|$)|\n+")


class Doc:
    """Original text, normalised view with offset map, sentences, tokens and annotation layers."""

    def __init__(self, text: str, article: Article | None = None) -> None:
        self.text = text
        self.article = article
        self.norm, self._map = normalize_with_map(text)
        self.layers: dict[str, list[Any]] = {}
        self.cache: dict[str, Any] = {}  # derived lookups shared by components (cue hits, ...)
        self.tokens: list[Token] = self._tokenize()
        self._tok_starts: list[int] = []
        self.sentences: list[Span] = self._sentences()

    # --- offsets -------------------------------------------------------------
    def orig_start(self, n: int) -> int:
        return self._map[n]

    def orig_end(self, n: int) -> int:
        """Original end for a view end `n` (exclusive): keeps removed marks of the last letter."""
        if n <= 0:
            return self._map[0]
        return self._map[n] if n < len(self._map) else len(self.text)

    def span(self, nstart: int, nend: int, label: str = "", **attrs: Any) -> Span:
        """A Span of the original text from view offsets."""
        s, e = self.orig_start(nstart), self.orig_end(nend)
        # never let trailing whitespace ride along through the end map
        while e > s and self.text[e - 1].isspace():
            e -= 1
        return Span(s, e, self.text[s:e], label, attrs)

    def view_index(self, orig: int) -> int:
        """The first view offset at or after an original offset (bisect on the map)."""
        import bisect

        return bisect.bisect_left(self._map, orig)

    # --- layers ----------------------------------------------------------------
    def add(self, layer: str, spans: list[Any]) -> None:
        self.layers.setdefault(layer, []).extend(spans)

    def get(self, layer: str) -> list[Any]:
        return self.layers.get(layer, [])

    @property
    def published(self) -> dt.date | None:
        return self.article.published if self.article else None

    # --- segmentation ------------------------------------------------------------
    def _tokenize(self) -> list[Token]:
        omap = self._map  # len(norm) + 1 entries: every view end has an original offset
        return [Token(i, s, e, omap[s], omap[e], w)
                for i, (s, e, w) in enumerate((m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(self.norm))]

    def _sentences(self) -> list[Span]:
        out: list[Span] = []
        pos = 0
        for m in _SENT_END.finditer(self.norm):
            end = m.end() if m.group().strip() else m.start()
            self._add_sentence(out, pos, end)
            pos = m.end()
        self._add_sentence(out, pos, len(self.norm))
        return out

    def _add_sentence(self, out: list[Span], ns: int, ne: int) -> None:
        while ns < ne and self.norm[ns].isspace():
            ns += 1
        while ne > ns and self.norm[ne - 1].isspace():
            ne -= 1
        if ne > ns:
            out.append(self.span(ns, ne, "sentence", index=len(out)))

    def sentence_of(self, orig: int) -> Span | None:
        """The sentence holding original offset `orig`."""
        for s in self.sentences:
            if s.start <= orig < s.end:
                return s
        return None

    def token_at(self, n: int) -> int | None:
        """Index of the token holding view offset `n`, or None."""
        import bisect

        if not self._tok_starts:
            self._tok_starts = [t.nstart for t in self.tokens]
        i = bisect.bisect_right(self._tok_starts, n) - 1
        if i >= 0 and self.tokens[i].nstart <= n < self.tokens[i].nend:
            return i
        return None

    def tokens_in(self, start: int, end: int) -> list[Token]:
        return [t for t in self.tokens if t.start >= start and t.end <= end]

"""The document every pipeline component reads and annotates (spaCy's Doc is the model).

`Doc.text` is the article exactly as read; `Doc.norm` is the normalised view used for
matching; `Doc.span()` turns view offsets into a `Span` of the original text. Components add
spans to named layers (`doc.layers["numbers"]`, ...) and never edit text or earlier layers.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import operator
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from rasd.arabic.normalize import normalize_with_map
from rasd.arabic.tokens import TOKEN_RE, proclitic_splits

_START = operator.attrgetter("start")
_END = operator.attrgetter("end")
_NO_ATTRS: Any = object()  # Span's attrs default (a new dict), told apart from any value


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of the original text, with a label and free attributes."""

    start: int
    end: int
    text: str
    label: str = ""
    attrs: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __init__(self, start: int, end: int, text: str, label: str = "",
                 attrs: dict[str, Any] = _NO_ATTRS) -> None:
        # what the generated frozen __init__ does (one object.__setattr__ per field), in one
        # dict update: components build many spans per article
        self.__dict__.update(start=start, end=end, text=text, label=label,
                             attrs={} if attrs is _NO_ATTRS else attrs)

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def with_attrs(self, **attrs: Any) -> Span:
        """The same words with some attributes changed (spans are frozen)."""
        return Span(self.start, self.end, self.text, self.label, {**self.attrs, **attrs})

    def __getattr__(self, key: str) -> Any:
        # attrs read like fields: number.value, date.date_start
        attrs = self.__dict__.get("attrs")
        if attrs is not None and key in attrs:
            return attrs[key]
        raise AttributeError(key)


_new_span = object.__new__


class Token(NamedTuple):
    """A token of the view: nstart/nend index `doc.norm`; start/end index the original.

    A named tuple rather than a dataclass: a doc holds hundreds of tokens, and tuples are
    built without running any Python code per token.
    """

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


_TOKEN_SPLIT = re.compile(f"({TOKEN_RE.pattern})")

# Sentence ends: . ! ? ؟ and line breaks; a dot after a digit is a decimal point.
# A punctuation run ends a sentence only from its first mark (the lookbehind) and is taken whole
# without backtracking (*+): linear even on 40,000 dots before a letter.
_SENT_END = re.compile(r"\n+|(?<![.!?؟0-9])[.!?؟][.!?؟]*+(?=[\s\"'»”)]|$)")


class Doc:
    """Original text, normalised view with offset map, sentences, tokens and annotation layers."""

    def __init__(self, text: str, article: Article | None = None) -> None:
        self.text = text
        self.article = article
        self.norm, self._map = normalize_with_map(text)
        self.layers: dict[str, list[Any]] = {}
        self.cache: dict[str, Any] = {}  # derived lookups shared by components (cue hits, ...)
        self.tokens: list[Token] = self._tokenize()

    @functools.cached_property
    def sentences(self) -> list[Span]:
        """Built on first use: an article that tells no act is dropped before anything reads them."""
        return self._sentences()

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
        omap = self._map
        s = omap[nstart]  # orig_start and orig_end, inlined: many spans per article
        e = omap[0] if nend <= 0 else omap[nend] if nend < len(omap) else len(self.text)
        # never let trailing whitespace ride along through the end map
        text = self.text
        while e > s and text[e - 1].isspace():
            e -= 1
        sp = _new_span(Span)  # Span.__init__, inlined
        sp.__dict__.update(start=s, end=e, text=text[s:e], label=label, attrs=attrs)
        return sp

    def view_index(self, orig: int) -> int:
        """The first view offset at or after an original offset (bisect on the map)."""
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
        # split() with the token pattern captured alternates [gap, token, gap, token, ..., gap]
        # (gaps are whitespace, possibly empty); running sums of the part lengths are the
        # token boundaries. A token never ends at 0 nor starts past the view, so the map
        # gives both original offsets directly (what orig_start / orig_end would return).
        parts = _TOKEN_SPLIT.split(self.norm)
        bounds = list(itertools.accumulate(map(len, parts), initial=0))
        starts, ends = bounds[1:-1:2], bounds[2::2]
        orig = self._map.__getitem__
        norms = parts[1::2]
        # columns other components would otherwise rebuild from the tokens (bisect on them)
        self.token_nstarts: list[int] = starts
        self.token_starts: list[int] = list(map(orig, starts))  # original offsets
        self.cache["token_norms"] = norms
        self.cache["token_nstarts"] = starts
        return list(map(tuple.__new__, itertools.repeat(Token), zip(
            itertools.count(), starts, ends, self.token_starts, map(orig, ends), norms)))

    def _sentences(self) -> list[Span]:
        out: list[Span] = []
        pos = 0
        from rasd.extract.cues import cue_set  # the cue lists' loader (cues.py imports this module)

        cont = cue_set("line_continuers")
        for m in _SENT_END.finditer(self.norm):
            if m.group()[0] == "\n" and m.group() == "\n":
                last = self.norm[max(pos, m.start() - 12):m.start()].rsplit(None, 1)
                if last and last[-1] in cont:
                    continue  # "مطار التيفور العسكري في" + line break: a wrapped line, not a sentence end
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
        i = bisect.bisect_right(self.token_nstarts, n) - 1
        if i >= 0 and self.tokens[i].nstart <= n < self.tokens[i].nend:
            return i
        return None

    def token_of(self, orig: int) -> int | None:
        """Index of the token holding original offset `orig`, or None."""
        i = bisect.bisect_right(self.token_starts, orig) - 1
        if i >= 0 and self.tokens[i].start <= orig < self.tokens[i].end:
            return i
        return None

    def tokens_in(self, start: int, end: int) -> list[Token]:
        """The tokens lying inside original offsets [start, end), in order."""
        # token starts and ends never decrease, so those tokens are one run: bisect its ends
        toks = self.tokens
        lo = bisect.bisect_left(toks, start, key=_START)
        hi = bisect.bisect_right(toks, end, key=_END)
        return toks[lo:hi] if lo < hi else []

"""Tokens and proclitics: Arabic writes و ف ب ل ك and the article ال onto the word itself."""

from __future__ import annotations

import re
from typing import Any

from rasd.arabic.normalize import LETTER

TOKEN_RE = re.compile(f"[{LETTER}]+|[0-9]+(?:[.,][0-9]+)*|[A-Za-z]+|\\S")

# Conjunctions, then prepositions, then the article. "لل" is ل + ال with the alef dropped.
_CONJ = ("و", "ف")
_PREP = ("ب", "ل", "ك")


# A word opening with none of these letters has no proclitic and no article.
_CLITIC_FIRST = frozenset("وفبلكا")


def proclitic_splits(word: str, min_stem: int = 2) -> list[tuple[str, str]]:
    """All (prefix, stem) readings of a normalised word, unpeeled first, most peeled last.

    Lookup code tries each stem against its lexicon; the lexicon decides which reading is
    real, so over-generating here is safe ("والي" yields و+الي and ال+ي, a lexicon knows neither).
    """
    out: list[tuple[str, str]] = [("", word)]
    if not word or word[0] not in _CLITIC_FIRST:
        return out
    seen = {word}
    for c in ("", *_CONJ):
        if c:
            if not word.startswith(c):
                continue
            rest = word[len(c):]
            if len(rest) >= min_stem and rest not in seen:
                seen.add(rest)
                out.append((c, rest))
        else:
            rest = word
        for p in ("", *_PREP):
            if p:
                if not rest.startswith(p):
                    continue
                rest2 = rest[len(p):]
                if len(rest2) >= min_stem and rest2 not in seen:
                    seen.add(rest2)
                    out.append((c + p, rest2))
            else:
                rest2 = rest
            if p == "ل" and rest2.startswith("ل"):
                # لل = ل + ال : للمدينة -> مدينة ; also keep ال form for lexicons keyed with it
                for stem in ("ال" + rest2[1:], rest2[1:]):
                    if len(stem) >= min_stem and stem not in seen:
                        seen.add(stem)
                        out.append((c + "لل", stem))
            if rest2.startswith("ال"):
                stem = rest2[2:]
                if len(stem) >= min_stem and stem not in seen:
                    seen.add(stem)
                    out.append((c + p + "ال", stem))
    return out


def strip_proclitics(word: str, known: set[str] | frozenset[str]) -> str | None:
    """The first stem reading of `word` found in `known`, or None."""
    for _prefix, stem in proclitic_splits(word):
        if stem in known:
            return stem
    return None


# Per-document token columns, computed once and shared by every component that looks words up
# (lexicons, numbers, dates, places). They live in `doc.cache` when the doc has one.


def _column(doc: Any, name: str, attr: str) -> list[Any]:
    """One attribute of every token, kept in `doc.cache[name]` when the doc has a cache."""
    cache = getattr(doc, "cache", None)
    column = cache.get(name) if cache is not None else None
    if column is None:
        column = [getattr(t, attr) for t in doc.tokens]
        if cache is not None:
            cache[name] = column
    return column


def token_norms(doc: Any) -> list[str]:
    """The doc's token strings, computed once per doc (shared by lexicons)."""
    return _column(doc, "token_norms", "norm")


def token_nstarts(doc: Any) -> list[int]:
    """The view offset where each token starts, computed once per doc (read only)."""
    return _column(doc, "token_nstarts", "nstart")


def token_index(doc: Any) -> dict[str, list[int]]:
    """Token string -> its positions in the doc, built once per doc and shared by lexicons."""
    cache = getattr(doc, "cache", None)
    index = cache.get("token_index") if cache is not None else None
    if index is None:
        index = {}
        add = index.setdefault
        for i, w in enumerate(token_norms(doc)):
            add(w, []).append(i)
        if cache is not None:
            cache["token_index"] = index
    return index


def digit_words(doc: Any) -> list[str]:
    """The doc's distinct token strings that start with a digit, computed once per doc."""
    cache = getattr(doc, "cache", None)
    words = cache.get("digit_words") if cache is not None else None
    if words is None:
        words = [w for w in token_index(doc) if "0" <= w[0] <= "9"]
        if cache is not None:
            cache["digit_words"] = words
    return words

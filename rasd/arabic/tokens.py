"""Tokens and proclitics: Arabic writes و ف ب ل ك and the article ال onto the word itself."""

from __future__ import annotations

import re

from rasd.arabic.normalize import LETTER

TOKEN_RE = re.compile(f"[{LETTER}]+|[0-9]+(?:[.,][0-9]+)*|[A-Za-z]+|\\S")

# Conjunctions, then prepositions, then the article. "لل" is ل + ال with the alef dropped.
_CONJ = ("و", "ف")
_PREP = ("ب", "ل", "ك")


def proclitic_splits(word: str, min_stem: int = 2) -> list[tuple[str, str]]:
    """All (prefix, stem) readings of a normalised word, unpeeled first, most peeled last.

    Lookup code tries each stem against its lexicon; the lexicon decides which reading is
    real, so over-generating here is safe ("والي" yields و+الي and ال+ي, a lexicon knows neither).
    """
    out: list[tuple[str, str]] = [("", word)]
    seen = {word}

    def add(prefix: str, stem: str) -> None:
        if len(stem) >= min_stem and stem not in seen:
            seen.add(stem)
            out.append((prefix, stem))

    conj_opts = [""] + [c for c in _CONJ if word.startswith(c)]
    for c in conj_opts:
        rest = word[len(c):]
        if c:
            add(c, rest)
        prep_opts = [""] + [p for p in _PREP if rest.startswith(p)]
        for p in prep_opts:
            rest2 = rest[len(p):]
            if p:
                add(c + p, rest2)
            if p == "ل" and rest2.startswith("ل"):
                # لل = ل + ال : للمدينة -> مدينة ; also keep ال form for lexicons keyed with it
                add(c + "لل", "ال" + rest2[1:])
                add(c + "لل", rest2[1:])
            if rest2.startswith("ال"):
                add(c + p + "ال", rest2[2:])
    return out


def strip_proclitics(word: str, known: set[str] | frozenset[str]) -> str | None:
    """The first stem reading of `word` found in `known`, or None."""
    for _prefix, stem in proclitic_splits(word):
        if stem in known:
            return stem
    return None

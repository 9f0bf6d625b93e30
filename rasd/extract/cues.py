"""Cue lists of the incident layer (rasd/data/cues.json), compiled once into clitic-aware regexes."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from rasd.arabic.normalize import LETTER, normalize

_PREFIX = "(?:[وف])?(?:[بك]|ل(?!ل))?(?:ال)?"
_PREFIX_DEF = "(?:[وف])?(?:[بك]?ال|لل)"  # phrase already starts with ال: ب+ال, لل, ...
_SUFFIX = "(?:ها|هم|هما|هن|ه|ا)?"


def phrase_regex(phrases: list[str], clitics: bool = True, suffix: bool = True) -> re.Pattern[str]:
    """One alternation for many phrases; group 1 is the phrase without its proclitics."""
    alts: list[tuple[str, str]] = []
    for p in sorted({normalize(x).strip() for x in phrases if x.strip()}, key=len, reverse=True):
        words = [re.escape(w) for w in p.split()]
        if clitics and p.startswith("ال") and len(p.split()[0]) > 3:
            words[0] = re.escape(p.split()[0][2:])
            alts.append((_PREFIX_DEF, r"\s+".join(words)))
        else:
            alts.append((_PREFIX if clitics else "", r"\s+".join(words)))
    grouped = "|".join(f"(?:{prefix}(?P<p{i}>{body}))" for i, (prefix, body) in enumerate(alts))
    tail = _SUFFIX if suffix else ""
    return re.compile(f"(?<![{LETTER}])(?:{grouped}){tail}(?![{LETTER}])")


def match_span(m: re.Match[str]) -> tuple[int, int]:
    """View offsets of the phrase proper (without proclitics) for a phrase_regex match."""
    for name, value in m.groupdict().items():
        if value is not None:
            s, e = m.span(name)
            # keep the article ال in the evidence when it was part of the written word
            start = s - 2 if m.string[s - 2:s] == "ال" and s - 2 >= m.start() else s
            return start, m.end()
    return m.span()


@cache
def cues() -> dict[str, list[str]]:
    raw = json.loads(resources.files("rasd.data").joinpath("cues.json").read_text("utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


@cache
def cue_regex(name: str, clitics: bool = True, suffix: bool = True) -> re.Pattern[str]:
    return phrase_regex(cues()[name], clitics=clitics, suffix=suffix)


@cache
def cue_set(name: str) -> frozenset[str]:
    return frozenset(normalize(x) for x in cues()[name])

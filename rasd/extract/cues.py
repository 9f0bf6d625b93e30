"""Cue lists of the incident layer (rasd/data/cues.json), matched with the shared Lexicon."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from rasd.arabic.normalize import normalize
from rasd.doc import Doc
from rasd.extract.lexicon import Lexicon, Match


@cache
def cues() -> dict[str, list[str]]:
    raw = json.loads(resources.files("rasd.data").joinpath("cues.json").read_text("utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


@cache
def cue_lexicon(name: str) -> Lexicon[str]:
    """Phrases of one cue list; a last word may carry a pronoun suffix or accusative alef."""
    return Lexicon((phrase, name, "p") for phrase in cues()[name])


def cue_matches(doc: Doc, name: str) -> list[Match[str]]:
    """Hits of one cue list in a doc, computed once per doc."""
    key = "cue:" + name
    if key not in doc.cache:
        doc.cache[key] = cue_lexicon(name).find(doc)
    return doc.cache[key]


@cache
def cue_set(name: str) -> frozenset[str]:
    return frozenset(normalize(x) for x in cues()[name])

"""Cue lists of the incident layer (rasd/data/cues.json), matched with the shared Lexicon."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from rasd.arabic.normalize import normalize
from rasd.doc import Doc
from rasd.extract.lexicon import Lexicon, Match, select


@cache
def cues() -> dict[str, list[str]]:
    raw = json.loads(resources.files("rasd.data").joinpath("cues.json").read_text("utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


@cache
def cue_lexicon(name: str) -> Lexicon[str]:
    """Phrases of one cue list; a last word may carry a pronoun suffix or accusative alef."""
    return Lexicon((phrase, name, "p") for phrase in cues()[name])


# Lists read only as word sets (cue_set), never matched in running text.
_SETS_ONLY = frozenset({"cell_nouns", "civilian_nouns", "injured_nouns_count_one", "killed_nouns_count_one",
                        "line_continuers", "owner_markers", "person_nouns", "pluperfect_lead",
                        "attacker_nouns", "lam_objects"})


@cache
def _all_cues() -> Lexicon[str]:
    """Every matched cue list in one lexicon (payload: the list's name): one pass over a document
    instead of one per list."""
    return Lexicon((phrase, name, "p") for name, phrases in cues().items() if name not in _SETS_ONLY
                   and all(isinstance(x, str) for x in phrases) for phrase in phrases)


def cue_matches(doc: Doc, name: str) -> list[Match[str]]:
    """Hits of one cue list in a doc, computed once per doc: the hits of all lists in one pass,
    then per list the non-overlapping ones, longest first (as `cue_lexicon(name).find`)."""
    key = "cue:" + name
    if key not in doc.cache:
        by_name = doc.cache.get("cue:*")
        if by_name is None:
            by_name = doc.cache["cue:*"] = {}
            for m in _all_cues().find_all(doc):
                by_name.setdefault(m.payload, []).append(m)
        doc.cache[key] = select(by_name.get(name, []))
    return doc.cache[key]


@cache
def cue_set(name: str) -> frozenset[str]:
    return frozenset(normalize(x) for x in cues()[name])

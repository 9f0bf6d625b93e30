"""Event trigger words: the lexical cue of what happened, typed with ACLED's taxonomy.

The vocabulary lives in `rasd/data/triggers.tsv` (phrase, cls, event_type, sub_event_type,
weight, infl, notes, role). Role ``instrument`` marks a weapon's name ("صواريخ", "الطيران الحربي"):
it types an act told beside it, but alone, with no toll, it is talk about weapons.
Rows with cls ``neg`` are lexical traps ("هجوم دبلوماسي", "ضبط النفس",
"خطف الأضواء"): they match like any phrase and are then dropped together with every trigger
they overlap, so the trap never fires. Rows with cls ``accident`` are kept with an empty
event type: they tell the extractor an explosion or death was not political violence.

`offtopic_score` weighs sport/economy/culture/technology/health cue words
(`rasd/data/offtopic.tsv`) against the triggers, so the extractor can drop a football report
whose "قذيفة صاروخية" is a shot on goal.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasd.extract.lexicon import Lexicon, Match, data_path, read_tsv, select

NEG = "neg"
# Classes that say something happened but carry no event type of their own.
NON_EVENT = frozenset({NEG, "accident"})


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger row's meaning (the payload of the lexicon)."""

    cls: str
    event_type: str
    sub_event_type: str
    weight: float
    present: bool = False  # an imperfect verb ("تستهدف"): describes more often than it reports
    instrument: bool = False  # names a weapon ("صواريخ", "الطيران الحربي"), not an act with it


def load_triggers(path: Path | None = None) -> list[tuple[str, Trigger, str]]:
    """(phrase, Trigger, infl) entries from a triggers TSV."""
    out = []
    for row in read_tsv(path or data_path("triggers.tsv")):
        trig = Trigger(row["cls"], row["event_type"], row["sub_event_type"], float(row["weight"] or 0),
                       row.get("infl", "") == "i", row.get("role", "") == "instrument")
        out.append((row["phrase"], trig, row.get("infl", "")))
    return out


@lru_cache(maxsize=1)
def trigger_lexicon() -> Lexicon[Trigger]:
    """Built once per process: the expansion of every surface form is the costly part."""
    return Lexicon(load_triggers())


def find_triggers(doc: Any) -> list[Match[Trigger]]:
    """Trigger hits with traps removed, longest first, no overlaps (no layer is written)."""
    hits = trigger_lexicon().find_all(doc)
    negs = [m for m in hits if m.payload.cls == NEG]
    if negs:
        blocked: set[int] = set()
        for m in negs:
            blocked.update(range(m.i, m.j))
        hits = [m for m in hits if m.payload.cls != NEG and not any(k in blocked for k in range(m.i, m.j))]
    return select(hits)


def triggers(doc: Any) -> None:
    """Pipeline component: layer "triggers", label = cls, attrs cls/event_type/sub_event_type/weight."""
    spans = []
    for m in find_triggers(doc):
        t = m.payload
        spans.append(doc.span(m.nstart, m.nend, t.cls, cls=t.cls, event_type=t.event_type,
                              sub_event_type=t.sub_event_type, weight=t.weight, phrase=m.phrase,
                              present=t.present, instrument=t.instrument))
    doc.add("triggers", spans)


# --- off-topic articles --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Cue:
    """An off-topic cue word's domain and weight."""

    domain: str
    weight: float


def load_offtopic(path: Path | None = None) -> list[tuple[str, Cue, str]]:
    """(phrase, Cue, infl) entries from the off-topic TSV (phrase, domain, weight, infl)."""
    return [(r["phrase"], Cue(r["domain"], float(r["weight"] or 0)), r.get("infl", ""))
            for r in read_tsv(path or data_path("offtopic.tsv"))]


@lru_cache(maxsize=1)
def offtopic_lexicon() -> Lexicon[Cue]:
    return Lexicon(load_offtopic())


def offtopic_domains(doc: Any) -> dict[str, float]:
    """Summed cue weight per off-topic domain (sport, economy, culture, technology, health)."""
    out: dict[str, float] = {}
    for m in offtopic_lexicon().find(doc):
        out[m.payload.domain] = out.get(m.payload.domain, 0.0) + m.payload.weight
    return out


def security_weight(doc: Any) -> float:
    """Summed weight of the doc's event triggers (the layer if present, else a fresh match)."""
    layer = doc.layers.get("triggers")
    if layer is not None:
        return sum(s.attrs.get("weight", 0.0) for s in layer if s.label not in NON_EVENT)
    return sum(m.payload.weight for m in find_triggers(doc) if m.payload.cls not in NON_EVENT)


# Pseudo-count: a short text with one sport word is not yet confidently off-topic.
_PRIOR = 2.0


def offtopic_score(doc: Any) -> float:
    """0..1: how much more the article reads like sport/economy/culture/tech than security news.

    dominant-domain weight / (dominant-domain weight + trigger weight + prior). Above ~0.5 the
    article is off-topic; a security report that mentions a "فيسبوك" page stays near 0.
    """
    domains = offtopic_domains(doc)
    if not domains:
        return 0.0
    off = max(domains.values())
    return off / (off + security_weight(doc) + _PRIOR)

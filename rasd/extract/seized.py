"""Seized-item mentions mapped to the contract's `seized` vocabulary.

`rasd/data/seized.tsv` (phrase, item, infl, notes) maps phrases to one of ITEMS; item ``-``
marks look-alikes that are not items ("عبوات مياه", "سلاح الجو"): they consume the words and
emit nothing. Whether an item was actually seized is the extractor's call (a car is only
`vehicles` in a seizure context); this component only says what kind of thing is named.

Coordinated nouns share their adjective: in "أحزمة وعبوات ناسفة" the phrase "عبوات ناسفة"
matches, and "أحزمة" before it takes ناسفة too (explosive_belt), because the lexicon knows
"أحزمة ناسفة". The same walks back over comma lists ("سترات، أحزمة وعبوات ناسفة").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasd.extract.lexicon import Lexicon, data_path, read_tsv, split_phrase, token_norms, word_forms

ITEMS = ("ied", "explosive_belt", "suicide_vest", "explosives", "firearms", "ammunition", "rockets",
         "grenades", "uniforms", "vehicles", "drones", "documents", "cash")
NOT_ITEM = "-"
_SEPARATORS = frozenset({"،", ","})
# Adjective endings dropped so ناسف/ناسفة/ناسفات share one root for coordination.
_ADJ_ENDINGS = ("تين", "تان", "ات", "ين", "ان", "ة", "ه", "ا")


def _adj_root(word: str) -> str:
    for end in _ADJ_ENDINGS:
        if word.endswith(end) and len(word) - len(end) >= 3:
            return word[: -len(end)]
    return word


@dataclass(frozen=True, slots=True)
class _Heads:
    """Bare head nouns of "noun adjective" phrases: surface form -> [(adj root, item, clitics)]."""

    forms: dict[str, list[tuple[str, str, int]]]


class SeizedLexicon:
    """The item matcher plus the head-noun table used for coordination."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        entries: list[tuple[str, str, str]] = []
        heads: dict[str, list[tuple[str, str, int]]] = {}
        for row in rows:
            item = row["item"]
            if item != NOT_ITEM and item not in ITEMS:
                raise ValueError(f"unknown seized item {item!r} for {row['phrase']!r}")
            infl = row.get("infl", "")
            entries.append((row["phrase"], item, infl))
            words = split_phrase(row["phrase"], infl)
            if len(words) == 2 and item != NOT_ITEM:
                (head, head_infl), (adj, _) = words
                root = _adj_root(adj)
                for surface, stripped in word_forms(head, head_infl).items():
                    heads.setdefault(surface, []).append((root, item, stripped))
        self.lexicon: Lexicon[str] = Lexicon(entries)
        self.heads = _Heads(heads)

    @classmethod
    def load(cls, path: Path | None = None) -> SeizedLexicon:
        return cls(read_tsv(path or data_path("seized.tsv")))

    def coordinated(self, doc: Any, norms: list[str], i: int, adj: str,
                    taken: set[int]) -> list[tuple[int, int, str]]:
        """(token, clitic chars, item) for bare heads coordinated before token i that share `adj`."""
        root = _adj_root(adj)
        out: list[tuple[int, int, str]] = []
        joined = norms[i].startswith("و")  # "... وعبوات ناسفة": the phrase is the last conjunct
        k = i - 1
        while joined and k >= 0:
            if norms[k] in _SEPARATORS:
                k -= 1
                continue
            hit = next(((item, s) for r, item, s in self.heads.forms.get(norms[k], ()) if r == root), None)
            if hit is None or k in taken:
                break
            out.append((k, hit[1], hit[0]))
            # keep walking while this conjunct is itself joined by و or a comma
            joined = norms[k].startswith("و") or (k > 0 and norms[k - 1] in _SEPARATORS)
            k -= 1
        return out


@lru_cache(maxsize=1)
def seized_lexicon() -> SeizedLexicon:
    """Built once per process."""
    return SeizedLexicon.load()


def seized(doc: Any) -> None:
    """Pipeline component: layer "seized", label "seized", attrs ``item`` (and ``coordinated``)."""
    lex = seized_lexicon()
    matches = lex.lexicon.find(doc)
    if not matches:
        doc.add("seized", [])
        return
    norms = token_norms(doc)
    taken = {k for m in matches for k in range(m.i, m.j)}
    found: list[tuple[int, Any]] = []
    for m in matches:
        if m.payload == NOT_ITEM:
            continue
        found.append((m.nstart, doc.span(m.nstart, m.nend, "seized", item=m.payload, phrase=m.phrase,
                                         coordinated=False)))
        words = m.phrase.split()
        if m.j - m.i >= 2 and len(words) == 2:
            for k, stripped, item in lex.coordinated(doc, norms, m.i, words[-1], taken):
                tok = doc.tokens[k]
                taken.add(k)
                found.append((tok.nstart + stripped, doc.span(tok.nstart + stripped, tok.nend, "seized",
                                                               item=item, phrase=tok.norm[stripped:],
                                                               coordinated=True)))
    found.sort(key=lambda p: p[0])
    doc.add("seized", [s for _, s in found])

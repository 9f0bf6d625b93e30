"""A fast phrase matcher shared by every lexicon component (triggers, actors, seized, ...).

Why a token n-gram dictionary rather than a regex: every surface form a lexicon word can take
(proclitics و ف ب ل ك ال لل in front, light suffixes behind where the lexicon allows them) is
expanded once at build time, so matching a document is a set intersection of the doc's token
strings with the lexicon's first-word forms, then a few dict lookups per hit. Phrases are
tokenised with the same TOKEN_RE as `Doc`, so word boundaries are the tokenizer's (LETTER-based:
، ؛ ؟ end a word; quotes between the words of a phrase are skipped; a line break ends a
phrase) and "C4" or "آر بي جي" work as multi-token phrases. Greedy selection keeps the
longest hit (most tokens, then most characters) and drops what it overlaps.

Inflection codes (per word: `word~code` in the phrase, or a default for the last word):

- ``""``  the word exactly (plus proclitics)
- ``"p"`` possessive/object pronoun suffixes and accusative alef: مقتله، اغتيالها، كمينا
- ``"n"`` nouns/adjectives: ``p`` plus feminine, dual and plural: اشتباكات، مسلحين، جريحا
- ``"v"`` past-tense verbs: subject suffixes and object pronouns: اعتقلت، اعتقلوا، اعتقلوهم
- ``"i"`` present-tense verbs (written with their ي/ت prefix): يستهدفون، تستهدفه
"""

from __future__ import annotations

import csv
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

from rasd.arabic.normalize import normalize
from rasd.arabic.tokens import TOKEN_RE, token_index, token_norms

P = TypeVar("P")

_CONJ = ("", "و", "ف")
_PREP = ("", "ب", "ل", "ك")
_PRON = ("ه", "ها", "هم", "هما", "هن")
# Tokens that may sit between the words of a phrase: quotes around a name (تنظيم "الدولة").
_TRANSPARENT = frozenset({'"', "'"})
_ARABIC_FIRST = "\u0621"
_ARABIC_LAST = "\u06ff"


def _is_arabic(word: str) -> bool:
    return _ARABIC_FIRST <= word[0] <= _ARABIC_LAST


def _prefixed(word: str, article: bool = True) -> list[tuple[str, int]]:
    """(surface, stripped) pairs: the word behind each proclitic combination.

    `stripped` is how many leading characters are clitics rather than the word proper. A word
    the lexicon writes with ال keeps it; ل + ال fuses to لل and then only the conjunction is
    stripped, so the span still starts on a letter of the word. With `article` False a word
    the lexicon writes without ال never gets one (names: "مدني" must not match "المدني").
    """
    out: list[tuple[str, int]] = []
    if word.startswith("ال") and len(word) > 3:
        rest = word[2:]
        for c in _CONJ:
            out.append((c + word, len(c)))
            out.append((c + "ب" + word, len(c) + 1))
            out.append((c + "ك" + word, len(c) + 1))
            out.append((c + "لل" + rest, len(c)))
        # a hamza-initial word also folds to ال... (ألغام -> الغام): keep the plain reading too
    out.extend([(pre + word, stripped) for pre, stripped in _CLITIC_FORMS[article]])
    return out


def _clitic_forms(article: bool) -> tuple[tuple[str, int], ...]:
    """(prefix, stripped) of every clitic combination _prefixed puts before a word, in order."""
    out: list[tuple[str, int]] = []
    for c in _CONJ:
        for p in _PREP:
            out.append((c + p, len(c) + len(p)))
        if not article:
            continue
        for p in ("", "ب", "ك"):
            out.append((c + p + "ال", len(c) + len(p) + 2))
        out.append((c + "لل", len(c) + 2))
    return tuple(out)


_CLITIC_FORMS = {True: _clitic_forms(True), False: _clitic_forms(False)}


def _suffixed(word: str, infl: str) -> list[str]:
    """Surface forms of one word with the suffixes its inflection code allows."""
    if not infl or not _is_arabic(word):
        return [word]
    forms = [word]
    fem = word.endswith("ة")
    stem = word[:-1] if fem else word
    if infl in ("p", "n"):
        if fem:
            forms += [stem + "ت" + s for s in _PRON]
        else:
            forms += [word + s for s in _PRON]
            forms.append(word + "ا")
    if infl == "n":
        if fem:
            forms += [stem + "ات", stem + "تان", stem + "تين", stem + "تا"]
            forms += [stem + "ات" + s for s in _PRON]
        else:
            forms += [word + s for s in ("ات", "ين", "ون", "ان", "ة", "ي", "و", "يه", "يها", "يهم")]
            forms += [word + "ات" + s for s in _PRON]
            forms += [word + "ت" + s for s in _PRON]
            forms += [word + "تان", word + "تين"]
    elif infl == "v":
        forms += [word + s for s in ("ت", "وا", "ا", "تا", "ن", "نا", "تم", "تن")]
        forms += [word + s for s in _PRON]
        forms += [word + "ت" + s for s in _PRON]
        forms += [word + "و" + s for s in _PRON]
        forms += [word + "تا" + s for s in _PRON]
    elif infl == "i":
        forms += [word + s for s in ("ون", "ان", "ن", "ين")]
        forms += [word + s for s in _PRON]
        forms += [word + "ون" + s for s in _PRON]
    elif infl != "p":
        raise ValueError(f"unknown inflection code {infl!r}")
    return forms


def _ta_variants(form: str) -> list[str]:
    """A final ة is often typed as ه: accept both."""
    return [form, form[:-1] + "ه"] if form.endswith("ة") else [form]


def split_phrase(phrase: str, default_infl: str = "") -> list[tuple[str, str]]:
    """(normalised word, inflection code) per token of a lexicon phrase."""
    raw = phrase.split()
    words: list[tuple[str, str]] = []
    for k, chunk in enumerate(raw):
        chunk, _, code = chunk.partition("~")
        if not code and k == len(raw) - 1:
            code = default_infl
        toks = TOKEN_RE.findall(normalize(chunk))
        for m, tok in enumerate(toks):
            latin = tok.isascii() and tok.isalpha()
            words.append((tok.lower() if latin else tok, code if m == len(toks) - 1 else ""))
    return words


def word_forms(word: str, infl: str = "", article: bool = True) -> dict[str, int]:
    """Every surface form of a lexicon word -> how many leading characters are clitics."""
    forms: dict[str, int] = {}
    if not _is_arabic(word):
        for f in {word, word.lower(), word.upper(), word.title()}:
            forms[f] = 0
        return forms
    get = forms.get
    for suffixed in _suffixed(word, infl):
        # _ta_variants inlined: a surface ends with ة exactly when its suffixed form does
        ta = suffixed.endswith("ة")
        for surface, stripped in _prefixed(suffixed, article):
            old = get(surface)
            if old is None or stripped < old:
                forms[surface] = stripped
            if ta:
                s = surface[:-1] + "ه"
                old = get(s)
                if old is None or stripped < old:
                    forms[s] = stripped
    return forms


class Match(NamedTuple, Generic[P]):
    """A lexicon hit: tokens [i, j) of the doc; view offsets [nstart, nend) without proclitics.

    A named tuple (immutable, like the frozen dataclass it replaces): documents produce many
    hits and a tuple is several times cheaper to build.
    """

    i: int
    j: int
    nstart: int
    nend: int
    phrase: str
    payload: P
    index: int  # entry order, the last tie-breaker


@dataclass(frozen=True, slots=True)
class _Cand:
    """A phrase of two or more words, found under its first and second word."""

    rest: tuple[frozenset[str], ...]  # surface forms of the third and later words
    phrase: str
    payload: Any
    index: int


@dataclass(slots=True)
class _Group:
    """Every phrase starting with one lexicon word: one-word phrases, and the longer ones
    indexed by the surface form of their second word (so a common first word such as
    "قوات" costs one lookup, not one check per phrase). Candidates are numbers into the
    lexicon's list of them: tables of plain numbers are invisible to the garbage collector."""

    singles: list[tuple[str, Any, int]]
    by_second: dict[str, tuple[int, ...]]


class Lexicon(Generic[P]):
    """Phrases -> payloads, matched on `doc.norm` tokens with clitics; build once, reuse.

    Entries are ``(phrase, payload)`` or ``(phrase, payload, infl)``; ``infl`` is the
    inflection code of the phrase's last word (see the module docstring). ``article=False``
    stops the matcher from adding ال to words the lexicon writes without it (name registries).
    """

    def __init__(self, entries: Iterable[tuple[str, P] | tuple[str, P, str]], article: bool = True) -> None:
        forms: dict[tuple[str, str], dict[str, int]] = {}
        rest_sets: dict[tuple[str, str], frozenset[str]] = {}
        groups: dict[tuple[str, str], _Group] = {}
        cands: list[_Cand] = []

        def forms_of(w: tuple[str, str]) -> dict[str, int]:
            if w not in forms:
                forms[w] = word_forms(*w, article=article)
            return forms[w]

        def rest_set(w: tuple[str, str]) -> frozenset[str]:
            if w not in rest_sets:
                rest_sets[w] = frozenset(forms_of(w))
            return rest_sets[w]

        self.size = 0
        for index, entry in enumerate(entries):
            phrase, payload = entry[0], entry[1]
            infl = entry[2] if len(entry) > 2 else ""  # type: ignore[misc]
            words = split_phrase(phrase, infl)
            if not words:
                continue
            self.size += 1
            norm_phrase = " ".join(w for w, _ in words)
            group = groups.setdefault(words[0], _Group([], {}))
            if len(words) == 1:
                group.singles.append((norm_phrase, payload, index))
                continue
            one = (len(cands),)
            cands.append(_Cand(tuple(rest_set(w) for w in words[2:]), norm_phrase, payload, index))
            by_second = group.by_second
            if not by_second:
                group.by_second = dict.fromkeys(forms_of(words[1]), one)
                continue
            for surface in forms_of(words[1]):
                old = by_second.get(surface)
                by_second[surface] = one if old is None else old + one
        self._cands = cands
        self._groups = list(groups.values())
        # surface form of a first word -> ((clitic chars to skip, group number), ...); the
        # one-entry tuples are shared
        first: dict[str, tuple[tuple[int, int], ...]] = {}
        for gid, key in enumerate(groups):
            ones: dict[int, tuple[tuple[int, int], ...]] = {}
            for surface, stripped in forms_of(key).items():
                e = ones.get(stripped)
                if e is None:
                    e = ones[stripped] = ((stripped, gid),)
                old = first.get(surface)
                first[surface] = e if old is None else old + e
        self._first = first
        self._slot = _register(first)

    def __len__(self) -> int:
        return self.size

    def find_all(self, doc: Any) -> list[Match[P]]:
        """Every hit at every token, overlapping ones included (for negatives and scoring)."""
        tokens = doc.tokens
        norms = token_norms(doc)
        positions = token_index(doc)
        first = self._first
        # only the doc's words this lexicon knows: read off the shared table (see _register),
        # else a C-level intersection of two key views
        by_slot = _slot_words(doc, positions) if self._slot is not None else None
        words: Any = positions.keys() & first.keys() if by_slot is None else by_slot.get(self._slot)
        if not words:
            return []
        n = len(norms)
        text = doc.norm
        out: list[Match[P]] = []
        new = tuple.__new__
        groups = self._groups
        all_cands = self._cands
        # word by word (one lookup of its readings however often it occurs), then back into
        # text order: a stable sort on the token keeps each position's hits in reading order
        for w in words:
            entries = first[w]
            for i in positions[w]:
                tok = tokens[i]
                for stripped, gid in entries:
                    group = groups[gid]
                    nstart = tok.nstart + stripped
                    for phrase, payload, index in group.singles:
                        out.append(new(Match, (i, i + 1, nstart, tok.nend, phrase, payload, index)))
                    if not group.by_second:
                        continue
                    j = i + 1
                    while j < n and norms[j] in _TRANSPARENT:
                        j += 1
                    if j >= n:
                        continue
                    cands = group.by_second.get(norms[j])
                    if cands is None or "\n" in text[tok.nend:tokens[j].nstart]:
                        continue
                    for cid in cands:
                        c = all_cands[cid]
                        prev, k, ok = j, j + 1, True
                        for wset in c.rest:
                            while k < n and norms[k] in _TRANSPARENT:
                                k += 1
                            if k >= n or norms[k] not in wset or "\n" in text[tokens[prev].nend:tokens[k].nstart]:
                                ok = False
                                break
                            prev, k = k, k + 1
                        if ok:
                            out.append(new(Match, (i, k, nstart, tokens[k - 1].nend, c.phrase, c.payload,
                                                   c.index)))
        if len(words) > 1:
            out.sort(key=_FIRST_TOKEN)
        return out

    def find(self, doc: Any) -> list[Match[P]]:
        """Non-overlapping hits, longest first, in text order."""
        return select(self.find_all(doc))

    def spans(self, doc: Any, label: str, **attrs: Any) -> list[Any]:
        """Convenience: `find` turned into Spans with the payload under ``payload``."""
        return [doc.span(m.nstart, m.nend, label, payload=m.payload, phrase=m.phrase, **attrs)
                for m in self.find(doc)]


# Lexicons share one table: surface form of a first word -> bit mask of the lexicons ("slots")
# whose phrases it opens. A doc's words are looked up in it once, and each lexicon then reads
# the few words it knows, instead of intersecting the doc's words with its own forms. Slots are
# never reused; past _MAX_SLOTS lexicons (tests build many small ones) a new lexicon
# intersects on its own.
_SLOT_MASKS: dict[str, int] = {}
_MASKS: dict[int, int] = {}  # one int object per distinct mask
_MASK_SLOTS: dict[int, tuple[int, ...]] = {}  # the slots of a mask, memoised
_slots_used = 0
_MAX_SLOTS = 256


def _register(first: dict[str, Any]) -> int | None:
    """Give a new lexicon a slot and enter its first-word forms in the shared table."""
    global _slots_used
    if _slots_used >= _MAX_SLOTS:
        return None
    slot = _slots_used
    _slots_used += 1
    share = _MASKS.setdefault
    bit = share(1 << slot, 1 << slot)
    masks = _SLOT_MASKS
    common = first.keys() & masks.keys()
    for w in common:
        m = masks[w] | bit
        masks[w] = share(m, m)
    if len(common) < len(first):
        masks.update(dict.fromkeys([w for w in first if w not in common], bit))
    return slot


def _slot_words(doc: Any, positions: dict[str, list[int]]) -> dict[int, list[str]] | None:
    """Slot -> the doc's token strings that lexicon knows; computed once per doc (None: no cache)."""
    cache = getattr(doc, "cache", None)
    if cache is None:
        return None
    got = cache.get("lexicon_slots")
    if got is None or got[0] != _slots_used:
        masks = _SLOT_MASKS
        by_slot: dict[int, list[str]] = {}
        for w in positions.keys() & masks.keys():
            m = masks[w]
            slots = _MASK_SLOTS.get(m)
            if slots is None:
                slots = _MASK_SLOTS[m] = tuple(k for k in range(m.bit_length()) if m >> k & 1)
            for k in slots:
                lst = by_slot.get(k)
                if lst is None:
                    by_slot[k] = [w]
                else:
                    lst.append(w)
        got = cache["lexicon_slots"] = (_slots_used, by_slot)
    return got[1]


def select(matches: Sequence[Match[P]]) -> list[Match[P]]:
    """Longest match wins, no overlaps: more tokens, then more characters, then entry order."""
    if not matches:
        return []
    if len(matches) == 1:
        return [matches[0]]
    # (a Match is a tuple: i, j, nstart, nend, phrase, payload, index)
    ranked = sorted(matches, key=lambda m: (m[0] - m[1], m[2] - m[3], m[6], m[0]))
    taken: set[int] = set()
    out: list[Match[P]] = []
    for m in ranked:
        i, j = m[0], m[1]
        if j - i == 1:
            if i in taken:
                continue
            taken.add(i)
        else:
            rng = range(i, j)
            if not taken.isdisjoint(rng):
                continue
            taken.update(rng)
        out.append(m)
    out.sort(key=_FIRST_TOKEN)
    return out


_FIRST_TOKEN = operator.itemgetter(0)


def overlaps(a: Match[Any], b: Match[Any]) -> bool:
    """True when two hits share a token."""
    return a.i < b.j and b.i < a.j


def data_path(name: str) -> Path:
    """A file of the packaged `rasd/data` directory."""
    return Path(str(resources.files("rasd") / "data" / name))


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a lexicon TSV as stripped strings; blank lines and # comments skipped."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = (line for line in fh if line.strip() and not line.startswith("#"))
        rows = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [{k: (v or "").strip() for k, v in row.items()} for row in rows]

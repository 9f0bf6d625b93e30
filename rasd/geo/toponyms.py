"""Arabic toponym recognition: the `places` pipeline component.

Reads the normalised view token by token. Each distinct token spelling is analysed once
(cached): can it open a gazetteer name (1-4 tokens; proclitics و ف ب ل ك and the article
peeled from the first token), a place-type head (مدينة, حي, مخيم ...), a direction (ريف, شرق,
قرب ...) or an anaphor (المحافظة)? Only such tokens run the small parser below, so the cost is
one dict probe per token, not a regex per place.

Each mention is a Span labelled "place" in layer "places"; attrs:
  name        normalised surface of the name words; name_text the same words as written
  head        the type word before it ("مدينة") or None; head_kind its kind ("city")
  direction   "countryside", "east", "northwest", "near", "outskirts", "desert" ... or None
  bearing     "north", "northwest" ... for "ريف حلب الشمالي"
  candidates  list[Place] the name can mean ([] for an unknown name or an unresolved anaphor)
  parent_ref  layer index of the mention that contains this one ("حي X في مدينة Y"), or None
  anaphor     the kind an anaphor points back to ("governorate" for المحافظة), else None
  antecedent  layer index of the mention an anaphor stands for, or None
  unknown     True for a name after a head word that the gazetteer does not know
  prep        the preposition before the mention ("في", "ب", "من" ...), or None
  gate        "abroad" / "common" / "strong" / "weak" when the name is also a common word (or a
              name abroad), else None
  index, sentence, key

Names that are frequent as common words in news (measured on a corpus by
scripts/measure_common_names.py, listed in rasd/data/common_names.tsv: "الكرامة", "النصر",
"آذار") are places only after a place head ("قرية الكرامة"), or after a locative preposition, a
direction or in a list of places when a place containing them is named in the same clause ("في
الكرامة بريف الرقة"); "رجال الكرامة في السويداء" is a group. Names used mostly about other
countries ("مدينة نجران") need that Syrian container even after a head. A bare common word is
not even parsed unless a preposition or list word stands before it (see _plan), so the cost
stays one dict probe per token; the containment test runs only for such names in such slots.

The village layer (ids "wof:") repeats many known names: a known place's name (a town, a
district, a country abroad) reads as that place, and its village namesakes in other governorates
only after a village head ("قرية دوما") or inside a place that contains them; a village name
whose every reading lies outside the place it is said to be in is an unknown place there.
"""

from __future__ import annotations

import bisect
import json
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rasd.arabic.normalize import LETTER, normalize
from rasd.arabic.tokens import proclitic_splits, token_index, token_norms
from rasd.doc import Doc, Span
from rasd.extract.cues import cue_set
from rasd.geo.gazetteer import (
    _BASIC_FOLD,
    _BASIC_WORD,
    DATA,
    HEADS_JSON,
    Gazetteer,
    Place,
    get_gazetteer,
    key_variants,
    km,
    place_key,
)

MAX_GAP = 4  # tokens between two mentions that can still nest or list them
COMMON_TSV = DATA / "common_names.tsv"
CLAUSE = 12  # tokens between a common-word name and the place that contains it
_CLAUSE_BREAK = frozenset("،,؛;:")
CONTAIN_KM = 25  # a town or region contains the places this close to it ...
CONTAIN_KM_AROUND = 45  # ... and "ريف X" / "شرق X" the places this close
_WORD = re.compile(f"[{LETTER}]+")
# Head words that other words fold into, and the letters of the original that betray those.
_CONFUSABLE = {"وادي": "ىأ", "احياء": "إ"}
_LINKERS = frozenset({"ابو", "ام", "بني", "شيخ"})
_CLITIC_OK = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "فك")


_START = operator.attrgetter("start")


_WOF = "wof:"  # ids of the Who's On First village layer
_WOF_ONLY, _WOF_MIXED = 1, 2


_DASHES = frozenset({"-", "–", "—", "/"})


def _governorate_like(c: Place) -> bool:
    """What "محافظة X" can name: a governorate, a region or place abroad, not a WOF village."""
    return c.kind in ("governorate", "region") or c.is_foreign or not c.id.startswith(_WOF)


def _is_word(tok: str) -> bool:
    return _WORD.fullmatch(tok) is not None


# place_key of a token, memoised in a plain dict of str -> str (the garbage collector does
# not walk it, unlike the lists of an lru_cache); emptied when it gets large.
_TKEYS: dict[str, str] = {}
_TKEYS_MAX = 1 << 16
_MEMO_MAX = 1 << 17  # tokens remembered by a lexicon's cache and boring set (a few MB each)


def _tkey(tok: str) -> str:
    k = _TKEYS.get(tok)
    if k is None:
        k = place_key(tok)
        if len(_TKEYS) >= _TKEYS_MAX:
            _TKEYS.clear()
        _TKEYS[tok] = k
    return k


@dataclass(frozen=True)
class _Head:
    word: str
    kind: str
    unknown: bool
    plural: bool


@dataclass
class _Lex:
    """The toponym lexicon, folded for lookup (built once, on first use)."""

    gaz: Gazetteer
    heads: dict[str, _Head]
    anaphors: dict[str, str]
    directions: dict[tuple[str, ...], str]
    dir_first: set[str]
    bearings: dict[str, str]
    nest: set[str]
    nest_strong: set[str]
    listc: set[str]
    head_adjectives: set[str]  # "العاصمة السورية دمشق"
    locative: set[str]
    origin: set[str]
    spread: set[str]  # "امتدت الاشتباكات من X": من is the scene's start, not an origin
    home: set[str]  # "من أبناء مدينة X": where a person comes from, not the scene
    institution: set[str]  # "جامعة دمشق", "شبكة الخابور": the place is part of a name
    outlet_suffixes: set[str]  # "السويداء 24": an outlet
    seats: set[str]  # capitals named for their governments ("رحبت دمشق"): keys
    stance: set[str]  # the speech, stance and blame verbs that make them actors
    government_nouns: set[str]  # "نظام دمشق", "الحكومة الشرعية في دمشق": the capital as a government
    announce: frozenset[str]  # cues.json announce_verbs: "نفت أنقرة", any place that speaks right after one
    surroundings: dict[str, str]  # a city-governorate -> the governorate around it
    prefixes: set[str]
    not_names: set[str]
    strong: set[str]
    weak: set[str]
    blocked: set[str]  # one-word keys that are really head/direction words ("قرية" ~ "القريا")
    common: set[str]  # keys measured as frequent common words (common_names.tsv)
    abroad: set[str]  # ... of them, names used mostly about other countries ("نجران")
    common_heads: set[str]  # head words that alone make such a name a place
    common_loc: set[str]  # prepositions that make it one beside a place containing it
    common_slot: set[str]  # words before a bare common-word name that may make it a place
    cache: dict[str, tuple] = field(default_factory=dict)
    boring: set[str] = field(default_factory=set)  # spellings that open nothing
    plans: dict[str, tuple[int, frozenset[str]]] = field(default_factory=dict)  # see _plan
    layers: dict[str, int] = field(default_factory=dict)  # key -> _WOF_ONLY / _WOF_MIXED / 0
    tails: _Tails | None = None  # see _may_open


@dataclass(frozen=True)
class _Tails:
    """How the keys and words a token can open end (see _may_open)."""

    n_keys: int  # len(gaz.max_words) when built: the gazetteer grew if it differs
    word_tails: frozenset[str]  # last 3 letters of every head, direction and anaphor word
    word_short: tuple[str, ...]
    seconds: dict[str, frozenset[str]]  # first word of a longer key -> the second words it takes


def _build_tails(lex: _Lex) -> _Tails:
    keys = list(lex.gaz.max_words)
    words = [*lex.heads, *lex.dir_first, *lex.anaphors]
    seconds: dict[str, set[str]] = {}
    for k in lex.gaz.index:
        w = k.split(" ", 2)
        if len(w) > 1:
            seconds.setdefault(w[0], set()).add(w[1])
    # A stem is a suffix of the token, or ال + a suffix (لل = ل + ال): the word ends like the
    # token, unless it is that short ال + suffix (then the suffix does).
    return _Tails(
        len(keys),
        frozenset(w[-3:] for w in words if len(w) >= 3),
        tuple({w for w in words if len(w) < 3} | {w[2:] for w in words if w.startswith("ال") and len(w) < 5}),
        {k: frozenset(v) for k, v in seconds.items()},
    )


# What proclitic_splits can peel before a stem: conjunction, preposition, then ال (or the ل of لل).
_PEELED = frozenset(c + p + a for c in ("", "و", "ف") for p in ("", "ب", "ل", "ك") for a in ("", "ال", "ل"))
_PEEL_FIRST = frozenset(p[0] for p in _PEELED if p)


def _may_open(lex: _Lex, tok: str, basic: bool) -> bool:
    """False only when no reading of `tok` can open a place, head, direction or anaphor.

    For a token of plain Arabic letters, the key of each stem is the token's folded spelling
    less what proclitic_splits peels (conjunction, preposition, article): a few dict probes
    settle the places without peeling. Head, direction and anaphor words are matched by their
    last three letters (a stem ends like the token).
    """
    t = lex.tails
    keys = lex.gaz.max_words
    if t is None or t.n_keys != len(keys):
        t = lex.tails = _build_tails(lex)
    if not basic:
        return True
    if tok[-3:] in t.word_tails or tok.endswith(t.word_short):
        return True
    f = tok.translate(_BASIC_FOLD)
    if f in keys:
        return True
    if not f or f[0] not in _PEEL_FIRST:  # a token of letters the fold drops (a lone hamza) opens nothing
        return False
    peeled = _PEELED
    for i in (1, 2, 3, 4):
        if f[:i] in peeled:
            rest = f[i:]
            if rest in keys or (len(rest) >= 4 and rest[:2] == "ال" and rest[2:] in keys):
                return True
    return False


_ALWAYS = (0, frozenset())  # _plan: parse the token wherever it stands
_LEAD, _QUIET, _QUIET_CLITIC = 1, 2, 3


def _plan(lex: _Lex, tok: str, r: tuple) -> tuple[int, frozenset[str]]:
    """Where a token with readings `r` is worth parsing, cached: (mode, second words).

    _ALWAYS: everywhere (a head, direction or anaphor; a one-word name). _LEAD: all it can open
    is the first word of a longer name ("أبو" of "أبو حمام"): only before one of its second
    words. _QUIET(_CLITIC): the one-word names it can be are frequent common words ("النصر",
    "وزارة"), places only in a place's slot: after a preposition or a list word (or, written
    with و, after another place), else only before a second word of a longer name."""
    out = lex.plans.get(tok)
    if out is not None:
        return out
    places, head, dirs, ana = r
    gaz = lex.gaz
    if head or dirs or ana or not places:
        out = _ALWAYS
    else:
        full = []  # the one-word names it can be, as gaz_at would accept them
        for plen, k in places:
            bare = not (tok.startswith("ال", plen) or (plen >= 2 and tok[plen - 2:plen] == "لل"))
            if k in gaz.index and k not in lex.blocked and (k in gaz.bare if bare else k in gaz.articled) \
                    and not (bare and k in lex.prefixes):
                full.append((plen, k))
        seconds = lex.tails.seconds
        lead = frozenset().union(*(seconds.get(k, ()) for _p, k in places))
        if not full:
            out = (_LEAD, lead)
        elif all(k in lex.common and "ب" not in tok[:plen] for plen, k in full):
            out = (_QUIET_CLITIC if any(plen for plen, _k in full) else _QUIET, lead)
        else:
            out = _ALWAYS
    if len(lex.plans) >= _MEMO_MAX:
        lex.plans.clear()
    lex.plans[tok] = out
    return out


_LEX: _Lex | None = None


def _lex() -> _Lex:
    global _LEX
    if _LEX is None:
        d = json.loads(HEADS_JSON.read_text(encoding="utf-8"))
        heads = {normalize(w): _Head(normalize(w), h["kind"], bool(h.get("unknown")), bool(h.get("plural")))
                 for w, h in d["heads"].items() if " " not in w}
        directions = {tuple(normalize(k).split()): v for k, v in d["directions"].items()}
        _LEX = _Lex(
            gaz=get_gazetteer(), heads=heads,
            anaphors={normalize(k): v for k, v in d["anaphors"].items()},
            directions=directions, dir_first={k[0] for k in directions},
            bearings={normalize(k): v for k, v in d["bearings"].items()},
            nest={normalize(w) for w in d["nest"]},
            nest_strong={normalize(w) for w in d["nest_strong"]}, listc={normalize(w) for w in d["list"]},
            head_adjectives={normalize(w) for w in d.get("head_adjectives", [])},
            locative={normalize(w) for w in d["locative"]},
            origin={normalize(w) for w in d["origin"] if " " not in w},
            spread={normalize(w) for w in d["spread_verbs"]},
            home={normalize(w) for w in d["home_words"]},
            institution={normalize(w) for w in d["institution_words"]},
            outlet_suffixes={normalize(w) for w in d["outlet_suffixes"]},
            seats={place_key(w) for w in d["government_seats"]},
            stance={normalize(w) for w in d["stance_verbs"]},
            government_nouns={normalize(w) for w in d["government_nouns"]},
            announce=cue_set("announce_verbs"),
            surroundings=dict(d["capital_surroundings"]),
            prefixes={place_key(w) for w in d["name_prefixes"]},
            not_names={normalize(w) for w in d["not_names"]},
            strong={v for w in d["ambiguous"] for v in key_variants(place_key(w))},
            weak={v for w in [*d["weak"], *d["syria"]] for v in key_variants(place_key(w))},
            blocked={place_key(w) for w in [*d["heads"], *d["anaphors"], *d["bearings"], *d["not_names"]]}
            | {place_key(w) for w in d["directions"] if " " not in w},
            common=set(), abroad=set(),
            common_heads={normalize(w) for w in d.get("common_name_heads", [])},
            common_loc={normalize(w) for w in d.get("common_name_locative", [])},
            common_slot=set(),
        )
        _LEX.common_slot = _LEX.common_loc | _LEX.listc
        gates = read_common_names()
        _LEX.common = {k for k, g in gates.items() if g != "weak"}
        _LEX.abroad = {k for k, g in gates.items() if g == "abroad"}
        _LEX.weak |= {k for k, g in gates.items() if g == "weak"}
        _LEX.tails = _build_tails(_LEX)
    return _LEX


def surroundings() -> dict[str, str]:
    """{"Damascus": "Rural Damascus"}: near a city that is a governorate of its own is the other."""
    return _lex().surroundings


def read_common_names(path: Path = COMMON_TSV) -> dict[str, str]:
    """common_names.tsv: key -> gate ("abroad", "common" or "weak")."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as f:
        rows = [ln.rstrip("\n").split("\t") for ln in f if ln.strip() and not ln.startswith("#")]
    col = rows[0].index("gate") if rows and "gate" in rows[0] else None
    return {r[0]: r[col] if col is not None else "common" for r in rows[1:]}


def reset_lexicon() -> None:
    """Forget the lexicon and its gazetteer (tests; after user places changed)."""
    global _LEX
    _LEX = None
    _TKEYS.clear()


_NOTHING: tuple = ((), None, (), None)


def _readings(lex: _Lex, tok: str) -> tuple:
    """What one token spelling can open, cached: (places, head, directions, anaphor).

    places: ((clitic_len, key), ...) whose key opens a gazetteer key; head and anaphor:
    (clitic_len, word) or None; directions: ((clitic_len, word), ...). clitic_len counts the
    letters before the mention proper (the article stays in the mention).
    """
    r = lex.cache.get(tok)
    if r is not None:
        return r
    if tok in lex.boring:  # computed before: it opens nothing
        return _NOTHING
    places: list[tuple[int, str]] = []
    head = None
    dirs: list[tuple[int, str]] = []
    ana = None
    basic = _BASIC_WORD.fullmatch(tok) is not None  # plain Arabic letters: a word, and the fast test applies
    if (basic or _is_word(tok)) and _may_open(lex, tok, basic):
        seen: set[str] = set()
        for prefix, stem in proclitic_splits(tok):
            plen = len(prefix)
            if prefix.endswith("ال"):
                plen -= 2
            k = _tkey(stem)
            if k and k not in seen and k in lex.gaz.max_words:
                seen.add(k)
                places.append((plen, k))
            clit_ok = prefix in _CLITIC_OK
            if clit_ok and head is None and stem in lex.heads:
                head = (plen, stem)
            if clit_ok and stem in lex.dir_first:
                dirs.append((plen, stem))
            if ana is None and stem in lex.anaphors and (clit_ok or prefix[:-2] in _CLITIC_OK):
                ana = (plen - 1 if prefix.endswith("لل") else plen, stem)
    if not (places or head or dirs or ana):
        r = _NOTHING
    else:
        r = (tuple(places), head, tuple(dirs), ana)
    if not (places or head or dirs or ana):
        if len(lex.boring) >= _MEMO_MAX:  # emptied, not frozen: memory stays flat over any corpus
            lex.boring.clear()
        lex.boring.add(tok)
    else:
        if len(lex.cache) >= _MEMO_MAX:
            lex.cache.clear()
        lex.cache[tok] = r
    return r


@dataclass
class _M:
    """A mention while the sentence is parsed (token indices into doc.tokens)."""

    t0: int  # first token
    p0: int  # clitic letters of the first token left out of the mention
    t1: int  # end token (exclusive)
    n0: int  # name tokens [n0, n1); the name starts name_p letters into token n0
    n1: int
    sent: int
    name_p: int = 0
    key: str = ""
    candidates: list[Place] = field(default_factory=list)
    head: _Head | None = None
    direction: str | None = None
    bearing: str | None = None
    anaphor: str | None = None
    unknown: bool = False
    gate: str | None = None  # "strong" / "weak" when the name is also a common word
    layer: int = 0  # _WOF_ONLY: every reading is a WOF village; _WOF_MIXED: some are, some not
    clitics: str = ""
    prep: str | None = None
    parent: int | None = None
    nest_next: bool = False
    list_next: bool = False
    antecedent: int | None = None
    role: str | None = None  # "home" (a person's town), "name" (part of an institution's name), "government"
    # (a place that speaks: "نفت أنقرة", "رحبت دمشق"); none of them is where the act was


class _Parser:
    def __init__(self, doc: Doc, lex: _Lex) -> None:
        self.lex = lex
        self.doc = doc
        self.norms = token_norms(doc)  # shared with the other components: read only

    def orig(self, j: int) -> str:
        t = self.doc.tokens[j]
        return self.doc.text[t.start:t.end]

    def gaz_at(self, j: int, end: int, clitics: bool = True) -> tuple[int, int, str] | None:
        """Longest gazetteer key starting at token j: (clitic_len, end_token, key)."""
        if j >= end:
            return None
        lex = self.lex
        best: tuple[int, int, str] | None = None
        tok = self.norms[j]
        seconds = lex.tails.seconds
        for plen, k0 in _readings(lex, tok)[0]:
            if plen and not clitics:
                continue
            # written without the article, a name that always has one is not it: "فرقة" ≠ الرقة
            bare = not (tok.startswith("ال", plen) or (plen >= 2 and tok[plen - 2:plen] == "لل"))
            parts = [k0]
            keys = [k0]
            for m in range(1, min(lex.gaz.max_words.get(k0, 1), end - j)):
                t = self.norms[j + m]
                if not _is_word(t):
                    break
                parts.append(_tkey(t))
                if m == 1 and parts[1] not in seconds.get(k0, ()):
                    break  # no longer name goes on with this word
                keys.append(" ".join(parts))
            for m in range(len(keys), 0, -1):
                # the article must agree: "فرقة" is no الرقة, "البصري" (a nisba) no بصرى
                if (keys[m - 1] not in lex.gaz.bare) if bare else (keys[m - 1] not in lex.gaz.articled):
                    continue
                if m == 1 and (k0 in lex.blocked or (
                        k0 in lex.prefixes and not self.norms[j][plen:].startswith("ال"))):
                    break  # "قرية" is not القريا; "تل شعير" is not التل
                if keys[m - 1] in lex.gaz.index:
                    if best is None or j + m > best[1]:
                        best = (plen, j + m, keys[m - 1])
                    break
        return best

    def direction_at(self, j: int, end: int) -> tuple[int, int, str] | None:
        """A direction phrase at token j: (clitic_len, end_token, value)."""
        lex = self.lex
        for plen, w in _readings(lex, self.norms[j])[2]:
            for m in (3, 2, 1):
                if j + m > end:
                    continue
                key = (w, *self.norms[j + 1:j + m])
                if key in lex.directions:
                    e = j + m
                    val = lex.directions[key]
                    if e < end and self.norms[e] == "من" and val != "countryside":
                        e += 1  # "الى الشرق من" / "جنوب غرب من"
                    return plen, e, val
        return None

    def _ok_name_word(self, t: str) -> bool:
        """Can t be part of an unknown name? Not a function word, head, direction ("وبلدات")."""
        lex = self.lex
        if not _is_word(t) or len(t) < 2 or t in lex.locative or t in lex.listc:
            return False
        r = _readings(lex, t)
        if r[1] or r[2] or r[3]:
            return False
        return not any(w in lex.not_names or w in lex.bearings
                       for p, w in proclitic_splits(t) if p in _CLITIC_OK)

    def unknown_at(self, k: int, end: int, head: _Head, first: str | None = None) -> int:
        """End token of an unknown name after a head word (k itself when there is none)."""
        t1 = first if first is not None else (self.norms[k] if k < end else "")
        if k >= end or not self._ok_name_word(t1):
            return k
        if head.kind == "area" and not t1.startswith("ال") and (
                t1.endswith(("ية", "يه")) or (t1[0] in "تي" and len(t1) >= 5)):
            return k  # "منطقة عسكرية", "منطقة تعاني": an adjective or a verb, not a name
        e = k + 1
        nxt = self.norms[e] if e < end else ""
        if _tkey(t1) in self.lex.prefixes:  # "تل شعير", "عين الزرقا", "أبو حمام"
            if self._ok_name_word(nxt):
                e += 1
                if _tkey(nxt) in _LINKERS and e < end and self._ok_name_word(self.norms[e]):
                    e += 1  # "تل أبو حمام"
        elif (not t1.startswith("ال") and nxt.startswith("ال") and self._ok_name_word(nxt)
              and not self.gaz_at(e, end, clitics=False)):
            e += 1  # construct state: "نبع الطيب", "بستان الباشا"
        return e

    def bearings(self, j: int, end: int) -> tuple[str | None, int]:
        out = []
        while j < end and self.norms[j] in self.lex.bearings and len(out) < 2:
            out.append(self.lex.bearings[self.norms[j]])
            j += 1
        if not out:
            return None, j
        return ("".join(out) if len(out) == 2 and out[0] in ("north", "south") else out[0]), j

    # one mention --------------------------------------------------------------------------------
    def parse(self, i: int, end: int, sent: int, list_head: _Head | None) -> _M | None:
        lex = self.lex
        places, head_r, dirs, ana_r = _readings(lex, self.norms[i])
        if not (places or head_r or dirs or ana_r or list_head):
            return None
        if places:
            g = self.gaz_at(i, end)
            if g:
                return self.named(i, g[0], i, g[1], g[2], sent, end, None, None, g[0])
        p0, j, direction, bearing = 0, i, None, None
        d = self.direction_at(i, end) if dirs else None
        if d:
            p0, j, direction = d
            if direction == "countryside":  # "الريف الشرقي لدير الزور"
                bearing, j = self.bearings(j, end)
            if j >= end:
                return None
            g = self.gaz_at(j, end)
            if g:
                m = self.named(i, p0, j, g[1], g[2], sent, end, None, direction, g[0])
                m.bearing = m.bearing or bearing
                return m
            _pl, head_r, _d, ana_r = _readings(lex, self.norms[j])
            if ana_r and (ana_r[0] == 0 or direction == "countryside"):
                return self.anaphor(i, p0, j, sent, end, direction)
        elif ana_r and not head_r:
            return self.anaphor(i, ana_r[0], i, sent, end, None)
        if head_r and head_r[1] in _CONFUSABLE and any(c in self.orig(j) for c in _CONFUSABLE[head_r[1]]):
            head_r = None  # "وأدى" (and it led to) folds to وادي, "إحياء" (reviving) to أحياء
        if head_r and (j == i or head_r[0] == 0):
            if j == i:
                p0 = head_r[0]
            head = lex.heads[head_r[1]]
            k = j + 1
            if k < end - 1 and self.norms[k] in lex.head_adjectives:
                k += 1
            g = self.gaz_at(k, end, clitics=False)
            if g and head.kind == "governorate" and not any(
                    _governorate_like(lex.gaz.places[x]) for x in lex.gaz.index[g[2]]):
                g = None  # "محافظة أبين": a governorate abroad, not the Syrian village of its name
            if g:
                m = self.named(i, p0, k, g[1], g[2], sent, end, head, direction)
                if head.kind == "road":  # "طريق حلب دمشق", "طريق بانياس - طرطوس": the road's end
                    k2 = m.t1 + (1 if m.t1 < end - 1 and self.norms[m.t1] in _DASHES else 0)
                    g2 = self.gaz_at(k2, end, clitics=False)
                    if g2:
                        m.t1 = g2[1]
                return m
            if head.unknown:
                e = self.unknown_at(k, end, head)
                if e > k:
                    return self.unknown(i, p0, k, e, sent, head, direction)
            return None
        if list_head and not d:
            # "بلدات الشحيل وذيبان والسمرا": a later item of a list under a plural head
            tok = self.norms[i]
            plen = 1 if tok.startswith("و") and len(tok) > 3 else 0
            e = self.unknown_at(i, end, list_head, first=tok[plen:])
            if e > i:
                return self.unknown(i, plen, i, e, sent, list_head, None, name_p=plen)
        return None

    def named(self, i: int, p0: int, n0: int, n1: int, key: str, sent: int, end: int,
              head: _Head | None, direction: str | None, name_p: int = 0) -> _M:
        lex = self.lex
        cands = [lex.gaz.places[x] for x in lex.gaz.index[key]]
        layer = lex.layers.get(key)
        if layer is None:
            wof = sum(c.id.startswith(_WOF) for c in cands)
            layer = lex.layers[key] = _WOF_ONLY if wof == len(cands) else _WOF_MIXED if wof else 0
        if head is not None and head.kind == "governorate":
            cands = [c for c in cands if _governorate_like(c)]
        m = _M(i, p0, n1, n0, n1, sent, name_p=name_p, key=key, candidates=cands, head=head,
               direction=direction, clitics=self.norms[i][:p0], layer=layer)
        if direction in ("countryside", "desert"):
            m.bearing, m.t1 = self.bearings(n1, end)
            m.t1 = max(m.t1, n1)
        if key in lex.abroad:
            m.gate = "abroad"
        elif key in lex.common:
            m.gate = "common"
        elif key in lex.strong:
            m.gate = "strong"
        elif key in lex.weak or layer == _WOF_ONLY or any(c.kind == "country" or c.is_foreign for c in cands):
            m.gate = "weak"  # a village of the WOF layer too: rare words ("خس") are village names
        return m

    def anaphor(self, i: int, p0: int, j: int, sent: int, end: int, direction: str | None) -> _M:
        plen, w = _readings(self.lex, self.norms[j])[3]
        m = _M(i, p0, j + 1, j, j + 1, sent, name_p=plen if j != i else p0, key=w,
               anaphor=self.lex.anaphors[w], direction=direction, clitics=self.norms[i][:p0])
        b, e = self.bearings(j + 1, end)
        if b:
            m.bearing, m.t1 = b, e
        return m

    def unknown(self, i: int, p0: int, k: int, e: int, sent: int, head: _Head,
                direction: str | None, name_p: int = 0) -> _M:
        name = " ".join(self.norms[k:e])[name_p:]
        return _M(i, p0, e, k, e, sent, name_p=name_p, key=name, head=head, direction=direction,
                  unknown=True, clitics=self.norms[i][:p0])


def _relate(p: _Parser, ms: list[_M]) -> None:
    """Nesting ("حي X في مدينة Y", "X، شرق Y") and list ("X، Y وZ") links within a sentence."""
    lex = p.lex
    for m in ms:
        m.parent, m.nest_next, m.list_next = None, False, False
    for k in range(len(ms) - 1):
        a, b = ms[k], ms[k + 1]
        gap = p.norms[a.t1:b.t0]
        if len(gap) > MAX_GAP:
            continue
        words = gap + [c for c in b.clitics if c in "وبل"]
        if not all(w in lex.nest or w in lex.listc for w in words):
            continue
        has_list = any(w in lex.listc for w in words)
        if b.direction:
            nest = "و" not in words
        elif has_list:
            # "منطقة الحفاير، في بلدة خان أرنبة": a comma then a locative preposition nests
            nest = not any(w in lex.listc and w != "،" and w != "," for w in words) and any(
                w in lex.nest_strong for w in words)
        else:
            nest = any(w in lex.nest_strong for w in words) or bool(b.head or b.anaphor)
        if nest:
            a.parent, a.nest_next = k + 1, True
        elif has_list:
            a.list_next = True
    for k in range(len(ms) - 2, -1, -1):  # the items of a list share the container of the last
        if ms[k].list_next and ms[k].parent is None and ms[k + 1].parent is not None:
            ms[k].parent = ms[k + 1].parent


def _gate(p: _Parser, ms: list[_M], prior: Sequence[_M] = (), keep_all: bool = False) -> list[_M]:
    """Drop names that are also common words unless their context makes them places.

    `prior`: the mentions kept in the article's earlier sentences (what "بريف المحافظة" stands
    for). `keep_all`: set each mention's prep but drop nothing (for measuring)."""
    lex = p.lex
    ok = []
    for k, m in enumerate(ms):
        prev = p.norms[m.t0 - 1] if m.t0 > 0 else ""
        clit = "ب" if "ب" in m.clitics else ("ل" if "ل" in m.clitics else None)
        if prev == "من" and m.t0 > 1 and p.norms[m.t0 - 2] == "كل":  # "في كل من X، Y"
            prev = p.norms[m.t0 - 3] if m.t0 > 2 else "في"
        m.prep = clit or (prev if prev in lex.locative or prev in lex.origin else None)
        if m.prep == "من" and not lex.spread.isdisjoint(p.norms[max(0, m.t0 - 4):m.t0 - 1]):
            m.prep = "في"  # "امتدت الاشتباكات من حي المقوس": where it happened first
        m.role = _role(p, m, prev)
        before = ms[k - 1] if k else None
        if m.prep is None and before is not None and (
                before.list_next or m.head is not None and m.head.plural and before.head is m.head):
            m.prep = before.prep  # "إلى بلدات الطيرة والصورة وسميع": a list shares its preposition
        if m.gate == "common":  # its own head word, not one a list inherits ("محافظات ...، X")
            ok.append(m.head is not None and m.n0 > m.t0 and m.head.word in lex.common_heads)
        elif m.gate == "abroad":  # "مدينة نجران": a head does not make it Syrian
            ok.append(False)
        else:
            ok.append(m.gate is None or bool(m.head or m.direction)
                      or (m.gate == "weak" and m.prep in lex.locative))
    if keep_all:
        return list(ms)
    # a common word becomes a place inside another ("الكرامة بريف الرقة"), around one
    # ("في حي X في الباب"), or inside a list of them ("الرقة، الكرامة، دير الزور"; "والكرامة")
    for _ in range(3):
        changed = False
        for k, m in enumerate(ms):
            if ok[k] or m.gate in ("common", "abroad"):
                continue
            after = k + 1 < len(ms) and ok[k + 1]
            before = k > 0 and ok[k - 1]
            listed = (m.list_next and after and (k > 0 and ms[k - 1].list_next or "و" in m.clitics)) or (
                k > 0 and ms[k - 1].list_next and before and ("و" in m.clitics or m.list_next))
            if (m.nest_next and after) or (k > 0 and ms[k - 1].nest_next and before) or listed:
                ok[k] = changed = True
        if not changed:
            break
    # a name that is a frequent common word: in a place's slot (after a locative preposition or a
    # direction, or in a list of places) and with a place that contains it in the same clause
    # ("abroad": with a head word too, "قرية الحسينية بريف حمص")
    for k, m in enumerate(ms):
        if ok[k] or m.gate not in ("common", "abroad"):
            continue
        listed = m.list_next and k + 1 < len(ms) or k > 0 and ms[k - 1].list_next
        slot = m.prep in lex.common_loc or m.direction or listed or (m.head is not None and m.n0 > m.t0)
        if slot and _contained(p.norms, ms, ok, k, prior):
            ok[k] = True
    # a known place (a country or city abroad, a governorate, district or town) that is also the
    # name of villages elsewhere ("السعودية", "دوما" in Sweida): those villages only after a
    # village head ("قرية دوما") or with a place containing them named in the clause
    for k, m in enumerate(ms):
        if m.layer != _WOF_MIXED or not ok[k] or (m.head is not None and m.n0 > m.t0 and m.head.kind == "village"):
            continue
        cands = m.candidates
        known = {c.admin1 for c in cands if not c.id.startswith(_WOF) and not c.is_foreign and c.kind != "country"}
        shadowed = [c for c in cands if c.id.startswith(_WOF) and c.admin1 not in known]
        if shadowed and not _contained(p.norms, ms, ok, k, prior, shadowed):
            m.candidates = [c for c in cands if not (c.id.startswith(_WOF) and c.admin1 not in known)]
    return [m for m, keep in zip(ms, ok, strict=True) if keep]


def _role(p: _Parser, m: _M, prev: str) -> str | None:
    """"من أبناء مدينة إنخل", "ينحدر من تلكلخ": a person's home; "جامعة دمشق", "محافظ حمص",
    "السويداء 24": part of a name. Neither says where the act was."""
    lex, norms = p.lex, p.norms
    if m.head is None and m.direction is None and m.prep is None and (
            prev in lex.announce or prev[:1] in "وف" and prev[1:] in lex.announce):
        return "government"  # "واتهمت دمشق وموسكو ...", "نفت أنقرة": a place that speaks is its government
    if m.head is None and m.direction is None and m.t0 > 0 and norms[m.t0 - 1] in lex.institution:
        return "name"
    if m.t1 < len(norms) and norms[m.t1] in lex.outlet_suffixes:
        return "name"
    if prev in lex.home or prev == "من" and m.t0 > 1 and norms[m.t0 - 2] in lex.home:
        return "home"
    if m.key in lex.seats and m.head is None and m.direction is None and (
            m.prep is None and (_speaks(p, m) or prev in lex.government_nouns)
            or m.prep == "في" and _government_before(p, m)):
        return "government"
    return None


def _government_before(p: _Parser, m: _M) -> bool:
    """"الحكومة الشرعية في دمشق", "النظام السوري في دمشق": a government noun up to two words before
    the capital's "في"."""
    norms = p.norms
    i = m.t0 - (1 if norms[m.t0 - 1] == "في" else 0) if m.t0 else 0
    return any(norms[j] in p.lex.government_nouns for j in range(max(0, i - 3), i))


_OBJECT_PRONOUNS = ("ه", "ها", "هم", "هما")
_STANCE_BEFORE = 5  # "اتهمت الدول الغربية الثلاثة دمشق": the verb up to this many words before the name


def _speaks(p: _Parser, m: _M) -> bool:
    """Is a bare capital the subject or object of a stance verb ("رحبت دمشق", "دمشق تتعهد",
    "أدانت كل من دمشق وروسيا"), with no clause break between them?"""
    lex, norms = p.lex, p.norms

    def stance(w: str) -> bool:
        # "ورحبت", and "نفته دمشق" / "اتهمتها": the verb with a conjunction or its object pronoun
        for v in (w, w[1:] if w[:1] in "وف" else ""):
            if v in lex.stance or any(v.endswith(x) and v[:-len(x)] in lex.stance for x in _OBJECT_PRONOUNS):
                return True
        return False

    if m.t1 < len(norms) and stance(norms[m.t1]):
        return True
    for j in range(m.t0 - 1, max(-1, m.t0 - 1 - _STANCE_BEFORE), -1):
        w = norms[j]
        if w == "من" and j and norms[j - 1] == "كل":  # "أدانت كل من دمشق وروسيا"
            continue
        if w in _CLAUSE_BREAK or w in lex.locative:
            return False
        if stance(w):
            return True
    return False


def _contained(norms: list[str], ms: list[_M], ok: list[bool], k: int, prior: Sequence[_M],
               places: list[Place] | None = None) -> bool:
    """Is a reading of ms[k] (one of `places`, default all) inside a place named (and kept) in
    its clause: the place it nests in ("الكرامة، بريف الرقة"), one of its list, or one within
    CLAUSE tokens and no comma, semicolon or colon of it?"""
    m = ms[k]
    for j, o in enumerate(ms):
        if j == k or not ok[j]:
            continue
        gap = norms[m.t1:o.t0] if o.t0 >= m.t1 else norms[o.t1:m.t0]
        linked = (j == k + 1 and m.nest_next) or all(x.list_next for x in ms[min(j, k):max(j, k)])
        if len(gap) > CLAUSE or not linked and not _CLAUSE_BREAK.isdisjoint(gap):
            continue  # beyond the clause, unless nested in it or listed with it ("الرقة، الكرامة")
        cands = o.candidates
        if o.anaphor == "governorate":  # "بريف المحافظة": the governorate named before
            cands = next(([c for c in a.candidates if c.kind == "governorate"]
                          for a in reversed([*prior, *ms[:j]])
                          if any(c.kind == "governorate" for c in a.candidates)), [])
        if contains(cands, m.candidates if places is None else places, bool(o.direction)):
            return True
    return False


def contains(containers: list[Place], places: list[Place], around: bool) -> bool:
    """Does a Syrian place among `containers` contain one of `places`? A governorate, district or
    subdistrict by its admin names; a town, village or region by distance."""
    for c in containers:
        if c.is_foreign or c.kind == "country" or not c.admin1:
            continue
        for q in places:
            if q.admin1 != c.admin1:
                continue
            if c.kind == "governorate":
                return True
            if c.kind == "district":
                if q.admin2 == c.admin2:
                    return True
            elif c.kind == "subdistrict":
                if q.admin2 == c.admin2 and q.admin3 == c.admin3:
                    return True
            elif c.lat is not None and q.lat is not None and km(c.lat, c.lon, q.lat, q.lon) <= (
                    CONTAIN_KM_AROUND if around else CONTAIN_KM):
                return True
    return False


def _outside_container(ms: list[_M]) -> None:
    """A village name (of the WOF layer only) said to be in a place that holds none of its
    namesakes ("منطقة الحفاير، في بلدة خان أرنبة" when every الحفاير lies elsewhere, or a place
    abroad) is a place the gazetteer lacks, inside that place."""
    for m in ms:
        if m.layer != _WOF_ONLY or m.parent is None or not m.candidates or m.anaphor:
            continue
        c = ms[m.parent]
        syrian = [x for x in c.candidates if not x.is_foreign and x.kind != "country"]
        abroad = bool(c.candidates) and all(x.is_foreign for x in c.candidates)
        if (syrian or abroad) and not contains(syrian, m.candidates, True):
            m.candidates, m.unknown = [], True  # (inside a place abroad: "... جنوب القاهرة")


_ANAPHOR_KINDS = {"city": ("city", "town"), "town": ("town", "city", "village"),
                  "village": ("village", "town"), "subdistrict": ("subdistrict", "town"),
                  "camp": ("camp",)}


def _resolve_anaphors(lex: _Lex, ms: list[_M]) -> None:
    """Point المحافظة / المدينة at the place they stand for, named earlier in the article."""
    for k, m in enumerate(ms):
        if not m.anaphor:
            continue
        for j in range(k - 1, -1, -1):
            a = ms[j]
            if a.anaphor or not a.candidates:
                continue
            if m.anaphor == "governorate":
                hit = [c for c in a.candidates if c.kind == "governorate"]
            else:
                hit = [c for c in a.candidates if c.kind in _ANAPHOR_KINDS.get(m.anaphor, ())]
            if hit:
                m.candidates, m.antecedent = hit, j
                break
        if m.antecedent is None and m.anaphor == "governorate":
            # no governorate named: the last unambiguous place says which one is meant
            for j in range(k - 1, -1, -1):
                a = ms[j]
                a1 = {c.admin1 for c in a.candidates if c.admin1}
                if not a.anaphor and len(a1) == 1:
                    g = lex.gaz.governorate(a1.pop())
                    if g:
                        m.candidates, m.antecedent = [g], j
                    break


def find_mentions(doc: Doc, gated: bool = True) -> list[Span]:
    """The place mentions of a document, in order (see the module docstring for attrs).

    gated=False keeps the names that are also common words whatever their context (to measure
    how they are used: scripts/measure_common_names.py)."""
    lex = _lex()
    p = _Parser(doc, lex)
    norms = p.norms
    listc = lex.listc
    boring = lex.boring
    toks = doc.tokens
    # sentence of each candidate token, and the token that ends it (a mention never crosses it)
    sent_starts = [s.start for s in doc.sentences]
    all_ms: list[_M] = []
    ms: list[_M] = []
    cur_sent = -1
    sent_end = 0

    def close_sentence() -> None:
        if not ms:
            return
        _relate(p, ms)
        kept = _gate(p, ms, all_ms, keep_all=not gated)
        if len(kept) != len(ms):
            _relate(p, kept)
        base = len(all_ms)
        for m in kept:
            if m.parent is not None:
                m.parent += base
        all_ms.extend(kept)
        ms.clear()

    nxt = 0
    index = token_index(doc)  # each distinct token once
    # a bare common word ("النصر") can only be a place in a place's slot: after a preposition or
    # in a list, next to another place (a head or direction before it parses it from there);
    # the first word of longer names only opens one when the next word can follow it
    slot = lex.common_slot
    cache, plans = lex.cache, lex.plans
    positions: list[int] = []
    last = len(norms) - 1
    for t in index.keys() - boring:
        plan = plans.get(t)
        if plan is None:
            r = cache.get(t) or _readings(lex, t)
            if r is _NOTHING:
                continue
            plan = _plan(lex, t, r)
        mode, lead = plan
        at = index[t]
        if mode == 0 or (mode > _LEAD and not gated):
            positions.extend(at)
            continue
        for i in at:
            if (i < last and _tkey(norms[i + 1]) in lead) or mode > _LEAD and i and (
                    norms[i - 1] in slot or mode == _QUIET_CLITIC and norms[i - 1] in cache
                    or norms[i - 1] == "من" and i > 1 and norms[i - 2] == "كل"):
                positions.append(i)
    for i in sorted(positions):
        if i < nxt:
            continue
        si = max(bisect.bisect_right(sent_starts, toks[i].start) - 1, 0)
        if si != cur_sent:
            close_sentence()
            cur_sent = si
            s_end = doc.sentences[si].end if doc.sentences else len(doc.text)
            sent_end = bisect.bisect_left(toks, s_end, key=_START)
        m = p.parse(i, sent_end, si, None)
        if m is None:
            continue
        ms.append(m)
        nxt = max(m.t1, i + 1)
        # "بلدات الشحيل وذيبان والسمرا": later items of a list under a plural head
        while m is not None and m.head is not None and m.head.plural or (
                m is not None and m.unknown and ms[-1] is m and len(ms) > 1 and ms[-2].head is m.head):
            j = nxt + (1 if nxt < sent_end and norms[nxt] in listc else 0)
            if j >= sent_end:
                break
            head = m.head
            m = p.parse(j, sent_end, si, head)
            if m is None:
                break
            if m.head is None:
                m.head = head
            ms.append(m)
            nxt = max(m.t1, j + 1)
    close_sentence()
    _outside_container(all_ms)
    _resolve_anaphors(lex, all_ms)
    toks = doc.tokens
    datelines = _Datelines(doc)
    spans: list[Span] = []
    for idx, m in enumerate(all_ms):
        name = " ".join(p.norms[m.n0:m.n1])[m.name_p:]
        name_text = doc.span(toks[m.n0].nstart + m.name_p, toks[m.n1 - 1].nend).text
        spans.append(doc.span(
            toks[m.t0].nstart + m.p0, toks[m.t1 - 1].nend, "place", name=name, name_text=name_text,
            head=m.head.word if m.head else None, head_kind=m.head.kind if m.head else None,
            direction=m.direction, bearing=m.bearing, candidates=list(m.candidates),
            parent_ref=m.parent, anaphor=m.anaphor, antecedent=m.antecedent, unknown=m.unknown,
            prep=m.prep, gate=m.gate, index=idx, sentence=m.sent, key=m.key, role=m.role,
            dateline=datelines.holds(toks[m.t0].start)))
    for i in range(1, len(spans)):
        prev, cur = spans[i - 1], spans[i]
        if _DESCRIBES.fullmatch(doc.text, prev.end, cur.start):
            spans[i] = cur.with_attrs(describes=prev.get("index"))  # "الغوطة، التي تعتبر رئة دمشق"
        elif prev.get("direction") == "countryside" and cur.get("direction") is None and not cur.get("head") \
                and _AND.fullmatch(doc.text, prev.end, cur.start):
            spans[i] = cur.with_attrs(direction="countryside")  # "أرياف إدلب وحلب": both countrysides
    return spans


# A relative clause right after a place that names another place within three words:
# "الغوطة، التي تعتبر رئة دمشق", "دوما، الذي يقع قرب دمشق" describe the first place.
_AND = re.compile(r"\s*و")  # the conjunction written onto the next name
_DESCRIBES = re.compile(r"\s*[،,]?\s*(?:التي|الذي|اللتين|اللذين)\s+(?:\S+\s+){0,3}")


_DATELINE_SEP = re.compile(r"[-–—/]")
_DATELINE_CHARS = 70  # "واشنطن - دمشق في 13 ديسمبر/ وام /" fits; a sentence does not
_DATELINE_WORDS = 8


class _Datelines:
    """Each paragraph's dateline ("دمشق - سانا", "واشنطن - دمشق في 13 ديسمبر/ وام /"): the stretch before
    the last dash or slash near a paragraph's start, when it is a few words with no event word. Where
    the agency files from says nothing about where the event was. Read only for the paragraphs a place
    is named near the start of (most paragraphs name none there)."""

    def __init__(self, doc: Doc) -> None:
        self.text = doc.text
        self.doc = doc
        self.trig: list[int] | None = None
        self.memo: dict[int, tuple[int, int] | None] = {}

    def of_line(self, ps: int) -> tuple[int, int] | None:
        if ps in self.memo:
            return self.memo[ps]
        head = self.text[ps:ps + _DATELINE_CHARS].split("\n", 1)[0]
        seps = [m.end() for m in _DATELINE_SEP.finditer(head)]
        out = None
        if seps and len(head[:seps[-1]].split()) <= _DATELINE_WORDS:
            end = ps + seps[-1]
            if self.trig is None:
                self.trig = sorted(t.start for t in self.doc.get("triggers"))
            k = bisect.bisect_left(self.trig, ps)
            if not (k < len(self.trig) and self.trig[k] < end):  # an event word in it: a sentence
                out = (ps, end)
        self.memo[ps] = out
        return out

    def holds(self, start: int) -> bool:
        ps = self.text.rfind("\n", 0, start) + 1
        if start - ps >= _DATELINE_CHARS:
            return False
        span = self.of_line(ps)
        return span is not None and span[0] <= start < span[1]


def places(doc: Doc) -> None:
    """Pipeline component: add the place mentions as layer "places"."""
    doc.add("places", find_mentions(doc))

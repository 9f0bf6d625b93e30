"""Quantity expressions in Arabic news: digits, number words, duals, qualifiers, vague counts.

Everything is matched on the normalised view (`doc.norm`) and returned as `Span`s of the
original text, so counts quote the article exactly. A set of every inflected lexicon form
picks the few tokens that can start a quantity; a small grammar then reads the whole
expression from there:

* digits in any script, thousands separators, decimals (value None, attr ``amount``); digits
  written onto a word with no space ("قتل45شخصاً", "مقتل3 مدنيين") are read like spaced ones
  (the tokenizer splits digit runs from letter runs), unless the word is a single letter or a
  code ("إف16", "فرانس24": numbers.json glued_codes);
* number words in every gender and case, compounds ("خمسة وعشرون", "ألف ومئتان",
  "ثلاثة آلاف", "2 ألف"), with the proclitics و ف ب ل ك;
* duals of counted nouns ("عنصرين" = 2) and "noun + واحد" ("عنصر واحد" = 1);
* qualifiers before ("أكثر من 40" -> at_least) and after ("تقريبا", "على الأقل");
* vague counts ("عشرات", "عدد من", "بضعة" -> value None, kind vague).

Span attrs: ``value`` (int | None), ``kind`` (exact | at_least | approximate | vague),
``noun`` (the counted noun in view form with the article removed: "4 عناصر" -> "عناصر",
"5 من المدنيين" -> "مدنيين"; for duals and "X واحد" the singular: "عنصرين" -> "عنصر"; None
when no noun follows), and when relevant ``qualifier`` (the view phrase), ``unit``
("percent") and ``amount`` (the float of a non-integer quantity).

Spans never include a conjunction or preposition written onto the first word ("وثلاثة" ->
"ثلاثة"); an article written as ال stays ("العشرات"). The lexicon lives in
rasd/data/numbers.json.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from rasd.arabic.normalize import LETTER, normalize
from rasd.arabic.tokens import (
    TOKEN_RE,
    digit_words,
    proclitic_splits,
    token_index,
    token_norms,
    token_nstarts,
)
from rasd.doc import Doc, Span

KINDS = ("exact", "at_least", "approximate", "vague")


# --- lexicon -----------------------------------------------------------------------------

def _load() -> dict[str, Any]:
    raw = resources.files("rasd").joinpath("data/numbers.json").read_text(encoding="utf-8")
    return json.loads(raw)


_DATA = _load()


def _nset(key: str) -> frozenset[str]:
    return frozenset(normalize(w) for w in _DATA[key])


# word -> (role, value); roles are the JSON section names
_NUM: dict[str, tuple[str, float]] = {}
for _role in ("unit", "head", "ten", "tens", "hundred", "hundreds", "scale", "scale_dual", "scale_plural"):
    for _w, _v in _DATA[_role].items():
        _NUM[normalize(_w)] = (_role, _v)
for _w in _DATA["half"]:
    _NUM[normalize(_w)] = ("half", 0.5)

_DEFINITE_OK = _nset("definite_ok")
_NO_PREP = _nset("no_clitic_prep")
_VAGUE = _nset("vague")
_VAGUE_PLURAL = _nset("vague_plural")
_VAGUE_NEEDS_MIN = _nset("vague_needs_min")
_VAGUE_ADJ = _nset("vague_adjectives")
_VAGUE_ARTICLE_OK = _nset("vague_article_ok")
_DAY_WORDS = _nset("day_words")
_ORDINALS = _nset("ordinals")
_YEAR_WORDS = _nset("year_words")
_TIME_WORDS = _nset("time_words")
_TIME_AFTER = _nset("time_after")
_LABEL_WORDS = _nset("label_words")
_ONE_IDIOM = _nset("one_idiom_before")
_NOUN_STOP = _nset("noun_stop")
_NOUN_W_INITIAL = _nset("noun_w_initial")
_GLUED_CODES = _nset("glued_codes")
_TWO_WORDS = frozenset(w for w, (r, v) in _NUM.items() if r == "unit" and v == 2)

_SINGULAR = frozenset(normalize(w) for w in _DATA["counted_nouns"]["singular"])
_AN_ONLY = frozenset(normalize(w) for w in _DATA["counted_nouns"]["dual_an_only"])


def _duals() -> dict[str, str]:
    """Dual form -> singular: ة -> تان/تين, else +ان/+ين (ين dropped for dual_an_only nouns)."""
    out: dict[str, str] = {}
    for sing in _SINGULAR:
        stem = sing[:-1] + "ت" if sing.endswith("ة") else sing
        out[stem + "ان"] = sing
        if sing not in _AN_ONLY:
            out[stem + "ين"] = sing
    return out


_DUAL = _duals()


def _phrases(words: Sequence[str]) -> str:
    """Alternation of multi-word phrases, longest first, any whitespace between words."""
    forms = sorted({normalize(w) for w in words}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(p) for p in f.split()) for f in forms)


_L = LETTER


def _qual_map(section: str) -> dict[str, str]:
    return {" ".join(normalize(p).split()): kind for kind, ps in _DATA[section].items() for p in ps}


_QUAL_BEFORE_KIND = _qual_map("qualifiers_before")
_QUAL_AFTER_KIND = _qual_map("qualifiers_after")
_QUAL_BEFORE = re.compile(
    rf"(?<![{_L}])[وف]?[بلك]?(?P<q>{_phrases(list(_QUAL_BEFORE_KIND))})\s*(?P<p>\(\s*)?$"
)
_QUAL_AFTER = re.compile(rf"\s*(?P<q>{_phrases(list(_QUAL_AFTER_KIND))})(?![{_L}])")
_PERCENT = re.compile(rf"\s*(?:{_phrases(_DATA['percent_after'])})(?![{_L}])")
_MONTHS = _phrases(_DATA["months"])
_MONTH_AFTER = re.compile(rf"\s*(?:{_MONTHS})(?![{_L}])")
_MONTH_BEFORE = re.compile(rf"(?<![{_L}])(?:{_MONTHS})[\s,،]*$")
_CLOSE_PAREN = re.compile(r"\s*\)")
_LETTER_RUN_END = re.compile(f"[{_L}]+$")
_LETTER_RUN = re.compile(f"[{_L}]+")
_IS_LETTER = re.compile(f"[{_L}]")
_DIGIT_CLITICS = frozenset({"و", "ف", "ب", "ل", "ك", "ال", "وال", "فال", "بال", "كال", "لل", "وب", "ول",
                            "فب", "فل", "وبال", "ولل", "فلل", "فبال"})
_LATIN_ETC = re.compile(r"[A-Za-z_#@]")
_PREP_DEF = re.compile(r"[وف]?(?:[بك]ال|لل)")

# (conjunction+preposition length to leave out of the span, has article, prefix)
_PREFIXES: list[tuple[int, bool, str]] = sorted(
    {(len(c + p), False, c + p) for c in ("", "و", "ف") for p in ("", "ب", "ل", "ك")}
    | {(len(c + p), True, c + p + "ال") for c in ("", "و", "ف") for p in ("", "ب", "ك")}
    | {(len(c) + 2, True, c + "لل") for c in ("", "و", "ف")},
    key=lambda t: (len(t[2]), t[2]),
)


# Every written form that can start a quantity: each lexicon word under each proclitic
# combination (about 5k strings). The view is already tokenised by Doc, so finding candidates
# is one set lookup per token; measured 8x faster than an alternation regex over doc.norm.
_FORMS = frozenset(p + w for w in set(_NUM) | _VAGUE | set(_DUAL) for _s, _a, p in _PREFIXES)


@dataclass(frozen=True)
class _Hit:
    skip: int  # view characters of clitics to leave out of the span
    article: bool
    stem: str


def _split(word: str, table: frozenset[str] | dict[str, Any], article: bool = True) -> _Hit | None:
    """The least-peeled reading of `word` whose stem is in `table` (whole word first)."""
    for skip, art, prefix in _PREFIXES:
        if art and not article:
            continue
        if word.startswith(prefix):
            stem = word[len(prefix):]
            if len(stem) >= 2 and stem in table:
                return _Hit(skip, art, stem)
    return None


@lru_cache(maxsize=1 << 16)
def _vague_hit(word: str) -> _Hit | None:
    return _split(word, _VAGUE)


@lru_cache(maxsize=1 << 16)
def _dual_hit(word: str) -> _Hit | None:
    return _split(word, _DUAL)


@lru_cache(maxsize=1 << 16)
def _num_first(word: str) -> tuple[_Hit, str, float] | None:
    """A number word that may open an expression: clitics allowed, article only for 3-10."""
    for skip, art, prefix in _PREFIXES:
        if not word.startswith(prefix):
            continue
        entry = _NUM.get(word[len(prefix):])
        if entry is None:
            continue
        stem = word[len(prefix):]
        if art and stem not in _DEFINITE_OK:
            continue
        if skip and prefix[-1:] in "بلك" and stem in _NO_PREP:
            continue  # لست / بست are not "six"
        return _Hit(skip, art, stem), entry[0], entry[1]
    return None


@lru_cache(maxsize=1 << 16)
def _bare_in(word: str, table: frozenset[str]) -> bool:
    """Whether any proclitic reading of `word` (article included) is in `table`."""
    return any(stem in table for _p, stem in proclitic_splits(word))


# --- digits --------------------------------------------------------------------------------

_SEP = re.compile(r"[.,]")


def _digits_value(s: str) -> float | None:
    """"1,200" -> 1200, "1.200.000" -> 1200000, "2.5" -> 2.5; None when unreadable."""
    if s.isascii() and s.isdigit():
        return int(s)
    groups = _SEP.split(s)
    seps = _SEP.findall(s)
    three = all(len(g) == 3 for g in groups[1:])
    if three and (set(seps) == {","} or (set(seps) == {"."} and len(seps) > 1)):
        return int("".join(groups))
    if len(seps) == 1:
        return float(s.replace(",", "."))
    if seps[-1] == "." and set(seps[:-1]) == {","} and all(len(g) == 3 for g in groups[1:-1]):
        return float("".join(groups[:-1]) + "." + groups[-1])
    return None


def _is_digits(word: str) -> bool:
    return "0" <= word[:1] <= "9"


@lru_cache(maxsize=1 << 12)
def _glued_word_ok(word: str) -> bool:
    """Whether digits written onto this Arabic word (before or after it) can still be a count:
    any word of two letters or more ("قتل45", "45شخصاً", "مقتل3") but a single letter ("ق50",
    "2018م") or a code ("إف16", "لفرانس24"; numbers.json glued_codes)."""
    if len(word) < 2:
        return word == "و"  # "1966و1968"
    # و ف ب ل ك may be written on a code ("لفرانس24"), the article is not: "10آلاف" is not ال + إف
    return not any(stem in _GLUED_CODES for p, stem in proclitic_splits(word) if "ال" not in p)


def _digits_ok(norm: str, s: int, e: int) -> bool:
    """Digits glued to Latin letters, slashes, colons or hyphenated words are codes, not counts;
    digits glued to an Arabic word are read unless the word is a code (_glued_word_ok)."""
    if s > 0:
        c = norm[s - 1]
        if _LATIN_ETC.match(c) or c in "/:":
            return False
        if c == "-" and s >= 2 and (norm[s - 2].isalpha()):
            return False
        if _IS_LETTER.match(c):
            # the window is wider than any proclitic or code: a run filling it is a long word
            m = _LETTER_RUN_END.search(norm, max(0, s - 12), s)
            if m is not None and m.group() not in _DIGIT_CLITICS and not (
                    m.start() == s - 12 or _glued_word_ok(m.group())):
                return False
    if e < len(norm):
        c = norm[e]
        if _LATIN_ETC.match(c):
            return False
        if _IS_LETTER.match(c):
            m = _LETTER_RUN.match(norm, e, e + 12)
            if m is not None and m.end() < e + 12 and not _glued_word_ok(m.group()):
                return False
        nxt = norm[e + 1:e + 2]
        if c in "/:" and nxt.isdigit():
            return False
        if c == "-" and nxt.isalpha():
            return False
    return True


# --- the grammar of compound number words ----------------------------------------------------

_SCALES = ("scale", "scale_plural")


def _next_num(words: Sequence[str], j: int) -> tuple[bool, str, float, int] | None:
    """(conjoined, role, value, next index) of the number word at `j`, or None."""
    w = words[j]
    if w == "و" and j + 1 < len(words):
        w2 = words[j + 1]
        if _is_digits(w2):
            v = _digits_value(w2)
            return None if v is None else (True, "digits", v, j + 2)
        e = _NUM.get(w2)
        return None if e is None else (True, e[0], e[1], j + 2)
    # inside an expression و+word beats a whole-word reading ("وأحد" is و + أحد, not واحد):
    # a bare unit never continues a number
    if w.startswith("و"):
        e = _NUM.get(w[1:])
        if e is not None:
            return True, e[0], e[1], j + 1
    e = _NUM.get(w)
    if e is not None:
        return False, e[0], e[1], j + 1
    return None


def _parse(words: Sequence[str], i: int) -> tuple[int, float, str] | None:
    """Read the number starting at token `i`: (end token, value, role of the first word).

    Arabic order is thousands, و hundreds, و units, و tens ("ألف ومئتان وخمسة وعشرون");
    a unit before عشر makes a teen, before مئة a multiple of 100, and a scale word multiplies
    everything before it since the last larger scale ("مئة وخمسون ألفاً").
    """
    w = words[i]
    if _is_digits(w):
        v = _digits_value(w)
        if v is None:
            return None
        role: str = "digits"
    else:
        first = _num_first(w)
        if first is None:
            return None
        _hit, role, v = first
    first_role = role
    total: float = 0
    cur: float = 0
    last_scale: float = float("inf")
    if role in ("scale_plural", "half"):
        return None
    if role == "scale":
        total, last_scale, last = v, v, "scale"
    elif role == "scale_dual":
        total, last_scale, last = v, v / 2, "scale"
    else:
        cur, last = v, role
    best = None if last == "head" else (i + 1, total + cur, first_role)
    group_best = None  # best before a group conjoined after a scale: "3 آلاف و2 ألف" is two numbers
    j = i + 1
    n = len(words)
    while j < n:
        nxt = _next_num(words, j)
        if nxt is None:
            break
        conj, role, v, k = nxt
        if not conj:
            if role == "ten" and last in ("unit", "head") and cur % 100 < 10:
                cur += 10
                last = "teen"
            elif role == "hundred" and last == "unit" and cur < 10:
                cur *= 100
                last = "hundred"
            elif role in _SCALES and cur > 0 and last != "head" and v < last_scale:
                total += cur * v
                cur, last_scale, last = 0, v, "scale"
                group_best = None
            else:
                if role in _SCALES and group_best is not None:
                    return group_best
                break
        else:
            if last == "scale" and role == "half" and cur == 0:
                total += last_scale / 2
                last = "half"
            elif last == "scale" and role not in ("scale", "scale_dual", "scale_plural", "half") \
                    and v < last_scale and (role != "digits" or first_role == "digits"):
                group_best = best
                cur, last = v, role
            elif last in ("hundred", "hundreds") and role in ("unit", "head", "ten", "tens"):
                cur += v
                last = role
            elif last in ("unit", "head") and role == "tens" and cur % 100 < 10:
                cur += v
                last = "tens"
            else:
                break
        j = k
        if last != "head":
            best = (j, total + cur, first_role)
    return best


def parse_number_words(text: str) -> int | None:
    """Value of a phrase that is one number ("خمسة وعشرون" -> 25, "ألفين وثلاثة" -> 2003), else None."""
    words = TOKEN_RE.findall(normalize(text))
    while words and not (words[-1][0].isalnum()):
        words.pop()
    while words and not (words[0][0].isalnum()):
        words.pop(0)
    if not words:
        return None
    res = _parse(words, 0)
    if res is None or res[0] != len(words):
        return None
    v = res[1]
    return int(v) if float(v).is_integer() else None


# --- reading one expression ------------------------------------------------------------------

class _Reader:
    """Per-document state: the view, its tokens, and where the last expression ended."""

    def __init__(self, doc: Doc, words: list[str]) -> None:
        self.doc = doc
        self.norm = doc.norm
        self.toks = doc.tokens
        self.words = words
        self.starts = token_nstarts(doc)  # shared: read only
        self.free = 0  # first token not yet inside an expression
        self.prev_end = 0  # view end of the last expression

    # helpers ------------------------------------------------------------------
    def word(self, k: int) -> str:
        return self.words[k] if 0 <= k < len(self.words) else ""

    def tok_at(self, nend: int) -> int:
        """Index of the first token starting at or after view offset `nend`."""
        return bisect.bisect_left(self.starts, nend)

    def is_number(self, k: int) -> bool:
        w = self.word(k)
        return bool(w) and (_is_digits(w) or _num_first(w) is not None)

    def noun_after(self, j: int) -> tuple[str | None, int | None]:
        """(noun, token index) of the counted noun at token `j` ("من X" partitive too)."""
        if self.word(j) == ")":
            j += 1
        w = self.word(j)
        if not w or not _IS_LETTER.match(w):
            return None, None
        if w == "من":
            j += 1
            w = self.word(j)
            if not w or not _IS_LETTER.match(w):
                return None, None
        if len(w) < 2 or w in _NOUN_STOP or _num_first(w) is not None or w in _VAGUE:
            return None, None
        if w in _DIGIT_CLITICS or (w.startswith("و") and w not in _NOUN_W_INITIAL) or _PREP_DEF.match(w):
            # "مقتل 3 وإصابة 5": و starts the next clause; "الـ40": a bare clitic;
            # "خمسة بالقصف": a counted noun never carries a preposition
            return None, None
        if w.startswith("ال") and len(w) >= 4:
            w = w[2:]
        return w, j

    # expressions -----------------------------------------------------------------
    def read(self, i: int) -> tuple[Span, int] | None:
        w = self.words[i]
        if _is_digits(w):
            return self.read_number(i)
        first = _num_first(w)
        if first is not None and first[1] != "scale_plural":
            if first[2] == 1 and first[1] == "unit":
                res = _parse(self.words, i)
                if res is not None and res[0] == i + 1:
                    return self.read_one(i, first[0])
            return self.read_number(i)
        hit = _vague_hit(w)
        if hit is not None:
            return self.read_vague(i, hit)
        hit = _dual_hit(w)
        if hit is not None:
            return self.read_dual(i, hit)
        return None

    def read_number(self, i: int) -> tuple[Span, int] | None:
        res = _parse(self.words, i)
        if res is None:
            return None  # e.g. أحد alone: "one of"
        j, value, role = res
        tok = self.toks[i]
        w = self.words[i]
        prev = self.word(i - 1)
        noun = None
        if role == "digits":
            ns = tok.nstart
            if not _digits_ok(self.norm, ns, tok.nend):
                return None
            if self.is_date_part(i, value):
                return None
            if self.word(i + 1) in _TIME_AFTER and j == i + 1:
                return None
        else:
            hit = _num_first(w)
            assert hit is not None
            ns = tok.nstart + hit[0].skip
            if w[1:] in _NUM and _NUM[w[1:]][0] == "head" and hit[0].skip == 0 \
                    and _NUM.get(self.word(i + 1), ("",))[0] == "ten":
                ns += 1  # "وأحد عشر" is و + أحد عشر, not واحد
            if hit[0].article and prev.startswith("ال") and len(prev) > 3:
                noun = prev[2:]  # "العناصر الثلاثة": the number follows its noun
            if role == "ten" and prev and _bare_in(prev, _ORDINALS):
                return None  # الحادي عشر
            if hit[0].stem in _TWO_WORDS and prev and _bare_in(prev, _DAY_WORDS):
                return None  # يوم اثنين
        if prev and (_bare_in(prev, _TIME_WORDS) or _bare_in(prev, _LABEL_WORDS)):
            return None
        ne = self.toks[j - 1].nend
        return self.finish(ns, ne, j, value, noun=noun)

    def is_date_part(self, i: int, value: float) -> bool:
        """A day before a month name, or a 4-digit year after عام/سنة or a month name."""
        tok = self.toks[i]
        if isinstance(value, int) and 1 <= value <= 31 and _MONTH_AFTER.match(self.norm, tok.nend):
            return True
        if not (isinstance(value, int) and 1800 <= value <= 2100 and len(self.words[i]) == 4):
            return False
        k = i - 1
        # walk back over "2011 و" / "2011 -" of a list or range of years
        while k >= 1 and self.words[k] in ("و", "-", "،", ",") and len(self.words[k - 1]) == 4 \
                and self.words[k - 1].isdigit():
            k -= 2
        if k < 0:
            return False
        if _bare_in(self.words[k], _YEAR_WORDS):
            return True
        end = self.toks[k].nend
        return _MONTH_BEFORE.search(self.norm, max(0, end - 20), end) is not None

    def read_one(self, i: int, hit: _Hit) -> tuple[Span, int] | None:
        """واحد/واحدة: with a counted noun before it ("عنصر واحد") or alone; "واحد من" is skipped."""
        if self.word(i + 1) == "من":
            return None
        tok = self.toks[i]
        ns = tok.nstart + hit.skip
        prev = self.word(i - 1)
        if prev and _bare_in(prev, _ONE_IDIOM):
            return None
        noun = None
        if prev and i - 1 >= self.free:
            ph = _split(prev, _SINGULAR, article=False)
            if ph is None and prev.endswith("ا"):
                ph = _split(prev[:-1], _SINGULAR, article=False)
            if ph is not None:
                noun = ph.stem
                ns = self.toks[i - 1].nstart + ph.skip
        return self.finish(ns, tok.nend, i + 1, 1, noun=noun, find_noun=False)

    def read_dual(self, i: int, hit: _Hit) -> tuple[Span, int] | None:
        """A dual of a counted noun is the number 2, unless a number precedes (then it is a plural)."""
        if self.is_number(i - 1):
            return None
        tok = self.toks[i]
        j = i + 1
        nxt = _dual_hit(self.word(j))
        if nxt is not None and nxt.skip == 0 and not nxt.article:
            j += 1  # an agreeing dual adjective: طائرتين مسيرتين
        if self.word(j) in _TWO_WORDS:  # عنصرين اثنين
            j += 1
        return self.finish(tok.nstart + hit.skip, self.toks[j - 1].nend, j, 2, noun=_DUAL[hit.stem])

    def read_vague(self, i: int, hit: _Hit) -> tuple[Span, int] | None:
        """عشرات / عدد من / بضعة ...: value None, kind vague."""
        if hit.article and hit.stem not in _VAGUE_ARTICLE_OK:
            return None
        tok = self.toks[i]
        j = i + 1
        if hit.stem in _VAGUE_NEEDS_MIN:
            k = j + 1 if self.word(j) in _VAGUE_ADJ else j
            if self.word(k) == "من":
                j = k + 1
            elif not hit.article:
                return None  # "عدد القتلى" is the number of the dead, not "a number of"
        elif hit.stem in _VAGUE_PLURAL:
            nxt = _vague_hit(self.word(j))
            if nxt is not None and nxt.stem in _VAGUE_PLURAL and nxt.article and nxt.skip == 0:
                j += 1  # عشرات الآلاف
        ne = self.toks[j - 1].nend
        return self.finish(tok.nstart + hit.skip, ne, j, None, kind="vague")

    def finish(self, ns: int, ne: int, j: int, value: float | None, kind: str = "exact",
               noun: str | None = None, find_noun: bool = True) -> tuple[Span, int]:
        """Attach percent, qualifiers and the counted noun; build the span."""
        norm = self.norm
        attrs: dict[str, Any] = {}
        qualifier: str | None = None
        qkind: str | None = None
        m = _PERCENT.match(norm, ne)
        if m:
            attrs["unit"] = "percent"
            ne = m.end()
            j = self.tok_at(ne)
        qb = _QUAL_BEFORE.search(norm, max(0, ns - 40), ns)
        if qb and qb.start("q") >= self.prev_end:
            qualifier = " ".join(qb.group("q").split())
            qkind = _QUAL_BEFORE_KIND.get(qualifier)
            ns = qb.start("q")
            if qb.group("p"):
                mp = _CLOSE_PAREN.match(norm, ne)
                if mp:
                    ne = mp.end()
                    j = self.tok_at(ne)
        after_noun = None
        if "unit" not in attrs:
            qa = _QUAL_AFTER.match(norm, ne)
            if qa and qualifier is None:
                qualifier = " ".join(qa.group("q").split())
                qkind = _QUAL_AFTER_KIND.get(qualifier)
                ne = qa.end()
                j = self.tok_at(ne)
            if noun is None and find_noun:
                noun, k = self.noun_after(j)
                if k is not None and k == j and qualifier is None:
                    after_noun = k
        if after_noun is not None:
            qa = _QUAL_AFTER.match(norm, self.toks[after_noun].nend)
            if qa:
                qualifier = " ".join(qa.group("q").split())
                qkind = _QUAL_AFTER_KIND.get(qualifier)
                ne = qa.end()
                j = self.tok_at(ne)
        if qkind is not None and kind != "vague":
            kind = qkind
        if qualifier is not None:
            attrs["qualifier"] = qualifier
        out_value: int | None
        if value is None:
            out_value = None
        elif float(value).is_integer():
            out_value = int(value)
        else:
            out_value = None
            attrs["amount"] = float(value)
        span = self.doc.span(ns, ne, "number", value=out_value, kind=kind, noun=noun, **attrs)
        self.prev_end = ne
        return span, max(j, self.tok_at(ne))


def find_numbers(doc: Doc) -> list[Span]:
    """Every quantity expression of `doc`, in text order (see the module docstring)."""
    words = token_norms(doc)
    forms = _FORMS
    index = token_index(doc)  # each distinct word checked once
    cands = sorted([i for w in forms.intersection(index).union(digit_words(doc)) for i in index[w]])
    if not cands:
        return []
    r = _Reader(doc, words)
    out: list[Span] = []
    for i in cands:
        if i < r.free:
            continue
        res = r.read(i)
        if res is None:
            continue
        span, r.free = res
        out.append(span)
    return out


def numbers(doc: Doc) -> None:
    """Pipeline component: add the `numbers` layer, leaving out numbers inside date spans."""
    spans = find_numbers(doc)
    dates = sorted(doc.get("dates"), key=lambda d: d.start)
    if dates:
        # dates do not overlap one another: the one starting last before a number's end is the only
        # candidate to hold it (a bisect, not a scan: linear on articles with thousands of both)
        starts = [d.start for d in dates]
        ends = list(itertools.accumulate((d.end for d in dates), max))

        def in_date(s: Any) -> bool:
            k = bisect.bisect_left(starts, s.end) - 1
            return k >= 0 and ends[k] > s.start

        spans = [s for s in spans if not in_date(s)]
    doc.add("numbers", spans)

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

from rasd.arabic.normalize import normalize
from rasd.arabic.tokens import TOKEN_RE

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
    for c in _CONJ:
        for p in _PREP:
            out.append((c + p + word, len(c) + len(p)))
        if not article:
            continue
        for p in ("", "ب", "ك"):
            out.append((c + p + "ال" + word, len(c) + len(p) + 2))
        out.append((c + "لل" + word, len(c) + 2))
    return out


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
    for suffixed in _suffixed(word, infl):
        for surface, stripped in _prefixed(suffixed, article):
            for s in _ta_variants(surface):
                if s not in forms or stripped < forms[s]:
                    forms[s] = stripped
    return forms


@dataclass(frozen=True, slots=True)
class Match(Generic[P]):
    """A lexicon hit: tokens [i, j) of the doc; view offsets [nstart, nend) without proclitics."""

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
    "قوات" costs one lookup, not one check per phrase)."""

    singles: list[tuple[str, Any, int]]
    by_second: dict[str, list[_Cand]]


class Lexicon(Generic[P]):
    """Phrases -> payloads, matched on `doc.norm` tokens with clitics; build once, reuse.

    Entries are ``(phrase, payload)`` or ``(phrase, payload, infl)``; ``infl`` is the
    inflection code of the phrase's last word (see the module docstring). ``article=False``
    stops the matcher from adding ال to words the lexicon writes without it (name registries).
    """

    def __init__(self, entries: Iterable[tuple[str, P] | tuple[str, P, str]], article: bool = True) -> None:
        forms: dict[tuple[str, str], dict[str, int]] = {}
        groups: dict[tuple[str, str], _Group] = {}

        def forms_of(w: tuple[str, str]) -> dict[str, int]:
            if w not in forms:
                forms[w] = word_forms(*w, article=article)
            return forms[w]

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
            cand = _Cand(tuple(frozenset(forms_of(w)) for w in words[2:]), norm_phrase, payload, index)
            for surface in forms_of(words[1]):
                group.by_second.setdefault(surface, []).append(cand)
        # surface form of a first word -> (clitic chars to skip, group)
        self._first: dict[str, list[tuple[int, _Group]]] = {}
        for key, group in groups.items():
            for surface, stripped in forms_of(key).items():
                self._first.setdefault(surface, []).append((stripped, group))

    def __len__(self) -> int:
        return self.size

    def find_all(self, doc: Any) -> list[Match[P]]:
        """Every hit at every token, overlapping ones included (for negatives and scoring)."""
        tokens = doc.tokens
        norms = token_norms(doc)
        positions = token_index(doc)
        n = len(norms)
        first = self._first
        text = doc.norm
        out: list[Match[P]] = []
        # only the doc's words this lexicon knows: a C-level intersection of two key views
        for i in sorted(i for w in positions.keys() & first.keys() for i in positions[w]):
            for stripped, group in first[norms[i]]:
                nstart = tokens[i].nstart + stripped
                for phrase, payload, index in group.singles:
                    out.append(Match(i, i + 1, nstart, tokens[i].nend, phrase, payload, index))
                if not group.by_second:
                    continue
                j = i + 1
                while j < n and norms[j] in _TRANSPARENT:
                    j += 1
                if j >= n:
                    continue
                cands = group.by_second.get(norms[j])
                if cands is None or "\n" in text[tokens[i].nend:tokens[j].nstart]:
                    continue
                for c in cands:
                    prev, k, ok = j, j + 1, True
                    for wset in c.rest:
                        while k < n and norms[k] in _TRANSPARENT:
                            k += 1
                        if k >= n or norms[k] not in wset or "\n" in text[tokens[prev].nend:tokens[k].nstart]:
                            ok = False
                            break
                        prev, k = k, k + 1
                    if ok:
                        out.append(Match(i, k, nstart, tokens[k - 1].nend, c.phrase, c.payload, c.index))
        return out

    def find(self, doc: Any) -> list[Match[P]]:
        """Non-overlapping hits, longest first, in text order."""
        return select(self.find_all(doc))

    def spans(self, doc: Any, label: str, **attrs: Any) -> list[Any]:
        """Convenience: `find` turned into Spans with the payload under ``payload``."""
        return [doc.span(m.nstart, m.nend, label, payload=m.payload, phrase=m.phrase, **attrs)
                for m in self.find(doc)]


def token_norms(doc: Any) -> list[str]:
    """The doc's token strings, computed once per doc when it has a `cache` (shared by lexicons)."""
    cache = getattr(doc, "cache", None)
    if cache is None:
        return [t.norm for t in doc.tokens]
    norms = cache.get("token_norms")
    if norms is None:
        norms = cache["token_norms"] = [t.norm for t in doc.tokens]
    return norms


def token_index(doc: Any) -> dict[str, list[int]]:
    """Token string -> its positions in the doc, built once per doc and shared by lexicons."""
    cache = getattr(doc, "cache", None)
    index = cache.get("token_index") if cache is not None else None
    if index is None:
        index = {}
        for i, w in enumerate(token_norms(doc)):
            pos = index.get(w)
            if pos is None:
                index[w] = [i]
            else:
                pos.append(i)
        if cache is not None:
            cache["token_index"] = index
    return index


def select(matches: Sequence[Match[P]]) -> list[Match[P]]:
    """Longest match wins, no overlaps: more tokens, then more characters, then entry order."""
    if not matches:
        return []
    ranked = sorted(matches, key=lambda m: (m.i - m.j, m.nstart - m.nend, m.index, m.i))
    taken: set[int] = set()
    out: list[Match[P]] = []
    for m in ranked:
        rng = range(m.i, m.j)
        if any(k in taken for k in rng):
            continue
        taken.update(rng)
        out.append(m)
    out.sort(key=lambda m: m.i)
    return out


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

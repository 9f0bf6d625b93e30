"""A fast phrase matcher shared by every lexicon component (triggers, actors, seized, ...).

Why a token n-gram dictionary rather than a regex: every surface form a lexicon word can take
(proclitics و ف ب ل ك ال لل in front, light suffixes behind where the lexicon allows them) is
expanded once at build time, so matching a document is one dict lookup per token of the
normalised view. Phrases are tokenised with the same TOKEN_RE as `Doc`, so word boundaries are
the tokenizer's (LETTER-based: ، ؛ ؟ and quotes end a word) and "C4" or "آر بي جي" work as
multi-token phrases.

Inflection codes (per word: `word~code` in the phrase, or a default for the last word):

- ``""``  the word exactly (plus proclitics)
- ``"p"`` possessive/object pronoun suffixes and accusative alef: مقتله، اغتيالها، كمينا
- ``"n"`` nouns/adjectives: ``p`` plus feminine, dual and plural: اشتباكات، مسلحين، جريحا
- ``"v"`` past-tense verbs: subject suffixes and object pronouns: اعتقلت، اعتقلوا، اعتقلوهم
- ``"i"`` present-tense verbs (written with their ي/ت prefix): يستهدفون، تستهدفه
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


def _prefixed(word: str) -> list[tuple[str, int]]:
    """(surface, stripped) pairs: the word behind each proclitic combination.

    `stripped` is how many leading characters are clitics rather than the word proper. A word
    the lexicon writes with ال keeps it; ل + ال fuses to لل and then only the conjunction is
    stripped, so the span still starts on a letter of the word.
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


def word_forms(word: str, infl: str = "") -> dict[str, int]:
    """Every surface form of a lexicon word -> how many leading characters are clitics."""
    forms: dict[str, int] = {}
    if not _is_arabic(word):
        for f in {word, word.lower(), word.upper(), word.title()}:
            forms[f] = 0
        return forms
    for suffixed in _suffixed(word, infl):
        for surface, stripped in _prefixed(suffixed):
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
    nwords: int
    rest: tuple[frozenset[str], ...]
    stripped: int
    phrase: str
    payload: Any
    index: int


class Lexicon(Generic[P]):
    """Phrases -> payloads, matched on `doc.norm` tokens with clitics; build once, reuse.

    Entries are ``(phrase, payload)`` or ``(phrase, payload, infl)``; ``infl`` is the
    inflection code of the phrase's last word (see the module docstring).
    """

    def __init__(self, entries: Iterable[tuple[str, P] | tuple[str, P, str]]) -> None:
        self._first: dict[str, list[_Cand]] = {}
        form_cache: dict[tuple[str, str], dict[str, int]] = {}
        set_cache: dict[tuple[str, str], frozenset[str]] = {}
        self.size = 0
        for index, entry in enumerate(entries):
            phrase, payload = entry[0], entry[1]
            infl = entry[2] if len(entry) > 2 else ""  # type: ignore[misc]
            words = split_phrase(phrase, infl)
            if not words:
                continue
            self.size += 1
            rest = []
            for w in words[1:]:
                if w not in set_cache:
                    set_cache[w] = frozenset(form_cache.get(w) or word_forms(*w))
                rest.append(set_cache[w])
            norm_phrase = " ".join(w for w, _ in words)
            key = words[0]
            if key not in form_cache:
                form_cache[key] = word_forms(*key)
            for surface, stripped in form_cache[key].items():
                self._first.setdefault(surface, []).append(
                    _Cand(len(words), tuple(rest), stripped, norm_phrase, payload, index))

    def __len__(self) -> int:
        return self.size

    def find_all(self, doc: Any) -> list[Match[P]]:
        """Every hit at every token, overlapping ones included (for negatives and scoring)."""
        tokens = doc.tokens
        norms = [t.norm for t in tokens]
        n = len(norms)
        first = self._first
        text = doc.norm
        out: list[Match[P]] = []
        for i, w in enumerate(norms):
            cands = first.get(w)
            if cands is None:
                continue
            for c in cands:
                j = i + 1
                if c.nwords > 1:
                    ok = True
                    prev = i
                    for wset in c.rest:
                        while j < n and norms[j] in _TRANSPARENT:
                            j += 1
                        if j >= n or norms[j] not in wset or "\n" in text[tokens[prev].nend:tokens[j].nstart]:
                            ok = False
                            break
                        prev = j
                        j += 1
                    if not ok:
                        continue
                out.append(Match(i, j, tokens[i].nstart + c.stripped, tokens[j - 1].nend,
                                 c.phrase, c.payload, c.index))
        return out

    def find(self, doc: Any) -> list[Match[P]]:
        """Non-overlapping hits, longest first, in text order."""
        return select(self.find_all(doc))

    def spans(self, doc: Any, label: str, **attrs: Any) -> list[Any]:
        """Convenience: `find` turned into Spans with the payload under ``payload``."""
        return [doc.span(m.nstart, m.nend, label, payload=m.payload, phrase=m.phrase, **attrs)
                for m in self.find(doc)]


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

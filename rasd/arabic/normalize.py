"""Arabic normalisation on a copy of the text, with a map back to the original offsets.

The original text is never rewritten: every component matches on the normalised view and
turns its hits back into original offsets through the map, so evidence spans always quote
the article exactly as it was read.
"""

from __future__ import annotations

import re
import unicodedata

# One character in, zero or one character out. Removed characters (diacritics, tatweel,
# zero-width marks) vanish from the view; everything else maps one to one.
_FOLD: dict[str, str] = {
    "\u0622": "\u0627",  # آ alef madda
    "\u0623": "\u0627",  # أ alef hamza above
    "\u0625": "\u0627",  # إ alef hamza below
    "\u0671": "\u0627",  # ٱ alef wasla
    "\u0672": "\u0627",
    "\u0673": "\u0627",
    "\u0649": "\u064a",  # ى alef maqsura -> ya
    "\u06cc": "\u064a",  # Persian ya
    "\u06a9": "\u0643",  # Persian kaf
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2033": '"', "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
    "\u066b": ".",  # Arabic decimal separator
    "\u066c": ",",  # Arabic thousands separator
}
for _i in range(10):
    _FOLD[chr(0x0660 + _i)] = str(_i)  # Arabic-Indic digits
    _FOLD[chr(0x06F0 + _i)] = str(_i)  # Persian digits

_DROP = set(chr(c) for c in range(0x064B, 0x0660))  # harakat, tanwin, shadda, sukun ...
_DROP |= {"\u0670", "\u0640", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\ufeff",
          "\u061c", "\u06e1"}

# Arabic letters only: the block U+0600-U+06FF also holds ، ؛ ؟ ٪ and digits, which are not
# letters. Used by the tokenizer and by every lexicon regex through LETTER.
LETTER = "\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06d5\u06fa-\u06fc"
ARABIC_WORD = re.compile(f"[{LETTER}]+")


_TABLE = str.maketrans({**_FOLD, **{c: None for c in _DROP}})
_DROP_RUN = re.compile("[" + "".join(sorted(_DROP)) + "]+")
_PRESENTATION = re.compile("[\ufb50-\ufefe]")  # U+FEFF itself is dropped


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Return (view, offsets): view[i] came from text[offsets[i]]; offsets[len(view)] == len(text).

    Every fold is one character to one, so the view is one `str.translate` and the map only
    has to skip the dropped runs; presentation forms (which expand) take the slow path."""
    if _PRESENTATION.search(text):
        return _normalize_slow(text)
    view = text.translate(_TABLE)
    n = len(text)
    if len(view) == n:
        return view, list(range(n + 1))
    offsets: list[int] = []
    prev = 0
    for m in _DROP_RUN.finditer(text):
        offsets.extend(range(prev, m.start()))
        prev = m.end()
    offsets.extend(range(prev, n + 1))
    return view, offsets


def _normalize_slow(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    offsets: list[int] = []
    fold = _FOLD
    drop = _DROP
    for i, ch in enumerate(text):
        if ch in drop:
            continue
        if "\ufb50" <= ch <= "\ufeff":
            # presentation forms (ﻻ, ﷲ ...) expand to letters that all point at this character
            for c in unicodedata.normalize("NFKC", ch):
                if c not in drop and c != " ":
                    out.append(fold.get(c, c))
                    offsets.append(i)
            continue
        out.append(fold.get(ch, ch))
        offsets.append(i)
    offsets.append(len(text))
    return "".join(out), offsets


def normalize(text: str) -> str:
    """The normalised view alone, for lexicon entries and queries."""
    if _PRESENTATION.search(text):
        return _normalize_slow(text)[0]
    return text.translate(_TABLE)


_KEY_FOLD = str.maketrans({"\u0629": "\u0647", "\u0624": "\u0648", "\u0626": "\u064a", "\u0621": ""})


def fold_key(text: str) -> str:
    """A stronger fold for dictionary keys (ta marbuta, hamza seats), never for offsets."""
    return " ".join(normalize(text).translate(_KEY_FOLD).split())

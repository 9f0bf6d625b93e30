"""Arabic normalisation on a copy of the text, with a map back to the original offsets.

The original text is never rewritten: every component matches on the normalised view and
turns its hits back into original offsets through the map, so evidence spans always quote
the article exactly as it was read.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable

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


# Folding a whole article is a chain of str.replace calls, one per folded character: on Arabic
# text that is several times faster than str.translate (which looks every character up in a
# dict); short strings (lexicon words, keys) are cheaper through translate. No fold result is
# itself folded, so the order of the chain does not matter.
_SHORT = 40


def _folder(mapping: dict[str, str]) -> Callable[[str], str]:
    """One character in, zero or one out, by `mapping` (no result is itself a key)."""
    assert not set(mapping.values()) & set(mapping)
    table, items = str.maketrans(mapping), tuple(mapping.items())

    def fold(text: str) -> str:
        if len(text) < _SHORT:
            return text.translate(table)
        for src, dst in items:
            text = text.replace(src, dst)
        return text

    return fold


_fold = _folder(_FOLD)


# Everything that does not map one to one: removed marks, and the presentation-form block
# (U+FB50-U+FEFF) that NFKC expands. Text without any of these is folded in one go.
_SPECIAL = re.compile("[" + "".join(sorted(_DROP)) + "\ufb50-\ufeff]")


def _expand(ch: str) -> str:
    """The unfolded view characters one special character stands for ("" when it is removed)."""
    if ch in _DROP:
        return ""
    # presentation forms (ﻻ, ﷲ ...) expand to letters that all point at this character
    return "".join(c for c in unicodedata.normalize("NFKC", ch) if c not in _DROP and c != " ")


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Return (view, offsets): view[i] came from text[offsets[i]]; offsets[len(view)] == len(text)."""
    n = len(text)
    specials = _SPECIAL.finditer(text)
    first = next(specials, None)
    if first is None:  # the common case: every character maps one to one
        return _fold(text), list(range(n + 1))
    pieces: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in itertools.chain((first,), specials):
        i = m.start()
        if pos < i:
            pieces.append(text[pos:i])
            offsets.extend(range(pos, i))
        out = _expand(m.group())
        if out:
            pieces.append(out)
            offsets.extend(itertools.repeat(i, len(out)))
        pos = i + 1
    if pos < n:
        pieces.append(text[pos:])
        offsets.extend(range(pos, n))
    offsets.append(n)
    return _fold("".join(pieces)), offsets


def normalize(text: str) -> str:
    """The normalised view alone, for lexicon entries and queries."""
    if _SPECIAL.search(text) is None:
        return _fold(text)
    return _fold(_SPECIAL.sub(lambda m: _expand(m.group()), text))


# ta marbuta, hamza seats and the lone hamza, for keys only
_key_fold = _folder({"\u0629": "\u0647", "\u0624": "\u0648", "\u0626": "\u064a", "\u0621": ""})


# fold_key is asked for the same few thousand names and words over and over. A plain dict of
# str -> str (not an lru_cache, whose entries are lists the garbage collector keeps walking),
# emptied when it gets large.
_FOLD_KEY_CACHE: dict[str, str] = {}
_FOLD_KEY_CACHE_MAX = 1 << 16


_CACHED_KEY_LEN = 80  # names and phrases repeat; a longer text (an event's notes) is folded once


def fold_key(text: str) -> str:
    """A stronger fold for dictionary keys (ta marbuta, hamza seats), never for offsets."""
    key = _FOLD_KEY_CACHE.get(text)
    if key is None:
        key = " ".join(_key_fold(normalize(text)).split())
        if len(text) <= _CACHED_KEY_LEN:
            if len(_FOLD_KEY_CACHE) >= _FOLD_KEY_CACHE_MAX:
                _FOLD_KEY_CACHE.clear()
            _FOLD_KEY_CACHE[text] = key
    return key

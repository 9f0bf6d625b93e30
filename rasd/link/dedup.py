"""Near-duplicate articles: syndicated copies and lightly edited versions of one report.

Outlets republish agency copy with a new headline, another dateline, different punctuation or
digits, a sentence added or cut. Counting such copies as independent sources would inflate an
event's support, so they are found before linking: MinHash over 3-word shingles of the
normalised body text, indexed with MinHashLSH, and every LSH candidate checked against the
estimated Jaccard similarity (LSH alone lets through pairs below the threshold).

The text is compared as `rasd.arabic.normalize.normalize` sees it, with ta marbuta and hamza
seats folded too (spelling drifts between copies), punctuation dropped and whitespace collapsed.
The headline (a short first line without final punctuation) and short lines (datelines, bylines,
"read also" links) are dropped: they are what copies change, not what they report.

Everything is deterministic (fixed seed, a fixed hash function), so a signature stored today
matches one computed tomorrow. Signatures are versioned bytes: 4 header bytes, then `num_perm`
little-endian uint32 hash values; a change to the shingling must bump `_VERSION`.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from datasketch import MinHash, MinHashLSH

from rasd.arabic.normalize import normalize

__all__ = ["NearDuplicates", "band_keys", "shingles", "signature_of", "similarity"]

_SEED = 1
_SCHEME = "affine32"
_MAGIC = b"RMH"
_VERSION = 1
_HEADER = _MAGIC + bytes([_VERSION])
_SHINGLE = 3

_HEADLINE_MAX_WORDS = 25  # a first line longer than this is a lead paragraph, not a headline
_SHORT_LINE_WORDS = 6  # datelines ("دمشق - سانا"), bylines, captions, "اقرأ أيضاً: ..."
_SENTENCE_END = (".", "!", "?", "؟", "…", ":", "،", ";", "؛")

# Beyond `normalize`: spellings that drift between copies of one text (as in `fold_key`).
_EXTRA_FOLD = {0x0629: "\u0647", 0x0624: "\u0648", 0x0626: "\u064a", 0x0621: None}
_BOILERPLATE = tuple(normalize(p).translate(_EXTRA_FOLD).lower() for p in (
    "اقرأ أيضاً", "اقرأ أيضا", "إقرأ أيضاً", "للمزيد", "تابعونا", "تابعوا", "المصدر:", "جميع الحقوق",
    "حقوق النشر", "شارك هذا", "شارك المقال", "اشترك", "Read also", "Copyright",
))
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")

# normalize() maps one character at a time, so a per-character table built from it (plus the
# extra folds) gives the same view through one str.translate, several times faster than its
# offset-keeping loop.
class _Table(dict[int, str | None]):
    """str.translate table that learns each character from `normalize` the first time it is seen."""

    def __missing__(self, code: int) -> str | None:
        self[code] = value = normalize(chr(code)).translate(_EXTRA_FOLD) or None
        return value


_TABLE = _Table()


def _fold(text: str) -> str:
    return text.translate(_TABLE)


def _words(text: str) -> list[str]:
    """Words of the lines that carry the report: no headline, dateline, byline or link line."""
    lines = [ln for ln in (ln.strip() for ln in _URL.sub(" ", _fold(text).lower()).splitlines()) if ln]
    if len(lines) > 1 and not lines[0].endswith(_SENTENCE_END) and len(lines[0].split()) <= _HEADLINE_MAX_WORDS:
        lines = lines[1:]
    kept: list[str] = []
    every: list[str] = []
    for ln in lines:
        words = _WORD.findall(ln)
        every += words
        if len(words) >= _SHORT_LINE_WORDS and not ln.startswith(_BOILERPLATE):
            kept += words
    return kept or every


def shingles(text: str) -> list[str]:
    """Word 3-grams of the compared view (one shorter shingle for a text under three words)."""
    words = _words(text)
    if len(words) < _SHINGLE:
        return [" ".join(words)] if words else []
    return [" ".join(words[i:i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)]


def _hash(shingle: bytes) -> int:
    # crc32 is a fixed, fast 32-bit hash; datasketch premixes it (murmur finaliser) before permuting
    return zlib.crc32(shingle)


@lru_cache(maxsize=8)
def _permutations(num_perm: int) -> Any:
    return MinHash(num_perm, seed=_SEED, scheme=_SCHEME).permutations


class NearDuplicates:
    """An index of articles that answers "is this one a copy of an earlier one?".

    `add` returns the earliest-added article whose estimated Jaccard similarity of shingles is
    at least `threshold`, so a chain of copies points at the first one seen. Adding an id again
    (a new version of the article) replaces its sketch and keeps its place in the order; it is
    never reported as its own duplicate. Articles with no words never match anything.
    """

    def __init__(self, threshold: float = 0.8, num_perm: int = 128) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._order: dict[str, int] = {}
        self._sketches: dict[str, Any] = {}  # id -> hash values (uint32 array), to check LSH candidates

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._order

    def _minhash(self, text: str) -> MinHash:
        return _minhash(text, self.num_perm)

    def _from_bytes(self, sig: bytes) -> MinHash:
        return MinHash(seed=_SEED, hashfunc=_hash, hashvalues=hash_values(sig, self.num_perm),
                       permutations=_permutations(self.num_perm), scheme=_SCHEME)

    def _matches(self, m: MinHash, exclude: str | None = None) -> list[str]:
        if m.is_empty():
            return []
        hv = m.hashvalues
        found = [k for k in self._lsh.query(m)
                 if k != exclude and (hv == self._sketches[k]).mean() >= self.threshold]  # estimated Jaccard
        return sorted(found, key=self._order.__getitem__)

    def _add(self, article_id: str, m: MinHash) -> str | None:
        found = self._matches(m, exclude=article_id)
        if article_id in self._sketches:  # a new version of a stored article replaces its sketch
            self._lsh.remove(article_id)
            del self._sketches[article_id]
        self._order.setdefault(article_id, len(self._order))
        if not m.is_empty():
            self._sketches[article_id] = m.hashvalues
            self._lsh.insert(article_id, m)
        return found[0] if found else None

    def add(self, article_id: str, text: str) -> str | None:
        """Index an article; return the earliest earlier near-duplicate's id, or None."""
        return self._add(article_id, self._minhash(text))

    def query(self, text: str) -> list[str]:
        """Ids of indexed near-duplicates of `text`, earliest-added first; the index is unchanged."""
        return self._matches(self._minhash(text))

    def signature(self, text: str) -> bytes:
        """The MinHash of `text` as bytes, to store beside the article and index later without the text."""
        return signature_of(text, self.num_perm)

    def add_signature(self, article_id: str, sig: bytes) -> str | None:
        """`add` for a stored signature."""
        return self._add(article_id, self._from_bytes(sig))

    @classmethod
    def from_signatures(cls, pairs: Iterable[tuple[str, bytes]], threshold: float = 0.8,
                        num_perm: int = 128) -> NearDuplicates:
        """Rebuild an index from stored (article_id, signature) pairs, in their order."""
        index = cls(threshold=threshold, num_perm=num_perm)
        for article_id, sig in pairs:
            index.add_signature(article_id, sig)
        return index


# --- signatures without an in-memory index (the database's near-duplicate index) -----------------------

_EMPTY = 0xFFFFFFFF  # every hash value of a MinHash that saw no shingle


def _minhash(text: str, num_perm: int) -> MinHash:
    m = MinHash(num_perm, seed=_SEED, hashfunc=_hash, permutations=_permutations(num_perm), scheme=_SCHEME)
    m.update_batch([s.encode("utf-8") for s in shingles(text)])
    return m


def signature_of(text: str, num_perm: int = 128) -> bytes:
    """The stored signature of `text` (what NearDuplicates.signature gives)."""
    return _HEADER + _minhash(text, num_perm).hashvalues.astype("<u4").tobytes()


def hash_values(sig: bytes, num_perm: int = 128) -> tuple[int, ...]:
    """The hash values of a stored signature; ValueError for another version or length."""
    if bytes(sig[:len(_HEADER)]) != _HEADER:
        raise ValueError("not a Rasd MinHash signature of this version")
    body = bytes(sig[len(_HEADER):])
    if len(body) != 4 * num_perm:
        raise ValueError(f"signature holds {len(body) / 4:g} hash values, the index uses {num_perm}")
    return struct.unpack(f"<{num_perm}I", body)


@lru_cache(maxsize=4)
def _bands(threshold: float, num_perm: int) -> tuple[tuple[int, int], ...]:
    """(start, end) of each LSH band: datasketch's choice of b bands of r rows for this threshold."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return tuple(lsh.hashranges)


def band_keys(sig: bytes, threshold: float = 0.8, num_perm: int = 128) -> list[tuple[int, int]]:
    """(band, key) pairs of a signature: two texts are LSH candidates when they share one.

    Each key is a signed 64-bit digest of the band's hash values, so it fits a BIGINT column and the
    index lives in the database, not in memory. A text without words has none (it matches nothing).
    """
    values = hash_values(sig, num_perm)
    if all(v == _EMPTY for v in values):
        return []
    out = []
    for band, (start, end) in enumerate(_bands(threshold, num_perm)):
        digest = hashlib.blake2b(struct.pack(f"<{end - start}I", *values[start:end]), digest_size=8).digest()
        out.append((band, int.from_bytes(digest, "little", signed=True)))
    return out


def similarity(a: bytes, b: bytes, num_perm: int = 128) -> float:
    """Estimated Jaccard similarity of two signatures' texts (the share of equal hash values)."""
    va, vb = hash_values(a, num_perm), hash_values(b, num_perm)
    return sum(x == y for x, y in zip(va, vb, strict=True)) / num_perm

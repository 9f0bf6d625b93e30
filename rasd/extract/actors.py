"""Actor mentions and the actor registry (`rasd/data/actors.csv`).

The registry's columns are key, name, inter, arabic_names (| separated), notes, valid_from,
valid_to (ISO dates, empty = open). One Arabic name may belong to several keys: the keys are
listed in file order, which is their priority, and `resolve_key` picks the first one whose
validity period holds the event date ("الجيش العربي السوري" is sy-regime in 2018 and
sy-military in 2025). Two name conventions:

- ``@name`` is anaphoric: "التنظيم" means ISIS only after ISIS was named earlier in the article;
  with several antecedents the most recently named key wins.
- key ``_none`` rows are not actors: their names only stop shorter false matches
  ("المجتمع المدني" is not a civilian).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasd.extract.lexicon import Lexicon, data_path, split_phrase, token_norms, word_forms

NONE_KEY = "_none"
ANAPHOR = "@"


@dataclass(frozen=True, slots=True)
class ActorEntry:
    """One registry row."""

    key: str
    name: str
    inter: int
    notes: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    parent: str = ""  # the shared-registry key this group rolls up to (sna -> opposition)

    def valid_at(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to)

    def distance(self, day: dt.date) -> int:
        """Days between `day` and the validity period (0 inside it)."""
        if self.valid_from is not None and day < self.valid_from:
            return (self.valid_from - day).days
        if self.valid_to is not None and day > self.valid_to:
            return (day - self.valid_to).days
        return 0


@dataclass(frozen=True, slots=True)
class ActorName:
    """Payload of the name lexicon: the normalised name and its candidate keys."""

    name: str
    keys: tuple[str, ...]
    anaphoric: bool


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _as_date(value: dt.date | None) -> dt.date | None:
    # a datetime is a date too, but compares badly with one
    return value.date() if isinstance(value, dt.datetime) else value


class Registry:
    """The actor registry: entries by key, a name matcher, and date-aware key resolution."""

    def __init__(self, rows: Sequence[dict[str, str]]) -> None:
        self.entries: dict[str, ActorEntry] = {}
        self.arabic_names: dict[str, str] = {}  # key -> its first Arabic name, as written (search text)
        self._memo: dict[tuple[tuple[str, ...], dt.date | None], str] = {}
        direct: dict[str, list[str]] = {}
        anaphoric: dict[str, list[str]] = {}
        for row in rows:
            key = row["key"].strip()
            if key in self.entries:
                raise ValueError(f"duplicate actor key {key!r}")
            self.entries[key] = ActorEntry(
                key, row["name"].strip(), int(row["inter"] or 0), (row.get("notes") or "").strip(),
                _date((row.get("valid_from") or "").strip()), _date((row.get("valid_to") or "").strip()),
                (row.get("parent") or "").strip())
            for raw in (row.get("arabic_names") or "").split("|"):
                raw = raw.strip()
                if not raw:
                    continue
                table = anaphoric if raw.startswith(ANAPHOR) else direct
                if table is direct:
                    self.arabic_names.setdefault(key, raw)
                name = normalise_name(raw.lstrip(ANAPHOR))
                keys = table.setdefault(name, [])
                if key not in keys:
                    keys.append(key)
        both = direct.keys() & anaphoric.keys()
        if both:
            raise ValueError(f"names both direct and anaphoric: {sorted(both)}")
        entries = [(n, ActorName(n, tuple(k), False)) for n, k in direct.items()]
        entries += [(n, ActorName(n, tuple(k), True)) for n, k in anaphoric.items()]
        self.names: dict[str, ActorName] = dict(entries)
        self.lexicon: Lexicon[ActorName] = Lexicon(entries, article=False)

    @classmethod
    def load(cls, path: Path | None = None) -> Registry:
        path = path or data_path("actors.csv")
        with path.open(encoding="utf-8", newline="") as fh:
            return cls(list(csv.DictReader(fh)))

    def keys(self) -> list[str]:
        """Real actor keys, in priority order."""
        return [k for k in self.entries if k != NONE_KEY]

    def keys_for(self, name: str) -> list[str]:
        """Candidate keys of an Arabic name as written in the registry (normalised lookup)."""
        found = self.names.get(normalise_name(name.lstrip(ANAPHOR)))
        return [k for k in found.keys if k != NONE_KEY] if found else []

    def entry(self, key: str) -> dict[str, Any]:
        e = self.entries[key]
        return {"key": e.key, "name": e.name, "inter": e.inter, "notes": e.notes,
                "valid_from": e.valid_from, "valid_to": e.valid_to, "parent": e.parent}

    def resolve(self, keys: Sequence[str], event_date: dt.date | None = None,
                published: dt.date | None = None) -> str:
        """The key a mention means on a day: event date, else publication date, else the newest.

        With a day: the first key (priority order) valid on it, or the one whose period is
        nearest. Without any: the newest open-ended key (latest valid_from, valid_to empty).
        """
        day = _as_date(event_date) or _as_date(published)
        memo = (tuple(keys), day)
        hit = self._memo.get(memo)
        if hit is None:
            if len(self._memo) > 50_000:  # a long run sees many days: keep the memo bounded
                self._memo.clear()
            hit = self._memo[memo] = self._resolve(memo[0], day)
        return hit

    def _resolve(self, keys: tuple[str, ...], day: dt.date | None) -> str:
        cands = [k for k in keys if k in self.entries] or list(keys)
        if not cands:
            raise ValueError("no candidate keys")
        if day is not None:
            for k in cands:
                if k in self.entries and self.entries[k].valid_at(day):
                    return k
            return min(cands, key=lambda k: self.entries[k].distance(day) if k in self.entries else 0)
        open_ended = [k for k in cands if k in self.entries and self.entries[k].valid_to is None]
        if open_ended:
            return max(open_ended, key=lambda k: self.entries[k].valid_from or dt.date.min)
        return cands[0]


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The packaged registry, loaded once per process."""
    return Registry.load()


def registry_entry(key: str) -> dict[str, Any]:
    """name, inter, notes and validity of a key (KeyError when unknown)."""
    return registry().entry(key)


def resolve_key(keys: Sequence[str], event_date: dt.date | None = None,
                published: dt.date | None = None) -> str:
    """Pick one of a mention's candidate keys by date; see `Registry.resolve`."""
    return registry().resolve(keys, event_date, published)


# A Syrian-state name followed by another country's adjective is that country's force
# ("وزارة الداخلية العراقية", "الأمن العام اللبناني"): such mentions are dropped.
_FOREIGN_STEMS = (
    "لبناني عراقي تركي اردني مصري ليبي يمني سوداني سعودي اماراتي كويتي بحريني قطري عماني ايراني "
    "اسراييلي اسرائيلي امريكي اميركي روسي فرنسي بريطاني الماني باكستاني افغاني هندي صيني تونسي "
    "جزايري جزائري مغربي صومالي نيجيري فلسطيني اوكراني اثيوبي كيني بورمي فلبيني اندونيسي اسباني "
    "ايطالي بلجيكي هولندي سويدي نمساوي كندي استرالي ياباني كوري كردي دولي"
).split()
_FOREIGN = frozenset(f"ال{s}{e}" for s in _FOREIGN_STEMS for e in ("", "ة", "ه"))
_CELL = frozenset(f for w, infl in (("خلية", "n"), ("خلايا", "p")) for f in word_forms(w, infl))
_CELL_LINK = frozenset({"تابعة", "تابع", "مرتبطة", "مرتبط", "تتبع", "تنتمي", "ل", "من", '"', "'",
                        "التابعة", "المرتبطة", "تابعه", "مرتبطه", "التابعه", "المرتبطه"})


def _is_cell(norms: list[str], i: int) -> bool:
    """True when the name follows "خلية/خلايا" (optionally "تابعة ل"): a cell of that group."""
    for k in range(i - 1, max(i - 5, -1), -1):
        w = norms[k]
        if w in _CELL:
            return True
        if w not in _CELL_LINK:
            return False
    return False


def actors(doc: Any) -> None:
    """Pipeline component: layer "actors", label "actor".

    attrs: ``keys`` (candidates, priority order), ``name`` (normalised registry name), ``key``
    (resolved with the publication date; the extractor re-resolves with the event date),
    ``inter``, ``anaphoric``, ``cell`` (the mention is "a cell of" the group).
    """
    reg = registry()
    norms = token_norms(doc)
    last_seen: dict[str, int] = {}
    spans = []
    for m in reg.lexicon.find(doc):
        nm = m.payload
        keys = [k for k in nm.keys if k != NONE_KEY]
        if not keys:
            continue
        if nm.anaphoric:
            seen = [k for k in keys if k in last_seen]
            if not seen:
                continue
            keys = [max(seen, key=lambda k: last_seen[k])]
        elif keys[0].startswith("sy-") and m.j < len(norms) and norms[m.j] in _FOREIGN:
            continue
        for k in keys:
            last_seen[k] = m.i
        key = reg.resolve(keys, None, doc.published)
        spans.append(doc.span(m.nstart, m.nend, "actor", keys=keys, name=nm.name, key=key,
                              inter=reg.entries[key].inter, anaphoric=nm.anaphoric,
                              cell=_is_cell(norms, m.i)))
    doc.add("actors", spans)


def normalise_name(name: str) -> str:
    """The registry's spelling key of a name (what ``attrs["name"]`` holds)."""
    return " ".join(w for w, _ in split_phrase(name))

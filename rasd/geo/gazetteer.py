"""The gazetteer: every place Rasd can put on the map, indexed by a forgiving Arabic key.

The shipped table (`rasd/data/gazetteer.tsv`, built by `scripts/build_gazetteer.py`) is read
once per process, on first use. Users extend it without touching code through a CSV
(`$RASD_PLACES`, else `$XDG_DATA_HOME/rasd/places.csv`, else `~/.local/share/rasd/places.csv`)
that `add_user_place` appends to; it is read at load time, so additions apply on the next run.
"""

from __future__ import annotations

import bisect
import csv
import json
import logging
import math
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from rasd.arabic.normalize import fold_key

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parents[1] / "data"
GAZETTEER_TSV = DATA / "gazetteer.tsv"
HEADS_JSON = DATA / "place_heads.json"
WORLD_CSV = DATA / "world_countries.csv"

# Governorates, spelled exactly as the event contract (EVENTS.md) spells them.
ADMIN1 = ("Aleppo", "Al Hasakeh", "Ar Raqqa", "As Sweida", "Damascus", "Dar'a", "Deir ez Zor",
          "Hama", "Homs", "Idleb", "Lattakia", "Quneitra", "Rural Damascus", "Tartous")
COLUMNS = ("id", "kind", "name_en", "name_ar", "admin1", "admin2", "admin3", "lat", "lon",
           "population", "rank", "source", "aliases")
USER_COLUMNS = ("name_ar", "name_en", "kind", "admin1", "admin2", "admin3", "lat", "lon", "aliases")
KINDS = ("governorate", "district", "subdistrict", "city", "town", "village", "neighbourhood",
         "camp", "prison", "airport", "base", "mountain", "region", "crossing", "landmark",
         "country")
# Syria's bounding box with a small margin (Natural Earth outline: 32.31-37.32 N, 35.73-42.38 E).
SYRIA_BBOX = (32.2, 35.6, 37.4, 42.5)

# Words that open an administrative alias ("ناحية صوران", "محافظة حلب"): the toponym
# recogniser reads them as head words, so the index also holds the name without them.
_ADMIN_HEADS = ("ناحيه", "منطقه", "محافظه", "مدينه", "بلده", "قريه", "حي")
# Kurdish and Persian letters some names are written with, as the Arabic press writes them.
PRESS_LETTERS = str.maketrans({"چ": "ج", "پ": "ب", "ڤ": "ف", "ە": "ه", "ۆ": "و", "ک": "ك", "ی": "ي", "گ": "ك"})
_NON_LETTER = re.compile(r"[^\u0621-\u064aA-Za-z0-9 ]+")
# place_key of one word of letters U+0621-U+064A: what normalize() and then fold_key's own
# fold do to those letters, composed into one table.
_BASIC_WORD = re.compile(r"[\u0621-\u064a]+")
_BASIC_FOLD = str.maketrans({
    "\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627",  # آ أ إ -> ا
    "\u0649": "\u064a",  # ى -> ي
    "\u0640": "",  # tatweel
    "\u0629": "\u0647", "\u0624": "\u0648", "\u0626": "\u064a", "\u0621": "",  # ة ؤ ئ ء
})


def _strip_article(word: str) -> str:
    if word.startswith("ال") and len(word) >= 4:
        return word[2:]
    return word


def place_key(text: str) -> str:
    """The lookup key of a name: fold_key, then no article on any word ("دير الزور" -> "دير زور").

    Folding ta marbuta and alef maqsura makes حماه/حماة and اعزاز/أعزاز/إعزاز one key; dropping
    the article makes "القرداحة"/"قرداحة" one key.
    """
    if _BASIC_WORD.fullmatch(text):
        # the usual case, one word of basic Arabic letters: fold_key is one translate away
        # (the view folds and the key folds composed) and there is nothing to split or join
        return _strip_article(text.translate(_BASIC_FOLD))
    s = _NON_LETTER.sub(" ", fold_key(text))
    return " ".join(_strip_article(w) for w in s.split())


def key_variants(key: str) -> set[str]:
    """Spelling variants a key also stands for: the name written as one word ("ديرالزور").

    Final ا/ة swaps (عامودا/عامودة) are left to the aliases: as a rule they would turn common
    words into places (طبقا ~ الطبقة, حلفائه ~ حلفايا).
    """
    out = {key}
    words = key.split()
    if len(words) > 1:
        out.add(_strip_article("".join(words)))
        out.add(_strip_article(words[0]) + "".join("ال" + w for w in words[1:]))
    return {k for k in out if k}


def latin_key(text: str) -> str:
    s = unicodedata.normalize("NFKD", text)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", s).split())


def _first_word_has_article(name: str) -> bool:
    words = [w for w in _NON_LETTER.sub(" ", fold_key(name)).split()
             if w not in _ADMIN_HEADS]
    return bool(words) and words[0].startswith("ال") and len(words[0]) >= 4


def _has_arabic(s: str) -> bool:
    return bool(re.search("[\u0621-\u064a]", s))


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry. `rank` orders same-named places (population, or a seat's share)."""

    id: str
    name_en: str
    name_ar: str
    aliases: tuple[str, ...] = ()
    kind: str = "town"
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    lat: float | None = None
    lon: float | None = None
    population: int = 0
    source: str = ""
    rank: int = 0
    country: str = "Syria"

    @property
    def is_foreign(self) -> bool:
        return self.country != "Syria"

    def to_dict(self) -> dict:
        return {"id": self.id, "name_en": self.name_en, "name_ar": self.name_ar,
                "aliases": list(self.aliases), "kind": self.kind, "country": self.country,
                "admin1": self.admin1, "admin2": self.admin2, "admin3": self.admin3,
                "lat": self.lat, "lon": self.lon, "population": self.population,
                "source": self.source}


_ADMIN_DEPTH = {"governorate": 1, "district": 2, "subdistrict": 3}  # admin names that name one


class Gazetteer:
    """Places and a key index over their Arabic names and aliases."""

    def __init__(self, places: Iterable[Place] = ()) -> None:
        self.places: list[Place] = []
        self.index: dict[str, list[int]] = {}
        self._latin: dict[str, list[int]] | None = None  # built on first use (see latin)
        self.max_words: dict[str, int] = {}  # first word of a key -> longest key it opens
        self.bare: set[str] = set()  # keys some name writes without the article ("دوما")
        self.articled: set[str] = set()  # keys some name writes with it ("الرقة")
        self._sorted_keys: list[str] | None = None
        self._admins: tuple[int, dict[tuple, Place]] | None = None
        self._sorted_arabic: tuple[int, list[str]] | None = None  # (keys when sorted, the keys): extensions
        for p in places:
            self.add_place(p)

    # --- building ------------------------------------------------------------------------------
    def add_place(self, place: Place) -> Place:
        self.places.append(place)
        return self._index_place(len(self.places) - 1, place)

    def update_place(self, i: int, place: Place) -> Place:
        """Put `place` in slot i (the same place, corrected): its names are indexed beside the old
        ones, which it keeps among its aliases."""
        self.places[i] = place
        return self._index_place(i, place)

    def _index_place(self, i: int, place: Place) -> Place:
        for name in (place.name_ar, *place.aliases):
            if _has_arabic(name):
                keys = self.keys_of(name)
                for k in keys:
                    self._index(k, i)
                if _first_word_has_article(name):
                    self.articled |= keys
                else:
                    self.bare |= keys
        if self._latin is not None:
            self._index_latin(i, place)
        self._sorted_keys = None
        return place

    def _index_latin(self, i: int, place: Place) -> None:
        for name in (place.name_en, *place.aliases):
            if name and not _has_arabic(name):
                lk = latin_key(name)
                if lk:
                    ids = self._latin.setdefault(lk, [])
                    if i not in ids:
                        ids.append(i)

    @property
    def latin(self) -> dict[str, list[int]]:
        """Latin-name key -> places, built when first asked for (only search and linking use it)."""
        if self._latin is None:
            self._latin = {}
            for i, p in enumerate(self.places):
                self._index_latin(i, p)
        return self._latin

    @staticmethod
    def keys_of(name: str) -> set[str]:
        key = place_key(name)
        words = key.split()
        if len(words) > 1 and words[0] in _ADMIN_HEADS:
            # "ناحية صوران": the recogniser reads the head word itself and keeps it as `head`
            return key_variants(" ".join(words[1:]))
        return key_variants(key)

    def _index(self, key: str, i: int) -> None:
        ids = self.index.setdefault(key, [])
        if i not in ids:
            ids.append(i)
        first, n = key.split(" ", 1)[0], key.count(" ") + 1
        if n > self.max_words.get(first, 0):
            self.max_words[first] = n

    def add(self, name_ar: str, name_en: str, kind: str, admin1: str, lat: float, lon: float,
            admin2: str | None = None, admin3: str | None = None,
            aliases: Iterable[str] = (), source: str = "user") -> Place:
        """Add a place in memory (validated like a user place)."""
        validate_place(name_ar, kind, admin1, lat, lon)
        pid = f"user:{place_key(name_ar).replace(' ', '-')}:{len(self.places)}"
        return self.add_place(Place(pid, name_en or name_ar, name_ar, tuple(aliases), kind, admin1,
                                    admin2 or None, admin3 or None, float(lat), float(lon), 0,
                                    source, 1000))

    # --- queries -------------------------------------------------------------------------------
    def lookup(self, key: str) -> list[Place]:
        """Places whose key is exactly `key` (already a place_key, or raw text to be keyed)."""
        ids = self.index.get(key)
        if ids is None:
            ids = self.index.get(place_key(key), [])
        return [self.places[i] for i in ids]

    def search(self, name: str, limit: int = 20) -> list[Place]:
        """Exact key matches first, then keys that start with the query; Latin names too.

        An Arabic query is read as the index reads names: a leading head word ("قرية X",
        "محافظة X") is dropped, Kurdish letters are the press's ("چ" is "ج"), "A - B" is two
        names and "و" belongs to the word after it."""
        if _has_arabic(name):
            name = " ".join(name.translate(PRESS_LETTERS).split()).replace(" و ", " و")
            key, table = place_key(name), self.index
            exact_keys = [key, *(k for part in name.split(" - ") for k in sorted(self.keys_of(part)))]
        else:
            key, table = latin_key(name), self.latin
            exact_keys = [key]
        if not key:
            return []
        if self._sorted_keys is None:
            self._sorted_keys = sorted(set(self.index) | set(self.latin))
        exact = [i for k in dict.fromkeys(exact_keys) for i in table.get(k, [])]
        pref: list[int] = []
        keys = self._sorted_keys
        j = bisect.bisect_left(keys, key)
        while j < len(keys) and keys[j].startswith(key):
            pref.extend(table.get(keys[j], []))
            j += 1
        seen: set[int] = set()
        out: list[Place] = []
        for group in (exact, sorted(pref, key=lambda i: -self.places[i].rank)):
            for i in group:
                if i not in seen:
                    seen.add(i)
                    out.append(self.places[i])
        return out[:limit]

    def extensions(self, key: str) -> list[Place]:
        """Places whose key is `key` plus one more word: the qualifier the press often drops
        ("تل السمن" for "تل سمن مسك", "الصورة" for "الصورة الكبيرة")."""
        if self._sorted_arabic is None or self._sorted_arabic[0] != len(self.index):
            self._sorted_arabic = (len(self.index), sorted(self.index))
        keys, lo = self._sorted_arabic[1], key + " "
        out: list[Place] = []
        j = bisect.bisect_left(keys, lo)
        while j < len(keys) and keys[j].startswith(lo):
            if " " not in keys[j][len(lo):]:
                out.extend(self.places[i] for i in self.index.get(keys[j], ()))
            j += 1
        return list(dict.fromkeys(out))

    def admin_place(self, kind: str, admin1: str | None, admin2: str | None = None,
                    admin3: str | None = None) -> Place | None:
        """The governorate, district or subdistrict entry with these admin names (indexed on first use,
        again when places were added)."""
        if self._admins is None or self._admins[0] != len(self.places):
            table: dict[tuple, Place] = {}
            for p in self.places:
                if p.kind in _ADMIN_DEPTH and not p.is_foreign:
                    table.setdefault((p.kind, *(p.admin1, p.admin2, p.admin3)[:_ADMIN_DEPTH[p.kind]]), p)
            self._admins = (len(self.places), table)
        return self._admins[1].get((kind, *(admin1, admin2, admin3)[:_ADMIN_DEPTH.get(kind, 3)]))

    def governorate(self, admin1: str) -> Place | None:
        return self.admin_place("governorate", admin1)

    def __len__(self) -> int:
        return len(self.places)


# --- loading ---------------------------------------------------------------------------------------
def _read_tsv(path: Path) -> list[Place]:
    """The shipped table: tab-separated, no quoting, '#' comment lines, a header of COLUMNS."""
    out: list[Place] = []
    with path.open(encoding="utf-8") as f:
        lines = [ln.rstrip("\r\n").split("\t") for ln in f if not ln.startswith("#")]
    col = {c: j for j, c in enumerate(lines[0])}
    (pid, en, ar, kind, a1, a2, a3, lat, lon, pop, src, rank, al) = (col[c] for c in (
        "id", "name_en", "name_ar", "kind", "admin1", "admin2", "admin3", "lat", "lon", "population",
        "source", "rank", "aliases"))
    for r in lines[1:]:
        if len(r) < len(col):
            continue
        out.append(Place(
            r[pid], r[en], r[ar], tuple(a for a in r[al].split("|") if a), r[kind], r[a1] or None,
            r[a2] or None, r[a3] or None, float(r[lat]), float(r[lon]), int(r[pop] or 0), r[src],
            int(r[rank] or 0)))
    return out


def read_world_countries(path: Path = WORLD_CSV) -> list[dict]:
    """world_countries.csv: one row a country (country, names, lat, lon), '#' lines skipped.

    `names` are the Arabic names to index, most common first; the `caution` column's spellings
    (common words or other places: "عمان" is Amman too, "القمر" the moon) are left out."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        out = []
        for r in rows:
            caution = {c.strip() for c in (r.get("caution") or "").split("|") if c.strip()}
            names = [n.strip() for n in (r.get("names_ar") or "").split("|") if n.strip()]
            names = list(dict.fromkeys(n for n in names if n not in caution))
            if not r.get("country") or not names:
                continue
            lat, lon = (float(r[c]) if r.get(c) else None for c in ("lat", "lon"))
            out.append({"country": r["country"].strip(), "names": names, "lat": lat, "lon": lon})
    return out


def _foreign_places() -> list[Place]:
    """Countries and cities abroad, from the toponym lexicon and the countries of the world
    (world_countries.csv, as kind "country"): they must win over a Syrian guess."""
    data = json.loads(HEADS_JSON.read_text(encoding="utf-8"))
    out = []
    for j, f in enumerate(data.get("foreign", [])):
        out.append(Place(f"foreign:{j}", f["en"], f["ar"][0], tuple(f["ar"][1:]), f.get("kind", "city"),
                         None, None, None, f.get("lat"), f.get("lon"), 0, "Rasd lexicon",
                         f.get("rank", 1000), f["country"]))
    known = {f["country"] for f in data.get("foreign", []) if f.get("kind") == "country"}
    iso3 = _iso3_by_country()
    for j, w in enumerate(read_world_countries()):
        if w["country"] in known:  # the lexicon's own entry (with its regions and cities) stands
            continue
        out.append(Place(f"world:{iso3.get(w['country'], j)}", w["country"], w["names"][0],
                         tuple(w["names"][1:]), "country", None, None, None, w["lat"], w["lon"], 0,
                         "Rasd countries", 1000, w["country"]))
    for j, name in enumerate(data.get("syria", [])):
        out.append(Place(f"country:SY:{j}", "Syria", name, (), "country", None, None, None, None, None,
                         0, "Rasd lexicon", 0))
    return out


@lru_cache(maxsize=1)
def covered_countries() -> frozenset[str]:
    """Syria and the countries of its conflict (the lexicon's "foreign" list: Iraq, Lebanon, Turkey,
    Jordan, Israel, Iran, Yemen ...), whose incidents Rasd keeps; the other countries of the world
    are recognised only so that a report from them never lands on a Syrian village."""
    data = json.loads(HEADS_JSON.read_text(encoding="utf-8"))
    return frozenset({"Syria"} | {f["country"] for f in data.get("foreign", [])})


def _iso3_by_country() -> dict[str, str]:
    """ISO 3166 alpha-3 by English country name (countries.csv, read once by rasd.export), for the ids
    of world countries."""
    from rasd.export import countries  # export reads the gazetteer's admin names: not at module level

    return {name: c.iso3 for name, c in countries().items()}


def user_places_path() -> Path:
    """Where user places live: $RASD_PLACES, else $XDG_DATA_HOME/rasd/places.csv."""
    env = os.environ.get("RASD_PLACES")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "rasd" / "places.csv"


def validate_place(name_ar: str, kind: str, admin1: str, lat: float, lon: float) -> None:
    """Refuse a place that would put events in the wrong governorate or outside Syria."""
    if not name_ar or not _has_arabic(name_ar):
        raise ValueError("name_ar must be an Arabic name")
    if admin1 not in ADMIN1:
        raise ValueError(f"admin1 must be one of: {', '.join(ADMIN1)}")
    if kind not in KINDS or kind == "country":
        raise ValueError(f"kind must be one of: {', '.join(k for k in KINDS if k != 'country')}")
    s, w, n, e = SYRIA_BBOX
    if not (s <= float(lat) <= n and w <= float(lon) <= e):
        raise ValueError(f"lat/lon ({lat}, {lon}) is outside Syria ({s}-{n} N, {w}-{e} E)")


def read_user_places(path: Path | None = None) -> list[Place]:
    path = path or user_places_path()
    if not path.exists():
        return []
    out: list[Place] = []
    with path.open(encoding="utf-8", newline="") as f:
        for n, r in enumerate(csv.DictReader(f), start=2):
            try:
                lat, lon = float(r["lat"]), float(r["lon"])
                validate_place(r["name_ar"], r["kind"], r["admin1"], lat, lon)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("%s line %d skipped: %s", path, n, exc)
                continue
            aliases = tuple(a.strip() for a in (r.get("aliases") or "").split("|") if a.strip())
            out.append(Place(f"user:{n}", r.get("name_en") or r["name_ar"], r["name_ar"].strip(), aliases,
                             r["kind"], r["admin1"], r.get("admin2") or None, r.get("admin3") or None,
                             lat, lon, 0, f"user places ({path.name})", 1000))
    return out


_GROUP_ORDER = ("neighbourhood", "village", "town", "city", "camp", "prison", "airport", "base", "crossing",
                "landmark", "mountain", "region", "subdistrict", "district", "governorate", "country")


def group_places(places: list[Place]) -> list[tuple[Place, list[Place]]]:
    """One row per place: entries of one name at one point (a city and the district and
    governorate it is the seat of) grouped under the most specific, in the order first found."""
    groups: list[tuple[Place, list[Place]]] = []
    seen: dict[tuple, int] = {}
    for p in places:
        key = (place_key(p.name_ar), p.country, None if p.lat is None else round(p.lat, 2),
               None if p.lon is None else round(p.lon, 2))
        if key in seen:
            groups[seen[key]][1].append(p)
            continue
        seen[key] = len(groups)
        groups.append((p, []))
    out = []
    for p, also in groups:
        members = sorted([p, *also], key=lambda q: _GROUP_ORDER.index(q.kind) if q.kind in _GROUP_ORDER else 99)
        out.append((members[0], members[1:]))
    return out


SAME_PLACE_KM = 5.0  # a place added this close to one of the same name and governorate is that place


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in km (equirectangular: exact enough at Syria's scale), shared by the geo modules."""
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(dlat, dlon)


def same_place(a: Place, name_ar: str, admin1: str | None, lat: float, lon: float) -> bool:
    """Is `a` the place named `name_ar` in `admin1` at (lat, lon): same key (or one of its
    aliases), same governorate, within SAME_PLACE_KM?"""
    keys = Gazetteer.keys_of(name_ar)
    if a.admin1 != admin1 or a.lat is None or a.lon is None:
        return False
    if not any(keys & Gazetteer.keys_of(n) for n in (a.name_ar, *a.aliases) if _has_arabic(n)):
        return False
    return km(a.lat, a.lon, lat, lon) <= SAME_PLACE_KM


def add_user_place(name_ar: str, name_en: str, admin1: str, lat: float, lon: float,
                   kind: str = "village", admin2: str | None = None, admin3: str | None = None,
                   aliases: Iterable[str] = (), path: Path | None = None) -> tuple[Path, bool]:
    """Validate and write one place to the user CSV (created with its header if new).

    A place already there (same name, governorate, within SAME_PLACE_KM) is updated in place, its
    aliases kept, instead of gaining a twin; returns (path, updated). The file is rewritten
    through a temporary file, so a crash leaves the old or the new CSV, never half of one."""
    validate_place(name_ar, kind, admin1, lat, lon)
    path = path or user_places_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, str]] = []
    if path.exists() and path.stat().st_size:
        with path.open(encoding="utf-8", newline="") as f:
            rows = [dict(r) for r in csv.DictReader(f)]
    alias_list = [a.strip() for a in aliases if a.strip()]
    new = {"name_ar": name_ar.strip(), "name_en": (name_en or "").strip(), "kind": kind, "admin1": admin1,
           "admin2": admin2 or "", "admin3": admin3 or "", "lat": f"{float(lat):.5f}",
           "lon": f"{float(lon):.5f}", "aliases": "|".join(alias_list)}
    updated = False
    for i, r in enumerate(rows):
        try:
            old = Place("", r.get("name_en") or "", r.get("name_ar") or "",
                        tuple(a for a in (r.get("aliases") or "").split("|") if a), r.get("kind") or "",
                        r.get("admin1") or None, lat=float(r["lat"]), lon=float(r["lon"]))
        except (KeyError, TypeError, ValueError):
            continue
        if same_place(old, name_ar, admin1, float(lat), float(lon)):
            kept = [a for a in old.aliases if a not in alias_list and a != new["name_ar"]]
            if old.name_ar and old.name_ar != new["name_ar"]:
                kept.append(old.name_ar)
            new["aliases"] = "|".join(dict.fromkeys(alias_list + kept))
            rows[i], updated = new, True
            break
    if not updated:
        rows.append(new)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(USER_COLUMNS), extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)
    return path, updated


def _apply_user_places(gaz: Gazetteer, user: list[Place]) -> None:
    """A user place that is a shipped one (same name, governorate, within SAME_PLACE_KM) updates
    it (coordinates, kind, admin names, aliases added) instead of standing beside it as a twin;
    the others are added. Matches are found through the gazetteer's own key index."""
    for u in user:
        hits = sorted({i for k in Gazetteer.keys_of(u.name_ar) for i in gaz.index.get(k, ())})
        match = next((i for i in hits if not gaz.places[i].is_foreign and gaz.places[i].kind != "country"
                      and same_place(gaz.places[i], u.name_ar, u.admin1, u.lat, u.lon)), None)
        if match is None:
            gaz.add_place(u)
            continue
        old = gaz.places[match]
        aliases = tuple(dict.fromkeys((*old.aliases, *u.aliases, *(() if u.name_ar == old.name_ar
                                                                  else (u.name_ar,)))))
        gaz.update_place(match, replace(old, name_en=u.name_en or old.name_en, aliases=aliases, kind=u.kind,
                                        admin2=u.admin2 or old.admin2, admin3=u.admin3 or old.admin3,
                                        lat=u.lat, lon=u.lon, source=f"{old.source}; {u.source}"))


def load(path: Path = GAZETTEER_TSV, user_path: Path | None = None,
         include_user: bool = True) -> Gazetteer:
    gaz = Gazetteer(_read_tsv(path) + _foreign_places())
    if include_user:
        _apply_user_places(gaz, read_user_places(user_path))
    return gaz


_DEFAULT: Gazetteer | None = None


def get_gazetteer() -> Gazetteer:
    """The process-wide gazetteer (shipped table + foreign places + user places), loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load()
    return _DEFAULT


def reset_gazetteer() -> None:
    """Forget the loaded gazetteer and the place lexicon built on it (after user places changed)."""
    global _DEFAULT
    _DEFAULT = None
    from rasd.geo import toponyms

    toponyms.reset_lexicon()

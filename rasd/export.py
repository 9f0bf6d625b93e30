"""Writers for the event record: JSONL (the contract itself), flat CSV, RFC 7946 GeoJSON, an
ACLED-layout CSV for tools built around ACLED's export, and Parquet for analysis.

Every writer takes ``(events, out)`` and returns the number of events written. ``out`` is a text
stream, except for the formats in `BINARY_FORMATS`, which take a path or a binary stream.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, BinaryIO, NamedTuple, TextIO

from rasd.extract.actors import registry_entry
from rasd.extract.lexicon import data_path
from rasd.geo.gazetteer import ADMIN1

FIELDS = [
    "id", "report_kind", "event_date", "date_end", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actors", "country", "admin1", "admin2", "admin3", "location", "location_ar",
    "latitude", "longitude", "geo_precision", "fatalities", "killed", "injured", "arrested", "seized",
    "sources", "notes", "evidence", "confidence",
]
FORMATS = ("jsonl", "csv", "geojson", "acled-csv", "parquet")
BINARY_FORMATS = {"parquet"}  # the CLI opens these in binary mode and will not write them to a terminal


def write_jsonl(events: Iterable[dict[str, Any] | str | bytes], out: TextIO) -> int:
    """One record a line. An item may also be a record already serialised (its JSON text as the database stores
    it, `json.dumps(record, ensure_ascii=False)`), written as it is: a database export then never parses it. Given
    as UTF-8 bytes, it goes out as bytes, never decoded (for a stream that takes bytes, as the API's does).

    Lines go out in blocks, so a stream of any length is written with few calls and little memory.
    """
    n = 0
    block: list[Any] = []
    for e in events:
        block.append(e if isinstance(e, str | bytes) else json.dumps(e, ensure_ascii=False))
        if len(block) >= 256:
            n += _write_lines(block, out)
            block = []
    if block:
        n += _write_lines(block, out)
    return n


def _write_lines(block: list[Any], out: Any) -> int:
    """The block's lines, each ended by a newline, in one write: bytes when its first line is bytes."""
    if isinstance(block[0], bytes):
        out.write(b"\n".join([x if isinstance(x, bytes) else x.encode("utf-8") for x in block]) + b"\n")
    else:
        block.append("")
        out.write("\n".join(block))
        block.pop()
    return len(block)


def _flat(e: dict[str, Any]) -> dict[str, Any]:
    row = {}
    for f in FIELDS:
        v = e.get(f)
        if f == "actors":
            for side in (1, 2):
                row[f"actor{side}"] = "; ".join(a["name"] for a in v or [] if a["side"] == side)
                row[f"actor{side}_keys"] = "; ".join(a["key"] for a in v or [] if a["side"] == side)
            continue
        if f == "killed":
            for k in ("side1", "side2", "civilians"):
                row[f"killed_{k}"] = (v or {}).get(k)
            continue
        if f == "seized":
            row[f] = "; ".join(v or [])
        elif f == "sources":
            row["source_ids"] = "; ".join(s["article_id"] for s in v or [])
            row["source_outlets"] = "; ".join(sorted({s.get("outlet") or "" for s in v or []} - {""}))
            row["source_urls"] = "; ".join(s.get("url") or "" for s in v or [] if s.get("url"))
        elif f == "evidence":
            row[f] = json.dumps(v or [], ensure_ascii=False)
        else:
            row[f] = v
    return row


FLAT_FIELDS = list(_flat({}))  # the flat CSV's columns (every event gives the same keys)


class Stored(NamedTuple):
    """An event as the store keeps it, for a writer that can use its stored export line: the record's JSON text,
    the line of the asked format when it was made by this version's mapping (None: made here from the record),
    and the id and country the ACLED writer numbers rows with."""

    record: str | None  # None where the line is current (it is then not read)
    line: str | bytes | None = None  # bytes: as SQLite stores it, for a stream of bytes
    id: str = ""
    country: str | None = None


# The CSV and ACLED lines are made when an event is written (rasd.store.linking) and kept beside its record:
# an export then writes stored text instead of parsing every record (a fifth of the time). A line depends on
# the mapping's code and data (the registry's names and inter codes, the countries, the gazetteer's admin
# names): `lines_stamp` fingerprints them, and a line with another stamp is made again at export.
LINES_FORMAT = 1


@lru_cache(maxsize=1)
def lines_stamp() -> str:
    """A fingerprint of what the stored export lines are made from (see LINES_FORMAT)."""
    from rasd.geo.gazetteer import GAZETTEER_TSV, user_places_path

    h = hashlib.sha1(str(LINES_FORMAT).encode())
    for path in (data_path("actors.csv"), data_path("countries.csv"), GAZETTEER_TSV, user_places_path()):
        h.update(path.read_bytes() if path.exists() else b"-")
    return h.hexdigest()[:16]


def _csv_text(row: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(row)
    return buf.getvalue()


def csv_line(e: dict[str, Any]) -> str:
    """The event's row of `write_csv`, line end included."""
    return _csv_text(list(_flat(e).values()))


def acled_line(e: dict[str, Any]) -> str:
    """The event's row of `write_acled_csv` after its event_id_cnty (which depends on the whole export), line end
    included; "" for an event without a date, which has no ACLED row."""
    if not e.get("event_date"):
        return ""
    row = acled_row(e)
    return _csv_text([row[f] for f in ACLED_FIELDS[1:]])


def write_csv(events: Iterable[dict[str, Any] | Stored], out: TextIO) -> int:
    """One flat row an event (`_flat`). A `Stored` item with its line is written as that line, unparsed."""
    writer = csv.writer(out)  # rows as lists (DictWriter checks every row's keys, a third of the time spent here)
    writer.writerow(FLAT_FIELDS)
    n = 0
    lines = _Lines(out)
    for e in events:
        if isinstance(e, Stored):
            if e.line is not None:
                lines.add(e.line)
                n += 1
                continue
            e = json.loads(e.record)
        lines.flush()
        writer.writerow(list(_flat(e).values()))
        n += 1
    lines.flush()
    return n


class _Lines:
    """Stored lines (str, or bytes from SQLite), written a few hundred at a time: one write per block, not one
    per event."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.items: list[Any] = []

    def add(self, *parts: Any) -> None:
        self.items += parts
        if len(self.items) >= 512:
            self.flush()

    def flush(self) -> None:
        if self.items:
            self.out.write((b"" if isinstance(self.items[0], bytes) else "").join(self.items))
            self.items = []


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _geometry(lat: Any, lon: Any) -> dict[str, Any] | None:
    if _finite(lat) and _finite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180:
        return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
    return None


def _feature(e: dict[str, Any]) -> str:
    props = {k: v for k, v in e.items() if k not in ("latitude", "longitude")}
    return json.dumps({"type": "Feature", "id": e["id"], "geometry": _geometry(e.get("latitude"), e.get("longitude")),
                       "properties": props}, ensure_ascii=False)


# A stored record's JSON text as the store writes it (json.dumps, ensure_ascii=False): its id first, and its
# coordinates as ', "latitude": 36.2' - a quote after ", " can only open a key, never sit inside a string
_NUM = r"null|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"


@dataclass(frozen=True)
class _Marks:
    """What the splice looks for in a record's text, as str or as bytes (its UTF-8 form, the same shape)."""

    id_start: Any
    id_end: Any
    backslash: Any
    lat: Any
    lon: Any
    id_head: re.Pattern[Any]
    number: re.Pattern[Any]
    pair: re.Pattern[Any]  # the coordinates side by side, as the store writes them: latitude's value, then longitude
    feature: Any  # the Feature's text around the id, the geometry and the record
    geometry: Any
    props: Any
    close: Any

    @classmethod
    def of(cls, kind: type) -> _Marks:
        def t(x: str) -> Any:
            return x if kind is str else x.encode()

        return cls(t('{"id": "'), t('", '), t("\\"), t(', "latitude": '), t(', "longitude": '),
                   re.compile(t(r'\{"id": ("(?:[^"\\]|\\.)*"), ')), re.compile(t(_NUM)),
                   re.compile(t(f'({_NUM}), "longitude": ({_NUM})(?=[,}}])')),
                   t('{"type": "Feature", "id": '), t(', "geometry": '), t(', "properties": '), t("}"))


_MARKS = {str: _Marks.of(str), bytes: _Marks.of(bytes)}


def _coordinate(text: Any, key: Any, marks: _Marks) -> tuple[int, int, Any] | None:
    """(start, end, value) of the one top-level `key` member in a stored record's text; None unless there is
    exactly one, with a plain number or null."""
    at = text.find(key)
    if at < 0 or text.find(key, at + 1) >= 0:
        return None
    m = marks.number.match(text, at + len(key))
    if m is None or m.end() >= len(text) or text[m.end():m.end() + 1] not in (",", "}", b",", b"}"):
        return None
    v = m.group() if isinstance(text, str) else m.group().decode()
    return at, m.end(), None if v == "null" else float(v) if "." in v or "e" in v or "E" in v else int(v)


def _point_text(point: dict[str, Any] | None) -> str:
    return "null" if point is None else \
        f'{{"type": "Point", "coordinates": [{point["coordinates"][0]!r}, {point["coordinates"][1]!r}]}}'


def _plain(text: str, value: float) -> bool:
    """Whether a coordinate's text is what `_geometry` writes for its value: an integer, or a float as repr gives it
    with at most 6 decimals (json.dumps writes repr), so rounding to 6 decimals keeps it."""
    if "." not in text:
        return "e" not in text and "E" not in text and text != "-0"
    return "e" not in text and len(text) - text.index(".") <= 7 and repr(value) == text


def _plain_point(lat: str, lon: str) -> str | None:
    """The geometry's text straight from the coordinates' texts (numbers or null) where they already are what
    `_geometry` writes (None: they need parsing)."""
    if lat == "null" or lon == "null":
        return "null"
    y, x = float(lat), float(lon)
    if not (_plain(lat, y) and _plain(lon, x)):
        return None
    return f'{{"type": "Point", "coordinates": [{lon}, {lat}]}}' if -90 <= y <= 90 and -180 <= x <= 180 else "null"


# A coordinate's text that is exactly what `_geometry` writes for its value (repr of a float with at most 6
# decimals): at most 9 significant digits, so repr gives these digits back; no trailing zero but ".0"; below 1e-4
# (where repr writes an exponent) never. The common case of `_plain`, tested without float() and repr().
_REPR_NUM = re.compile(rb"-?(?:[1-9][0-9]{0,2}\.(?:0|[0-9]{0,5}[1-9])|0\.(?:0|(?=0{0,3}[1-9])[0-9]{0,5}[1-9]))")
_B = _MARKS[bytes]


def _splice_bytes(text: bytes) -> tuple[list[bytes], int, int] | None:
    """The Feature's head (its text up to the properties), and where the coordinates' members start and end in a
    stored record's bytes in the store's usual shape (a plain id, one latitude member with the longitude right
    after it, both plain decimals or null): a few calls into C. None otherwise."""
    if not text.startswith(_B.id_start):
        return None
    end = text.find(_B.id_end, 8)
    if end < 0 or text.find(_B.backslash, 8, end) >= 0:
        return None
    at = text.find(_B.lat, end)
    if at < 0 or text.find(_B.lat, at + 1) >= 0:
        return None
    pair = _B.pair.match(text, at + len(_B.lat))
    if pair is None:
        return None
    lat, lon = pair.group(1, 2)
    if lat == b"null" or lon == b"null":
        geom = b"null"
    elif _REPR_NUM.fullmatch(lat) and _REPR_NUM.fullmatch(lon):
        geom = b'{"type": "Point", "coordinates": [' + lon + b", " + lat + b"]}" \
            if -90 <= float(lat) <= 90 and -180 <= float(lon) <= 180 else b"null"
    else:
        return None
    return [_B.feature, text[7:end + 1], _B.geometry, geom, _B.props], at, pair.end()


def _feature_of_bytes(text: bytes) -> list[bytes] | None:
    """`_feature_of_text` of a stored record's bytes in the store's usual shape (`_splice_bytes`); None otherwise."""
    cut = _splice_bytes(text)
    if cut is None:
        return None
    head, at, end = cut
    return [*head, text[:at], text[end:], _B.close]


class Spliced(bytes):
    """A GeoJSON Feature already made (by SQLite, from `geo_columns`): written as it is."""


def geo_columns(text: str | None) -> dict[str, Any]:
    """What an event keeps so that SQLite makes its GeoJSON Feature itself (`rasd.store.query.export_columns`):
    the Feature's text up to its properties, and the byte range of the coordinates' members in the stored record
    `text`, which the Feature's properties leave out. Nones where the record is not in the usual shape."""
    cut = _splice_bytes(text.encode()) if text else None
    if cut is None:
        return {"geo_head": None, "geo_cut": None, "geo_cut_end": None}
    head, at, end = cut
    return {"geo_head": b"".join(head).decode(), "geo_cut": at, "geo_cut_end": end}


def _feature_of_text(text: str | bytes) -> list[Any] | None:
    """The Feature `_feature` writes for a record, in pieces (their concatenation), spliced out of the record's
    stored JSON text (or its UTF-8 bytes: then the pieces are bytes) without parsing it (several times faster);
    None when the text is not in the store's shape (then the record is parsed)."""
    if isinstance(text, bytes) and (fast := _feature_of_bytes(text)) is not None:
        return fast
    marks = _MARKS[type(text)]
    end = text.find(marks.id_end, 8) if text.startswith(marks.id_start) else -1
    if end > 0 and text.find(marks.backslash, 8, end) < 0:  # a plain id, as every stored one is
        head: Any = text[7:end + 1]
    else:
        m = marks.id_head.match(text)
        head = None if m is None else m.group(1)
    if head is None:
        return None
    geom = None
    at = text.find(marks.lat)
    if at >= 0 and text.find(marks.lat, at + 1) < 0:  # one latitude member, longitude right after it
        pair = marks.pair.match(text, at + len(marks.lat))
        if pair is not None:
            lat, lon = pair.group(1, 2)
            geom = _plain_point(lat, lon) if isinstance(text, str) else _plain_point(lat.decode(), lon.decode())
            cuts = [(at, pair.end())]
    if geom is None:
        lat_at = _coordinate(text, marks.lat, marks)
        lon_at = _coordinate(text, marks.lon, marks) if lat_at is not None else None
        if lon_at is None:
            return None
        first, second = sorted((lat_at, lon_at))  # by where they stand in the text
        geom = _point_text(_geometry(lat_at[2], lon_at[2]))
        cuts = [first[:2], second[:2]]
    pieces = [marks.feature, head, marks.geometry, geom if isinstance(text, str) else geom.encode(), marks.props]
    last = 0
    for start, stop in cuts:
        pieces.append(text[last:start])
        last = stop
    pieces += [text[last:], marks.close]
    return pieces


def write_geojson(events: Iterable[dict[str, Any] | str | bytes], out: TextIO) -> int:
    """A FeatureCollection; events without coordinates get a null geometry (allowed by RFC 7946).

    Positions are [longitude, latitude] in WGS84, so no "crs" member (RFC 7946 removed it).
    Streamed feature by feature (the bytes `json.dump` would give for the whole collection), so an export of
    any size never holds its features in memory. An item may be a record's stored JSON text, as for
    `write_jsonl`: its feature is then spliced out of the text; given as bytes, the collection goes out as bytes;
    a `Spliced` item is a feature the database made (bytes too).
    """
    n = 0
    block: list[Any] = ['{"type": "FeatureCollection", "features": [']  # one join per 256 features
    binary = False
    for e in events:
        if n == 0 and isinstance(e, bytes):
            binary = True
            block = [block[0].encode()]
        if n:
            block.append(b", " if binary else ", ")
        pieces = [e] if type(e) is Spliced else _feature_of_text(e) if isinstance(e, str | bytes) else None
        if pieces is None:
            feature = _feature(json.loads(e) if isinstance(e, str | bytes) else e)
            pieces = [feature.encode() if binary else feature]
        elif binary != isinstance(e, bytes):
            pieces = [x.encode() if binary else x.decode() for x in pieces]
        block += pieces
        n += 1
        if n % 256 == 0:
            out.write((b"" if binary else "").join(block))
            block = []
    block.append(b"]}\n" if binary else "]}\n")
    out.write((b"" if binary else "").join(block))
    return n


# --- ACLED layout -------------------------------------------------------------------------------

ACLED_FIELDS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]
HOME = "Syria"  # the country Rasd is built for: a record without a country is placed there
UNKNOWN_ISO3 = "XXX"  # event_id_cnty prefix of a country missing from data/countries.csv
_HOME_SUFFIX = f"({HOME})"  # ACLED's generic actors name where they act: "Civilians (Syria)"


@dataclass(frozen=True, slots=True)
class Country:
    """One row of `rasd/data/countries.csv`: ISO 3166 codes and ACLED's region of a country."""

    name: str
    iso3: str  # alpha-3, the prefix of ACLED's event_id_cnty
    iso: int  # numeric, ACLED's iso column
    region: str  # ACLED's region name


@lru_cache(maxsize=1)
def countries() -> dict[str, Country]:
    """Country metadata by English name (as the record's `country` spells it), read once."""
    with data_path("countries.csv").open(encoding="utf-8", newline="") as f:
        return {r["country"]: Country(r["country"], r["iso3"], int(r["iso"]), r["region"])
                for r in csv.DictReader(f)}


def country_of(e: dict[str, Any]) -> str:
    return str(e.get("country") or HOME)


_CIVILIAN_TARGETING_TYPES = {"Violence against civilians", "Explosions/Remote violence"}
_CIVILIANS_INTER = 7


def _inter(actor: dict[str, Any]) -> int | None:
    """ACLED inter code: the record's own if it carries one, else the registry's; None if unknown or 0."""
    code = actor.get("inter")
    if code is None:
        try:
            code = registry_entry(actor["key"])["inter"]
        except KeyError:
            return None
    return int(code) or None


def _actor_name(actor: dict[str, Any], country: str = HOME) -> str:
    """The actor's name; ACLED's generic actors ("Civilians (Syria)", "Unidentified Armed Group
    (Syria)", "Islamic State (Syria)") name the country where they act, so abroad they take the
    event's country: "Civilians (Yemen)". Named states and groups keep their names."""
    if actor.get("name"):
        name = str(actor["name"])
    else:
        try:
            name = str(registry_entry(actor["key"])["name"])
        except KeyError:
            name = str(actor.get("key") or "")
    if country != HOME and name.endswith(_HOME_SUFFIX):
        name = f"{name[:-len(_HOME_SUFFIX)]}({country})"
    return name


def _side(actors: list[dict[str, Any]], side: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(primary actor, the other actors) of one side; the first primary in record order leads."""
    on_side = [a for a in actors if a.get("side") == side]
    if not on_side:
        return None, []
    lead = next((a for a in on_side if a.get("role") == "primary"), on_side[0])
    return lead, [a for a in on_side if a is not lead]


# ACLED's current export writes actor types and interactions as words (codebook, "Inter codes" and Table 3):
# "State forces", "State forces-Rebel group", "Rebel group only"; the numeric codes are an API option.
INTER_LABELS = {1: "State forces", 2: "Rebel group", 3: "Political militia", 4: "Identity militia",
                5: "Rioters", 6: "Protesters", 7: "Civilians", 8: "External/Other forces"}


def _interaction(inter1: int | None, inter2: int | None) -> int | None:
    """ACLED's interaction code: the two inter codes, smaller first (12, 17, 37); one actor alone: 10, 20 ..."""
    codes = sorted(c for c in (inter1, inter2) if c)
    if not codes:
        return None
    return codes[0] * 10 + (codes[1] if len(codes) == 2 else 0)


def interaction_label(code: int | None) -> str:
    """The interaction as ACLED's current export words it: 12 -> "State forces-Rebel group", 20 -> "Rebel
    group only"; the pair in code order, except 78, "External/Other forces-Civilians" in the codebook."""
    if not code:
        return ""
    a, b = divmod(code, 10)
    if b == 0:
        return f"{INTER_LABELS[a]} only"
    if (a, b) == (7, 8):
        return f"{INTER_LABELS[8]}-{INTER_LABELS[7]}"
    return f"{INTER_LABELS[a]}-{INTER_LABELS[b]}"


def _event_number(event_id: str) -> int:
    """A stable number from an event id: its hash part ("rasd-<hex>") read as hex, else a hash of the id."""
    tail = event_id.rsplit("-", 1)[-1]
    try:
        if len(tail) >= 8:
            return int(tail[:12], 16)
    except ValueError:
        pass
    return int(hashlib.sha1(event_id.encode("utf-8")).hexdigest()[:12], 16)


def _unix_day(published: Any) -> int | None:
    try:
        day = dt.date.fromisoformat(str(published)[:10])
    except ValueError:
        return None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _coord(x: Any) -> str:
    return f"{x:.4f}" if _finite(x) else ""


def _blank(x: Any) -> Any:
    return "" if x is None else x


_PLACE_FIELDS = ("admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision")


@lru_cache(maxsize=1)
def _syrian_admin_names() -> frozenset[str]:
    """Every governorate, district and subdistrict name of the gazetteer's Syrian places."""
    from rasd.geo.gazetteer import get_gazetteer

    names = set(ADMIN1)
    for p in get_gazetteer().places:
        if not p.is_foreign:
            names.update(a for a in (p.admin1, p.admin2, p.admin3) if a)
    return frozenset(names)


def _place(e: dict[str, Any], country: str) -> dict[str, Any]:
    """admin1-3, location, coordinates and geo_precision as ACLED writes them.

    An event abroad has no Syrian admin fields (EVENTS.md: none at all); if a record abroad still
    carries one (an analyst's correction of the country, a hand-made record), its place fields
    describe a Syrian place, not where the event was, and are left empty rather than exported
    under the other country."""
    if country != HOME and any(e.get(f) in _syrian_admin_names() for f in ("admin1", "admin2", "admin3")):
        return dict.fromkeys(_PLACE_FIELDS, "")
    return {
        "admin1": _blank(e.get("admin1")),
        "admin2": _blank(e.get("admin2")),
        "admin3": _blank(e.get("admin3")),
        "location": _blank(e.get("location")),
        "latitude": _coord(e.get("latitude")),
        "longitude": _coord(e.get("longitude")),
        "geo_precision": _blank(e.get("geo_precision")),
    }


def acled_row(e: dict[str, Any]) -> dict[str, Any]:
    """One event in ACLED's columns (without event_id_cnty, which needs the whole export); see `write_acled_csv`."""
    actors = e.get("actors") or []
    country = country_of(e)
    meta = countries().get(country)
    lead1, assoc1 = _side(actors, 1)
    lead2, assoc2 = _side(actors, 2)
    inter1 = _inter(lead1) if lead1 else None
    inter2 = _inter(lead2) if lead2 else None

    def assoc(lead: dict[str, Any] | None, others: list[dict[str, Any]]) -> str:
        names = [_actor_name(a, country) for a in others]
        lead_name = _actor_name(lead, country) if lead is not None else None
        return "; ".join(dict.fromkeys(n for n in names if n and n != lead_name))

    # ACLED: civilians were the main or only target, so a primary side-2 actor, not an associated one
    # (an IED aimed at an army patrol that also hurt passers-by is not civilian targeting)
    targets = [a for a in [lead2, *assoc2] if a is lead2 or a.get("role") == "primary"] if lead2 else []
    civilians_hit = any(a.get("key") == "civilians" or _inter(a) == _CIVILIANS_INTER for a in targets)
    sources = e.get("sources") or []
    stamps = [t for t in (_unix_day(s.get("published")) for s in sources if s.get("published")) if t is not None]
    date = e.get("event_date") or ""
    tags = []
    if e.get("report_kind") and e["report_kind"] != "incident":
        tags.append(f"report_kind={e['report_kind']}")
    if e.get("fatalities") is None:
        tags.append("fatalities=no report")
    return {
        "event_date": date,
        "year": int(date[:4]) if date[:4].isdigit() else "",
        "time_precision": _blank(e.get("time_precision")),
        "disorder_type": _blank(e.get("disorder_type")),
        "event_type": _blank(e.get("event_type")),
        "sub_event_type": _blank(e.get("sub_event_type")),
        "actor1": _actor_name(lead1, country) if lead1 else "",
        "assoc_actor_1": assoc(lead1, assoc1),
        "inter1": INTER_LABELS.get(inter1 or 0, ""),
        "actor2": _actor_name(lead2, country) if lead2 else "",
        "assoc_actor_2": assoc(lead2, assoc2),
        "inter2": INTER_LABELS.get(inter2 or 0, ""),
        "interaction": interaction_label(_interaction(inter1, inter2)),
        "civilian_targeting": "Civilian targeting"
        if civilians_hit and e.get("event_type") in _CIVILIAN_TARGETING_TYPES else "",
        "iso": meta.iso if meta else "",
        "region": meta.region if meta else "",
        "country": country,
        **_place(e, country),
        "source": "; ".join(dict.fromkeys(x for x in (s.get("outlet") or s.get("article_id") for s in sources) if x)),
        "source_scale": "Other",
        "notes": _blank(e.get("notes")),
        "fatalities": int(e.get("fatalities") or 0),
        "tags": "; ".join(tags),
        "timestamp": max(stamps, default=0),
    }


def write_acled_csv(events: Iterable[dict[str, Any] | Stored], out: TextIO) -> int:
    """Events as a CSV in ACLED's columns and column order, for tools written against ACLED's export.

    Mapping from the event record (EVENTS.md):

    - event_id_cnty: the country's ISO alpha-3 code ("SYR" in Syria) + the first 12 hex digits of
      the event id's hash part as a decimal number (stable across runs; a hash of the id when it has
      no hex part). Every row gets its own: a clash within one export and country takes the next
      free number, in input order.
    - event_date: ISO YYYY-MM-DD (some ACLED products write "17 May 2025"; ISO sorts and parses
      everywhere). year: from event_date. An event without a date has no ACLED row (ACLED requires
      one): it is left out (the commands say how many: rows written < events read), so `year`,
      `time_precision` and `iso` read as integers.
    - actor1 / actor2: name of the first primary actor of side 1 / 2 (else the side's first actor);
      assoc_actor_1 / assoc_actor_2: the side's other actors' names, "; "-joined.
    - inter1 / inter2: the actor type of actor1 / actor2 (the registry's ACLED inter code) in words, as
      ACLED's current export writes it ("State forces", "Rebel group", "Civilians"; empty without actor).
      interaction: the two types, smaller code first, as ACLED words them ("State forces-Rebel group",
      "Political militia-Civilians"); one actor alone: "Rebel group only".
    - civilian_targeting: "Civilian targeting" when civilians (key civilians or inter 7) are a primary
      side-2 actor of a Violence against civilians or Explosions/Remote violence event, else empty.
      Associated civilians do not count: ACLED flags events where civilians were the main or only target.
    - iso, region, the event_id_cnty prefix: the event's own country's ISO 3166 numeric code, ACLED
      region and ISO alpha-3 code, from `rasd/data/countries.csv` (Syria: 760, "Middle East", SYR;
      an air strike in Yemen: 887, "Middle East", YEM). A country missing from that file gets an
      empty iso and region and the prefix XXX; a record without a country is in Syria.
    - Abroad: a Syrian governorate, district or subdistrict on a record abroad empties all its
      place fields (admin1-3, location, coordinates, geo_precision);
      generic actors named after Syria take the event's country ("Civilians (Syria)" in Yemen is
      "Civilians (Yemen)").
    - latitude / longitude: 4 decimals. time_precision, geo_precision, admin1-3, location, notes: as is.
    - source: the sources' outlets (an article id where the outlet is unknown), "; "-joined, no repeats.
      source_scale: "Other" - the record has no basis for ACLED's National/Regional/... scale.
    - fatalities: 0 when the record has null (ACLED writes 0 when no figure is reported); such rows
      carry the tag "fatalities=no report" so the two can still be told apart.
    - tags: "report_kind=aggregate" / "report_kind=background" for non-incident records, plus the above.
    - timestamp: Unix time of the latest source publication day at 00:00 UTC, 0 when none is dated.
    """
    writer = csv.writer(out)  # rows as lists in ACLED_FIELDS order (what csv.DictWriter writes, without its checks)
    writer.writerow(ACLED_FIELDS)
    fields = ACLED_FIELDS[1:]
    used: set[tuple[str, int]] = set()
    n = 0
    lines = _Lines(out)
    for e in events:
        line = None
        if isinstance(e, Stored):
            if e.line == "" or e.line == b"":
                continue  # no date
            if e.line is not None:
                line, event_id, country = e.line, e.id, e.country or HOME
            else:
                e = json.loads(e.record)
        if line is None:
            if not e.get("event_date"):
                continue
            event_id, country = e.get("id"), country_of(e)
        meta = countries().get(country)
        prefix = meta.iso3 if meta else UNKNOWN_ISO3
        num = _event_number(str(event_id or n))
        while (prefix, num) in used:
            num += 1
        used.add((prefix, num))
        if line is not None:  # the stored row after its first field: csv never quotes "SYR123"
            head = f"{prefix}{num},"
            lines.add(head.encode() if isinstance(line, bytes) else head, line)
        else:
            lines.flush()
            row = acled_row(e)
            writer.writerow([f"{prefix}{num}", *(row[f] for f in fields)])
        n += 1
    lines.flush()
    return n


# --- Parquet ------------------------------------------------------------------------------------

def parquet_schema() -> Any:
    """Arrow schema of the contract: nested fields as list/struct columns, dates as ISO strings.

    Dates stay strings so a value reads back exactly as the contract spells it. Keys an event
    has beyond the contract (e.g. the linker's "conflicts") go to `extra` as one JSON object.
    """
    import pyarrow as pa

    s, i8, i64, f64 = pa.string(), pa.int8(), pa.int64(), pa.float64()
    types = {
        "id": s, "report_kind": s, "event_date": s, "date_end": s, "time_precision": i8,
        "disorder_type": s, "event_type": s, "sub_event_type": s,
        "actors": pa.list_(pa.struct([("key", s), ("name", s), ("side", i8), ("role", s)])),
        "country": s, "admin1": s, "admin2": s, "admin3": s, "location": s, "location_ar": s,
        "latitude": f64, "longitude": f64, "geo_precision": i8, "fatalities": i64,
        "killed": pa.struct([("side1", i64), ("side2", i64), ("civilians", i64)]),
        "injured": i64, "arrested": i64, "seized": pa.list_(s),
        "sources": pa.list_(pa.struct([("article_id", s), ("outlet", s), ("url", s), ("published", s)])),
        "notes": s,
        "evidence": pa.list_(pa.struct([("field", s), ("article_id", s), ("start", i64), ("end", i64),
                                        ("text", s)])),
        "confidence": f64,
    }
    return pa.schema([(f, types[f]) for f in FIELDS] + [("extra", s)])


def _parquet_row(e: dict[str, Any]) -> dict[str, Any]:
    row = {f: e.get(f) for f in FIELDS}
    for f in ("actors", "seized", "sources", "evidence"):
        row[f] = row[f] or []
    extra = {k: v for k, v in e.items() if k not in row}
    row["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str) if extra else None
    return row


def write_parquet(events: Iterable[dict[str, Any]], out: str | os.PathLike[str] | BinaryIO,
                  batch_size: int = 2000) -> int:
    """Events as one Parquet table (schema: `parquet_schema`), to a path or a binary stream.

    Rows go out in batches, so a database export streams instead of building one big table.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(out, io.TextIOBase):
        raise TypeError("Parquet is binary: pass a path or a stream opened in binary mode")
    schema = parquet_schema()
    n = 0
    with pq.ParquetWriter(out, schema) as writer:
        rows: list[dict[str, Any]] = []
        for e in events:
            rows.append(_parquet_row(e))
            if len(rows) >= batch_size:
                writer.write_batch(pa.RecordBatch.from_pylist(rows, schema=schema))
                n += len(rows)
                rows = []
        if rows or not n:
            writer.write_batch(pa.RecordBatch.from_pylist(rows, schema=schema))
            n += len(rows)
    return n


# (events, out) -> events written; out is a text stream, or for BINARY_FORMATS a path or binary stream
Writer = Callable[[Iterable[dict[str, Any]], Any], int]
WRITERS: dict[str, Writer] = {
    "jsonl": write_jsonl, "csv": write_csv, "geojson": write_geojson,
    "acled-csv": write_acled_csv, "parquet": write_parquet,
}

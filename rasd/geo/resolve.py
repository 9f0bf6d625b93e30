"""Geocoding one incident: from its place mentions to one location with ACLED's geo_precision.

The extractor passes the place spans of the incident's sentences, in order. Each mention is
resolved on its own first (its container in the nesting, then the governorates the incident and
the article name, then population), and the most specific well-supported one wins:

  1  the town, village, neighbourhood, camp, base ... itself
  2  "ريف X", "قرب X", "شرق X", a region, or a village/neighbourhood the gazetteer does not know
     inside a known place (placed at that place, its Arabic name kept in location_ar)
  3  only a governorate or district (placed at the governorate's capital)

A name that stays ambiguous between governorates is never guessed: the result then says less
(the governorate when all readings share it, else no governorate at all).

Each incident has its own country, and one abroad never falls back to a Syrian place:
  - a place abroad named as the scene wins over Syrian places that only say where people came
    from or went, a dateline or a description ("قادمين من حمص في مدينة بعلبك");
  - a name found in Syria and abroad (الحديدة, صعدة) follows the countries named as the scene
    ("في اليمن"), the incident's then the article's, before the countries of every place named;
  - an anaphor stands where its referent is: "جنوب المحافظة" after "محافظة صعدة" is in Yemen;
  - a small Syrian namesake inside a place abroad ("السلمية في مدينة غزة"), or standing bare
    beside a town abroad in the one country named as the scene, is a place abroad.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rasd.arabic.normalize import normalize
from rasd.doc import Doc, Span
from rasd.geo.gazetteer import SAME_PLACE_KM, Place, get_gazetteer, km, place_key
from rasd.geo.romanize import romanize
from rasd.geo.toponyms import contains, surroundings

# Kind classes: a head word asks for a class; within a class the governorate must be clear.
_CLASS = {"city": "settlement", "town": "settlement", "village": "settlement",
          "neighbourhood": "neighbourhood", "camp": "facility", "prison": "facility",
          "airport": "facility", "base": "facility", "crossing": "facility", "landmark": "facility",
          "region": "area", "mountain": "area", "subdistrict": "subdistrict", "district": "district",
          "governorate": "governorate", "country": "country"}
_POINT = frozenset({"settlement", "neighbourhood", "facility"})
_ADMIN_TAIL = (frozenset({"subdistrict"}), frozenset({"district"}), frozenset({"governorate"}))
# Which classes a head word asks for, best group first (classes in one group rank alike).
_PREF: dict[str | None, tuple[frozenset[str], ...]] = {
    None: (_POINT, frozenset({"area"}), *_ADMIN_TAIL),
    "city": (frozenset({"settlement"}), frozenset({"neighbourhood"}), *_ADMIN_TAIL),
    "neighbourhood": (frozenset({"neighbourhood"}), frozenset({"settlement", "facility"}), *_ADMIN_TAIL),
    "area": (frozenset({"area", "neighbourhood"}), frozenset({"district"}), frozenset({"subdistrict"}),
             frozenset({"settlement", "facility"}), frozenset({"governorate"})),
    "subdistrict": (frozenset({"subdistrict"}), frozenset({"settlement"}), frozenset({"district"})),
    "governorate": (frozenset({"governorate"}), frozenset({"district"}), frozenset({"settlement"})),
    "facility": (frozenset({"facility"}), frozenset({"settlement", "neighbourhood"}), *_ADMIN_TAIL),
    "area_head": (frozenset({"area"}), frozenset({"neighbourhood", "settlement"}), *_ADMIN_TAIL),
}
_HEAD_PREF = {"town": "city", "village": "city", "camp": "facility", "prison": "facility",
              "airport": "facility", "base": "facility", "crossing": "facility",
              "mountain": "area_head", "region": "area_head"}
# Head words that place the event beside the named place, not in it.
_BESIDE = ("road", "post", "checkpoint")
# Prepositions of origin or destination ("نقل الجرحى إلى قاعدة التنف"), in the normalised
# spelling the place spans carry (الى -> الي).
ORIGIN = tuple(normalize(w) for w in ("من", "إلى", "الى", "نحو", "باتجاه"))
NEAR_KM = 60  # a reading this close to another place named ...
NEAR_RATIO = 3  # ... and this many times closer than the next governorate's reading wins
DECISIVE_RATIO = 5  # population rank must beat the next governorate's by this much
DECISIVE_MIN = 10000
MIDDLE_MAX_KM = 60  # namesakes farther apart than this: the governorate says as much
# Kinds of small places: a common word or a namesake abroad often stands for one of them.
_MINOR = frozenset({"town", "village", "neighbourhood"})
_AROUND = frozenset({"near", "outskirts", "outside"})
# The kinds a settlement head word names: "بلدة" a town (or a city), "قرية" a village.
_HEAD_SIZES = {"city": ("city", "town"), "town": ("town", "city"), "village": ("village",)}
_SETTLEMENT_HEADS = frozenset(_HEAD_SIZES)
ACTOR_AREAS_TSV = Path(__file__).resolve().parent.parent / "data" / "actor_areas.tsv"


@cache
def actor_areas() -> dict[str, frozenset[str]]:
    """actor_areas.tsv: actor key -> the governorates it operates in."""
    out: dict[str, frozenset[str]] = {}
    lines = [ln for ln in ACTOR_AREAS_TSV.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t"):
        out[row["key"]] = frozenset(a for a in row["admin1s"].split("|") if a)
    return out


@dataclass
class GeoResult:
    """Where one incident happened, in the event record's terms (EVENTS.md)."""

    country: str = "Syria"
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    location: str | None = None
    location_ar: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    evidence: list[Span] = field(default_factory=list)
    place_id: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"country": self.country, "admin1": self.admin1, "admin2": self.admin2,
                "admin3": self.admin3, "location": self.location, "location_ar": self.location_ar,
                "latitude": self.latitude, "longitude": self.longitude,
                "geo_precision": self.geo_precision}


@dataclass
class _R:
    """One mention resolved: the place, or the governorates it could be in."""

    place: Place | None = None
    precision: int | None = None
    admin1s: frozenset[str] = frozenset()
    container: Span | None = None  # the mention that placed an unknown name or anaphor
    ambiguous: bool = False
    readings: tuple[Place, ...] = ()  # of an ambiguous name: the places it may be


_CAPITALS: dict[str, Place] = {}


def _capital(gov: Place) -> Place:
    """The capital city entry of a governorate (same coordinates), for its English name."""
    if not _CAPITALS:
        gaz = get_gazetteer()
        points = {(p.lat, p.lon): p for p in gaz.places if p.kind in ("city", "town")}
        for p in gaz.places:
            if p.kind == "governorate" and p.admin1:
                _CAPITALS[p.admin1] = points.get((p.lat, p.lon), p)
    return _CAPITALS.get(gov.admin1 or "", gov)


class _Resolver:
    def __init__(self, doc: Doc, mentions: list[Span]) -> None:
        self.doc = doc
        self.layer: list[Span] = doc.get("places")
        self.mentions = mentions
        self.memo: dict[int, _R] = {}
        self.local_votes = self._votes(mentions)
        self.doc_votes = self._votes(self.layer)
        # the countries named as such ("في اليمن", "جنوب سوريا") first, then every place's country
        self.country_votes = (self._country_votes(mentions, True), self._country_votes(self.layer, True),
                              self._country_votes(mentions), self._country_votes(self.layer))

    def named_abroad(self) -> str | None:
        """The one country other than Syria named as the scene around the incident (its own
        mentions first, then the article's), if Syria is not named there as well."""
        for votes in self.country_votes[:2]:
            if not votes:
                continue
            top = max(votes.values())
            best = [k for k, v in votes.items() if v == top]
            if len(best) == 1 and best[0] != "Syria" and not votes.get("Syria"):
                return best[0]
            return None
        return None

    @staticmethod
    def _country_votes(spans: list[Span], named: bool = False) -> dict[str, int]:
        """Mentions by country, of the spans that can only be in one. `named`: only countries
        named as the scene, not as an origin, a destination or a dateline ("من لبنان")."""
        votes: dict[str, int] = {}
        for s in spans:
            cands = s.get("candidates") or []
            if named and (not cands or any(c.kind != "country" for c in cands) or _penalised(s)):
                continue
            cs = {c.country for c in cands}
            if len(cs) == 1:
                k = cs.pop()
                votes[k] = votes.get(k, 0) + 1
        return votes

    @staticmethod
    def _votes(spans: list[Span]) -> dict[str, int]:
        votes: dict[str, int] = {}
        for s in spans:
            a1 = {c.admin1 for c in s.get("candidates") or [] if c.admin1}
            if len(a1) == 1:
                a = a1.pop()
                votes[a] = votes.get(a, 0) + 1
        return votes

    def span_at(self, idx: int | None) -> Span | None:
        if idx is None or not (0 <= idx < len(self.layer)):
            return None
        return self.layer[idx]

    def resolve(self, m: Span, depth: int = 0) -> _R:
        idx = m.get("index")
        if idx is not None and idx in self.memo:
            return self.memo[idx]
        r = self._resolve(m, depth)
        if idx is not None:
            self.memo[idx] = r
        return r

    def _resolve(self, m: Span, depth: int) -> _R:
        if m.get("anaphor") and depth < 6:
            abroad = self._abroad_referent(m, depth)
            if abroad is not None:
                return abroad
        cands: list[Place] = list(m.get("candidates") or [])
        parent = self.span_at(m.get("parent_ref")) if depth < 6 else None
        pr = self.resolve(parent, depth + 1) if parent is not None else None
        if m.get("unknown") or (m.get("anaphor") and not cands):
            # a name the gazetteer lacks: placed at its container, if any
            c = parent
            while c is not None and pr is not None and pr.place is None and depth < 6:
                c = self.span_at(c.get("parent_ref"))
                pr = self.resolve(c, depth + 1) if c is not None else None
            if pr is not None and pr.place is not None:
                p = pr.place
                if p.is_foreign:  # "منطقة الأهواز جنوب غربي إيران": abroad, as precise as known
                    return _R(p, 2 if p.kind != "country" else None, container=c)
                if p.kind != "country":
                    named = self._qualified(m, c, p)
                    if named is not None:
                        return _R(named, 1, frozenset({named.admin1} if named.admin1 else ()), container=c)
                    return _R(p, 2, frozenset({p.admin1} if p.admin1 else ()), container=c)
            return _R()
        if not cands:
            return _R()
        # 1. the container decides the country and the governorate
        if pr is not None and pr.place is not None:
            p = pr.place
            if p.kind == "country" or p.is_foreign:
                same = [c for c in cands if c.country == p.country]
                if not same and p.is_foreign and any(c.kind in _MINOR for c in cands):
                    # "خلال المسيرات السلمية في مدينة غزة": a small Syrian namesake inside a place
                    # abroad is a place there the gazetteer lacks, not the Syrian one
                    return _R(p, 2 if p.kind != "country" else None, container=parent)
            else:
                same = [c for c in cands if c.admin1 == p.admin1]
            cands = same or cands
        elif pr is not None and pr.admin1s:
            cands = [c for c in cands if c.admin1 in pr.admin1s] or cands
        countries = {c.country for c in cands}
        if len(countries) > 1:
            # a Syrian name that is also a foreign one: the countries named around it decide
            for votes in self.country_votes:
                scored = {k: votes.get(k, 0) for k in countries}
                top = max(scored.values())
                if top and sum(1 for v in scored.values() if v == top) == 1:
                    cands = [c for c in cands if scored[c.country] == top]
                    break
            else:
                return _R(ambiguous=True)
        # 2. the governorates the incident, then the article, names
        if len({c.admin1 for c in cands}) > 1:
            for votes in (self.local_votes, self.doc_votes):
                own = {c.admin1 for c in cands}
                scored = {a: votes.get(a, 0) for a in own if a}
                top = max(scored.values(), default=0)
                if top and sum(1 for v in scored.values() if v == top) == 1:
                    cands = [c for c in cands if scored.get(c.admin1 or "", -1) == top]
                    break
            else:
                cands = self._by_actors(cands) or self._nearest(m, cands)
        # 3. the kind the head word asks for
        hk = m.get("head_kind")
        pref = _PREF.get(_HEAD_PREF.get(hk, hk), _PREF[None])
        if m.get("anaphor") == "governorate":
            pref = (frozenset({"governorate"}),)

        def order(c: Place) -> int:
            cls = _CLASS.get(c.kind, "settlement")
            return next((k for k, group in enumerate(pref) if cls in group), len(pref))

        best = min(order(c) for c in cands)
        cands = [c for c in cands if order(c) == best]
        # 4. still in several governorates: population decides only when it is decisive
        a1s = {c.admin1 for c in cands}
        if len(a1s) > 1:
            by_a1: dict[str | None, int] = {}
            for c in cands:
                by_a1[c.admin1] = max(by_a1.get(c.admin1, 0), c.rank)
            ranks = sorted(by_a1.values(), reverse=True)
            if ranks[0] >= DECISIVE_MIN and ranks[0] >= DECISIVE_RATIO * ranks[1]:
                top = max(by_a1, key=lambda a: by_a1[a])
                cands = [c for c in cands if c.admin1 == top]
            else:
                return _R(admin1s=frozenset(a for a in a1s if a), ambiguous=True, readings=tuple(cands))
        # 5. namesakes in one governorate (two villages called الحميدية): the one beside the other
        # places named, a decisive population, else no village at all (the common container)
        if len(cands) > 1 and _apart(cands):
            sized = [c for c in cands if c.kind in _HEAD_SIZES.get(hk or "", ())]
            cands = sized or cands  # "بلدة الراعي": the town, not a village of that name
        if len(cands) > 1 and _apart(cands):
            near = self._nearest_reading(m, cands)
            if near is not None:
                cands = [near]
            else:
                ranks = sorted((c.rank for c in cands), reverse=True)
                if not (ranks[0] >= DECISIVE_MIN and ranks[0] >= DECISIVE_RATIO * ranks[1]):
                    shared = _shared_place(tuple(cands))
                    if shared is not None:
                        return _R(shared[0], shared[1], frozenset({shared[0].admin1}))
                    return _R(admin1s=frozenset(a for a in a1s if a), ambiguous=True, readings=tuple(cands))
        place = max(cands, key=lambda c: c.rank)
        return _R(place, self._precision(m, place), frozenset({place.admin1} if place.admin1 else ()),
                  container=self.span_at(m.get("antecedent")))

    @staticmethod
    def _qualified(m: Span, c: Span | None, p: Place) -> Place | None:
        """"بلدة تل السمن شمال الرقة": a village the gazetteer knows only with a qualifier the
        press dropped ("تل سمن مسك"), the one such village inside the container. Only names of
        two words or more under a settlement head: a single word extended is another village."""
        key = place_key(m.get("name") or "")
        if m.get("head_kind") not in _SETTLEMENT_HEADS or key.count(" ") < 1:
            return None
        found = [q for q in get_gazetteer().extensions(key)
                 if q.kind in _MINOR and not q.is_foreign
                 and contains([p], [q], bool(c is not None and c.get("direction")))]
        return found[0] if len(found) == 1 else None

    def _abroad_referent(self, m: Span, depth: int) -> _R | None:
        """An anaphor ("المحافظة", "المدينة") whose referent is abroad is abroad too.

        The recogniser points المحافظة only at Syrian governorates (else at the governorate of the
        last reading with a single Syrian one), so "شرق مدينة الحديدة ... جنوب المحافظة" in a report
        from Yemen would fall back to Homs, where a Syrian Hadidah lies. The referent is the place
        the anaphor stands for as resolved here: a governorate or region abroad named after the
        antecedent ("محافظة صعدة", "الأنبار"), else the antecedent itself."""
        idx, ante = m.get("index"), m.get("antecedent")
        if idx is None:
            return None
        kind = m.get("anaphor")
        ref = self.span_at(ante)
        if kind == "governorate":
            for j in range(idx - 1, ante if ante is not None else -1, -1):
                s = self.layer[j]
                cands = s.get("candidates") or []
                if s.get("anaphor") or s.get("dateline") or s.get("prep") in ORIGIN or not cands \
                        or any(not c.is_foreign for c in cands):
                    continue
                if s.get("head_kind") == "governorate" or any(c.kind == "region" for c in cands):
                    ref = s
                    break
        if ref is None:
            return None
        r = self.resolve(ref, depth + 1)
        if r.place is None or not r.place.is_foreign or r.place.kind == "country":
            return None
        prec = 2 if m.get("direction") else (3 if kind == "governorate" else 1)
        return _R(r.place, prec, container=ref)

    def _actor_areas(self, local: bool) -> set[str]:
        """Governorates where the actors named around the incident (its sentences; else the
        article's) operate (actor_areas.tsv): the SDF in the north-east, Druze factions in Sweida."""
        layer = self.doc.get("actors") if "actors" in self.doc.layers else []
        if local:
            sents = {m.get("sentence") for m in self.mentions}
            bounds = [(s.start, s.end) for i, s in enumerate(self.doc.sentences) if i in sents]
            layer = [a for a in layer if any(b0 <= a.start < b1 for b0, b1 in bounds)]
        areas = actor_areas()
        out: set[str] = set()
        for a in layer:
            out |= areas.get(a.get("key") or "", frozenset())
        return out

    def _by_actors(self, cands: list[Place]) -> list[Place]:
        """"اشتباكات بين قسد ومسلحين في قرية X": of X's readings in several governorates, the one
        in the only governorate where the actors named operate."""
        own = {c.admin1 for c in cands if c.admin1}
        for local in (True, False):
            hit = own & self._actor_areas(local)
            if len(hit) == 1:
                a1 = hit.pop()
                return [c for c in cands if c.admin1 == a1]
            if hit:
                return []
        return []

    def _anchors(self, spans: list[Span], but: Span) -> list[tuple[float, float]]:
        """Points of the places named without doubt (one governorate, a position)."""
        out = []
        for s in spans:
            if s is but or s.get("dateline"):
                continue
            cs = [c for c in s.get("candidates") or [] if c.lat is not None and not c.is_foreign]
            if cs and len({c.admin1 for c in cs}) == 1:
                best = max(cs, key=lambda c: c.rank)
                out.append((best.lat, best.lon))
        return out

    def _nearest(self, m: Span, cands: list[Place]) -> list[Place]:
        """"دوما، آخر جيب للمعارضة قرب دمشق": of a name found in several governorates, the reading
        beside the other places named (the incident's, then the article's) when it is decisively
        nearer; otherwise all readings stay (and the name says only what they share)."""
        near = self._decisively_nearest(m, cands, lambda c: c.admin1)
        return cands if near is None else [c for c in cands if c.admin1 == near]

    def _nearest_reading(self, m: Span, cands: list[Place]) -> Place | None:
        """Of namesakes in one governorate, the one decisively nearest the other places named."""
        near = self._decisively_nearest(m, cands, id)
        return next((c for c in cands if id(c) == near), None)

    def _decisively_nearest(self, m: Span, cands: list[Place], group: Any) -> Any:
        """The group (of `group(reading)`) whose nearest reading lies within NEAR_KM of the places
        named without doubt (the incident's, else the article's) and NEAR_RATIO times nearer than
        the next group's; None when no group is that clearly the one."""
        for spans in (self.mentions, self.layer):
            pts = self._anchors(spans, m)
            if not pts:
                continue
            best: dict[Any, float] = {}
            for c in cands:
                if c.lat is not None:
                    d = min(km(c.lat, c.lon, la, lo) for la, lo in pts)
                    best[group(c)] = min(best.get(group(c), d), d)
            if len(best) < 2:
                return None
            (k1, d1), (_k2, d2) = sorted(best.items(), key=lambda kv: kv[1])[:2]
            return k1 if d1 <= NEAR_KM and d2 >= NEAR_RATIO * max(d1, 1.0) else None
        return None

    @staticmethod
    def _precision(m: Span, p: Place) -> int | None:
        if p.kind == "country":
            return None
        if p.is_foreign:
            return 3 if p.kind in ("region",) else 1
        beside = m.get("direction") or m.get("head_kind") in _BESIDE
        if p.kind in ("governorate", "district"):
            return 2 if (beside and p.kind == "governorate") or m.get("anaphor") and beside else 3
        if beside or _CLASS.get(p.kind) == "area" or p.kind == "subdistrict":
            return 2
        return 1


def _specificity(m: Span, r: _R) -> int:
    if m.get("unknown"):
        return 4
    p = r.place
    if p is None:
        return 0
    if m.get("direction"):
        return 1  # "شرق إدلب" says less than a region or town named outright
    return {"neighbourhood": 5, "camp": 5, "prison": 5, "airport": 5, "base": 5, "crossing": 5,
            "landmark": 5, "village": 5, "town": 4, "city": 3, "region": 2, "mountain": 2,
            "subdistrict": 2, "district": 1}.get(p.kind, 0)


def _result(m: Span, r: _R) -> GeoResult:
    p = r.place
    assert p is not None
    ev = [m] + ([r.container] if r.container is not None and r.container is not m else [])
    surface = m.get("name_text") or m.get("name")
    if p.is_foreign:
        location = p.name_en if p.kind != "country" else None
        if m.get("unknown"):
            location = f"{romanize(m.get('name') or '')} ({p.name_en})"
        elif m.get("anaphor") and r.container is not None:  # "جنوب المحافظة": the place it stands for
            surface = r.container.get("name_text") or r.container.get("name")
        return GeoResult(country=p.country, location=location, location_ar=surface,
                         latitude=p.lat, longitude=p.lon, geo_precision=r.precision, evidence=ev,
                         place_id=p.id)
    loc_place = _capital(p) if p.kind == "governorate" else p
    admin2 = p.admin2 if p.kind != "governorate" else None
    admin3 = p.admin3 if p.kind not in ("governorate", "district") else None
    location = loc_place.name_en
    location_ar = surface
    if m.get("unknown") and r.precision != 1:  # (a qualified name found is the place itself)
        c = r.container
        where = location + (" countryside" if c is not None and c.get("direction") == "countryside" else "")
        location = f"{romanize(m.get('name') or '')} ({where})"
    elif m.get("anaphor"):
        a = r.container
        location_ar = (a.get("name_text") or a.get("name")) if a is not None else surface
    admin1 = p.admin1
    if m.get("direction") in _AROUND and p.kind in ("city", "governorate") and p.admin1 in surroundings():
        # "قرب العاصمة دمشق", "ضواحي دمشق", "خارج العاصمة": around the city, in the governorate around it
        admin1, admin2, admin3 = surroundings()[p.admin1], None, None
    return GeoResult(admin1=admin1, admin2=admin2, admin3=admin3, location=location,
                     location_ar=location_ar, latitude=loc_place.lat, longitude=loc_place.lon,
                     geo_precision=r.precision, evidence=ev, place_id=loc_place.id)


def _apart(cands: list[Place]) -> bool:
    """Are these readings different places (not one place listed by two sources)?"""
    pts = [(c.lat, c.lon) for c in cands if c.lat is not None]
    return any(km(*a, *b) > SAME_PLACE_KM for i, a in enumerate(pts) for b in pts[i + 1:])


def _common_container(readings: tuple[Place, ...]) -> tuple[Place, int] | None:
    """The smallest place holding every reading of an ambiguous name, below a governorate: its
    subdistrict (geo_precision 2) or its district (3). Never one of the readings picked at random."""
    syrian = [c for c in readings if not c.is_foreign and c.admin1]
    if len(syrian) < 2 or len(syrian) != len(readings):
        return None
    for kind, prec, depth in (("subdistrict", 2, 3), ("district", 3, 2)):
        keys = {(c.admin1, c.admin2, c.admin3)[:depth] for c in syrian}
        if len(keys) == 1 and None not in (key := keys.pop()):
            place = get_gazetteer().admin_place(kind, *key)
            if place is not None:
                return place, prec
    return None


def _shared_place(readings: tuple[Place, ...]) -> tuple[Place, int] | None:
    """Where namesakes of one governorate that nothing tells apart lie together: their
    subdistrict (geo_precision 2), else the point between them when they are near each other
    (two villages called حيالين in Hama, 38 km apart; 2), else their district (3). Never one
    reading picked at random; None when nothing below the governorate holds them."""
    common = _common_container(readings)
    if common is not None and common[1] == 2:
        return common  # one subdistrict
    pts = [(c.lat, c.lon) for c in readings if c.lat is not None and not c.is_foreign]
    if len(pts) != len(readings) or len({c.admin1 for c in readings}) != 1:
        return common
    spread = max(km(*a, *b) for i, a in enumerate(pts) for b in pts[i + 1:])
    if spread > MIDDLE_MAX_KM:
        return common  # one district far apart (3), or nothing below the governorate
    first = readings[0]
    lat, lon = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    admin2 = first.admin2 if len({c.admin2 for c in readings}) == 1 else None
    mid = Place(f"between:{'+'.join(c.id for c in readings)}", f"{first.name_en} ({len(readings)} places)",
                first.name_ar, kind="region", admin1=first.admin1, admin2=admin2, lat=round(lat, 5),
                lon=round(lon, 5), source="the point between namesakes")
    return mid, 2


def _penalised(m: Span) -> bool:
    """A mention that does not say where the act was: origin or destination, dateline, description,
    a person's home town or a place in an institution's name."""
    return m.get("prep") in ORIGIN or bool(m.get("dateline")) or m.get("describes") is not None \
        or m.get("role") is not None


def _bare(m: Span) -> bool:
    """A name standing alone: no head word, direction, preposition, container or list around it."""
    return not (m.get("head_kind") or m.get("direction") or m.get("prep") or m.get("anaphor")
                or m.get("unknown") or m.get("parent_ref") is not None)


def _abroad(mentions: list[Span], foreign: list[tuple[Span, _R]]) -> GeoResult | None:
    """The place abroad among `foreign` (a town or region before a bare country), unless only a
    country is named beside "في سوريا" (a foreign state named where Syria is the scene)."""
    if not foreign:
        return None
    m, r = min(foreign, key=lambda t: (t[1].place.kind == "country" if t[1].place else True))
    in_syria = any(c.kind == "country" and not c.is_foreign and mm.get("prep") not in ORIGIN
                   for mm in mentions for c in mm.get("candidates") or [])
    if r.place and r.place.kind == "country" and in_syria:
        return None
    return _result(m, r)


def resolve(doc: Doc, mentions: list[Span]) -> GeoResult | None:
    """The location of ONE incident from the place spans of its sentences (in text order)."""
    mentions = [m for m in mentions if m.get("role") != "government"]  # a government speaking is nowhere
    if not mentions:
        return None
    res = _Resolver(doc, mentions)
    scored = []
    ambiguous: list[tuple[Span, _R]] = []
    foreign: list[tuple[Span, _R]] = []
    results = [res.resolve(m) for m in mentions]
    # a place that only contains a name the gazetteer lacks is not where the incident was
    covered: set[int] = set()
    for m, r in zip(mentions, results, strict=True):
        if m.get("unknown") and r.place is not None:
            c = res.span_at(m.get("parent_ref"))
            while c is not None and c.get("index") not in covered:
                covered.add(c.get("index"))
                c = res.span_at(c.get("parent_ref"))
    # the container of another resolved mention ranks after it at the same precision
    containers: set[int] = set()
    for m, r in zip(mentions, results, strict=True):
        if r.place is not None and m.get("parent_ref") is not None:
            containers.add(m.get("parent_ref"))
    for pos, (m, r) in enumerate(zip(mentions, results, strict=True)):
        if m.get("index") in covered:
            continue
        if r.place is None:
            if r.ambiguous:
                ambiguous.append((m, r))
            continue
        if r.place.kind == "country" and not r.place.is_foreign:
            continue
        if r.place.is_foreign:
            foreign.append((m, r))
            continue
        prec = r.precision or 9
        scored.append(((_penalised(m), prec, m.get("index") in containers, -_specificity(m, r), pos), m, r))
    if scored:
        key, m, r = min(scored, key=lambda t: t[0])
        scene = [(fm, fr) for fm, fr in foreign if not _penalised(fm)]
        if key[0]:
            # the only Syrian places are where people came from or went, a dateline or a
            # description ("أكد ... في عدن ... من المهاجرين"): a place abroad named as the scene wins
            abroad = _abroad(mentions, scene)
            if abroad is not None:
                return abroad
        elif scene and all(_bare(sm) and sr.place.kind in _MINOR for k, sm, sr in scored if not k[0]):
            # in Syria only bare names of small places (no head word, direction or preposition:
            # often a common word, "المظاهرات السلمية", "المهاجرين"), while the countries named
            # around are another one where a town or region is named: abroad
            country = res.named_abroad()
            there = [(fm, fr) for fm, fr in scene
                     if fr.place and fr.place.country == country and fr.place.kind != "country"]
            if country and there:
                return _result(*there[0])
        return _result(m, r)
    abroad = _abroad(mentions, [(m, r) for m, r in foreign if m.get("prep") not in ORIGIN])
    if abroad is not None:
        return abroad
    if ambiguous:
        m, r = ambiguous[0]
        name = m.get("name_text") or m.get("name")
        note = f"ambiguous place name: {name} ({', '.join(sorted(r.admin1s)) or 'several countries'})"
        if len(r.admin1s) == 1:
            gov = get_gazetteer().governorate(next(iter(r.admin1s)))
            if gov is not None:
                cap = _capital(gov)
                return GeoResult(admin1=gov.admin1, location=cap.name_en, location_ar=name,
                                 latitude=cap.lat, longitude=cap.lon, geo_precision=3,
                                 evidence=[m], place_id=cap.id, note=note)
        return GeoResult(location_ar=name, evidence=[m], note=note)
    return None


def geocode(doc: Doc, mentions: list[Span] | None = None) -> GeoResult | None:
    """Convenience: resolve the document's own place layer (all of it when `mentions` is None)."""
    if "places" not in doc.layers:
        from rasd.geo.toponyms import places

        places(doc)
    return resolve(doc, doc.get("places") if mentions is None else mentions)

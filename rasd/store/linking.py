"""Linking stored mentions into events, incrementally, with the same result as linking everything.

`rasd.link.merge.link` clusters greedily over pairs scoring at least LINK_THRESHOLD, and a
merge only ever looks at the two clusters it joins. So the events of one connected component
of that "link graph" do not depend on anything outside the component: linking each component
on its own gives exactly what linking the whole corpus at once gives.

`relink` therefore starts from the unlinked mentions (event_id NULL: new articles, changed
articles, and the partners of dropped events), grows their components through the database
(a pair can only score when the report kind and country match, the governorates match or one
is unknown, and the dates are within 31 days or one is unknown, so each step loads only that
window), links each component, and replaces the components' old events in one transaction.
Re-runs and different input orders give identical events, since `link` is deterministic and
its ids derive from the member mention ids.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, insert, or_, select, text, update

from rasd.link.merge import (
    FAMILY_KINDS,
    LINK_THRESHOLD,
    TOLERANCE_DAYS,
    Key,
    cluster,
    key_of,
    key_score,
    link,
    link_family,
    merge,
)
from rasd.store.articles import chunks, release_events
from rasd.store.corrections import apply_corrections, link_constraints, regroup, touches
from rasd.store.models import Actor, Article, Event, EventActor, EventSource, Evidence, Mention, Place

WINDOW = max(31, *TOLERANCE_DAYS.values())  # no two dated mentions further apart can link (31: link's default)
_ANY = "\x00any"  # admin1 wildcard in the coverage bookkeeping

mentions_t = Mention.__table__
events_t = Event.__table__


@dataclasses.dataclass
class LinkResult:
    """What one linking pass did: events inserted (id -> number of sources) and event ids deleted."""

    inserted: dict[str, int] = dataclasses.field(default_factory=dict)
    deleted: set[str] = dataclasses.field(default_factory=set)
    mentions: int = 0


def _day(rec: dict[str, Any]) -> int | None:
    s = rec.get("event_date")
    return dt.date.fromisoformat(s).toordinal() if s else None


_SLIM = ("id", "report_kind", "country", "admin1", "event_date")  # what the closure search reads of a record


class _Pool:
    """The mentions loaded so far, indexed for "which of these could pair with that one?".

    A loaded mention is kept as its link key and the few fields the search reads, not as the whole
    record: a pass loads every mention in the date windows it touches, but only the members of the
    components it relinks are needed whole, and those are read again (`full`).
    """

    def __init__(self) -> None:
        self.recs: dict[str, dict[str, Any]] = {}  # id -> the _SLIM fields
        self.event_of: dict[str, str | None] = {}
        self.admins: dict[tuple, set[str | None]] = defaultdict(set)
        self.dated: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
        self.undated: dict[tuple, list[str]] = defaultdict(list)
        self.keys: dict[str, Key] = {}

    def key(self, rec: dict[str, Any]) -> Key:
        """The record's link key, computed once (a mention is scored against many candidates)."""
        k = self.keys.get(rec["id"])
        if k is None:
            k = self.keys[rec["id"]] = key_of(rec)
        return k

    def add(self, rec: dict[str, Any], event_id: str | None) -> bool:
        mid = rec["id"]
        if mid in self.recs:
            return False
        self.recs[mid] = {k: rec.get(k) for k in _SLIM}
        self.keys[mid] = key_of(rec)
        self.event_of[mid] = event_id
        kc = (link_family(rec["report_kind"]), rec.get("country"))
        self.admins[kc].add(rec.get("admin1"))
        key = (*kc, rec.get("admin1"))
        day = _day(rec)
        if day is None:
            self.undated[key].append(mid)
        else:
            bisect.insort(self.dated[key], (day, mid))
        return True

    def candidates(self, rec: dict[str, Any]) -> Iterator[str]:
        kc = (link_family(rec["report_kind"]), rec.get("country"))
        a = rec.get("admin1")
        admins = [a, None] if a is not None else list(self.admins[kc])
        day = _day(rec)
        for adm in admins:
            key = (*kc, adm)
            yield from self.undated.get(key, ())
            dated = self.dated.get(key, ())
            if day is None:
                yield from (mid for _, mid in dated)
            else:
                lo = bisect.bisect_left(dated, (day - WINDOW, ""))
                for d, mid in itertools.islice(dated, lo, None):
                    if d > day + WINDOW:
                        break
                    yield mid


def _subtract(intervals: list[tuple[int, int]], covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for lo, hi in intervals:
        pieces = [(lo, hi)]
        for clo, chi in covered:
            nxt = []
            for plo, phi in pieces:
                if chi < plo or clo > phi:
                    nxt.append((plo, phi))
                    continue
                if plo < clo:
                    nxt.append((plo, clo - 1))
                if phi > chi:
                    nxt.append((chi + 1, phi))
            pieces = nxt
        out.extend(pieces)
    return out


def _merge_intervals(days: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for d in sorted(set(days)):
        lo, hi = d - WINDOW, d + WINDOW
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


_FIRST_DAY, _LAST_DAY = dt.date.min.toordinal(), dt.date.max.toordinal()


def _ordinal_date(day: int) -> dt.date:
    """The date of an ordinal day, a window's edge beyond year 1 or 9999 held at that edge."""
    return dt.date.fromordinal(min(max(day, _FIRST_DAY), _LAST_DAY))


class _Loader:
    """Loads from the database every mention in the pairing window of given mentions, once."""

    def __init__(self, conn: Connection, pool: _Pool) -> None:
        self.conn = conn
        self.pool = pool
        self.covered: dict[tuple, list[tuple[int, int]]] = defaultdict(list)  # (link family, country, admin1|ANY)
        self.all_dates: set[tuple] = set()

    def load_window(self, recs: list[dict[str, Any]]) -> None:
        groups: dict[tuple, list[int | None]] = defaultdict(list)
        for r in recs:
            groups[(link_family(r["report_kind"]), r.get("country"), r.get("admin1"))].append(_day(r))
        m = mentions_t.c
        for (kind, country, admin1), days in groups.items():
            ckey = (kind, country, admin1 if admin1 is not None else _ANY)
            if ckey in self.all_dates:
                continue
            conds = [m.report_kind.in_(FAMILY_KINDS[kind]),
                     m.country.is_(None) if country is None else m.country == country]
            if admin1 is not None:
                conds.append(or_(m.admin1 == admin1, m.admin1.is_(None)))
            if None in days:  # an undated mention may pair with any date
                self.all_dates.add(ckey)
                self._fetch(and_(*conds))
                continue
            todo = _subtract(_merge_intervals(d for d in days if d is not None), self.covered[ckey])
            if not todo:
                continue
            self.covered[ckey].extend(todo)
            # undated partners come with the first window of this group only
            first = len(self.covered[ckey]) == len(todo)
            for part in chunks(todo, 50):
                ranges = [m.event_date.between(_ordinal_date(lo), _ordinal_date(hi)) for lo, hi in part]
                if first:
                    ranges.append(m.event_date.is_(None))
                    first = False
                self._fetch(and_(*conds, or_(*ranges)))

    def _fetch(self, where: Any) -> None:
        rows = self.conn.execute(select(mentions_t.c.record, mentions_t.c.event_id).where(where))
        for rec, event_id in rows:
            self.pool.add(rec, event_id)

    def load_ids(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        out = []
        for part in chunks(ids):
            for rec, event_id in self.conn.execute(select(mentions_t.c.record, mentions_t.c.event_id)
                                                   .where(mentions_t.c.id.in_(part))):
                self.pool.add(rec, event_id)
                out.append(rec)
        return out


def _full(conn: Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The whole records of these mentions."""
    out: dict[str, dict[str, Any]] = {}
    for part in chunks(sorted(ids)):
        for mid, rec in conn.execute(select(mentions_t.c.id, mentions_t.c.record).where(mentions_t.c.id.in_(part))):
            out[mid] = rec
    return out


def _linked(pool: _Pool, a: dict[str, Any], b: dict[str, Any]) -> bool:
    s = key_score(pool.key(a), pool.key(b))  # symmetric: the order link would use does not matter
    return s is not None and s >= LINK_THRESHOLD


def _closure(conn: Connection, seeds: list[dict[str, Any]], pool: _Pool) -> set[str]:
    """The ids of every mention in the link-graph components of the seeds (and of their old events)."""
    loader = _Loader(conn, pool)
    comp: set[str] = set()
    frontier: list[dict[str, Any]] = []
    for r in seeds:
        if r["id"] not in comp:
            comp.add(r["id"])
            frontier.append(r)
    while frontier:
        while frontier:
            loader.load_window(frontier)
            nxt = []
            for f in frontier:
                for cid in pool.candidates(f):
                    if cid not in comp and _linked(pool, f, pool.recs[cid]):
                        comp.add(cid)
                        nxt.append(pool.recs[cid])
            frontier = nxt
        # members of the components' old events must be relinked with them (normally none are outside)
        old = {pool.event_of[mid] for mid in comp} - {None}
        outside = []
        for part in chunks(sorted(old)):
            outside += [mid for mid in conn.execute(select(mentions_t.c.id).where(
                mentions_t.c.event_id.in_(part))).scalars() if mid not in comp]
        for r in loader.load_ids(outside):
            if r["id"] not in comp:
                comp.add(r["id"])
                frontier.append(r)
    return comp


def _components(comp: set[str], pool: _Pool, full: dict[str, dict[str, Any]]) -> list[list[dict[str, Any]]]:
    parent = {mid: mid for mid in comp}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for mid in sorted(comp):
        rec = pool.recs[mid]
        for cid in pool.candidates(rec):
            if cid > mid and cid in comp and find(cid) != find(mid) and _linked(pool, rec, pool.recs[cid]):
                parent[find(cid)] = find(mid)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for mid in sorted(comp):
        groups[find(mid)].append(full[mid])
    return list(groups.values())


def _group_id(ids: Iterable[str]) -> str:
    """The id `merge` gives a group of mentions (rasd.link.merge)."""
    return "rasd-" + hashlib.sha1("|".join(sorted(ids)).encode()).hexdigest()[:12]


def _members(event: dict[str, Any], group: list[dict[str, Any]], taken: set[str]) -> list[dict[str, Any]]:
    """Which mentions of `group` `link` merged into `event` (one per source article)."""
    free = [m for m in group if m["id"] not in taken]
    if len(event["sources"]) == 1:
        same = [m for m in free if m["id"] == event["id"]]
        if same:
            return same
    per_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
    wanted = {s["article_id"] for s in event["sources"]}
    for m in free:
        aid = m["sources"][0]["article_id"]
        if aid in wanted:
            per_article[aid].append(m)
    options = [per_article[a] for a in sorted(wanted) if per_article[a]]
    if all(len(o) == 1 for o in options):
        return [o[0] for o in options]
    if _prod(len(o) for o in options) <= 4096:
        for combo in itertools.product(*options):
            if _group_id(m["id"] for m in combo) == event["id"]:
                return list(combo)
    # fall back on the evidence: merge concatenates its members' evidence
    ev = {(e["field"], e["article_id"], e["start"], e["end"]) for e in event.get("evidence") or []}
    out = []
    for o in options:
        fit = [m for m in o if all((e["field"], e["article_id"], e["start"], e["end"]) in ev
                                   for e in m.get("evidence") or [])]
        out.append((fit or o)[0])
    return out


def _prod(xs: Iterable[int]) -> int:
    p = 1
    for x in xs:
        p *= x
    return p


def _date(s: str | None) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def search_text(*parts: str | None) -> str:
    """The view `rasd events --text` matches on: Arabic folded (rasd.arabic.normalize.fold_key), lower case."""
    from rasd.arabic.normalize import fold_key

    return fold_key(" ".join(x for x in parts if x)).lower()


def event_search_text(e: dict[str, Any]) -> str:
    """What a search for an event reads, in both languages: its notes, its place as the article wrote it
    and as the gazetteer names it in English and Arabic with its district and governorate ("حلب" finds
    what "Aleppo" finds), its actors' names (English and Arabic) and its outlets."""
    names = _arabic_names()
    admins = [e.get("admin1"), e.get("admin2"), e.get("admin3")]
    arabic = [names["admin"].get((e.get("admin1"), None)), names["admin"].get((e.get("admin1"), e.get("admin2")))]
    actors = [x for a in e.get("actors") or [] for x in (a.get("name"), names["actor"].get(a.get("key")))]
    outlets = [s.get("outlet") for s in e.get("sources") or []]
    return search_text(e.get("notes"), e.get("location"), e.get("location_ar"), *admins, *arabic, *actors,
                       *dict.fromkeys(o for o in outlets if o))


@lru_cache(maxsize=1)
def _arabic_names() -> dict[str, dict[Any, str]]:
    """Arabic names of governorates and districts (the gazetteer) and of actors (the registry's first)."""
    from rasd.extract.actors import registry
    from rasd.geo.gazetteer import get_gazetteer

    gaz = get_gazetteer()
    admin: dict[Any, str] = {}
    for p in gaz.places:
        if p.kind == "governorate" and not p.is_foreign:
            admin[(p.admin1, None)] = p.name_ar
        elif p.kind == "district" and not p.is_foreign:
            admin.setdefault((p.admin1, p.admin2), p.name_ar)
    return {"admin": admin, "actor": registry().arabic_names}


_EVENT_COLUMNS = ("report_kind", "time_precision", "disorder_type", "event_type", "sub_event_type", "country",
                  "admin1", "admin2", "admin3", "location", "location_ar", "latitude", "longitude",
                  "geo_precision", "fatalities", "injured", "arrested", "confidence", "notes")
_FIGURES = ("fatalities", "killed", "injured", "arrested", "seized")


class _Places:
    """Gazetteer entries by (location, admin1, lat, lon): the place an event record points to."""

    def __init__(self) -> None:
        self.memo: dict[tuple, Any] = {}

    def find(self, e: dict[str, Any]) -> Any:
        key = (e.get("location"), e.get("admin1"), e.get("latitude"), e.get("longitude"))
        if key[0] is None or key[2] is None or key[3] is None:
            return None
        if key not in self.memo:
            from rasd.geo.gazetteer import get_gazetteer, latin_key

            gaz = get_gazetteer()
            hit = None
            for i in gaz.latin.get(latin_key(key[0]), []):
                p = gaz.places[i]
                if p.lat is not None and p.lon is not None and abs(p.lat - key[2]) < 1e-5 \
                        and abs(p.lon - key[3]) < 1e-5 and (key[1] is None or p.admin1 == key[1]):
                    hit = p
                    break
            self.memo[key] = hit
        return self.memo[key]


_places = _Places()


def _write_events(conn: Connection, events: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
    """Insert events with their sources, evidence, actors and places, and point their mentions at them."""
    art_ids = sorted({m["sources"][0]["article_id"] for _, ms in events for m in ms})
    dup_of: dict[str, str | None] = {}
    at = Article.__table__
    for part in chunks(art_ids):
        dup_of.update(conn.execute(select(at.c.id, at.c.duplicate_of).where(at.c.id.in_(part))).all())
    from rasd.export import acled_line, csv_line, geo_columns, lines_stamp
    from rasd.store.db import json_text

    stamp = lines_stamp()
    sqlite = conn.dialect.name == "sqlite"  # where the database makes the GeoJSON Features (migration 0016)
    ev_rows, src_rows, evid_rows, actor_rows, mention_rows = [], [], [], [], []
    places: dict[str, dict[str, Any]] = {}
    actors: dict[str, dict[str, Any]] = {}
    for e, members in events:
        row = {c: e.get(c) for c in _EVENT_COLUMNS}
        place = _places.find(e)
        if place is not None:
            places[place.id] = {"id": place.id, "name_en": place.name_en, "admin1": place.admin1,
                                "lat": place.lat, "lon": place.lon}
        row.update(id=e["id"], event_date=_date(e.get("event_date")), date_end=_date(e.get("date_end")),
                   search=event_search_text(e),
                   place_id=place.id if place is not None else None,
                   n_sources=len(e["sources"]), record=e,
                   csv_line=csv_line(e), acled_line=acled_line(e), lines_stamp=stamp,
                   **geo_columns(json_text(e) if sqlite else None))
        ev_rows.append(row)
        for m in members:
            aid = m["sources"][0]["article_id"]
            figures = {f: m.get(f) for f in _FIGURES}
            if dup_of.get(aid):
                figures["duplicate_of"] = dup_of[aid]
            src_rows.append({"event_id": e["id"], "article_id": aid, "mention_id": m["id"], "figures": figures})
            mention_rows.append({"mid": m["id"], "eid": e["id"]})
        for ev in e.get("evidence") or []:
            evid_rows.append({"event_id": e["id"], "article_id": ev["article_id"], "field": ev["field"],
                              "start": ev["start"], "end": ev["end"], "text": ev["text"]})
        seen = set()
        for a in e.get("actors") or []:
            if (a["key"], a["side"]) in seen:
                continue
            seen.add((a["key"], a["side"]))
            actors.setdefault(a["key"], a)
            actor_rows.append({"event_id": e["id"], "key": a["key"], "side": a["side"], "role": a.get("role")})
    _ensure(conn, Place.__table__, "id", places)
    _ensure(conn, Actor.__table__, "key", {k: _actor_row(a) for k, a in actors.items()})
    for table, rows in ((events_t, ev_rows), (EventSource.__table__, src_rows), (Evidence.__table__, evid_rows),
                        (EventActor.__table__, actor_rows)):
        for part in chunks(rows, 1000):
            conn.execute(insert(table), part)
    stmt = update(mentions_t).where(mentions_t.c.id == bindparam("mid")).values(event_id=bindparam("eid"))
    for part in chunks(mention_rows, 1000):
        conn.execute(stmt, part)


def _actor_row(a: dict[str, Any]) -> dict[str, Any]:
    from rasd.extract.actors import registry

    entry = registry().entries.get(a["key"])
    if entry is not None:
        return {"key": entry.key, "name": entry.name, "inter": entry.inter}
    return {"key": a["key"], "name": a.get("name") or a["key"], "inter": None}


def _ensure(conn: Connection, table: Any, key: str, rows: dict[str, dict[str, Any]]) -> None:
    """Insert the rows whose key is not in the table yet."""
    if not rows:
        return
    have: set[str] = set()
    for part in chunks(sorted(rows)):
        have.update(conn.execute(select(table.c[key]).where(table.c[key].in_(part))).scalars())
    missing = [rows[k] for k in sorted(rows) if k not in have]
    if missing:
        conn.execute(insert(table), missing)


def sync_actors(conn: Connection) -> None:
    """Copy the actor registry into the actors table (new keys added, names and inter codes refreshed)."""
    from rasd.extract.actors import registry

    at = Actor.__table__
    have = {key: (name, inter) for key, name, inter in conn.execute(select(at.c.key, at.c.name, at.c.inter))}
    rows = [{"key": e.key, "name": e.name, "inter": e.inter} for e in registry().entries.values()]
    new = [r for r in rows if r["key"] not in have]
    if new:
        conn.execute(insert(at), new)
    changed = [{"k": r["key"], "n": r["name"], "i": r["inter"]} for r in rows
               if r["key"] in have and have[r["key"]] != (r["name"], r["inter"])]
    if changed:
        conn.execute(update(at).where(at.c.key == bindparam("k")).values(name=bindparam("n"), inter=bindparam("i")),
                     changed)


def _lock(conn: Connection) -> None:
    """One linking pass at a time: two processes relinking the same mentions would collide on event ids."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock before reading (WAL readers go on)
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


_LOCK_KEY = 0x7261_7364  # "rasd"


def relink(engine: Engine, before: Callable[[Connection], None] | None = None) -> LinkResult:
    """Link every unlinked mention (and whatever its events may now include), in one transaction.

    `before` runs first in the same transaction, under the linking lock: an analyst's edit
    (rasd.store.corrections) records itself and releases its events there, so the edit and the
    rebuilt events are committed together.
    """
    res = LinkResult()
    with engine.begin() as conn:
        _lock(conn)
        if before is not None:
            before(conn)
        pool = _Pool()
        seeds = []
        rows = conn.execute(select(mentions_t.c.record, mentions_t.c.event_id).where(mentions_t.c.event_id.is_(None)))
        for rec, event_id in rows:
            pool.add(rec, event_id)
            seeds.append(rec)
        if not seeds:
            return res
        comp = _closure(conn, seeds, pool)
        res.mentions = len(comp)
        old = {pool.event_of[mid] for mid in comp} - {None}
        out: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        # analysts' merges and splits (must-link / cannot-link pairs), then their corrections
        full = _full(conn, comp)
        constraints = link_constraints(conn, full)
        for group in regroup(_components(comp, pool, full), constraints):
            if touches(group, constraints):
                out.extend((merge(g), g) for g in cluster(group, constraints))
                continue
            taken: set[str] = set()
            for e in link(group):
                members = _members(e, group, taken)
                taken.update(m["id"] for m in members)
                out.append((e, members))
        release_events(conn, old)
        sync_actors(conn)
        apply_corrections(conn, out)
        _write_events(conn, out)
        res.deleted = old
        res.inserted = {e["id"]: len(e["sources"]) for e, _ in out}
    return res


def relink_all(engine: Engine) -> LinkResult:
    """Drop every event and link all mentions again (after the linking rules changed).

    The events are dropped inside the linking transaction: an interruption (a kill, a full disk)
    leaves every old event in place, never a database without events.
    """
    ids: list[str] = []

    def drop(conn: Connection) -> None:
        ids.extend(conn.execute(select(events_t.c.id)).scalars().all())
        release_events(conn, ids)

    res = relink(engine, before=drop)
    res.deleted |= set(ids)
    return res

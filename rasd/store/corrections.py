"""Analysts' edits of events (field corrections, merges, splits) that survive re-extraction and relinking.

Events are derived data: linking rebuilds them from the mentions whenever an article changes or
`rasd db relink --all` runs, and their ids follow their members. So an edit is not hung on an event
id but anchored on the mentions the event had when the edit was made (`edit_mentions`: mention id,
article id, and a fingerprint of the mention). Linking (`rasd.store.linking.relink`) calls two hooks:

- `link_constraints`: merges and splits become must-link / cannot-link pairs of current mention ids,
  which `rasd.link.merge.cluster` respects (a merge: every pair of the two events' mentions must
  link; a split: no mention split off may link with one that stayed, the split-off ones must link).
  Where two edits disagree on a pair, the later one wins.
- `apply_corrections`: before the rebuilt events are written, each correction goes to the event
  that now holds most of its anchor, and its value replaces the linked one (in the order the
  corrections were made; notes are rewritten from the corrected fields unless notes were
  corrected). `edits.event_id` follows, so an event's history is one indexed query.

The stored event therefore always carries its corrections: filters, exports and `rasd events` see
the corrected values, and nothing is applied at read time. An anchor mention that no longer exists
(its article was re-extracted and the incident moved in the text, which changes the mention id) is
found again among the current mentions of the same article by its fingerprint: report kind, type,
sub-event type, date, governorate and place, of which at least three must agree.

The writes themselves (`correct_event`, `merge_events`, `split_event`) record the edit and release
the events concerned inside one linking transaction (`relink(engine, before=...)`): the edit and the
rebuilt events appear together or not at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from rasd.link.merge import Constraints
from rasd.store.articles import chunks, release_events
from rasd.store.models import Edit, EditMention, Event, Mention

edits_t = Edit.__table__
refs_t = EditMention.__table__
mentions_t = Mention.__table__
events_t = Event.__table__

FINGERPRINT = ("report_kind", "event_type", "sub_event_type", "event_date", "admin1", "location")
MIN_AGREE = 3
PRIMARY_ROLES = {"correction": {"anchor"}, "merge": {"a", "b"}, "split": {"s"}, "confirm": {"anchor"}}

ADMIN1 = ("Aleppo", "Al Hasakeh", "Ar Raqqa", "As Sweida", "Damascus", "Dar'a", "Deir ez Zor", "Hama", "Homs",
          "Idleb", "Lattakia", "Quneitra", "Rural Damascus", "Tartous")
SUB_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": ("Air/drone strike", "Shelling/artillery/missile attack",
                                   "Remote explosive/landmine/IED", "Suicide bomb", "Grenade", "Chemical weapon"),
    "Violence against civilians": ("Attack", "Abduction/forced disappearance", "Sexual violence"),
    "Strategic developments": ("Arrests", "Disrupted weapons use", "Looting/property destruction", "Agreement",
                               "Change to group/activity", "Headquarters or base established",
                               "Non-violent transfer of territory", "Other"),
    "Protests": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
}
DISORDER = {"Battles": "Political violence", "Explosions/Remote violence": "Political violence",
            "Violence against civilians": "Political violence", "Strategic developments": "Strategic developments",
            "Protests": "Demonstrations", "Riots": "Demonstrations"}
SEIZED = ("ied", "explosive_belt", "suicide_vest", "explosives", "firearms", "ammunition", "rockets", "grenades",
          "uniforms", "vehicles", "drones", "documents", "cash")
CORRECTABLE = ("report_kind", "event_date", "date_end", "time_precision", "disorder_type", "event_type",
               "sub_event_type", "actors", "country", "admin1", "admin2", "admin3", "location", "location_ar",
               "latitude", "longitude", "geo_precision", "fatalities", "killed", "injured", "arrested", "seized",
               "notes", "confidence")


class EditError(Exception):
    """An edit that cannot be made; `status` is the HTTP status the API answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- validating a correction ---------------------------------------------------------------------

def _int_or_none(field: str, v: Any, lo: int = 0, hi: int | None = None) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or (hi is not None and v > hi):
        raise EditError(422, f"{field} must be an integer {lo}..{hi if hi is not None else ''} or null")
    return v


def _str_or_none(field: str, v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise EditError(422, f"{field} must be a string or null")
    return v.strip() or None


def _date_or_none(field: str, v: Any) -> str | None:
    if v is None:
        return None
    try:
        return dt.date.fromisoformat(str(v)).isoformat()
    except ValueError:
        raise EditError(422, f"{field} must be a date YYYY-MM-DD or null") from None


def _float_or_none(field: str, v: Any, lo: float, hi: float) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
        raise EditError(422, f"{field} must be a number {lo}..{hi} or null")
    return float(v)


def _actors(v: Any) -> list[dict[str, Any]]:
    if not isinstance(v, list):
        raise EditError(422, "actors must be a list of {key, side, role, name}")
    from rasd.extract.actors import registry

    reg = registry().entries
    out = []
    for a in v:
        if not isinstance(a, dict) or not isinstance(a.get("key"), str) or a.get("side") not in (1, 2):
            raise EditError(422, "each actor needs a key and a side (1 or 2)")
        entry = reg.get(a["key"])
        name = a.get("name") or (entry.name if entry is not None else None)
        if not name:
            raise EditError(422, f"actor {a['key']!r} is not in the registry: give its name")
        role = a.get("role") or "primary"
        if role not in ("primary", "associated"):
            raise EditError(422, "an actor's role is primary or associated")
        out.append({"key": a["key"], "name": name, "side": a["side"], "role": role})
    return out


def _killed(v: Any) -> dict[str, int | None] | None:
    if v is None:
        return None
    if not isinstance(v, dict) or set(v) - {"side1", "side2", "civilians"}:
        raise EditError(422, "killed must be {side1, side2, civilians} or null")
    return {k: _int_or_none(f"killed.{k}", v.get(k)) for k in ("side1", "side2", "civilians")}


def clean_value(field: str, v: Any) -> Any:
    """The value as the record spells it; EditError(422) when it is not one the contract allows."""
    if field not in CORRECTABLE:
        raise EditError(422, f"{field} cannot be corrected (correctable: {', '.join(CORRECTABLE)})")
    if field == "report_kind":
        if v not in ("incident", "aggregate", "background"):
            raise EditError(422, "report_kind is incident, aggregate or background")
        return v
    if field in ("event_date", "date_end"):
        return _date_or_none(field, v)
    if field in ("time_precision", "geo_precision"):
        return _int_or_none(field, v, 1, 3)
    if field == "event_type":
        if v not in SUB_EVENT_TYPES:
            raise EditError(422, f"event_type is one of: {', '.join(SUB_EVENT_TYPES)}")
        return v
    if field == "disorder_type":
        if v is not None and v not in set(DISORDER.values()):
            raise EditError(422, f"disorder_type is one of: {', '.join(sorted(set(DISORDER.values())))}")
        return v
    if field == "sub_event_type":
        if not isinstance(v, str) or not v:
            raise EditError(422, "sub_event_type must be a string")
        return v
    if field == "admin1":
        if v is not None and v not in ADMIN1:
            raise EditError(422, f"admin1 is null or one of: {', '.join(ADMIN1)}")
        return v
    if field == "latitude":
        return _float_or_none(field, v, -90, 90)
    if field == "longitude":
        return _float_or_none(field, v, -180, 180)
    if field in ("fatalities", "injured", "arrested"):
        return _int_or_none(field, v)
    if field == "killed":
        return _killed(v)
    if field == "actors":
        return _actors(v)
    if field == "seized":
        if not isinstance(v, list) or any(s not in SEIZED for s in v):
            raise EditError(422, f"seized is a list of: {', '.join(SEIZED)}")
        return sorted(set(v))
    if field == "confidence":
        return _float_or_none(field, v, 0, 1)
    if field == "notes":
        return _str_or_none(field, v) or ""
    return _str_or_none(field, v)  # country, admin2, admin3, location, location_ar


def plan_changes(record: dict[str, Any], changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """field -> (old, new) for what really changes, implied fields included.

    A new event_type brings its disorder_type; a new event_date moves date_end along when the event
    was one day (or would end before it starts); the sub-event type must belong to the event type.
    """
    new = {f: clean_value(f, v) for f, v in changes.items()}
    if "event_type" in new and "disorder_type" not in new:
        new["disorder_type"] = DISORDER[new["event_type"]]
    if "event_date" in new and "date_end" not in new and new["event_date"] is not None:
        old_start, old_end = record.get("event_date"), record.get("date_end")
        if old_end is None or old_end == old_start or old_end < new["event_date"]:
            new["date_end"] = new["event_date"]
    etype = new.get("event_type", record.get("event_type"))
    sub = new.get("sub_event_type", record.get("sub_event_type"))
    if ("event_type" in new or "sub_event_type" in new) and sub not in SUB_EVENT_TYPES.get(etype, ()):
        raise EditError(422, f"sub_event_type {sub!r} is not a sub-event type of {etype!r}: give one of "
                             f"{', '.join(SUB_EVENT_TYPES.get(etype, ()))}")
    start, end = new.get("event_date", record.get("event_date")), new.get("date_end", record.get("date_end"))
    if start and end and end < start:
        raise EditError(422, "date_end is before event_date")
    return {f: (record.get(f), v) for f, v in new.items() if record.get(f) != v}


# --- anchors ---------------------------------------------------------------------------------------

def fingerprint(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: rec.get(k) for k in FINGERPRINT}


@dataclasses.dataclass(frozen=True, eq=False)  # hashed by identity: one anchored mention of one edit
class Ref:
    edit_id: int
    mention_id: str
    role: str
    article_id: str
    fingerprint: dict[str, Any] | None


@dataclasses.dataclass
class _Edit:
    id: int
    kind: str
    field: str | None
    new: Any
    refs: list[Ref]


def _has_edits(conn: Connection) -> bool:
    return conn.execute(select(edits_t.c.id).limit(1)).first() is not None


def _edits_touching(conn: Connection, article_ids: Iterable[str], kinds: Iterable[str]) -> list[_Edit]:
    """The edits of these kinds anchored on any mention of these articles, oldest first, with all their refs."""
    kinds = list(kinds)
    ids: set[int] = set()
    for part in chunks(sorted(set(article_ids))):
        ids.update(conn.execute(select(refs_t.c.edit_id).distinct().where(refs_t.c.article_id.in_(part))).scalars())
    edits: dict[int, _Edit] = {}
    for part in chunks(sorted(ids)):
        for r in conn.execute(select(edits_t.c.id, edits_t.c.kind, edits_t.c.field, edits_t.c.new)
                              .where(edits_t.c.id.in_(part), edits_t.c.kind.in_(kinds))):
            edits[r.id] = _Edit(r.id, r.kind, r.field, r.new, [])
    for part in chunks(sorted(edits)):
        for r in conn.execute(select(refs_t).where(refs_t.c.edit_id.in_(part))
                              .order_by(refs_t.c.edit_id, refs_t.c.mention_id)):
            edits[r.edit_id].refs.append(Ref(r.edit_id, r.mention_id, r.role, r.article_id, r.fingerprint))
    return [edits[i] for i in sorted(edits)]


def _agreement(fp: dict[str, Any] | None, rec: dict[str, Any]) -> int:
    return sum(1 for k in FINGERPRINT if fp is not None and fp.get(k) == rec.get(k))


class _Resolver:
    """Finds the current mention of each anchored mention: among `local` first, then in the database.

    `local` are the mentions being linked now (mention id -> (record, new event id or None)).
    """

    def __init__(self, conn: Connection, local: dict[str, tuple[dict[str, Any], str | None]]) -> None:
        self.conn = conn
        self.local = local
        self.by_article: dict[str, list[tuple[str, dict[str, Any] | None, str | None]]] = defaultdict(list)
        for mid, (rec, eid) in local.items():
            self.by_article[rec["sources"][0]["article_id"]].append((mid, rec, eid))
        self.db: dict[str, str | None] = {}  # mention id -> event id, for mentions outside `local`
        self.loaded_articles: set[str] = set()

    def prepare(self, refs: Iterable[Ref]) -> None:
        refs = list(refs)
        m = mentions_t.c
        want = sorted({r.mention_id for r in refs} - self.local.keys() - self.db.keys())
        for part in chunks(want):
            self.db.update(self.conn.execute(select(m.id, m.event_id).where(m.id.in_(part))).all())
        lost = sorted({r.article_id for r in refs if r.mention_id not in self.local and r.mention_id not in self.db}
                      - self.loaded_articles)
        self.loaded_articles.update(lost)
        for part in chunks(lost):
            for mid, aid, eid, rec in self.conn.execute(select(m.id, m.article_id, m.event_id, m.record)
                                                        .where(m.article_id.in_(part))):
                if mid not in self.local:
                    self.by_article[aid].append((mid, rec, eid))
                    self.db[mid] = eid

    def resolve(self, refs: list[Ref]) -> dict[Ref, str]:
        """Ref -> the current mention id, for the refs that still have one."""
        out: dict[Ref, str] = {}
        exact = {r.mention_id for r in refs if r.mention_id in self.local or r.mention_id in self.db}
        for r in refs:
            if r.mention_id in exact:
                out[r] = r.mention_id
                continue
            best = None
            for mid, rec, _ in sorted(self.by_article.get(r.article_id, ()), key=lambda x: x[0]):
                if mid in exact or rec is None:
                    continue
                score = _agreement(r.fingerprint, rec)
                if score >= MIN_AGREE and (best is None or score > best[0]):
                    best = (score, mid)
            if best is not None:
                out[r] = best[1]
        return out

    def event_of(self, mid: str) -> str | None:
        if mid in self.local:
            return self.local[mid][1]
        return self.db.get(mid)


# --- the linking hooks -------------------------------------------------------------------------------

def link_constraints(conn: Connection, recs: dict[str, dict[str, Any]]) -> Constraints | None:
    """The must-link / cannot-link pairs among these mentions (being linked now); None when there are none."""
    if not recs or not _has_edits(conn):
        return None
    local: dict[str, tuple[dict[str, Any], str | None]] = {mid: (rec, None) for mid, rec in recs.items()}
    edits = _edits_touching(conn, {r["sources"][0]["article_id"] for r in recs.values()}, ("merge", "split"))
    if not edits:
        return None
    res = _Resolver(conn, local)
    res.prepare(r for e in edits for r in e.refs)
    pairs: dict[frozenset[str], str] = {}
    for e in edits:
        now = {r: mid for r, mid in res.resolve(e.refs).items() if mid in local}
        roles: dict[str, set[str]] = defaultdict(set)
        for r, mid in now.items():
            roles[r.role].add(mid)
        if e.kind == "merge":
            together = sorted(roles["a"] | roles["b"])
            for a, b in itertools.combinations(together, 2):
                pairs[frozenset((a, b))] = "must"
        else:
            for a, b in itertools.combinations(sorted(roles["s"]), 2):
                pairs[frozenset((a, b))] = "must"
            for a in roles["s"]:
                for b in roles["r"] - roles["s"]:
                    pairs[frozenset((a, b))] = "cannot"
    c = Constraints(must=frozenset(p for p, k in pairs.items() if k == "must" and len(p) == 2),
                    cannot=frozenset(p for p, k in pairs.items() if k == "cannot" and len(p) == 2))
    return c or None


def regroup(groups: list[list[dict[str, Any]]], c: Constraints | None) -> list[list[dict[str, Any]]]:
    """Link-graph components joined where a must-link pair spans two of them (linking each on its own)."""
    if not c or not c.must:
        return groups
    where = {m["id"]: i for i, g in enumerate(groups) for m in g}
    parent = list(range(len(groups)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for pair in sorted(tuple(sorted(p)) for p in c.must):
        a, b = pair
        if a in where and b in where:
            ra, rb = find(where[a]), find(where[b])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    joined: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for i, g in enumerate(groups):
        joined[find(i)].extend(g)
    return [joined[i] for i in sorted(joined)]


def touches(group: list[dict[str, Any]], c: Constraints | None) -> bool:
    """Whether a constraint pair lies inside the group (then it is clustered with the constraints)."""
    if not c:
        return False
    ids = {m["id"] for m in group}
    return any(p <= ids for p in itertools.chain(c.must, c.cannot))


_NOTE_FIELDS = {"event_type", "sub_event_type", "actors", "location", "admin1", "admin2", "event_date", "date_end",
                "time_precision", "fatalities", "killed", "injured", "arrested", "seized", "report_kind"}


def apply_corrections(conn: Connection, out: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
    """Put each correction on the event (of those about to be written) holding most of its anchor.

    Also points every edit touching these events at the event it now belongs to (`edits.event_id`).
    """
    if not out or not _has_edits(conn):
        return
    local = {m["id"]: (m, e["id"]) for e, ms in out for m in ms}
    by_id = {e["id"]: e for e, _ in out}
    edits = _edits_touching(conn, {m["sources"][0]["article_id"] for m, _ in local.values()},
                            ("correction", "merge", "split", "confirm"))
    if not edits:
        return
    res = _Resolver(conn, local)
    res.prepare(r for e in edits for r in e.refs)
    moved: list[dict[str, Any]] = []
    corrected: dict[str, set[str]] = defaultdict(set)
    for ed in edits:
        now = res.resolve([r for r in ed.refs if r.role in PRIMARY_ROLES[ed.kind]])
        votes: Counter[str] = Counter()
        first: dict[str, str] = {}  # event -> its smallest anchored mention: a tie goes to the anchor's first
        for mid in sorted(now.values()):
            eid = res.event_of(mid)
            if eid is not None:
                votes[eid] += 1
                first.setdefault(eid, mid)
        target = min(votes, key=lambda eid: (-votes[eid], first[eid])) if votes else None
        moved.append({"i": ed.id, "eid": target})
        if ed.kind == "correction" and target in by_id and ed.field:
            by_id[target][ed.field] = ed.new
            corrected[target].add(ed.field)
    if corrected:
        from rasd.extract.notes import make_notes

        for eid, fields in corrected.items():
            if "notes" not in fields and fields & _NOTE_FIELDS:
                by_id[eid]["notes"] = make_notes(by_id[eid])
    stmt = update(edits_t).where(edits_t.c.id == bindparam("i")).values(event_id=bindparam("eid"))
    for part in chunks(moved, 1000):
        conn.execute(stmt, part)


# --- making edits ------------------------------------------------------------------------------------

def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _event_mentions(conn: Connection, event_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(mention id, article id, record) of an event; EditError(404) when there is no such event."""
    if conn.execute(select(events_t.c.id).where(events_t.c.id == event_id)).first() is None:
        raise EditError(404, f"event {event_id} not found")
    m = mentions_t.c
    return [tuple(r) for r in conn.execute(select(m.id, m.article_id, m.record).where(m.event_id == event_id)
                                           .order_by(m.id))]


def _record_edit(conn: Connection, kind: str, event_id: str, who: str, refs: list[tuple[str, str, dict, str]],
                 field: str | None = None, old: Any = None, new: Any = None, reason: str | None = None) -> int:
    edit_id = conn.execute(insert(edits_t).values(kind=kind, event_id=event_id, field=field, old=old, new=new,
                                                  who=who, created_at=_now(),
                                                  reason=_reason(reason))).inserted_primary_key[0]
    conn.execute(insert(refs_t), [{"edit_id": edit_id, "mention_id": mid, "article_id": aid,
                                   "fingerprint": fingerprint(rec), "role": role} for mid, aid, rec, role in refs])
    return edit_id


def _event_holding(engine: Engine, edit_id: int) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(edits_t.c.event_id).where(edits_t.c.id == edit_id)).scalar()


MAX_REASON = 2000  # characters of an analyst's reason kept with an edit


def _reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise EditError(422, "reason must be a string")
    return reason.strip()[:MAX_REASON] or None


def confirm_event(engine: Engine, event_id: str, who: str, reason: str | None = None) -> str:
    """Record that an analyst checked the event and found it right as it stands (it leaves the review
    queue); anchored on its mentions like a correction, so the confirmation follows it through relinking."""
    with engine.begin() as conn:
        refs = [(mid, aid, rec, "anchor") for mid, aid, rec in _event_mentions(conn, event_id)]
        _record_edit(conn, "confirm", event_id, who, refs, "review", None, "confirmed", reason)
    return event_id


REVIEWED_KINDS = ("confirm", "correction", "merge", "split")


def review_state(edits: list[dict[str, Any]]) -> dict[str, Any]:
    """An event's review state from its history: `confirmed` (an analyst confirmed it, and nothing was
    changed since), `corrected` (an analyst changed it), else `unreviewed`; with who and when."""
    last = next((e for e in reversed(edits) if e["kind"] in REVIEWED_KINDS), None)
    if last is None:
        return {"state": "unreviewed", "who": None, "when": None}
    return {"state": "confirmed" if last["kind"] == "confirm" else "corrected", "who": last["who"],
            "when": last["when"]}


def correct_event(engine: Engine, event_id: str, changes: dict[str, Any], who: str, reason: str | None = None) -> str:
    """Correct fields of an event (one edit per field that changes); returns the id of the event holding them."""
    from rasd.store.linking import relink

    if not changes:
        raise EditError(422, "nothing to correct")
    made: list[int] = []

    def before(conn: Connection) -> None:
        row = conn.execute(select(events_t.c.record).where(events_t.c.id == event_id)).first()
        if row is None:
            raise EditError(404, f"event {event_id} not found")
        plan = plan_changes(row.record, changes)
        if not plan:
            return
        refs = [(mid, aid, rec, "anchor") for mid, aid, rec in _event_mentions(conn, event_id)]
        for field, (old, new) in plan.items():
            made.append(_record_edit(conn, "correction", event_id, who, refs, field, old, new, reason))
        release_events(conn, [event_id])

    relink(engine, before=before)
    return (_event_holding(engine, made[0]) if made else None) or event_id


def merge_events(engine: Engine, event_id: str, other_id: str, who: str, reason: str | None = None) -> str:
    """Make two events one (for good: the merge is a must-link constraint); returns the merged event's id."""
    from rasd.store.linking import relink

    if event_id == other_id:
        raise EditError(422, "an event cannot be merged with itself")
    made: list[int] = []

    def before(conn: Connection) -> None:
        a, b = _event_mentions(conn, event_id), _event_mentions(conn, other_id)
        shared = {aid for _, aid, _ in a} & {aid for _, aid, _ in b}
        if shared:
            raise EditError(409, f"both events come from article {sorted(shared)[0]}: the incidents one article "
                                 "tells apart cannot be one event")
        refs = [(mid, aid, rec, "a") for mid, aid, rec in a] + [(mid, aid, rec, "b") for mid, aid, rec in b]
        made.append(_record_edit(conn, "merge", event_id, who, refs, "merge", [event_id, other_id], None, reason))
        release_events(conn, [event_id, other_id])

    relink(engine, before=before)
    merged = _event_holding(engine, made[0]) or event_id
    with engine.begin() as conn:
        conn.execute(update(edits_t).where(edits_t.c.id == made[0]).values(new=merged))
    return merged


def split_event(engine: Engine, event_id: str, article_ids: list[str], who: str,
                reason: str | None = None) -> tuple[str, str]:
    """Make these sources an event of their own (for good: cannot-link to the rest); returns (new, rest) ids."""
    from rasd.store.linking import relink

    wanted = sorted(set(article_ids))
    if not wanted:
        raise EditError(422, "article_ids is empty")
    made: list[int] = []
    rest_mention: list[str] = []

    def before(conn: Connection) -> None:
        ms = _event_mentions(conn, event_id)
        have = {aid for _, aid, _ in ms}
        unknown = [a for a in wanted if a not in have]
        if unknown:
            raise EditError(422, f"article {unknown[0]} is not a source of event {event_id}")
        if have <= set(wanted):
            raise EditError(422, "split off some of the sources, not all of them")
        refs = [(mid, aid, rec, "s" if aid in wanted else "r") for mid, aid, rec in ms]
        rest_mention.append(next(mid for mid, aid, _ in ms if aid not in wanted))
        made.append(_record_edit(conn, "split", event_id, who, refs, "split", event_id, wanted, reason))
        release_events(conn, [event_id])

    relink(engine, before=before)
    new = _event_holding(engine, made[0]) or ""
    with engine.connect() as conn:
        rest = conn.execute(select(mentions_t.c.event_id).where(mentions_t.c.id == rest_mention[0])).scalar() or ""
    return new, rest


def history(conn: Connection, event_id: str, article_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The edits behind an event, oldest first: its corrections, and the merges and splits of its sources."""
    e = edits_t.c
    ids = set(conn.execute(select(e.id).where(e.event_id == event_id)).scalars())
    for part in chunks(sorted(set(article_ids))):
        ids.update(conn.execute(select(refs_t.c.edit_id).join(edits_t, edits_t.c.id == refs_t.c.edit_id)
                                .where(refs_t.c.article_id.in_(part), e.kind.in_(("merge", "split")))).scalars())
    out = []
    for part in chunks(sorted(ids)):
        for r in conn.execute(select(edits_t).where(e.id.in_(part)).order_by(e.id)):
            when = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=dt.UTC)
            out.append({"id": r.id, "kind": r.kind, "who": r.who,
                        "when": when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                        "field": r.field, "old": r.old, "new": r.new, "reason": r.reason})
    return sorted(out, key=lambda x: x["id"])

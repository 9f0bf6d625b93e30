"""The HTTP API behind the dashboard (`rasd serve`), and the dashboard itself at `/`.

The one API of the page, served from the event database (rasd.store). Reads are open; writes
(ingesting an article, correcting, confirming, merging and splitting events) need a bearer token
from `rasd token create`. Events are stored with their
corrections already applied (rasd.store.corrections), so every read below is a plain query.

Everything is local: the page, its vendored libraries and the API documentation (Swagger UI from the
fastapi-offline package) are served from this process; the only outside URL is an optional map
tile server (`--tile-url` / RASD_TILE_URL), offered to the page through /api/meta.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
import os
import queue
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    Connection,
    Date,
    Engine,
    Text,
    and_,
    case,
    cast,
    event,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
)
from starlette.concurrency import run_in_threadpool

from rasd import __version__
from rasd.store.corrections import ADMIN1, SUB_EVENT_TYPES, EditError
from rasd.store.db import json_text
from rasd.store.models import Actor, Article, ArticleVersion, Edit, Event, EventActor, EventSource, Mention
from rasd.web import STATIC_DIR

events_t = Event.__table__
articles_t = Article.__table__
BOUNDARIES_DIR = Path(__file__).resolve().parent / "data" / "boundaries"
BOUNDARIES = {"1": BOUNDARIES_DIR / "syria_adm1_naturalearth10m.geojson",
              "0": BOUNDARIES_DIR / "syria_and_neighbours_adm0_naturalearth10m.geojson"}
DEFAULT_ATTRIBUTION = "Boundaries: Natural Earth (public domain)"
MAX_LIMIT = 1000
EXPORT_TYPES = {"jsonl": ("application/x-ndjson", "jsonl"), "acled-csv": ("text/csv; charset=utf-8", "csv"),
                "csv": ("text/csv; charset=utf-8", "csv"), "geojson": ("application/geo+json", "geojson"),
                "parquet": ("application/vnd.apache.parquet", "parquet")}
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
_E = events_t.c
# sort key -> the column it sorts by; the vocabularies (admin1, types) are spelled one way, so only free
# text (location) is folded to lower case, and every other key can be read from an index
SORT_KEYS: dict[str, Any] = {
    "event_date": _E.event_date, "event_type": _E.event_type, "sub_event_type": _E.sub_event_type,
    "location": func.lower(_E.location), "admin1": _E.admin1, "fatalities": _E.fatalities, "injured": _E.injured,
    "arrested": _E.arrested, "sources": _E.n_sources, "confidence": _E.confidence, "id": _E.id,
}
_CANON = {"admin1": {a.lower(): a for a in ADMIN1},
          "event_type": {t.lower(): t for t in SUB_EVENT_TYPES},
          "sub_event_type": {s.lower(): s for subs in SUB_EVENT_TYPES.values() for s in subs}}


@dataclasses.dataclass
class Settings:
    """What `rasd serve` was told: the database and the optional online tile layer."""

    db: str | None = None
    tile_url: str | None = dataclasses.field(default_factory=lambda: os.environ.get("RASD_TILE_URL") or None)
    tile_attribution: str | None = dataclasses.field(
        default_factory=lambda: os.environ.get("RASD_TILE_ATTRIBUTION") or None)
    static_dir: Path = STATIC_DIR

    @property
    def attribution(self) -> str:
        return " | ".join(x for x in (DEFAULT_ATTRIBUTION, self.tile_url and self.tile_attribution) if x)


# --- filters -----------------------------------------------------------------------------------------

@dataclasses.dataclass
class Filters:
    """The filters every list, stats and export call takes (all optional; empty strings mean unset)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    admin1: str | None = None
    event_type: str | None = None
    sub_event_type: str | None = None
    actor: str | None = None
    q: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    q_actors: tuple[str, ...] | None = None  # actor keys `q` names (`resolve`); None: match in SQL
    report_kind: str | None = None  # incident, aggregate (a tally) or background (a recalled event)
    country: str | None = None  # the event's country ("Syria", "Iraq" ...), case ignored
    kind_given: bool = False  # report_kind was asked for ("all" included): no incidents-first default
    review: str | None = None  # "todo": the review queue (low confidence or conflicts, not yet reviewed)

    def incidents_first(self) -> Filters:
        """These filters, limited to incidents unless a report kind was asked for: the lists an analyst
        reads are incidents; tallies and recalled events are a choice, never mixed in unasked."""
        return self if self.kind_given or self.report_kind else dataclasses.replace(self, report_kind="incident")

    def resolve(self, engine: Engine) -> Filters:
        """Look the actors `q` names up once (the registry's few dozen rows), so no query probes actors per event."""
        if self.q and self.q.strip() and self.q_actors is None:
            low = self.q.strip().lower()
            ac = Actor.__table__.c
            with engine.connect() as conn:
                keys = conn.execute(select(ac.key).where(or_(ac.key == low, func.lower(ac.name).like(
                    _like(low), escape="\\")))).scalars()
                self.q_actors = tuple(sorted(keys))
        return self

    def only_columns(self) -> bool:
        """Whether every filter set is on the columns `rasd.store.accel.event_counts` sums over."""
        return not (self.actor or (self.q and self.q.strip()) or self.bbox is not None or self.review)

    def kind_or_country(self) -> bool:
        """Whether a report kind or a country is asked for (the R*Tree alone cannot count those)."""
        return bool(self.report_kind or self.country)

    def key(self) -> tuple[Any, ...]:
        return (self.date_from, self.date_to, self.admin1, self.event_type, self.sub_event_type, self.actor,
                self.q, self.bbox, self.q_actors, self.report_kind, self.country, self.review)

    def conditions(self, paging: bool = False, accel: bool = False, scan_text: bool = False) -> list[Any]:
        """WHERE terms. `paging`: for a query that walks an index in sort order and stops at a page's end,
        where the actor test is best a probe per row (EXISTS) rather than a list of ids (IN, best for counts).
        `accel` (SQLite with rasd.store.accel): text, actor and bounding box as id lists from the FTS5 index,
        the actor/event pairs and the R*Tree, for a query that reads every match (a count, a short list).
        `scan_text`: the text is tested on each event even then (`rasd.store.accel.fts_is_broad`).
        """
        e = _E
        out = _column_conditions(e, self)
        if self.actor:
            ea = EventActor.__table__.c
            keys = sorted({self.actor.strip(), self.actor.strip().lower()})
            if accel:  # the pairs carry the event's date, governorate and types: a short list, read from an index
                ae = _ACTOR_EVENTS.c
                out.append(e.id.in_(select(ae.event_id).where(ae.key.in_(keys), *_column_conditions(ae, self))))
            else:
                out.append(exists().where(ea.event_id == e.id, ea.key.in_(keys)) if paging
                           else e.id.in_(select(ea.event_id).where(ea.key.in_(keys))))
        if self.q and self.q.strip():
            out.append(_text_condition(self.q.strip(), self.q_actors, accel and not scan_text, paging, sqlite=accel))
        if self.bbox is not None:
            x0, y0, x1, y1 = self.bbox
            w, s_, east, n = min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)
            exact = and_(e.longitude.between(w, east), e.latitude.between(s_, n))
            if accel:  # the R*Tree's boxes are float32, rounded outwards: a superset, then the exact test
                pad = 1e-4
                near = text("SELECT r.event_id FROM events_rtree t JOIN event_rowid r ON r.n = t.n WHERE "
                            "t.min_lon >= :bw AND t.max_lon <= :be AND t.min_lat >= :bs AND t.max_lat <= :bn"
                            ).bindparams(bw=w - pad, be=east + pad, bs=s_ - pad, bn=n + pad)
                out.append(e.id.in_(near.columns(literal_column("event_id"))))
            out.append(exact)
        if self.review == "todo":
            out.append(_to_review())
        return out


REVIEW_CONFIDENCE = 0.6  # events less sure than this join the review queue, as do events whose sources disagree


def _to_review() -> Any:
    """The review queue: events with low confidence or with `conflicts`, that no analyst has confirmed or
    changed yet (an edit of theirs points at the event)."""
    from rasd.store.corrections import REVIEWED_KINDS

    e, ed = _E, Edit.__table__.c
    disputed = func.coalesce(func.json_array_length(e.record["conflicts"]), 0) > 0
    reviewed = exists().where(ed.event_id == e.id, ed.kind.in_(REVIEWED_KINDS))
    return and_(or_(e.confidence < REVIEW_CONFIDENCE, disputed), ~reviewed)


def _like(s: str) -> str:
    return "%" + s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _text_condition(q: str, actors: tuple[str, ...] | None = None, accel: bool = False,
                    paging: bool = False, sqlite: bool = False) -> Any:
    """Words in the notes or the place (Arabic folded as `rasd events --text` does), a type, a governorate, an
    actor (key, or words of its name) or an id.

    The vocabularies are matched here, not in SQL, so the condition stays on indexed columns; so are the
    actors when `actors` (their keys, from `Filters.resolve`) is given. `paging` as for `Filters.conditions`:
    a page that walks an index probes each row for the actors (an id list of a common actor's events costs
    more to build than the page). `sqlite`: a needle outside ASCII is tested with instr(), which SQLite runs
    nearly twice as fast as LIKE there (LIKE is faster for ASCII); both sides are folded to lower case, so the
    two tests are the same.
    """
    from rasd.store.linking import search_text

    e = _E
    low = q.lower()
    conds = [e.id == q]
    needle = search_text(q)
    if needle:
        from rasd.store.accel import fts_event_ids, fts_phrase

        phrase = fts_phrase(needle) if accel else None
        if phrase is not None:  # the same substring test, answered by the FTS5 trigram index
            conds.append(e.id.in_(fts_event_ids().bindparams(fts=phrase).columns(literal_column("event_id"))))
        elif sqlite and not needle.isascii():
            conds.append(func.instr(e.search, needle) > 0)
        else:
            conds.append(e.search.like(_like(needle), escape="\\"))
    for key in ("admin1", "event_type", "sub_event_type"):
        hits = sorted(v for k, v in _CANON[key].items() if low in k)
        if hits:
            conds.append(e[key].in_(hits))
    ea, ac = EventActor.__table__.c, Actor.__table__.c
    if actors is None:
        keys: Any = select(ac.key).where(or_(ac.key == low, func.lower(ac.name).like(_like(low), escape="\\")))
        conds.append(e.id.in_(select(ea.event_id).where(ea.key.in_(keys))))
    elif actors:
        conds.append(exists().where(ea.event_id == e.id, ea.key.in_(actors)) if paging
                     else e.id.in_(select(ea.event_id).where(ea.key.in_(actors))))
    return or_(*conds)


def _date_param(name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"{name} must be a date YYYY-MM-DD") from None


def _bbox_param(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in value.split(","))
    except ValueError:
        raise HTTPException(422, "bbox is west,south,east,north in degrees") from None
    return x0, y0, x1, y1


def filters(
    request: Request,
    date_from: Annotated[str | None, Query(description="Events on or after this day (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, Query(description="Events on or before this day (YYYY-MM-DD).")] = None,
    admin1: Annotated[str | None, Query(description="Governorate, e.g. `Deir ez Zor` (case ignored).")] = None,
    event_type: Annotated[str | None, Query(description="ACLED event type, e.g. `Battles`.")] = None,
    sub_event_type: Annotated[str | None, Query(description="ACLED sub-event type, e.g. `Arrests`.")] = None,
    actor: Annotated[str | None, Query(description="Actor key from the registry, e.g. `isis`.")] = None,
    q: Annotated[str | None, Query(description="Words in notes or place names (Arabic or English), a type, "
                                               "an actor key or an event id.")] = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north: only located events inside.")] = None,
    report_kind: Annotated[str | None, Query(description="`incident`, `aggregate` (a tally over a period), "
                                                         "`background` (an earlier event recalled) or `all`. "
                                                         "/api/events lists incidents unless told otherwise; "
                                                         "/api/stats and /api/export cover every kind.")] = None,
    country: Annotated[str | None, Query(description="The event's country, e.g. `Syria` or `Iraq` "
                                                     "(case ignored).")] = None,
    review: Annotated[Literal["todo"] | None, Query(
        description="`todo`: the review queue, events with confidence under "
                    f"{REVIEW_CONFIDENCE} or whose sources disagree (`conflicts`) that no analyst has "
                    "confirmed or corrected yet.")] = None,
) -> Filters:
    if report_kind and report_kind not in (*REPORT_KINDS, "all"):
        raise HTTPException(422, f"report_kind must be one of: {', '.join(REPORT_KINDS)}, all (got {report_kind!r})")
    return Filters(_date_param("date_from", date_from), _date_param("date_to", date_to), admin1 or None,
                   event_type or None, sub_event_type or None, actor or None, q or None,
                   _bbox_param(bbox), report_kind=report_kind if report_kind != "all" else None,
                   country=country or None, kind_given=bool(report_kind),
                   review=review).resolve(request.app.state.engine)


REPORT_KINDS = ("incident", "aggregate", "background")


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route reads, its own and its dependencies' (the filters)."""
    names = {p.alias for p in dependant.query_params}
    for d in dependant.dependencies:
        names |= _query_names(d)
    return names


def known_parameters(request: Request) -> None:
    """A query parameter no route reads is a mistake (a typo would otherwise return everything): 422."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    known = getattr(route, "rasd_query_names", None)
    if known is None:  # worked out once per route, kept on it
        known = _query_names(dependant)
        route.rasd_query_names = known  # type: ignore[union-attr]
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise HTTPException(422, f"unknown query parameter{'s' if len(unknown) > 1 else ''}: "
                                 f"{', '.join(unknown)} (known: {', '.join(sorted(known)) or 'none'})")


FiltersDep = Annotated[Filters, Depends(filters)]


@dataclasses.dataclass(frozen=True)
class Sort:
    """`key` ascending or `-key` descending; nulls last either way, ties by id in the same direction."""

    key: str
    desc: bool

    @classmethod
    def parse(cls, sort: str | None, default: str = "-event_date") -> Sort:
        sort = (sort or default).strip()
        key = sort.lstrip("-+")
        if key not in SORT_KEYS:
            raise HTTPException(422, f"sort is one of {', '.join(sorted(SORT_KEYS))} (prefix - for descending)")
        return cls(key, sort.startswith("-"))

    @property
    def nullable(self) -> Any:
        """The column whose nulls go last (None when it has none)."""
        return None if self.key in ("id", "sources") else _E[self.key]

    def order(self) -> list[Any]:
        col = SORT_KEYS[self.key]
        tie = _E.id.desc() if self.desc else _E.id
        return [col.desc() if self.desc else col, tie] if self.key != "id" else [tie]

    def order_nulls_last(self) -> list[Any]:
        """One ORDER BY for a whole stream (exports); pages use two index-friendly queries instead."""
        raw = self.nullable
        return ([case((raw.is_(None), 1), else_=0)] if raw is not None else []) + self.order()


# --- response models

# --- response models (for the OpenAPI documentation) --------------------------------------------------

class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class EventRecord(_Open):
    """One event, every field of the contract (shared/design/EVENTS.md), corrections applied."""

    id: str
    report_kind: str
    event_date: str | None = None
    event_type: str | None = None
    sub_event_type: str | None = None
    admin1: str | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    fatalities: int | None = None
    actors: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []


class EventPage(BaseModel):
    total: int = Field(description="Events matching the filters (all pages).")
    limit: int
    offset: int
    next: str | None = Field(None, description="Give it as `after` (with the same filters and sort) for the next "
                                               "page; null on the last page.")
    items: list[EventRecord]


class Correction(BaseModel):
    id: int
    kind: Literal["correction", "merge", "split", "confirm"]
    who: str
    when: str
    field: str | None
    old: Any = None
    new: Any = None
    reason: str | None = None


class Review(BaseModel):
    state: Literal["unreviewed", "confirmed", "corrected"]
    who: str | None = None
    when: str | None = None


class EventDetail(EventRecord):
    articles: dict[str, dict[str, Any]] = Field({}, description="article id -> {title, text}: the full original "
                                                                "texts the evidence offsets point into (left out "
                                                                "of the answer to an edit).")
    corrections: list[Correction]
    conflicts: list[dict[str, Any]] = []
    review: Review


class Stats(BaseModel):
    total: int
    undated: int
    weeks: list[dict[str, Any]] = Field(description="[{week (Monday), event_type, count}]")
    by_admin1: list[dict[str, Any]] = Field(description="[{admin1, count}], most events first")
    by_event_type: list[dict[str, Any]]
    by_report_kind: list[dict[str, Any]] = Field(
        [], description="[{report_kind, count, fatalities}]: incidents apart from tallies (aggregate) and recalled "
                        "events (background), whose deaths must not be added to the incidents'")
    cells: list[dict[str, Any]] | None = Field(
        None, description="With cells=true: [{week, event_type, admin1, count}], week x type x governorate.")


class Meta(BaseModel):
    version: str
    tile_url: str | None = Field(description="A tile URL template, or null: the map uses the bundled boundaries.")
    attribution: str
    auth: dict[str, Any]


class ArticleIn(BaseModel):
    """One article, as a JSON input line of `rasd ingest` gives it."""

    model_config = ConfigDict(extra="allow")
    id: str | None = Field(None, description="Stable id; default: derived from the URL, else the text.")
    text: str = Field(min_length=1)
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = Field(None, description="ISO date or datetime of publication.")


class Ingested(BaseModel):
    status: Literal["new", "updated", "duplicate", "unchanged"]
    article_id: str
    mentions: int
    duplicate_of: str | None
    events: list[str]


class EventPatch(BaseModel):
    """Fields to correct (any subset; null clears a field). Each change is recorded with who and when."""

    model_config = ConfigDict(extra="forbid")
    report_kind: Literal["incident", "aggregate", "background"] | None = None
    event_date: dt.date | None = None
    date_end: dt.date | None = None
    time_precision: Literal[1, 2, 3] | None = None
    disorder_type: str | None = None
    event_type: str | None = None
    sub_event_type: str | None = None
    actors: list[dict[str, Any]] | None = None
    country: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    location: str | None = None
    location_ar: str | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    geo_precision: Literal[1, 2, 3] | None = None
    fatalities: int | None = Field(None, ge=0)
    killed: dict[str, int | None] | None = None
    injured: int | None = Field(None, ge=0)
    arrested: int | None = Field(None, ge=0)
    seized: list[str] | None = None
    notes: str | None = None
    confidence: float | None = Field(None, ge=0, le=1)
    reason: str | None = Field(None, description="Why (kept with each correction in the history; not a field).")


class MergeIn(BaseModel):
    other: str = Field(description="The id of the event to merge into this one.")
    reason: str | None = Field(None, description="Why the two are one incident (kept in the history).")


class SplitIn(BaseModel):
    article_ids: list[str] = Field(min_length=1, description="Sources that become an event of their own.")
    reason: str | None = Field(None, description="Why these sources tell another incident (kept in the history).")


class ConfirmIn(BaseModel):
    reason: str | None = Field(None, description="What was checked (kept in the history).")


class SplitOut(BaseModel):
    event: EventDetail = Field(description="The new event: the sources split off.")
    rest: EventDetail = Field(description="The event of the remaining sources.")


# --- reading -----------------------------------------------------------------------------------------

def encode_cursor(sort: Sort, value: Any, event_id: str) -> str:
    """Where the next page starts: after (value of the sort key, id) of the last event of this one."""
    v = value.isoformat() if isinstance(value, dt.date) else value
    raw = json.dumps([sort.key, sort.desc, v, event_id], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> tuple[Any, str]:
    """(value, id) of a cursor from `encode_cursor`; 422 when it is not one, or was made for another sort."""
    try:
        key, desc, v, event_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(event_id, str) or isinstance(v, (dict, list)):
            raise ValueError
        if key == "event_date" and v is not None:
            v = dt.date.fromisoformat(v)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise HTTPException(422, "after must be the `next` cursor of an earlier page") from None
    if (key, bool(desc)) != (sort.key, sort.desc):
        raise HTTPException(422, "after was made for another sort order: give the same `sort` as that page")
    return v, event_id


def _raw_records(engine: Engine, f: Filters, sort: Sort, limit: int, offset: int,
                 after: tuple[Any, str] | None = None) -> tuple[int, list[str], str | None]:
    """The total, one page of records as stored JSON text (spliced into the response, never parsed) and the
    cursor of the next page (None on the last one).

    The page's ids come first, from the indexes alone: the events with a value to sort by, then (past
    their end) the nulls, each in an order an index can give; then the records of just those ids. With
    `after` (a cursor) the page starts right after that event (keyset pagination: a deep page costs what
    the first does, where an offset walks every row before it); `offset` is then ignored.
    """
    from rasd.store.accel import has_pairs

    e = _E
    raw = sort.nullable
    with engine.connect() as conn:
        accel = _accel(conn)
        total = _total(conn, f, accel)
        if limit <= 0 or (after is None and offset >= total):
            return total, [], None
        # few matches: read them from the id lists (FTS5, R*Tree, actor pairs); many: walk the sort's index,
        # testing each row, which stops at the page's end
        keys = _actor_keys(f)
        id_col, table, order = e.id, events_t, sort.order()
        if sort.key == "event_date" and _one_actor(f) and has_pairs(conn):
            # an actor's events by date: the pairs carry date, governorate and types, so the page is one index read
            ae = _ACTOR_EVENTS.c
            where = [ae.key == keys[0], *_column_conditions(ae, f)]
            id_col, table, raw = ae.event_id, _ACTOR_EVENTS, ae.event_date
            order = [raw.desc(), id_col.desc()] if sort.desc else [raw, id_col]
        elif (listed := _listed_numbers(conn, f, total)) is not None:
            # a text's few matches, from the word bitmaps: the page sorts just them (the FTS5 lists of a needle
            # made of common trigrams, a date say, cost tens of milliseconds)
            where = [e.id.in_(listed)]
        else:
            where = f.conditions(paging=True, accel=accel and total <= ID_LIST_MAX and not f.only_columns())
        val = raw if table is _ACTOR_EVENTS else SORT_KEYS[sort.key]  # what the page is ordered by
        tie = id_col.desc() if sort.desc else id_col
        later = (lambda c, x: c < x) if sort.desc else (lambda c, x: c > x)  # noqa: E731
        part = where + ([raw.is_not(None)] if raw is not None else [])
        rows: list[tuple[str, Any]] = []
        in_nulls = after is not None and after[0] is None and raw is not None
        if not in_nulls:
            q = select(id_col, val).where(*part).order_by(*order).limit(limit)
            if after is not None:
                v, last = after
                q = q.where(or_(later(val, v), and_(val == v, later(id_col, last))))
            else:
                q = q.offset(offset)
            rows = [tuple(r) for r in conn.execute(q)]
        if raw is not None and len(rows) < limit:
            if after is not None:
                q = select(id_col).where(*where, raw.is_(None)).order_by(tie).limit(limit - len(rows))
                if in_nulls:
                    q = q.where(later(id_col, after[1]))
                rows += [(i, None) for i in conn.execute(q).scalars()]
            else:
                if rows or offset == 0:
                    nonnull = offset + len(rows)
                else:
                    nonnull = conn.execute(select(func.count()).select_from(table).where(*part)).scalar_one()
                if total > nonnull:
                    rows += [(i, None) for i in conn.execute(
                        select(id_col).where(*where, raw.is_(None)).order_by(tie)
                        .limit(limit - len(rows)).offset(max(0, offset - nonnull))).scalars()]
        if not rows:
            return total, [], None
        ids = [i for i, _ in rows]
        nxt = encode_cursor(sort, rows[-1][1], rows[-1][0]) if len(rows) == limit else None
        text_of = dict(conn.execute(select(e.id, cast(e.record, Text)).where(e.id.in_(ids))).all())
    return total, [text_of[i] for i in ids], nxt


ID_LIST_MAX = 20_000  # matches up to which a page is read from id lists rather than by walking an index


def _listed_numbers(conn: Connection, f: Filters, total: int) -> Any:
    """A SELECT of the ids of a text search's matches when they are few and the word bitmaps hold them (None:
    they do not)."""
    if not (f.q and f.q.strip() and 0 < total <= ID_LIST_MAX):
        return None
    from rasd.store import bitmaps
    from rasd.store.accel import version

    ns = bitmaps.numbers(conn, f, version(conn), _CANON)
    if ns is None:
        return None
    if conn.dialect.name == "sqlite":
        sql = text("SELECT event_id FROM event_rowid WHERE n IN (SELECT value FROM json_each(:ns))").bindparams(
            ns=json.dumps(ns))
    else:
        sql = text("SELECT event_id FROM event_numbers WHERE n = ANY(:ns)").bindparams(ns=ns)
    return sql.columns(literal_column("event_id"))


def _accel(conn: Connection) -> bool:
    from rasd.store.accel import enabled

    return enabled(conn)


def _total(conn: Connection, f: Filters, accel: bool) -> int:
    """Events matching the filters, kept until the next write. Under column filters alone, from the summary rows
    (SQLite with rasd.store.accel, PostgreSQL from 0012) and the partial weeks at the ends of a date range; with
    rasd.store.accel, otherwise from the actor/event pairs or the FTS5 and R*Tree id lists.
    """
    from rasd.store import bitmaps
    from rasd.store.accel import TOTALS, has_counts, has_pairs, version, versioned

    if not accel and not versioned(conn):
        return conn.execute(select(func.count()).select_from(events_t).where(*f.conditions())).scalar_one()
    ver = version(conn)
    key = ("total", str(conn.engine.url), f.key())
    n = TOTALS.get(key, ver)
    if n is None:
        keys = _actor_keys(f)
        if f.only_columns() and has_counts(conn):  # SQLite with the structures, PostgreSQL from 0012
            n = _summary_total(conn, f)
        elif _one_actor(f) and has_pairs(conn):  # the actor/event pairs (PostgreSQL from 0013)
            ae = _actor_events()
            n = conn.execute(select(func.count()).select_from(ae).where(ae.c.key == keys[0],
                                                                         *_column_conditions(ae.c, f))).scalar_one()
        elif f.q and f.q.strip() and (n := bitmaps.count(conn, f, ver, _CANON)) is not None:
            pass  # the in-memory bitmaps of the events' words (a large database: SQLite from 0014, PostgreSQL 0015)
        elif not accel:  # PostgreSQL: a count over the indexes, kept until the next write
            n = conn.execute(select(func.count()).select_from(events_t).where(*f.conditions())).scalar_one()
        elif f.bbox is not None and not f.actor and not (f.q and f.q.strip()) and not (
                f.date_from or f.date_to or f.admin1 or f.event_type or f.sub_event_type or f.kind_or_country()):
            n = _bbox_total(conn, f.bbox)
        else:
            n = conn.execute(select(func.count()).select_from(events_t).where(
                *f.conditions(accel=True, scan_text=_broad_text(conn, f)))).scalar_one()
        TOTALS.put(key, ver, n)
    return n


def _broad_text(conn: Connection, f: Filters) -> bool:
    """Whether the text `q` asks for is better tested event by event than read from the FTS5 index. Not when `q`
    also names an actor: a scan would probe that actor's list of events for each event, which costs more."""
    from rasd.store.accel import fts_is_broad
    from rasd.store.linking import search_text

    return bool(f.q and f.q.strip()) and not f.q_actors and fts_is_broad(conn, search_text(f.q.strip()))


def _bbox_total(conn: Connection, bbox: tuple[float, float, float, float]) -> int:
    """Located events inside the box, from the R*Tree alone: its float32 boxes are rounded outwards, so the points
    well inside are counted there and only those within a hair of an edge are tested against the events' values."""
    x0, y0, x1, y1 = bbox
    w, s_, east, n = min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)
    pad = 1e-4
    inside = {"iw": w + pad, "ie": east - pad, "is": s_ + pad, "in": n - pad}
    total = 0
    if inside["iw"] <= inside["ie"] and inside["is"] <= inside["in"]:
        total += conn.execute(text("SELECT count(*) FROM events_rtree WHERE min_lon >= :iw AND max_lon <= :ie AND "
                                   "min_lat >= :is AND max_lat <= :in"), inside).scalar_one()
    else:
        inside = {"iw": 1.0, "ie": 0.0, "is": 1.0, "in": 0.0}  # nothing is well inside a box that thin
    # the band between the two boxes, as four disjoint strips the R*Tree searches (left, right, bottom, top)
    outer = "min_lon >= :ow AND max_lon <= :oe AND min_lat >= :os AND max_lat <= :on"
    strips = " UNION ALL ".join(f"SELECT n FROM events_rtree WHERE {outer} AND {x}" for x in (
        "min_lon < :iw", "min_lon >= :iw AND max_lon > :ie", "min_lon >= :iw AND max_lon <= :ie AND min_lat < :is",
        "min_lon >= :iw AND max_lon <= :ie AND min_lat >= :is AND max_lat > :in"))
    total += conn.execute(text(
        f"SELECT count(*) FROM ({strips}) t JOIN event_rowid r ON r.n = t.n JOIN events e ON e.id = r.event_id "
        "WHERE e.longitude BETWEEN :w AND :e AND e.latitude BETWEEN :s AND :n"),
        {"ow": w - pad, "oe": east + pad, "os": s_ - pad, "on": n + pad, **inside,
         "w": w, "e": east, "s": s_, "n": n}).scalar_one()
    return total


def _one_actor(f: Filters) -> bool:
    """Whether the filters name one actor (in one spelling) and no text or box: the actor/event pairs answer."""
    return len(_actor_keys(f)) == 1 and not (f.q and f.q.strip()) and f.bbox is None


def _actor_keys(f: Filters) -> list[str]:
    return sorted({f.actor.strip(), f.actor.strip().lower()}) if f.actor else []


def _accel_table(name: str, *cols: Any) -> Any:
    from sqlalchemy import column, table

    return table(name, *(column(c) if isinstance(c, str) else column(*c) for c in cols))


_ACTOR_EVENTS = _accel_table("actor_events", "key", "event_id", ("event_date", Date()), "admin1", "event_type",
                             "sub_event_type", "report_kind", "country")
_EVENT_COUNTS = _accel_table("event_counts", "week", "admin1", "event_type", "sub_event_type", "report_kind",
                             "country", "n", "fatalities")


def _actor_events() -> Any:
    return _ACTOR_EVENTS


def _event_counts() -> Any:
    return _EVENT_COUNTS


def _column_conditions(cols: Any, f: Filters, dates: bool = True) -> list[Any]:
    """The filters on dates, governorate, types, report kind and country, on the events or on a table that
    copies those columns (summary rows, actor pairs: where a column is missing, the events' own test applies)."""
    out: list[Any] = []
    if dates and f.date_from is not None:
        out.append(cols.event_date >= f.date_from)
    if dates and f.date_to is not None:
        out.append(cols.event_date <= f.date_to)
    for key in ("admin1", "event_type", "sub_event_type"):
        value = getattr(f, key)
        if value:
            canon = _CANON[key].get(value.strip().lower())
            # the contract's spelling compares exactly (indexed); anything else ignoring case
            out.append(cols[key] == canon if canon else func.lower(cols[key]) == value.strip().lower())
    names = set(cols.keys())
    if f.report_kind and "report_kind" in names:
        out.append(cols.report_kind == f.report_kind)
    if f.country and "country" in names:  # a record without a country is in Syria
        out.append(func.lower(func.coalesce(cols.country, "Syria")) == f.country.strip().lower())
    return out


def _summary_parts(f: Filters) -> tuple[list[Any] | None, list[Filters]]:
    """(WHERE terms on event_counts for the whole weeks, or None), [the filters of each partial week]."""
    from rasd.store.accel import split_weeks

    c = _event_counts().c
    whole, edges = split_weeks(f.date_from, f.date_to)
    where = None
    if whole is not None:
        where = _column_conditions(c, f, dates=False)
        first, last = whole
        if f.date_from is not None or f.date_to is not None:
            where.append(c.week != "")
        if first is not None:
            where.append(c.week >= first.isoformat())
        if last is not None:
            where.append(c.week <= last.isoformat())
    return where, [dataclasses.replace(f, date_from=lo, date_to=hi) for lo, hi in edges]


def _summary_total(conn: Connection, f: Filters) -> int:
    where, edges = _summary_parts(f)
    n = 0
    if where is not None:
        c = _event_counts().c
        n += conn.execute(select(func.coalesce(func.sum(c.n), 0)).where(*where)).scalar_one()
    for g in edges:
        n += conn.execute(select(func.count()).select_from(events_t).where(*g.conditions())).scalar_one()
    return int(n)


def iter_records(engine: Engine, f: Filters, sort: Sort | None = None) -> Iterator[dict[str, Any]]:
    """Every matching record, streamed; default order (event_date, id) with undated events last, as the CLI."""
    yield from _stream_records(engine, f, sort)


def _stream_records(engine: Engine, f: Filters, sort: Sort | None, fmt: str | None = None,
                    binary: bool = False) -> Iterator[Any]:
    """The records in the sort's order, nulls last (the events with a value first, then the others, each part in
    an order an index gives, so no record goes through a sort): parsed, or with `fmt` what that format's export
    writer reads fastest (`rasd.store.query.export_items`: the stored text, or the stored row). `binary`: for a
    writer whose stream takes bytes, stored text as SQLite's UTF-8 bytes (never decoded, never encoded again)."""
    from rasd.store.query import export_columns, export_items

    sort = sort or Sort("event_date", False)
    binary = binary and engine.dialect.name == "sqlite"
    cols = export_columns(fmt, binary)
    with engine.connect() as conn:
        where = f.conditions(accel=_accel(conn))
        nullable = sort.nullable
        if nullable is None:
            parts = [select(*cols).where(*where).order_by(*sort.order())]
        else:
            tie = _E.id.desc() if sort.desc else _E.id
            parts = [select(*cols).where(*where, nullable.is_not(None)).order_by(*sort.order()),
                     select(*cols).where(*where, nullable.is_(None)).order_by(tie)]
        for q in parts:
            rows = conn.execution_options(yield_per=1000).execute(q)
            yield from export_items(rows, fmt, binary)


def event_detail(engine: Engine, event_id: str, texts: bool = True) -> dict[str, Any] | None:
    """The record with its sources' titles, the full texts behind its evidence (unless `texts` is False: the
    answer to an edit, which the page already has the texts for), its edit history and review state."""
    from rasd.store.corrections import history, review_state

    with engine.connect() as conn:
        rec = conn.execute(select(_E.record).where(_E.id == event_id)).scalar()
        if rec is None:
            return None
        ids = [s["article_id"] for s in rec.get("sources") or []]
        for ev in rec.get("evidence") or []:
            if ev["article_id"] not in ids:
                ids.append(ev["article_id"])
        a = articles_t.c
        rows = {r.id: r for r in conn.execute(select(a.id, a.title, a.text).where(a.id.in_(ids)))} if ids else {}
        for s in rec.get("sources") or []:
            r = rows.get(s["article_id"])
            s["title"] = r.title if r is not None else None
        if texts:
            rec["articles"] = {aid: {"title": rows[aid].title, "text": rows[aid].text} for aid in ids if aid in rows}
        rec.setdefault("conflicts", [])
        rec["corrections"] = history(conn, event_id, [s["article_id"] for s in rec.get("sources") or []])
        rec["review"] = review_state(rec["corrections"])
    return rec


def _monday(d: dt.date) -> str:
    return (d - dt.timedelta(days=d.weekday())).isoformat()


def _week(engine: Engine) -> Any:
    """The Monday of an event's week, computed by the database (None where there is no known spelling)."""
    if engine.dialect.name == "sqlite":
        return func.date(_E.event_date, "weekday 0", "-6 days")
    if engine.dialect.name == "postgresql":
        return cast(func.date_trunc("week", _E.event_date), Date)
    return None


def _iso_day(d: Any) -> str | None:
    return None if d is None else d.isoformat() if isinstance(d, dt.date) else str(d)[:10]


def stats(engine: Engine, f: Filters, with_cells: bool = False) -> dict[str, Any]:
    """Counts by week x event type (the timeline), by governorate and by type; with `with_cells`, by week x type x
    governorate as well. Grouped by the database on index-only reads (a few thousand groups, not one row per event);
    under column filters the whole weeks are read from the summary rows (SQLite with rasd.store.accel, PostgreSQL
    from 0012); on SQLite with them and on PostgreSQL (its write counter, 0009) the answer is kept until the next
    write.
    """
    return json.loads(stats_text(engine, f, with_cells))  # a copy of its own: the cached answer stays as it is


def stats_text(engine: Engine, f: Filters, with_cells: bool = False) -> str:
    """`stats` as the JSON text /api/stats sends, kept as text until the next write: a cached answer goes out as
    it is, never copied or serialised again (a timeline of eight years is 180 KB)."""
    from rasd.store.accel import TOTALS, version, versioned

    with engine.connect() as conn:
        accel = _accel(conn)
        if not accel and not versioned(conn):
            return json_text(_stats(conn, f, with_cells, False))
        ver = version(conn)
        key = ("stats", str(conn.engine.url), f.key(), with_cells)
        out = TOTALS.get(key, ver)
        if out is None:
            from rasd.store import bitmaps

            got = bitmaps.stats(conn, f, ver, _CANON, with_cells)  # a large database's arrays, when they are ready
            out = json_text(got if got is not None else _stats(conn, f, with_cells, accel))
            TOTALS.put(key, ver, out)
        return out


def _stats(conn: Connection, f: Filters, with_cells: bool, accel: bool) -> dict[str, Any]:
    from rasd.store.accel import has_counts

    week = _week(conn.engine)
    weeks: Counter[tuple[str, str]] = Counter()
    types: Counter[str] = Counter()
    admin: Counter[str] = Counter()
    cells: Counter[tuple[str, str, str | None]] = Counter()
    kinds: Counter[str] = Counter()
    deaths: Counter[str] = Counter()
    undated = 0
    if week is None:  # another backend: group by day, fold into weeks here
        week = _E.event_date
    # (week, event_type, admin1, count, report_kind, deaths, where): the summary rows, or the events themselves
    parts: list[tuple[Any, Any, Any, Any, Any, Any, list[Any]]] = []
    summary, edges = _summary_parts(f) if f.only_columns() and has_counts(conn) else (None, [f])
    if summary is not None:  # grouped by the bare columns (their covering indexes' order; "" is "none" there)
        c = _event_counts().c
        parts.append((c.week, c.event_type, c.admin1, func.sum(c.n), c.report_kind, func.sum(c.fatalities), summary))
    for g in edges:
        parts.append((week, _E.event_type, _E.admin1, func.count(), _E.report_kind,
                      func.sum(func.coalesce(_E.fatalities, 0)),
                      g.conditions(accel=accel, scan_text=accel and _broad_text(conn, g))))
    mondays: dict[Any, str] = {}  # a few hundred weeks over thousands of groups: each converted once

    def monday_of(w: Any) -> str:
        m = mondays.get(w)
        if m is None:
            m = mondays[w] = _monday(dt.date.fromisoformat(_iso_day(w)))
        return m

    for w_col, t_col, a_col, n_col, k_col, d_col, where in parts:
        # each grouping leads with the report kind, as the summary rows' covering indexes do, so it streams from
        # one of them whether or not a kind is asked for; the counts by kind are added up from the first
        for kind, w, etype, n, d in conn.execute(select(k_col, w_col, t_col, n_col, d_col).where(*where)
                                                 .group_by(k_col, w_col, t_col)):
            kinds[kind or ""] += n
            deaths[kind or ""] += int(d or 0)
            etype = etype or ""
            types[etype] += n
            if not w:
                undated += n
            else:
                weeks[(monday_of(w), etype)] += n
        for _, a, n in conn.execute(select(k_col, a_col, n_col).where(*where).group_by(k_col, a_col)):
            if a:
                admin[a] += n
        if with_cells:
            for _, w, etype, a, n in conn.execute(select(k_col, w_col, t_col, a_col, n_col).where(*where)
                                                  .group_by(k_col, w_col, t_col, a_col)):
                if w:
                    cells[(monday_of(w), etype or "", a or None)] += n
    return stats_answer(weeks, types, admin, kinds, deaths, undated, cells if with_cells else None)


def stats_answer(weeks: Counter[tuple[str, str]], types: Counter[str], admin: Counter[str], kinds: Counter[str],
                 deaths: Counter[str], undated: int, cells: Counter[tuple[str, str, str | None]] | None
                 ) -> dict[str, Any]:
    """/api/stats's answer from its counts (by the database or by rasd.store.bitmaps' arrays): by (Monday, type),
    type, governorate, report kind (with deaths), and with `cells` by (Monday, type, governorate)."""
    types = Counter({t: n for t, n in types.items() if n})
    out: dict[str, Any] = {
        "total": sum(types.values()), "undated": undated,
        "weeks": [{"week": w, "event_type": t, "count": n} for (w, t), n in sorted(weeks.items()) if n],
        "by_admin1": [{"admin1": a, "count": n} for a, n in sorted(admin.items(), key=lambda x: (-x[1], x[0]))
                      if n and a],
        "by_event_type": [{"event_type": t, "count": n} for t, n in sorted(types.items(), key=lambda x: (-x[1], x[0]))],
        "by_report_kind": [{"report_kind": k, "count": n, "fatalities": deaths[k]} for k, n in sorted(
            kinds.items(), key=lambda x: (REPORT_KINDS.index(x[0]) if x[0] in REPORT_KINDS else 9, x[0])) if n],
    }
    if cells is not None:
        out["cells"] = [{"week": w, "event_type": t, "admin1": a, "count": n}
                        for (w, t, a), n in sorted(cells.items(), key=lambda x: (x[0][0], x[0][1], x[0][2] or ""))
                        if n]
    return out


def article_detail(engine: Engine, article_id: str) -> dict[str, Any] | None:
    a, v = articles_t.c, ArticleVersion.__table__.c
    with engine.connect() as conn:
        row = conn.execute(select(a.id, a.url, a.outlet, a.published, a.title, a.text, a.meta, a.version,
                                  a.ingested_at, a.duplicate_of, a.content_hash).where(a.id == article_id)).first()
        if row is None:
            return None
        out = dict(row._mapping)
        out["published"] = row.published.isoformat() if row.published else None
        out["ingested_at"] = _iso(row.ingested_at)
        out["versions"] = [{"version": r.version, "title": r.title, "text": r.text, "content_hash": r.content_hash,
                            "replaced_at": _iso(r.replaced_at)}
                           for r in conn.execute(select(v.version, v.title, v.text, v.content_hash, v.replaced_at)
                                                 .where(v.article_id == article_id).order_by(v.version))]
        es = EventSource.__table__.c
        out["events"] = sorted(conn.execute(select(es.event_id).where(es.article_id == article_id)).scalars())
        m = Mention.__table__.c
        out["mentions"] = conn.execute(select(func.count()).select_from(Mention.__table__)
                                       .where(m.article_id == article_id)).scalar_one()
    return out


def _iso(t: dt.datetime | None) -> str | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


# --- streaming an export ---------------------------------------------------------------------------

class _Cancelled(Exception):
    """The client went away: the writer thread stops."""


class _Pipe:
    """A write-only file whose bytes go to the HTTP response in chunks (bounded: the writer waits for the client).

    The export writers (rasd.export.WRITERS) push into a stream; this lets them run in a thread of their
    own while the response pulls, so an export of any size never sits in memory. It takes text (sent as UTF-8)
    and bytes alike: Parquet, and the stored records' bytes the JSONL and GeoJSON writers pass through.
    """

    CHUNK = 512 * 1024  # large enough that handing chunks to the response costs little per event

    def __init__(self) -> None:
        self.q: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=8)
        self.buf = bytearray()
        self.pos = 0
        self.closed = False
        self.cancelled = threading.Event()

    def write(self, data: Any) -> int:
        b = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self.buf += b
        self.pos += len(b)
        if len(self.buf) >= self.CHUNK:
            self.put(bytes(self.buf))
            self.buf.clear()
        return len(data)

    def put(self, item: bytes | BaseException | None) -> None:
        while True:
            if self.cancelled.is_set():
                raise _Cancelled
            try:
                self.q.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def tell(self) -> int:
        return self.pos

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True

    def finish(self) -> None:
        if self.buf:
            self.put(bytes(self.buf))
            self.buf.clear()
        self.put(None)


def _stream_export(engine: Engine, fmt: str, f: Filters, sort: Sort) -> Iterator[bytes]:
    from rasd.export import WRITERS

    pipe = _Pipe()

    def produce() -> None:
        try:
            # JSONL is the stored record itself: its text goes out as it is, never parsed and written again; a
            # GeoJSON feature is spliced out of that text; CSV and ACLED rows are stored beside it
            WRITERS[fmt](_stream_records(engine, f, sort, fmt, binary=True), pipe)
            pipe.finish()
        except _Cancelled:
            pass
        except BaseException as exc:  # handed to the response, which ends the download early
            try:
                pipe.put(exc)
            except _Cancelled:
                pass

    thread = threading.Thread(target=produce, name=f"rasd-export-{fmt}", daemon=True)
    thread.start()
    try:
        while True:
            item = pipe.q.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        pipe.cancelled.set()
        thread.join(timeout=5)


# --- the application ---------------------------------------------------------------------------------

bearer = HTTPBearer(auto_error=False, scheme_name="token",
                    description="A token from `rasd token create`: `Authorization: Bearer TOKEN`.")


def writer_name(request: Request, _creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    """Who is writing (the token's name); the middleware has already refused requests without a valid token."""
    return request.state.who


WhoDep = Annotated[str, Depends(writer_name)]
EventId = Annotated[str, PathParam(description="An event id, e.g. rasd-0123456789ab.")]
_401 = {401: {"description": "No valid bearer token (`rasd token create`)."}}


def _unauthorized() -> JSONResponse:
    return JSONResponse({"detail": "a valid token is needed: Authorization: Bearer TOKEN (rasd token create)"},
                        status_code=401, headers={"WWW-Authenticate": "Bearer"})


def _offline_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the fastapi-offline package's files, not a CDN (the default FastAPI docs)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    try:
        import fastapi_offline
    except ImportError:  # docs from the CDN then
        app.add_api_route("/docs", lambda: get_swagger_ui_html(openapi_url="/openapi.json", title="Rasd API"),
                          include_in_schema=False, response_class=HTMLResponse)
        return
    assets = Path(fastapi_offline.__file__).resolve().parent / "static"
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Rasd API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon.png")

    app.add_api_route("/docs", docs, include_in_schema=False, response_class=HTMLResponse)


def _sqlite_read_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The server mostly reads: map the file (no read() copy per page) and keep a bigger page cache.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA mmap_size=1073741824")
    cur.execute("PRAGMA cache_size=-32768")
    cur.close()


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The API and the dashboard over one database (opened, and its schema upgraded, when not given)."""
    from rasd.store.articles import ArticleWriter
    from rasd.store.db import open_db
    from rasd.store.tokens import check_token

    settings = settings or Settings()
    engine = engine if engine is not None else open_db(settings.db, quiet=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_read_pragmas)
        engine.dispose()  # pooled connections reopen with them
    app = FastAPI(title="Rasd", version=__version__, docs_url=None, redoc_url=None,
                  dependencies=[Depends(known_parameters)],
                  description="Security incidents in Syria from Arabic news, as ACLED-style events with the "
                              "words behind every field. Reads are open; writes need `Authorization: Bearer "
                              "TOKEN` (`rasd token create`).")
    app.state.engine = engine
    app.state.settings = settings
    from rasd.store import bitmaps

    bitmaps.prepare(engine)  # a large database's word bitmaps, built in the background (text search totals)
    ingest_lock = threading.Lock()
    writer_box: list[Any] = []

    @app.middleware("http")
    async def require_token(request: Request, call_next: Any) -> Any:
        """Every write needs a valid token, checked before anything else (the body is not even read)."""
        if request.method in WRITE_METHODS and request.url.path.startswith("/api/") or request.url.path == "/api/me":
            header = request.headers.get("authorization") or ""
            scheme, _, token = header.partition(" ")
            who = await run_in_threadpool(check_token, engine, token.strip()) if scheme.lower() == "bearer" else None
            if who is None:
                return _unauthorized()
            request.state.who = who
        return await call_next(request)

    @app.exception_handler(EditError)
    async def edit_error(_request: Request, exc: EditError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)

    def _json(obj: Any, status: int = 200) -> Response:
        return Response(json_text(obj), status_code=status, media_type="application/json")

    def _detail_or_404(event_id: str, texts: bool = True) -> dict[str, Any]:
        d = event_detail(engine, event_id, texts)
        if d is None:
            raise HTTPException(404, f"event {event_id} not found")
        return d

    @app.get("/api/events", response_model=EventPage, tags=["events"])
    def list_events(f: FiltersDep,
                    sort: Annotated[str, Query(description="A field (event_date, event_type, sub_event_type, "
                                                           "location, admin1, fatalities, injured, arrested, "
                                                           "sources, confidence, id); prefix - for descending. "
                                                           "Nulls last either way; ties by id.")] = "-event_date",
                    limit: Annotated[int, Query(description=f"Page size (at most {MAX_LIMIT}).")] = 100,
                    offset: Annotated[int, Query(description="Events to skip.")] = 0,
                    after: Annotated[str | None, Query(description="The `next` cursor of the page before: the "
                                                                   "page starts right after it, as fast however "
                                                                   "deep (offset is then ignored).")] = None
                    ) -> Response:
        """Events matching the filters, one page, with the total over all pages and the next page's cursor."""
        limit, offset = max(0, min(MAX_LIMIT, limit)), max(0, offset)
        order = Sort.parse(sort)
        total, raw, nxt = _raw_records(engine, f.incidents_first(), order, limit, offset,
                                       decode_cursor(after, order) if after else None)
        body = (f'{{"total":{total},"limit":{limit},"offset":{offset},"next":{json.dumps(nxt)},"items":['
                + ",".join(raw) + "]}")
        return Response(body, media_type="application/json")

    @app.get("/api/events/{event_id}", response_model=EventDetail, tags=["events"],
             responses={404: {"description": "No such event."}})
    def get_event(event_id: EventId) -> Response:
        """Every field, the sources with titles, the full texts behind the evidence, corrections and conflicts."""
        return _json(_detail_or_404(event_id))

    @app.patch("/api/events/{event_id}", response_model=EventDetail, tags=["edits"],
               responses={**_401, 404: {"description": "No such event."}, 422: {"description": "A bad value."}})
    def patch_event(event_id: EventId, patch: EventPatch, who: WhoDep) -> Response:
        """Correct fields of an event; the corrections are recorded and survive re-extraction and relinking."""
        from rasd.store.corrections import correct_event

        changes = patch.model_dump(exclude_unset=True, mode="json")
        reason = changes.pop("reason", None)
        new_id = correct_event(engine, event_id, changes, who, reason)
        return _json(_detail_or_404(new_id, texts=False))

    @app.post("/api/events/{event_id}/confirm", response_model=EventDetail, tags=["edits"],
              responses={**_401, 404: {"description": "No such event."}})
    def confirm(event_id: EventId, body: ConfirmIn, who: WhoDep) -> Response:
        """Confirm the event as it stands: it leaves the review queue, and the history says who checked it."""
        from rasd.store.corrections import confirm_event

        return _json(_detail_or_404(confirm_event(engine, event_id, who, body.reason), texts=False))

    @app.get("/api/places", tags=["map"])
    def places(q: Annotated[str, Query(min_length=1, description="An Arabic or English place name, or its start.")],
               limit: Annotated[int, Query(ge=1, le=50, description="At most this many places.")] = 10) -> Response:
        """Gazetteer places named `q` (one row per place, its seats merged), with the event fields a correction
        of the place sets: what the page's place picker offers."""
        from rasd.geo.gazetteer import get_gazetteer, group_places

        out = []
        for p, _also in group_places(get_gazetteer().search(q, limit=limit * 3))[:limit]:
            if p.kind == "country":
                continue
            prec = 3 if p.kind in ("governorate", "district") else 2 if p.kind in ("subdistrict", "region") else 1
            out.append({"id": p.id, "name_en": p.name_en, "name_ar": p.name_ar, "kind": p.kind,
                        "correction": {"country": p.country, "admin1": p.admin1, "admin2": p.admin2,
                                       "admin3": p.admin3, "location": p.name_en, "location_ar": p.name_ar,
                                       "latitude": p.lat, "longitude": p.lon, "geo_precision": prec}})
        return _json(out)

    @app.get("/api/me", tags=["edits"], responses={**_401})
    def me(who: WhoDep) -> Response:
        """The name of the token's holder: how the page checks a token before it offers review."""
        return _json({"who": who})

    @app.post("/api/events/{event_id}/merge", response_model=EventDetail, tags=["edits"],
              responses={**_401, 404: {"description": "No such event."},
                         409: {"description": "The two events share an article."}})
    def merge(event_id: EventId, body: MergeIn, who: WhoDep) -> Response:
        """Make this event and `other` one event with both events' sources (kept through relinking)."""
        from rasd.store.corrections import merge_events

        return _json(_detail_or_404(merge_events(engine, event_id, body.other, who, body.reason), texts=False))

    @app.post("/api/events/{event_id}/split", response_model=SplitOut, tags=["edits"],
              responses={**_401, 404: {"description": "No such event."}})
    def split(event_id: EventId, body: SplitIn, who: WhoDep) -> Response:
        """Make these sources an event of their own (kept through relinking); returns both events."""
        from rasd.store.corrections import split_event

        new, rest = split_event(engine, event_id, body.article_ids, who, body.reason)
        return _json({"event": _detail_or_404(new, texts=False), "rest": _detail_or_404(rest, texts=False)})

    @app.get("/api/articles/{article_id:path}", tags=["articles"], responses={404: {"description": "No such "
                                                                                                   "article."}})
    def get_article(article_id: str) -> Response:
        """An article as last read, its earlier versions, and the events it is a source of."""
        d = article_detail(engine, article_id)
        if d is None:
            raise HTTPException(404, f"article {article_id} not found")
        return _json(d)

    @app.post("/api/articles", response_model=Ingested, status_code=201, tags=["articles"],
              responses={**_401, 200: {"description": "Known article: unchanged or a new version."}})
    def post_article(body: ArticleIn, who: WhoDep) -> Response:
        """Ingest one article as `rasd ingest` does (versions, near duplicates) and link its events."""
        from rasd.ingest.readers import _Bad, _item_article
        from rasd.store.articles import ExtractionError, content_hash
        from rasd.store.linking import relink

        obj = body.model_dump(exclude_none=True)
        default_id = "api-" + content_hash(body.url or body.text)[:16]
        try:
            art = _item_article(obj, None, default_id)
        except _Bad as exc:
            raise HTTPException(422, str(exc)) from None
        with ingest_lock:
            if not writer_box:
                writer_box.append(ArticleWriter(engine))
            try:
                written = writer_box[0].write(art)
            except ExtractionError as exc:
                raise HTTPException(422, str(exc)) from None
            relink(engine)
        es = EventSource.__table__.c
        with engine.connect() as conn:
            events = sorted(conn.execute(select(es.event_id).where(es.article_id == written.article_id)).scalars())
        out = {"status": written.status, "article_id": written.article_id, "mentions": written.mentions,
               "duplicate_of": written.duplicate_of, "events": events}
        stored = written.status == "new" or written.status == "duplicate" and written.article_id == art.id
        return _json(out, 201 if stored else 200)  # (the same URL and text under another id: not stored again)

    @app.get("/api/stats", response_model=Stats, tags=["events"])
    def get_stats(f: FiltersDep,
                  cells: Annotated[bool, Query(description="Also the counts by week x event type x governorate "
                                                           "(large without filters).")] = False) -> Response:
        """Counts by week x event type, by governorate, by type (and by all three), honouring the filters."""
        return Response(stats_text(engine, f, cells), media_type="application/json")

    @app.get("/api/export", tags=["events"], responses={200: {"description": "The file, streamed.", "content": {
        t: {} for t, _ in EXPORT_TYPES.values()}}})
    def export(f: FiltersDep,
               fmt: Annotated[Literal["jsonl", "acled-csv", "geojson", "parquet", "csv"],
                              Query(alias="format", description="File format.")] = "jsonl",
               sort: Annotated[str | None, Query(description="As for /api/events; default: by date, "
                                                             "undated last.")] = None) -> StreamingResponse:
        """Every event matching the filters in one file (rasd.export's writers), streamed."""
        order = Sort.parse(sort, "event_date")
        ctype, ext = EXPORT_TYPES[fmt]
        return StreamingResponse(_stream_export(engine, fmt, f, order), media_type=ctype,
                                 headers={"Content-Disposition": f'attachment; filename="rasd-events.{ext}"'})

    boundaries_cache: dict[str, bytes] = {}

    @app.get("/api/boundaries", tags=["map"], responses={200: {"content": {"application/geo+json": {}}}})
    def boundaries(level: Annotated[Literal["0", "1"], Query(description="1: governorates; 0: Syria and its "
                                                                          "neighbours.")] = "1") -> Response:
        """Boundaries shipped with Rasd (Natural Earth), as GeoJSON."""
        if level not in boundaries_cache:
            boundaries_cache[level] = BOUNDARIES[level].read_bytes()
        return Response(boundaries_cache[level], media_type="application/geo+json",
                        headers={"Cache-Control": "max-age=86400"})

    @app.get("/api/meta", response_model=Meta, tags=["map"])
    def meta() -> dict[str, Any]:
        """Version, the optional tile layer (null: fully offline) and attribution."""
        return {"version": __version__, "tile_url": settings.tile_url, "attribution": settings.attribution,
                "auth": {"scheme": "bearer", "writes": ["POST /api/articles", "PATCH /api/events/{id}",
                                                        "POST /api/events/{id}/merge", "POST /api/events/{id}/split"]}}

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PATCH", "PUT", "DELETE"], include_in_schema=False)
    def api_not_found(rest: str) -> JSONResponse:
        return JSONResponse({"detail": f"no such API path: /api/{rest}"}, status_code=404)

    _offline_docs(app)
    app.mount("/", StaticFiles(directory=settings.static_dir, html=True), name="dashboard")
    return app

"""Reading events back: filters on the indexed columns, records exactly as `link` made them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Engine, LargeBinary, Text, case, cast, exists, func, null, or_, select

from rasd.store.models import Event, EventActor

events_t = Event.__table__


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def event_query(date_from: dt.date | None = None, date_to: dt.date | None = None, admin1: str | None = None,
                event_type: str | None = None, actor: str | None = None, text: str | None = None,
                limit: int | None = None, report_kind: str | None = None, country: str | None = None) -> Any:
    """SELECT record FROM events, filtered, in (event_date, id) order with undated events last.

    `event_type` matches the event type or the sub-event type; `admin1` and `event_type` ignore
    case; `text` is a substring of notes, location or location_ar, both sides folded alike
    (diacritics, hamza seats, ta marbuta, case); `report_kind` is incident, aggregate or background;
    `country` ignores case.
    """
    e = events_t.c
    q = select(e.record)
    if date_from is not None:
        q = q.where(e.event_date >= date_from)
    if date_to is not None:
        q = q.where(e.event_date <= date_to)
    if admin1:
        q = q.where(func.lower(e.admin1) == admin1.lower())
    if event_type:
        t = event_type.lower()
        q = q.where(or_(func.lower(e.event_type) == t, func.lower(e.sub_event_type) == t))
    if report_kind:
        q = q.where(e.report_kind == report_kind)
    if country:
        q = q.where(func.lower(func.coalesce(e.country, "Syria")) == country.strip().lower())
    if actor:
        ea = EventActor.__table__.c
        q = q.where(exists().where(ea.event_id == e.id, ea.key == actor))
    if text:
        from rasd.store.linking import search_text

        needle = search_text(text)
        if needle:
            q = q.where(e.search.like(f"%{_like_escape(needle)}%", escape="\\"))
    q = q.order_by(case((e.event_date.is_(None), 1), else_=0), e.event_date, e.id)
    if limit:
        q = q.limit(limit)
    return q


def iter_events(engine: Engine, **filters: Any) -> Iterator[dict[str, Any]]:
    """Contract records, streamed (the whole table is never loaded at once)."""
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=500).execute(event_query(**filters))
        for (record,) in result:
            yield record


# What an export writer reads of each event: the record's stored JSON text for the formats that use it as it is,
# or the stored row of the format beside it (rasd.export.Stored); the parsed record for the others.
RAW_FORMATS = ("jsonl", "geojson")
LINE_COLUMNS = {"csv": "csv_line", "acled-csv": "acled_line"}


def export_columns(fmt: str | None, binary: bool = False) -> list[Any]:
    """The columns `export_items` makes the writer's items of (None: the parsed record, for any reader).
    `binary`: the stored text of a raw format's record as its UTF-8 bytes, for a stream that sends bytes (SQLite
    keeps the text so: the writer splices bytes, and no text is decoded here to be encoded again)."""
    e = events_t.c
    if fmt == "geojson" and binary:  # SQLite makes the Feature where the event keeps its head (migration 0016)
        record = cast(e.record, LargeBinary)
        feature = case((e.geo_head.is_not(None), cast(
            e.geo_head + func.substr(record, 1, e.geo_cut) + func.substr(record, e.geo_cut_end + 1) + "}",
            LargeBinary)), else_=null())
        return [feature, case((e.geo_head.is_(None), record), else_=null())]
    if fmt in RAW_FORMATS:
        return [cast(e.record, LargeBinary) if binary else cast(e.record, Text)]
    if fmt in LINE_COLUMNS:  # the record only where the stored line is stale (PostgreSQL: jsonb to text, 25 µs)
        from rasd.export import lines_stamp

        record = case((e.lines_stamp == lines_stamp(), null()), else_=cast(e.record, Text))
        line = e[LINE_COLUMNS[fmt]]
        return [record, cast(line, LargeBinary) if binary else line, e.lines_stamp, e.id, e.country]
    return [e.record]


def export_items(rows: Iterable[Any], fmt: str | None, binary: bool = False) -> Iterator[Any]:
    """The items the writer of `fmt` takes, from rows of `export_columns(fmt, binary)`: a stored row is kept when
    the mapping that made it is this one's."""
    if fmt == "geojson" and binary:  # (the Feature SQLite made, or the record to splice)
        from rasd.export import Spliced

        for feature, record in rows:
            yield record if feature is None else Spliced(feature)
        return
    if fmt not in LINE_COLUMNS:
        for row in rows:
            yield row[0]
        return
    from rasd.export import Stored, lines_stamp

    stamp = lines_stamp()
    for text, line, made_by, event_id, country in rows:
        yield Stored(text, line if made_by == stamp else None, event_id, country)


def iter_export(engine: Engine, fmt: str, **filters: Any) -> Iterator[Any]:
    """`iter_events` for the writer of `fmt` (rasd.export.WRITERS): the items it reads fastest."""
    cols = export_columns(fmt)
    with engine.connect() as conn:
        yield from export_items(conn.execution_options(yield_per=1000).execute(
            event_query(**filters).with_only_columns(*cols)), fmt)


def record_batches(conn: Any, size: int = 1000) -> Iterator[list[tuple[str, Any]]]:
    """(id, record) of every stored event, `size` at a time in id order: for a migration that rewrites a column
    of each (the events are never all in memory, and rows updated in a batch do not disturb the walk)."""
    e = select(events_t.c.id, events_t.c.record)
    last = ""
    while True:
        rows = [tuple(r) for r in conn.execute(e.where(events_t.c.id > last).order_by(events_t.c.id).limit(size))]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table, for `rasd db info` and the tests."""
    from rasd.store.models import TABLES

    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}


def integrity(engine: Engine) -> dict[str, int]:
    """Rows that should not exist; all zero in a healthy database (after linking has finished)."""
    from sqlalchemy import text

    checks = {
        "mentions without article": "SELECT count(*) FROM mentions m LEFT JOIN articles a ON a.id = m.article_id "
                                    "WHERE a.id IS NULL",
        "unlinked mentions": "SELECT count(*) FROM mentions WHERE event_id IS NULL",
        "mentions of a missing event": "SELECT count(*) FROM mentions m LEFT JOIN events e ON e.id = m.event_id "
                                       "WHERE m.event_id IS NOT NULL AND e.id IS NULL",
        "events without mention": "SELECT count(*) FROM events e WHERE NOT EXISTS "
                                  "(SELECT 1 FROM mentions m WHERE m.event_id = e.id)",
        "versions without article": "SELECT count(*) FROM article_versions v LEFT JOIN articles a "
                                    "ON a.id = v.article_id WHERE a.id IS NULL",
    }
    for child in ("event_sources", "evidence", "event_actors"):
        checks[f"{child} without event"] = (f"SELECT count(*) FROM {child} c LEFT JOIN events e ON e.id = c.event_id "
                                            "WHERE e.id IS NULL")
    with engine.connect() as conn:
        return {name: conn.execute(text(sql)).scalar_one() for name, sql in checks.items()}

"""Structures that keep the API fast at a million events (migration 0004), kept in step by the database itself.

SQLite, except the summary rows and the actor/event pairs, which PostgreSQL keeps too (migrations 0012 and
0013; its other reads use the plain indexes of `rasd.store.models`). Every structure
is maintained by triggers on `events` and `event_actors`, so whatever writes events (linking, corrections,
`rasd db relink`, a bulk load) keeps them exact, inside the writer's own transaction:

- `event_counts`: events and their deaths per (week, admin1, event_type, sub_event_type, report_kind, country),
  the summary rows behind totals and /api/stats (a few tens of thousands of rows instead of a million), with
  covering indexes in the orders /api/stats groups them by (migration 0011);
- `actor_events`: (actor key, event) pairs with the event's date, governorate, types, report kind and country,
  so counting the events of an actor is an index range, never a probe of the events table per row;
- `event_rowid`: a stable integer per event (events have text ids; VACUUM may renumber implicit rowids),
  the key of the two virtual tables below;
- `events_fts`: FTS5 over `events.search` (notes and places in rasd.arabic.normalize's folded view, lower
  case) with the trigram tokenizer, case-sensitive, so a match is exactly the substring test
  `search LIKE '%needle%'` the API always made, answered from an index;
- `events_rtree`: an R*Tree over the events' points for the map's bounding box;
- `rasd_counters`: a version number bumped by every write, which invalidates cached totals;
- `search_log`: the changes of the events' texts, filter columns and actors, which keep the API's in-memory
  bitmaps (rasd.store.bitmaps, migration 0014) in step.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text

from rasd.store import bitmaps

# tables (and their shadow tables) that live outside the SQLAlchemy models
TABLES = ("event_counts", "actor_events", "event_rowid", "events_fts", "events_rtree", "rasd_counters", "search_log",
          "sqlite_sequence")
INDEXES = ("ix_events_location_lower",)


def is_accel_name(name: str | None) -> bool:
    """Whether a table or index name belongs to this module (the schema test leaves them out)."""
    return bool(name) and (name in INDEXES or any(name == t or name.startswith(t + "_") for t in TABLES)
                           or name.startswith("ix_actor_events") or name.startswith("ix_event_counts"))


WEEK = "date({d}, 'weekday 0', '-6 days')"  # the Monday of an ISO week, as rasd.api._week spells it


COUNT_KEYS = "week, admin1, event_type, sub_event_type, report_kind, country"


def _key_values(p: str, week: str) -> list[str]:
    """The summary row's key of an event (`p`: an alias of events, or new/old), as the table stores it (no NULLs),
    on either backend (`week`: its Monday, spelt in the backend's SQL)."""
    return [f"coalesce({week}, '')", f"coalesce({p}.admin1, '')", f"coalesce({p}.event_type, '')",
            f"coalesce({p}.sub_event_type, '')", f"coalesce({p}.report_kind, '')", f"coalesce({p}.country, 'Syria')"]


def _count_values(p: str) -> str:
    """The summary row's key of an event on SQLite."""
    return ", ".join(_key_values(p, WEEK.format(d=p + ".event_date")))


def _counts_upsert(p: str, delta: str) -> str:
    return (f"INSERT INTO event_counts ({COUNT_KEYS}, n, fatalities) "
            f"VALUES ({_count_values(p)}, {delta}, {delta} * coalesce({p}.fatalities, 0)) "
            f"ON CONFLICT ({COUNT_KEYS}) DO UPDATE SET n = n + excluded.n, "
            f"fatalities = fatalities + excluded.fatalities;")


def _counts_prune(p: str) -> str:
    return f"DELETE FROM event_counts WHERE n = 0 AND ({COUNT_KEYS}) = ({_count_values(p)});"


BUMP = "UPDATE rasd_counters SET value = value + 1 WHERE name = 'events';"
COUNTS_DDL = ("CREATE TABLE event_counts (week TEXT NOT NULL, admin1 TEXT NOT NULL, event_type TEXT NOT NULL, "
              "sub_event_type TEXT NOT NULL, report_kind TEXT NOT NULL, country TEXT NOT NULL, n INTEGER NOT NULL, "
              f"fatalities INTEGER NOT NULL, PRIMARY KEY ({COUNT_KEYS}))")
# the two orders /api/stats groups the summary rows in (by week and type, by governorate), each covering every
# column a filter or a sum reads: a stats call streams its groups from an index instead of sorting the rows
COUNTS_INDEXES = [
    "CREATE INDEX IF NOT EXISTS ix_event_counts_week ON event_counts (report_kind, week, event_type, admin1, "
    "sub_event_type, country, n, fatalities)",
    "CREATE INDEX IF NOT EXISTS ix_event_counts_admin1 ON event_counts (report_kind, admin1, week, event_type, "
    "sub_event_type, country, n, fatalities)",
]
COUNTS_FILL = (f"INSERT INTO event_counts ({COUNT_KEYS}, n, fatalities) SELECT {_count_values('events')}, count(*), "
               "sum(coalesce(fatalities, 0)) FROM events GROUP BY 1, 2, 3, 4, 5, 6")

# (actor key, event) pairs with the columns a list filters on: date, governorate, types, and the report kind
# and country every list of the page carries (incidents first, migration 0008)
ACTOR_EVENT_COLS = "key, event_id, event_date, admin1, event_type, sub_event_type, report_kind, country"


def _actor_events_table(date_type: str, options: str = "") -> str:
    return (f"CREATE TABLE actor_events (key TEXT NOT NULL, event_id TEXT NOT NULL, event_date {date_type}, "
            "admin1 TEXT, event_type TEXT, sub_event_type TEXT, report_kind TEXT, country TEXT, "
            f"PRIMARY KEY (key, event_id)){options}")


ACTOR_EVENTS_DDL = [
    _actor_events_table("TEXT", " WITHOUT ROWID"),
    "CREATE INDEX ix_actor_events_key_admin1 ON actor_events (key, admin1, event_date, event_type, sub_event_type, "
    "report_kind, country)",
    "CREATE INDEX ix_actor_events_key_date ON actor_events (key, event_date, event_id, report_kind, country)",
    "CREATE INDEX ix_actor_events_event_id ON actor_events (event_id)",
]
_ACTOR_EVENT_VALUES = "e.id, e.event_date, e.admin1, e.event_type, e.sub_event_type, e.report_kind, e.country"
ACTOR_EVENTS_FILL = (f"INSERT OR IGNORE INTO actor_events ({ACTOR_EVENT_COLS}) SELECT a.key, {_ACTOR_EVENT_VALUES} "
                     "FROM event_actors a JOIN events e ON e.id = a.event_id")

SQLITE_DDL = [
    "CREATE TABLE rasd_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    # 'instance' tells this database from another one later created at the same path (cached totals)
    "INSERT INTO rasd_counters (name, value) VALUES ('events', 0), ('instance', abs(random()))",
    COUNTS_DDL,
    *COUNTS_INDEXES,
    *ACTOR_EVENTS_DDL,
    "CREATE TABLE event_rowid (n INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE events_fts USING fts5(search, content='', tokenize='trigram case_sensitive 1')",
    "CREATE VIRTUAL TABLE events_rtree USING rtree(n, min_lon, max_lon, min_lat, max_lat)",
]
SQLITE_TRIGGERS = [
    # -- events
    f"""CREATE TRIGGER tr_events_accel_insert AFTER INSERT ON events BEGIN
        INSERT INTO event_rowid (event_id) VALUES (new.id);
        INSERT INTO events_fts (rowid, search) SELECT n, new.search FROM event_rowid
            WHERE event_id = new.id AND new.search IS NOT NULL;
        INSERT INTO events_rtree (n, min_lon, max_lon, min_lat, max_lat)
            SELECT n, new.longitude, new.longitude, new.latitude, new.latitude FROM event_rowid
            WHERE event_id = new.id AND new.longitude IS NOT NULL AND new.latitude IS NOT NULL;
        {_counts_upsert('new', '1')}
        {BUMP}
    END""",
    f"""CREATE TRIGGER tr_events_accel_delete AFTER DELETE ON events BEGIN
        INSERT INTO events_fts (events_fts, rowid, search) SELECT 'delete', n, old.search FROM event_rowid
            WHERE event_id = old.id AND old.search IS NOT NULL;
        DELETE FROM events_rtree WHERE n = (SELECT n FROM event_rowid WHERE event_id = old.id);
        DELETE FROM event_rowid WHERE event_id = old.id;
        DELETE FROM actor_events WHERE event_id = old.id;
        {_counts_upsert('old', '-1')}
        {_counts_prune('old')}
        {BUMP}
    END""",
    f"""CREATE TRIGGER tr_events_accel_update AFTER UPDATE OF id, search, latitude, longitude, event_date, admin1,
        event_type, sub_event_type, report_kind, country, fatalities ON events BEGIN
        INSERT INTO events_fts (events_fts, rowid, search) SELECT 'delete', n, old.search FROM event_rowid
            WHERE event_id = old.id AND old.search IS NOT NULL;
        DELETE FROM events_rtree WHERE n = (SELECT n FROM event_rowid WHERE event_id = old.id);
        UPDATE event_rowid SET event_id = new.id WHERE event_id = old.id;
        INSERT INTO events_fts (rowid, search) SELECT n, new.search FROM event_rowid
            WHERE event_id = new.id AND new.search IS NOT NULL;
        INSERT INTO events_rtree (n, min_lon, max_lon, min_lat, max_lat)
            SELECT n, new.longitude, new.longitude, new.latitude, new.latitude FROM event_rowid
            WHERE event_id = new.id AND new.longitude IS NOT NULL AND new.latitude IS NOT NULL;
        UPDATE actor_events SET event_id = new.id, event_date = new.event_date, admin1 = new.admin1,
            event_type = new.event_type, sub_event_type = new.sub_event_type, report_kind = new.report_kind,
            country = new.country WHERE event_id = old.id;
        {_counts_upsert('old', '-1')}
        {_counts_prune('old')}
        {_counts_upsert('new', '1')}
        {BUMP}
    END""",
    # -- event_actors: one actor_events row per (key, event), however many sides the actor is on
    f"""CREATE TRIGGER tr_event_actors_accel_insert AFTER INSERT ON event_actors BEGIN
        INSERT OR IGNORE INTO actor_events (key, event_id, event_date, admin1, event_type, sub_event_type,
            report_kind, country)
            SELECT new.key, e.id, e.event_date, e.admin1, e.event_type, e.sub_event_type, e.report_kind, e.country
            FROM events e WHERE e.id = new.event_id;
        {BUMP}
    END""",
    f"""CREATE TRIGGER tr_event_actors_accel_delete AFTER DELETE ON event_actors BEGIN
        DELETE FROM actor_events WHERE key = old.key AND event_id = old.event_id AND NOT EXISTS (
            SELECT 1 FROM event_actors WHERE event_id = old.event_id AND key = old.key);
        {BUMP}
    END""",
    f"""CREATE TRIGGER tr_event_actors_accel_update AFTER UPDATE ON event_actors BEGIN
        DELETE FROM actor_events WHERE key = old.key AND event_id = old.event_id AND NOT EXISTS (
            SELECT 1 FROM event_actors WHERE event_id = old.event_id AND key = old.key);
        INSERT OR IGNORE INTO actor_events (key, event_id, event_date, admin1, event_type, sub_event_type,
            report_kind, country)
            SELECT new.key, e.id, e.event_date, e.admin1, e.event_type, e.sub_event_type, e.report_kind, e.country
            FROM events e WHERE e.id = new.event_id;
        {BUMP}
    END""",
]

# --- PostgreSQL: the summary rows (migration 0012) --------------------------------------------------------
# The same table and indexes, kept by statement-level triggers that read the statement's rows as transition
# tables: one grouped upsert per statement (a COPY of a million events included), not one per row.

def _pg_count_values(p: str) -> list[str]:
    """The summary row's key of an event on PostgreSQL."""
    return _key_values(p, f"to_char(date_trunc('week', {p}.event_date), 'YYYY-MM-DD')")


def _pg_apply(rows: str) -> str:
    """The upsert of the summary rows' changes (`rows`: a SELECT of the keys, +1/-1 and deaths) and the removal
    of the rows it brings to zero, in key order (`_pg_function` has locked the write counter first)."""
    return (f"INSERT INTO event_counts AS c ({COUNT_KEYS}, n, fatalities) SELECT {COUNT_KEYS}, sum(d), sum(f) "
            f"FROM ({rows}) x GROUP BY {COUNT_KEYS} HAVING sum(d) <> 0 OR sum(f) <> 0 ORDER BY {COUNT_KEYS} "
            f"ON CONFLICT ({COUNT_KEYS}) DO UPDATE SET n = c.n + excluded.n, "
            f"fatalities = c.fatalities + excluded.fatalities; "
            f"DELETE FROM event_counts c WHERE c.n = 0 AND ({COUNT_KEYS}) IN (SELECT {COUNT_KEYS} FROM ({rows}) y);")


def _pg_side(table: str, sign: str) -> str:
    keys = ", ".join(f"{v} AS {k}" for v, k in zip(_pg_count_values("r"), COUNT_KEYS.split(", "), strict=True))
    return f"SELECT {keys}, {sign}1 AS d, {sign}coalesce(r.fatalities, 0) AS f FROM {table} r"


def _pg_function(name: str, body: str) -> str:
    """A trigger function that keeps a structure. It locks the write counter's row before anything else: every
    writing statement locks that row until commit anyway (migration 0009), and taking it first means that two
    transactions never hold one each of it and a summary row while waiting for the other's (a deadlock
    PostgreSQL ends by failing one of them)."""
    return ("CREATE OR REPLACE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "PERFORM 1 FROM rasd_counters WHERE name = 'events' FOR UPDATE; " + body + " RETURN NULL; END $$")


PG_COUNTS_DDL = [
    "DROP TABLE IF EXISTS event_counts",
    COUNTS_DDL,
    *COUNTS_INDEXES,
    _pg_function("rasd_counts_insert", _pg_apply(_pg_side("new_rows", "+"))),
    _pg_function("rasd_counts_delete", _pg_apply(_pg_side("old_rows", "-"))),
    _pg_function("rasd_counts_update", _pg_apply(f"{_pg_side('old_rows', '-')} UNION ALL {_pg_side('new_rows', '+')}")),
    _pg_function("rasd_counts_truncate", "DELETE FROM event_counts;"),
    "CREATE TRIGGER tr_events_counts_insert AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION rasd_counts_insert()",
    "CREATE TRIGGER tr_events_counts_delete AFTER DELETE ON events REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION rasd_counts_delete()",
    "CREATE TRIGGER tr_events_counts_update AFTER UPDATE ON events REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rasd_counts_update()",
    "CREATE TRIGGER tr_events_counts_truncate AFTER TRUNCATE ON events FOR EACH STATEMENT "
    "EXECUTE FUNCTION rasd_counts_truncate()",
    f"INSERT INTO event_counts ({COUNT_KEYS}, n, fatalities) SELECT {', '.join(_pg_count_values('e'))}, count(*), "
    "sum(coalesce(e.fatalities, 0)) FROM events e GROUP BY 1, 2, 3, 4, 5, 6",
    "ANALYZE event_counts",
]
# the actor/event pairs (migration 0013): kept from event_actors by statement triggers (a pair lives while any
# row of the event names the actor), and from events by a row trigger that fires only when a copied column moves
_PG_PAIRS_ADD = (f"INSERT INTO actor_events ({ACTOR_EVENT_COLS}) SELECT DISTINCT n.key, {_ACTOR_EVENT_VALUES} "
                 "FROM new_rows n JOIN events e ON e.id = n.event_id ON CONFLICT (key, event_id) DO NOTHING;")
_PG_PAIRS_REMOVE = ("DELETE FROM actor_events a USING (SELECT DISTINCT event_id, key FROM old_rows) o WHERE "
                    "a.key = o.key AND a.event_id = o.event_id AND NOT EXISTS (SELECT 1 FROM event_actors x WHERE "
                    "x.event_id = o.event_id AND x.key = o.key);")
_PG_COPIED = ("id", "event_date", "admin1", "event_type", "sub_event_type", "report_kind", "country")
PG_PAIRS_DDL = [
    "DROP TABLE IF EXISTS actor_events",
    _actor_events_table("DATE"),  # a date there, as events.event_date is
    *ACTOR_EVENTS_DDL[1:],
    _pg_function("rasd_pairs_insert", _PG_PAIRS_ADD),
    _pg_function("rasd_pairs_delete", _PG_PAIRS_REMOVE),
    _pg_function("rasd_pairs_update", _PG_PAIRS_REMOVE + " " + _PG_PAIRS_ADD),
    _pg_function("rasd_pairs_truncate", "DELETE FROM actor_events;"),
    _pg_function("rasd_pairs_event", "UPDATE actor_events SET " + ", ".join(
        f"{'event_id' if c == 'id' else c} = NEW.{c}" for c in _PG_COPIED) + " WHERE event_id = OLD.id;"),
    "CREATE TRIGGER tr_event_actors_pairs_insert AFTER INSERT ON event_actors REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION rasd_pairs_insert()",
    "CREATE TRIGGER tr_event_actors_pairs_delete AFTER DELETE ON event_actors REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION rasd_pairs_delete()",
    "CREATE TRIGGER tr_event_actors_pairs_update AFTER UPDATE ON event_actors REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rasd_pairs_update()",
    "CREATE TRIGGER tr_event_actors_pairs_truncate AFTER TRUNCATE ON event_actors FOR EACH STATEMENT "
    "EXECUTE FUNCTION rasd_pairs_truncate()",
    "CREATE TRIGGER tr_events_pairs_update AFTER UPDATE ON events FOR EACH ROW WHEN (" + " OR ".join(
        f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _PG_COPIED) + ") EXECUTE FUNCTION rasd_pairs_event()",
    ACTOR_EVENTS_FILL.replace("INSERT OR IGNORE INTO", "INSERT INTO") + " ON CONFLICT (key, event_id) DO NOTHING",
    "ANALYZE actor_events",
]
PG_PAIRS_DROP = [
    *(f"DROP TRIGGER IF EXISTS tr_event_actors_pairs_{op} ON event_actors"
      for op in ("insert", "delete", "update", "truncate")),
    "DROP TRIGGER IF EXISTS tr_events_pairs_update ON events",
    *(f"DROP FUNCTION IF EXISTS rasd_pairs_{op}()" for op in ("insert", "delete", "update", "truncate", "event")),
    "DROP TABLE IF EXISTS actor_events",
]
PG_COUNTS_DROP = [
    *(f"DROP TRIGGER IF EXISTS tr_events_counts_{op} ON events" for op in ("insert", "delete", "update", "truncate")),
    *(f"DROP FUNCTION IF EXISTS rasd_counts_{op}()" for op in ("insert", "delete", "update", "truncate")),
    "DROP TABLE IF EXISTS event_counts",
]


def run_on_postgresql(conn: Connection, statements: list[str]) -> None:
    """`statements` on a PostgreSQL connection (a migration of the structures PostgreSQL keeps); none on SQLite."""
    if conn.dialect.name == "postgresql":
        for sql in statements:
            conn.exec_driver_sql(sql)


# filling the structures from the rows already stored (migration 0004 on an existing database)
SQLITE_FILL = [
    "INSERT INTO event_rowid (event_id) SELECT id FROM events ORDER BY rowid",
    "INSERT INTO events_fts (rowid, search) SELECT r.n, e.search FROM events e JOIN event_rowid r "
    "ON r.event_id = e.id WHERE e.search IS NOT NULL",
    "INSERT INTO events_rtree (n, min_lon, max_lon, min_lat, max_lat) SELECT r.n, e.longitude, e.longitude, "
    "e.latitude, e.latitude FROM events e JOIN event_rowid r ON r.event_id = e.id "
    "WHERE e.longitude IS NOT NULL AND e.latitude IS NOT NULL",
    COUNTS_FILL,
    ACTOR_EVENTS_FILL,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tr_events_accel_insert", "DROP TRIGGER IF EXISTS tr_events_accel_delete",
    "DROP TRIGGER IF EXISTS tr_events_accel_update", "DROP TRIGGER IF EXISTS tr_event_actors_accel_insert",
    "DROP TRIGGER IF EXISTS tr_event_actors_accel_delete", "DROP TRIGGER IF EXISTS tr_event_actors_accel_update",
    "DROP TABLE IF EXISTS events_rtree", "DROP TABLE IF EXISTS events_fts", "DROP TABLE IF EXISTS event_rowid",
    "DROP TABLE IF EXISTS actor_events", "DROP TABLE IF EXISTS event_counts", "DROP TABLE IF EXISTS rasd_counters",
]


def install(conn: Connection, fill: bool = True) -> None:
    """Create the structures (and their triggers) on a SQLite connection; `fill` from the rows already there."""
    for sql in SQLITE_DDL:
        conn.exec_driver_sql(sql)
    if fill:
        for sql in SQLITE_FILL:
            conn.exec_driver_sql(sql)
    for sql in SQLITE_TRIGGERS:
        conn.exec_driver_sql(sql)
    bitmaps.install_log(conn)


@contextmanager
def bulk_load(conn: Connection) -> Iterator[None]:
    """Many events written at once (a bulk import, a benchmark): the triggers are set aside while the block runs
    and the structures rebuilt from the tables once at its end, in the same transaction (far cheaper than row by
    row for a million events); so are the secondary indexes of events. PostgreSQL has only those indexes to set
    aside; an older SQLite schema without the structures, nothing."""
    if conn.dialect.name == "postgresql":
        with indexes_set_aside(conn):
            yield
        return
    if not enabled(conn):
        yield
        return
    for sql in SQLITE_DROP[:6] + bitmaps.LOG_DROP:
        conn.exec_driver_sql(sql)
    with indexes_set_aside(conn):
        yield
    if bitmaps.usable(conn):  # from migration 0014
        bitmaps.clear_log(conn)
        bitmaps.install_log(conn)
    conn.exec_driver_sql("INSERT INTO events_fts (events_fts) VALUES ('delete-all')")
    for table in ("events_rtree", "event_rowid", "actor_events", "event_counts"):
        conn.exec_driver_sql(f"DELETE FROM {table}")
    for sql in SQLITE_FILL:
        conn.exec_driver_sql(sql)
    for sql in SQLITE_TRIGGERS:
        conn.exec_driver_sql(sql)
    conn.exec_driver_sql(BUMP)


_INDEX_LISTINGS = {  # the names and definitions of the secondary indexes of events
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL",
    "postgresql": "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'events' AND i.schemaname = "
                  "current_schema() AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = "
                  "'events'::regclass)",
}


@contextmanager
def indexes_set_aside(conn: Connection) -> Iterator[None]:
    """The secondary indexes of events dropped while the block runs and built again at its end, each once from the
    rows (a sort) rather than kept up row by row: for a block that writes most events (a bulk load, a migration
    that fills a column on PostgreSQL, where every updated row is entered again in every index)."""
    indexes = conn.exec_driver_sql(_INDEX_LISTINGS[conn.dialect.name]).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        conn.exec_driver_sql(sql)


def rebuild_counts(conn: Connection) -> None:
    """The summary rows again, by report kind and country too and with their deaths (migration 0006): the
    events' triggers are replaced (their counting changed), the other structures stay."""
    _rebuild_table(conn, "event_counts", [COUNTS_DDL, *COUNTS_INDEXES], COUNTS_FILL)


def _rebuild_table(conn: Connection, table: str, ddl: list[str], fill: str) -> None:
    """One structure built again from the stored rows (a migration changed its columns); the triggers are
    replaced, since they write it, and the other structures stay."""
    if not enabled(conn):
        return
    for sql in SQLITE_DROP[:6]:
        conn.exec_driver_sql(sql)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
    for sql in ddl:
        conn.exec_driver_sql(sql)
    conn.exec_driver_sql(fill)
    for sql in SQLITE_TRIGGERS:
        conn.exec_driver_sql(sql)
    conn.exec_driver_sql(BUMP)


def rebuild_actor_events(conn: Connection) -> None:
    """The actor/event pairs again, with the report kind and the country (migration 0008); the triggers that
    keep them are replaced, the other structures stay."""
    _rebuild_table(conn, "actor_events", ACTOR_EVENTS_DDL, ACTOR_EVENTS_FILL)


def uninstall(conn: Connection) -> None:
    for sql in [*bitmaps.LOG_DROP, "DROP TABLE IF EXISTS search_log", *SQLITE_DROP]:
        conn.exec_driver_sql(sql)


def enabled(conn: Connection) -> bool:
    """Whether this database has the structures (SQLite at schema 0004 or later); remembered per connection."""
    if conn.dialect.name != "sqlite":
        return False
    info = conn.info
    if "rasd_accel" not in info:
        info["rasd_accel"] = conn.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                               "name = 'event_counts'")).first() is not None
    return bool(info["rasd_accel"])


def has_counts(conn: Connection) -> bool:
    """Whether this database keeps the summary rows (SQLite with the structures; PostgreSQL from migration 0012)."""
    return _kept(conn, "event_counts")


def has_pairs(conn: Connection) -> bool:
    """Whether this database keeps the actor/event pairs (SQLite with the structures; PostgreSQL from 0013)."""
    return _kept(conn, "actor_events")


def _kept(conn: Connection, table: str) -> bool:
    """Whether `table` of this module is kept here; remembered per connection."""
    if conn.dialect.name == "sqlite":
        return enabled(conn)
    info = conn.info
    if f"rasd_{table}" not in info:
        info[f"rasd_{table}"] = conn.execute(text(
            "SELECT 1 FROM information_schema.tables WHERE table_name = :t AND table_schema = current_schema()"),
            {"t": table}).first() is not None
    return bool(info[f"rasd_{table}"])


def versioned(conn: Connection) -> bool:
    """Whether this database keeps a write counter (SQLite with the structures; PostgreSQL from migration
    0009), so answers can be kept until the next write; remembered per connection."""
    if conn.dialect.name == "sqlite":
        return enabled(conn)
    info = conn.info
    if "rasd_versioned" not in info:
        info["rasd_versioned"] = conn.execute(text(
            "SELECT 1 FROM information_schema.tables WHERE table_name = 'rasd_counters'")).first() is not None
    return bool(info["rasd_versioned"])


def version(conn: Connection) -> tuple[int, ...]:
    """(this database's instance number, its write counter): cached totals are valid while it stays the same."""
    rows = dict(conn.execute(text("SELECT name, value FROM rasd_counters")).all())
    return rows.get("instance", 0), rows.get("events", 0)


# --- the text search --------------------------------------------------------------------------------

def fts_phrase(needle: str) -> str | None:
    """The FTS5 query matching exactly the rows whose `search` contains `needle` (None: too short for trigrams)."""
    if len(needle) < 3:
        return None
    return '"' + needle.replace('"', '""') + '"'


# Reading a text's matches from the FTS5 index and probing each event by id costs about 15 times what testing
# one event on the covering index does: past one event in SCAN_SHARE, a count scans instead.
SCAN_SHARE = 15
_MIN_LIST = 2_000


def fts_is_broad(conn: Connection, needle: str) -> bool:
    """Whether `needle` is in so many events' `search` that a count is cheaper as one scan of the covering index
    than through the FTS5 id list ("killed" in 40% of a million events: 1.1 s by the list, 0.3 s by the scan).
    The matches are counted only up to that share, which costs a few milliseconds."""
    phrase = fts_phrase(needle)
    if phrase is None:
        return False
    events = conn.exec_driver_sql("SELECT max(n) FROM event_rowid").scalar() or 0
    cap = max(_MIN_LIST, events // SCAN_SHARE)
    n = conn.execute(text("SELECT count(*) FROM (SELECT rowid FROM events_fts WHERE events_fts MATCH :fts "
                          "LIMIT :cap)"), {"fts": phrase, "cap": cap + 1}).scalar_one()
    return n > cap


def fts_event_ids() -> Any:
    """A SELECT of the event ids whose `search` matches :fts (bind it with `fts_phrase`)."""
    return text("SELECT r.event_id FROM events_fts f JOIN event_rowid r ON r.n = f.rowid WHERE events_fts MATCH :fts")


# --- cached totals ------------------------------------------------------------------------------------

class TotalCache:
    """Totals by (database, filters), dropped whenever the database's write counter moves."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self.items: OrderedDict[tuple[Any, ...], tuple[Any, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...], ver: Any) -> Any:
        with self.lock:
            hit = self.items.get(key)
            if hit is None or hit[0] != ver:
                return None
            self.items.move_to_end(key)
            return hit[1]

    def put(self, key: tuple[Any, ...], ver: Any, value: Any) -> None:
        with self.lock:
            self.items[key] = (ver, value)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


TOTALS = TotalCache()


# --- weeks --------------------------------------------------------------------------------------------

def monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def split_weeks(lo: dt.date | None, hi: dt.date | None) -> tuple[tuple[dt.date | None, dt.date | None] | None,
                                                                list[tuple[dt.date | None, dt.date | None]]]:
    """([first, last] Monday of the whole weeks inside [lo, hi], or None), [day ranges of the partial weeks].

    An open end is None. With no whole week, the whole range is one partial range.
    """
    first = None if lo is None else monday(lo + dt.timedelta(days=6))  # the first Monday on or after lo
    last = None if hi is None else monday(hi - dt.timedelta(days=6))  # the last Monday whose week ends by hi
    if first is not None and last is not None and first > last:
        return None, [(lo, hi)]
    edges: list[tuple[dt.date | None, dt.date | None]] = []
    if lo is not None and first is not None and first > lo:
        edges.append((lo, first - dt.timedelta(days=1)))
    if hi is not None and last is not None and last + dt.timedelta(days=6) < hi:
        edges.append((last + dt.timedelta(days=7), hi))
    return (first, last), edges

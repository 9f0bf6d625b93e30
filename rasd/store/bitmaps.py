"""Exact totals of a text search at a million events: the events' words, word pairs and actors as bitmaps, and
their filter columns as arrays, in the API's memory (SQLite with rasd.store.accel), kept in step by a change log.

Why: the events whose folded text contains a word found in 40 % of a million events are 400,000 rows in any
index SQLite has (the FTS5 trigram lists, a scan of the covering index): their count costs 250-800 ms. Here it
is a union of the bitmaps of the vocabulary's words that contain the word, crossed with the filters' arrays: a
few milliseconds.

Exact, not an estimate: `events.search` is folded text with single spaces (rasd.store.linking.search_text),
and so is the needle. A needle without a space occurs in a text exactly when it occurs in one of the text's
words (split at single spaces); a needle with one space, exactly when two adjacent words x y have x ending with
its first part and y starting with its second. Needles with two spaces or more, and filters these arrays do not
hold (bounding box, review queue), are left to SQL (`count` returns None).

Kept in step: triggers (`LOG_TRIGGERS`, migration 0014) append every change of an event's text, filter columns
or actors to `search_log`, with the text it had. An index behind the database replays the rows after its own
(removes the old texts' words, adds the events as they are now); one the log no longer reaches (pruned past
it, or cleared by a bulk load) is built again. Builds run in a background thread (a million events: about half
a minute); until an index is ready, or while it catches up with a large change, SQL answers.
"""

from __future__ import annotations

import array
import datetime as dt
import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from pyroaring import BitMap
from sqlalchemy import Connection, Engine, bindparam, text

MIN_EVENTS = 50_000  # below this, SQL counts any text in well under 50 ms: no memory is spent on bitmaps
LOG_KEEP = 200_000  # log rows kept behind the newest; an index further behind is built again
REPLAY_INLINE = 5_000  # log rows replayed inside a request; more are replayed in the background
MATCH_MAX = 50_000  # vocabulary words a needle may match (a letter or two matches most): more, and SQL counts
CHUNK = 50_000  # events read and indexed at a time by a build
BINS_MAX = 5_000_000  # weeks x types (x governorates) /api/stats may count in one array
RETRY_AFTER = 60.0  # seconds before a failed build is tried again
WAIT = 0.25  # seconds a request waits for the index (held by another request, or a large replay: SQL then)

COLUMNS = ("report_kind", "country", "admin1", "event_type", "sub_event_type")
SEP = "\x00"  # between the words of the joined vocabulary (folded text never holds it)

# -- the change log (SQLite) -------------------------------------------------------------------------------
# `n`: the event's number in event_rowid, and `old` the text it had, for a change that may remove words (a
# delete, or an update of the text; logged before it happens); `event_id`: an event whose state is to be read
# again (an insert, a change of its actors), resolved to its number when the log is replayed.
LOG_DDL = [
    "CREATE TABLE IF NOT EXISTS search_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER, event_id TEXT, "
    "old TEXT)",
]
_PRUNE = f"DELETE FROM search_log WHERE seq <= (SELECT max(seq) FROM search_log) - {LOG_KEEP};"
LOG_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS tr_events_log_insert AFTER INSERT ON events BEGIN
        INSERT INTO search_log (event_id) VALUES (new.id);
        {_PRUNE}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS tr_events_log_delete BEFORE DELETE ON events BEGIN
        INSERT INTO search_log (n, old) SELECT n, old.search FROM event_rowid WHERE event_id = old.id;
        {_PRUNE}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS tr_events_log_update BEFORE UPDATE OF id, search, event_date, admin1,
        event_type, sub_event_type, report_kind, country, fatalities ON events BEGIN
        INSERT INTO search_log (n, old) SELECT n, CASE WHEN new.search IS NOT old.search THEN old.search END
            FROM event_rowid WHERE event_id = old.id;
        {_PRUNE}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS tr_event_actors_log_insert AFTER INSERT ON event_actors BEGIN
        INSERT INTO search_log (event_id) VALUES (new.event_id);
        {_PRUNE}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS tr_event_actors_log_delete AFTER DELETE ON event_actors BEGIN
        INSERT INTO search_log (event_id) VALUES (old.event_id);
        {_PRUNE}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS tr_event_actors_log_update AFTER UPDATE ON event_actors BEGIN
        INSERT INTO search_log (event_id) VALUES (old.event_id);
        INSERT INTO search_log (event_id) SELECT new.event_id WHERE new.event_id IS NOT old.event_id;
        {_PRUNE}
    END""",
]
LOG_DROP = [
    "DROP TRIGGER IF EXISTS tr_events_log_insert", "DROP TRIGGER IF EXISTS tr_events_log_delete",
    "DROP TRIGGER IF EXISTS tr_events_log_update", "DROP TRIGGER IF EXISTS tr_event_actors_log_insert",
    "DROP TRIGGER IF EXISTS tr_event_actors_log_delete", "DROP TRIGGER IF EXISTS tr_event_actors_log_update",
]


def install_log(conn: Connection) -> None:
    """The change log and its triggers (a new database at migration 0004, an existing one at 0014)."""
    for sql in LOG_DDL + LOG_TRIGGERS:
        conn.exec_driver_sql(sql)


def clear_log(conn: Connection) -> None:
    """After a bulk load (triggers set aside): the log no longer tells every change, so every index is built
    again; one row is logged first so the highest number ever given moves past any index's position."""
    conn.exec_driver_sql("INSERT INTO search_log (event_id) VALUES (NULL)")
    conn.exec_driver_sql("DELETE FROM search_log")


# -- the change log (PostgreSQL, migration 0015) ---------------------------------------------------------------
# The same log, and `event_numbers` for the stable integer per event SQLite's event_rowid gives. Statement
# triggers read a statement's rows as transition tables (a COPY of a million events: one insert each), a row
# trigger logs updates. Every function first locks the write counter's row, as every writing statement does
# until its commit (rasd.store.accel._pg_function): so log numbers are given in commit order, and a reader
# that has seen number k has seen every number below it.
_PG_PRUNE = " " + _PRUNE
_PG_ACTORS = "INSERT INTO search_log (event_id) SELECT DISTINCT event_id FROM {rows};"


def _pg_log_ddl() -> list[str]:
    from rasd.store.accel import _pg_function

    return [
        "CREATE TABLE IF NOT EXISTS event_numbers (n BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL UNIQUE)",
        "INSERT INTO event_numbers (event_id) SELECT id FROM events ORDER BY id ON CONFLICT (event_id) DO NOTHING",
        "CREATE TABLE IF NOT EXISTS search_log (seq BIGSERIAL PRIMARY KEY, n BIGINT, event_id TEXT, old TEXT)",
        _pg_function("rasd_log_insert", "INSERT INTO event_numbers (event_id) SELECT id FROM new_rows ORDER BY id "
                     "ON CONFLICT (event_id) DO NOTHING; INSERT INTO search_log (event_id) SELECT id FROM new_rows;"
                     + _PG_PRUNE),
        _pg_function("rasd_log_delete", "INSERT INTO search_log (n, old) SELECT x.n, o.search FROM old_rows o "
                     "JOIN event_numbers x ON x.event_id = o.id; DELETE FROM event_numbers x USING old_rows o "
                     "WHERE x.event_id = o.id;" + _PG_PRUNE),
        _pg_function("rasd_log_update", "INSERT INTO search_log (n, old) SELECT n, CASE WHEN NEW.search IS DISTINCT "
                     "FROM OLD.search THEN OLD.search END FROM event_numbers WHERE event_id = OLD.id; "
                     "IF NEW.id IS DISTINCT FROM OLD.id THEN UPDATE event_numbers SET event_id = NEW.id "
                     "WHERE event_id = OLD.id; END IF;" + _PG_PRUNE),
        # a marker two numbers on: the log no longer reaches any index, which is built again
        _pg_function("rasd_log_truncate", "DELETE FROM event_numbers; DELETE FROM search_log; PERFORM "
                     "nextval(pg_get_serial_sequence('search_log', 'seq')); INSERT INTO search_log (event_id) "
                     "VALUES (NULL);"),
        _pg_function("rasd_log_actors_new", _PG_ACTORS.format(rows="new_rows") + _PG_PRUNE),
        _pg_function("rasd_log_actors_old", _PG_ACTORS.format(rows="old_rows") + _PG_PRUNE),
        _pg_function("rasd_log_actors_both", _PG_ACTORS.format(rows="(SELECT event_id FROM old_rows UNION "
                                                                    "SELECT event_id FROM new_rows) x") + _PG_PRUNE),
        "CREATE TRIGGER tr_events_log_insert AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION rasd_log_insert()",
        "CREATE TRIGGER tr_events_log_delete AFTER DELETE ON events REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION rasd_log_delete()",
        "CREATE TRIGGER tr_events_log_update AFTER UPDATE OF id, search, event_date, admin1, event_type, "
        "sub_event_type, report_kind, country, fatalities ON events FOR EACH ROW EXECUTE FUNCTION rasd_log_update()",
        "CREATE TRIGGER tr_events_log_truncate AFTER TRUNCATE ON events FOR EACH STATEMENT "
        "EXECUTE FUNCTION rasd_log_truncate()",
        "CREATE TRIGGER tr_event_actors_log_insert AFTER INSERT ON event_actors REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION rasd_log_actors_new()",
        "CREATE TRIGGER tr_event_actors_log_delete AFTER DELETE ON event_actors REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION rasd_log_actors_old()",
        "CREATE TRIGGER tr_event_actors_log_update AFTER UPDATE ON event_actors REFERENCING OLD TABLE AS old_rows "
        "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rasd_log_actors_both()",
        "ANALYZE event_numbers",
    ]


PG_LOG_DROP = [
    *(f"DROP TRIGGER IF EXISTS tr_events_log_{op} ON events" for op in ("insert", "delete", "update", "truncate")),
    *(f"DROP TRIGGER IF EXISTS tr_event_actors_log_{op} ON event_actors" for op in ("insert", "delete", "update")),
    *(f"DROP FUNCTION IF EXISTS rasd_log_{op}()" for op in ("insert", "delete", "update", "truncate", "actors_new",
                                                            "actors_old", "actors_both")),
    "DROP TABLE IF EXISTS search_log", "DROP TABLE IF EXISTS event_numbers",
]


def install_pg_log(conn: Connection) -> None:
    """The change log, the event numbers and their triggers on PostgreSQL (migration 0015)."""
    for sql in PG_LOG_DROP + _pg_log_ddl():
        conn.exec_driver_sql(sql)


def _numbers(conn: Connection) -> str:
    """The table of the events' stable integers: event_rowid (SQLite), event_numbers (PostgreSQL)."""
    return "event_rowid" if conn.dialect.name == "sqlite" else "event_numbers"


def _events(conn: Connection) -> int:
    """The highest event number: about the number of events, read from an index."""
    return conn.exec_driver_sql(f"SELECT max(n) FROM {_numbers(conn)}").scalar() or 0


def _event_rows(conn: Connection) -> str:
    return ("SELECT r.n, e.search, e.report_kind, e.country, e.admin1, e.event_type, e.sub_event_type, "
            f"e.event_date, e.fatalities FROM {_numbers(conn)} r JOIN events e ON e.id = r.event_id")


def _actor_rows(conn: Connection) -> str:
    return f"SELECT r.n, a.key FROM {_numbers(conn)} r JOIN event_actors a ON a.event_id = r.event_id"


def _uint32(values: Any) -> array.array:
    """An array pyroaring reads as a buffer (from a numpy array it would iterate, ten times slower)."""
    out = array.array("I")
    out.frombytes(np.asarray(values, dtype=np.uint32).tobytes())
    return out


def _day(value: Any) -> int:
    """A date as its ordinal (0: no date), for range tests on an array."""
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return value.toordinal()
    return dt.date.fromisoformat(str(value)[:10]).toordinal()


class EventBitmaps:
    """One database's events as bitmaps and arrays indexed by their event_rowid number."""

    def __init__(self) -> None:
        self.word_id: dict[str, int] = {}
        self.words: list[str] = []
        self.word_bits: list[BitMap] = []
        self.pairs: dict[int, dict[int, BitMap]] = {}  # first word's id -> second word's id -> events
        self.actors: dict[str, BitMap] = {}
        self.codes: dict[str, dict[Any, int]] = {c: {None: 0} for c in COLUMNS}
        self.values: dict[str, list[Any]] = {c: [None] for c in COLUMNS}
        self.cols: dict[str, np.ndarray] = {c: np.zeros(1024, np.int32) for c in (*COLUMNS, "day", "fatalities")}
        self.live = np.zeros(1024, bool)
        self.seq = 0  # the last search_log row reflected
        self.version: Any = None  # the database's version (rasd.store.accel.version) it answers for
        self.instance: Any = None  # the database's instance number (another database at the same path: rebuilt)
        self._joined: tuple[int, str, np.ndarray] | None = None
        self._day_of: dict[Any, int] = {}
        self.built_in = 0.0

    @property
    def events(self) -> int:
        return int(np.count_nonzero(self.live))

    # -- building and keeping ----------------------------------------------------------------------------
    def _grow(self, top: int) -> None:
        size = len(self.live)
        if top < size:
            return
        while size <= top:
            size *= 2
        for c, a in self.cols.items():
            self.cols[c] = np.concatenate([a, np.zeros(size - len(a), a.dtype)])
        self.live = np.concatenate([self.live, np.zeros(size - len(self.live), bool)])

    def _codes(self, col: str, values: Sequence[Any]) -> np.ndarray:
        """The codes of a column's values (new values given the next codes), by dictionary lookups in C."""
        codes = self.codes[col]
        for v in set(values).difference(codes):
            codes[v] = len(self.values[col])
            self.values[col].append(v)
        return np.fromiter(map(codes.__getitem__, values), dtype=np.int32, count=len(values))

    def _days(self, values: Sequence[Any]) -> np.ndarray:
        days = self._day_of
        for v in set(values).difference(days):
            days[v] = _day(v)
        return np.fromiter(map(days.__getitem__, values), dtype=np.int32, count=len(values))

    def _word_ids(self, words: Sequence[str]) -> np.ndarray:
        """Ids of `words`, new ones appended to the vocabulary."""
        wid = self.word_id
        new = set(words).difference(wid)
        for w in sorted(new):
            wid[w] = len(self.words)
            self.words.append(w)
            self.word_bits.append(BitMap())
        return np.fromiter(map(wid.__getitem__, words), dtype=np.int64, count=len(words))

    def add_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Events as (n, search, report_kind, country, admin1, event_type, sub_event_type, event_date, fatalities) rows,
        added in bulk: the words' postings sorted and grouped by numpy, one bitmap update per word in the batch."""
        if not rows:
            return
        ns = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        if np.any(ns[1:] <= ns[:-1]):  # in ascending order of events, each once (a pair's events stay sorted)
            rows = sorted({r[0]: r for r in rows}.values(), key=lambda r: r[0])
            ns = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        self._grow(int(ns.max()))
        for j, col in enumerate(COLUMNS, start=2):
            self.cols[col][ns] = self._codes(col, [r[j] for r in rows])
        self.cols["day"][ns] = self._days([r[7] for r in rows])
        self.cols["fatalities"][ns] = [r[8] or 0 for r in rows]
        self.live[ns] = True
        split = [r[1].split(" ") if r[1] else [] for r in rows]
        counts = np.fromiter(map(len, split), dtype=np.int64, count=len(rows))
        flat = list(itertools.chain.from_iterable(split))
        if not flat:
            return
        ids = self._word_ids(flat)
        owner = np.repeat(ns, counts)
        keys = np.sort((ids << 32) | owner)
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]  # a word twice in a text: once
        self._post(keys, lambda w: self.word_bits[w])
        same = owner[1:] == owner[:-1]  # adjacent words of one text
        if not same.any():
            return
        pair, who = ((ids[:-1] << 32) | ids[1:])[same], owner[1:][same]
        order = np.argsort(pair, kind="stable")  # the events stay in ascending order within a pair
        pair, who = pair[order], who[order]
        keep = np.concatenate([[True], (pair[1:] != pair[:-1]) | (who[1:] != who[:-1])])
        pair, who = pair[keep], who[keep]
        cuts = np.flatnonzero(np.diff(pair)) + 1
        for lo, hi in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(pair)]]), strict=True):
            a, b = int(pair[lo] >> 32), int(pair[lo] & 0xFFFFFFFF)
            seconds = self.pairs.setdefault(a, {})
            bits = seconds.get(b)
            if bits is None:
                seconds[b] = BitMap(_uint32(who[lo:hi]))
            else:
                bits.update(_uint32(who[lo:hi]))

    @staticmethod
    def _post(keys: np.ndarray, bits_of: Any) -> None:
        """Sorted (id << 32 | event) keys into each id's bitmap."""
        ids, owners = keys >> 32, keys & 0xFFFFFFFF
        cuts = np.flatnonzero(np.diff(ids)) + 1
        for lo, hi in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(ids)]]), strict=True):
            bits_of(int(ids[lo])).update(_uint32(owners[lo:hi]))

    def add_actors(self, pairs: Iterable[Sequence[Any]]) -> None:
        for n, key in pairs:
            bits = self.actors.get(key)
            if bits is None:
                bits = self.actors[key] = BitMap()
            bits.add(int(n))

    def remove(self, n: int, old: str | None) -> None:
        """Event `n` out of every structure; `old`: a text it had (its words and pairs lose it)."""
        if n < len(self.live):
            self.live[n] = False
            for a in self.cols.values():
                a[n] = 0
        for bits in self.actors.values():
            bits.discard(n)
        if not old:
            return
        toks = [self.word_id.get(w) for w in old.split(" ")]
        for w in set(toks):
            if w is not None:
                self.word_bits[w].discard(n)
        for a, b in set(zip(toks, toks[1:], strict=False)):
            bits = self.pairs.get(a, {}).get(b) if a is not None and b is not None else None
            if bits is not None:
                bits.discard(n)

    # -- answering ------------------------------------------------------------------------------------------
    def _vocabulary(self) -> tuple[str, np.ndarray]:
        """The words joined by SEP (and where each starts), remade when words were added."""
        if self._joined is None or self._joined[0] != len(self.words):
            joined = SEP.join(self.words)
            starts = np.zeros(len(self.words) + 1, np.int64)
            starts[1:] = np.cumsum([len(w) + 1 for w in self.words])
            self._joined = (len(self.words), joined, starts)
        return self._joined[1], self._joined[2]

    def words_with(self, part: str) -> list[int] | None:
        """Ids of the words containing `part` (None: more than MATCH_MAX)."""
        joined, starts = self._vocabulary()
        out: list[int] = []
        pos = joined.find(part)
        while pos >= 0:
            i = int(np.searchsorted(starts, pos, side="right")) - 1
            out.append(i)
            if len(out) > MATCH_MAX:
                return None
            pos = joined.find(part, int(starts[i + 1]))
        return out

    def text_bits(self, needle: str) -> BitMap | None:
        """Events whose text contains `needle` (None: a needle this index does not answer)."""
        parts = needle.split(" ")
        if len(parts) == 1:
            ids = self.words_with(needle)
            return None if ids is None else BitMap.union(BitMap(), *(self.word_bits[i] for i in ids))
        if len(parts) != 2 or SEP in needle:
            return None
        head, tail = parts
        firsts = self.words_with(head) if head else list(range(len(self.words)))
        seconds = self.words_with(tail) if tail else list(range(len(self.words)))
        if firsts is None or seconds is None:
            return None
        words = self.words
        ends = [i for i in firsts if words[i].endswith(head)]
        begins = {i for i in seconds if words[i].startswith(tail)}
        found = []
        for a in ends:
            after = self.pairs.get(a)
            if not after:
                continue
            if len(after) < len(begins):
                found.extend(bits for b, bits in after.items() if b in begins)
            else:
                found.extend(after[b] for b in begins if b in after)
        return BitMap.union(BitMap(), *found)

    def column_mask(self, col: str, wanted: Iterable[Any]) -> np.ndarray:
        codes = [self.codes[col][v] for v in wanted if v in self.codes[col]]
        a = self.cols[col]
        if len(codes) == 1:
            return a == codes[0]
        return np.isin(a, codes) if codes else np.zeros(len(a), bool)

    def _values(self, col: str, test: Any) -> list[Any]:
        return [v for v in self.values[col] if v is not None and test(v)]

    def select(self, f: Any, id_n: int | None, canon: dict[str, dict[str, str]]) -> np.ndarray | None:
        """The events matching the API's filters `f` (rasd.api.Filters, its `q` actors resolved) as SQL selects
        them, a mask over the event numbers; None when the filters ask for what these arrays do not hold.
        `id_n`: the event whose id is `q`."""
        from rasd.store.linking import search_text

        if f.bbox is not None or f.review or (f.q and f.q.strip() and f.q_actors is None):
            return None
        size = len(self.live)
        sel = self.live.copy()
        if f.q and f.q.strip():
            q = f.q.strip()
            hit = np.zeros(size, bool)
            needle = search_text(q)
            if needle:
                bits = self.text_bits(needle)
                if bits is None:
                    return None
                hit[np.frombuffer(bits.to_array(), dtype=np.uint32)] = True
            if id_n is not None and id_n < size:
                hit[id_n] = True
            low = q.lower()
            for key in ("admin1", "event_type", "sub_event_type"):
                names = [v for k, v in canon[key].items() if low in k]
                if names:
                    hit |= self.column_mask(key, names)
            for key in f.q_actors:
                bits = self.actors.get(key)
                if bits is not None:
                    hit[np.frombuffer(bits.to_array(), dtype=np.uint32)] = True
            sel &= hit
        if f.actor:
            keys = {f.actor.strip(), f.actor.strip().lower()}
            who = BitMap.union(BitMap(), *(self.actors[k] for k in keys if k in self.actors))
            mask = np.zeros(size, bool)
            mask[np.frombuffer(who.to_array(), dtype=np.uint32)] = True
            sel &= mask
        day = self.cols["day"]
        if f.date_from is not None:
            sel &= day >= f.date_from.toordinal()
        if f.date_to is not None:
            sel &= (day <= f.date_to.toordinal()) & (day > 0)
        for key in ("admin1", "event_type", "sub_event_type"):
            value = getattr(f, key)
            if value:
                want = value.strip().lower()
                exact = canon[key].get(want)
                sel &= self.column_mask(key, [exact] if exact else self._values(key, lambda v, w=want: v.lower() == w))
        if f.report_kind:
            sel &= self.column_mask("report_kind", [f.report_kind])
        if f.country:
            want = f.country.strip().lower()
            names = self._values("country", lambda v: v.lower() == want)
            mask = self.column_mask("country", names)
            if want == "syria":  # a record without a country is in Syria
                mask |= self.cols["country"] == 0
            sel &= mask
        return sel

    def stats(self, sel: np.ndarray, with_cells: bool) -> tuple[Any, ...] | None:
        """The counts of rasd.api.stats_answer for the selected events, from the arrays: each grouping one
        bincount over small codes (weeks numbered from the earliest date ever stored: ordinal 1 is a Monday, so
        week = (day - 1) // 7). None when dates so far apart would need too many bins (SQL answers)."""
        days = [d for d in self._day_of.values() if d > 0]
        lo, hi = ((min(days) - 1) // 7, (max(days) - 1) // 7) if days else (0, -1)
        n_kinds, n_types, n_admin = (len(self.values[c]) for c in ("report_kind", "event_type", "admin1"))
        n_weeks = hi - lo + 2  # row 0: no date
        if n_weeks * n_types * max(n_kinds, n_admin if with_cells else 1) > BINS_MAX:
            return None
        names_of = ("report_kind", "event_type", "admin1", "day", "fatalities")
        live = self.events
        if int(np.count_nonzero(sel)) == live:  # every event (no filter): the whole arrays, no gathering; the
            dead = len(sel) - live  # numbers of no event hold zeros, taken off the bins of zeros below
            kind, etype, admin, day, fat = (self.cols[c] for c in names_of)
        else:
            dead = 0
            idx = np.flatnonzero(sel)
            kind, etype, admin, day, fat = (self.cols[c][idx] for c in names_of)
        names = {c: [v or "" for v in self.values[c]] for c in ("report_kind", "event_type", "admin1")}

        def by_name(col: str, counts: np.ndarray) -> Counter[str]:
            out: Counter[str] = Counter()
            for code in np.flatnonzero(counts):
                out[names[col][code]] += int(counts[code])
            return out

        # in place, a million at a time: few temporaries (each a fresh allocation the first time)
        week = day - 1
        week //= 7
        week -= lo - 1
        week[day == 0] = 0  # row 0: no date
        key = week * n_types
        key += etype
        key *= n_kinds
        key += kind
        # one count per (week, type, kind): the timeline, the types, the undated and the kinds are its sums
        cube = np.bincount(key, minlength=n_weeks * n_types * n_kinds).reshape(n_weeks, n_types, n_kinds)
        cube[0, 0, 0] -= dead
        kinds = by_name("report_kind", cube.sum(axis=(0, 1)))
        deaths: Counter[str] = Counter()
        for code in range(n_kinds):
            k = names["report_kind"][code]
            deaths[k] += int(fat.sum(where=kind == code)) if k in kinds else 0
        grid = cube.sum(axis=2)
        types = by_name("event_type", grid.sum(axis=0))
        undated = int(grid[0].sum())
        by_admin = np.bincount(admin, minlength=n_admin)
        by_admin[0] -= dead
        admins = by_name("admin1", by_admin)
        label = [dt.date.fromordinal(7 * (lo + w) + 1).isoformat() for w in range(n_weeks - 1)]
        weeks: Counter[tuple[str, str]] = Counter()
        for w, t in zip(*np.nonzero(grid[1:]), strict=True):
            weeks[(label[w], names["event_type"][t])] += int(grid[w + 1, t])
        cells: Counter[tuple[str, str, str | None]] | None = None
        if with_cells:
            cells = Counter()
            key = week * n_types
            key += etype
            key *= n_admin
            key += admin
            cube = np.bincount(key, minlength=n_weeks * n_types * n_admin).reshape(n_weeks, n_types, n_admin)
            for w, t, a in zip(*np.nonzero(cube[1:]), strict=True):
                cells[(label[w], names["event_type"][t], names["admin1"][a] or None)] += int(cube[w + 1, t, a])
        return weeks, types, admins, kinds, deaths, undated, cells

    def memory(self) -> int:
        """Bytes held, roughly (the bitmaps' serialised size, the arrays and the vocabulary's text)."""
        bits = sum(len(b.serialize()) for b in self.word_bits)
        bits += sum(len(b.serialize()) for d in self.pairs.values() for b in d.values())
        bits += sum(len(b.serialize()) for b in self.actors.values())
        return bits + sum(a.nbytes for a in self.cols.values()) + self.live.nbytes + sum(map(len, self.words))


def build(conn: Connection) -> EventBitmaps:
    """An index of the database as `conn` sees it, read in one transaction (its log position included)."""
    t0 = time.perf_counter()
    idx = EventBitmaps()
    idx.seq = _log_top(conn)
    idx.instance = _instance(conn)
    rows = conn.execution_options(stream_results=True).exec_driver_sql(_event_rows(conn))
    while batch := rows.fetchmany(CHUNK):
        idx.add_rows(batch)
    rows = conn.execution_options(stream_results=True).exec_driver_sql(_actor_rows(conn))
    while batch := rows.fetchmany(CHUNK):
        idx.add_actors(batch)
    idx.built_in = time.perf_counter() - t0
    return idx


def _instance(conn: Connection) -> Any:
    return conn.exec_driver_sql("SELECT value FROM rasd_counters WHERE name = 'instance'").scalar() or 0


def _log_top(conn: Connection) -> int:
    """The highest log number given: SQLite's AUTOINCREMENT keeps it when the rows are deleted; PostgreSQL's is
    the highest row (a truncate or a pruning leaves a row behind, and numbers come in commit order)."""
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'search_log'").scalar() or 0
    return conn.exec_driver_sql("SELECT max(seq) FROM search_log").scalar() or 0


def _behind(conn: Connection, idx: EventBitmaps | None) -> tuple[int, bool]:
    """(the log's highest number, whether rows the index has not seen are gone from it: pruned, cleared)."""
    top = _log_top(conn)
    if idx is None or top <= idx.seq:
        return top, False
    low = conn.exec_driver_sql("SELECT min(seq) FROM search_log").scalar()
    return top, low is None or low > idx.seq + 1


def replay(idx: EventBitmaps, conn: Connection, upto: int) -> None:
    """The log rows after the index's position, up to `upto`: the events they name taken out (with the texts
    they had) and read again as they are now."""
    rows = conn.execute(text("SELECT n, event_id, old FROM search_log WHERE seq > :a AND seq <= :b ORDER BY seq"),
                        {"a": idx.seq, "b": upto}).all()
    dirty: dict[int, list[str | None]] = {}
    ids: set[str] = set()
    for n, event_id, old in rows:
        if n is not None:
            dirty.setdefault(int(n), []).append(old)
        elif event_id is not None:
            ids.add(event_id)
    numbers = _numbers(conn)
    find = text(f"SELECT n FROM {numbers} WHERE event_id IN :ids").bindparams(bindparam("ids", expanding=True))
    for part in _chunks(sorted(ids), 500):
        for (n,) in conn.execute(find, {"ids": part}):
            dirty.setdefault(int(n), [])
    for n, olds in dirty.items():
        idx.remove(n, None)
        for old in olds:
            idx.remove(n, old)
    events = text(f"{_event_rows(conn)} WHERE r.n IN :ns").bindparams(bindparam("ns", expanding=True))
    actors = text(f"{_actor_rows(conn)} WHERE r.n IN :ns").bindparams(bindparam("ns", expanding=True))
    for part in _chunks(sorted(dirty), 500):
        idx.add_rows(conn.execute(events, {"ns": part}).all())
        idx.add_actors(conn.execute(actors, {"ns": part}).all())
    idx.seq = upto


def _chunks(xs: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(xs), size):
        yield xs[i:i + size]


# -- one index per database, built and caught up in the background ----------------------------------------------

class _Slot:
    def __init__(self) -> None:
        self.index: EventBitmaps | None = None
        self.lock = threading.Lock()  # held while the index is read or changed
        self.worker: threading.Thread | None = None
        self.error: BaseException | None = None
        self.failed_at = 0.0
        self.small: Any = None  # the database version at which it was too small for an index


_SLOTS: dict[str, _Slot] = {}
_SLOTS_LOCK = threading.Lock()


def _slot(engine: Engine) -> _Slot:
    key = str(engine.url)
    with _SLOTS_LOCK:
        slot = _SLOTS.get(key)
        if slot is None:
            slot = _SLOTS[key] = _Slot()
        return slot


def usable(conn: Connection) -> bool:
    """Whether this database keeps the change log (SQLite from migration 0014, PostgreSQL from 0015); remembered
    per connection."""
    info = conn.info
    if "rasd_search_log" not in info:
        if conn.dialect.name == "sqlite":
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_log'"
        elif conn.dialect.name == "postgresql":
            sql = ("SELECT 1 FROM information_schema.tables WHERE table_name = 'event_numbers' "
                   "AND table_schema = current_schema()")
        else:
            return False
        info["rasd_search_log"] = conn.exec_driver_sql(sql).first() is not None
    return bool(info["rasd_search_log"])


def _work(engine: Engine, slot: _Slot) -> None:
    """Build the index (or catch up with the log) on a connection of its own, outside the request path."""
    try:
        with engine.connect() as conn:
            idx = slot.index
            top, lost = _behind(conn, idx)
            if idx is None or idx.instance != _instance(conn) or lost:
                fresh = build(conn)
                with slot.lock:
                    slot.index = fresh
            else:
                with slot.lock:
                    replay(idx, conn, top)
                    idx.version = None
    except Exception as exc:  # kept for `status`; SQL answers meanwhile, and a new attempt waits RETRY_AFTER
        slot.error, slot.failed_at = exc, time.monotonic()


def _start(engine: Engine, slot: _Slot) -> None:
    with _SLOTS_LOCK:
        if slot.error is not None and time.monotonic() - slot.failed_at < RETRY_AFTER:
            return
        if slot.worker is None or not slot.worker.is_alive():
            slot.worker = threading.Thread(target=_work, args=(engine, slot), daemon=True, name="rasd-bitmaps")
            slot.worker.start()


def prepare(engine: Engine, wait: bool = False) -> bool:
    """Start building the index of `engine`'s database when it is large enough to need one (the API does at
    its start); `wait`: until it is built. Whether an index is (being) built."""
    with engine.connect() as conn:
        if not usable(conn):
            return False
        events = _events(conn)
    if events < MIN_EVENTS:
        return False
    slot = _slot(engine)
    if slot.index is None:
        _start(engine, slot)
    if wait and slot.worker is not None:
        slot.worker.join()
    return True


def status(engine: Engine) -> dict[str, Any]:
    """What the index of `engine`'s database holds (for `rasd bench` and the benchmarks)."""
    slot = _slot(engine)
    idx = slot.index
    if idx is None:
        return {"state": "error" if slot.error else ("building" if slot.worker else "none"),
                "error": repr(slot.error) if slot.error else None}
    return {"state": "ready", "events": idx.events, "words": len(idx.words),
            "pairs": sum(map(len, idx.pairs.values())), "built_in_s": round(idx.built_in, 2),
            "memory_mb": round(idx.memory() / 1e6, 1)}


def count(conn: Connection, f: Any, ver: Any, canon: dict[str, dict[str, str]]) -> int | None:
    """The total of the filters `f` from the index of `conn`'s database (None: SQL is to answer)."""
    return answer(conn, f, ver, canon, lambda idx, sel: int(np.count_nonzero(sel)))


def stats(conn: Connection, f: Any, ver: Any, canon: dict[str, dict[str, str]],
          with_cells: bool) -> dict[str, Any] | None:
    """rasd.api.stats of the filters `f` from the index of `conn`'s database (None: SQL is to answer)."""
    from rasd.api import stats_answer

    counts = answer(conn, f, ver, canon, lambda idx, sel: idx.stats(sel, with_cells))
    return None if counts is None else stats_answer(*counts)


def numbers(conn: Connection, f: Any, ver: Any, canon: dict[str, dict[str, str]]) -> list[int] | None:
    """The event_rowid numbers of the events matching `f`, from the index (None: SQL is to answer)."""
    return answer(conn, f, ver, canon, lambda idx, sel: np.flatnonzero(sel).tolist())


def answer(conn: Connection, f: Any, ver: Any, canon: dict[str, dict[str, str]], what: Any) -> Any:
    """`what(index, selection)` for the filters `f`, from the index of `conn`'s database brought up to the
    database's version `ver` first (a small change replayed here, a large one in the background); None: SQL is to
    answer (no index yet, one being built or caught up, or filters it does not hold)."""
    if not usable(conn):
        return None
    slot = _slot(conn.engine)
    if slot.index is None:
        if slot.small != ver:  # a database too small for an index is looked at again after a write
            if _events(conn) >= MIN_EVENTS:
                _start(conn.engine, slot)
            else:
                slot.small = ver
        return None
    if not slot.lock.acquire(timeout=WAIT):  # another request's count is quick; a large replay is not
        return None
    try:
        idx = slot.index
        if idx.instance != ver[0]:  # another database at this path
            _start(conn.engine, slot)
            return None
        if idx.version != ver:
            top, lost = _behind(conn, idx)
            if lost or top - idx.seq > REPLAY_INLINE:
                _start(conn.engine, slot)
                return None
            if top > idx.seq:
                replay(idx, conn, top)
            idx.version = ver
        id_n = None
        if f.q and f.q.strip():
            id_n = conn.execute(text(f"SELECT n FROM {_numbers(conn)} WHERE event_id = :i"),
                                {"i": f.q.strip()}).scalar()
        sel = idx.select(f, id_n, canon)
        return None if sel is None else what(idx, sel)
    finally:
        slot.lock.release()


def forget(engine: Engine) -> None:
    """Drop the index of `engine`'s database (tests; a database replaced at the same path)."""
    with _SLOTS_LOCK:
        _SLOTS.pop(str(engine.url), None)

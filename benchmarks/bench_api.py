"""Latency of filtered /api/events pages over 100,000 synthetic events in SQLite or PostgreSQL (target: p95 < 100 ms).

    python benchmarks/bench_api.py [--events 100000] [--requests 400] [--db PATH|postgresql://...]
                                   [--client http|testclient]

With a PostgreSQL URL (`--db postgresql://user:pass@host/db`, e.g. CI's cluster from .ci/postgres.sh) the
events are written there instead (the database's events are replaced when it holds another count).

Builds the database once (through the store's models, in bulk; kept at --db for the next run), serves
`rasd serve`'s application with uvicorn on a free 127.0.0.1 port and times a fixed, seeded mix of
calls the dashboard makes: the table page with each filter and some combinations, other sort orders,
deep pages, the map's 500-event pages and text search; then /api/stats and one export, for reference.
Every figure is printed as a plain line ("name: p50 X ms, p95 Y ms, n N").

Synthetic events: dates spread over 2018-2025 (more in the later years), the 14 governorates
weighted roughly as the press covers them, ACLED types and sub-types, one to three registry
actors, figures with many nulls, places jittered around the governorate's capital, and records
(notes, sources, evidence) of about the size real ones have.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import itertools
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

GOVERNORATES = [  # name, weight, lat, lon (capital)
    ("Aleppo", 14, 36.20, 37.16), ("Idleb", 13, 35.93, 36.63), ("Deir ez Zor", 12, 35.33, 40.14),
    ("Dar'a", 11, 32.62, 36.10), ("Rural Damascus", 9, 33.57, 36.40), ("Al Hasakeh", 8, 36.50, 40.75),
    ("Hama", 7, 35.13, 36.75), ("Homs", 7, 34.73, 36.72), ("Ar Raqqa", 6, 35.95, 39.01),
    ("Lattakia", 4, 35.52, 35.79), ("Damascus", 4, 33.51, 36.29), ("As Sweida", 3, 32.71, 36.57),
    ("Quneitra", 1, 33.13, 35.82), ("Tartous", 1, 34.89, 35.89),
]
TYPES = [  # event type, sub-event type, weight
    ("Battles", "Armed clash", 24), ("Explosions/Remote violence", "Shelling/artillery/missile attack", 14),
    ("Explosions/Remote violence", "Air/drone strike", 10), ("Explosions/Remote violence",
                                                            "Remote explosive/landmine/IED", 9),
    ("Violence against civilians", "Attack", 12), ("Violence against civilians", "Abduction/forced disappearance", 4),
    ("Strategic developments", "Arrests", 12), ("Strategic developments", "Disrupted weapons use", 6),
    ("Strategic developments", "Looting/property destruction", 2), ("Protests", "Peaceful protest", 5),
    ("Riots", "Violent demonstration", 2),
]
DISORDER = {"Battles": "Political violence", "Explosions/Remote violence": "Political violence",
            "Violence against civilians": "Political violence", "Strategic developments": "Strategic developments",
            "Protests": "Demonstrations", "Riots": "Demonstrations"}
ACTORS = ["isis", "sdf", "sy-regime", "sy-military", "sy-police", "hts", "sna", "coalition", "russia", "turkey",
          "asayish", "unidentified", "civilians", "sy-gis", "israel", "hezbollah"]
OUTLETS = ["SANA", "Syria TV", "Enab Baladi", "North Press", "Hawar News", "Al-Watan", "SOHR", "Zaman al-Wasl"]
TOWNS = ["الميادين", "البوكمال", "جاسم", "نوى", "منبج", "سراقب", "جبلة", "تلكلخ", "دوما", "شهبا", "الطبقة", "القرداحة"]
LATIN = ["Al Mayadin", "Al Bukamal", "Jasim", "Nawa", "Manbij", "Saraqib", "Jablah", "Tall Kalakh", "Duma",
         "Shahba", "Al Thawrah", "Al Qardahah"]


_CUMULATIVE: dict[tuple[int, int], list[int]] = {}


def _weighted(rng: random.Random, items: list[tuple], weight_index: int) -> tuple:
    """rng.choices(items, weights=...)[0] (the same draw), with the running sums of the weights made once."""
    cum = _CUMULATIVE.get((id(items), weight_index))
    if cum is None:
        cum = _CUMULATIVE[(id(items), weight_index)] = list(itertools.accumulate(x[weight_index] for x in items))
    return rng.choices(items, cum_weights=cum)[0]


_YEARS, _YEAR_CUM = list(range(2018, 2026)), list(itertools.accumulate([10, 9, 7, 6, 6, 7, 9, 14]))
_N_SOURCES, _N_SOURCES_CUM = [1, 2, 3], [70, 92, 100]


def synthetic_event(i: int, rng: random.Random) -> dict[str, Any]:
    """One contract record (EVENTS.md) of realistic shape and size."""
    year = rng.choices(_YEARS, cum_weights=_YEAR_CUM)[0]
    day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
    gov, _, lat, lon = _weighted(rng, GOVERNORATES, 1)
    etype, sub, _ = _weighted(rng, TYPES, 2)
    t = rng.randrange(len(TOWNS))
    n_src = rng.choices(_N_SOURCES, cum_weights=_N_SOURCES_CUM)[0]
    keys = rng.sample(ACTORS, rng.choice([1, 2, 2, 3]))
    actors = [{"key": k, "name": k.upper(), "side": 1 if j == 0 else 2, "role": "primary"} for j, k in enumerate(keys)]
    killed = rng.random() < 0.45
    sources = [{"article_id": f"syn-{i:06d}-{s}", "outlet": rng.choice(OUTLETS),
                "url": f"https://example.org/{i}/{s}", "published": (day + dt.timedelta(days=s)).isoformat()}
               for s in range(n_src)]
    evidence = [{"field": f, "article_id": sources[0]["article_id"], "start": 40 * k, "end": 40 * k + 12,
                 "text": TOWNS[t] + " " + "عناصر"} for k, f in enumerate(
                     ["event_type", "sub_event_type", "event_date", "location", "actors.side1", "actors.side2"])]
    return {
        "id": f"syn-{i:06d}", "report_kind": "incident" if rng.random() < 0.93 else "aggregate",
        "event_date": day.isoformat() if rng.random() < 0.97 else None, "date_end": day.isoformat(),
        "time_precision": rng.choice([1, 1, 1, 2, 3]), "disorder_type": DISORDER[etype], "event_type": etype,
        "sub_event_type": sub, "actors": actors, "country": "Syria", "admin1": gov, "admin2": None, "admin3": None,
        "location": LATIN[t], "location_ar": TOWNS[t],
        "latitude": round(lat + rng.gauss(0, 0.25), 5), "longitude": round(lon + rng.gauss(0, 0.25), 5),
        "geo_precision": rng.choice([1, 1, 2, 3]),
        "fatalities": rng.choice([1, 1, 2, 3, 5, 8, 13]) if killed else None,
        "killed": None, "injured": rng.choice([None, None, 1, 2, 4]),
        "arrested": rng.choice([None, None, None, 2, 3, 6]) if etype == "Strategic developments" else None,
        "seized": rng.sample(["firearms", "ammunition", "ied", "vehicles"], rng.randrange(3)),
        "sources": sources,
        "notes": f"On {day.isoformat()}, {actors[0]['name']} {sub.lower()} in {LATIN[t]}, {gov}. "
                 + ("Several people were reported killed and others injured in the incident. " if killed else "")
                 + "Sources reported the operation in detail.",
        "evidence": evidence, "confidence": round(rng.uniform(0.4, 0.99), 2), "conflicts": [],
    }


def _is_url(db: str) -> bool:
    return "://" in db


CHUNK = 5000  # events a write takes at once (each chunk has its own seed, so workers can make them in parallel)


def _rows(seed: int, start: int, stop: int, sqlite: bool, lines: bool,
          geo: bool = False) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Events start..stop-1 as rows of the events and event_actors tables: with `sqlite`, the values as the store's
    column types write them there (ISO dates, the record as its JSON text), handed to the driver as they are; with
    `lines`, with their stored export rows; with `geo`, with their GeoJSON heads (SQLite) or empty ones."""
    from rasd.export import acled_line, csv_line, geo_columns, lines_stamp
    from rasd.store.linking import search_text

    rng = random.Random(seed * 1_000_003 + start)
    rows: list[dict[str, Any]] = []
    pairs: list[dict[str, Any]] = []
    for i in range(start, stop):
        e = synthetic_event(i, rng)
        row = {
            "id": e["id"], "report_kind": e["report_kind"], "event_date": e["event_date"],
            "date_end": e["date_end"], "time_precision": e["time_precision"],
            "disorder_type": e["disorder_type"], "event_type": e["event_type"],
            "sub_event_type": e["sub_event_type"], "country": "Syria", "admin1": e["admin1"], "admin2": None,
            "admin3": None, "location": e["location"], "location_ar": e["location_ar"],
            "latitude": e["latitude"], "longitude": e["longitude"], "geo_precision": e["geo_precision"],
            "fatalities": e["fatalities"], "injured": e["injured"], "arrested": e["arrested"],
            "confidence": e["confidence"], "notes": e["notes"],
            "search": search_text(e["notes"], e["location"], e["location_ar"]), "place_id": None,
            "n_sources": len(e["sources"]),
            "record": json.dumps(e, ensure_ascii=False, default=str),
        }
        if not sqlite:
            row["event_date"] = row["event_date"] and dt.date.fromisoformat(row["event_date"])
            row["date_end"] = dt.date.fromisoformat(row["date_end"])
        if lines:
            row.update(csv_line=csv_line(e), acled_line=acled_line(e), lines_stamp=lines_stamp())
        if geo:  # schema 0016 on: SQLite makes each GeoJSON Feature from the head kept beside the record
            row.update(geo_columns(row["record"] if sqlite else None))
        rows.append(row)
        pairs += [{"event_id": e["id"], "key": a["key"], "side": a["side"], "role": a["role"]} for a in e["actors"]]
    return rows, pairs


def build(path: Path | str, n: int, seed: int = 2025, bulk: bool = True) -> None:
    """Insert n synthetic events (and their actor rows) in bulk through the store's tables.

    `bulk`: the structures of rasd.store.accel are rebuilt once at the end rather than by their triggers row by row.
    The rows are made by two worker processes (a seed per chunk) while this one writes them, in order.
    """
    from sqlalchemy import inspect

    from rasd.store.db import open_db

    engine = open_db(str(path), quiet=True)
    sqlite = engine.dialect.name == "sqlite"
    have = {c["name"] for c in inspect(engine).get_columns("events")}
    lines, geo = "lines_stamp" in have, "geo_head" in have  # schema 0010 on, 0016 on
    t0 = time.perf_counter()
    with engine.connect() as conn:
        if sqlite:
            # the load writes its pages straight into the file (a rollback journal keeps only the pages that
            # held something before): in WAL mode every page goes through the log first, and each read of a
            # page searches the log's index, which grows with the load (a million events: 845 s, 688 s without)
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
            conn.commit()  # (SQLAlchemy's own; the driver opens no transaction for a PRAGMA)
        with conn.begin():
            _load(conn, sqlite, n, seed, lines, bulk, geo)
        if sqlite:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            conn.commit()
    t1 = time.perf_counter()
    if sqlite:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.commit()
    else:  # VACUUM too: it marks the loaded pages all-visible, so counts are read from the indexes alone
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    where = f"{Path(path).stat().st_size / 1e6:.0f} MB at {path}" if sqlite else "in PostgreSQL"
    print(f"built: {n} events in {time.perf_counter() - t0:.1f} s (rows, indexes, search index, R*Tree and summary "
          f"rows {t1 - t0:.1f} s; {'ANALYZE and checkpoint' if sqlite else 'VACUUM ANALYZE'} "
          f"{time.perf_counter() - t1:.1f} s), {where}")


def _load(conn: Any, sqlite: bool, n: int, seed: int, lines: bool, bulk: bool, geo: bool = False) -> None:
    """The rows of `build`, written in one transaction."""
    import multiprocessing as mp

    from sqlalchemy import insert

    from rasd.store.accel import bulk_load
    from rasd.store.linking import sync_actors
    from rasd.store.models import Actor

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with (bulk_load(conn) if bulk else contextlib.nullcontext()), ctx.Pool(2) as pool:
        # a bulk load: a page cache that holds the whole load (8 KiB an event, 7 GB of pages for a million), so
        # no page is written out and read back before the commit (a million events: 612 s with 1 GB); the search
        # index, R*Tree and summary rows (rasd.store.accel) are built once at the end
        if sqlite:
            conn.exec_driver_sql(f"PRAGMA cache_size=-{max(1_000_000, 8 * n)}")
        else:  # another count of events before: start again
            conn.exec_driver_sql("TRUNCATE events, event_actors, event_sources, evidence CASCADE")
        sync_actors(conn)
        have = set(conn.execute(Actor.__table__.select().with_only_columns(Actor.__table__.c.key)).scalars())
        missing = [{"key": k, "name": k.upper(), "inter": None} for k in ACTORS if k not in have]
        if missing:  # a database built before has them all
            conn.execute(insert(Actor.__table__), missing)
        # two workers make the chunks while this process writes them, in order; four ahead at most, so memory
        # stays flat
        chunks = iter([(seed, a, min(a + CHUNK, n), sqlite, lines, geo) for a in range(0, n, CHUNK)])
        pending = collections.deque(pool.apply_async(_rows, c) for c in itertools.islice(chunks, 4))
        while pending:
            rows, pairs = pending.popleft().get()
            for c in itertools.islice(chunks, 1):
                pending.append(pool.apply_async(_rows, c))
            if not sqlite:  # PostgreSQL: COPY, a tenth of the time of INSERTs
                cursor = conn.connection.driver_connection.cursor()
                for table, batch in (("events", rows), ("event_actors", pairs)):
                    cols = list(batch[0])
                    with cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for r in batch:
                            copy.write_row(tuple(r[c] for c in cols))
                continue
            for table, batch in (("events", rows), ("event_actors", pairs)):
                cols = list(batch[0])
                conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                     [tuple(r[c] for c in cols) for r in batch])


def request_mix(rng: random.Random, n: int) -> list[tuple[str, dict[str, Any]]]:
    """(kind, query) pairs: the dashboard's calls, with random values, in a seeded order."""
    def page(**kw: Any) -> dict[str, Any]:
        return {"limit": rng.choice([50, 100, 100, 250]), "offset": 0, "sort": "-event_date", **kw}

    def date_range() -> dict[str, str]:
        a = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(2800))
        b = a + dt.timedelta(days=rng.choice([7, 30, 90, 365]))
        return {"date_from": a.isoformat(), "date_to": b.isoformat()}

    gov = lambda: rng.choice(GOVERNORATES)[0]  # noqa: E731
    kinds = [
        ("no filter", lambda: page()),
        ("admin1", lambda: page(admin1=gov())),
        ("event_type", lambda: page(event_type=rng.choice(TYPES)[0])),
        ("sub_event_type", lambda: page(sub_event_type=rng.choice(TYPES)[1])),
        ("dates", lambda: page(**date_range())),
        ("admin1+dates", lambda: page(admin1=gov(), **date_range())),
        ("type+admin1", lambda: page(event_type=rng.choice(TYPES)[0], admin1=gov())),
        ("actor", lambda: page(actor=rng.choice(ACTORS))),
        ("actor+admin1", lambda: page(actor=rng.choice(ACTORS), admin1=gov())),
        ("bbox", lambda: page(bbox="36.0,35.0,38.5,36.8")),
        ("q", lambda: page(q=rng.choice(["Manbij", "جبلة", "isis", "Armed clash", "killed"]))),
        ("sort", lambda: page(sort=rng.choice(["fatalities", "-fatalities", "admin1", "-sources", "confidence",
                                               "event_type", "-arrested", "location"]))),
        ("deep page", lambda: page(offset=rng.randrange(0, 20_000, 100))),
        ("map page 500", lambda: {"limit": 500, "offset": rng.choice([0, 500, 1000, 4500]), "sort": "-event_date",
                                  **rng.choice([{}, {"admin1": gov()}, {"event_type": rng.choice(TYPES)[0]}])}),
    ]
    return [(k, f()) for k, f in (rng.choice(kinds) for _ in range(n))]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs)) - 1))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "rasd-bench-api.db"),
                    help="SQLite file, or a postgresql:// URL")
    ap.add_argument("--rebuild", action="store_true", help="Build the database again even if it exists.")
    ap.add_argument("--client", choices=["http", "testclient"], default="http")
    args = ap.parse_args(argv)

    import httpx

    from rasd.api import Settings, create_app
    from rasd.store.db import open_db

    if _is_url(args.db):
        engine = open_db(args.db, quiet=True)
        from sqlalchemy import func, select

        from rasd.store.models import Event

        with engine.connect() as conn:
            have = conn.execute(select(func.count()).select_from(Event.__table__)).scalar_one()
        engine.dispose()
        if args.rebuild or have != args.events:
            build(args.db, args.events)
        backend = "PostgreSQL"
    else:
        path = Path(args.db)
        marker = path.with_suffix(".n")
        if args.rebuild or not path.exists() or not marker.exists() or marker.read_text() != str(args.events):
            for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                p.unlink(missing_ok=True)
            build(path, args.events)
            marker.write_text(str(args.events))
        backend = "SQLite"
    engine = open_db(str(args.db), quiet=True)
    app = create_app(Settings(tile_url=None), engine)  # starts building the word bitmaps of a large database
    from rasd.store import bitmaps

    t0 = time.perf_counter()
    if bitmaps.prepare(engine, wait=True):  # the server's warm-up: text totals come from SQL until it is done
        st = bitmaps.status(engine)
        print(f"word bitmaps: ready after {time.perf_counter() - t0:.1f} s (built in {st.get('built_in_s')} s), "
              f"{st.get('words')} words, {st.get('pairs')} pairs, {st.get('memory_mb')} MB")
    server = thread = None
    if args.client == "http":
        import uvicorn

        from rasd.cli.serve import free_port

        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                               access_log=False))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        client: Any = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    else:
        from fastapi.testclient import TestClient

        client = TestClient(app)
    try:
        rng = random.Random(7)
        mix = request_mix(rng, args.requests)
        for _, q in mix[:20]:  # warm-up: page cache, connection pool
            client.get("/api/events", params=q).raise_for_status()
        times: dict[str, list[float]] = {}
        for kind, q in mix:
            t0 = time.perf_counter()
            r = client.get("/api/events", params=q)
            ms = (time.perf_counter() - t0) * 1000
            r.raise_for_status()
            times.setdefault(kind, []).append(ms)
        everything = [x for xs in times.values() for x in xs]
        print(f"database: {args.events} events, {backend}, client {args.client}")
        for kind in sorted(times):
            xs = times[kind]
            print(f"/api/events {kind}: p50 {statistics.median(xs):.1f} ms, p95 {pct(xs, 95):.1f} ms, n {len(xs)}")
        p95 = pct(everything, 95)
        print(f"/api/events all: p50 {statistics.median(everything):.1f} ms, p95 {p95:.1f} ms, n {len(everything)}")
        stats_max = 0.0
        for name, params in (("stats no filter", {}), ("stats admin1", {"admin1": "Aleppo"}),
                             ("stats type+dates", {"event_type": "Battles", "date_from": "2024-01-01"})):
            xs = []
            for _ in range(5):
                t0 = time.perf_counter()
                client.get("/api/stats", params=params).raise_for_status()
                xs.append((time.perf_counter() - t0) * 1000)
            print(f"/api/{name}: p50 {statistics.median(xs):.1f} ms, max {max(xs):.1f} ms, n {len(xs)}")
            stats_max = max(stats_max, max(xs))
        n_events = 0
        for fmt in ("jsonl", "acled-csv", "csv", "geojson"):
            t0 = time.perf_counter()
            size = lines = 0
            with client.stream("GET", "/api/export", params={"format": fmt, "admin1": "Aleppo"}) as r:
                r.raise_for_status()
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    lines += chunk.count(b"\n")
            secs = time.perf_counter() - t0
            if fmt == "jsonl":
                n_events = lines
            elif fmt.endswith("csv"):
                n_events = lines - 1
            # geojson is one line: the same events as the jsonl export
            print(f"/api/export {fmt} admin1=Aleppo: {size / 1e6:.1f} MB, {n_events} events in {secs * 1000:.0f} ms, "
                  f"{n_events / secs:,.0f} events/s")
        print(f"target p95 < 100 ms: {'met' if p95 < 100 else 'NOT met'}")
        worst = max(times, key=lambda k: pct(times[k], 95))
        print(f"goal at a million events, p95 < 50 ms over the mix and for every family: "
              f"{'met' if p95 < 50 and pct(times[worst], 95) < 50 else 'NOT met'} "
              f"(slowest family {worst}, p95 {pct(times[worst], 95):.1f} ms)")
        print(f"goal /api/stats < 100 ms, first calls included: {'met' if stats_max < 100 else 'NOT met'} "
              f"(slowest {stats_max:.1f} ms)")
        return 0 if p95 < 100 else 1
    finally:
        client.close()
        if server is not None:
            server.should_exit = True
            thread.join(timeout=15)
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())

"""rasd.store.accel (migration 0004): FTS5 text search, R*Tree, summary counts and actor/event pairs give exactly
the answers of the plain queries, and stay in step with every insert, update and delete of events."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from rasd import api
from rasd.api import Filters, Sort, _raw_records, stats
from rasd.store import accel, bitmaps
from rasd.store import db as store_db
from rasd.store.db import alembic_config, make_engine, open_db, resolve_url


def _filters(rng: random.Random, bench: Any) -> list[Filters]:
    gov = [g[0] for g in bench.GOVERNORATES]
    out = [Filters(), Filters(admin1="Aleppo"), Filters(admin1="aleppo"), Filters(event_type="Battles"),
           Filters(sub_event_type="Armed clash"), Filters(actor="isis"), Filters(actor="ISIS"),
           Filters(q="Manbij"), Filters(q="جبلة"), Filters(q="isis"), Filters(q="Armed clash"), Filters(q="killed"),
           Filters(q="ki"), Filters(q='"quoted'), Filters(q="syn-000007"), Filters(bbox=(36.0, 35.0, 38.5, 36.8)),
           Filters(bbox=(38.5, 36.8, 36.0, 35.0), admin1="Aleppo"), Filters(actor="sdf", admin1="Al Hasakeh"),
           Filters(q="Manbij", actor="isis", bbox=(36.0, 35.0, 38.5, 36.8)),
           Filters(report_kind="incident"), Filters(report_kind="aggregate", admin1="Aleppo"),
           Filters(country="syria"), Filters(country="Iraq"), Filters(report_kind="incident", actor="isis"),
           Filters(report_kind="incident", bbox=(36.0, 35.0, 38.5, 36.8))]
    import datetime as dt
    for _ in range(25):
        a = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(2800))
        b = a + dt.timedelta(days=rng.choice([0, 1, 3, 6, 7, 13, 30, 90, 365]))
        out += [Filters(date_from=a, date_to=b), Filters(date_from=a), Filters(date_to=b),
                Filters(date_from=a, date_to=b, admin1=rng.choice(gov)),
                Filters(date_from=a, date_to=b, event_type="Strategic developments", actor=rng.choice(bench.ACTORS)),
                Filters(date_from=a, date_to=b, report_kind=rng.choice(["incident", "aggregate", "background"]))]
    return out


def _answers(engine: Engine, fs: list[Filters]) -> list[Any]:
    out = []
    for f in fs:
        f = Filters(**{k: v for k, v in f.__dict__.items() if k != "q_actors"}).resolve(engine)
        page = _raw_records(engine, f, Sort.parse("-event_date"), 50, 0)
        deep = _raw_records(engine, f, Sort.parse("fatalities"), 20, 30)
        out.append((page, deep, stats(engine, f, with_cells=True)))
    return out


def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "_accel", lambda conn: False)
    monkeypatch.setattr(accel, "has_counts", lambda conn: False)
    monkeypatch.setattr(accel, "has_pairs", lambda conn: False)
    monkeypatch.setattr(bitmaps, "count", lambda *a: None)
    monkeypatch.setattr(bitmaps, "stats", lambda *a: None)


def _check_in_step(engine: Engine) -> None:
    with engine.connect() as c:
        q = lambda sql: c.execute(text(sql)).scalar_one()  # noqa: E731
        n = q("SELECT count(*) FROM events")
        assert q("SELECT count(*) FROM event_rowid") == n
        assert q("SELECT coalesce(sum(n), 0) FROM event_counts") == n
        assert q("SELECT count(*) FROM event_counts WHERE n <= 0") == 0
        assert q("SELECT count(*) FROM events_rtree") == q("SELECT count(*) FROM events WHERE latitude IS NOT NULL "
                                                           "AND longitude IS NOT NULL")
        assert q("SELECT count(*) FROM actor_events") == q("SELECT count(*) FROM (SELECT DISTINCT event_id, key "
                                                           "FROM event_actors)")
        assert q("SELECT count(*) FROM event_rowid r LEFT JOIN events e ON e.id = r.event_id "
                 "WHERE e.id IS NULL") == 0


@pytest.mark.parametrize("bulk", [True, False])
def test_accelerated_answers_are_the_plain_answers(tmp_path: Path, bench: Any, monkeypatch: pytest.MonkeyPatch,
                                                   bulk: bool) -> None:
    path = tmp_path / "a.db"
    bench.build(path, 3000, bulk=bulk)
    engine = open_db(str(path), quiet=True)
    _check_in_step(engine)
    fs = _filters(random.Random(3), bench)
    fast = _answers(engine, fs)
    assert sum(p[0][0] for p in fast) > 0
    with monkeypatch.context() as m:
        _plain(m)
        assert _answers(engine, fs) == fast

    # updates and deletes, as linking, corrections and hand edits make them: still in step, still the same answers
    with engine.begin() as c:
        c.execute(text("UPDATE events SET admin1 = 'Homs', event_date = '2019-03-05', search = search || ' zzqx', "
                       "latitude = 34.7, longitude = 36.7 WHERE id IN ('syn-000001', 'syn-000002', 'syn-000003')"))
        c.execute(text("UPDATE events SET event_date = NULL, sub_event_type = NULL WHERE id = 'syn-000004'"))
        # on the map box's edges, and a hair outside them (the R*Tree keeps float32 boxes)
        for i, (lon, lat) in enumerate([(36.0, 35.0), (38.5, 36.8), (35.9999999, 35.5), (37.0, 36.8000001),
                                        (36.00000001, 35.00000001), (38.4999999, 35.1)]):
            c.execute(text("UPDATE events SET longitude = :lon, latitude = :lat WHERE id = :id"),
                      {"lon": lon, "lat": lat, "id": f"syn-00003{i}"})
        c.execute(text("DELETE FROM event_actors WHERE event_id IN ('syn-000010', 'syn-000011')"))
        c.execute(text("INSERT INTO event_actors (event_id, key, side, role) VALUES ('syn-000012', 'isis', 2, NULL)"))
        c.execute(text("DELETE FROM events WHERE id IN ('syn-000020', 'syn-000021', 'syn-000022')"))
    _check_in_step(engine)
    fs += [Filters(q="zzqx"), Filters(admin1="Homs", date_from=__import__("datetime").date(2019, 3, 1)),
           Filters(bbox=(36.0, 35.0, 38.5, 36.8)), Filters(bbox=(36.0, 35.0, 36.00005, 35.00005))]
    fast = _answers(engine, fs)
    assert fast[-4][0][0] == 3 and fast[-1][0][0] >= 2
    with monkeypatch.context() as m:
        _plain(m)
        assert _answers(engine, fs) == fast
    engine.dispose()


def test_ingest_and_relink_keep_the_structures_in_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasd.cli import samples_dir
    from rasd.ingest import iter_articles
    from rasd.store.articles import ArticleWriter
    from rasd.store.linking import relink, relink_all

    engine = open_db(str(tmp_path / "s.db"), quiet=True)
    writer = ArticleWriter(engine)
    for art in iter_articles([samples_dir()]):
        writer.write(art)
    relink(engine)
    _check_in_step(engine)
    fs = [Filters(), Filters(q="حلب"), Filters(q="دير الزور"), Filters(q="ريف"), Filters(actor="isis"),
          Filters(bbox=(35.0, 32.0, 42.0, 37.5)), Filters(admin1="Aleppo")]
    fast = _answers(engine, fs)
    assert fast[0][0][0] > 0
    with monkeypatch.context() as m:
        _plain(m)
        assert _answers(engine, fs) == fast
    relink_all(engine)
    _check_in_step(engine)
    assert _answers(engine, fs) == fast


def test_fts_phrase() -> None:
    assert accel.fts_phrase("ab") is None
    assert accel.fts_phrase('a"bc') == '"a""bc"'


def test_split_weeks() -> None:
    import datetime as dt

    d = dt.date
    assert accel.split_weeks(None, None) == ((None, None), [])
    # Monday 2024-01-01 .. Sunday 2024-01-14: two whole weeks
    assert accel.split_weeks(d(2024, 1, 1), d(2024, 1, 14)) == ((d(2024, 1, 1), d(2024, 1, 8)), [])
    assert accel.split_weeks(d(2024, 1, 3), d(2024, 1, 5)) == (None, [(d(2024, 1, 3), d(2024, 1, 5))])
    assert accel.split_weeks(d(2024, 1, 3), d(2024, 1, 16)) == (
        (d(2024, 1, 8), d(2024, 1, 8)), [(d(2024, 1, 3), d(2024, 1, 7)), (d(2024, 1, 15), d(2024, 1, 16))])
    assert accel.split_weeks(d(2024, 1, 3), None) == ((d(2024, 1, 8), None), [(d(2024, 1, 3), d(2024, 1, 7))])


def test_migration_0004_fills_an_existing_database(tmp_path: Path, bench: Any, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    from alembic import command

    path = tmp_path / "old.db"
    engine = make_engine(resolve_url(str(path)))
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    engine.dispose()
    monkeypatch.setattr("rasd.store.db.upgrade", lambda engine, quiet=False: (None, "0003"))
    bench.build(path, 1500)  # written by a rasd of schema 0003: no structures, no triggers
    monkeypatch.undo()
    with make_engine(resolve_url(str(path))).connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
        assert c.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'events_fts'")).first() is None
    engine = open_db(str(path), quiet=True)  # `rasd db upgrade`
    _check_in_step(engine)
    fs = _filters(random.Random(5), bench)[:30]
    fast = _answers(engine, fs)
    with monkeypatch.context() as m:
        _plain(m)
        assert _answers(engine, fs) == fast
    with engine.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == store_db.SCHEMA_HEAD


@pytest.mark.parametrize("upgraded", [False, True])
def test_stats_stream_the_summary_rows_from_their_indexes(tmp_path: Path, bench: Any, upgraded: bool) -> None:
    """/api/stats groups the summary rows in the order of an index that covers them (no sort of the rows), on a
    new database and on one migration 0011 upgraded."""
    import datetime as dt

    from sqlalchemy import event

    path = tmp_path / "s.db"
    bench.build(path, 400)
    engine = open_db(str(path), quiet=True)
    if upgraded:  # as 0010 left it: no such indexes, then the migration
        with engine.begin() as c:
            for name in ("ix_event_counts_week", "ix_event_counts_admin1"):
                c.exec_driver_sql(f"DROP INDEX {name}")
            c.exec_driver_sql("UPDATE alembic_version SET version_num = '0010'")
        engine.dispose()
        engine = open_db(str(path), quiet=False)
    seen: list[tuple[str, Any]] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, sql, params, *_: seen.append((sql, params)) if "event_counts" in sql else None)
    for f in (Filters(), Filters(admin1="Aleppo"), Filters(event_type="Battles", date_from=dt.date(2021, 1, 1))):
        for g in (f, f.incidents_first()):  # every kind (/api/stats by default), or the incidents (the page's)
            stats(engine, g)
    grouped = [(sql, params) for sql, params in seen if "GROUP BY" in sql]
    assert len(grouped) == 12
    with engine.connect() as c:
        for sql, params in grouped:
            plan = " ".join(r[3] for r in c.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
            assert "COVERING INDEX ix_event_counts_" in plan and "TEMP B-TREE" not in plan, (sql, plan)
    engine.dispose()


def test_a_broad_text_is_counted_by_a_scan_with_the_same_answers(tmp_path: Path, bench: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "b.db"
    bench.build(path, 1500)
    engine = open_db(str(path), quiet=True)
    fs = [Filters(q=q, **kw) for q in ("killed", "Armed clash", "جبلة", "zzqx")
          for kw in ({}, {"report_kind": "incident"}, {"admin1": "Aleppo"})]
    monkeypatch.setattr(accel, "_MIN_LIST", 50)  # 1,500 events: broad past 100 matches
    with engine.connect() as c:
        assert accel.fts_is_broad(c, "killed") and not accel.fts_is_broad(c, "zzqx")
    fast = _answers(engine, fs)
    assert fast[0][0][0] > 100
    with monkeypatch.context() as m:
        _plain(m)
        assert _answers(engine, fs) == fast
    engine.dispose()


def test_postgres_keeps_the_summary_rows_in_step(bench: Any) -> None:
    """PostgreSQL (migration 0012): the summary rows follow a COPY, updates, deletes and a TRUNCATE of events, and
    the totals and stats read from them are the events' own counts (RASD_TEST_POSTGRES_URL)."""
    import datetime as dt

    from sqlalchemy import func, select

    from rasd.store.models import Event
    from tests.test_store import postgres_url

    url = postgres_url()
    bench.build(url, 600)
    engine = open_db(url, quiet=True)
    counts = ("SELECT coalesce(to_char(date_trunc('week', event_date), 'YYYY-MM-DD'), ''), coalesce(admin1, ''), "
              "coalesce(event_type, ''), coalesce(sub_event_type, ''), coalesce(report_kind, ''), "
              "coalesce(country, 'Syria'), count(*), sum(coalesce(fatalities, 0)) FROM events GROUP BY 1, 2, 3, 4, 5, 6",
              f"SELECT {accel.COUNT_KEYS}, n, fatalities FROM event_counts")
    pairs = ("SELECT DISTINCT a.key, e.id, e.event_date, e.admin1, e.event_type, e.sub_event_type, e.report_kind, "
             "e.country FROM event_actors a JOIN events e ON e.id = a.event_id",
             f"SELECT {accel.ACTOR_EVENT_COLS} FROM actor_events")

    def same(fresh_and_kept: tuple[str, str]) -> int:
        """The rows kept are the rows the events give now; how many."""
        with engine.connect() as c:
            fresh, kept = (sorted(tuple(r) for r in c.execute(text(sql))) for sql in fresh_and_kept)
        assert kept == fresh
        return len(fresh)

    assert same(counts) > 50 and same(pairs) > 600
    with engine.begin() as c:
        c.execute(text("UPDATE events SET admin1 = 'Homs', event_date = '2019-03-05', fatalities = 7 "
                       "WHERE id IN ('syn-000001', 'syn-000002', 'syn-000003')"))
        c.execute(text("UPDATE events SET event_date = NULL, sub_event_type = NULL WHERE id = 'syn-000004'"))
        c.execute(text("UPDATE events SET confidence = 0.5"))  # no counted column: the rows stay as they are
        c.execute(text("DELETE FROM events WHERE id IN ('syn-000020', 'syn-000021', 'syn-000022')"))
        c.execute(text("DELETE FROM event_actors WHERE event_id IN ('syn-000010', 'syn-000011') AND side = 1"))
        c.execute(text("INSERT INTO event_actors (event_id, key, side, role) VALUES ('syn-000012', 'isis', 5, NULL), "
                       "('syn-000012', 'isis', 6, NULL), ('syn-000013', 'sdf', 7, NULL)"))
        c.execute(text("UPDATE event_actors SET key = 'hts' WHERE event_id = 'syn-000014' AND side = 1"))
    same(counts)
    same(pairs)
    fs = [Filters(), Filters(admin1="Homs", date_from=dt.date(2019, 3, 1)), Filters(event_type="Battles"),
          Filters(date_from=dt.date(2020, 2, 5), date_to=dt.date(2021, 7, 9), report_kind="incident"),
          Filters(actor="isis"), Filters(actor="sdf", admin1="Homs"), Filters(actor="hts", event_type="Battles")]
    with engine.connect() as c:
        for f in fs:
            plain = c.execute(select(func.count()).select_from(Event.__table__).where(*f.conditions())).scalar_one()
            assert stats(engine, f)["total"] == plain == _raw_records(engine, f, Sort.parse("-event_date"), 5, 0)[0]
    with engine.begin() as c:
        c.execute(text("TRUNCATE events CASCADE"))
    assert same(counts) == 0 and same(pairs) == 0
    engine.dispose()


def test_postgres_concurrent_writers_do_not_deadlock_on_the_summary_rows(bench: Any) -> None:
    """Two transactions writing events of the same summary rows in opposite orders both commit: each takes the
    write counter's lock before any summary row's (RASD_TEST_POSTGRES_URL)."""
    import threading
    import time

    from tests.test_store import postgres_url

    url = postgres_url()
    bench.build(url, 50)
    engine = open_db(url, quiet=True)
    with engine.connect() as c:
        cols = [r[0] for r in c.execute(text("SELECT column_name FROM information_schema.columns WHERE "
                                             "table_name = 'events' AND table_schema = current_schema()"))]
    copy = (f"INSERT INTO events ({', '.join(cols)}) SELECT "
            + ", ".join(":id" if c == "id" else ":admin1" if c == "admin1" else c for c in cols)
            + " FROM events WHERE id = 'syn-000001'")
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with engine.begin() as c:
                c.execute(text(copy), {"id": "t2-a", "admin1": "Homs"})
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    with engine.begin() as c:
        c.execute(text(copy), {"id": "t1-a", "admin1": "Aleppo"})
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.5)  # the second transaction is now waiting inside its statement
        c.execute(text(copy), {"id": "t1-b", "admin1": "Homs"})  # a summary row the second one also writes
    t.join(timeout=30)
    assert not errors and not t.is_alive()
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM events WHERE id LIKE 't_-%'")).scalar_one() == 3
        assert c.execute(text("SELECT sum(n) FROM event_counts")).scalar_one() == 53
    engine.dispose()

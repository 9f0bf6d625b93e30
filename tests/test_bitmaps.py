"""rasd.store.bitmaps: the in-memory word bitmaps give exactly the totals SQL gives, for any text and filter they
answer, and stay in step with the database through its change log (small changes replayed, large ones and
bulk loads rebuilt)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text

from rasd import api
from rasd.api import Filters
from rasd.store import bitmaps
from rasd.store.db import open_db
from rasd.store.models import Event


@pytest.fixture(autouse=True)
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bitmaps, "MIN_EVENTS", 0)
    monkeypatch.setattr(bitmaps, "CHUNK", 700)  # several batches, as a large build reads them


TEXTS = ["Manbij", "manbij", "جبلة", "جبله", "isis", "ISIS", "Armed clash", "armed  clash", "killed", "ki", "k",
         "ed in", "n, a", "ied in tall", "in tall kalakh", "sources reported", "reported the", "sna", "sdf قسد",
         "الجيش الوطني", "ادلب", "Aleppo", "aleppo ادلب", "2019-03", "on 2019", "syn-000007", "syn-000007 ",
         '"quoted', "zzqx", "e", "clash ", " الدولي", "attack", "Battles", "Strategic", "x y z"]


def _sql_total(engine: Engine, f: Filters) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(Event.__table__).where(*f.conditions())).scalar_one()


def _index_total(engine: Engine, f: Filters) -> int | None:
    f = f.resolve(engine)
    with engine.connect() as c:
        from rasd.store.accel import version

        return bitmaps.count(c, f, version(c), api._CANON)


def _cases(rng: random.Random, bench: Any) -> list[Filters]:
    out = []
    for q in TEXTS:
        out += [Filters(q=q), Filters(q=q, report_kind="incident")]
    for _ in range(60):
        a = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(2800))
        kw: dict[str, Any] = {"q": rng.choice(TEXTS)}
        if rng.random() < 0.5:
            kw["date_from"] = a
        if rng.random() < 0.5:
            kw["date_to"] = a + dt.timedelta(days=rng.choice([0, 7, 90, 365, 2000]))
        if rng.random() < 0.4:
            kw["admin1"] = rng.choice([g[0] for g in bench.GOVERNORATES] + ["aleppo", "Nowhere"])
        if rng.random() < 0.3:
            kw["event_type"] = rng.choice([t[0] for t in bench.TYPES] + ["battles"])
        if rng.random() < 0.3:
            kw["sub_event_type"] = rng.choice([t[1] for t in bench.TYPES])
        if rng.random() < 0.3:
            kw["actor"] = rng.choice(bench.ACTORS + ["ISIS", "nobody"])
        if rng.random() < 0.4:
            kw["report_kind"] = rng.choice(["incident", "aggregate", "background"])
        if rng.random() < 0.3:
            kw["country"] = rng.choice(["syria", "Syria", "Iraq"])
        out.append(Filters(**kw))
    return out


def _compare(engine: Engine, fs: list[Filters], with_stats: bool = True) -> int:
    """Every answer the index gives (totals, and /api/stats with and without cells) equals SQL's; how many
    totals it gave."""
    from rasd.store.accel import version

    given_ = 0
    for i, f in enumerate(fs):
        f = Filters(**{k: v for k, v in f.__dict__.items() if k != "q_actors"}).resolve(engine)
        got = _index_total(engine, f)
        if got is not None:
            given_ += 1
            assert got == _sql_total(engine, f), f
        if with_stats:
            cells = i % 2 == 0
            with engine.connect() as c:
                fast = bitmaps.stats(c, f, version(c), api._CANON, cells)
                assert (fast is None) == (got is None)
                if fast is not None:
                    assert fast == api._stats(c, f, cells, c.dialect.name == "sqlite"), f
    return given_


def _long(fs: list[Filters]) -> int:
    from rasd.store.linking import search_text

    return sum(1 for f in fs if search_text(f.q or "").count(" ") > 1)


def _ready(engine: Engine) -> None:
    assert bitmaps.prepare(engine, wait=True)
    assert bitmaps.status(engine)["state"] == "ready", bitmaps.status(engine)


@pytest.mark.parametrize("bulk", [True, False])
def test_index_totals_are_the_sql_totals_and_stay_in_step(tmp_path: Path, bench: Any, bulk: bool) -> None:
    path = tmp_path / "b.db"
    bench.build(path, 2500, bulk=bulk)
    engine = open_db(str(path), quiet=True)
    bitmaps.forget(engine)
    _ready(engine)
    fs = _cases(random.Random(11), bench) + [Filters(), Filters(admin1="Aleppo"), Filters(report_kind="incident"),
                                              Filters(date_from=dt.date(2021, 1, 1), event_type="Battles")]
    # everything but the needles of three words and more is answered here
    assert _compare(engine, fs) == len(fs) - _long(fs)
    assert _index_total(engine, Filters(q="killed", report_kind="incident")) > 500

    # changes as linking, corrections and hand edits make them: replayed from the log on the next count
    with engine.begin() as c:
        c.execute(text("UPDATE events SET admin1 = 'Homs', event_date = '2019-03-05', search = search || ' zzqx', "
                       "report_kind = 'aggregate' WHERE id IN ('syn-000001', 'syn-000002', 'syn-000003')"))
        c.execute(text("UPDATE events SET search = 'manbij killed', country = 'Iraq' WHERE id = 'syn-000004'"))
        c.execute(text("UPDATE events SET search = NULL, event_date = NULL WHERE id = 'syn-000005'"))
        c.execute(text("DELETE FROM event_actors WHERE event_id = 'syn-000006'"))
        c.execute(text("UPDATE events SET id = 'renamed-1' WHERE id = 'syn-000006'"))
        c.execute(text("DELETE FROM event_actors WHERE event_id IN ('syn-000010', 'syn-000011')"))
        c.execute(text("INSERT INTO event_actors (event_id, key, side, role) VALUES ('syn-000012', 'isis', 2, NULL)"))
        c.execute(text("UPDATE event_actors SET event_id = 'syn-000014' WHERE event_id = 'syn-000013' AND key NOT IN "
                       "(SELECT key FROM event_actors WHERE event_id = 'syn-000014')"))
        c.execute(text("DELETE FROM events WHERE id IN ('syn-000020', 'syn-000021', 'syn-000022')"))
    before = bitmaps._slot(engine).index.seq
    fs += [Filters(q="zzqx"), Filters(q="zzqx", admin1="Homs", report_kind="aggregate"), Filters(q="renamed-1"),
           Filters(q="manbij killed", country="Iraq"), Filters(q="isis", actor="isis")]
    assert _compare(engine, fs) == len(fs) - _long(fs)
    assert bitmaps._slot(engine).index.seq > before
    assert _index_total(engine, Filters(q="zzqx")) == 3

    # a change larger than a request replays: caught up in the background, SQL answering meanwhile
    engine2 = engine
    with engine2.begin() as c:
        c.execute(text("UPDATE events SET search = search || ' wwqv' WHERE rowid % 3 = 0"))
    bitmaps_inline = bitmaps.REPLAY_INLINE
    try:
        bitmaps.REPLAY_INLINE = 10
        first = _index_total(engine, Filters(q="wwqv"))
        assert first is None or first == _sql_total(engine, Filters(q="wwqv"))
        worker = bitmaps._slot(engine).worker
        if worker is not None:
            worker.join()
        assert _index_total(engine, Filters(q="wwqv")) == _sql_total(engine, Filters(q="wwqv")) > 500
    finally:
        bitmaps.REPLAY_INLINE = bitmaps_inline
    assert _compare(engine, fs) > 0
    engine.dispose()
    bitmaps.forget(engine)


def test_a_log_that_no_longer_reaches_the_index_rebuilds_it(tmp_path: Path, bench: Any) -> None:
    path = tmp_path / "g.db"
    bench.build(path, 800)
    engine = open_db(str(path), quiet=True)
    bitmaps.forget(engine)
    _ready(engine)
    old = bitmaps._slot(engine).index
    with engine.begin() as c:
        c.execute(text("UPDATE events SET search = 'qqzz' WHERE id = 'syn-000001'"))
        c.execute(text("DELETE FROM search_log"))  # as if pruned past the index
    assert _index_total(engine, Filters(q="qqzz")) is None  # SQL answers while it is rebuilt
    bitmaps._slot(engine).worker.join()
    assert bitmaps._slot(engine).index is not old
    assert _index_total(engine, Filters(q="qqzz")) == 1 == _sql_total(engine, Filters(q="qqzz"))

    # a bulk load sets the triggers aside and clears the log: the index is built again, not left behind
    from rasd.store import accel

    old = bitmaps._slot(engine).index
    with engine.begin() as c, accel.bulk_load(c):
        c.execute(text("UPDATE events SET search = search || ' bbqq' WHERE rowid % 2 = 0"))
    assert _index_total(engine, Filters(q="bbqq")) is None
    bitmaps._slot(engine).worker.join()
    assert bitmaps._slot(engine).index is not old
    assert _index_total(engine, Filters(q="bbqq")) == _sql_total(engine, Filters(q="bbqq")) > 300
    engine.dispose()
    bitmaps.forget(engine)


def test_api_totals_use_the_index(tmp_path: Path, bench: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from rasd.api import Settings, create_app

    path = tmp_path / "api.db"
    bench.build(path, 1200)
    engine = open_db(str(path), quiet=True)
    bitmaps.forget(engine)
    app = create_app(Settings(db=str(path)), engine=engine)
    bitmaps._slot(engine).worker.join()  # create_app started the build
    calls: list[int | None] = []
    real = bitmaps.count
    monkeypatch.setattr(bitmaps, "count", lambda *a: calls.append(real(*a)) or calls[-1])
    with TestClient(app) as client:
        got = client.get("/api/events", params={"q": "killed", "limit": 5}).json()["total"]
    assert calls and calls[-1] == got == _sql_total(engine, Filters(q="killed", report_kind="incident"))
    engine.dispose()
    bitmaps.forget(engine)


WORDS = st.text(alphabet="abé ", min_size=0, max_size=12)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), WORDS), min_size=1, max_size=12), needle=WORDS)
def test_word_and_pair_bitmaps_are_the_substring_test(texts: list[str | None], needle: str) -> None:
    """Folded texts (single spaces) and any needle without a leading, trailing or double space: the union over
    the matching words or word pairs is exactly the set of texts containing the needle."""
    texts = [" ".join(t.split()) if t is not None else None for t in texts]
    needle = " ".join(needle.split())
    if not needle:
        return
    idx = bitmaps.EventBitmaps()
    rows = [(n + 1, t, "incident", None, None, None, None, None, None) for n, t in enumerate(texts)]
    random.Random(len(texts)).shuffle(rows)
    idx.add_rows(rows[: len(rows) // 2])
    idx.add_rows(rows[len(rows) // 2:])
    got = idx.text_bits(needle)
    if needle.count(" ") > 1:
        assert got is None
        return
    assert set(got) == {n + 1 for n, t in enumerate(texts) if t and needle in t}
    # taking an event out with its text, and putting it back with another, moves it between the answers
    idx.remove(1, texts[0])
    idx.add_rows([(1, needle, "incident", None, None, None, None, None, None)])
    assert 1 in idx.text_bits(needle)
    idx.remove(1, needle)
    assert 1 not in idx.text_bits(needle)


def test_migration_0014_logs_the_changes_of_an_existing_database(tmp_path: Path, bench: Any) -> None:
    from alembic import command

    from rasd.store.db import alembic_config, make_engine, resolve_url

    path = tmp_path / "m.db"
    bench.build(path, 600)
    engine = make_engine(resolve_url(str(path)))
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013")
    with engine.connect() as c:
        assert c.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'search_log'")).first() is None
        c.execute(text("UPDATE events SET search = 'before upgrade' WHERE id = 'syn-000001'"))  # not logged
        c.commit()
    engine.dispose()
    engine = open_db(str(path), quiet=True)  # `rasd db upgrade`
    bitmaps.forget(engine)
    _ready(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE events SET search = 'after upgrade' WHERE id = 'syn-000002'"))
        c.execute(text("DELETE FROM events WHERE id = 'syn-000003'"))
        logged = c.execute(text("SELECT n, event_id, old FROM search_log ORDER BY seq")).all()
    # the update and the delete with the texts they end, then the deleted event's actors (ON DELETE CASCADE)
    assert [(n is not None, old is not None) for n, _, old in logged[:2]] == [(True, True), (True, True)]
    assert {e for _, e, _ in logged[2:]} == {"syn-000003"}
    for q in ("before upgrade", "after upgrade", "upgrade", "syn-000003"):
        assert _index_total(engine, Filters(q=q)) == _sql_total(engine, Filters(q=q).resolve(engine))
    assert _index_total(engine, Filters(q="upgrade")) == 2
    engine.dispose()
    bitmaps.forget(engine)


def test_pages_of_a_few_matches_read_from_the_bitmaps_are_the_sql_pages(tmp_path: Path, bench: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from rasd.api import Sort, _raw_records

    path = tmp_path / "p.db"
    bench.build(path, 2500)
    engine = open_db(str(path), quiet=True)
    bitmaps.forget(engine)
    _ready(engine)
    used: list[int] = []
    real = bitmaps.numbers
    monkeypatch.setattr(bitmaps, "numbers", lambda *a: used.append(1) or real(*a))
    fs = _cases(random.Random(5), bench)
    sorts = ["-event_date", "event_date", "fatalities", "-fatalities", "admin1", "location", "-sources", "id"]
    pages = []
    for i, f in enumerate(fs):
        f = Filters(**{k: v for k, v in f.__dict__.items() if k != "q_actors"}).resolve(engine).incidents_first()
        sort = Sort.parse(sorts[i % len(sorts)])
        pages.append((f, sort, i % 3 * 5, _raw_records(engine, f, sort, 7, i % 3 * 5)))
    assert len(used) > 20  # few enough matches for an id list, many times
    with monkeypatch.context() as m:
        m.setattr(bitmaps, "numbers", lambda *a: None)
        m.setattr(bitmaps, "count", lambda *a: None)
        for f, sort, offset, page in pages:
            assert _raw_records(engine, f, sort, 7, offset) == page, f
    engine.dispose()
    bitmaps.forget(engine)


def test_postgres_index_totals_stats_and_pages_are_the_sql_ones(bench: Any, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    """PostgreSQL (migration 0015): the same bitmaps, kept by statement triggers, numbered by event_numbers
    (RASD_TEST_POSTGRES_URL)."""
    from rasd.api import Sort, _raw_records
    from tests.test_store import postgres_url

    url = postgres_url()
    bench.build(url, 1500)
    engine = open_db(url, quiet=True)
    bitmaps.forget(engine)
    _ready(engine)
    fs = _cases(random.Random(17), bench)[:80]
    assert _compare(engine, fs) == len(fs) - _long(fs)
    with engine.begin() as c:
        c.execute(text("UPDATE events SET admin1 = 'Homs', search = search || ' zzqx', report_kind = 'aggregate' "
                       "WHERE id IN ('syn-000001', 'syn-000002', 'syn-000003')"))
        c.execute(text("UPDATE events SET search = 'manbij killed', country = 'Iraq' WHERE id = 'syn-000004'"))
        c.execute(text("UPDATE events SET confidence = 0.5"))  # no column the index holds
        c.execute(text("DELETE FROM event_actors WHERE event_id = 'syn-000006'"))
        c.execute(text("UPDATE events SET id = 'renamed-1' WHERE id = 'syn-000006'"))
        c.execute(text("DELETE FROM events WHERE id IN ('syn-000020', 'syn-000021')"))
        c.execute(text("INSERT INTO event_actors (event_id, key, side, role) VALUES ('syn-000012', 'isis', 5, NULL)"))
    fs += [Filters(q="zzqx"), Filters(q="zzqx", admin1="Homs", report_kind="aggregate"), Filters(q="renamed-1"),
           Filters(q="manbij killed", country="Iraq"), Filters(q="isis", actor="isis")]
    assert _compare(engine, fs) == len(fs) - _long(fs)
    assert _index_total(engine, Filters(q="zzqx")) == 3
    used: list[int] = []
    real = bitmaps.numbers
    monkeypatch.setattr(bitmaps, "numbers", lambda *a: used.append(1) or real(*a))
    f = Filters(q="zzqx").resolve(engine)
    page = _raw_records(engine, f, Sort.parse("-event_date"), 2, 1)
    assert used and page[0] == 3
    monkeypatch.setattr(bitmaps, "numbers", lambda *a: None)
    monkeypatch.setattr(bitmaps, "count", lambda *a: None)
    assert _raw_records(engine, f, Sort.parse("-event_date"), 2, 1) == page
    monkeypatch.undo()
    monkeypatch.setattr(bitmaps, "MIN_EVENTS", 0)
    with engine.begin() as c:
        c.execute(text("TRUNCATE events CASCADE"))
    assert _index_total(engine, Filters(q="zzqx")) is None  # built again: the log no longer reaches it
    bitmaps._slot(engine).worker.join()
    assert _index_total(engine, Filters(q="killed")) == 0
    engine.dispose()
    bitmaps.forget(engine)

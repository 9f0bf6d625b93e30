"""The Dask engine gives exactly the local engine's records, and its partitioned linking equals `link`.

The reduce step is checked three ways: its necessary condition (cells that can pair) against
`pair_score` itself, serially on random mentions built around month boundaries (undated mentions,
null governorates, Jan 31 / Feb 1), and on a LocalCluster of two workers against the local engine on
the samples and on a generated corpus (tests.test_store.make_corpus plus articles written here whose
incidents straddle a month, a country without governorates, or a missing date). The workers run
with outbound connections refused (loopback only), so nothing they do can download.
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
import random
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rasd.cli import main, samples_dir
from rasd.doc import Article
from rasd.engines import local
from rasd.extract.events import event_id
from rasd.geo import toponyms
from rasd.geo.gazetteer import reset_gazetteer
from rasd.ingest import ReadError, iter_articles
from rasd.link.merge import candidate_pairs, key_of, key_score, link, pair_score
from rasd.store.articles import default_extractor
from rasd.store.db import open_db
from tests.test_store import make_corpus, snapshot, write_jsonl

pytest.importorskip("distributed")

from rasd.engines import dask as dask_engine  # noqa: E402
from tests.samples import sample_articles  # noqa: E402

# Incidents told by two outlets across a boundary of the reduce's cells (verified to link locally).
BOUNDARY = [
    # the same arrests on Jan 31 (أمس) and Feb 1 (اليوم): two month cells
    {"id": "b-jan31", "published": "2025-02-01", "outlet": "outlet-a", "text": "ألقت قوى الأمن الداخلي في محافظة حمص القبض على خمسة أشخاص في مدينة تلكلخ أمس، بتهمة الانتماء إلى خلية تابعة لتنظيم داعش، وضبطت بحوزتهم أسلحة فردية."},
    {"id": "b-feb01", "published": "2025-02-01", "outlet": "outlet-b", "text": "أعلنت وزارة الداخلية السورية اليوم اعتقال خمسة عناصر من خلية لتنظيم داعش في مدينة تلكلخ بمحافظة حمص، مشيرة إلى ضبط ذخائر."},
    # an undated report (no publication date, no date word) of a dated bombing
    {"id": "b-undated", "outlet": "outlet-a", "text": "قُتل ثلاثة مدنيين وأصيب آخرون بانفجار عبوة ناسفة استهدفت سيارة على الطريق قرب مدينة جبلة في ريف اللاذقية."},
    {"id": "b-dated", "published": "2025-03-01", "outlet": "outlet-b", "text": "أسفر انفجار عبوة ناسفة زرعها مجهولون قرب مدينة جبلة في محافظة اللاذقية يوم السبت عن مقتل ثلاثة مدنيين."},
    # one tally over several governorates (admin1 null), counted from 31 January by one outlet, 1 February by the other
    {"id": "b-agg-jan", "published": "2025-02-04", "outlet": "outlet-a", "text": "أعلنت وزارة الداخلية السورية أن وحداتها ألقت القبض على 34 عنصراً من تنظيم داعش في عدة محافظات منذ 31 كانون الثاني."},
    {"id": "b-agg-feb", "published": "2025-02-04", "outlet": "outlet-b", "text": "قالت وزارة الداخلية السورية إن وحداتها ألقت القبض على 34 عنصراً من تنظيم داعش في عدة محافظات منذ الأول من شباط."},
    # abroad (admin1 null) on Mar 31 and Apr 1
    {"id": "b-iraq-mar", "published": "2025-03-31", "outlet": "outlet-a", "text": "قتل خمسة من عناصر تنظيم داعش في اشتباك مع القوات العراقية في محافظة الأنبار غرب العراق اليوم."},
    {"id": "b-iraq-apr", "published": "2025-04-01", "outlet": "outlet-b", "text": "أعلنت القوات العراقية اليوم مقتل خمسة من مسلحي تنظيم داعش في اشتباكات بمحافظة الأنبار."},
]
BOUNDARY_PAIRS = [{"b-jan31", "b-feb01"}, {"b-undated", "b-dated"}, {"b-agg-jan", "b-agg-feb"},
                  {"b-iraq-mar", "b-iraq-apr"}]


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """No user places, here and on the workers (which inherit this environment and get it shipped)."""
    path = tmp_path_factory.mktemp("places") / "none.csv"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RASD_PLACES", str(path))
        mp.delenv("XDG_DATA_HOME", raising=False)
        reset_gazetteer()
        toponyms.reset_lexicon()
        yield path
    reset_gazetteer()
    toponyms.reset_lexicon()


def _loopback_only() -> None:
    """On a worker: any connection that leaves the machine fails (a download would be a bug)."""
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else ""
        if self.family in (socket.AF_INET, socket.AF_INET6) and not (host.startswith("127.") or host == "::1"):
            raise OSError(f"network access from a worker: {address}")
        return original(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def client(places: Any) -> Any:
    with dask_engine.connect(None, 2) as c:
        assert dask_engine.n_workers(c) == 2
        c.run(_loopback_only)
        yield c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated corpus with the boundary articles, as one JSONL.gz."""
    items = make_corpus(300, seed=11) + BOUNDARY
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for o in items:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    return path


def local_items(paths: list[str], background: bool = False) -> list[Any]:
    """What the local engine sees: ReadErrors and (article id, mentions, error), in order."""
    out: list[Any] = []
    for item in iter_articles(paths):
        if isinstance(item, ReadError):
            out.append(item)
            continue
        art, found, error = local.extract_one(item, background)
        out.append((art.id, found, error))
    return out


def dask_items(client: Any, paths: list[str], chunk: int, background: bool = False) -> list[Any]:
    out: list[Any] = []
    for item in dask_engine.results(client, paths, background, chunk=chunk):
        if isinstance(item, ReadError):
            out.append(item)
            continue
        art, found, error = item
        out.append((art.id, found, None if error is None else f"extraction failed: {error}"))
    return out


def mentions_of(items: list[Any]) -> list[dict[str, Any]]:
    return [m for it in items if not isinstance(it, ReadError) for m in it[1] or []]


# --- the reduce step, without a cluster ----------------------------------------------------------

def test_month_reach_covers_the_widest_tolerance() -> None:
    day = dt.date(2023, 1, 1)
    for _ in range(3 * 366):
        for gap in range(dask_engine.WINDOW + 1):
            other = day + dt.timedelta(days=gap)
            months = (other.year * 12 + other.month) - (day.year * 12 + day.month)
            assert months <= dask_engine.MONTH_REACH
        day += dt.timedelta(days=1)
    assert dask_engine.MONTH_REACH == 2  # Jan 31 and Mar 2 are 30 days apart


@pytest.fixture(scope="module")
def bases(places: Any) -> list[dict[str, Any]]:
    """Real mentions (the samples and the boundary articles) to vary."""
    from tests.test_store import as_article

    arts = [a for a in iter_articles([str(samples_dir())]) if not isinstance(a, ReadError)]
    arts += [as_article({"title": None, "url": None, **o}) for o in BOUNDARY]
    return [m for a in arts for m in default_extractor(a)]


DAYS = [dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 1, 30), dt.date(2025, 1, 31), dt.date(2025, 2, 1),
        dt.date(2025, 2, 2), dt.date(2025, 2, 28), dt.date(2025, 3, 1), dt.date(2025, 3, 2), dt.date(2025, 3, 31)]


def synthetic(bases: list[dict[str, Any]], seed: int, stories: int) -> list[dict[str, Any]]:
    """Stories told by one to four articles, dated around month ends, some undated or without admin1."""
    rnd = random.Random(seed)
    out: list[dict[str, Any]] = []
    for story in range(stories):
        base = rnd.choice(bases)
        day = rnd.choice(DAYS)
        admin1 = rnd.choice([base["admin1"], base["admin1"], None, "Aleppo"])
        for r in range(rnd.choice([1, 2, 2, 3, 4])):
            m = copy.deepcopy(base)
            aid = f"syn-{seed}-{story}-{r}"
            m["id"] = event_id(aid, rnd.randrange(3))
            m["sources"] = [{**m["sources"][0], "article_id": aid}]
            for ev in m["evidence"]:
                ev["article_id"] = aid
            d = None if rnd.random() < 0.15 else day + dt.timedelta(days=rnd.choice([-1, 0, 0, 1, 2]))
            m["event_date"] = m["date_end"] = d.isoformat() if d else None
            m["time_precision"] = rnd.choice([1, 1, 2, 3]) if d else None
            m["admin1"] = admin1 if rnd.random() > 0.2 else None
            if rnd.random() < 0.1:
                m["report_kind"] = "aggregate"
            out.append(m)
    if out:
        out.append(copy.deepcopy(rnd.choice(out)))  # a duplicated article: two mentions with one id
    rnd.shuffle(out)
    return out


def _crossings(ms: list[dict[str, Any]], events: list[dict[str, Any]]) -> dict[str, int]:
    """How many merged events join mentions of different cells, by kind of boundary."""
    by_article = {m["sources"][0]["article_id"]: m for m in ms}
    out = {"month": 0, "undated": 0, "null admin1": 0}
    for e in events:
        cells = {dask_engine.cell_of(by_article[s["article_id"]]) for s in e["sources"]}
        if len(cells) < 2:
            continue
        months = {c[3] for c in cells}
        admins = {c[2] for c in cells}
        out["month"] += len(months - {None}) > 1
        out["undated"] += None in months and len(months) > 1
        out["null admin1"] += None in admins and len(admins) > 1
    return out


def test_cells_that_cannot_pair_hold_no_scoring_pair(bases: list[dict[str, Any]]) -> None:
    ms = synthetic(bases, 1, 150)
    for a in ms:
        for b in ms:
            if pair_score(a, b) is not None:
                assert dask_engine.could_pair(dask_engine.cell_of(a), dask_engine.cell_of(b))


def test_edge_tasks_score_link_keys_as_link_scores_full_mentions(bases: list[dict[str, Any]]) -> None:
    ms = synthetic(bases, 4, 60)
    keys = [key_of(m) for m in ms]
    for a, ka in zip(ms, keys, strict=True):
        for b, kb in zip(ms, keys, strict=True):
            assert key_score(ka, kb) == key_score(kb, ka) == pair_score(a, b)


def test_candidate_pairs_hold_every_pair_that_can_score(bases: list[dict[str, Any]]) -> None:
    ms = synthetic(bases, 3, 200)
    keys = [key_of(m) for m in ms]
    cands = list(candidate_pairs(keys))
    assert len(cands) == len(set(cands)) and all(i < j for i, j in cands)
    cset = set(cands)
    scoring = [(i, j) for i in range(len(ms)) for j in range(i + 1, len(ms)) if key_score(keys[i], keys[j]) is not None]
    assert scoring and set(scoring) <= cset
    assert len(cset) < len(ms) * (len(ms) - 1) // 2  # it does block something


def test_partitioned_link_equals_link_across_boundaries(bases: list[dict[str, Any]]) -> None:
    ms = synthetic(bases, 2, 250)
    expected = link(ms)
    for parts in (1, 3, 50):
        assert dask_engine.link_partitioned(ms, parts=parts) == expected
    crossed = _crossings(ms, expected)
    assert all(n > 0 for n in crossed.values()), crossed  # the test exercises every boundary
    assert len(expected) < len(ms) - 50


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), stories=st.integers(0, 40), parts=st.integers(1, 12))
def test_partitioned_link_equals_link_property(bases: list[dict[str, Any]], seed: int, stories: int,
                                               parts: int) -> None:
    ms = synthetic(bases, seed, stories)
    assert dask_engine.link_partitioned(ms, parts=parts) == link(ms)
    assert dask_engine.link_partitioned(list(reversed(ms)), parts=parts) == link(ms)


def test_packed_mentions_round_trip_and_link_as_dicts(bases: list[dict[str, Any]]) -> None:
    ms = synthetic(bases, 2, 120)
    packed = [dask_engine.pack(m) for m in ms]
    assert all(isinstance(p, bytes) for p in packed)
    assert [dask_engine.unpack(p) for p in packed] == ms
    assert sum(map(len, packed)) < sum(len(json.dumps(m)) for m in ms)  # compact: no ASCII escapes
    assert dask_engine.link_partitioned(packed, parts=4) == link(ms)


def test_components_join_equal_ids_and_keep_input_order() -> None:
    ms = [{"id": "b"}, {"id": "a"}, {"id": "b"}, {"id": "c"}]
    assert sorted(dask_engine.components([m["id"] for m in ms], [(3, 1)])) == [[0, 2], [1, 3]]


# --- on a LocalCluster of two workers ------------------------------------------------------------

def test_samples_identical_to_the_local_engine(client: Any) -> None:
    paths = [str(samples_dir())]
    want = local_items(paths)
    got = dask_items(client, paths, chunk=5)
    assert got == want
    assert dask_engine.link_partitioned(mentions_of(got), client) == link(mentions_of(want))


def test_generated_corpus_identical_and_boundaries_linked(client: Any, corpus: Path) -> None:
    want = local_items([str(corpus)])
    got = dask_items(client, [str(corpus)], chunk=16)  # 20 partitions
    assert got == want
    events = link(mentions_of(want))
    assert dask_engine.link_partitioned(mentions_of(got), client) == events
    merged = [{s["article_id"] for s in e["sources"]} for e in events]
    for pair in BOUNDARY_PAIRS:
        assert any(pair <= m for m in merged), pair
    ms = mentions_of(want)
    by_article = {m["sources"][0]["article_id"]: dask_engine.cell_of(m) for m in ms}
    for pair in BOUNDARY_PAIRS:  # each pair straddles two cells of the reduce
        assert len({by_article[a] for a in pair}) == 2


def test_background_mentions_too(client: Any) -> None:
    paths = [str(samples_dir())]
    assert dask_items(client, paths, chunk=7, background=True) == local_items(paths, background=True)


def test_reduce_on_the_cluster_equals_link(client: Any, bases: list[dict[str, Any]]) -> None:
    ms = synthetic(bases, 3, 300)
    assert dask_engine.link_partitioned(ms, client) == link(ms)


def test_folder_of_files_jsonl_and_parquet_give_the_same(client: Any, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    items = make_corpus(60, seed=5) + BOUNDARY
    folder = tmp_path / "folder"
    folder.mkdir()
    for o in items:
        (folder / f"{o['id']}.txt").write_text(o["text"], "utf-8")
        meta = {k: o.get(k) for k in ("outlet", "url", "published") if o.get(k)}
        (folder / f"{o['id']}.meta.json").write_text(json.dumps(meta), "utf-8")
    jsonl = write_jsonl(tmp_path / "feed.jsonl", items)
    rows = [{"id": o["id"], "text": o["text"], "outlet": o.get("outlet"), "url": o.get("url"),
             "published": dt.date.fromisoformat(o["published"]) if o.get("published") else None} for o in items]
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, tmp_path / "feed.parquet", row_group_size=25)
    want = link(mentions_of(local_items([str(jsonl)])))
    assert link(mentions_of(local_items([str(folder)]))) == want
    for path in (folder, jsonl, tmp_path / "feed.parquet"):
        got = dask_items(client, [str(path)], chunk=9)
        assert dask_engine.link_partitioned(mentions_of(got), client) == want, path
    arts = list(dask_engine.iter_parquet(str(tmp_path / "feed.parquet"), chunk=7))
    assert [a.id for a in arts] == [o["id"] for o in items]


def test_bad_items_in_order_and_a_failing_article(client: Any, tmp_path: Path) -> None:
    good = make_corpus(5, seed=9)
    feed = tmp_path / "mixed.jsonl"
    lines = [json.dumps(o, ensure_ascii=False) for o in good]
    feed.write_text("\n".join(lines[:2] + ["{broken", json.dumps({"id": "x"})] + lines[2:]) + "\n", "utf-8")
    gz = tmp_path / "cut.jsonl.gz"
    gz.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode())[:-30])  # truncated
    paths = [str(feed), str(tmp_path / "missing.txt"), str(gz), str(tmp_path / "x.csv")]
    (tmp_path / "x.csv").write_text("a,b\n", "utf-8")
    want = local_items(paths)
    assert sum(isinstance(i, ReadError) for i in want) >= 5
    assert dask_items(client, paths, chunk=2) == want

    bad = good[3]["id"]

    def fail_on(article_id: str) -> None:
        import rasd.pipeline

        original = rasd.pipeline.make_doc

        def make_doc(article: Any, *a: Any, **k: Any) -> Any:
            if article.id == article_id:
                raise ValueError("broken on purpose")
            return original(article, *a, **k)

        rasd.pipeline.make_doc = make_doc
        rasd.pipeline._original_make_doc = original  # type: ignore[attr-defined]

    def restore() -> None:
        import rasd.pipeline

        rasd.pipeline.make_doc = rasd.pipeline._original_make_doc  # type: ignore[attr-defined]

    client.run(fail_on, bad)
    try:
        got = dask_items(client, [str(feed)], chunk=2)
    finally:
        client.run(restore)
    (failed,) = [it for it in got if not isinstance(it, ReadError) and it[2]]
    assert failed[0] == bad and failed[2] == "extraction failed: ValueError('broken on purpose')"


def test_stdin_identical(client: Any) -> None:
    import io

    items = make_corpus(30, seed=4)
    data = ("\n".join(json.dumps(o, ensure_ascii=False) for o in items) + "\n{bad\n").encode()
    want = [it if isinstance(it, ReadError) else local.extract_one(it)[:2]
            for it in iter_articles(["-"], stdin=io.BytesIO(data))]
    got = [it if isinstance(it, ReadError) else it[:2]
           for it in dask_engine.run_parts(client, dask_engine.plan(["-"], chunk=4, stdin=io.BytesIO(data)),
                                           keep_text=True)]
    assert got == want


def test_prefetched_hands_over_the_cluster_mentions(places: Any) -> None:
    from tests.test_store import as_article

    art = as_article(make_corpus(1, seed=2)[0])
    pre = dask_engine.Prefetched(batch=None)
    pre._current = (art, [{"id": "from-the-cluster"}], None)
    assert pre.extractor(art) == [{"id": "from-the-cluster"}]
    renamed = Article(**{**art.__dict__, "id": "stored-id"})  # ArticleWriter gave it a stored article's id
    assert pre.extractor(renamed) == default_extractor(renamed)
    pre._current = (art, None, "ValueError('x')")
    with pytest.raises(dask_engine.RemoteError) as exc:
        pre.extractor(art)
    assert f"extraction failed: {exc.value!r}" == "extraction failed: ValueError('x')"  # as ArticleWriter words it


def test_workers_cannot_reach_the_network(client: Any) -> None:
    def try_outside() -> str:
        try:
            socket.create_connection(("192.0.2.1", 80), timeout=0.5)  # TEST-NET-1: never routed
        except OSError as exc:
            return str(exc)
        return "connected"

    assert all("network access from a worker" in r for r in client.run(try_outside).values())


def test_the_local_cluster_listens_on_loopback_only(client: Any) -> None:
    psutil = pytest.importorskip("psutil")
    procs = psutil.Process().children(recursive=True)
    assert len(procs) >= 2  # the two workers (their nannies live in this process)
    listening = [c.laddr for p in [psutil.Process(), *procs] for c in p.net_connections("inet")
                 if c.status == psutil.CONN_LISTEN]
    assert listening and all(a.ip == "127.0.0.1" for a in listening), listening
    assert all(a.port != 8787 for a in listening)  # no dashboard


# --- the commands ----------------------------------------------------------------------------------

def test_extract_command_with_dask_equals_local(places: Any, corpus: Path) -> None:
    args = ["extract", str(samples_dir()), str(corpus)]
    want = CliRunner().invoke(main, args)
    got = CliRunner().invoke(main, [*args, "--engine", "dask", "--workers", "2"])
    assert want.exit_code == got.exit_code == 0, got.output
    assert got.stdout == want.stdout and got.stderr == want.stderr
    nolink = CliRunner().invoke(main, [*args, "--no-link"])
    assert CliRunner().invoke(main, [*args, "--no-link", "--engine", "dask", "--workers", "1"]).stdout == nolink.stdout


def test_extract_command_on_a_running_scheduler(client: Any) -> None:
    args = ["extract", "--samples"]
    got = CliRunner().invoke(main, [*args, "--engine", "dask", "--scheduler", client.scheduler.address])
    assert got.exit_code == 0, got.output
    assert got.stdout == CliRunner().invoke(main, args).stdout
    assert dask_engine.n_workers(client) == 2  # the cluster outlives the command's client


def test_engine_options_are_checked(places: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for extra, message in ((["--workers", "2"], "need --engine dask"),
                           (["--engine", "dask", "--jobs", "2"], "--jobs is for --engine local"),
                           (["--engine", "dask", "--scheduler", "localhost:1"], "expected tcp://HOST:PORT")):
        r = CliRunner().invoke(main, ["extract", "--samples", *extra])
        assert r.exit_code == 2 and message in r.stderr, r.output
    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT", 2)
    r = CliRunner().invoke(main, ["extract", "--samples", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"])
    assert r.exit_code == 1 and "cannot reach the Dask scheduler" in r.stderr


def test_ingest_command_with_dask_equals_local(places: Any, corpus: Path, tmp_path: Path) -> None:
    from tests.test_ingest_cmd import SUMMARY

    args = ["ingest", str(samples_dir()), str(corpus)]
    outs = {}
    for name, extra in (("local", []), ("dask", ["--engine", "dask", "--workers", "2"])):
        db = str(tmp_path / f"{name}.db")
        r = CliRunner().invoke(main, [*args, "--db", db, *extra])
        assert r.exit_code == 0, r.output
        import re

        assert re.search(SUMMARY, r.stderr, re.M), r.stderr
        outs[name] = (snapshot(open_db(db, quiet=True)), r.stderr.splitlines()[-1])
    assert outs["dask"] == outs["local"]
    with sqlite3.connect(tmp_path / "dask.db") as c:
        assert c.execute("SELECT count(*) FROM articles").fetchone()[0] == sample_articles() + 300 + len(BOUNDARY)
    # again: nothing changes, nothing is re-extracted into the database
    r = CliRunner().invoke(main, [*args, "--db", str(tmp_path / "dask.db"), "--engine", "dask", "--workers", "2"])
    assert r.exit_code == 0 and "= 0 new + 0 updated + " in r.stderr and "0 duplicate + 0 failed; events: 0 new, 0 merged" in r.stderr
    assert snapshot(open_db(str(tmp_path / "dask.db"), quiet=True)) == outs["local"][0]

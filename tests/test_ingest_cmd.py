"""`rasd ingest`, `rasd events`, `rasd export` and `rasd db` end to end, crash included.

The commands are run through their own click group (rasd.cli.store.cli) in-process, and as a
subprocess (`python -m rasd.cli.store`) where a process has to be killed. Sample articles are
copied into tmp_path when a test edits them; the generated corpus comes from tests.test_store.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from rasd import export
from rasd.cli import samples_dir
from rasd.cli.store import cli, db, ingest
from rasd.ingest import ReadError, iter_articles
from rasd.link.merge import link
from rasd.store import db as store_db
from rasd.store.articles import default_extractor
from rasd.store.db import open_db
from rasd.store.query import counts, integrity, iter_events
from tests.samples import reports, sample_articles
from tests.test_store import make_corpus, postgres_url, snapshot, write_jsonl

SUMMARY = (r"^articles: (\d+) read = (\d+) new \+ (\d+) updated \+ (\d+) unchanged \+ (\d+) duplicate \+ "
           r"(\d+) failed(?:, (\d+) repaired)?; events: (\d+) new, (\d+) merged$")
FIGURES = ("fatalities", "killed", "injured", "arrested", "seized")


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def summary(result: Result) -> dict[str, int]:
    import re

    m = re.search(SUMMARY, result.stderr, re.M)
    assert m, result.stderr
    keys = ("read", "new", "updated", "unchanged", "duplicate", "failed", "repaired", "events_new", "events_merged")
    got = dict(zip(keys, (int(g or 0) for g in m.groups()), strict=True))
    # the closing line adds up: every item read is new, updated, unchanged, a duplicate or failed
    assert got.pop("read") == sum(got[k] for k in ("new", "updated", "unchanged", "duplicate", "failed"))
    got.pop("unchanged")
    if not got["repaired"]:
        del got["repaired"]
    return got


def expected_events(paths: list[str]) -> list[dict[str, Any]]:
    arts = [a for a in iter_articles(paths) if not isinstance(a, ReadError)]
    return link([m for a in arts for m in default_extractor(a)])


@pytest.fixture(scope="module")
def sample_events() -> list[dict[str, Any]]:
    return expected_events([str(samples_dir())])


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    """A private copy of the bundled samples (texts and sidecars), free to edit."""
    return Path(shutil.copytree(samples_dir(), tmp_path / "articles"))


def test_exposed_for_the_main_cli() -> None:
    assert ingest.name == "ingest" and set(db.commands) >= {"upgrade", "info", "check", "relink"}
    assert set(cli.commands) == {"ingest", "events", "export", "db"}


def test_ingest_samples(tmp_path: Path, sample_events: list[dict[str, Any]]) -> None:
    url = str(tmp_path / "r.db")
    r = run("ingest", str(samples_dir()), "--db", url)
    assert r.exit_code == 0, r.output
    assert "created" in r.stderr  # a new database is said once
    s = summary(r)
    assert (s["new"] + s["duplicate"], s["failed"]) == (sample_articles(), 0)
    assert s["events_new"] == len(sample_events)
    assert s["events_merged"] == sum(len(e["sources"]) > 1 for e in sample_events) >= 1
    assert list(iter_events(open_db(url))) == sample_events
    assert r.stdout == ""


def test_ingest_twice_changes_nothing(tmp_path: Path) -> None:
    url = str(tmp_path / "r.db")
    run("ingest", str(samples_dir()), "--db", url)
    engine = open_db(url)
    before, rows = snapshot(engine), counts(engine)
    r = run("ingest", str(samples_dir()), "--db", url)
    assert r.exit_code == 0
    assert "created" not in r.stderr and "upgraded" not in r.stderr
    assert summary(r) == dict.fromkeys(("new", "updated", "duplicate", "failed", "events_new", "events_merged"), 0)
    assert snapshot(engine) == before and counts(engine) == rows
    n = sample_articles()
    assert f"articles: {n} read = 0 new + 0 updated + {n} unchanged + 0 duplicate + 0 failed" in r.stderr


def test_a_second_id_for_the_same_url_and_text_is_counted_a_duplicate(tmp_path: Path) -> None:
    url = str(tmp_path / "r.db")
    one = {"id": "a1", "url": "https://example.org/x", "published": "2025-11-24",
           "text": "قتل شخصان اليوم بانفجار عبوة ناسفة في مدينة جاسم بريف درعا."}
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in (one, {**one, "id": "a2"})) + "\n",
                    encoding="utf-8")
    r = run("ingest", str(feed), "--db", url)
    assert "articles: 2 read = 1 new + 0 updated + 0 unchanged + 1 duplicate + 0 failed" in r.stderr, r.stderr
    with open_db(url).connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM articles").scalar() == 1


def test_one_file_at_a_time_in_reverse_order(tmp_path: Path, sample_events: list[dict[str, Any]]) -> None:
    url = str(tmp_path / "r.db")
    files = sorted(samples_dir().glob("*.txt"), reverse=True)
    assert len(files) == sample_articles()
    for f in files:
        assert run("ingest", str(f), "--db", url).exit_code == 0
    assert list(iter_events(open_db(url))) == sample_events


def test_two_outlets_one_event(tmp_path: Path) -> None:
    url = str(tmp_path / "r.db")
    run("ingest", str(samples_dir()), "--db", url)
    (e,) = [e for e in iter_events(open_db(url)) if any(s["article_id"].startswith("18_") for s in e["sources"])]
    assert sorted(s["article_id"][:3] for s in e["sources"]) == ["18_", "19_"]
    with open_db(url).connect() as c:
        rows = c.execute(text("SELECT article_id, figures FROM event_sources WHERE event_id = :e"),
                         {"e": e["id"]}).all()
        assert c.execute(text("SELECT count(*) FROM mentions WHERE event_id = :e"), {"e": e["id"]}).scalar() == 2
    assert len(rows) == 2
    figures = {aid[:2]: json.loads(f) if isinstance(f, str) else f for aid, f in rows}
    assert e["arrested"] == max(figures["18"]["arrested"], figures["19"]["arrested"])


def test_edited_article_is_a_new_version(tmp_path: Path, articles: Path) -> None:
    url = str(tmp_path / "r.db")
    run("ingest", str(articles), "--db", url)
    f19 = next(articles.glob("19_*.txt"))
    old_text = f19.read_text("utf-8")
    assert "الأربعة" in old_text
    f19.write_text(old_text.replace("الأربعة", "الخمسة"), "utf-8")
    r = run("ingest", str(articles), "--db", url)
    s = summary(r)
    assert (s["new"], s["updated"], s["duplicate"], s["failed"]) == (0, 1, 0, 0)
    assert s["events_merged"] == 1
    engine = open_db(url)
    with engine.connect() as c:
        assert c.execute(text("SELECT version, text FROM articles WHERE id = :i"), {"i": f19.stem}).one() == (
            2, f19.read_text("utf-8"))
        assert c.execute(text("SELECT version, text, content_hash FROM article_versions")).all()[0][:2] == (1, old_text)
    events = list(iter_events(engine))
    assert events == expected_events([str(articles)])
    (pair,) = [e for e in events if reports(e) == 2]
    assert pair["arrested"] == 5 and any(c["field"] == "arrested" for c in pair["conflicts"])
    assert all(v == 0 for v in integrity(engine).values())


def test_near_duplicate_joins_without_changing_figures(tmp_path: Path) -> None:
    url = str(tmp_path / "r.db")
    run("ingest", str(samples_dir()), "--db", url)
    engine = open_db(url)
    (before,) = [e for e in iter_events(engine) if reports(e) == 2]
    src = next(samples_dir().glob("19_*.txt"))
    meta = json.loads(src.with_name(src.stem + ".meta.json").read_text("utf-8"))
    body = src.read_text("utf-8")
    # a wire copy: new headline, commas restyled, the closing sentence cut
    lines = body.strip().split("\n")
    copy = "عاجل | تفكيك خلية في جبلة\n" + "\n".join(lines[1:-1]).replace("،", " ,")
    feed = write_jsonl(tmp_path / "wire.jsonl", [{"id": "wire-copy-19", "text": copy, "outlet": "Wire",
                                                  "url": "https://example.org/wire/1", "published": meta["published"]}])
    r = run("ingest", str(feed), "--db", url)
    assert r.exit_code == 0
    (after,) = [e for e in iter_events(engine) if any(s["article_id"] == "wire-copy-19" for s in e["sources"])]
    assert {s["article_id"] for s in after["sources"]} == {s["article_id"] for s in before["sources"]} | {
        "wire-copy-19"}
    assert {f: after[f] for f in FIGURES} == {f: before[f] for f in FIGURES}
    assert after["event_date"] == before["event_date"] and after["admin1"] == before["admin1"]
    with engine.connect() as c:
        dup = c.execute(text("SELECT duplicate_of FROM articles WHERE id = 'wire-copy-19'")).scalar()
        figures = c.execute(text("SELECT figures FROM event_sources WHERE article_id = 'wire-copy-19'")).scalar()
    try:
        import rasd.link.dedup  # noqa: F401
    except ImportError:
        return
    assert summary(r)["duplicate"] == 1
    assert dup == src.stem
    figures = json.loads(figures) if isinstance(figures, str) else figures
    assert figures["duplicate_of"] == src.stem


def test_bad_items_are_reported_and_the_rest_is_stored(tmp_path: Path) -> None:
    good = [{"id": "ok-1", "text": make_corpus(1)[0]["text"], "published": "2025-05-01"}]
    feed = tmp_path / "mixed.jsonl"
    feed.write_text(json.dumps(good[0], ensure_ascii=False) + "\n{broken\n" + json.dumps({"id": "x"}) + "\n", "utf-8")
    url = str(tmp_path / "r.db")
    r = run("ingest", str(feed), str(tmp_path / "missing.txt"), "--db", url)
    assert r.exit_code == 1
    bad = [ln for ln in r.stderr.splitlines() if ln.startswith("rasd: ") and "database" not in ln]
    assert len(bad) == 3, r.stderr
    assert summary(r)["failed"] == 3 and summary(r)["new"] == 1
    assert counts(open_db(url))["articles"] == 1


def test_events_command(tmp_path: Path, sample_events: list[dict[str, Any]]) -> None:
    url = str(tmp_path / "r.db")
    run("ingest", str(samples_dir()), "--db", url)
    r = run("events", "--db", url, "--json", "--report-kind", "all")
    assert [json.loads(ln) for ln in r.stdout.splitlines()] == sample_events
    r = run("events", "--db", url, "--json")  # incidents unless asked
    assert [json.loads(ln) for ln in r.stdout.splitlines()] == [e for e in sample_events if e["report_kind"] == "incident"]
    r = run("events", "--db", url, "--json", "--from", "2025-01-01", "--to", "2025-12-31", "--admin1", "Lattakia",
            "--type", "Arrests", "--actor", "isis", "--text", "جبلة")
    (e,) = [json.loads(ln) for ln in r.stdout.splitlines()]
    assert len(e["sources"]) == 2
    assert len(run("events", "--db", url, "--json", "--limit", "2").stdout.splitlines()) == 2
    r = run("events", "--db", url)
    assert r.exit_code == 0 and sample_events[0]["id"] in r.stdout
    r = run("events", "--db", url, "--from", "yesterday")
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output


def test_export_formats(tmp_path: Path, sample_events: list[dict[str, Any]]) -> None:
    url = str(tmp_path / "r.db")
    run("ingest", str(samples_dir()), "--db", url)
    r = run("export", "--db", url, "--format", "jsonl")
    assert [json.loads(ln) for ln in r.stdout.splitlines()] == sample_events
    out = tmp_path / "e.geojson"
    assert run("export", "--db", url, "--format", "geojson", "-o", str(out)).exit_code == 0
    assert len(json.loads(out.read_text("utf-8"))["features"]) == len(sample_events)
    rows = list(csv.DictReader(io.StringIO(run("export", "--db", url, "--format", "csv").stdout)))
    assert [r["id"] for r in rows] == [e["id"] for e in sample_events]
    for fmt in ("acled-csv", "parquet"):
        target = tmp_path / f"e.{fmt}"
        r = run("export", "--db", url, "--format", fmt, "-o", str(target))
        available = fmt in export.WRITERS or hasattr(export, "write_" + fmt.replace("-", "_"))
        if available:
            assert r.exit_code == 0, r.output
            assert target.exists() and target.stat().st_size > 0
        else:
            assert r.exit_code == 2 and "not available" in r.stderr
    assert run("export", "--db", url, "--format", "parquet").exit_code == 2  # binary: needs -o


def test_stored_export_lines_give_the_records_export(tmp_path: Path, sample_events: list[dict[str, Any]]) -> None:
    from sqlalchemy import text

    url = str(tmp_path / "r.db")
    run("ingest", str(samples_dir()), "--db", url)

    def exported(fmt: str) -> str:
        out = tmp_path / "out.csv"
        assert run("export", "--db", url, "--format", fmt, "-o", str(out)).exit_code == 0
        return out.read_bytes().decode("utf-8")  # as written: csv's \r\n line ends

    want = {}
    for fmt in ("csv", "acled-csv"):
        buf = io.StringIO(newline="")
        export.WRITERS[fmt](sample_events, buf)
        want[fmt] = buf.getvalue()
        assert exported(fmt) == want[fmt]
    engine = open_db(url)
    with engine.begin() as c:
        assert c.execute(text("SELECT count(*) FROM events WHERE lines_stamp = :s"),
                         {"s": export.lines_stamp()}).scalar() == len(sample_events)
        c.execute(text("UPDATE events SET lines_stamp = 'another mapping', csv_line = 'stale', acled_line = 'stale'"))
    engine.dispose()
    for fmt in ("csv", "acled-csv"):
        assert exported(fmt) == want[fmt]


def test_migration_0010_makes_the_lines_of_stored_events(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from rasd.store.db import alembic_config, make_engine, resolve_url

    url = str(tmp_path / "r.db")
    run("ingest", str(samples_dir()), "--db", url)
    engine = make_engine(resolve_url(url))
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
    with engine.connect() as c:
        assert "csv_line" not in {r[1] for r in c.execute(text("PRAGMA table_info(events)"))}
    engine.dispose()
    engine = open_db(url)  # `rasd db upgrade`
    with engine.connect() as c:
        rows = c.execute(text("SELECT record, csv_line, acled_line, lines_stamp FROM events")).all()
    assert rows and all(s == export.lines_stamp() and cl == export.csv_line(json.loads(r))
                        and al == export.acled_line(json.loads(r)) for r, cl, al, s in rows)


def test_db_upgrade_and_info(tmp_path: Path) -> None:
    url = str(tmp_path / "r.db")
    r = run("db", "upgrade", "--db", url)
    assert r.exit_code == 0 and "created" in r.stderr
    r = run("db", "upgrade", "--db", url)
    assert r.exit_code == 0 and "up to date" in r.stderr
    r = run("db", "info", "--db", url)
    assert "articles" in r.stdout and store_db.SCHEMA_HEAD in r.stdout
    assert run("db", "check", "--db", url).stdout.strip() == "ok"
    run("ingest", str(samples_dir()), "--db", url)
    before = list(iter_events(open_db(url)))
    r = run("db", "relink", "--all", "--db", url)
    assert r.exit_code == 0 and list(iter_events(open_db(url))) == before


def test_default_database_location(tmp_path: Path) -> None:
    f = next(samples_dir().glob("01_*.txt"))
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "RASD_DB": ""}
    assert run("ingest", str(f), env=env).exit_code == 0
    assert (tmp_path / "xdg" / "rasd" / "rasd.db").is_file()
    env = {"RASD_DB": str(tmp_path / "env.db")}
    assert run("ingest", str(f), env=env).exit_code == 0
    assert (tmp_path / "env.db").is_file()


# --- SIGKILL in the middle -----------------------------------------------------------------------

def _count(db_file: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=0.2)
        try:
            return con.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _ingest_until(corpus: Path, db_file: Path, kill_at: int | None) -> int:
    """Run `ingest` in a subprocess; SIGKILL it once `kill_at` articles are committed. Returns its exit code."""
    cmd = [sys.executable, "-m", "rasd.cli.store", "ingest", str(corpus), "--db", str(db_file)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 300
    try:
        while kill_at is not None and proc.poll() is None and time.monotonic() < deadline:
            if _count(db_file) >= kill_at:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.stderr is not None
    proc.stderr.close()
    return proc.returncode


def test_sigkill_then_rerun_equals_a_clean_run(tmp_path: Path) -> None:
    items = make_corpus(300)
    corpus = write_jsonl(tmp_path / "corpus.jsonl", items)
    killed = tmp_path / "killed.db"
    assert _ingest_until(corpus, killed, kill_at=20) == -signal.SIGKILL
    done = _count(killed)
    assert 20 <= done < 300
    engine = open_db(str(killed), quiet=True)
    problems = integrity(engine)
    assert {k: v for k, v in problems.items() if k != "unlinked mentions" and v} == {}
    arts = {a.id: a for a in iter_articles([str(corpus)]) if not isinstance(a, ReadError)}
    with engine.connect() as c:  # every committed article is whole: its row and all its mentions
        stored: dict[str, set[str]] = {aid: set() for aid in c.execute(text("SELECT id FROM articles")).scalars()}
        for mid, aid in c.execute(text("SELECT id, article_id FROM mentions")):
            stored[aid].add(mid)
    assert len(stored) == done
    assert stored == {aid: {m["id"] for m in default_extractor(arts[aid])} for aid in stored}
    engine.dispose()
    assert _ingest_until(corpus, killed, kill_at=done + 60) in (-signal.SIGKILL, 0)
    assert _ingest_until(corpus, killed, kill_at=None) == 0
    engine = open_db(str(killed), quiet=True)
    with engine.connect() as c:
        ids = c.execute(text("SELECT id FROM articles")).scalars().all()
        assert c.execute(text("SELECT count(*) FROM article_versions")).scalar() == 0
        syrian_unlinked = c.execute(text("SELECT count(*) FROM mentions WHERE event_id IS NULL "
                                         "AND country = 'Syria'")).scalar()
    assert sorted(ids) == sorted(o["id"] for o in items)  # none missing, none doubled
    assert syrian_unlinked == 0
    assert all(v == 0 for v in integrity(engine).values()), integrity(engine)
    clean = tmp_path / "clean.db"
    assert run("ingest", str(corpus), "--db", str(clean)).exit_code == 0
    assert snapshot(engine) == snapshot(open_db(str(clean), quiet=True))
    assert list(iter_events(engine)) == expected_events([str(corpus)])


# --- hostile input and concurrent runs (issue 16) ---------------------------------------------------

def hostile_batch(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """A folder: a JSONL of good articles among a lone surrogate, JSON nested too deeply, a number of
    5,000 digits and a date in year 9999, and a text file whose name is not UTF-8."""
    good = make_corpus(6, seed=11)
    folder = tmp_path / "hostile"
    folder.mkdir()
    lines = [json.dumps(good[0], ensure_ascii=False),
             '{"id": "surrogate", "text": "\\ud800 x", "published": "2025-03-02"}',
             json.dumps(good[1], ensure_ascii=False),
             '{"id": "deep", "text": "x", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}",
             '{"id": "digits", "text": "x", "n": ' + "9" * 5000 + "}",
             json.dumps({**good[2], "published": "9999-12-31"}, ensure_ascii=False),
             *(json.dumps(o, ensure_ascii=False) for o in good[3:5])]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / os.fsdecode(b"z\xfe.txt")).write_text(good[5]["text"], encoding="utf-8")
    return folder, good


def test_hostile_input_is_reported_and_the_batch_is_stored_and_linked(tmp_path: Path) -> None:
    folder, good = hostile_batch(tmp_path)
    url = str(tmp_path / "r.db")
    for attempt in range(2):  # and the same again: no traceback on a re-run either
        r = run("ingest", str(folder), "--db", url)  # an exception would propagate here
        assert r.exit_code == 1, r.stderr
        bad = [ln for ln in r.stderr.splitlines() if ln.startswith("rasd: ") and "database" not in ln]
        assert [ln.split(str(folder) + "/")[1].split(":")[:2] for ln in bad] == [
            ["a.jsonl", "2"], ["a.jsonl", "4"], ["a.jsonl", "5"], ["a.jsonl", "6"], ["z\\xfe.txt", " lone surrogates replaced by U+FFFD in id (1), file name (1) (article kept)"]], r.stderr
        assert "year 9999" not in r.stderr and "9999-12-31" in bad[3]
        s = summary(r)
        assert (s["failed"], s["repaired"]) == (2, 3)
        assert s["new"] + s["duplicate"] == (7 if attempt == 0 else 0) and s["updated"] == 0
    engine = open_db(url)
    with engine.connect() as c:
        ids = set(c.execute(text("SELECT id FROM articles")).scalars())
        assert c.execute(text("SELECT published FROM articles WHERE id = :i"), {"i": good[2]["id"]}).scalar() is None
    assert ids == {o["id"] for o in good[:5]} | {"surrogate", "z\ufffd"}
    assert all(v == 0 for v in integrity(engine).values())  # linked
    assert counts(engine)["events"] > 0


def test_a_date_at_the_end_of_the_calendar_does_not_break_linking(tmp_path: Path) -> None:
    from rasd.doc import Article
    from rasd.store.articles import ArticleWriter
    from rasd.store.linking import relink

    engine = open_db(str(tmp_path / "r.db"), quiet=True)
    text_ = make_corpus(1)[0]["text"]
    # an article written directly (not through the readers, which drop such a date): its mentions
    # are dated 9999-12-xx, and the linking window around them must stop at the end of the calendar
    ArticleWriter(engine).write(Article(id="far", text=text_, published=dt.date(9999, 12, 31)))
    with engine.connect() as c:
        assert c.execute(text("SELECT max(event_date) FROM mentions")).scalar() >= "9999-12-01"
    relink(engine)
    ArticleWriter(engine).write(Article(id="early", text=text_, published=dt.date(1, 1, 2)))
    relink(engine)
    assert all(v == 0 for v in integrity(engine).values())


def test_concurrent_writers_of_the_same_article(tmp_path: Path) -> None:
    """Another process stores the article between this one's lookup and its insert: not an abort."""
    from rasd.doc import Article
    from rasd.store.articles import ArticleWriter

    engine = open_db(str(tmp_path / "r.db"), quiet=True)
    o = make_corpus(1)[0]
    art = Article(id=o["id"], text=o["text"], url=o["url"])
    other = ArticleWriter(engine)
    calls: list[str] = []

    def racing() -> Any:
        first = len(calls)

        def meanwhile(a: Article) -> list[dict[str, Any]]:
            calls.append(a.id)
            if len(calls) == first + 1:
                assert other.write(a).status in ("new", "updated")  # the other process, at this very moment
            return default_extractor(a)

        return meanwhile

    assert ArticleWriter(engine, extractor=racing()).write(art).status == "unchanged"
    edited = Article(id=art.id, text=art.text + " وأكدت الوزارة أن التحقيقات مستمرة.", url=art.url)
    assert ArticleWriter(engine, extractor=racing()).write(edited).status == "unchanged"
    assert len(calls) == 2  # extracted once per article, not again when the write is tried again
    with engine.connect() as c:
        assert c.execute(text("SELECT version FROM articles")).scalar() == 2
        assert c.execute(text("SELECT count(*) FROM article_versions")).scalar() == 1


def test_two_ingests_of_the_same_file_at_once(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "corpus.jsonl", make_corpus(150, seed=5))
    db = tmp_path / "r.db"
    assert run("db", "upgrade", "--db", str(db)).exit_code == 0
    env = {k: v for k, v in os.environ.items() if k != "RASD_DB"}
    env["RASD_PLACES"] = str(tmp_path / "no-places.csv")
    procs = [subprocess.Popen([sys.executable, "-m", "rasd.cli.store", "ingest", str(corpus), "--db", str(db)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env) for _ in range(2)]
    errs = [p.communicate(timeout=300)[1].decode("utf-8") for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    clean = tmp_path / "clean.db"
    assert run("ingest", str(corpus), "--db", str(clean)).exit_code == 0
    assert snapshot(open_db(str(db))) == snapshot(open_db(str(clean)))


def test_relink_all_interrupted_keeps_the_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasd.store import linking

    url = str(tmp_path / "r.db")
    run("ingest", str(samples_dir()), "--db", url)
    engine = open_db(url)
    before = snapshot(engine)
    assert before["events"]

    def killed(*_args: Any) -> None:
        raise RuntimeError("killed")  # what a kill between the deletion and the new events amounts to

    monkeypatch.setattr(linking, "_write_events", killed)
    with pytest.raises(RuntimeError, match="killed"):
        run("db", "relink", "--all", "--db", url)
    assert snapshot(engine) == before  # not 0 events until the next relink
    monkeypatch.undo()
    r = run("db", "relink", "--all", "--db", url)
    assert r.exit_code == 0 and snapshot(engine) == before


def test_items_sharing_a_url_with_different_texts(tmp_path: Path) -> None:
    """Two different reports under one URL are two articles: re-runs change nothing, and the order
    of the input does not change the events."""
    items = make_corpus(4)
    for i, o in enumerate(items):
        o["url"] = f"https://example.org/shared/{i // 2}"
    both = write_jsonl(tmp_path / "both.jsonl", items)
    url = str(tmp_path / "r.db")
    assert summary(run("ingest", str(both), "--db", url))["new"] == 4
    for _ in range(2):
        s = summary(run("ingest", str(both), "--db", url))
        assert (s["new"], s["updated"], s["events_new"]) == (0, 0, 0)
    with open_db(url).connect() as c:
        assert c.execute(text("SELECT count(*) FROM article_versions")).scalar() == 0
    halves = [write_jsonl(tmp_path / f"h{i}.jsonl", items[2 * i:2 * i + 2]) for i in (0, 1)]
    singles = [write_jsonl(tmp_path / f"s{i}.jsonl", [o]) for i, o in enumerate(items)]
    runs = []
    for order in (halves, halves[::-1], singles, singles[::-1]):
        db_ = str(tmp_path / f"o{len(runs)}.db")
        for f in order:
            run("ingest", str(f), "--db", db_)
        runs.append(snapshot(open_db(db_)))
    assert all(r == snapshot(open_db(url)) for r in runs)


# --- PostgreSQL ----------------------------------------------------------------------------------

def test_sqlite_and_postgres_export_the_same(pg_url: str, tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "corpus.jsonl", make_corpus(120, seed=3))
    outs = []
    for url in (str(tmp_path / "r.db"), pg_url):
        for path in (str(samples_dir()), str(corpus)):
            assert run("ingest", path, "--db", url).exit_code == 0
        r = run("export", "--db", url, "--format", "jsonl")
        assert r.exit_code == 0
        outs.append(r.stdout)
    assert outs[0] == outs[1] and outs[0].count("\n") > 50


@pytest.fixture
def pg_url() -> str:
    return postgres_url()


def test_nul_in_text_or_id_does_not_abort_a_postgres_ingest(pg_url: str, tmp_path: Path) -> None:
    """PostgreSQL text and JSON fields cannot hold NUL: it is removed and reported, the batch goes on."""
    good = make_corpus(4, seed=9)
    lines = [json.dumps(good[0], ensure_ascii=False),
             '{"id": "nul\\u0000id", "text": "' + good[1]["text"] + '\\u0000", "meta": {"k\\u0000": "v\\u0000"}}',
             *(json.dumps(o, ensure_ascii=False) for o in good[2:])]
    feed = tmp_path / "nul.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run("ingest", str(feed), "--db", pg_url)
    assert r.exit_code == 1, r.stderr
    [bad] = [ln for ln in r.stderr.splitlines() if ln.startswith("rasd: ") and "database" not in ln]
    assert bad.startswith(f"rasd: {feed}:2: NUL characters removed from id (1), text (1), meta (2)")
    assert summary(r)["new"] + summary(r)["duplicate"] == 4 and summary(r)["repaired"] == 1
    engine = open_db(pg_url, quiet=True)
    with engine.connect() as c:
        assert set(c.execute(text("SELECT id FROM articles")).scalars()) == {good[0]["id"], "nulid", good[2]["id"],
                                                                             good[3]["id"]}
        assert c.execute(text("SELECT text FROM articles WHERE id = 'nulid'")).scalar() == good[1]["text"]
    assert all(v == 0 for v in integrity(engine).values())


@pytest.mark.parametrize("command", [["ingest", "ARTICLES"], ["db", "upgrade"], ["events"]])
def test_db_in_a_folder_that_does_not_exist_is_one_line_and_creates_nothing(tmp_path: Path, command: list[str]) -> None:
    target = tmp_path / "no" / "such" / "rasd.db"
    args = [str(samples_dir()) if a == "ARTICLES" else a for a in command]
    r = run(*args, "--db", str(target))
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "does not exist" in lines[0] and str(tmp_path / "no" / "such") in lines[0]
    assert not (tmp_path / "no").exists()


def test_an_unsupported_database_scheme_names_the_supported_ones(tmp_path: Path) -> None:
    r = run("events", "--db", "mysql://user@host/rasd")
    assert r.exit_code == 2
    line = r.stderr.strip()
    assert "\n" not in line and "mysql" in line and "postgresql://" in line and "sqlite:///" in line
    assert "Traceback" not in r.output


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_events_by_report_kind_country_and_arabic_text(tmp_path: Path) -> None:
    url = str(tmp_path / "r.db")
    run("ingest", str(samples_dir()), "--db", url)
    every = jsonl(run("events", "--db", url, "--json").stdout)
    tallies = jsonl(run("events", "--db", url, "--json", "--report-kind", "aggregate").stdout)
    assert tallies and {e["report_kind"] for e in tallies} == {"aggregate"}
    assert len(jsonl(run("events", "--db", url, "--json", "--report-kind", "incident").stdout)) == len(every) - len(
        [e for e in every if e["report_kind"] != "incident"])
    assert len(jsonl(run("events", "--db", url, "--json", "--country", "SYRIA").stdout)) == len(every)
    arabic = jsonl(run("events", "--db", url, "--json", "--text", "حلب").stdout)
    english = jsonl(run("events", "--db", url, "--json", "--text", "Aleppo").stdout)
    assert arabic and {e["id"] for e in english} <= {e["id"] for e in arabic}
    assert run("events", "--db", url, "--report-kind", "tally").exit_code == 2


def test_migration_0005_rebuilds_the_search_text_of_stored_events(tmp_path: Path) -> None:
    url = str(tmp_path / "r.db")
    run("ingest", str(samples_dir()), "--db", url)
    with sqlite3.connect(tmp_path / "r.db") as c:  # as a database written before 0005 would be
        c.execute("UPDATE alembic_version SET version_num = '0004'")
        c.execute("ALTER TABLE edits DROP COLUMN reason")  # 0007's
        c.execute("UPDATE events SET search = lower(location)")
        assert c.execute("SELECT count(*) FROM events WHERE search LIKE '%حلب%'").fetchone()[0] == 0
    r = run("db", "upgrade", "--db", url)
    assert "upgraded from 0004" in r.stderr
    assert jsonl(run("events", "--db", url, "--json", "--text", "حلب").stdout)


def test_migration_0008_puts_the_report_kind_in_the_indexes_and_the_actor_pairs(tmp_path: Path) -> None:
    url = str(tmp_path / "r.db")
    run("ingest", str(samples_dir()), "--db", url)
    before = run("events", "--db", url, "--json", "--actor", "isis").stdout
    with sqlite3.connect(tmp_path / "r.db") as c:  # as a database written before 0008 would be
        c.execute("UPDATE alembic_version SET version_num = '0007'")
        c.execute("UPDATE actor_events SET report_kind = NULL, country = NULL")
    assert "upgraded from 0007" in run("db", "upgrade", "--db", url).stderr
    with sqlite3.connect(tmp_path / "r.db") as c:
        assert c.execute("SELECT count(*) FROM actor_events a JOIN events e ON e.id = a.event_id "
                         "WHERE a.report_kind IS NOT e.report_kind OR a.country IS NOT e.country").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM actor_events").fetchone()[0] > 0
        cols = [r[2] for r in c.execute("PRAGMA index_info('ix_events_browse')")]
        assert cols[-2:] == ["report_kind", "country"]
    assert run("events", "--db", url, "--json", "--actor", "isis").stdout == before

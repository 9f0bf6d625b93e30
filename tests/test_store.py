"""The event database (rasd.store): schema, article versions, incremental linking, queries.

Incremental linking must give exactly what `link` gives over every mention at once, whatever
the order and the batching. The corpus below is generated (`make_corpus`): short Arabic reports
written for these tests from three templates and a list of towns, some told by two or three
outlets, some undated, a few syndicated copies. PostgreSQL tests run when
RASD_TEST_POSTGRES_URL is set (`eval "$(bash .ci/postgres.sh)"`) and are skipped otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from rasd.cli import samples_dir
from rasd.doc import Article
from rasd.ingest import ReadError, iter_articles, read_published
from rasd.link.merge import link
from rasd.store import db as store_db
from rasd.store import linking
from rasd.store.accel import is_accel_name
from rasd.store.articles import ArticleWriter, default_extractor
from rasd.store.db import default_path, head_revision, make_engine, open_db, resolve_url, upgrade
from rasd.store.linking import relink
from rasd.store.models import Base
from rasd.store.query import counts, integrity, iter_events

# --- a generated corpus --------------------------------------------------------------------------

TOWNS = [("جبلة", "اللاذقية"), ("نوى", "درعا"), ("السلمية", "حماة"), ("منبج", "حلب"), ("الميادين", "دير الزور"),
         ("تلكلخ", "حمص"), ("بانياس", "طرطوس"), ("دوما", "ريف دمشق"), ("البوكمال", "دير الزور"), ("جاسم", "درعا"),
         ("القرداحة", "اللاذقية"), ("الرستن", "حمص"), ("الطبقة", "الرقة"), ("شهبا", "السويداء"), ("سراقب", "إدلب")]
WEEKDAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
NUMS = ["ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة"]
TEMPLATES = {
    "arrest": [
        "ألقت قوى الأمن الداخلي في محافظة {gov} القبض على {n} أشخاص في مدينة {town}{when}، بتهمة الانتماء إلى خلية تابعة لتنظيم داعش، وضبطت بحوزتهم أسلحة فردية وذخائر.",
        "أعلنت وزارة الداخلية السورية{when} اعتقال {n} عناصر من خلية لتنظيم داعش في مدينة {town} بمحافظة {gov}، مشيرة إلى ضبط ذخائر ووثائق في المكان.",
    ],
    "ied": [
        "قُتل {n} مدنيين وأصيب آخرون{when} بانفجار عبوة ناسفة استهدفت سيارة على الطريق قرب مدينة {town} في ريف {gov}.",
        "أسفر انفجار عبوة ناسفة زرعها مجهولون قرب مدينة {town} في محافظة {gov}{when} عن مقتل {n} مدنيين.",
    ],
    "clash": [
        "اندلعت اشتباكات{when} بين قوات الأمن العام ومسلحين من تنظيم داعش في بلدة {town} بريف {gov}، ما أسفر عن مقتل {n} من عناصر التنظيم.",
        "قال مصدر أمني إن {n} من مسلحي تنظيم داعش قتلوا في اشتباك مع قوات الأمن العام في {town} بريف {gov}{when}.",
    ],
}


def make_corpus(n_articles: int = 300, seed: int = 7) -> list[dict[str, Any]]:
    """JSON article objects: incidents told by one to three outlets, a tenth undated, copies with a headline."""
    rnd = random.Random(seed)
    out: list[dict[str, Any]] = []
    base = dt.date(2025, 3, 1)
    story = 0
    while len(out) < n_articles:
        kind = rnd.choice(sorted(TEMPLATES))
        town, gov = rnd.choice(TOWNS)
        day = base + dt.timedelta(days=rnd.randrange(240))
        n = rnd.randrange(len(NUMS))
        for r in range(rnd.choice([1, 1, 2, 2, 3])):
            dated = rnd.random() > 0.1
            pub = day + dt.timedelta(days=rnd.choice([0, 0, 1]))
            when = f"، يوم {WEEKDAYS[day.weekday()]}،" if dated else ""
            body = TEMPLATES[kind][r % 2].format(gov=gov, town=town, n=NUMS[(n + (r == 2)) % len(NUMS)], when=when)
            if r == 2:
                body = "عاجل\n\n" + body  # a syndicated copy under a new headline
            out.append({"id": f"gen-{story:04d}-{r}", "text": body, "title": None, "outlet": f"outlet-{r}",
                        "url": f"https://example.org/{r}/{story}", "published": pub.isoformat() if dated else None})
        story += 1
    return out[:n_articles]


def write_jsonl(path: Path, items: list[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for o in items:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    return path


def as_article(o: dict[str, Any]) -> Article:
    return Article(id=o["id"], text=o["text"], title=o.get("title"), url=o.get("url"), outlet=o.get("outlet"),
                   published=read_published(o.get("published")))


@pytest.fixture(scope="module")
def corpus() -> list[Article]:
    return [as_article(o) for o in make_corpus()]


@pytest.fixture(scope="module")
def extracted(corpus: list[Article]) -> dict[str, list[dict[str, Any]]]:
    """Mentions per article id, extracted once for the module."""
    return {a.id: default_extractor(a) for a in corpus}


@pytest.fixture(scope="module")
def samples() -> list[Article]:
    return [a for a in iter_articles([str(samples_dir())]) if not isinstance(a, ReadError)]


def cached(extracted: dict[str, list[dict[str, Any]]]):
    """An extractor that returns the module's precomputed mentions (fresh copies)."""
    return lambda a: json.loads(json.dumps(extracted[a.id])) if a.id in extracted else default_extractor(a)


def sqlite(tmp_path: Path, name: str = "rasd.db") -> Engine:
    return open_db(str(tmp_path / name), quiet=True)


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything linking produces, in a comparable form."""
    with engine.connect() as c:
        return {
            "events": list(iter_events(engine)),
            "mentions": sorted(c.execute(text("SELECT id, article_id, event_id FROM mentions")).all()),
            "sources": sorted(c.execute(text("SELECT event_id, article_id, mention_id FROM event_sources")).all()),
            "evidence": sorted(c.execute(text('SELECT event_id, article_id, field, start, "end", text FROM evidence'))
                               .all()),
            "actors": sorted(c.execute(text("SELECT event_id, key, side, role FROM event_actors")).all()),
        }


# --- where the database is -----------------------------------------------------------------------

def test_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RASD_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "rasd" / "rasd.db"
    assert resolve_url(None) == "sqlite:///" + str(tmp_path / "xdg" / "rasd" / "rasd.db")
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_path() == Path.home() / ".local" / "share" / "rasd" / "rasd.db"
    monkeypatch.setenv("RASD_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).endswith("/env.db")
    assert resolve_url("postgresql://u:p@h:5/d") == "postgresql+psycopg://u:p@h:5/d"
    assert resolve_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert resolve_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_settings(tmp_path: Path) -> None:
    (tmp_path / "sub" / "dir").mkdir(parents=True)  # a new file only in a folder that exists
    engine = sqlite(tmp_path / "sub" / "dir")
    with engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert c.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


# --- schema --------------------------------------------------------------------------------------

def test_migrations_create_exactly_the_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = sqlite(tmp_path)
    with engine.connect() as c:
        # rasd.store.accel's SQLite structures (FTS5, R*Tree, summary rows, their triggers) live outside the models
        opts = {"compare_type": True, "include_name": lambda name, _type, _parent: not is_accel_name(name)}
        assert compare_metadata(MigrationContext.configure(c, opts=opts), Base.metadata) == []
        names = {r[0] for r in c.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
    assert {"ix_events_event_date", "ix_events_admin1", "ix_events_event_type"} <= names


def test_schema_head_constant_is_the_newest_migration() -> None:
    assert store_db.SCHEMA_HEAD == head_revision()


def test_upgrade_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(resolve_url(str(tmp_path / "u.db")))
    assert upgrade(engine) == (None, head_revision())
    assert "created" in capsys.readouterr().err
    assert upgrade(engine) == (head_revision(), head_revision())
    open_db(str(tmp_path / "u.db"))
    assert capsys.readouterr().err == ""  # said once, when it acted
    with engine.begin() as c:  # a schema from a newer rasd is refused, not damaged
        c.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(RuntimeError, match="9999"):
        upgrade(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})
    assert set(counts(engine)) >= {"articles", "article_versions", "mentions", "events", "event_sources",
                                   "evidence", "actors", "event_actors", "places"}


# --- writing and linking -------------------------------------------------------------------------

def test_samples_give_what_link_gives(tmp_path: Path, samples: list[Article]) -> None:
    engine = sqlite(tmp_path)
    w = ArticleWriter(engine)
    assert {w.write(a).status for a in samples} == {"new"}
    relink(engine)
    expected = link([m for a in samples for m in default_extractor(a)])
    assert list(iter_events(engine)) == expected
    assert all(v == 0 for v in integrity(engine).values())
    n = counts(engine)
    assert n["events"] == len(expected) and n["articles"] == len(samples)
    assert n["event_sources"] == sum(len(e["sources"]) for e in expected)
    assert n["evidence"] == sum(len(e["evidence"]) for e in expected)
    assert n["actors"] >= 60  # the registry
    with engine.connect() as c:
        row = c.execute(text("SELECT record, admin1, event_date, fatalities FROM events WHERE id = :i"),
                        {"i": expected[0]["id"]}).first()
    assert row is not None and row[1] == expected[0]["admin1"] and str(row[2]) == expected[0]["event_date"]


def test_incremental_linking_in_any_order_and_batching(tmp_path: Path, corpus: list[Article],
                                                       extracted: dict[str, list[dict[str, Any]]]) -> None:
    expected = link([m for a in corpus for m in extracted[a.id]])
    assert any(len(e["sources"]) >= 3 for e in expected)  # the corpus does exercise merging
    reference = None
    for seed in range(3):
        rnd = random.Random(seed)
        order = corpus[:]
        rnd.shuffle(order)
        engine = sqlite(tmp_path, f"order{seed}.db")
        w = ArticleWriter(engine, extractor=cached(extracted), dedup=False)
        i = 0
        while i < len(order):
            k = rnd.randint(1, 60)
            for a in order[i:i + k]:
                w.write(a)
            relink(engine)
            i += k
        assert list(iter_events(engine)) == expected
        assert all(v == 0 for v in integrity(engine).values())
        snap = snapshot(engine)
        if reference is not None:
            assert snap == reference
        reference = snap


def test_same_article_twice_changes_nothing(tmp_path: Path, samples: list[Article]) -> None:
    engine = sqlite(tmp_path)
    w = ArticleWriter(engine)
    for a in samples:
        w.write(a)
    relink(engine)
    before, rows = snapshot(engine), counts(engine)
    assert {w.write(a).status for a in samples} == {"unchanged"}
    assert relink(engine).inserted == {}
    assert snapshot(engine) == before and counts(engine) == rows


def test_new_text_is_a_new_version(tmp_path: Path, samples: list[Article]) -> None:
    engine = sqlite(tmp_path)
    w = ArticleWriter(engine)
    for a in samples:
        w.write(a)
    relink(engine)
    a19 = next(a for a in samples if a.id.startswith("19_"))
    pair = next(e for e in iter_events(engine) if len(e["sources"]) == 2)
    edited = Article(**{**a19.__dict__, "text": a19.text + "\n\nوأكدت الوزارة أن التحقيقات مستمرة."})
    written = w.write(edited)
    assert written.status == "updated" and written.released == {pair["id"]}
    assert relink(engine).inserted == {pair["id"]: 2}  # the same mentions again: the same event id
    with engine.connect() as c:
        assert c.execute(text("SELECT version, text FROM articles WHERE id = :i"), {"i": a19.id}).one() == (
            2, edited.text)
        assert c.execute(text("SELECT version, text FROM article_versions WHERE article_id = :i"),
                         {"i": a19.id}).all() == [(1, a19.text)]
    others = [a for a in samples if a.id != a19.id]
    assert list(iter_events(engine)) == link([m for a in [*others, edited] for m in default_extractor(a)])
    assert all(v == 0 for v in integrity(engine).values())
    # the same URL and text under another id is that article again: counted a duplicate, not stored twice
    moved = Article(**{**edited.__dict__, "id": "somewhere-else"})
    again = w.write(moved)
    assert (again.status, again.article_id) == ("duplicate", a19.id)
    assert w.write(Article(**{**moved.__dict__, "text": a19.text})).status == "updated"
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM articles WHERE id = 'somewhere-else'")).scalar() == 0
        assert c.execute(text("SELECT version FROM articles WHERE id = :i"), {"i": a19.id}).scalar() == 3


def test_exact_copy_under_another_id_is_a_duplicate(tmp_path: Path, samples: list[Article]) -> None:
    engine = sqlite(tmp_path)
    w = ArticleWriter(engine, dedup=False)
    a = samples[0]
    w.write(a)
    copy = Article(id="copy", text=a.text, outlet="Other", published=a.published)
    written = w.write(copy)
    assert written.status == "duplicate" and written.duplicate_of == a.id


def test_near_duplicates_survive_a_restart(tmp_path: Path, samples: list[Article]) -> None:
    pytest.importorskip("rasd.link.dedup")
    engine = sqlite(tmp_path)
    a = next(x for x in samples if x.id.startswith("18_"))
    ArticleWriter(engine).write(a)
    copy = Article(id="copy-18", text="عاجل\n\n" + a.text.replace("،", ", "), outlet="Wire", published=a.published)
    written = ArticleWriter(engine).write(copy)  # a new writer rebuilds the index from the stored signatures
    assert written.status == "duplicate" and written.duplicate_of == a.id


def test_near_duplicate_index_lives_in_the_database(tmp_path: Path, samples: list[Article]) -> None:
    engine = sqlite(tmp_path)
    w = ArticleWriter(engine)
    for a in samples:
        w.write(a)
    with engine.connect() as c:
        n_bands = c.execute(text("SELECT count(*) FROM article_bands")).scalar()
        n_articles = c.execute(text("SELECT count(*) FROM articles")).scalar()
    assert n_bands == 9 * n_articles  # nine LSH bands per article, nothing held by the writer
    assert not any(isinstance(v, dict) and len(v) >= len(samples) for v in vars(w).values())
    a = samples[3]
    edited = Article(id="edited", text=a.text.replace("،", " ،") + "\n\nاقرأ أيضاً: تقرير آخر", outlet="Copy")
    written = w.write(edited)
    assert written.status == "duplicate" and written.duplicate_of == a.id
    unrelated = Article(id="other", text="انطلقت اليوم فعاليات معرض الكتاب في العاصمة بمشاركة مئات دور النشر "
                        "العربية والأجنبية، وتستمر أسبوعين وسط إقبال واسع من الزوار.", outlet="Culture")
    assert w.write(unrelated).status == "new"


def test_a_new_version_replaces_its_bands(tmp_path: Path, samples: list[Article]) -> None:
    engine = sqlite(tmp_path)
    w = ArticleWriter(engine)
    a, b = samples[0], samples[1]
    w.write(a)
    w.write(Article(id=a.id, text=b.text, outlet=a.outlet))  # the id now holds b's text
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM article_bands WHERE article_id = :i"), {"i": a.id}).scalar() == 9
    copy_of_old = w.write(Article(id="old-copy", text=a.text, outlet="Wire"))
    assert copy_of_old.duplicate_of is None  # the old text is a version now, not an indexed article
    copy_of_new = w.write(Article(id="new-copy", text=b.text, outlet="Wire"))
    assert copy_of_new.duplicate_of == a.id


def test_migration_0003_indexes_signatures_stored_before_it(tmp_path: Path, samples: list[Article]) -> None:
    from alembic import command

    engine = sqlite(tmp_path)
    w = ArticleWriter(engine)
    a = samples[5]
    w.write(a)
    cfg = store_db.alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    assert store_db.current_revision(engine) == "0002"
    upgrade(engine, quiet=True)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM article_bands WHERE article_id = :i"), {"i": a.id}).scalar() == 9
    copy = Article(id="copy", text="عاجل\n\n" + a.text.replace("،", ", "), outlet="Wire")
    assert ArticleWriter(engine).write(copy).duplicate_of == a.id


def test_a_failure_inside_linking_leaves_the_old_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        samples: list[Article]) -> None:
    engine = sqlite(tmp_path)
    w = ArticleWriter(engine)
    for a in samples[:10]:
        w.write(a)
    relink(engine)
    before = snapshot(engine)
    for a in samples[10:]:
        w.write(a)
    real = linking._write_events

    def broken(conn: Any, events: Any) -> None:
        real(conn, events[: len(events) // 2])
        raise RuntimeError("power cut")

    monkeypatch.setattr(linking, "_write_events", broken)
    with pytest.raises(RuntimeError):
        relink(engine)
    after = snapshot(engine)
    assert after["events"] == before["events"] and after["evidence"] == before["evidence"]
    monkeypatch.setattr(linking, "_write_events", real)
    relink(engine)
    assert list(iter_events(engine)) == link([m for a in samples for m in default_extractor(a)])


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    from sqlalchemy.exc import IntegrityError

    engine = sqlite(tmp_path)
    with pytest.raises(IntegrityError), engine.begin() as c:
        c.execute(text("INSERT INTO mentions (id, article_id, report_kind, record) VALUES ('m', 'nope', 'x', '{}')"))


# --- reading -------------------------------------------------------------------------------------

def test_event_filters(tmp_path: Path, samples: list[Article]) -> None:
    engine = sqlite(tmp_path)
    w = ArticleWriter(engine)
    for a in samples:
        w.write(a)
    relink(engine)
    everything = list(iter_events(engine))
    dated = [e["event_date"] for e in everything if e["event_date"]]
    assert dated == sorted(dated) and everything[-1]["event_date"] is None  # undated last

    def ids(**kw: Any) -> set[str]:
        return {e["id"] for e in iter_events(engine, **kw)}

    def want(pred: Any) -> set[str]:
        return {e["id"] for e in everything if pred(e)}

    assert ids(date_from=dt.date(2025, 1, 1)) == want(lambda e: (e["event_date"] or "") >= "2025-01-01")
    assert ids(date_from=dt.date(2018, 1, 1), date_to=dt.date(2018, 12, 31)) == want(
        lambda e: (e["event_date"] or "").startswith("2018"))
    assert ids(admin1="lattakia") == want(lambda e: e["admin1"] == "Lattakia") != set()
    assert ids(event_type="Battles") == want(lambda e: e["event_type"] == "Battles") != set()
    assert ids(event_type="arrests") == want(lambda e: e["sub_event_type"] == "Arrests") != set()
    assert ids(actor="isis") == want(lambda e: any(a["key"] == "isis" for a in e["actors"])) != set()
    jableh = want(lambda e: e["location_ar"] and "جبلة" in e["location_ar"])
    assert jableh and ids(text="جَبلة") == jableh and ids(text="جبله") == jableh  # diacritics, ta marbuta
    assert ids(text="JABLAH") >= jableh
    assert ids(text="100%_") == set()
    assert len(list(iter_events(engine, limit=3))) == 3


# --- PostgreSQL ----------------------------------------------------------------------------------

def postgres_url() -> str:
    """The test server's URL with an empty database (every Rasd table dropped), or skip the test."""
    url = os.environ.get("RASD_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("RASD_TEST_POSTGRES_URL is not set (eval \"$(bash .ci/postgres.sh)\")")
    engine = make_engine(resolve_url(url))
    Base.metadata.drop_all(engine)
    with engine.begin() as c:
        c.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    return url


@pytest.fixture
def pg_url() -> str:
    return postgres_url()


def test_postgres_matches_sqlite(pg_url: str, tmp_path: Path, corpus: list[Article],
                                 extracted: dict[str, list[dict[str, Any]]], samples: list[Article]) -> None:
    pg = open_db(pg_url, quiet=True)
    assert pg.dialect.name == "postgresql" and pg.url.drivername == "postgresql+psycopg"
    lite = sqlite(tmp_path)
    arts = samples + corpus[:120]
    a19 = next(a for a in samples if a.id.startswith("19_"))
    edited = Article(**{**a19.__dict__, "text": a19.text.replace("الأربعة", "الخمسة")})
    for engine in (pg, lite):
        w = ArticleWriter(engine, extractor=cached(extracted))
        for i, a in enumerate(arts):
            w.write(a)
            if i % 50 == 0:
                relink(engine)
        relink(engine)
        assert w.write(edited).status == "updated"
        relink(engine)
    assert snapshot(pg) == snapshot(lite)
    final = [edited if a.id == a19.id else a for a in arts]
    assert list(iter_events(pg)) == link([m for a in final for m in cached(extracted)(a)])
    with pg.connect() as c:
        assert c.execute(text("SELECT version, text FROM article_versions")).all() == [(1, a19.text)]
    assert all(v == 0 for v in integrity(pg).values())
    assert counts(pg) == counts(lite)
    with pg.connect() as c:
        assert c.execute(select(func.count()).select_from(Base.metadata.tables["articles"])
                         .where(Base.metadata.tables["articles"].c.duplicate_of.is_not(None))).scalar() > 0
    assert store_db.current_revision(pg) == head_revision()
    assert upgrade(pg) == (head_revision(), head_revision())


def test_articles_from_any_caller_are_stored_without_nul_or_surrogates(tmp_path: Path) -> None:
    """ArticleWriter cleans what the readers did not see (the API, a feed): every backend stores it."""
    urls = [str(tmp_path / "r.db")]
    if os.environ.get("RASD_TEST_POSTGRES_URL"):
        urls.append(postgres_url())
    text_ = make_corpus(1)[0]["text"]
    for url in urls:
        engine = open_db(url, quiet=True)
        w = ArticleWriter(engine)
        written = w.write(Article(id="a\x00", text=text_ + "\x00\ud800", title="t\x00", meta={"m": "\x00"},
                                  url="https://e.org/\udcff"))
        assert written.status == "new" and written.article_id == "a"
        assert written.repairs == ["lone surrogates replaced by U+FFFD in text (1), url (1)",
                                   "NUL characters removed from id (1), text (1), title (1), meta (1)"]
        with engine.connect() as c:
            row = c.execute(text("SELECT id, text, title, url FROM articles")).one()
        assert tuple(row) == ("a", text_ + "\ufffd", "t", "https://e.org/\ufffd")
        relink(engine)
        assert all(v == 0 for v in integrity(engine).values())
        engine.dispose()

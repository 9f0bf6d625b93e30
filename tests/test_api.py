"""The HTTP API (rasd.api) over a database of the bundled samples, and analysts' edits that survive relinking.

The samples are ingested once per module into a SQLite file; a test that writes gets its own copy.
The filters and the sort orders the page relies on are written out below in plain Python over the
stored records (`matches`, `sort_events`, `week_counts`): the API must answer as they do.
Commands run in-process through their click groups; `rasd serve` and `rasd demo` run as processes.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from rasd.api import Settings, create_app
from rasd.cli import samples_dir
from rasd.cli.serve import cli as serve_cli
from rasd.cli.serve import free_port, ingest_samples
from rasd.cli.store import cli as store_cli
from rasd.export import write_acled_csv, write_csv, write_geojson, write_jsonl
from rasd.link.merge import Constraints, cluster, link
from rasd.store.db import open_db
from rasd.store.query import integrity, iter_events
from rasd.store.tokens import create_token
from tests.samples import reports, sample_events

WRITES = [("post", "/api/articles", {"id": "x", "text": "نص"}),
          ("patch", "/api/events/{id}", {"fatalities": 3}),
          ("post", "/api/events/{id}/merge", {"other": "{other}"}),
          ("post", "/api/events/{id}/split", {"article_ids": ["a"]}),
          ("post", "/api/events/{id}/confirm", {"reason": "checked"})]


@dataclasses.dataclass
class Api:
    client: TestClient
    engine: Engine
    db: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def events(self, **params: Any) -> dict[str, Any]:
        r = self.client.get("/api/events", params={"limit": 1000, **params})
        assert r.status_code == 200, r.text
        return r.json()

    def event(self, event_id: str) -> dict[str, Any]:
        r = self.client.get(f"/api/events/{event_id}")
        assert r.status_code == 200, r.text
        return r.json()

    def by_article(self, prefix: str) -> list[dict[str, Any]]:
        return [e for e in self.events()["items"] if any(s["article_id"].startswith(prefix) for s in e["sources"])]


# --- the reference: what the page expects of the filters, sorts and weekly counts --------------------

SORT_KEYS = {"event_date", "event_type", "sub_event_type", "location", "admin1", "fatalities", "arrested",
             "sources", "confidence", "id"}


def _fold(s: Any) -> str:
    return str(s or "").casefold()


def matches(e: dict[str, Any], f: dict[str, str]) -> bool:
    """Does record e pass filters f (as query parameters)? Values compare case-folded; `q` is a
    substring of the record's words; `bbox` is west,south,east,north; no `report_kind`: every kind."""
    d = e.get("event_date")
    if f.get("date_from") and (not d or d < f["date_from"]):
        return False
    if f.get("date_to") and (not d or d > f["date_to"]):
        return False
    for key in ("admin1", "event_type", "sub_event_type", "report_kind", "country"):
        if f.get(key) and f[key] != "all" and _fold(e.get(key)) != _fold(f[key]):
            return False
    if f.get("actor") and not any(_fold(a.get("key")) == _fold(f["actor"]) for a in e.get("actors") or []):
        return False
    if f.get("q"):
        hay = " ".join(str(e.get(k) or "") for k in ("id", "notes", "location", "location_ar", "admin1", "admin2",
                                                    "admin3", "event_type", "sub_event_type"))
        hay += " " + " ".join(f"{a.get('key')} {a.get('name')}" for a in e.get("actors") or [])
        hay += " " + " ".join(str(s.get("outlet") or "") for s in e.get("sources") or [])
        if _fold(f["q"]).strip() not in _fold(hay):
            return False
    if f.get("bbox"):
        x0, y0, x1, y1 = (float(v) for v in f["bbox"].split(","))
        lat, lon = e.get("latitude"), e.get("longitude")
        if lat is None or lon is None or not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
    return True


def by_sort(records: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """The page's order: values case-folded, nulls last either way, ties by id in the sort's direction."""
    desc, key = sort.startswith("-"), sort.lstrip("-")

    def val(e: dict[str, Any]) -> Any:
        v = len(e.get("sources") or []) if key == "sources" else e.get(key)
        return v.casefold() if isinstance(v, str) else v

    present = sorted((e for e in records if val(e) is not None), key=lambda e: (val(e), e["id"]), reverse=desc)
    missing = sorted((e for e in records if val(e) is None), key=lambda e: e["id"], reverse=desc)
    return present + missing


def week_counts(records: list[dict[str, Any]], f: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """/api/stats' weeks (Monday x event type, sorted) and counts by governorate, of the records f passes."""
    import datetime as dt

    weeks: dict[tuple[str, str], int] = {}
    admin: dict[str, int] = {}
    for e in records:
        if not matches(e, f):
            continue
        if e.get("event_date"):
            d = dt.date.fromisoformat(e["event_date"])
            k = ((d - dt.timedelta(days=d.weekday())).isoformat(), e.get("event_type") or "")
            weeks[k] = weeks.get(k, 0) + 1
        if e.get("admin1"):
            admin[e["admin1"]] = admin.get(e["admin1"], 0) + 1
    return [{"week": w, "event_type": t, "count": n} for (w, t), n in sorted(weeks.items())], admin


def _client(engine: Engine, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(**{"tile_url": None, **settings}), engine))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api") / "samples.db"
    engine = open_db(str(path), quiet=True)
    ingest_samples(engine)
    engine.dispose()  # the WAL is folded into the file: it can be copied
    return path


@pytest.fixture(scope="module")
def ro(sample_db: Path) -> Iterator[Api]:
    """A client over the shared sample database, for tests that only read."""
    engine = open_db(str(sample_db), quiet=True)
    with _client(engine) as c:
        yield Api(c, engine, str(sample_db), "")
    engine.dispose()


@pytest.fixture(scope="module")
def every_record(ro: Api) -> list[dict[str, Any]]:
    """Every stored record: incidents, tallies and recalled events that match no incident."""
    return list(iter_events(ro.engine))


@pytest.fixture(scope="module")
def records(every_record: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The incidents: what /api/events lists unless asked for another report kind."""
    return [e for e in every_record if e["report_kind"] == "incident"]


@pytest.fixture
def api(sample_db: Path, tmp_path: Path) -> Iterator[Api]:
    """A client over a private copy of the sample database, with a token for alice."""
    db = str(shutil.copy(sample_db, tmp_path / "rasd.db"))
    engine = open_db(db, quiet=True)
    with _client(engine) as c:
        yield Api(c, engine, db, create_token(engine, "alice"))
    engine.dispose()


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    """A private copy of the bundled samples, free to edit."""
    return Path(shutil.copytree(samples_dir(), tmp_path / "articles"))


def run(group: Any, *args: str) -> Any:
    r = CliRunner().invoke(group, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r


# --- reading ------------------------------------------------------------------------------------------

def test_openapi_and_docs_are_served_offline(ro: Api) -> None:
    spec = ro.client.get("/openapi.json").json()
    assert {"/api/events", "/api/events/{event_id}", "/api/articles", "/api/articles/{article_id}", "/api/stats",
            "/api/export", "/api/boundaries", "/api/meta", "/api/events/{event_id}/merge",
            "/api/events/{event_id}/split"} <= set(spec["paths"])
    assert set(spec["paths"]["/api/events/{event_id}"]) == {"get", "patch"}
    assert "token" in spec["components"]["securitySchemes"]
    docs = ro.client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    assert "cdn." not in docs.text and "https://" not in docs.text  # Swagger UI from this server
    assert ro.client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_dashboard_is_served(ro: Api) -> None:
    page = ro.client.get("/")
    assert page.status_code == 200 and 'id="map"' in page.text
    assert ro.client.get("/app.js").status_code == 200
    assert ro.client.get("/i18n.json").json()
    for src in [*page.text.split('src="')[1:], *page.text.split('href="')[1:]]:
        assert not src.startswith(("http:", "https:", "//")), src  # nothing loaded from outside
    assert ro.client.get("/api/no-such-thing").status_code == 404
    assert ro.client.get("/api/no-such-thing").json()["detail"]


def test_events_are_the_stored_records(ro: Api, records: list[dict[str, Any]]) -> None:
    page = ro.events(sort="event_date")
    assert page["total"] == len(records) == sample_events() and page["offset"] == 0 and page["limit"] == 1000
    assert page["items"] == by_sort(records, "event_date")
    default = ro.client.get("/api/events").json()
    assert default["limit"] == 100 and [e["id"] for e in default["items"]] == [
        e["id"] for e in by_sort(records, "-event_date")]


@pytest.mark.parametrize("key", sorted(SORT_KEYS))
def test_sort(ro: Api, records: list[dict[str, Any]], key: str) -> None:
    for sort in (key, "-" + key):
        got = [e["id"] for e in ro.events(sort=sort)["items"]]
        assert got == [e["id"] for e in by_sort(records, sort)], sort


def test_pagination(ro: Api, records: list[dict[str, Any]]) -> None:
    pages, offset = [], 0
    while True:
        page = ro.events(limit=4, offset=offset, sort="-fatalities")
        assert page["total"] == len(records) and page["limit"] == 4 and page["offset"] == offset
        if not page["items"]:
            break
        assert len(page["items"]) <= 4
        pages += page["items"]
        offset += 4
    assert [e["id"] for e in pages] == [e["id"] for e in by_sort(records, "-fatalities")]
    assert ro.events(limit=0)["items"] == [] and ro.events(limit=0)["total"] == len(records)
    assert ro.client.get("/api/events", params={"limit": 5000}).json()["limit"] == 1000  # clamped
    assert ro.client.get("/api/events", params={"offset": 10_000}).json()["items"] == []


@pytest.mark.parametrize("sort", ["-event_date", "event_date", "fatalities", "-fatalities", "location", "-sources",
                                  "id", "-confidence"])
def test_keyset_pages_walk_the_same_order(ro: Api, records: list[dict[str, Any]], sort: str) -> None:
    """Following `next` (keyset pagination) visits every event once, in the order offsets give."""
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": 4, "sort": sort, **({"after": after} if after else {})}
        page = ro.client.get("/api/events", params=params).json()
        assert page["total"] == len(records)
        seen += [e["id"] for e in page["items"]]
        pages += 1
        after = page["next"]
        if after is None:
            break
        assert len(page["items"]) == 4 and pages < 100
    assert seen == [e["id"] for e in by_sort(records, sort)]
    assert ro.client.get("/api/events", params={"limit": 1000, "sort": sort}).json()["next"] is None


@pytest.mark.parametrize("case", [{"actor": "isis"}, {"admin1": "Deir ez Zor"}, {"q": "داعش"}])
def test_keyset_pages_with_filters(ro: Api, records: list[dict[str, Any]], case: dict[str, str]) -> None:
    for sort in ("-event_date", "arrested"):
        seen, after = [], None
        while True:
            page = ro.client.get("/api/events", params={"limit": 2, "sort": sort, **case,
                                                         **({"after": after} if after else {})}).json()
            seen += [e["id"] for e in page["items"]]
            after = page["next"]
            if after is None:
                break
        full = ro.client.get("/api/events", params={"limit": 1000, "sort": sort, **case}).json()
        assert seen == [e["id"] for e in full["items"]] and len(seen) == full["total"] > 0, (case, sort)


def test_a_cursor_of_another_sort_or_garbage_is_a_422(ro: Api) -> None:
    nxt = ro.client.get("/api/events", params={"limit": 2, "sort": "fatalities"}).json()["next"]
    assert nxt
    r = ro.client.get("/api/events", params={"after": nxt, "sort": "-event_date"})
    assert r.status_code == 422 and "sort" in r.json()["detail"]
    for bad in ("not-a-cursor", "e30", "W10"):
        assert ro.client.get("/api/events", params={"after": bad}).status_code == 422, bad
    with_filter = ro.client.get("/api/events", params={"limit": 2, "sort": "fatalities", "after": nxt,
                                                        "admin1": "Lattakia"})
    assert with_filter.status_code == 200  # the same cursor under other filters starts after that event there


def _filter_cases(records: list[dict[str, Any]]) -> list[dict[str, str]]:
    dated = sorted(e["event_date"] for e in records if e.get("event_date"))
    located = [e for e in records if e.get("latitude") is not None]
    lat, lon = located[0]["latitude"], located[0]["longitude"]
    return [
        {"date_from": dated[len(dated) // 2]},
        {"date_to": dated[len(dated) // 2]},
        {"date_from": dated[3], "date_to": dated[-3]},
        {"admin1": "Lattakia"}, {"admin1": "lattakia"}, {"admin1": "Deir ez Zor"}, {"admin1": "Nowhere"},
        {"event_type": "Battles"}, {"event_type": "explosions/remote violence"},
        {"sub_event_type": "Arrests"}, {"sub_event_type": "Remote explosive/landmine/IED"},
        {"actor": "isis"}, {"actor": "ISIS"}, {"actor": "sdf"},
        {"bbox": f"{lon - 0.5},{lat - 0.5},{lon + 0.5},{lat + 0.5}"},
        {"bbox": "35,32,42,37.5"},
        {"admin1": "Lattakia", "event_type": "Strategic developments", "actor": "isis"},
        {"date_from": dated[0], "admin1": "Homs", "sub_event_type": "Armed clash"},
    ]


def test_every_filter(ro: Api, records: list[dict[str, Any]]) -> None:
    for case in _filter_cases(records):
        want = by_sort([e for e in records if matches(e, case)], "-event_date")
        page = ro.events(**case)
        assert page["total"] == len(want), case
        assert [e["id"] for e in page["items"]] == [e["id"] for e in want], case
    assert any(ro.events(**c)["total"] not in (0, len(records)) for c in _filter_cases(records))


def test_text_search(ro: Api, records: list[dict[str, Any]]) -> None:
    jableh = {e["id"] for e in records if e.get("location") == "Jablah"}
    assert jableh
    assert {e["id"] for e in ro.events(q="jablah")["items"]} == jableh  # English place, any case
    assert {e["id"] for e in ro.events(q="جبلة")["items"]} >= jableh  # Arabic place
    assert {e["id"] for e in ro.events(q="جَبلة")["items"]} >= jableh  # diacritics folded
    isis = {e["id"] for e in records if any(a["key"] == "isis" for a in e["actors"])}
    assert {e["id"] for e in ro.events(q="isis")["items"]} >= isis  # an actor key
    assert {e["id"] for e in ro.events(q="islamic state")["items"]} >= isis  # words of an actor's name
    one = records[0]["id"]
    assert [e["id"] for e in ro.events(q=one)["items"]] == [one]  # an id
    assert ro.events(q="no such words anywhere")["total"] == 0
    assert ro.events(q="100%_")["total"] == 0  # LIKE wildcards are literal


def test_bad_parameters(ro: Api) -> None:
    for params in ({"date_from": "yesterday"}, {"date_to": "2025-13-01"}, {"bbox": "1,2,3"}, {"bbox": "a,b,c,d"},
                   {"sort": "colour"}, {"sort": "-drop table"}):
        r = ro.client.get("/api/events", params=params)
        assert r.status_code == 422 and r.json()["detail"], params
    assert ro.client.get("/api/events", params={"admin1": "", "q": ""}).json()["total"] == sample_events()  # empty: unset
    assert ro.client.get("/api/export", params={"format": "xlsx"}).status_code == 422
    assert ro.client.get("/api/stats", params={"date_from": "x"}).status_code == 422


def test_event_detail(ro: Api, records: list[dict[str, Any]]) -> None:
    (pair,) = [e for e in records if reports(e) == 2]
    d = ro.event(pair["id"])
    for field, value in pair.items():
        if field != "sources":
            assert d[field] == value, field
    assert [s["article_id"] for s in d["sources"]] == [s["article_id"] for s in pair["sources"]]
    assert all(s["title"] for s in d["sources"])
    assert set(d["articles"]) == {s["article_id"] for s in pair["sources"]}
    for ev in d["evidence"]:  # the page highlights by offsets into the full original text
        assert d["articles"][ev["article_id"]]["text"][ev["start"]:ev["end"]] == ev["text"]
    assert d["corrections"] == [] and isinstance(d["conflicts"], list) and d["conflicts"]
    assert ro.client.get("/api/events/rasd-000000000000").status_code == 404


def test_article_with_versions(api: Api, articles: Path) -> None:
    f19 = next(articles.glob("19_*.txt"))
    aid = f19.stem
    a = api.client.get(f"/api/articles/{aid}").json()
    assert a["id"] == aid and a["text"] == f19.read_text("utf-8") and a["version"] == 1 and a["versions"] == []
    assert a["outlet"] == "SANA" and a["published"] == "2025-10-13" and a["mentions"] >= 1 and len(a["events"]) == 1
    old = f19.read_text("utf-8")
    f19.write_text(old.replace("الأربعة", "الخمسة"), "utf-8")
    run(store_cli, "ingest", str(f19), "--db", api.db)
    a = api.client.get(f"/api/articles/{aid}").json()
    assert a["version"] == 2 and a["text"] == f19.read_text("utf-8")
    assert [(v["version"], v["text"]) for v in a["versions"]] == [(1, old)]
    assert api.client.get("/api/articles/nope").status_code == 404


def test_stats(ro: Api, every_record: list[dict[str, Any]]) -> None:
    records = every_record  # the counts cover every report kind, split by kind
    s = ro.client.get("/api/stats").json()
    assert set(s) == {"total", "undated", "weeks", "by_admin1", "by_event_type", "by_report_kind"}  # the page's
    for kind in ("incident", "aggregate"):  # incidents apart from tallies, with their own deaths
        mine = [e for e in records if e["report_kind"] == kind]
        (row,) = [r for r in s["by_report_kind"] if r["report_kind"] == kind]
        assert row == {"report_kind": kind, "count": len(mine), "fatalities": sum(e.get("fatalities") or 0 for e in mine)}
    full = ro.client.get("/api/stats", params={"cells": "true"}).json()
    assert {k: v for k, v in full.items() if k != "cells"} == s
    dated = [e for e in records if e.get("event_date")]
    assert s["total"] == len(records) and s["undated"] == len(records) - len(dated)
    assert sum(w["count"] for w in s["weeks"]) == len(dated) == sum(c["count"] for c in full["cells"])
    cells = {(c["week"], c["event_type"], c["admin1"]): c["count"] for c in full["cells"]}  # week x type x governorate
    for e in dated:
        import datetime as dt

        d = dt.date.fromisoformat(e["event_date"])
        assert cells[((d - dt.timedelta(days=d.weekday())).isoformat(), e["event_type"], e.get("admin1"))] >= 1
    assert sum(r["count"] for r in s["by_event_type"]) == len(records)
    assert all(set(w) == {"week", "event_type", "count"} for w in s["weeks"])
    assert all(dt_monday(w["week"]) for w in s["weeks"])
    weeks, admin = week_counts(records, {})
    assert s["weeks"] == weeks
    assert {(r["admin1"], r["count"]) for r in s["by_admin1"]} == set(admin.items())
    assert [r["count"] for r in s["by_admin1"]] == sorted((r["count"] for r in s["by_admin1"]), reverse=True)
    for case in [*_filter_cases(records), {"report_kind": "incident"}, {"report_kind": "aggregate"}]:
        got = ro.client.get("/api/stats", params=case).json()  # the filters apply
        assert got["total"] == sum(matches(e, case) for e in records), case
        assert got["weeks"] == week_counts(records, case)[0], case


def dt_monday(day: str) -> bool:
    import datetime as dt

    return dt.date.fromisoformat(day).weekday() == 0


def test_exports(ro: Api, records: list[dict[str, Any]]) -> None:
    import pyarrow.parquet as pq

    want = sorted(records, key=lambda e: (e.get("event_date") is None, e.get("event_date") or "", e["id"]))
    r = ro.client.get("/api/export", params={"format": "jsonl"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert 'filename="rasd-events.jsonl"' in r.headers["content-disposition"]
    assert [json.loads(x) for x in r.text.splitlines()] == list(iter_events(ro.engine))  # a dump: every kind
    mine = ro.client.get("/api/export", params={"format": "jsonl", "report_kind": "incident"}).text.splitlines()
    assert [json.loads(x) for x in mine] == want
    inc = {"report_kind": "incident"}
    lattakia = ro.client.get("/api/export", params={"format": "jsonl", "admin1": "Lattakia", **inc}).text.splitlines()
    assert len(lattakia) == ro.events(admin1="Lattakia")["total"] < len(records)
    rows = list(csv.DictReader(io.StringIO(ro.client.get("/api/export", params={"format": "acled-csv", **inc}).text)))
    assert len(rows) == sum(1 for e in records if e.get("event_date")) and "event_id_cnty" in rows[0]  # dated only
    rows = list(csv.DictReader(io.StringIO(ro.client.get("/api/export", params={"format": "csv", **inc}).text)))
    assert [r["id"] for r in rows] == [e["id"] for e in want]
    gj = ro.client.get("/api/export", params={"format": "geojson", "event_type": "Battles", **inc}).json()
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == ro.events(event_type="Battles")["total"]
    for fmt, writer in (("jsonl", write_jsonl), ("geojson", write_geojson), ("csv", write_csv),
                        ("acled-csv", write_acled_csv)):  # bytes spliced, and stored rows, as the writer writes
        buf = io.StringIO()
        writer(iter_events(ro.engine, report_kind="incident"), buf)
        assert ro.client.get("/api/export", params={"format": fmt, **inc}).content == buf.getvalue().encode()
    r = ro.client.get("/api/export", params={"format": "parquet", "sort": "-event_date", **inc})
    assert r.headers["content-type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(r.content))
    assert table.column("id").to_pylist() == [e["id"] for e in by_sort(records, "-event_date")]


def test_geojson_features_made_by_sqlite_are_the_writers_and_go_stale_with_their_record(api: Api) -> None:
    """Each event keeps its Feature's head (migration 0016); a record changed without it is spliced in Python."""
    def same() -> None:
        buf = io.StringIO()
        write_geojson(iter_events(api.engine, report_kind="incident"), buf)
        got = api.client.get("/api/export", params={"format": "geojson", "report_kind": "incident"}).content
        assert got == buf.getvalue().encode()

    with api.engine.connect() as c:
        heads = c.execute(text("SELECT count(*), count(geo_head) FROM events")).one()
    assert heads[0] > 20 and heads[1] == heads[0]  # every sample event is in the usual shape
    same()
    with api.engine.begin() as c:  # an edit of the record alone, as a hand correction could make it
        c.execute(text("UPDATE events SET record = json_set(record, '$.notes', 'تعديل قصير') "
                       "WHERE id IN (SELECT id FROM events ORDER BY id LIMIT 5)"))
        c.execute(text("UPDATE events SET record = json_set(record, '$.latitude', 36.5, '$.longitude', 37.25) "
                       "WHERE id IN (SELECT id FROM events ORDER BY id DESC LIMIT 3)"))
        stale = c.execute(text("SELECT count(*) FROM events WHERE geo_head IS NULL")).scalar()
    assert stale == 8
    same()


def test_export_streams_in_chunks(api: Api) -> None:
    """A large export reaches the client piece by piece (the writer runs beside the response)."""
    with api.engine.begin() as c:  # 600 more events: copies of the samples under other ids
        rows = c.execute(text("SELECT * FROM events")).mappings().all()
        for i in range(600):
            r = dict(rows[i % len(rows)])
            rec = json.loads(r["record"]) if isinstance(r["record"], str) else dict(r["record"])
            rec["id"] = r["id"] = f"copy-{i:04d}"
            r["record"] = json.dumps(rec, ensure_ascii=False)
            c.execute(text(f"INSERT INTO events ({', '.join(r)}) VALUES ({', '.join(':' + k for k in r)})"), r)
    with api.client.stream("GET", "/api/export", params={"format": "jsonl"}) as r:
        chunks = list(r.iter_raw())
    assert len(chunks) > 1 and sum(len(x) for x in chunks) > 64 * 1024
    assert len(b"".join(chunks).decode("utf-8").splitlines()) == 600 + sample_events(None)


def test_boundaries_and_meta(ro: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    for level in ("1", "0"):
        r = ro.client.get("/api/boundaries", params={"level": level})
        assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
        assert r.json()["type"] == "FeatureCollection" and r.json()["features"]
    names = {f["properties"].get("name") or "" for f in ro.client.get("/api/boundaries").json()["features"]}
    assert len(names) >= 10
    assert ro.client.get("/api/boundaries", params={"level": "2"}).status_code == 422
    m = ro.client.get("/api/meta").json()
    from rasd import __version__

    assert m["version"] == __version__ and m["tile_url"] is None and "Natural Earth" in m["attribution"]
    with _client(ro.engine, tile_url="https://tiles.example/{z}/{x}/{y}.png", tile_attribution="© Tiles") as c:
        m = c.get("/api/meta").json()
    assert m["tile_url"] == "https://tiles.example/{z}/{x}/{y}.png" and "© Tiles" in m["attribution"]
    monkeypatch.setenv("RASD_TILE_URL", "https://env.example/{z}/{x}/{y}.png")
    assert Settings().tile_url == "https://env.example/{z}/{x}/{y}.png"


# --- tokens -------------------------------------------------------------------------------------------

def test_token_command_stores_only_a_hash(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    tok = run(serve_cli, "token", "create", "--db", db, "--name", "bob").stdout.strip()
    assert tok.startswith("rasd_") and len(tok) > 40
    tok2 = run(serve_cli, "token", "create", "--db", db).stdout.strip()
    assert tok2 != tok
    engine = open_db(db, quiet=True)
    with engine.connect() as c:
        rows = c.execute(text("SELECT name, token_hash FROM api_tokens ORDER BY id")).all()
    assert rows == [("bob", hashlib.sha256(tok.encode()).hexdigest()),
                    ("analyst", hashlib.sha256(tok2.encode()).hexdigest())]
    assert tok.encode() not in Path(db).read_bytes()
    listed = run(serve_cli, "token", "list", "--db", db).stdout
    assert "bob" in listed and tok not in listed
    with _client(engine) as c:
        assert c.post("/api/articles", json={"id": "t1", "text": "نص"},
                      headers={"Authorization": f"Bearer {tok}"}).status_code in (200, 201)
        run(serve_cli, "token", "revoke", "--db", db, "1")
        assert c.post("/api/articles", json={"id": "t2", "text": "نص"},
                      headers={"Authorization": f"Bearer {tok}"}).status_code == 401
    assert CliRunner().invoke(serve_cli, ["token", "revoke", "--db", db, "1"]).exit_code == 1
    engine.dispose()


@pytest.mark.parametrize("method,path,body", WRITES)
@pytest.mark.parametrize("header", [None, "Bearer", "Bearer wrong-token", "Basic YWxpY2U6cGFzcw==", "rasd_x"])
def test_writes_need_a_valid_token(api: Api, method: str, path: str, body: dict[str, Any], header: str | None) -> None:
    ids = [e["id"] for e in api.events()["items"]]
    url = path.format(id=ids[0])
    body = json.loads(json.dumps(body).replace("{other}", ids[1]))
    before = list(iter_events(api.engine))
    headers = {"Authorization": header} if header else {}
    r = getattr(api.client, method)(url, json=body, headers=headers)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = api.client.request(method.upper(), url, content=b"{not json", headers=headers)
    assert r.status_code == 401  # refused before the body is read
    assert list(iter_events(api.engine)) == before


# --- corrections ----------------------------------------------------------------------------------------

def test_patch_is_recorded_and_shown(api: Api) -> None:
    (pair,) = [e for e in api.events()["items"] if reports(e) == 2]
    r = api.client.patch(f"/api/events/{pair['id']}", json={"fatalities": 2, "admin1": "Tartous",
                                                             "event_type": "Battles", "sub_event_type": "Armed clash"},
                         headers=api.auth)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["id"] == pair["id"]  # same mentions, same event
    assert (d["fatalities"], d["admin1"], d["event_type"], d["sub_event_type"], d["disorder_type"]) == (
        2, "Tartous", "Battles", "Armed clash", "Political violence")
    got = {c["field"]: (c["old"], c["new"], c["who"], c["kind"]) for c in d["corrections"]}
    assert got == {"fatalities": (pair["fatalities"], 2, "alice", "correction"),
                   "admin1": ("Lattakia", "Tartous", "alice", "correction"),
                   "event_type": (pair["event_type"], "Battles", "alice", "correction"),
                   "sub_event_type": (pair["sub_event_type"], "Armed clash", "alice", "correction"),
                   "disorder_type": (pair["disorder_type"], "Political violence", "alice", "correction")}
    assert all(c["when"].endswith("Z") for c in d["corrections"])
    assert "Armed clash" not in pair["notes"] and d["notes"] != pair["notes"]  # notes follow the fields
    assert "articles" not in d and d["review"]["state"] == "corrected"  # the answer: the event, not its texts
    assert {k: v for k, v in api.event(pair["id"]).items() if k != "articles"} == d
    # the stored record is corrected: filters, exports and the CLI see it
    assert pair["id"] in [e["id"] for e in api.events(admin1="Tartous", event_type="Battles")["items"]]
    assert pair["id"] not in {e["id"] for e in api.events(admin1="Lattakia")["items"]}
    exported = [json.loads(x) for x in api.client.get("/api/export", params={"format": "jsonl"}).text.splitlines()]
    assert next(e for e in exported if e["id"] == pair["id"])["fatalities"] == 2
    cli_out = run(store_cli, "events", "--db", api.db, "--json", "--admin1", "Tartous").stdout.splitlines()
    assert pair["id"] in {json.loads(x)["id"] for x in cli_out}
    # a second correction of a field is recorded after the first; the last wins
    d = api.client.patch(f"/api/events/{pair['id']}", json={"fatalities": None}, headers=api.auth).json()
    assert d["fatalities"] is None and [c["new"] for c in d["corrections"] if c["field"] == "fatalities"] == [2, None]
    # the same value again changes nothing
    assert len(api.client.patch(f"/api/events/{pair['id']}", json={"admin1": "Tartous"},
                                headers=api.auth).json()["corrections"]) == 6
    assert all(v == 0 for v in integrity(api.engine).values())


def test_patch_validation(api: Api) -> None:
    eid = api.events()["items"][0]["id"]
    for body in ({"admin1": "Mars"}, {"event_type": "Picnic"}, {"fatalities": -1}, {"fatalities": "many"},
                 {"latitude": 123}, {"sub_event_type": "Armed clash", "event_type": "Protests"},
                 {"colour": "red"}, {"event_date": "2025-02-30"}, {"seized": ["bananas"]},
                 {"actors": [{"key": "nobody-known"}]}, {"event_date": "2025-05-02", "date_end": "2025-05-01"}, {}):
        r = api.client.patch(f"/api/events/{eid}", json=body, headers=api.auth)
        assert r.status_code == 422, (body, r.text)
    assert api.client.patch("/api/events/rasd-000000000000", json={"fatalities": 1}, headers=api.auth).status_code == 404
    assert api.event(eid)["corrections"] == []
    r = api.client.patch(f"/api/events/{eid}", json={"actors": [{"key": "isis", "side": 2}]}, headers=api.auth)
    assert r.status_code == 200 and r.json()["actors"] == [
        {"key": "isis", "name": r.json()["actors"][0]["name"], "side": 2, "role": "primary"}]
    assert {e["id"] for e in api.events(actor="isis")["items"]} >= {eid}


def _edit_19(articles: Path, shift: bool) -> Path:
    """Article 19 edited: a word of the same length changed, and with `shift` a longer dateline moving every offset."""
    f19 = next(articles.glob("19_*.txt"))
    t = f19.read_text("utf-8")
    assert "على ثلاثة من" in t
    t = t.replace("على ثلاثة من", "على أربعة من")
    if shift:
        t = t.replace("اللاذقية-سانا", "اللاذقية - سانا (محدّث بتفاصيل إضافية)")
    f19.write_text(t, "utf-8")
    return f19


def _mentions_of(engine: Engine, prefix: str) -> set[str]:
    with engine.connect() as c:
        return set(c.execute(text("SELECT id FROM mentions WHERE article_id LIKE :p"), {"p": prefix + "%"}).scalars())


@pytest.mark.parametrize("shift", [False, True], ids=["same-offsets", "offsets-moved"])
def test_correction_survives_reextraction_and_relink(api: Api, articles: Path, shift: bool) -> None:
    (pair,) = api.by_article("19_")
    api.client.patch(f"/api/events/{pair['id']}", json={"arrested": 7, "location": "Jablah city"}, headers=api.auth)
    old_mentions = _mentions_of(api.engine, "19_")
    run(store_cli, "ingest", str(_edit_19(articles, shift)), "--db", api.db)  # re-extraction of article 19
    assert (_mentions_of(api.engine, "19_") != old_mentions) == shift
    (e,) = api.by_article("19_")
    assert e["arrested"] == 7 and e["location"] == "Jablah city" and len(e["sources"]) == 2
    assert sorted(c["field"] for c in api.event(e["id"])["corrections"]) == ["arrested", "location"]
    run(store_cli, "db", "relink", "--all", "--db", api.db)
    (after,) = api.by_article("19_")
    assert after == e and len(api.event(e["id"])["corrections"]) == 2
    assert all(v == 0 for v in integrity(api.engine).values())


def test_corrections_of_unrelated_events_stay_put(api: Api, articles: Path) -> None:
    first = api.by_article("01_")[0]
    api.client.patch(f"/api/events/{first['id']}", json={"injured": 123}, headers=api.auth)
    run(store_cli, "ingest", str(_edit_19(articles, True)), "--db", api.db)
    assert api.event(first["id"])["injured"] == 123
    assert [e["id"] for e in api.events()["items"] if e["injured"] == 123] == [first["id"]]


# --- merges and splits ------------------------------------------------------------------------------------

def test_merge_survives_relink(api: Api, articles: Path) -> None:
    a, b = api.by_article("02_")[0], api.by_article("07_")[0]  # two events of Dar'a, not linked by the rules
    r = api.client.post(f"/api/events/{a['id']}/merge", json={"other": b["id"]}, headers=api.auth)
    assert r.status_code == 200, r.text
    m = r.json()
    assert {s["article_id"] for s in m["sources"]} == {s["article_id"] for s in a["sources"] + b["sources"]}
    assert m["id"] not in (a["id"], b["id"]) and api.events()["total"] == sample_events() - 1
    assert set(api.event(m["id"])["articles"]) == {s["article_id"] for s in m["sources"]}
    assert [(c["kind"], c["old"], c["new"], c["who"]) for c in m["corrections"]] == [
        ("merge", [a["id"], b["id"]], m["id"], "alice")]
    for gone in (a["id"], b["id"]):
        assert api.client.get(f"/api/events/{gone}").status_code == 404
    run(store_cli, "db", "relink", "--all", "--db", api.db)
    assert api.event(m["id"])["sources"] == m["sources"] and api.events()["total"] == sample_events() - 1
    f02 = next(articles.glob("02_*.txt"))  # re-extraction of one side keeps them together
    f02.write_text(f02.read_text("utf-8") + "\n", "utf-8")
    run(store_cli, "ingest", str(f02), "--db", api.db)
    (e,) = api.by_article("02_")
    assert {s["article_id"][:3] for s in e["sources"]} == {"02_", "07_"}
    assert all(v == 0 for v in integrity(api.engine).values())


def test_merge_refusals(api: Api) -> None:
    ids = [e["id"] for e in api.events()["items"]]
    post = lambda eid, other: api.client.post(f"/api/events/{eid}/merge", json={"other": other}, headers=api.auth)  # noqa: E731
    assert post(ids[0], ids[0]).status_code == 422
    assert post(ids[0], "rasd-000000000000").status_code == 404
    assert post("rasd-000000000000", ids[0]).status_code == 404
    shared = [e for e in api.events()["items"] if any(s["article_id"].startswith("20_") for s in e["sources"])]
    if len(shared) >= 2:  # two incidents of one article stay two events
        assert post(shared[0]["id"], shared[1]["id"]).status_code == 409
    assert api.events()["total"] == sample_events()


def test_split_survives_relink_and_reextraction(api: Api, articles: Path) -> None:
    (pair,) = api.by_article("19_")
    a19 = next(s["article_id"] for s in pair["sources"] if s["article_id"].startswith("19_"))
    api.client.patch(f"/api/events/{pair['id']}", json={"arrested": 6}, headers=api.auth)
    r = api.client.post(f"/api/events/{pair['id']}/split", json={"article_ids": [a19]}, headers=api.auth)
    assert r.status_code == 200, r.text
    new, rest = r.json()["event"], r.json()["rest"]
    assert [s["article_id"] for s in new["sources"]] == [a19]
    assert [s["article_id"][:3] for s in rest["sources"]] == ["18_"]
    assert "split" in [c["kind"] for c in rest["corrections"]]
    assert api.events()["total"] == sample_events() + 1
    assert [c["kind"] for c in new["corrections"] if c["kind"] != "correction"] == ["split"]
    assert new["corrections"][-1]["new"] == [a19]
    # the correction goes with most of its anchor (here a tie: to the event of the anchor's first mention)
    (holder,) = [e for e in (new, rest) if e["arrested"] == 6]
    assert [c["field"] for c in holder["corrections"] if c["kind"] == "correction"] == ["arrested"]
    other = rest if holder is new else new
    assert not [c for c in other["corrections"] if c["kind"] == "correction"]
    run(store_cli, "db", "relink", "--all", "--db", api.db)
    assert len(api.by_article("18_")) == 1 and len(api.by_article("19_")) == 1 and api.events()["total"] == sample_events() + 1
    assert api.by_article("18_")[0]["id"] != api.by_article("19_")[0]["id"]
    run(store_cli, "ingest", str(_edit_19(articles, True)), "--db", api.db)
    (e18,), (e19,) = api.by_article("18_"), api.by_article("19_")
    assert e18["id"] != e19["id"] and api.events()["total"] == sample_events() + 1
    # a later merge undoes the split, for good
    r = api.client.post(f"/api/events/{e18['id']}/merge", json={"other": e19["id"]}, headers=api.auth)
    assert r.status_code == 200
    run(store_cli, "db", "relink", "--all", "--db", api.db)
    assert len(api.by_article("19_")) == 1 and api.by_article("19_") == api.by_article("18_")
    assert all(v == 0 for v in integrity(api.engine).values())


def test_split_refusals(api: Api) -> None:
    (pair,) = api.by_article("19_")
    url = f"/api/events/{pair['id']}/split"
    every = [s["article_id"] for s in pair["sources"]]
    assert api.client.post(url, json={"article_ids": every}, headers=api.auth).status_code == 422
    assert api.client.post(url, json={"article_ids": ["01_nope"]}, headers=api.auth).status_code == 422
    assert api.client.post(url, json={"article_ids": []}, headers=api.auth).status_code == 422
    assert api.client.post("/api/events/rasd-000000000000/split", json={"article_ids": every[:1]},
                           headers=api.auth).status_code == 404
    assert api.events()["total"] == sample_events()


# --- ingesting through the API ----------------------------------------------------------------------------

def test_post_article_ingests_and_links(api: Api) -> None:
    f18 = next(samples_dir().glob("18_*.txt"))
    body = {"id": "api-jableh", "text": f18.read_text("utf-8"), "title": "خلية في جبلة",
            "url": "https://example.org/api/1", "outlet": "API test", "published": "2025-10-13"}
    body["text"] = "تقرير مراسلنا\n\n" + body["text"]
    r = api.client.post("/api/articles", json=body, headers=api.auth)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["status"] in ("new", "duplicate") and out["article_id"] == "api-jableh" and out["mentions"] >= 1
    assert out["events"]
    e = api.event(out["events"][0])
    assert "api-jableh" in {s["article_id"] for s in e["sources"]} and len(e["sources"]) >= 2  # linked
    assert next(s for s in e["sources"] if s["article_id"] == "api-jableh")["outlet"] == "API test"
    a = api.client.get("/api/articles/api-jableh").json()
    assert a["title"] == "خلية في جبلة" and a["published"] == "2025-10-13" and a["url"] == body["url"]
    again = api.client.post("/api/articles", json=body, headers=api.auth)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    body["text"] += "\nتحديث."
    assert api.client.post("/api/articles", json=body, headers=api.auth).json()["status"] == "updated"
    assert api.client.post("/api/articles", json={"id": "x", "text": "  "}, headers=api.auth).status_code == 422
    assert api.client.post("/api/articles", json={"title": "no text"}, headers=api.auth).status_code == 422
    no_id = api.client.post("/api/articles", json={"text": "نص قصير بلا حوادث."}, headers=api.auth).json()
    assert no_id["article_id"].startswith("api-") and no_id["events"] == []
    assert all(v == 0 for v in integrity(api.engine).values())


# --- the linker's constraints -------------------------------------------------------------------------------

def _rec(aid: str, **kw: Any) -> dict[str, Any]:
    from tests.test_link import rec

    return rec(aid, **kw)


def test_link_without_constraints_is_unchanged() -> None:
    ms = [_rec("a"), _rec("b", arrested=3), _rec("c", admin1="Homs", location="Homs", latitude=34.7, longitude=36.7)]
    assert link(ms) == link(ms, None) == link(ms, Constraints())
    assert json.dumps(link(ms)) == json.dumps(link(list(reversed(ms)), constraints=None))
    assert [[m["id"] for m in g] for g in cluster(ms)] == [["m-a", "m-b"], ["m-c"]]


def test_must_and_cannot_link() -> None:
    a, b = _rec("a"), _rec("b")
    c = _rec("c", admin1="Homs", location="Homs", latitude=34.7, longitude=36.7)
    assert len(link([a, b, c])) == 2
    joined = link([a, b, c], Constraints(must=frozenset({frozenset({"m-a", "m-c"})})))
    assert sorted(sorted(s["article_id"] for s in e["sources"]) for e in joined) == [["a", "c"], ["b"]]  # no chaining
    (one,) = link([a, b, c], Constraints(must=frozenset({frozenset({"m-a", "m-c"}), frozenset({"m-b", "m-c"})})))
    assert {s["article_id"] for s in one["sources"]} == {"a", "b", "c"}
    apart = link([a, b, c], Constraints(cannot=frozenset({frozenset({"m-a", "m-b"})})))
    assert len(apart) == 3
    both = Constraints(must=frozenset({frozenset({"m-a", "m-c"})}), cannot=frozenset({frozenset({"m-c", "m-b"})}))
    groups = sorted(sorted(m["id"] for m in g) for g in cluster([a, b, c], both))
    assert groups == [["m-a", "m-c"], ["m-b"]]
    for order in ([a, b, c], [c, b, a], [b, c, a]):  # still independent of input order
        assert link(order, both) == link([a, b, c], both)
    same_article = _rec("a", id="m-a2", event_date="2025-05-18")  # one article's two incidents stay apart
    assert len(link([a, same_article], Constraints(must=frozenset({frozenset({"m-a", "m-a2"})})))) == 2
    ghost = Constraints(must=frozenset({frozenset({"m-a", "m-zzz"})}))  # unknown ids are ignored
    assert link([a, b, c], ghost) == link([a, b, c])


# --- the commands ---------------------------------------------------------------------------------------------

def test_commands_are_attached() -> None:
    from rasd.cli import serve as serve_cmd

    assert set(serve_cli.commands) == {"serve", "token", "demo"}
    assert set(serve_cmd.token.commands) == {"create", "list", "revoke"}
    main = click.Group()
    serve_cmd.attach(main)
    assert {"serve", "token", "demo"} <= set(main.commands)


def _wait_json(url: str, timeout: float = 60) -> Any:
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return json.loads(r.read())
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_serve_command(sample_db: Path, tmp_path: Path) -> None:
    db = str(shutil.copy(sample_db, tmp_path / "s.db"))
    port = free_port()
    env = {**os.environ, "RASD_TILE_URL": "https://tiles.example/{z}/{x}/{y}.png"}
    proc = subprocess.Popen([sys.executable, "-m", "rasd.cli.serve", "serve", "--db", db, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        meta = _wait_json(f"http://127.0.0.1:{port}/api/meta")
        assert meta["tile_url"] == "https://tiles.example/{z}/{x}/{y}.png"
        assert _wait_json(f"http://127.0.0.1:{port}/api/events?limit=1")["total"] == sample_events()
    finally:
        _stop(proc)
    assert f"http://127.0.0.1:{port}/" in proc.stderr.read().decode()


def test_demo_command() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "rasd.cli.serve", "demo", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        assert _wait_json(url + "api/events?limit=1")["total"] == sample_events()
        with urllib.request.urlopen(url, timeout=5) as r:
            assert b'id="map"' in r.read()
    finally:
        _stop(proc)
    assert "token for writes: rasd_" in proc.stderr.read()


# --- PostgreSQL ------------------------------------------------------------------------------------------------

def test_postgres_answers_as_sqlite(sample_db: Path, tmp_path: Path) -> None:
    """The same API calls and edits on PostgreSQL and SQLite give the same answers (RASD_TEST_POSTGRES_URL)."""
    from tests.test_store import postgres_url

    pg = open_db(postgres_url(), quiet=True)
    lite = open_db(str(shutil.copy(sample_db, tmp_path / "lite.db")), quiet=True)
    ingest_samples(pg)
    apis = []
    for engine in (pg, lite):
        apis.append(Api(_client(engine).__enter__(), engine, "", create_token(engine, "alice")))
    try:
        calls = [("/api/events", {"limit": 1000, "sort": s}) for s in ("-event_date", "event_date", "fatalities",
                                                                        "-sources", "location", "-confidence")]
        calls += [("/api/events", {"limit": 1000, **c}) for c in _filter_cases(list(iter_events(lite)))]
        calls += [("/api/events", {"q": q}) for q in ("جبلة", "isis", "Jablah", "Arrests")]
        calls += [("/api/events", {"review": "todo", "report_kind": "all"}), ("/api/places", {"q": "جبلة"})]
        calls += [("/api/stats", {"cells": "true"}), ("/api/stats", {"admin1": "Lattakia"}),
                  ("/api/events", {"limit": 3, "offset": 17, "sort": "arrested"}),
                  ("/api/events", {"limit": 5, "sort": "-fatalities"})]

        def answers() -> list[Any]:
            out = []
            for path, params in calls:
                got = [a.client.get(path, params=params).json() for a in apis]
                assert got[0] == got[1], (path, params)
                out.append(got[0])
            return out

        answers()
        (pair,) = apis[1].by_article("19_")
        a, b = apis[1].by_article("02_")[0], apis[1].by_article("07_")[0]
        for api in apis:
            assert api.client.patch(f"/api/events/{pair['id']}", json={"arrested": 8, "reason": "SANA's later count"},
                                    headers=api.auth).status_code == 200
            todo = api.events(review="todo", report_kind="all")["items"]
            assert api.client.post(f"/api/events/{todo[0]['id']}/confirm", json={}, headers=api.auth).status_code == 200
            assert api.client.post(f"/api/events/{a['id']}/merge", json={"other": b["id"]},
                                   headers=api.auth).status_code == 200
            a19 = next(s["article_id"] for s in pair["sources"] if s["article_id"].startswith("19_"))
            assert api.client.post(f"/api/events/{pair['id']}/split", json={"article_ids": [a19]},
                                   headers=api.auth).status_code == 200
            from rasd.store.linking import relink_all

            relink_all(api.engine)
        answers()
        details = [[api.event(e["id"]) for e in api.events()["items"]] for api in apis]
        for d in details:
            for e in d:
                e["review"].pop("when")
                for c in e["corrections"]:
                    c.pop("when")
        assert details[0] == details[1]
    finally:
        for api in apis:
            api.client.__exit__(None, None, None)
        pg.dispose()
        lite.dispose()


# --- review: confirmations, reasons, the queue -------------------------------------------------------

def test_review_queue_confirm_and_reasons(api: Api) -> None:
    """The queue holds the unsure and the disputed events nobody reviewed; confirming or correcting one
    takes it out, and the history keeps who, when and why."""
    from rasd.api import REVIEW_CONFIDENCE

    every = api.events(report_kind="all")["items"]
    todo = api.events(review="todo", report_kind="all")
    want = {e["id"] for e in every if (e.get("confidence") or 0) < REVIEW_CONFIDENCE or e.get("conflicts")}
    assert len(want) >= 2 and {e["id"] for e in todo["items"]} == want and todo["total"] == len(want)
    assert {e["id"] for e in api.events(review="todo")["items"]} == {  # incidents first here too
        e["id"] for e in every if e["id"] in want and e["report_kind"] == "incident"}
    first, second = sorted(want)[:2]
    assert api.event(first)["review"] == {"state": "unreviewed", "who": None, "when": None}
    r = api.client.post(f"/api/events/{first}/confirm", json={"reason": "two outlets, same toll"}, headers=api.auth)
    assert r.status_code == 200 and "articles" not in r.json()
    d = api.event(first)
    assert d["review"]["state"] == "confirmed" and d["review"]["who"] == "alice"
    assert [(c["kind"], c["reason"]) for c in d["corrections"]] == [("confirm", "two outlets, same toll")]
    before = next(e for e in every if e["id"] == first)  # confirming changes nothing in the record
    assert {k: v for k, v in d.items() if k not in ("articles", "corrections", "review", "sources")} == {
        k: v for k, v in before.items() if k != "sources"}
    assert [s["article_id"] for s in d["sources"]] == [s["article_id"] for s in before["sources"]]
    r = api.client.patch(f"/api/events/{second}", json={"injured": 4, "reason": "the hospital's figure"},
                         headers=api.auth)
    assert r.status_code == 200 and r.json()["review"]["state"] == "corrected"
    assert r.json()["corrections"][-1]["reason"] == "the hospital's figure"
    assert {e["id"] for e in api.events(review="todo", report_kind="all")["items"]} == want - {first, second}
    run(store_cli, "db", "relink", "--all", "--db", api.db)  # the review follows the event through relinking
    assert api.event(first)["review"]["state"] == "confirmed"
    assert {e["id"] for e in api.events(review="todo", report_kind="all")["items"]} == want - {first, second}
    assert api.client.get("/api/events", params={"review": "later"}).status_code == 422
    assert api.client.post("/api/events/rasd-000000000000/confirm", json={}, headers=api.auth).status_code == 404


def test_me_and_places(api: Api) -> None:
    assert api.client.get("/api/me", headers=api.auth).json() == {"who": "alice"}
    assert api.client.get("/api/me").status_code == 401
    places = api.client.get("/api/places", params={"q": "جبلة"}).json()
    (jableh,) = [p for p in places if p["correction"]["admin1"] == "Lattakia" and p["kind"] in ("city", "town")]
    fix = jableh["correction"]
    assert fix["location_ar"] == "جبلة" and fix["geo_precision"] == 1 and abs(fix["latitude"] - 35.36) < 0.1
    some = api.events()["items"][0]  # the picker's fields are a valid correction as they stand
    r = api.client.patch(f"/api/events/{some['id']}", json={**fix, "reason": "the text names Jableh"},
                         headers=api.auth)
    assert r.status_code == 200 and r.json()["location"] == fix["location"] and r.json()["admin1"] == "Lattakia"
    assert api.client.get("/api/places", params={"q": "Jableh"}).json()
    assert api.client.get("/api/places").status_code == 422


# --- report kind, country, unknown parameters, search in both languages ------------------------------

def test_report_kind_and_country_filter(ro: Api, every_record: list[dict[str, Any]]) -> None:
    records = every_record
    for kind in ("incident", "aggregate", "background"):
        got = ro.client.get("/api/events", params={"report_kind": kind, "limit": 1000}).json()
        want = sorted(e["id"] for e in records if e["report_kind"] == kind)
        assert want and sorted(e["id"] for e in got["items"]) == want and got["total"] == len(want), kind
    syria = ro.client.get("/api/events", params={"country": "syria", "limit": 1000}).json()
    assert syria["total"] == sum(1 for e in records if (e.get("country") or "Syria") == "Syria"
                                 and e["report_kind"] == "incident")
    assert ro.client.get("/api/events", params={"country": "Yemen"}).json()["total"] == 0
    assert ro.client.get("/api/stats", params={"report_kind": "aggregate"}).json()["total"] == sum(
        1 for e in records if e["report_kind"] == "aggregate")


def test_lists_are_incidents_unless_asked(ro: Api, every_record: list[dict[str, Any]]) -> None:
    """Tallies and recalled events are a choice: the default list is the incidents, `all` is everything."""
    default = ro.client.get("/api/events", params={"limit": 1000}).json()
    assert {e["report_kind"] for e in default["items"]} == {"incident"}
    every = ro.client.get("/api/events", params={"limit": 1000, "report_kind": "all"}).json()
    assert every["total"] == len(every_record) > default["total"]
    assert ro.client.get("/api/stats").json()["total"] == len(every_record)  # counts split by kind instead
    out = run(store_cli, "events", "--db", ro.db, "--json").output.splitlines()
    assert {json.loads(x)["report_kind"] for x in out} == {"incident"} and len(out) == default["total"]
    out = run(store_cli, "events", "--db", ro.db, "--json", "--report-kind", "all").output.splitlines()
    assert len(out) == len(every_record)


def test_an_unknown_parameter_or_kind_is_a_422_naming_it(ro: Api) -> None:
    r = ro.client.get("/api/events", params={"reportkind": "incident"})
    assert r.status_code == 422 and "reportkind" in r.json()["detail"] and "report_kind" in r.json()["detail"]
    r = ro.client.get("/api/events", params={"report_kind": "tally"})
    assert r.status_code == 422 and "tally" in r.json()["detail"]
    assert ro.client.get("/api/stats", params={"admin_1": "Aleppo"}).status_code == 422
    assert ro.client.get("/", params={"lang": "ar"}).status_code == 200  # the page's own state is not the API's


def test_search_in_arabic_finds_what_english_finds(ro: Api) -> None:
    for ar, en in (("حلب", "Aleppo"), ("ادلب", "Idleb"), ("إدلب", "Idleb")):
        a = ro.client.get("/api/events", params={"q": ar, "limit": 1000}).json()
        e = ro.client.get("/api/events", params={"q": en, "limit": 1000}).json()
        assert a["total"] > 0 and {x["id"] for x in e["items"]} <= {x["id"] for x in a["items"]}, (ar, en)


def test_serve_on_a_busy_port_is_one_clear_line(tmp_path: Path) -> None:
    import socket

    from click.testing import CliRunner

    from rasd.cli import main

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        port = busy.getsockname()[1]
        r = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "r.db"), "--port", str(port)])
    finally:
        busy.close()
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert lines[-1] == (f"rasd: cannot serve on 127.0.0.1:{port}: the port is in use "
                         "(choose another with --port, or --port 0 for any free one)")
    assert "serving" not in r.stderr and "Traceback" not in r.output

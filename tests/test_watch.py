"""`rasd watch` against a local web site on 127.0.0.1: a feed and article pages written for these tests.

The site (a ThreadingHTTPServer in a thread, stopped after each test) serves an RSS feed with ETag and
Last-Modified, answers conditional requests with 304, can delay or fail a path, and logs every
request, so politeness (User-Agent, conditional GET, retries, per-host delay) is checked from the
server's side. Every wait is bounded.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

pytest.importorskip("httpx")
pytest.importorskip("feedparser")

from rasd.store.db import open_db  # noqa: E402
from rasd.store.query import integrity  # noqa: E402
from rasd.watch import (  # noqa: E402
    USER_AGENT,
    Fetcher,
    FetchError,
    State,
    Watcher,
    item_article_id,
    state_path_for,
    strip_html,
)

FEED_TITLE = "وكالة الاختبار"
PAGE = """<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{title}</title></head>
<body><nav><a href="/">الرئيسية</a> | <a href="/news">أخبار</a></nav>
<article><h1>{title}</h1><p>{body}</p>
<p>وقال مصدر محلي إن التحقيقات مستمرة لكشف ملابسات الحادثة، مشيراً إلى أن الجهات المختصة تتابع القضية.</p>
</article><footer>جميع الحقوق محفوظة</footer></body></html>"""
STORIES = {
    "jableh": ("تفكيك خلية لتنظيم داعش في جبلة",
               "ألقت قوى الأمن الداخلي في محافظة اللاذقية القبض على أربعة أشخاص في مدينة جبلة يوم الثلاثاء، بتهمة الانتماء إلى خلية تابعة لتنظيم داعش، وضبطت بحوزتهم أسلحة فردية وذخائر."),
    "nawa": ("انفجار عبوة ناسفة قرب نوى",
             "قُتل ثلاثة مدنيين وأصيب آخرون يوم الأربعاء بانفجار عبوة ناسفة استهدفت سيارة على الطريق قرب مدينة نوى في ريف درعا."),
    "rastan": ("اشتباكات في الرستن",
               "اندلعت اشتباكات يوم الخميس بين قوات الأمن العام ومسلحين من تنظيم داعش في بلدة الرستن بريف حمص، ما أسفر عن مقتل خمسة من عناصر التنظيم."),
}
SUMMARY_ONLY = "<p>أعلنت وزارة الداخلية السورية يوم الاثنين اعتقال ستة عناصر من خلية لتنظيم داعش في مدينة منبج بمحافظة حلب، مشيرة إلى ضبط ذخائر ووثائق في المكان.</p>"


class Site:
    """The test web site: a feed whose items can be added, pages, and a log of requests."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.pages: dict[str, bytes] = {}
        self.fail: dict[str, int] = {}  # path -> 503 answers still to give
        self.delay: dict[str, float] = {}
        self.log: list[dict[str, Any]] = []
        self.version = 0
        self.modified = dt.datetime(2025, 5, 8, 9, 0, tzinfo=dt.UTC)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def add(self, guid: str, story: str | None, pub: str, summary: str = "") -> None:
        """A new feed item (and its page when it tells a story); the feed gets a new ETag."""
        with self.lock:
            link = None
            if story is not None:
                title, body = STORIES[story]
                link = f"/news/{guid}.html"
                self.pages[link] = PAGE.format(title=title, body=body).encode("utf-8")
            self.items.append({"guid": guid, "title": STORIES[story][0] if story else "خبر عاجل", "link": link,
                               "pub": pub, "summary": summary})
            self.version += 1
            self.modified += dt.timedelta(minutes=5)

    def feed(self) -> bytes:
        out = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(FEED_TITLE)}</title>'
               f"<link>{self.url('/')}</link><description>أخبار</description>"]
        for it in reversed(self.items):
            out.append(f"<item><title>{escape(it['title'])}</title><guid isPermaLink=\"false\">{it['guid']}</guid>"
                       f"<pubDate>{it['pub']}</pubDate>")
            if it["link"]:
                out.append(f"<link>{self.url(it['link'])}</link>")
            if it["summary"]:
                out.append(f"<description>{escape(it['summary'])}</description>")
            out.append("</item>")
        out.append("</channel></rss>")
        return "".join(out).encode("utf-8")

    def requests(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.log if r["path"] == path]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                entry = {"path": self.path, "at": time.monotonic(), "headers": dict(self.headers), "status": None}
                with site.lock:
                    site.log.append(entry)
                    fail = site.fail.get(self.path, 0)
                    if fail:
                        site.fail[self.path] = fail - 1
                    delay = site.delay.get(self.path, 0.0)
                    etag = f'"v{site.version}"'
                    modified = email.utils.format_datetime(site.modified, usegmt=True)
                    body = site.feed() if self.path == "/feed.xml" else site.pages.get(self.path)
                if delay:
                    time.sleep(delay)
                if fail:
                    entry["status"] = 503
                    self.send_response(503)
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if body is None:
                    entry["status"] = 404
                    self.send_error(404)
                    return
                if self.path == "/feed.xml" and (self.headers.get("If-None-Match") == etag
                                                 or self.headers.get("If-Modified-Since") == modified):
                    entry["status"] = 304
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                entry["status"] = 200
                self.send_response(200)
                ctype = "application/rss+xml" if self.path == "/feed.xml" else "text/html; charset=utf-8"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if self.path == "/feed.xml":
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", modified)
                self.end_headers()
                self.wfile.write(body)

        return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    s.thread.start()
    try:
        yield s
    finally:
        s.server.shutdown()
        s.server.server_close()
        s.thread.join(timeout=10)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


def make_watcher(tmp_path: Path, site: Site | None, folders: list[str] | None = None, delay: float = 0.0,
                 settle: float = 0.2) -> Watcher:
    engine = open_db(str(tmp_path / "w.db"), quiet=True)
    stop = threading.Event()
    fetcher = Fetcher(per_host_delay=delay, backoff=0.05, timeout=10, stop=stop)
    feeds = [site.url("/feed.xml")] if site else []
    return Watcher(engine, State(tmp_path / "w.watch.sqlite"), feeds, folders or [], fetcher, stop=stop,
                   settle=settle)


def close(w: Watcher) -> None:
    w.fetcher.close()
    w.state.close()
    w.engine.dispose()


def articles(db: Path) -> dict[str, dict[str, Any]]:
    """The stored articles ({} while another process is still creating the schema)."""
    try:
        with sqlite3.connect(db) as c:
            c.row_factory = sqlite3.Row
            return {r["id"]: dict(r) for r in c.execute("SELECT id, url, outlet, published, title, text, version"
                                                        " FROM articles")}
    except sqlite3.OperationalError:
        return {}


def wait_for(cond: Callable[[], Any], timeout: float, step: float = 0.05) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = cond()
        if got:
            return got
        time.sleep(step)
    return cond()


# --- feeds -----------------------------------------------------------------------------------------

def test_new_item_is_ingested_within_one_interval(tmp_path: Path, site: Site) -> None:
    site.add("g1", "jableh", "Thu, 08 May 2025 10:00:00 +0300")
    w = make_watcher(tmp_path, site)
    interval = 1.0
    thread = threading.Thread(target=w.run, args=(interval,), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: w.polls >= 1, 30)
        feed_url = site.url("/feed.xml")
        first = articles(tmp_path / "w.db")
        a = first[item_article_id(feed_url, "g1")]
        assert a["outlet"] == FEED_TITLE and a["url"] == site.url("/news/g1.html")
        assert a["published"] == "2025-05-08" and a["title"] == STORIES["jableh"][0]
        assert STORIES["jableh"][1] in a["text"] and "جميع الحقوق" not in a["text"]  # the page's main text
        site.add("g2", "nawa", "Fri, 09 May 2025 00:30:00 +0300")  # the outlet's date, not UTC's (8 May)
        added = time.monotonic()
        new_id = item_article_id(feed_url, "g2")
        assert wait_for(lambda: new_id in articles(tmp_path / "w.db"), interval + 20)
        assert time.monotonic() - added < interval + 10  # the next poll, plus a page fetch and extraction
        assert articles(tmp_path / "w.db")[new_id]["published"] == "2025-05-09"
    finally:
        w.stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert all(v == 0 for v in integrity(w.engine).values())  # linked after each poll
    with w.engine.connect() as c:
        from sqlalchemy import text

        assert c.execute(text("SELECT count(*) FROM events")).scalar() >= 2
    close(w)


def test_conditional_get_answers_304_and_nothing_is_fetched_again(tmp_path: Path, site: Site) -> None:
    site.add("g1", "jableh", "Thu, 08 May 2025 10:00:00 +0300")
    site.add("g2", "rastan", "Thu, 08 May 2025 12:00:00 +0300")
    w = make_watcher(tmp_path, site)
    r1 = w.poll()
    assert r1.written["new"] == 2 and r1.feeds_not_modified == 0
    r2 = w.poll()
    assert r2.feeds_not_modified == 1 and r2.changed == 0
    feed_reqs = site.requests("/feed.xml")
    assert [r["status"] for r in feed_reqs] == [200, 304]
    assert feed_reqs[1]["headers"].get("If-None-Match") == '"v2"'
    assert feed_reqs[1]["headers"].get("If-Modified-Since")
    assert all(r["headers"].get("User-Agent") == USER_AGENT for r in site.log)
    assert len(site.requests("/news/g1.html")) == 1
    close(w)
    # a restart remembers: 304 again, no page fetched again, nothing written
    w = make_watcher(tmp_path, site)
    r3 = w.poll()
    assert r3.feeds_not_modified == 1 and r3.changed == 0 and r3.written["unchanged"] == 0
    # a new item: the feed is read again, only the new item's page is fetched
    site.add("g3", "nawa", "Fri, 09 May 2025 08:00:00 +0300")
    r4 = w.poll()
    assert r4.written["new"] == 1 and r4.written["unchanged"] == 0
    assert [len(site.requests(f"/news/g{i}.html")) for i in (1, 2, 3)] == [1, 1, 1]
    assert len(articles(tmp_path / "w.db")) == 3
    close(w)


def test_item_without_a_page_uses_its_summary(tmp_path: Path, site: Site) -> None:
    site.add("s1", None, "2025-05-05T09:00:00+03:00", summary=SUMMARY_ONLY)
    site.add("s2", None, "2025-05-05T10:00:00+03:00")  # nothing to read: reported once, not asked for again
    w = make_watcher(tmp_path, site)
    r = w.poll()
    assert r.written["new"] == 1 and r.failed == 1
    assert w.poll().feeds_not_modified == 1
    (a,) = articles(tmp_path / "w.db").values()
    assert a["text"] == strip_html(SUMMARY_ONLY) and a["url"] is None and a["published"] == "2025-05-05"
    with w.engine.connect() as c:
        from sqlalchemy import text

        assert c.execute(text("SELECT count(*) FROM mentions")).scalar() == 1
    close(w)


def test_atom_entry_with_content_and_no_link(tmp_path: Path) -> None:
    import feedparser

    atom = f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
      <title>{FEED_TITLE}</title><id>urn:test</id><updated>2025-05-06T08:00:00+03:00</updated>
      <entry><id>urn:test:1</id><title>اعتقالات في منبج</title><updated>2025-05-06T01:00:00+03:00</updated>
        <content type="html">{escape(SUMMARY_ONLY)}</content></entry></feed>"""
    parsed = feedparser.parse(atom.encode("utf-8"))
    w = make_watcher(tmp_path, None)
    art, later = w._item_article("https://example.org/atom", parsed.feed.title, parsed.entries[0], "urn:test:1")
    assert art is not None and not later and art.text == strip_html(SUMMARY_ONLY)
    assert art.published == dt.date(2025, 5, 6) and art.outlet == FEED_TITLE and art.url is None  # local date kept
    assert w.fetcher.requests == 0
    close(w)


def test_retries_with_backoff_and_per_host_delay(tmp_path: Path, site: Site) -> None:
    site.add("g1", "jableh", "Thu, 08 May 2025 10:00:00 +0300")
    site.fail["/feed.xml"] = 2
    w = make_watcher(tmp_path, site, delay=0.3)
    assert w.poll().written["new"] == 1
    feed = site.requests("/feed.xml")
    assert [r["status"] for r in feed] == [503, 503, 200]
    times = [r["at"] for r in site.log]
    assert all(b - a >= 0.28 for a, b in zip(times, times[1:], strict=False))  # one host: >= 0.3 s apart
    close(w)
    site.fail["/feed.xml"] = 10  # more failures than retries: reported, the watcher goes on
    fetcher = Fetcher(per_host_delay=0, retries=2, backoff=0.01)
    with pytest.raises(FetchError, match="HTTP 503"):
        fetcher.get(site.url("/feed.xml"))
    fetcher.close()


def test_a_page_that_fails_is_tried_again_next_poll(tmp_path: Path, site: Site) -> None:
    site.add("g1", "rastan", "Thu, 08 May 2025 10:00:00 +0300")
    site.fail["/news/g1.html"] = 4  # 1 + 3 retries: this poll fails
    w = make_watcher(tmp_path, site)
    r = w.poll()
    assert r.changed == 0 and articles(tmp_path / "w.db") == {}
    r = w.poll()  # the feed is read in full again (no validators kept while an item waits)
    assert r.written["new"] == 1 and r.feeds_not_modified == 0
    assert w.poll().feeds_not_modified == 1
    close(w)


# --- folders ---------------------------------------------------------------------------------------

def test_new_and_changed_files_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    w = make_watcher(tmp_path, None, folders=[str(folder)], settle=0.2)
    assert w.poll().changed == 0
    f = folder / "report-1.txt"
    f.write_text(STORIES["nawa"][1], "utf-8")
    (folder / "report-1.meta.json").write_text('{"outlet": "مراسل", "published": "2025-05-08"}', "utf-8")
    assert wait_for(lambda: w.poll().written["new"] == 1, 10, step=0.1)
    a = articles(tmp_path / "w.db")["report-1"]
    assert a["outlet"] == "مراسل" and a["published"] == "2025-05-08"
    assert w.poll().changed == 0  # not read again
    f.write_text(STORIES["nawa"][1].replace("ثلاثة", "أربعة"), "utf-8")
    assert wait_for(lambda: w.poll().written["updated"] == 1, 10, step=0.1)
    assert articles(tmp_path / "w.db")["report-1"]["version"] == 2
    (folder / "bad.txt").write_bytes(b"\x00\x01binary")
    assert wait_for(lambda: w.poll().failed == 1, 10, step=0.1)
    assert w.poll().failed == 0  # reported once, until it changes
    assert all(v == 0 for v in integrity(w.engine).values())
    close(w)


def test_state_file_beside_a_sqlite_database(tmp_path: Path) -> None:
    assert state_path_for(f"sqlite:///{tmp_path}/x/rasd.db") == tmp_path / "x" / "rasd.watch.sqlite"
    assert state_path_for("postgresql+psycopg://u:secret@h/db").name.startswith("watch-")


# --- the command -----------------------------------------------------------------------------------

def test_watch_command_options() -> None:
    from click.testing import CliRunner

    from rasd.watch_cmd import cli

    r = CliRunner().invoke(cli, ["watch", "--feed", "ftp://x/feed"])
    assert r.exit_code == 2 and "not an http(s) URL" in r.stderr
    r = CliRunner().invoke(cli, ["watch"])
    assert r.exit_code == 2 and "--feed URL or --folder DIR" in r.stderr


def test_once_in_process(tmp_path: Path, site: Site) -> None:
    from click.testing import CliRunner

    from rasd.watch_cmd import cli

    site.add("g1", "jableh", "Thu, 08 May 2025 10:00:00 +0300")
    db = tmp_path / "c.db"
    r = CliRunner().invoke(cli, ["watch", "--db", str(db), "--feed", site.url("/feed.xml"), "--once",
                                 "--per-host-delay", "0"])
    assert r.exit_code == 0, r.output
    assert "1 new" in r.stderr and "stopped after 1 polls" in r.stderr
    assert (tmp_path / "c.watch.sqlite").exists() and len(articles(db)) == 1


def test_sigterm_finishes_the_current_article_and_exits_0(tmp_path: Path, site: Site) -> None:
    site.add("g1", "jableh", "Thu, 08 May 2025 10:00:00 +0300")
    folder = tmp_path / "inbox"
    folder.mkdir()
    db = tmp_path / "s.db"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["RASD_PLACES"] = str(tmp_path / "no-places.csv")
    proc = subprocess.Popen([sys.executable, "-m", "rasd.watch_cmd", "watch", "--db", str(db), "--feed",
                             site.url("/feed.xml"), "--folder", str(folder), "--interval", "0.5",
                             "--per-host-delay", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert wait_for(lambda: db.exists() and len(articles(db)) == 1, 90, step=0.2), proc.stderr
        site.delay["/news/g2.html"] = 2.0  # the next page is slow: SIGTERM arrives while it is fetched
        site.add("g2", "rastan", "Thu, 08 May 2025 12:00:00 +0300")
        assert wait_for(lambda: site.requests("/news/g2.html"), 30)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    text = err.decode("utf-8")
    assert proc.returncode == 0, text
    assert "SIGTERM: stopping after the current article" in text and "stopped after" in text
    assert item_article_id(site.url("/feed.xml"), "g2") in articles(db)  # finished and committed
    assert all(v == 0 for v in integrity(open_db(str(db), quiet=True)).values())  # and linked

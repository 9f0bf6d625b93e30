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
        self.raw: dict[str, tuple[dict[str, str], bytes]] = {}  # path -> headers and body, sent as they are
        self.redirects: dict[str, str] = {}  # path -> where it redirects
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
                link = self.url(it["link"]) if it["link"].startswith("/") else it["link"]
                out.append(f"<link>{escape(link)}</link>")
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
                if self.path in site.redirects:
                    entry["status"] = 302
                    self.send_response(302)
                    self.send_header("Location", site.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path in site.raw:
                    headers, raw = site.raw[self.path]
                    entry["status"] = 200
                    self.send_response(200)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    try:
                        for i in range(0, len(raw), 1 << 16):
                            self.wfile.write(memoryview(raw)[i:i + (1 << 16)])
                    except OSError:  # the client gave up: what it should do
                        pass
                    return
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

    from rasd.cli.watch import cli

    r = CliRunner().invoke(cli, ["watch", "--feed", "ftp://x/feed"])
    assert r.exit_code == 2 and "not an http(s) URL" in r.stderr
    r = CliRunner().invoke(cli, ["watch"])
    assert r.exit_code == 2 and "--feed URL or --folder DIR" in r.stderr


def test_once_in_process(tmp_path: Path, site: Site) -> None:
    from click.testing import CliRunner

    from rasd.cli.watch import cli

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
    proc = subprocess.Popen([sys.executable, "-m", "rasd.cli.watch", "watch", "--db", str(db), "--feed",
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


# --- hostile servers and feeds (issue 16) ----------------------------------------------------------------

class Drip:
    """A server on 127.0.0.1 that answers every request one byte every `every` seconds (the status line
    and headers too, with `headers=True`), for at most `lasting` seconds, so a fetcher without an
    overall deadline is stuck that long: a per-read timeout never fires."""

    def __init__(self, headers: bool = False, every: float = 0.2, lasting: float = 60.0) -> None:
        import socket

        self.headers = headers
        self.every = every
        self.lasting = lasting
        self.connections = 0
        self.closed = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path: str = "/feed.xml") -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}{path}"

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: Any) -> None:
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)
                data = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                if self.headers:
                    data += b"X-Slow: " + b"a" * 100_000
                else:
                    conn.sendall(data + b"Content-Length: 100000\r\n\r\n")
                    data = b"<" * 100_000
                end = time.monotonic() + self.lasting
                for b in data:
                    if self.closed.is_set() or time.monotonic() > end:
                        break
                    conn.sendall(bytes([b]))
                    self.closed.wait(self.every)
            except OSError:
                pass

    def close(self) -> None:
        self.closed.set()
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.mark.parametrize("headers", [False, True], ids=["body", "headers"])
def test_a_dripping_server_cannot_hang_a_fetch(headers: bool) -> None:
    drip = Drip(headers=headers)
    fetcher = Fetcher(per_host_delay=0, retries=2, backoff=0.05, timeout=5)
    fetcher.deadline = 2.0  # seconds for the whole fetch, retries included
    try:
        started = time.monotonic()
        with pytest.raises(FetchError, match="no complete answer within 2 s"):
            fetcher.get(drip.url())
        assert time.monotonic() - started < 4
    finally:
        fetcher.close()
        drip.close()


def test_sigterm_stops_watch_while_a_feed_drips(tmp_path: Path) -> None:
    drip = Drip(every=1.0, lasting=120)
    db = tmp_path / "d.db"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["RASD_PLACES"] = str(tmp_path / "no-places.csv")
    proc = subprocess.Popen([sys.executable, "-m", "rasd.cli.watch", "watch", "--db", str(db), "--feed", drip.url(),
                             "--interval", "300", "--per-host-delay", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert wait_for(lambda: drip.connections, 60)
        time.sleep(1.0)  # a byte or two into the body
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)  # the first one
        _out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        drip.close()
    text = err.decode("utf-8")
    assert proc.returncode == 0, text
    assert took < 15, text  # the fetch under way gets STOP_GRACE seconds, not the feed's whole drip
    assert "SIGTERM: stopping" in text and "stopped after 1 polls" in text


BIG = b"<rss>" + b"x" * 30_000_000 + b"</rss>"


@pytest.mark.parametrize("kind", ["content-length", "no length", "gzip bomb"])
def test_feeds_and_pages_are_capped_in_size(site: Site, kind: str) -> None:
    import gzip
    import tracemalloc

    if kind == "gzip bomb":
        body = gzip.compress(b"\0" * 200_000_000, compresslevel=9)  # about 200 kB inflating to 200 MB
        headers = {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip",
                   "Content-Length": str(len(body))}
    else:
        body = BIG
        headers = {"Content-Type": "application/rss+xml"}
        if kind == "content-length":
            headers["Content-Length"] = str(len(body))
    site.raw["/big.xml"] = (headers, body)
    fetcher = Fetcher(per_host_delay=0, retries=0, timeout=10)
    fetcher.max_bytes = 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="larger than 1000000 bytes"):
            fetcher.get(site.url("/big.xml"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        fetcher.close()
    assert peak < 8_000_000  # never the whole feed (30 MB) or the inflated bomb (200 MB) in memory
    site.raw["/small.xml"] = ({"Content-Encoding": "gzip"}, gzip.compress(b"<rss>" + b"y" * 500_000 + b"</rss>"))
    f2 = Fetcher(per_host_delay=0, retries=0, max_bytes=1_000_000)
    try:
        assert f2.get(site.url("/small.xml")).body == b"<rss>" + b"y" * 500_000 + b"</rss>"  # under the cap: whole
    finally:
        f2.close()


def test_once_exits_1_when_every_source_failed(tmp_path: Path, site: Site) -> None:
    import socket

    from click.testing import CliRunner

    from rasd.cli.watch import cli

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/feed.xml"
    r = CliRunner().invoke(cli, ["watch", "--db", str(tmp_path / "a.db"), "--feed", dead, "--feed",
                                 site.url("/missing.xml"), "--once", "--per-host-delay", "0"])
    assert r.exit_code == 1, r.output
    assert "every source failed" in r.stderr
    site.add("g1", "jableh", "Thu, 08 May 2025 10:00:00 +0300")  # one source answers: exit 0
    r = CliRunner().invoke(cli, ["watch", "--db", str(tmp_path / "b.db"), "--feed", dead, "--feed",
                                 site.url("/feed.xml"), "--once", "--per-host-delay", "0"])
    assert r.exit_code == 0, r.output
    assert "1 new" in r.stderr and "1 failed" in r.stderr


def test_item_links_to_private_addresses_are_not_fetched(tmp_path: Path, site: Site) -> None:
    """A feed may name any URL as an item's link; the watcher reads only public addresses (and the
    feed's own server), so the API never serves the text of a local service or of 169.254.169.254."""
    other = Site()  # a service on this machine that the feed's items point at
    other.thread.start()
    try:
        title, body = STORIES["nawa"]
        other.pages["/secret.html"] = PAGE.format(title=title, body="كلمة السر الداخلية " + body).encode("utf-8")
        summary = "<p>" + STORIES["rastan"][1] + "</p>"
        for guid, link in (("local", other.url("/secret.html")), ("metadata", "http://169.254.169.254/latest/"),
                           ("hop", "/news/hop.html")):
            site.items.append({"guid": guid, "title": title, "link": link, "pub": "Thu, 08 May 2025 10:00:00 +0300",
                               "summary": summary})
        site.redirects["/news/hop.html"] = other.url("/secret.html")  # the feed's server redirects away
        site.version += 1
        said: list[str] = []
        w = make_watcher(tmp_path, site)
        w.say = said.append
        r = w.poll()
        assert r.written["new"] + r.written["duplicate"] == 3 and r.failed == 0
        assert other.log == []  # never asked
        texts = [a["text"] for a in articles(tmp_path / "w.db").values()]
        assert all("كلمة السر" not in t and STORIES["rastan"][1] in t for t in texts)  # the summaries
        refused = [ln for ln in said if "not fetched" in ln]
        assert len(refused) == 3 and any("link-local address (169.254.169.254)" in ln for ln in refused)
        assert any("loopback address (127.0.0.1)" in ln for ln in refused)
        close(w)
        # --allow-private: fetched
        (tmp_path / "p").mkdir()
        w = make_watcher(tmp_path / "p", site)
        w.allow_private = True
        w.poll()
        assert [e["path"] for e in other.log] == ["/secret.html", "/secret.html"]
        close(w)
    finally:
        other.server.shutdown()
        other.server.server_close()


def test_the_connected_address_is_checked_too(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A name can resolve to a public address for the check and to a private one for the connection."""
    from rasd import watch

    monkeypatch.setattr(watch, "check_public", lambda url: None)  # the check was fooled
    fetcher = Fetcher(per_host_delay=0, retries=0)
    try:
        with pytest.raises(watch.Refused, match="connected to a loopback address"):
            fetcher.get(site.url("/feed.xml"), public_only=True)
        assert site.log == []  # refused before the request was sent
    finally:
        fetcher.close()


@pytest.mark.parametrize("ip, kind", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("169.254.169.254", "link-local"), ("10.1.2.3", "private"),
    ("192.168.0.1", "private"), ("172.16.5.4", "private"), ("100.64.0.1", "non-public"), ("0.0.0.0", "unspecified"),
    ("::ffff:127.0.0.1", "loopback"), ("fe80::1%eth0", "link-local"), ("224.0.0.1", "multicast"),
    ("240.0.0.1", "reserved"), ("8.8.8.8", None), ("2001:4860:4860::8888", None),
])
def test_address_kind(ip: str, kind: str | None) -> None:
    from rasd.watch import address_kind

    assert address_kind(ip) == kind


def test_stop_can_be_set_from_a_signal_handler() -> None:
    from rasd.watch import Stop

    stop = Stop()
    started = time.monotonic()
    assert stop.wait(0.2) is False and time.monotonic() - started >= 0.19
    threading.Timer(0.2, stop.set).start()
    assert stop.wait(30) is True and time.monotonic() - started < 5
    assert stop.is_set() and stop.wait(0) is True
    stop.close()
    previous = signal.signal(signal.SIGUSR1, lambda *_: stop2.set())
    try:
        stop2 = Stop()
        threading.Timer(0.2, os.kill, args=(os.getpid(), signal.SIGUSR1)).start()
        assert stop2.wait(30) is True  # woken by the handler, which takes no lock
    finally:
        signal.signal(signal.SIGUSR1, previous)
        stop2.close()


def test_watch_command_defaults_follow_the_library() -> None:
    from rasd import watch
    from rasd.cli import watch as watch_cmd

    assert (watch_cmd.DEADLINE, watch_cmd.MAX_BYTES) == (watch.DEADLINE, watch.MAX_BYTES)

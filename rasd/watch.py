"""Following RSS/Atom feeds and folders, and ingesting what arrives (`rasd watch`).

Each poll fetches every feed (conditional GET: a 304 costs nothing), turns each new item into an
Article (the linked page's main text through the HTML reader, else the item's summary; the item's
date; the feed's title as outlet), scans every folder for new or changed files, writes each article
through `ArticleWriter` (one transaction each, as `rasd ingest`) and then links, as `rasd ingest`
does. What was seen (feed items, HTTP validators, file sizes and times) is kept in a small SQLite
state file next to the database, written after the article it records, so a restart neither
re-fetches nor loses anything (an article written but not yet recorded is "unchanged" next time).

Politeness: one User-Agent, timeouts on every request, retries with exponential backoff (honouring
Retry-After) for network errors, 429 and 5xx, and at least `per_host_delay` seconds between two
requests to one host. A stop request (SIGINT/SIGTERM through `stop`) is honoured between articles:
the current article is finished and committed, the poll's articles are linked, and the loop ends.

Hostile servers: a fetch, retries and redirects included, ends within a deadline (60 s by default)
however slowly the server sends, and within STOP_GRACE seconds of a stop request; a feed or page
larger than `max_bytes` after decompression is refused before it is read whole (a gzip bomb
inflates no further than the cap); item links (and their redirects) that resolve to loopback,
link-local, private or reserved addresses are not fetched, unless they are on the feed's own
server or `allow_private` is given: a feed must not make the watcher read 169.254.169.254 or a
service on localhost for the API to serve.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import hashlib
import html
import ipaddress
import os
import re
import select
import socket
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rasd import __version__
from rasd.doc import Article
from rasd.ingest.readers import SIDECAR_SUFFIX, ReadError, _suffix_of, iter_articles, read_published

USER_AGENT = f"rasd/{__version__} (security-incident news monitor; polite polling)"
SETTLE = 1.0  # seconds a file must be left alone before it is read (a copy may still be under way)
FEED_FALLBACK_POLLS = 3  # polls a linked page may fail before the item's summary is used instead


# --- HTTP --------------------------------------------------------------------------------------------

DEADLINE = 60.0  # seconds one fetch may take, retries and redirects included
MAX_BYTES = 10_000_000  # bytes of a feed or page, after decompression
STOP_GRACE = 5.0  # seconds a fetch under way may go on after a stop request
MAX_REDIRECTS = 5


@dataclasses.dataclass
class Response:
    """What a fetch gave: status 304 means "not modified" (body empty)."""

    status: int
    body: bytes
    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    retry_after: str | None = None  # of a 429 or 5xx answer


class FetchError(Exception):
    """A URL could not be fetched after the retries."""


class Refused(FetchError):
    """A URL not fetched on purpose (an address that is not public, a body over the size cap): not retried."""


class _Interrupted(Exception):
    """The deadline passed or a stop was asked while a request was under way."""


class Stop:
    """A stop request that a signal handler can make safely, and that any thread can wait for.

    `threading.Event.set` takes a lock, which the main thread may hold at the moment a signal
    handler runs in it (inside `Event.wait`): setting one from a handler can deadlock. Here `set`
    takes no lock; it writes one byte to a socket pair, which wakes every `wait` (a select).
    """

    def __init__(self) -> None:
        self._flag = False
        self._r, self._w = socket.socketpair()
        self._w.setblocking(False)

    def set(self) -> None:
        if not self._flag:
            self._flag = True
            try:
                self._w.send(b"x")
            except OSError:
                pass

    def is_set(self) -> bool:
        return self._flag

    def wait(self, timeout: float | None = None) -> bool:
        if not self._flag:
            try:
                select.select([self._r], [], [], timeout)
            except (OSError, ValueError):  # closed: nothing to wait for
                pass
        return self._flag

    def close(self) -> None:
        self._r.close()
        self._w.close()


def address_kind(ip: str) -> str | None:
    """None for a public address; else what it is (loopback, link-local, private, reserved ...)."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return "unparsable"
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(addr, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if addr.is_global else "non-public"


def _origin(url: str) -> tuple[str, str, int | None]:
    import httpx

    u = httpx.URL(url)
    return u.scheme, u.host.lower(), u.port or {"http": 80, "https": 443}.get(u.scheme)


def check_public(url: str) -> None:
    """Refused unless every address the URL's host resolves to is public."""
    import httpx

    u = httpx.URL(url)
    if u.scheme not in ("http", "https"):
        raise Refused(f"{url}: not an http(s) URL")
    host = u.raw_host.decode("ascii").strip("[]")
    try:
        infos = socket.getaddrinfo(host, u.port or (443 if u.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"{url}: cannot resolve {host}: {exc}") from None
    for ip in sorted({info[4][0] for info in infos}):
        kind = address_kind(str(ip))
        if kind is not None:
            raise Refused(f"{url}: {host} is a {kind} address ({ip}), not fetched (--allow-private fetches it)")


class _Guard:
    """Bounds one request in time: at its deadline, or STOP_GRACE seconds after a stop request, the
    request's connection is shut down from this watchdog thread, which ends any read under way
    (a per-read timeout never fires on a server that sends a byte every few seconds).

    It learns the connection from httpcore's trace hook as soon as the TCP connection is made,
    and keeps a duplicate of the socket, so shutting it down never touches a reused descriptor.
    With `public_only`, the address actually connected to is checked too (a name that resolved
    to a public address for `check_public` and to a private one a moment later).
    """

    def __init__(self, url: str, end: float, stop: Any, grace: float, public_only: bool) -> None:
        self.url = url
        self.end = end
        self.stop = stop
        self.grace = grace
        self.public_only = public_only
        self.socks: list[socket.socket] = []
        self.fired: str | None = None
        self.refused: Refused | None = None
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="rasd-fetch-guard", daemon=True)
        self.thread.start()

    def trace(self, name: str, info: dict[str, Any]) -> None:
        if name != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        if self.public_only and not _proxied():
            try:
                peer = sock.getpeername()[0]
            except OSError:
                peer = None
            kind = address_kind(str(peer)) if peer is not None else None
            if kind is not None:
                self.refused = Refused(f"{self.url}: connected to a {kind} address ({peer}), not fetched"
                                       " (--allow-private fetches it)")
                _shut(sock)
                raise self.refused
        dup = sock.dup()
        with self.lock:
            self.socks.append(dup)
            fired = self.fired
        if fired:
            _shut(dup)

    def _watch(self) -> None:
        stop_seen: float | None = None
        while not self.done.is_set():
            now = time.monotonic()
            if now >= self.end:
                self._fire("deadline")
                return
            if self.stop.is_set():
                stop_seen = now if stop_seen is None else stop_seen
                if now - stop_seen >= self.grace:
                    self._fire("stopped")
                    return
            self.done.wait(min(0.1, self.end - now))

    def _fire(self, why: str) -> None:
        with self.lock:
            self.fired = why
            socks = list(self.socks)
        for s in socks:
            _shut(s)

    def check(self, url: str, deadline: float) -> None:
        """Raise what ended the request early, if the guard ended it."""
        if self.refused is not None:
            raise self.refused
        if self.fired == "deadline":
            raise _Interrupted(f"no complete answer within {deadline:g} s")
        if self.fired == "stopped":
            raise _Interrupted("stopped")

    def close(self) -> None:
        self.done.set()
        self.thread.join(timeout=5)
        with self.lock:
            socks, self.socks = self.socks, []
        for s in socks:
            try:
                s.close()
            except OSError:
                pass


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _proxied() -> bool:
    """True when httpx would go through a proxy from the environment (the peer is then the proxy)."""
    import urllib.request

    return bool(urllib.request.getproxies())


class _Inflater:
    """Content-Encoding gzip or deflate, inflated at most `room` bytes at a time (a gzip bomb stops at the cap)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.raw_deflate = False
        self.started = False
        self.z = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> bytes:
        """Up to room + 1 bytes of output (one more than fits tells the caller it is over)."""
        out = bytearray()
        pending = self.z.unconsumed_tail + data
        while pending and len(out) <= room and not self.z.eof:
            try:
                out += self.z.decompress(pending, room + 1 - len(out))
            except zlib.error:
                if self.encoding == "deflate" and not self.started and not self.raw_deflate:
                    self.raw_deflate = True  # some servers send a raw deflate stream without its zlib header
                    self.z = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise
            self.started = True
            pending = self.z.unconsumed_tail
        return bytes(out)


class Fetcher:
    """httpx with a deadline per fetch, a size cap, retries with backoff, conditional GET and a per-host delay.

    Every fetch (its retries and redirects included) ends within `deadline` seconds, and a stop
    request ends it after at most STOP_GRACE seconds; a body larger than `max_bytes` once
    decompressed is refused. With `public_only`, every URL of the fetch (redirects included) must
    resolve to public addresses, except those of the `trusted` origin (the feed's own server).
    """

    RETRY_STATUS = {429, 500, 502, 503, 504}

    def __init__(self, per_host_delay: float = 1.0, retries: int = 3, backoff: float = 0.5, timeout: float = 15.0,
                 stop: Any = None, client: Any = None, deadline: float = DEADLINE, max_bytes: int = MAX_BYTES,
                 stop_grace: float = STOP_GRACE) -> None:
        import httpx

        self.per_host_delay = per_host_delay
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.stop_grace = stop_grace
        self.stop = stop or threading.Event()
        # no keep-alive: each request makes its own connection, which the guard sees being made
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"})
        self._last: dict[str, float] = {}
        self.requests = 0

    def close(self) -> None:
        self.client.close()

    def _wait_turn(self, url: str, end: float) -> None:
        """At least per_host_delay between two requests to one host (a stop or the deadline cuts the wait short)."""
        host = urlsplit(url).netloc.lower()
        last = self._last.get(host)
        if last is not None:
            delay = min(self.per_host_delay - (time.monotonic() - last), end - time.monotonic())
            if delay > 0:
                self.stop.wait(delay)
        self._last[host] = time.monotonic()

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None, public_only: bool = False,
            trusted: str | None = None) -> Response:
        """GET with retries; raises FetchError when every attempt failed (or a 4xx other than 429),
        Refused (not retried) for an address that is not public or a body over the cap."""
        import httpx

        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        end = time.monotonic() + self.deadline
        problem = "no attempt"
        retry_after: float | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                pause = min(30.0, self.backoff * 2 ** (attempt - 1))
                if retry_after is not None:
                    pause = max(pause, min(60.0, retry_after))
                if time.monotonic() + pause >= end:
                    problem += f" (no time left to try again within {self.deadline:g} s)"
                    break
                if self.stop.wait(pause):
                    problem += " (stopped)"
                    break
            retry_after = None
            self._wait_turn(url, end)
            self.requests += 1
            try:
                r = self._attempt(url, headers, end, public_only, trusted)
            except _Interrupted as exc:
                problem = str(exc)
                break
            except (httpx.HTTPError, OSError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if r.status == 304:
                return Response(304, b"", r.url, etag, last_modified)
            if r.status in self.RETRY_STATUS:
                problem = f"HTTP {r.status}"
                retry_after = _retry_after(r.retry_after)
                continue
            if r.status >= 400:
                raise FetchError(f"{url}: HTTP {r.status}")
            return r
        raise FetchError(f"{url}: {problem}")

    def _attempt(self, url: str, headers: dict[str, str], end: float, public_only: bool,
                 trusted: str | None) -> Response:
        """One request, following redirects (each hop checked), its body read within the deadline and the cap."""
        import httpx

        current = url
        trusted_origin = _origin(trusted) if trusted else None
        for _hop in range(MAX_REDIRECTS + 1):
            checked = public_only and _origin(current) != trusted_origin
            if checked:
                check_public(current)
            left = end - time.monotonic()
            if left <= 0:
                raise _Interrupted(f"no complete answer within {self.deadline:g} s")
            guard = _Guard(current, end, self.stop, self.stop_grace, checked)
            try:
                try:
                    request = self.client.build_request(
                        "GET", current, headers=headers, extensions={"trace": guard.trace},
                        timeout=httpx.Timeout(min(self.timeout, left), connect=min(self.timeout, 10.0, left)))
                    r = self.client.send(request, stream=True, follow_redirects=False)
                    try:
                        if r.is_redirect and r.next_request is not None:
                            nxt = str(r.next_request.url)
                            if not nxt.lower().startswith(("http://", "https://")):
                                raise Refused(f"{url}: redirected to {nxt}, not an http(s) URL")
                            current = nxt
                            continue
                        if r.status_code == 304 or r.status_code >= 400:
                            return Response(r.status_code, b"", str(r.url), retry_after=r.headers.get("Retry-After"))
                        body = self._body(r, url, end)
                    finally:
                        r.close()
                except (httpx.HTTPError, OSError):
                    guard.check(url, self.deadline)
                    raise
                guard.check(url, self.deadline)
            finally:
                guard.close()
            return Response(r.status_code, body, str(r.url), r.headers.get("ETag"), r.headers.get("Last-Modified"),
                            r.headers.get("Content-Type"))
        raise Refused(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _body(self, r: Any, url: str, end: float) -> bytes:
        """The body, decompressed, refused beyond max_bytes (before the rest is downloaded or inflated)."""
        cap = self.max_bytes
        too_big = Refused(f"{url}: larger than {cap} bytes, not read (the cap is --max-bytes)")
        encodings = [e.strip().lower() for e in r.headers.get("Content-Encoding", "").split(",")
                     if e.strip() and e.strip().lower() != "identity"]
        if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
            raise Refused(f"{url}: unsupported Content-Encoding {', '.join(encodings)}")
        inflater = _Inflater(encodings[0]) if encodings else None
        length = r.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > cap:
            raise too_big
        out = bytearray()
        raw = 0
        for chunk in r.iter_raw(65536):
            if time.monotonic() > end:
                raise _Interrupted(f"no complete answer within {self.deadline:g} s")
            raw += len(chunk)
            if raw > cap:
                raise too_big
            try:
                out += inflater.feed(chunk, cap - len(out)) if inflater else chunk
            except zlib.error as exc:
                raise FetchError(f"{url}: broken {inflater.encoding if inflater else ''} body: {exc}") from None
            if len(out) > cap:
                raise too_big
        return bytes(out)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


# --- what was seen ---------------------------------------------------------------------------------

def state_path_for(db_url: str) -> Path:
    """The state file beside a SQLite database, else in the data folder, named after the database URL."""
    from sqlalchemy.engine import make_url

    from rasd.store.db import default_path

    u = make_url(db_url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        p = Path(u.database)
        return p.with_name(p.stem + ".watch.sqlite")
    digest = hashlib.sha1(u.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    return default_path().parent / f"watch-{digest}.sqlite"


class State:
    """Feeds' HTTP validators, the feed items and the files already ingested (SQLite, one file)."""

    def __init__(self, path: Path | str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(path)
        self.db = sqlite3.connect(str(path), check_same_thread=False)  # one user at a time: the watcher
        self.db.executescript("""
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, checked_at TEXT);
            CREATE TABLE IF NOT EXISTS items (feed TEXT, key TEXT, article_id TEXT, tries INTEGER DEFAULT 0,
                                              done INTEGER DEFAULT 0, seen_at TEXT, PRIMARY KEY (feed, key));
            CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, seen_at TEXT);
        """)

    def close(self) -> None:
        self.db.close()

    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.db.execute("SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self.db:
            self.db.execute("INSERT INTO feeds VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET etag = excluded.etag,"
                            " last_modified = excluded.last_modified, checked_at = excluded.checked_at",
                            (url, etag, last_modified, _now()))

    def item_done(self, feed: str, key: str) -> bool:
        row = self.db.execute("SELECT done FROM items WHERE feed = ? AND key = ?", (feed, key)).fetchone()
        return bool(row and row[0])

    def item_tries(self, feed: str, key: str) -> int:
        row = self.db.execute("SELECT tries FROM items WHERE feed = ? AND key = ?", (feed, key)).fetchone()
        return row[0] if row else 0

    def mark_item(self, feed: str, key: str, article_id: str | None, done: bool) -> None:
        with self.db:
            self.db.execute("INSERT INTO items (feed, key, article_id, tries, done, seen_at) VALUES (?, ?, ?, 1, ?, ?)"
                            " ON CONFLICT(feed, key) DO UPDATE SET article_id = excluded.article_id,"
                            " tries = items.tries + 1, done = excluded.done, seen_at = excluded.seen_at",
                            (feed, key, article_id, int(done), _now()))

    def file_changed(self, path: str, size: int, mtime_ns: int) -> bool:
        row = self.db.execute("SELECT size, mtime_ns FROM files WHERE path = ?", (path,)).fetchone()
        return row is None or tuple(row) != (size, mtime_ns)

    def mark_file(self, path: str, size: int, mtime_ns: int) -> None:
        with self.db:
            self.db.execute("INSERT INTO files VALUES (?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET"
                            " size = excluded.size, mtime_ns = excluded.mtime_ns, seen_at = excluded.seen_at",
                            (path, size, mtime_ns, _now()))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# --- feed items as articles ------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")


def strip_html(fragment: str) -> str:
    """A summary's text: tags dropped (block ends become line breaks), entities decoded."""
    text = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h\d)\b[^>]*>", "\n", fragment)
    text = html.unescape(_TAG.sub("", text))
    lines = [_SPACE.sub(" ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def item_date(entry: Any) -> dt.date | None:
    """The item's date as the outlet wrote it (no conversion to UTC, as the file readers do)."""
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if not raw:
            continue
        day = read_published(raw)
        if day is not None:
            return day
        try:
            return read_published(email.utils.parsedate_to_datetime(raw).date())  # None out of range
        except (TypeError, ValueError, OverflowError):
            pass
        parsed = entry.get(key + "_parsed")
        if parsed:
            try:
                return read_published(dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday))
            except (TypeError, ValueError):
                pass
    return None


def item_key(entry: Any) -> str:
    """The item's identity: its guid/id, else its link, else a hash of its title and summary."""
    key = entry.get("id") or entry.get("link")
    if key:
        return str(key)
    return "sha1:" + hashlib.sha1(f"{entry.get('title', '')}\n{entry.get('summary', '')}".encode()).hexdigest()


def item_article_id(feed_url: str, key: str) -> str:
    """A stable id (the same item gives the same id after a restart)."""
    return "feed-" + hashlib.sha1(f"{feed_url}\n{key}".encode()).hexdigest()[:16]


# --- the watcher -----------------------------------------------------------------------------------

@dataclasses.dataclass
class PollReport:
    """What one poll did."""

    written: dict[str, int] = dataclasses.field(default_factory=lambda: {"new": 0, "updated": 0, "duplicate": 0,
                                                                         "unchanged": 0})
    failed: int = 0
    feeds_not_modified: int = 0
    events_new: int = 0
    stopped: bool = False
    sources: int = 0  # feeds and folders polled
    sources_failed: int = 0  # feeds that could not be fetched or read, folders that could not be listed

    @property
    def all_failed(self) -> bool:
        """Every feed and folder failed (a poll that reached nothing)."""
        return self.sources > 0 and self.sources_failed == self.sources

    @property
    def changed(self) -> int:
        return self.written["new"] + self.written["updated"] + self.written["duplicate"]


class Watcher:
    """Polls feeds and folders and ingests what is new; `run` loops until `stop` is set."""

    def __init__(self, engine: Any, state: State, feeds: list[str], folders: list[str], fetcher: Fetcher,
                 stop: Any = None, dedup: bool = True, settle: float = SETTLE,
                 say: Callable[[str], None] = lambda s: None, allow_private: bool = False) -> None:
        from rasd.store.articles import ArticleWriter

        self.engine = engine
        self.state = state
        self.feeds = feeds
        self.folders = folders
        self.fetcher = fetcher
        self.stop = stop or fetcher.stop
        self.writer = ArticleWriter(engine, dedup=dedup)
        self.say = say
        self.settle = settle
        self.allow_private = allow_private  # item links to loopback, link-local, private addresses
        self.polls = 0
        self.last: PollReport | None = None  # the last poll's report (None: it failed as a whole)

    # one article, its own transaction
    def _write(self, art: Article, report: PollReport) -> bool:
        from rasd.store.articles import ExtractionError

        try:
            written = self.writer.write(art)
        except ExtractionError as exc:
            report.failed += 1
            self.say(f"rasd: {art.path or art.url or art.id}: {exc}")
            return False
        report.written[written.status] += 1
        if written.repairs:  # a feed item's text with NUL or lone surrogates (files are reported as read)
            self.say(f"rasd: {art.url or art.id}: {'; '.join(written.repairs)} (article kept)")
        if written.status != "unchanged":
            self.say(f"rasd: watch: {written.status} {written.article_id} ({written.mentions} mentions)")
        return True

    # feeds
    def _fetch_feed(self, url: str, report: PollReport) -> tuple[str, list[Any], Response] | None:
        """The feed's outlet name and items; None when it is unchanged (304) or cannot be had."""
        import feedparser

        etag, modified = self.state.validators(url)
        try:
            r = self.fetcher.get(url, etag, modified)
        except FetchError as exc:
            report.failed += 1
            report.sources_failed += 1
            self.say(f"rasd: feed {exc}")
            return None
        if r.status == 304:
            report.feeds_not_modified += 1
            return None
        parsed = feedparser.parse(r.body, response_headers={"content-location": r.url,
                                                            "content-type": r.content_type or "application/xml"})
        if parsed.bozo and not parsed.entries:
            report.failed += 1
            report.sources_failed += 1
            self.say(f"rasd: feed {url}: not a feed ({parsed.get('bozo_exception')})")
            return None
        outlet = (parsed.feed.get("title") or "").strip() or urlsplit(url).netloc
        return outlet, list(parsed.entries), r

    def _item_article(self, feed_url: str, outlet: str, entry: Any, key: str) -> tuple[Article | None, bool]:
        """(the item as an Article or None, whether to try again next poll: its page could not be had)."""
        from rasd.ingest.html import extract_html

        link = entry.get("link")
        if not (link and link.startswith(("http://", "https://"))):
            link = None  # feedparser takes a non-URL guid (urn:...) for the link
        content = " ".join(c.get("value", "") for c in entry.get("content") or [])  # Atom's full text, if any
        summary = strip_html(content or entry.get("summary") or entry.get("description") or "")
        text, page_date, meta = None, None, {"feed": feed_url, "feed_item": key}
        if link:
            try:
                # a feed is the operator's choice, its links are not: they must lead to public
                # addresses (or to the feed's own server)
                r = self.fetcher.get(link, public_only=not self.allow_private, trusted=feed_url)
                page = extract_html(r.body, url=r.url)
                text, page_date = page.text, page.date
            except Refused as exc:  # trying again would give the same answer
                self.say(f"rasd: page {exc}: the item's summary is used")
            except FetchError as exc:
                if self.state.item_tries(feed_url, key) + 1 < FEED_FALLBACK_POLLS or not summary:
                    self.say(f"rasd: page {exc} (tried again next poll)")
                    return None, True
                self.say(f"rasd: page {exc}: the item's summary is used")
            except Exception as exc:  # a page trafilatura cannot read: the summary will do
                self.say(f"rasd: page {link}: HTML extraction failed: {exc}")
        if not text or not text.strip():
            text = summary
        if not text.strip():
            self.say(f"rasd: feed {feed_url}: item {key}: no text (neither page nor summary)")
            return None, False
        title = strip_html(entry.get("title") or "") or None
        published = item_date(entry) or read_published(page_date)
        return Article(id=item_article_id(feed_url, key), text=text, title=title, url=link, outlet=outlet,
                       published=published, meta=meta), False

    def poll_feeds(self, report: PollReport) -> None:
        for url in self.feeds:
            if self.stop.is_set():
                return
            report.sources += 1
            got = self._fetch_feed(url, report)
            if got is None:
                continue
            outlet, entries, r = got
            complete = True
            for entry in entries:
                if self.stop.is_set():
                    return  # validators not kept: the next poll reads this feed in full again
                key = item_key(entry)
                if self.state.item_done(url, key):
                    continue
                art, later = self._item_article(url, outlet, entry, key)
                if later:
                    self.state.mark_item(url, key, None, done=False)
                    complete = False
                    continue
                if art is None:
                    report.failed += 1
                    self.state.mark_item(url, key, None, done=True)
                    continue
                self._write(art, report)
                self.state.mark_item(url, key, art.id, done=True)
            if complete:  # a 304 next time is safe only when no item waits for its page
                self.state.set_validators(url, r.etag, r.last_modified)

    # folders
    def _scan(self, folder: str) -> Iterator[tuple[str, int, int]]:
        """(path, size, mtime_ns) of readable files under folder (sidecars included), sorted."""
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                suffix = _suffix_of(name)
                if suffix is None:
                    continue
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                yield path, st.st_size, st.st_mtime_ns

    def poll_folders(self, report: PollReport) -> None:
        now = time.time_ns()
        for folder in self.folders:
            report.sources += 1
            try:
                os.scandir(folder).close()
            except OSError as exc:
                report.failed += 1
                report.sources_failed += 1
                self.say(f"rasd: folder {folder}: cannot list: {exc.strerror or exc}")
                continue
            changed = [(p, s, m) for p, s, m in self._scan(folder) if self.state.file_changed(p, s, m)]
            ready = [(p, s, m) for p, s, m in changed if now - m >= self.settle * 1e9]
            paths = set()
            for p, _s, _m in ready:  # a changed sidecar means its article is read again
                if _suffix_of(os.path.basename(p)) == SIDECAR_SUFFIX:
                    stem = p[: -len(SIDECAR_SUFFIX)]
                    paths |= {stem + ext for ext in (".txt", ".html", ".htm") if os.path.exists(stem + ext)}
                else:
                    paths.add(p)
            for path in sorted(paths):
                if self.stop.is_set():
                    return
                for item in iter_articles([path]):
                    if isinstance(item, ReadError):
                        report.failed += 1
                        self.say(f"rasd: {item}")
                        continue
                    self._write(item, report)
                    if self.stop.is_set():
                        break  # the rest of a JSONL file is read again next time (unchanged ones cost no work)
                if self.stop.is_set():
                    return
            for p, s, m in ready:
                if p in paths or _suffix_of(os.path.basename(p)) == SIDECAR_SUFFIX:
                    self.state.mark_file(p, s, m)

    def poll(self) -> PollReport:
        """One pass over feeds and folders, then linking of what was written."""
        from rasd.store.linking import relink

        report = PollReport()
        self.poll_feeds(report)
        if not self.stop.is_set():
            self.poll_folders(report)
        if report.changed:
            res = relink(self.engine)
            report.events_new = len(res.inserted)
        report.stopped = self.stop.is_set()
        self.polls += 1
        return report

    def run(self, interval: float, max_polls: int | None = None,
            on_poll: Callable[[PollReport], None] = lambda r: None) -> int:
        """Poll every `interval` seconds until stopped (or after max_polls); returns the number of polls."""
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                report = self.poll()
            except Exception as exc:  # a daemon outlives one bad poll (a database restart, an odd feed)
                self.polls += 1
                self.last = None
                self.say(f"rasd: watch: poll failed: {exc!r}")
            else:
                self.last = report
                on_poll(report)
            if max_polls is not None and self.polls >= max_polls:
                break
            self.stop.wait(max(0.0, interval - (time.monotonic() - started)))
        return self.polls

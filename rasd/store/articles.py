"""Writing articles: one transaction per article (its row, its replaced version, its mentions).

An article is recognised by its id, else by its URL when its text is a version of the stored
one (at least half of the shingles of the shorter text are in the other: an edit, an update, a
longer rewrite); two different texts that share a URL under their own ids are two articles, so
re-runs and input orders give the same database. The same text again changes nothing (sha256 of
the text); a new text keeps the old one in `article_versions`, re-extracts, and drops the events
the old mentions belonged to, leaving their other mentions unlinked (event_id NULL) for the next
linking pass. New mentions are written unlinked too, so a crash between an article's commit and
the linking leaves nothing half-done: `relink` picks up every mention with a NULL event_id.

Another process writing the same article at the same moment makes the insert collide on a key:
the write is then tried again, finds that article stored, and is "unchanged" (or a new version).
Every article is cleaned first (`rasd.ingest.clean`: no lone surrogate, no NUL), so any backend
stores it; what was changed is in `Written.repairs`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, and_, bindparam, delete, insert, literal, or_, select, update
from sqlalchemy.exc import DataError, IntegrityError, StatementError

from rasd.doc import Article
from rasd.ingest.clean import TooDeep, clean_article
from rasd.link.dedup import band_keys, shingles, signature_of, similarity
from rasd.store.models import Article as ArticleRow
from rasd.store.models import ArticleBand, ArticleVersion, Event, EventActor, EventSource, Evidence, Mention

articles_t = ArticleRow.__table__
versions_t = ArticleVersion.__table__
bands_t = ArticleBand.__table__
NEAR_THRESHOLD = 0.8  # estimated Jaccard similarity of shingles above which a text is a copy
mentions_t = Mention.__table__
events_t = Event.__table__
_LOOKUP = select(articles_t.c.id, articles_t.c.url, articles_t.c.content_hash, articles_t.c.version,
                 articles_t.c.ingested_at).where(or_(
                     articles_t.c.id == bindparam("id"), articles_t.c.url == bindparam("url"),
                     articles_t.c.content_hash == bindparam("hash")))
CHUNK = 500  # ids per IN (...) list: far below every backend's parameter limit
SAME_STORY = 0.5  # share of the shorter text's shingles found in the other: a version of one article
SAME_URL_READ = 50  # stored texts of one URL compared with a new text
ATTEMPTS = 4  # writes of one article when another process writes the same rows at the same moment

Extractor = Callable[[Article], list[dict[str, Any]]]


class ExtractionError(Exception):
    """The pipeline failed on one article: reported as a bad item, the run goes on."""


class _Moved(Exception):
    """The stored article changed between this write's lookup and its transaction."""


class UnstorableArticle(ExtractionError):
    """The article cannot be stored (metadata nested too deeply, a value the database refuses):
    reported as a bad item like an extraction failure, and the run goes on."""


def default_extractor(article: Article) -> list[dict[str, Any]]:
    """The article's mentions, recalled events included: a recall joins the stored incident it
    points to as a "mentions" source, or stays a `background` event (hidden by default)."""
    from rasd.extract.events import mentions_of
    from rasd.pipeline import make_doc

    return mentions_of(make_doc(article, acts_only=True), include_background=True)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def containment(a: str, b: str) -> float:
    """The share of the shorter text's shingles (rasd.link.dedup) found in the other one."""
    sa, sb = set(shingles(a)), set(shingles(b))
    if not sa or not sb:
        return 1.0 if a.strip() == b.strip() else 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    buf: list[Any] = []
    for x in items:
        buf.append(x)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def release_events(conn: Connection, event_ids: Iterable[str]) -> int:
    """Delete events with their child rows; their mentions become unlinked (event_id NULL)."""
    n = 0
    for part in chunks(sorted(set(event_ids))):
        conn.execute(update(mentions_t).where(mentions_t.c.event_id.in_(part)).values(event_id=None))
        for child in (Evidence.__table__, EventActor.__table__, EventSource.__table__):
            conn.execute(delete(child).where(child.c.event_id.in_(part)))
        n += conn.execute(delete(events_t).where(events_t.c.id.in_(part))).rowcount or 0
    return n


def mention_row(rec: dict[str, Any], article_id: str) -> dict[str, Any]:
    day = rec.get("event_date")
    return {"id": rec["id"], "article_id": article_id, "event_id": None, "report_kind": rec["report_kind"],
            "country": rec.get("country"), "admin1": rec.get("admin1"),
            "event_date": dt.date.fromisoformat(day) if day else None, "record": rec}


@dataclasses.dataclass
class Written:
    """What happened to one article: new, updated, duplicate (new, near-copy of another) or unchanged."""

    status: str
    article_id: str
    mentions: int = 0
    duplicate_of: str | None = None
    released: set[str] = dataclasses.field(default_factory=set)  # events dropped with the old mentions
    repairs: list[str] = dataclasses.field(default_factory=list)  # what cleaning changed (rasd.ingest.clean)


@lru_cache(maxsize=4)
def _near_query(bands: tuple[int, ...]) -> Any:
    """Stored articles sharing a band key with :k0, :k1, ... (built once: building it costs more than running it).

    An OR of (band = n AND key = :kn), which every backend answers with lookups on (band, key).
    """
    b, a = bands_t.c, articles_t.c
    shares = select(b.article_id).where(or_(*(and_(b.band == n, b.key == bindparam(f"k{n}")) for n in bands)))
    return (select(a.id, a.signature, a.ingested_at)
            .where(a.id.in_(shares), a.id != bindparam("id"), a.signature.is_not(None)))


class ArticleWriter:
    """Writes articles one transaction each; keeps the near-duplicate index of the database."""

    def __init__(self, engine: Engine, extractor: Extractor = default_extractor, dedup: bool = True) -> None:
        self.engine = engine
        self.extractor = extractor
        self.dedup = dedup

    # --- near duplicates ----------------------------------------------------------------------
    def _near_duplicate_of(self, conn: Connection, art: Article) -> tuple[str | None, bytes | None,
                                                                          list[tuple[int, int]]]:
        """The earliest stored near-copy of the article (by ingestion), its signature and band keys.

        Candidates share an LSH band key in `article_bands`; each is confirmed by the estimated
        Jaccard similarity of the signatures (bands alone let through pairs below the threshold).
        """
        if not self.dedup:
            return None, None, []
        sig = signature_of(art.text)
        keys = band_keys(sig)
        if not keys:
            return None, sig, keys
        params = {f"k{band}": key for band, key in keys}
        rows = conn.execute(_near_query(tuple(band for band, _ in keys)), {"id": art.id, **params}).all()
        found = []
        for aid, other, at in rows:
            try:
                if similarity(sig, bytes(other)) >= NEAR_THRESHOLD:
                    found.append((at, aid))
            except ValueError:  # a signature of another format
                continue
        return (min(found)[1] if found else None), sig, keys

    @staticmethod
    def _version_of(conn: Connection, art: Article, same_url: list[Any]) -> Any:
        """The stored article of the same URL whose text this one is a version of (None: another story)."""
        if not same_url:
            return None
        if len(same_url) > SAME_URL_READ:  # a URL many items share (a home page): the latest are enough
            recent = sorted(same_url, key=lambda r: (r["ingested_at"], r["id"]))[-SAME_URL_READ:]
            same_url = sorted(recent, key=lambda r: r["id"])
        texts = dict(conn.execute(select(articles_t.c.id, articles_t.c.text)
                                  .where(articles_t.c.id.in_([r["id"] for r in same_url]))).all())
        best, score = None, SAME_STORY
        for r in same_url:  # sorted by id: ties go to the smallest
            c = containment(art.text, texts.get(r["id"]) or "")
            if c > score or (best is None and c >= score):
                best, score = r, c
        return best

    # --- writing ------------------------------------------------------------------------------
    def write(self, art: Article) -> Written:
        """Store one article (its own transaction); raises ExtractionError when the pipeline fails on it
        (UnstorableArticle when the article cannot be stored)."""
        try:
            art, repairs = clean_article(art)
        except TooDeep as exc:
            raise UnstorableArticle(str(exc)) from None
        memo: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for attempt in range(ATTEMPTS):
            try:
                written = self._write(art, memo)
            except (IntegrityError, _Moved) as exc:  # another process wrote this article meanwhile: look again
                if attempt == ATTEMPTS - 1:
                    raise UnstorableArticle(f"cannot store: it kept changing under other writers ({exc!r})") from exc
                continue
            except (DataError, StatementError) as exc:
                if isinstance(exc, DataError) or isinstance(getattr(exc, "orig", None), (UnicodeError, ValueError)):
                    raise UnstorableArticle(f"cannot store: {exc.orig or exc}") from exc
                raise
            written.repairs = repairs
            return written
        raise AssertionError("unreachable")

    def _extract(self, art: Article, memo: dict[tuple[str, str], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        key = (art.id, art.text)
        if key not in memo:
            try:
                memo[key] = self.extractor(art)
            except Exception as exc:  # one bad article must not sink the run
                raise ExtractionError(f"extraction failed: {exc!r}") from exc
        return memo[key]

    def _write(self, art: Article, memo: dict[tuple[str, str], list[dict[str, Any]]]) -> Written:
        digest = content_hash(art.text)
        with self.engine.connect() as conn:  # one query finds the same id, the same URL and the same text
            rows = conn.execute(_LOOKUP, {"id": art.id, "url": art.url, "hash": digest}).mappings().all()
            old = next((r for r in rows if r["id"] == art.id), None)
            if old is None and art.url:
                same_url = sorted((r for r in rows if r["url"] == art.url), key=lambda r: r["id"])
                old = next((r for r in same_url if r["content_hash"] == digest), None) \
                    or self._version_of(conn, art, same_url)
            if old is not None:
                if old["content_hash"] == digest:
                    # the same article again; under another id (same URL and text) a duplicate, not kept twice
                    return Written("unchanged" if old["id"] == art.id else "duplicate", old["id"])
                if old["id"] != art.id:  # same URL under another id: a new version of the stored article
                    art = dataclasses.replace(art, id=old["id"])
            near, sig, keys = self._near_duplicate_of(conn, art)
        records = self._extract(art, memo)
        same_text = sorted((r["ingested_at"], r["id"]) for r in rows
                           if r["content_hash"] == digest and r["id"] != art.id)
        dup = same_text[0][1] if same_text else near
        now = dt.datetime.now(dt.UTC)
        fields = {"url": art.url, "outlet": art.outlet, "published": art.published, "title": art.title,
                  "text": art.text, "path": art.path, "meta": art.meta or None, "content_hash": digest,
                  "signature": sig, "ingested_at": now, "duplicate_of": dup}
        released: set[str] = set()
        with self.engine.begin() as conn:
            if old is None:
                conn.execute(insert(articles_t), {"id": art.id, "version": 1, **fields})
            else:
                a = articles_t.c
                current = and_(a.id == art.id, a.version == old["version"])  # as read: else another writer was first
                conn.execute(insert(versions_t).from_select(
                    ["article_id", "version", "title", "text", "content_hash", "replaced_at"],
                    select(a.id, a.version, a.title, a.text, a.content_hash, literal(now, DateTime(timezone=True)))
                    .where(current)))
                if conn.execute(update(articles_t).where(current)
                                .values(version=old["version"] + 1, **fields)).rowcount != 1:
                    raise _Moved  # rolls this transaction back; the write is tried again
                released = self._forget_mentions(conn, art.id)
                conn.execute(delete(bands_t).where(bands_t.c.article_id == art.id))
            if keys:
                conn.execute(insert(bands_t), [{"article_id": art.id, "band": band, "key": key} for band, key in keys])
            if records:
                conn.execute(insert(mentions_t), [mention_row(r, art.id) for r in records])
        status = "updated" if old is not None else "duplicate" if dup else "new"
        return Written(status, art.id, len(records), dup, released)

    @staticmethod
    def _forget_mentions(conn: Connection, article_id: str) -> set[str]:
        """Drop an article's mentions and every event they (or it, as a source) were part of."""
        stale = set(conn.execute(select(mentions_t.c.event_id).where(
            mentions_t.c.article_id == article_id, mentions_t.c.event_id.is_not(None))).scalars())
        es = EventSource.__table__
        stale |= set(conn.execute(select(es.c.event_id).where(es.c.article_id == article_id)).scalars())
        conn.execute(delete(mentions_t).where(mentions_t.c.article_id == article_id))
        release_events(conn, stale)
        return stale

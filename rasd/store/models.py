"""The tables of a Rasd database (SQLAlchemy 2 typed declarative models).

Articles and their mentions are the ground truth; events are derived from the mentions by
`rasd.link.merge.link` and can always be rebuilt from them. Every event row keeps the full
contract record (EVENTS.md) as JSON, so reading an event back gives exactly what `link` gave;
the columns beside it are copies of the fields people filter on.

The Alembic migrations in `rasd/store/migrations/versions` create these tables; a test checks
that the two agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so migrations (and SQLite batch mode) can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Article(Base):
    """One article as last read; older texts of the same id/URL are in `article_versions`."""

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    url: Mapped[str | None] = mapped_column(Text, index=True)
    outlet: Mapped[str | None] = mapped_column(String)
    published: Mapped[dt.date | None] = mapped_column(Date)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # MinHash of the text (rasd.link.dedup), so the near-duplicate index is rebuilt without texts
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    duplicate_of: Mapped[str | None] = mapped_column(String, ForeignKey("articles.id", ondelete="SET NULL"))


class ArticleBand(Base):
    """One LSH band key of an article's MinHash (rasd.link.dedup.band_keys): the near-duplicate index.

    Articles sharing a (band, key) are candidates, checked against their signatures' similarity; kept
    in the database so ingesting stays flat in memory however many articles are stored.
    """

    __tablename__ = "article_bands"
    __table_args__ = (Index("ix_article_bands_band_key", "band", "key"),)

    article_id: Mapped[str] = mapped_column(String, ForeignKey("articles.id", ondelete="CASCADE"),
                                            primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger)


class ArticleVersion(Base):
    """A replaced text of an article: a correction must not erase what was first published."""

    __tablename__ = "article_versions"

    article_id: Mapped[str] = mapped_column(String, ForeignKey("articles.id", ondelete="CASCADE"),
                                            primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    replaced_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Place(Base):
    """A gazetteer entry some event is placed at (optional: only places the gazetteer knows)."""

    __tablename__ = "places"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    name_en: Mapped[str | None] = mapped_column(String)
    admin1: Mapped[str | None] = mapped_column(String)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class Event(Base):
    """One incident, merged over every mention of it; `record` is the contract record itself."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    report_kind: Mapped[str] = mapped_column(String)
    event_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    date_end: Mapped[dt.date | None] = mapped_column(Date)
    time_precision: Mapped[int | None] = mapped_column(Integer)
    disorder_type: Mapped[str | None] = mapped_column(String)
    event_type: Mapped[str | None] = mapped_column(String, index=True)
    sub_event_type: Mapped[str | None] = mapped_column(String)
    country: Mapped[str | None] = mapped_column(String)
    admin1: Mapped[str | None] = mapped_column(String, index=True)
    admin2: Mapped[str | None] = mapped_column(String)
    admin3: Mapped[str | None] = mapped_column(String)
    location: Mapped[str | None] = mapped_column(String)
    location_ar: Mapped[str | None] = mapped_column(String)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    geo_precision: Mapped[int | None] = mapped_column(Integer)
    fatalities: Mapped[int | None] = mapped_column(Integer)
    injured: Mapped[int | None] = mapped_column(Integer)
    arrested: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    # notes, location and location_ar in rasd.arabic.normalize's view, for `rasd events --text`
    search: Mapped[str | None] = mapped_column(Text)
    place_id: Mapped[str | None] = mapped_column(String, ForeignKey("places.id", ondelete="SET NULL"))
    n_sources: Mapped[int] = mapped_column(Integer, default=1)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the event's rows of the CSV and ACLED exports, made when it is written (rasd.export.csv_line, acled_line)
    # by the mapping `lines_stamp` names; an export makes a row again when the stamp is another
    csv_line: Mapped[str | None] = mapped_column(Text)
    acled_line: Mapped[str | None] = mapped_column(Text)
    lines_stamp: Mapped[str | None] = mapped_column(String)
    # the GeoJSON Feature's text up to its properties and the byte range of the coordinates in `record`
    # (rasd.export.geo_columns), so SQLite makes the Feature itself; set to NULL by a trigger when the record
    # changes without them (migration 0016)
    geo_head: Mapped[str | None] = mapped_column(Text)
    geo_cut: Mapped[int | None] = mapped_column(Integer)
    geo_cut_end: Mapped[int | None] = mapped_column(Integer)


class Mention(Base):
    """One incident as one article tells it (the output of `mentions_of`), and its event.

    report_kind, country, admin1 and event_date are copied out of the record so linking can
    load the mentions an event may share without reading them all.
    """

    __tablename__ = "mentions"
    __table_args__ = (Index("ix_mentions_window", "report_kind", "country", "admin1", "event_date"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    article_id: Mapped[str] = mapped_column(String, ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str | None] = mapped_column(String, ForeignKey("events.id", ondelete="SET NULL"),
                                                 index=True)
    report_kind: Mapped[str] = mapped_column(String)
    country: Mapped[str | None] = mapped_column(String)
    admin1: Mapped[str | None] = mapped_column(String)
    event_date: Mapped[dt.date | None] = mapped_column(Date)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class EventSource(Base):
    """An article behind an event, with the figures that article alone gives."""

    __tablename__ = "event_sources"

    event_id: Mapped[str] = mapped_column(String, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[str] = mapped_column(String, ForeignKey("articles.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)
    mention_id: Mapped[str | None] = mapped_column(String)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)


class Evidence(Base):
    """The words of an article behind one field of an event (offsets into the original text)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String, ForeignKey("events.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[str] = mapped_column(String, ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class Actor(Base):
    """A registry actor (rasd/data/actors.csv)."""

    __tablename__ = "actors"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    inter: Mapped[int | None] = mapped_column(Integer)


class EventActor(Base):
    __tablename__ = "event_actors"

    event_id: Mapped[str] = mapped_column(String, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String, ForeignKey("actors.key"), primary_key=True, index=True)
    side: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str | None] = mapped_column(String)


TABLES = [Article.__table__, ArticleVersion.__table__, Place.__table__, Event.__table__, Mention.__table__,
          EventSource.__table__, Evidence.__table__, Actor.__table__, EventActor.__table__]


# --- analysts: API tokens and their edits (migration 0002) -----------------------------------------------

class ApiToken(Base):
    """A bearer token for the API's writes; only its sha256 is kept, so a leaked database leaks no token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Edit(Base):
    """An analyst's correction of a field, merge, split or confirmation (rasd.store.corrections).

    Events are rebuilt by linking, so an edit is anchored on mentions (`edit_mentions`), not on an
    event id; `event_id` is only where the edit currently applies, kept up to date by linking.
    """

    __tablename__ = "edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String)  # correction | merge | split | confirm
    event_id: Mapped[str | None] = mapped_column(String, index=True)
    field: Mapped[str | None] = mapped_column(String)
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)
    who: Mapped[str] = mapped_column(String)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)  # the analyst's why, shown in the history


class EditMention(Base):
    """A mention an edit is anchored on, with what identifies it again after its article is re-extracted."""

    __tablename__ = "edit_mentions"

    edit_id: Mapped[int] = mapped_column(Integer, ForeignKey("edits.id", ondelete="CASCADE"), primary_key=True)
    mention_id: Mapped[str] = mapped_column(String, primary_key=True)
    # anchor (correction); a / b (the two merged events); s / r (split off / remaining)
    role: Mapped[str] = mapped_column(String)
    article_id: Mapped[str] = mapped_column(String, index=True)
    fingerprint: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# Filtered, sorted pages of /api/events (benchmarks/bench_api.py): an event row carries its whole record
# (kilobytes), so a query that scans rows reads the whole table. "browse" covers every column the API
# filters and sorts on (text search included), so counts, bbox and text filters and sorts scan it instead;
# the other two are seeks.
# Migration 0008 adds the report kind and the country, the filters of every list (incidents first), at the end.
_KIND = (Event.report_kind, Event.country)
# Migration 0017 adds the other of governorate and type, and the sub-type, at the end: a page of a rare type in a
# governorate walks one of these in date order and tests the type there, never in the table's rows (kilobytes)
Index("ix_events_admin1_event_date", Event.admin1, Event.event_date, Event.id, *_KIND, Event.event_type,
      Event.sub_event_type)
Index("ix_events_event_type_event_date", Event.event_type, Event.event_date, Event.id, *_KIND, Event.admin1,
      Event.sub_event_type)
Index("ix_events_browse", Event.event_date, Event.id, Event.admin1, Event.event_type, Event.sub_event_type,
      Event.latitude, Event.longitude, Event.fatalities, Event.injured, Event.arrested, Event.n_sources,
      Event.confidence, Event.location, Event.search, *_KIND)
# migration 0004: a filter combined with the default sort, and every other sort key with its tie (id); on
# SQLite also ix_events_location_lower (lower(location), id, report_kind, country) and the structures of
# rasd.store.accel
Index("ix_events_sub_event_type_event_date", Event.sub_event_type, Event.event_date, Event.id, *_KIND)
for _col in ("admin1", "event_type", "sub_event_type", "fatalities", "injured", "arrested", "n_sources",
             "confidence"):
    Index(f"ix_events_{_col}_id", Event.__table__.c[_col], Event.id, *_KIND)

TABLES += [ApiToken.__table__, Edit.__table__, EditMention.__table__]

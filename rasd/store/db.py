"""Where the database is, how to connect to it, and bringing its schema up to date.

SQLite by default (one file in the user's data directory), PostgreSQL with a
``postgresql://`` URL (driven by psycopg 3). The schema is owned by the Alembic migrations
shipped in `rasd/store/migrations`; they run programmatically, so no alembic.ini is needed.
"""

from __future__ import annotations

import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision in migrations/versions (a test keeps the two in step): a database already
# there is recognised with one query, without importing Alembic.
SCHEMA_HEAD = "0017"


def default_path() -> Path:
    """`$XDG_DATA_HOME/rasd/rasd.db`, else `~/.local/share/rasd/rasd.db`."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "rasd" / "rasd.db"


def resolve_url(db: str | None = None) -> str:
    """The SQLAlchemy URL for `--db` (URL or file path), else `$RASD_DB`, else the default file.

    Plain ``postgresql://`` / ``postgres://`` URLs are rewritten to use psycopg 3.
    """
    value = db or os.environ.get("RASD_DB") or str(default_path())
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().resolve())
    for plain in ("postgresql://", "postgres://"):
        if value.startswith(plain):
            return "postgresql+psycopg://" + value[len(plain):]
    return value


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def json_text(obj: Any) -> str:
    """JSON as Rasd writes it, in the JSON columns and the API's answers: Arabic stays readable (and half the
    size)."""
    return json.dumps(obj, ensure_ascii=False, default=str)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL + synchronous=NORMAL: a commit is durable against a process crash and costs no fsync
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


SUPPORTED = ("a file path", "sqlite:///PATH", "postgresql://USER@HOST/DB")


class DatabaseError(RuntimeError):
    """A database Rasd cannot open as asked: a one-line message for the user, no traceback."""


def make_engine(url: str) -> Engine:
    """An engine with the settings Rasd relies on (SQLite: WAL, foreign keys ON).

    A new SQLite file is made only in a folder that exists (a mistyped --db must not leave a tree
    of folders behind); the default location's folder is the one Rasd creates itself."""
    try:
        u = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError: not a URL at all
        raise DatabaseError(f"{url!r} is not a database URL; use {', '.join(SUPPORTED)}") from exc
    backend = u.get_backend_name()
    if backend == "sqlite":
        if u.database and u.database != ":memory:":
            folder = Path(u.database).parent
            if folder == default_path().parent:
                folder.mkdir(parents=True, exist_ok=True)
            elif not folder.is_dir():
                raise DatabaseError(f"{u.database}: the folder {folder} does not exist (create it first)")
        engine = create_engine(url, json_serializer=json_text)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend != "postgresql":
        raise DatabaseError(f"unsupported database {backend}:// in {display_url(url)}; use {', '.join(SUPPORTED)}")
    return create_engine(url, json_serializer=json_text, pool_pre_ping=True)


def alembic_config(engine: Engine | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database (None when it has no Rasd schema yet)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, quiet: bool = False) -> tuple[str | None, str]:
    """Apply pending migrations; returns (revision before, head). Says so on stderr when it acts."""
    before = current_revision(engine)
    if before == SCHEMA_HEAD:
        return before, SCHEMA_HEAD
    from alembic import command
    from alembic.util import CommandError

    head = head_revision()
    if before != head:
        cfg = alembic_config(engine)
        try:
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except CommandError as exc:  # e.g. a schema written by a newer rasd
            raise RuntimeError(f"cannot bring schema {before} to {head}: {exc}") from exc
        if not quiet:
            what = "created" if before is None else f"upgraded from {before}"
            print(f"rasd: database {display_url(str(engine.url))} {what} (schema {head})", file=sys.stderr)
    return before, head


def open_db(db: str | None = None, quiet: bool = False) -> Engine:
    """Connect and make sure the schema is current: every command that opens a database does this."""
    engine = make_engine(resolve_url(db))
    upgrade(engine, quiet=quiet)
    return engine

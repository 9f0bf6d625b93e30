"""Bearer tokens for the API's writes: random, shown once, stored as sha256 only.

A token is 32 random bytes (URL-safe base64) behind a ``rasd_`` prefix, so it is recognisable in a
config file or a leak scanner. The database keeps its sha256: a copy of the database does not
give anyone the right to write. Tokens are looked up by that hash (an indexed equality), so the
comparison leaks no timing information about a real token.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets

from sqlalchemy import Engine, insert, select, update

from rasd.store.models import ApiToken

tokens_t = ApiToken.__table__
PREFIX = "rasd_"


@dataclasses.dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, name: str) -> str:
    """A new token for `name` (who the edits made with it are recorded as); the only time it is seen."""
    token = PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(insert(tokens_t), {"name": name, "token_hash": hash_token(token),
                                        "created_at": dt.datetime.now(dt.UTC)})
    return token


def check_token(engine: Engine, token: str | None) -> str | None:
    """The name of the token's holder, or None for a missing, unknown or revoked token."""
    if not token:
        return None
    t = tokens_t.c
    with engine.begin() as conn:
        row = conn.execute(select(t.id, t.name).where(t.token_hash == hash_token(token),
                                                      t.revoked_at.is_(None))).first()
        if row is None:
            return None
        conn.execute(update(tokens_t).where(t.id == row.id).values(last_used_at=dt.datetime.now(dt.UTC)))
    return row.name


def list_tokens(engine: Engine) -> list[TokenInfo]:
    t = tokens_t.c
    with engine.connect() as conn:
        rows = conn.execute(select(t.id, t.name, t.created_at, t.last_used_at, t.revoked_at).order_by(t.id))
        return [TokenInfo(*r) for r in rows]


def revoke_token(engine: Engine, token_id: int) -> bool:
    """Revoke by id (from `list_tokens`); False when there is no such live token."""
    t = tokens_t.c
    with engine.begin() as conn:
        res = conn.execute(update(tokens_t).where(t.id == token_id, t.revoked_at.is_(None))
                           .values(revoked_at=dt.datetime.now(dt.UTC)))
        return bool(res.rowcount)

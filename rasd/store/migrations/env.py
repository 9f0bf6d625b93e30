"""Alembic environment: run by rasd.store.db with a live connection in `config.attributes`.

Run from the command line too (``alembic -x db=URL ...`` with a config whose script_location
is this folder), e.g. to autogenerate a revision after changing rasd/store/models.py.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from rasd.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from rasd.store.db import make_engine, resolve_url

    url = context.get_x_argument(as_dictionary=True).get("db") or config.get_main_option("sqlalchemy.url")
    engine = make_engine(resolve_url(url))
    with engine.begin() as conn:
        _run(conn)


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()

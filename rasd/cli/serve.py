"""Commands for the API and the dashboard: `rasd serve`, `rasd token ...` and `rasd demo`.

The main CLI attaches them with `attach(main)`; standalone: ``python -m rasd.cli.serve serve``.
The server binds 127.0.0.1 unless told otherwise: reads need no token, so putting it on a
network is a decision to take with `--host`.
"""

from __future__ import annotations

import errno
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from rasd.cli.common import DB_OPTION, _fail, _open, attacher, standalone

PORT_OPTION = click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
                           help="Port (0: any free one).")
HOST_OPTION = click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
TILE_OPTION = click.option("--tile-url", envvar="RASD_TILE_URL", metavar="URL",
                           help="Map tiles to offer (a URL template such as https://tiles.example.org/{z}/{x}/{y}.png; "
                                "default $RASD_TILE_URL, else none: the map works offline).")
TILE_ATTR_OPTION = click.option("--tile-attribution", envvar="RASD_TILE_ATTRIBUTION", metavar="TEXT",
                                help="Attribution the tile server requires.")


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (for --port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound before anything is printed: a busy port is one clear line, not a traceback
    after "serving". (0: any free port.)"""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        why = "the port is in use" if exc.errno in (errno.EADDRINUSE, errno.EACCES) else exc.strerror or str(exc)
        _fail(f"cannot serve on {host}:{port}: {why} (choose another with --port, or --port 0 for any free one)")
    sock.listen(2048)
    return sock


def _run(engine: Any, sock: socket.socket, tile_url: str | None, tile_attribution: str | None) -> None:
    import uvicorn

    from rasd.api import Settings, create_app

    app = create_app(Settings(tile_url=tile_url or None, tile_attribution=tile_attribution or None), engine)
    uvicorn.Server(uvicorn.Config(app, log_level="info", access_log=False)).run(sockets=[sock])


@click.command()
@DB_OPTION
@HOST_OPTION
@PORT_OPTION
@TILE_OPTION
@TILE_ATTR_OPTION
def serve(db: str | None, host: str, port: int, tile_url: str | None, tile_attribution: str | None) -> None:
    """Serve the dashboard at / and the JSON API at /api (documentation at /docs)."""
    from rasd.store.db import display_url

    engine = _open(db)
    sock = listen(host, port)
    port = sock.getsockname()[1]
    click.echo(f"rasd: serving {display_url(str(engine.url))} at http://{host}:{port}/", err=True)
    _run(engine, sock, tile_url, tile_attribution)


@click.group()
def token() -> None:
    """Tokens for the API's writes (ingest, corrections, merges, splits)."""


@token.command("create")
@DB_OPTION
@click.option("--name", default="analyst", show_default=True,
              help="Whose token: edits made with it are recorded under this name.")
def token_create(db: str | None, name: str) -> None:
    """Print a new token (shown once; the database keeps only its sha256)."""
    from rasd.store.tokens import create_token

    click.echo(create_token(_open(db), name))


@token.command("list")
@DB_OPTION
def token_list(db: str | None) -> None:
    """The tokens (id, name, created, last used, revoked); never the tokens themselves."""
    from rasd.store.tokens import list_tokens

    for t in list_tokens(_open(db)):
        click.echo(f"{t.id}\t{t.name}\t{_when(t.created_at)}\t{_when(t.last_used_at)}\t"
                   f"{'revoked ' + _when(t.revoked_at) if t.revoked_at else 'active'}")


def _when(t: Any) -> str:
    return t.isoformat(timespec="seconds") if t else "-"


@token.command("revoke")
@DB_OPTION
@click.argument("token_id", type=int)
def token_revoke(db: str | None, token_id: int) -> None:
    """Revoke a token by its id (from `rasd token list`)."""
    from rasd.store.tokens import revoke_token

    if not revoke_token(_open(db), token_id):
        click.echo(f"rasd: no active token {token_id}", err=True)
        sys.exit(1)


def ingest_samples(engine: Any) -> int:
    """The bundled sample articles into the database, linked; returns the number of events."""
    from sqlalchemy import func, select

    from rasd.cli.common import Batch
    from rasd.store.articles import ArticleWriter
    from rasd.store.linking import relink
    from rasd.store.models import Event

    writer = ArticleWriter(engine)
    for art in Batch((), samples=True).articles():
        writer.write(art)
    relink(engine)
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Event.__table__)).scalar_one()


@click.command()
@click.option("--db", "db", metavar="URL", help="Database to fill (default: a new temporary file).")
@HOST_OPTION
@PORT_OPTION
@TILE_OPTION
@TILE_ATTR_OPTION
def demo(db: str | None, host: str, port: int, tile_url: str | None, tile_attribution: str | None) -> None:
    """Ingest the bundled sample articles into a fresh database and serve the dashboard on them."""
    from rasd.store.tokens import create_token

    with tempfile.TemporaryDirectory(prefix="rasd-demo-") as tmp:
        sock = listen(host, port)
        port = sock.getsockname()[1]
        engine = _open(db or str(Path(tmp) / "demo.db"))
        n = ingest_samples(engine)
        tok = create_token(engine, "demo")
        click.echo(f"rasd demo: {n} events from the bundled samples; token for writes: {tok}", err=True)
        click.echo(f"http://{host}:{port}/")
        sys.stdout.flush()
        try:
            _run(engine, sock, tile_url, tile_attribution)
        finally:
            engine.dispose()


COMMANDS = [serve, token, demo]
attach = attacher(COMMANDS)
cli = standalone(COMMANDS, "The server commands on their own (python -m rasd.cli.serve).")

if __name__ == "__main__":
    cli()

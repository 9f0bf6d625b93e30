"""Commands over the Rasd database: `rasd ingest`, `rasd events`, `rasd export` and `rasd db ...`.

Each command takes `--db URL` (a SQLAlchemy URL, a plain ``postgresql://`` URL or a file path;
default `$RASD_DB`, else ``rasd.db`` in the user's data directory) and brings the schema up to
date before anything else. The main CLI attaches them with `attach(main)`; standalone:
``python -m rasd.cli.store ingest PATH...``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from rasd.cli.common import DB_OPTION, _fail, _open, attacher, standalone

LINK_EVERY = 5000  # articles written between linking passes: bounds memory on huge runs


class _RunEvents:
    """Event counts of a whole run over several linking passes."""

    def __init__(self) -> None:
        self.alive: dict[str, int] = {}  # events inserted in this run and still there -> sources
        self.preexisting_deleted: set[str] = set()

    def release(self, deleted: set[str]) -> None:
        self.preexisting_deleted |= deleted - self.alive.keys()
        for eid in deleted:
            self.alive.pop(eid, None)

    def add(self, res: Any) -> None:
        self.release(res.deleted)
        self.alive.update(res.inserted)

    @property
    def new(self) -> int:
        return len(self.alive.keys() - self.preexisting_deleted)

    @property
    def merged(self) -> int:
        return sum(1 for n in self.alive.values() if n > 1)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@DB_OPTION
@click.option("--no-dedup", is_flag=True, help="Do not look for near-duplicate articles.")
@click.option("--engine", "run_on", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Extract here, or on a Dask cluster (pip install 'rasd[dask]'); the database is written here.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Dask scheduler of a running cluster (--engine dask).")
@click.option("--workers", type=click.IntRange(1), help="Workers of a local Dask cluster (default: one per core).")
def ingest(paths: tuple[str, ...], db: str | None, no_dedup: bool, run_on: str, scheduler: str | None,
           workers: int | None) -> None:
    """Read articles (files, folders, JSONL(.gz), - for stdin) into the database and link their events.

    Each article is committed on its own; the same text again changes nothing, a new text of a
    known id or URL is a new version. Linking runs after the articles, in its own transaction.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from rasd.cli.common import Batch
    from rasd.store.articles import ArticleWriter, ExtractionError
    from rasd.store.linking import relink

    if run_on == "dask":
        from rasd.engines import dask as dask_engine

        dask_engine.check_options(run_on, scheduler, workers)
    elif scheduler or workers:
        raise click.UsageError("--scheduler and --workers need --engine dask")
    engine = _open(db)
    batch = Batch(paths)
    articles: Any = batch.articles()
    writer = ArticleWriter(engine, dedup=not no_dedup)
    if run_on == "dask":  # extraction on the cluster; writing and linking stay here
        articles = dask_engine.Prefetched(batch, scheduler, workers, report=lambda line: click.echo(line, err=True))
        writer.extractor = articles.extractor
    counts = {"new": 0, "updated": 0, "duplicate": 0, "unchanged": 0}
    run = _RunEvents()
    pending = 0
    try:
        from rasd.cli.common import progress_bar

        for art in progress_bar(iter(articles), "ingest", batch if run_on != "dask" else None):
            try:
                written = writer.write(art)
            except ExtractionError as exc:
                batch.failed += 1
                click.echo(f"rasd: {_name(art)}: {exc}", err=True)
                continue
            if written.repairs:  # the readers clean what they read; this is for other callers' articles
                batch.repaired += 1
                click.echo(f"rasd: {_name(art)}: {'; '.join(written.repairs)} (article kept)", err=True)
            counts[written.status] += 1
            run.release(written.released)
            pending += written.status != "unchanged"
            if pending >= LINK_EVERY:
                run.add(_link(relink, engine))
                pending = 0
        run.add(_link(relink, engine))  # also finishes the linking of an earlier, interrupted run
    except SQLAlchemyError as exc:
        _fail(f"database error: {exc}")
    # every item read is one of these: read = new + updated + unchanged + duplicate + failed
    read = sum(counts.values()) + batch.failed
    click.echo(f"articles: {read} read = {counts['new']} new + {counts['updated']} updated + "
               f"{counts['unchanged']} unchanged + {counts['duplicate']} duplicate + {batch.failed} failed"
               f"{batch.summary()}; events: {run.new} new, {run.merged} merged", err=True)
    if batch.bad:
        sys.exit(1)


def _name(art: Any) -> str:
    from rasd.ingest.readers import article_name

    return article_name(art)


def _link(relink: Any, engine: Any) -> Any:
    """A linking pass; a failure of the linker itself is one line, not a traceback (the articles are stored)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return relink(engine)
    except SQLAlchemyError:
        raise
    except Exception as exc:  # noqa: BLE001  reported, and `rasd db relink` can finish the linking later
        _fail(f"linking failed: {exc!r}; the articles are stored and `rasd db relink` links them", 1)


def _date_arg(_ctx: Any, _param: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.command()
@DB_OPTION
@click.option("--from", "date_from", callback=_date_arg, metavar="DATE", help="Events on or after this day.")
@click.option("--to", "date_to", callback=_date_arg, metavar="DATE", help="Events on or before this day.")
@click.option("--admin1", metavar="X", help="Governorate, as spelled in the data (e.g. \"Deir ez Zor\").")
@click.option("--type", "event_type", metavar="T", help="Event type or sub-event type (e.g. Battles, Arrests).")
@click.option("--actor", metavar="KEY", help="Actor key from the registry (e.g. isis, sy-police).")
@click.option("--text", metavar="Q", help="Words in the notes or the place name (English or Arabic).")
@click.option("--report-kind", type=click.Choice(["incident", "aggregate", "background", "all"]),
              default="incident", show_default=True,
              help="Incidents, tallies (aggregate), recalled events that match no incident (background), or all.")
@click.option("--country", metavar="C", help="The event's country (e.g. Syria, Iraq; case ignored).")
@click.option("--json", "as_json", is_flag=True, help="Contract records, one JSON object per line.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N events.")
def events(db: str | None, date_from: dt.date | None, date_to: dt.date | None, admin1: str | None,
           event_type: str | None, actor: str | None, text: str | None, report_kind: str | None,
           country: str | None, as_json: bool, limit: int | None) -> None:
    """List stored events, oldest first (undated ones last)."""
    from rasd.store.query import iter_events

    engine = _open(db)
    found = iter_events(engine, date_from=date_from, date_to=date_to, admin1=admin1, event_type=event_type,
                        actor=actor, text=text, limit=limit, report_kind=None if report_kind == "all" else report_kind,
                        country=country)
    if as_json:
        for e in found:
            click.echo(json.dumps(e, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for col in ("id", "date", "type", "admin1", "location", "killed", "arrested", "sources"):
        table.add_column(col, no_wrap=col in ("id", "date"),
                         justify="right" if col in ("killed", "arrested", "sources") else "left")
    n = 0
    for e in found:
        n += 1
        table.add_row(e["id"], e.get("event_date") or "-", e.get("sub_event_type") or e.get("event_type") or "-",
                      e.get("admin1") or "-", e.get("location") or "-", _num(e.get("fatalities")),
                      _num(e.get("arrested")), str(len(e.get("sources") or [])))
    Console(width=None if sys.stdout.isatty() else 160).print(table)
    click.echo(f"{n} events", err=True)


def _num(v: Any) -> str:
    return "-" if v is None else str(v)


EXPORT_FORMATS = ("acled-csv", "csv", "jsonl", "geojson", "parquet")
_BINARY = {"parquet"}


def _writer(fmt: str) -> Any:
    from rasd import export

    writers = getattr(export, "WRITERS", {})
    fn = writers.get(fmt) or getattr(export, "write_" + fmt.replace("-", "_"), None)
    if fn is None:
        _fail(f"export format {fmt!r} is not available in this version of rasd.export")
    return fn


@click.command("export")
@DB_OPTION
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not stdout.")
def export_cmd(db: str | None, fmt: str, output: str | None) -> None:
    """Write every stored event, ordered by (event_date, id), in one of the export formats."""
    from rasd.store.query import iter_export

    writer = _writer(fmt)
    if fmt in _BINARY and not output:
        _fail(f"--format {fmt} needs -o FILE")
    engine = _open(db)
    read = [0]

    def counted(events: Iterator[Any]) -> Iterator[Any]:
        for e in events:
            read[0] += 1
            yield e

    found = counted(iter_export(engine, fmt))
    if fmt in _BINARY:
        n = writer(found, output)
    elif output:
        with open(output, "w", encoding="utf-8", newline="") as out:
            n = writer(found, out)
    else:
        n = writer(found, sys.stdout)
    left = f" ({read[0] - n} undated left out: ACLED requires a date)" if isinstance(n, int) and n < read[0] else ""
    click.echo(f"rasd: {n if isinstance(n, int) else '?'} events exported{left}", err=True)


@click.group()
def db() -> None:
    """The event database: schema upgrades, counts, relinking."""


@db.command()
@DB_OPTION
def upgrade(db: str | None) -> None:
    """Create the database or apply pending schema migrations (safe to repeat)."""
    from rasd.store.db import DatabaseError, display_url, make_engine, resolve_url
    from rasd.store.db import upgrade as do_upgrade

    try:
        engine = make_engine(resolve_url(db))
        before, head = do_upgrade(engine)
    except DatabaseError as exc:
        _fail(str(exc))
    if before == head:
        click.echo(f"rasd: database {display_url(str(engine.url))} is up to date (schema {head})", err=True)


@db.command()
@DB_OPTION
def info(db: str | None) -> None:
    """Where the database is, its schema revision and the rows of each table."""
    from rasd.store.db import current_revision, display_url
    from rasd.store.query import counts

    engine = _open(db)
    click.echo(f"database: {display_url(engine.url.render_as_string(hide_password=False))}")
    click.echo(f"schema:   {current_revision(engine)}")
    for table, n in counts(engine).items():
        click.echo(f"{table:17} {n}")


@db.command()
@DB_OPTION
def check(db: str | None) -> None:
    """Look for rows that should not exist (orphans, unlinked mentions); exit 1 when there are any."""
    from rasd.store.query import integrity

    problems = {k: v for k, v in integrity(_open(db)).items() if v}
    for name, n in problems.items():
        click.echo(f"{name}: {n}")
    if problems:
        click.echo("rasd: `rasd db relink` links unlinked mentions", err=True)
        sys.exit(1)
    click.echo("ok")


@db.command()
@DB_OPTION
@click.option("--all", "everything", is_flag=True, help="Drop every event and link all mentions again.")
def relink(db: str | None, everything: bool) -> None:
    """Finish linking unlinked mentions (or, with --all, rebuild every event after the rules changed)."""
    from rasd.store.linking import relink as do_relink
    from rasd.store.linking import relink_all

    engine = _open(db)
    run = _RunEvents()
    run.add(relink_all(engine) if everything else do_relink(engine))
    click.echo(f"events: {run.new} new, {run.merged} merged", err=True)


COMMANDS = [ingest, events, export_cmd, db]
attach = attacher(COMMANDS)
cli = standalone(COMMANDS, "The database commands on their own (python -m rasd.cli.store).")

if __name__ == "__main__":
    cli()

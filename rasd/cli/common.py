"""What every command shares: reading the inputs (Batch), progress bars, writing events, the
`--db` option and opening the database, and how a command module offers its commands (attacher,
standalone). Nothing here imports a command module, so the command modules never import each other."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import click

from rasd.doc import Article


def samples_dir() -> Path:
    return Path(str(resources.files("rasd").joinpath("samples", "articles")))


class Batch:
    """Reads the inputs, reports bad items on stderr as one line each, and remembers failure."""

    def __init__(self, paths: tuple[str, ...], samples: bool = False) -> None:
        from rasd.ingest.readers import ReadProgress

        self.paths = list(paths) + ([str(samples_dir())] if samples else [])
        self.failed = 0
        self.repaired = 0  # items read after a repair (bad bytes, lone surrogates, NUL): reported, exit 1
        self.read = 0
        self.progress = ReadProgress()  # bytes read, for a progress bar with a total

    @property
    def bad(self) -> int:
        """Items that make the run exit 1: failed or repaired."""
        return self.failed + self.repaired

    def report(self, item: Any, say: Callable[[str], None] | None = None) -> None:
        """Print a ReadError on one line and count it (a repaired item's article still follows)."""
        if getattr(item, "repaired", False):
            self.repaired += 1
        else:
            self.failed += 1
        (say or _err)(f"rasd: {item}")

    def articles(self) -> Iterator[Article]:
        from rasd.ingest import ReadError, iter_articles

        for item in iter_articles(self.paths, progress=self.progress):
            if isinstance(item, ReadError):
                self.report(item)
                continue
            self.read += 1
            yield item

    def summary(self) -> str:
        """", N repaired" when items were repaired, for the closing line of a command."""
        return f", {self.repaired} repaired" if self.repaired else ""


def _err(line: str) -> None:
    click.echo(line, err=True)


def progress_bar(items: Iterator[Any], label: str, batch: Batch | None = None) -> Iterator[Any]:
    """A progress bar on stderr when it is a terminal (pipes stay clean). With the batch's files known
    (not stdin), it has a total: the bytes of the input files (of a gzip file, compressed), so it shows
    a percentage, the articles and their rate, and the time left; otherwise the articles and their rate."""
    if not sys.stderr.isatty():
        yield from items
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from rasd.ingest.readers import input_bytes

    total = input_bytes(batch.paths) if batch is not None else None
    columns = [TextColumn(label), BarColumn(), TaskProgressColumn(), TextColumn("{task.fields[n]} articles"),
               TextColumn("{task.fields[rate]}/s"), TimeElapsedColumn()] + ([TimeRemainingColumn()] if total else [])
    with Progress(*columns, transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(label, total=total or None, n=0, rate="-")
        n = 0
        for x in items:
            yield x
            n += 1
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{n / elapsed:.0f}" if elapsed > 0 else "-"
            if total and batch is not None:
                bar.update(task, completed=batch.progress.done, n=n, rate=rate)
            else:
                bar.update(task, advance=1, n=n, rate=rate)


def check_output(output: str | None) -> None:
    """Fail before the work, not after it, when the output cannot be written."""
    if output and not Path(output).resolve().parent.is_dir():
        raise click.ClickException(f"{output}: cannot write: no such folder {Path(output).resolve().parent}")


def write_events(events: list[dict], fmt: str, output: str | None) -> None:
    """Write events in a format to a file or stdout; one clear error when that cannot be done."""
    from rasd.export import BINARY_FORMATS, WRITERS

    if fmt in BINARY_FORMATS and not output:
        raise click.UsageError(f"--format {fmt} is binary: give -o FILE")
    try:
        if output:
            mode = "wb" if fmt in BINARY_FORMATS else "w"
            with open(output, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as out:
                WRITERS[fmt](events, out)
        else:
            WRITERS[fmt](events, sys.stdout)
    except BrokenPipeError:
        # the reader of a pipe stopped early (| head): that is not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as exc:
        raise click.ClickException(f"{output or 'stdout'}: cannot write: {exc.strerror or exc}") from exc


DB_OPTION = click.option("--db", "db", metavar="URL",
                         help="Database URL or SQLite file (default: $RASD_DB, else rasd.db in the data directory).")


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"rasd: {message}", err=True)
    sys.exit(code)


def _open(db: str | None) -> Any:
    from sqlalchemy.exc import SQLAlchemyError

    from rasd.store.db import open_db

    try:
        return open_db(db)
    except (SQLAlchemyError, OSError, RuntimeError) as exc:
        # one line: the driver's first line, without SQLAlchemy's "(Background on this error ...)"
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(f"cannot open database: {first}")


def attacher(commands: Sequence[click.Command]) -> Callable[[click.Group], None]:
    """A function that adds these commands to a group (the main `rasd` group)."""

    def attach(main: click.Group) -> None:
        for cmd in commands:
            main.add_command(cmd)

    return attach


def standalone(commands: Sequence[click.Command], help_text: str) -> click.Group:
    """A group of just these commands, for `python -m rasd.<module>`."""
    group = click.Group(help=help_text, context_settings={"help_option_names": ["-h", "--help"]})
    attacher(commands)(group)
    return group

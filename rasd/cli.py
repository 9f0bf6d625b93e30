"""The `rasd` command: thin wrappers that parse options, call the library and print."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import click

from rasd import __version__
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rasd")
def main() -> None:
    """Rasd (رصد): Arabic security-incident reports about Syria into an evidence-linked event dataset."""


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "geojson", "acled-csv", "parquet"]),
              default="jsonl", show_default=True, help="Output format (parquet needs -o FILE).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not stdout.")
@click.option("--samples", is_flag=True, help="Also read the bundled sample articles.")
@click.option("--background", is_flag=True,
              help="Also emit past events recalled as context that match no incident of the run "
                   "(report_kind background); matched ones always join their incident as sources.")
@click.option("--no-link", is_flag=True, help="One record per article mention; skip cross-article linking.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=1, show_default=True,
              help="Worker processes for extraction on this machine.")
@click.option("--engine", "engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Run extraction here (--jobs) or on a Dask cluster (pip install 'rasd[dask]').")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Dask scheduler of a running cluster (--engine dask).")
@click.option("--workers", type=click.IntRange(1), help="Workers of a local Dask cluster (default: one per core).")
def extract(paths: tuple[str, ...], fmt: str, output: str | None, samples: bool, background: bool,
            no_link: bool, jobs: int, engine: str, scheduler: str | None, workers: int | None) -> None:
    """Read articles (files, folders, JSONL(.gz), - for stdin) and write one record per event."""
    from rasd.engines import local
    from rasd.ingest.readers import article_name
    from rasd.link.merge import link, without_recalls

    if not paths and not samples:
        raise click.UsageError("give at least one PATH (or - for stdin, or --samples)")
    check_output(output)
    batch = Batch(paths, samples)
    if engine == "dask":
        from rasd.engines import dask as dask_engine

        dask_engine.check_options(engine, scheduler, workers, jobs)
        events = dask_engine.extract_events(batch, True, not no_link, scheduler, workers,
                                            report=lambda line: click.echo(line, err=True))
    else:
        if scheduler or workers:
            raise click.UsageError("--scheduler and --workers need --engine dask")
        mentions = []
        # recalled events are always read: they join the incident they recall as "mentions" sources
        for art, found, error in local.extract(progress_bar(batch.articles(), "extract", batch), jobs, True):
            if error is not None:
                batch.failed += 1
                click.echo(f"rasd: {article_name(art)}: {error}", err=True)
            else:
                mentions.extend(found or [])
        events = mentions if no_link else link(mentions)
    if not background:
        events = without_recalls(events)
    write_events(events, fmt, output)
    click.echo(f"rasd: {batch.read} articles read, {batch.failed} failed{batch.summary()}, {len(events)} events",
               err=True)
    if batch.bad:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article, one per line.")
@click.option("--incidents", is_flag=True,
              help="Trace segmentation: clause by clause, the decision and the cue or anchor behind it.")
def inspect(paths: tuple[str, ...], as_json: bool, incidents: bool) -> None:
    """Show what Rasd reads: sentences, numbers and dates with their character spans."""
    from rasd.pipeline import ARABIC_LAYER, make_doc

    batch = Batch(paths)
    for art in batch.articles():
        if incidents:
            from rasd.extract.trace import trace

            lines = trace(make_doc(art))
            click.echo(json.dumps(lines, ensure_ascii=False) if as_json else "\n".join(lines["text"]))
            continue
        doc = make_doc(art, ARABIC_LAYER)
        obj = {
            "id": art.id,
            "published": art.published.isoformat() if art.published else None,
            "sentences": [{"start": s.start, "end": s.end} for s in doc.sentences],
            "numbers": [{"start": n.start, "end": n.end, "text": n.text, "value": n.get("value"),
                         "kind": n.get("kind")} for n in doc.get("numbers")],
            "dates": [{"start": d.start, "end": d.end, "text": d.text,
                       "date_start": d.get("date_start").isoformat() if d.get("date_start") else None,
                       "date_end": d.get("date_end").isoformat() if d.get("date_end") else None,
                       "precision": d.get("precision")} for d in doc.get("dates")],
        }
        if as_json:
            click.echo(json.dumps(obj, ensure_ascii=False))
            continue
        click.echo(f"== {art.id}  published={obj['published']}  sentences={len(doc.sentences)}")
        for n in obj["numbers"]:
            click.echo(f"  number {n['start']}-{n['end']} {n['text']!r} = {n['value']} ({n['kind']})")
        for d in obj["dates"]:
            click.echo(f"  date   {d['start']}-{d['end']} {d['text']!r} = {d['date_start']}..{d['date_end']}"
                       f" p{d['precision']}")
    if batch.bad:
        sys.exit(1)


@main.command()
def about() -> None:
    """Version, data sources and their licences."""
    click.echo(f"rasd {__version__}")
    text = resources.files("rasd.data").joinpath("ATTRIBUTION.md")
    if text.is_file():
        click.echo(text.read_text("utf-8"))


@main.command()
def samples() -> None:
    """Print the folder of the bundled sample articles (for `rasd extract "$(rasd samples)"`)."""
    click.echo(str(samples_dir()))


def _attach() -> None:
    """Commands that live beside their stage: gazetteer (geo), ingest/events/export/db (store),
    serve/token/demo (api), watch (feeds and folders)."""
    from rasd.geo.commands import gazetteer
    from rasd.ingest_cmd import attach as attach_store
    from rasd.serve_cmd import attach as attach_serve
    from rasd.watch_cmd import attach as attach_watch

    main.add_command(gazetteer)
    attach_store(main)
    attach_serve(main)
    attach_watch(main)


_attach()

if __name__ == "__main__":
    main()

"""`rasd extract`, `rasd inspect`, `rasd about` and `rasd samples`: articles in, events or annotations
out, no database."""

from __future__ import annotations

import json
import sys
from importlib import resources

import click

from rasd import __version__
from rasd.cli.common import Batch, attacher, check_output, progress_bar, samples_dir, standalone, write_events


@click.command()
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


@click.command()
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


@click.command()
def about() -> None:
    """Version, data sources and their licences."""
    click.echo(f"rasd {__version__}")
    text = resources.files("rasd.data").joinpath("ATTRIBUTION.md")
    if text.is_file():
        click.echo(text.read_text("utf-8"))


@click.command()
def samples() -> None:
    """Print the folder of the bundled sample articles (for `rasd extract "$(rasd samples)"`)."""
    click.echo(str(samples_dir()))


COMMANDS = [extract, inspect, about, samples]
attach = attacher(COMMANDS)
cli = standalone(COMMANDS, "The extraction commands on their own (python -m rasd.cli.extract).")

if __name__ == "__main__":
    cli()

"""`rasd watch`: follow RSS/Atom feeds and folders and ingest new articles until stopped.

The main CLI attaches it with `attach(main)`; standalone: ``python -m rasd.cli.watch watch ...``.
SIGINT and SIGTERM stop it cleanly: the current article is finished and committed (a fetch under
way gets a few seconds), what the poll wrote is linked, and the exit code is 0 (a second signal
stops at once). With --once the exit code is 1 when every feed and folder failed.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import click

from rasd.cli.common import DB_OPTION, _open, attacher, standalone

# rasd.watch.DEADLINE and MAX_BYTES (a test keeps them in step): importing rasd.watch here would slow
# every rasd command's start
DEADLINE = 60.0
MAX_BYTES = 10_000_000


def _http_url(_ctx: Any, _param: Any, values: tuple[str, ...]) -> tuple[str, ...]:
    for v in values:
        if not v.lower().startswith(("http://", "https://")):
            raise click.BadParameter(f"{v!r} is not an http(s) URL")
    return values


@click.command()
@DB_OPTION
@click.option("--feed", "feeds", multiple=True, metavar="URL", callback=_http_url,
              help="An RSS or Atom feed to follow (repeatable).")
@click.option("--folder", "folders", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="A folder whose new or changed files are ingested (repeatable).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=300.0, show_default=True, metavar="SECONDS",
              help="Time between two polls.")
@click.option("--per-host-delay", type=click.FloatRange(min=0.0), default=1.0, show_default=True, metavar="SECONDS",
              help="Least time between two requests to one web host.")
@click.option("--state", "state_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="What was already seen (default: NAME.watch.sqlite beside a SQLite database).")
@click.option("--once", is_flag=True, help="Poll once and exit (for cron); exit code 1 when every source failed.")
@click.option("--no-dedup", is_flag=True, help="Do not look for near-duplicate articles.")
@click.option("--deadline", type=click.FloatRange(min=1.0), default=DEADLINE, show_default=True, metavar="SECONDS",
              help="Longest time one fetch may take, retries and redirects included.")
@click.option("--max-bytes", type=click.IntRange(min=1024), default=MAX_BYTES, show_default=True, metavar="N",
              help="Largest feed or page, after decompression; larger ones are refused.")
@click.option("--allow-private", is_flag=True,
              help="Also fetch item links to loopback, link-local and private addresses (the feed's own server"
                   " is always fetched).")
def watch(db: str | None, feeds: tuple[str, ...], folders: tuple[str, ...], interval: float, per_host_delay: float,
          state_path: str | None, once: bool, no_dedup: bool, deadline: float, max_bytes: int,
          allow_private: bool) -> None:
    """Follow feeds and folders and ingest what arrives, linking after each poll, until stopped."""
    from rasd.watch import SETTLE, Fetcher, PollReport, State, Stop, Watcher, state_path_for

    if not feeds and not folders:
        raise click.UsageError("give at least one --feed URL or --folder DIR")
    engine = _open(db)
    stop = Stop()  # set from a signal handler: takes no lock
    state = State(state_path or state_path_for(engine.url.render_as_string(hide_password=False)))
    fetcher = Fetcher(per_host_delay=per_host_delay, stop=stop, deadline=deadline, max_bytes=max_bytes)

    def say(line: str) -> None:
        click.echo(line, err=True)

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()
        signal.signal(signum, previous[signum])  # a second signal acts at once
        try:
            say(f"rasd: watch: {signal.Signals(signum).name}: stopping after the current article")
        except RuntimeError:  # stderr was being written when the signal came (a reentrant call)
            pass

    def on_poll(r: PollReport) -> None:
        if r.changed or r.failed:
            say(f"rasd: watch: poll {watcher.polls}: {r.written['new']} new, {r.written['updated']} updated, "
                f"{r.written['duplicate']} duplicate, {r.failed} failed; events: {r.events_new} written")

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        for s in previous:
            signal.signal(s, on_signal)
    watcher = Watcher(engine, state, list(feeds), list(folders), fetcher, stop=stop, dedup=not no_dedup,
                      settle=min(SETTLE, interval / 2), say=say, allow_private=allow_private)
    say(f"rasd: watch: {len(feeds)} feeds, {len(folders)} folders, every {interval:g} s (state {state.path})")
    try:
        watcher.run(interval, max_polls=1 if once else None, on_poll=on_poll)
    finally:
        fetcher.close()
        state.close()
        engine.dispose()
        if in_main:
            for s, h in previous.items():
                signal.signal(s, h)
        stop.close()
    say(f"rasd: watch: stopped after {watcher.polls} polls")
    if once and not stop.is_set() and (watcher.last is None or watcher.last.all_failed):
        say("rasd: watch: every source failed" if watcher.last is not None else "rasd: watch: the poll failed")
        sys.exit(1)
    sys.exit(0)


COMMANDS = [watch]
attach = attacher(COMMANDS)
cli = standalone(COMMANDS, "`rasd watch` on its own (python -m rasd.cli.watch watch ...).")

if __name__ == "__main__":
    cli()

"""Extraction in this process or in N worker processes (`--jobs N`)."""

from __future__ import annotations

import gc
import multiprocessing as mp
from collections.abc import Iterable, Iterator
from functools import partial

from rasd.doc import Article

Result = tuple[Article, list[dict] | None, str | None]  # article, its mentions, or an error message
_CHUNK = 16  # articles sent to a worker at a time: large enough to amortise pickling


def extract_one(article: Article, include_background: bool = False) -> Result:
    """One article's mentions; an exception becomes a message so the batch goes on."""
    from rasd.extract.events import mentions_of
    from rasd.pipeline import make_doc

    try:
        return article, mentions_of(make_doc(article, acts_only=True), include_background=include_background), None
    except Exception as exc:  # one bad article must not sink the batch
        return article, None, f"extraction failed: {exc!r}"


def _warm() -> None:
    """Build the lexicons once per worker before the first article arrives."""
    from rasd.pipeline import make_doc

    make_doc(Article("warm-up", "اعتقلت قوى الأمن شخصين في حلب يوم الأحد."))
    settle_heap()


# Articles make many short-lived objects (tokens, spans, matches) and few reference cycles.
_GEN0_THRESHOLD = 20_000
_settled: list[bool] = []


def settle_heap() -> None:
    """Once the lexicons and the gazetteer are built (they live as long as the process), move
    them out of the collector's sight and collect the young generation less often: otherwise
    every full collection walks those millions of objects again. 15% of extraction's CPU time.
    Once a process: frozen later, whatever a caller still held would never be collected."""
    if _settled:
        return
    _settled.append(True)
    gc.collect()
    gc.freeze()
    _g0, g1, g2 = gc.get_threshold()
    gc.set_threshold(max(_g0, _GEN0_THRESHOLD), g1, g2)


def extract(articles: Iterable[Article], jobs: int = 1, include_background: bool = False) -> Iterator[Result]:
    """Results in input order; with jobs > 1, articles stream through a pool of processes."""
    work = partial(extract_one, include_background=include_background)
    if jobs <= 1:
        _warm()
        yield from map(work, articles)
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with ctx.Pool(jobs, initializer=_warm) as pool:
        yield from pool.imap(work, articles, chunksize=_CHUNK)


def extract_events(paths: Iterable[str], include_background: bool = False) -> list[dict]:
    """The linked events of every readable article under `paths` (bad items skipped), as
    `rasd extract` writes them: for benchmarks and tests that need the records, not the CLI."""
    from rasd.ingest import ReadError, iter_articles
    from rasd.link.merge import link, without_recalls

    arts = (a for a in iter_articles(list(paths)) if not isinstance(a, ReadError))
    events = link([m for _a, found, _e in extract(arts, 1, True) for m in found or []])
    return events if include_background else without_recalls(events)

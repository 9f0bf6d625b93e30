"""Figures of the bundled sample corpus that several test modules check against, computed once
from the samples themselves so that adding a sample article needs no edit of the tests."""

from __future__ import annotations

from functools import cache

from rasd.cli import samples_dir


@cache
def sample_articles() -> int:
    return len(list(samples_dir().glob("*.txt")))


@cache
def sample_events() -> int:
    """How many events `rasd extract --samples` writes (the stored events of an ingest)."""
    from rasd.engines import local
    from rasd.ingest import ReadError, iter_articles
    from rasd.link.merge import link

    arts = [a for a in iter_articles([str(samples_dir())]) if not isinstance(a, ReadError)]
    return len(link([m for _a, found, _e in local.extract(arts) for m in found or []]))

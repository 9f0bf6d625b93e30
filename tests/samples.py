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
    from rasd.engines.local import extract_events

    return len(extract_events([str(samples_dir())]))

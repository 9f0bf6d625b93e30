"""Figures of the bundled sample corpus that several test modules check against, computed once
from the samples themselves so that adding a sample article needs no edit of the tests."""

from __future__ import annotations

from functools import cache

from rasd.cli import samples_dir


@cache
def sample_articles() -> int:
    return len(list(samples_dir().glob("*.txt")))


@cache
def sample_events(kind: str | None = "incident") -> int:
    """How many events of a report kind (None: every kind) an ingest of the samples stores: what
    /api/events and `rasd events` list by default (incidents) or with report_kind=all."""
    from rasd.engines.local import extract_events

    return sum(kind is None or e["report_kind"] == kind for e in extract_events([str(samples_dir())], True))


def reports(event: dict) -> int:
    """How many articles report an event (its sources less those that only recall it)."""
    return sum(1 for s in event["sources"] if s.get("kind") != "mentions")

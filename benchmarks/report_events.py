"""A corpus report on linked events: the invariants of issue #14 and where duplicates would show.

Reads events as `rasd extract` writes them (JSONL, `-` for stdin), or extracts a corpus first:

    rasd extract ../shared/data/corpus/ant-2018.jsonl.gz | python benchmarks/report_events.py -
    python benchmarks/report_events.py --extract ../shared/data/corpus/ant-2018.jsonl.gz

Prints: events dated after every source's publication (must be 0); events with a source published
more than a day before the event (must stay <= 0.5%); sources per event; the largest clusters; and
the sub-event type x governorate x month cells with the most incidents, where an unlinked repeat
story would pile up. Exit 1 when an invariant fails.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EARLY_LIMIT = 0.005  # share of events with a source published more than a day before the event


def _day(s: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(s[:10]) if s else None
    except ValueError:
        return None


def _where(e: dict[str, Any]) -> str:
    country = e.get("country") or "Syria"
    return e.get("admin1") or (country if country != "Syria" else "Syria (no governorate)")


def report(events: list[dict[str, Any]], top: int = 10) -> tuple[list[str], bool]:
    """The report's lines and whether every invariant holds."""
    after, early = [], []
    for e in events:
        day = _day(e.get("event_date"))
        pubs = [p for p in (_day(s.get("published")) for s in e.get("sources") or []) if p]
        if day is None or not pubs:
            continue
        if all(p < day for p in pubs):
            after.append(e["id"])
        if e.get("report_kind") != "background" and any((day - p).days > 1 for p in pubs):
            early.append(e["id"])
    n = len(events) or 1
    ok = not after and len(early) / n <= EARLY_LIMIT
    sizes = collections.Counter(len(e.get("sources") or []) for e in events)
    kinds = collections.Counter(e.get("report_kind") for e in events)
    lines = [
        f"events: {len(events)} ({', '.join(f'{k}: {v}' for k, v in sorted(kinds.items()))})",
        f"dated after every source's publication: {len(after)} (must be 0) {after[:5]}",
        f"a source published more than a day before the event: {len(early)} ({len(early) / n:.2%}, "
        f"limit {EARLY_LIMIT:.1%}) {early[:5]}",
        "sources per event: " + ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items())),
        "largest clusters:",
    ]
    for e in sorted(events, key=lambda e: -len(e.get("sources") or []))[:top]:
        lines.append(f"  {len(e.get('sources') or []):>3} sources  {e.get('event_date')} {_where(e)} "
                     f"{e.get('location')} {e.get('sub_event_type')}")
    cells = collections.Counter((e.get("sub_event_type"), _where(e), (e.get("event_date") or "")[:7])
                                for e in events if e.get("report_kind") == "incident")
    lines.append("busiest sub-event type x governorate (or country) x month cells (incidents):")
    for (sub, a1, month), k in cells.most_common(top):
        lines.append(f"  {k:>4}  {sub} | {a1} | {month}")
    return lines, ok


def _read(path: str) -> Iterable[dict[str, Any]]:
    fh = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("events", nargs="?", help="events JSONL ('-' for stdin)")
    ap.add_argument("--extract", metavar="CORPUS", help="extract this corpus first (local engine)")
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args(argv)
    if args.extract:
        from rasd.engines.local import extract_events

        events = extract_events([args.extract], False)
    elif args.events:
        events = list(_read(args.events))
    else:
        ap.error("give an events file or --extract CORPUS")
    lines, ok = report(events, args.top)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

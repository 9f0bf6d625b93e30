"""Countries: an event outside Syria never carries a Syrian place, a SYR id or a "(Syria)" actor.

    python benchmarks/check_countries.py                       # extract ../shared's 31k corpus, then check
    python benchmarks/check_countries.py --events events.jsonl # check the output of `rasd extract`
    python benchmarks/check_countries.py --show 50             # list up to 50 offending ids per check

Checks every event whose country is not Syria, in the record (admin1-3, location) and in its
ACLED row, written by the same writer as `rasd extract --format acled-csv` (event_id_cnty
prefix, iso, region, admin fields, actor names ending "(Syria)"); and, the other way round,
that Syrian events keep SYR and 760. Prints the counts and the offending event ids; exits 1 when
anything is wrong. Without `../shared` (and no --events) it has nothing to check and exits 0.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "ant-2018.jsonl.gz"
HOME = "Syria"
_PARTS = re.compile(r"\s*\(([^()]*)\)\s*$")


def _syrian_names() -> tuple[frozenset[str], frozenset[str]]:
    """(Syrian admin names, Syrian place names that no foreign place shares) from the gazetteer."""
    from rasd.geo.gazetteer import ADMIN1, get_gazetteer

    admin, places, foreign = set(ADMIN1), set(), set()
    for p in get_gazetteer().places:
        if p.is_foreign:
            foreign.add(p.name_en)
            continue
        admin.update(a for a in (p.admin1, p.admin2, p.admin3) if a)
        if p.kind != "country":
            places.add(p.name_en)
    return frozenset(admin), frozenset(places - foreign)


def _location_names(location: str, syrian: frozenset[str] = frozenset()) -> list[str]:
    """"Al Badrusiya (Lattakia countryside)" -> ["Al Badrusiya", "Lattakia"]. A name inside a place that is
    not Syrian ("Ali Agha (Izmir)": a town the gazetteer lacks, romanised, inside Izmir) is the article's
    own word for a place abroad, whatever Syrian village shares its spelling: only the container counts."""
    out = []
    m = _PARTS.search(location)
    if m:
        container = m.group(1).removesuffix(" countryside").strip()
        if container not in syrian:
            return [container]
        out.append(container)
        location = location[:m.start()]
    return [location.strip(), *out]


def check(events: list[dict]) -> dict[str, list[str]]:
    """Offending event ids by check."""
    from rasd.export import countries, write_acled_csv

    admin, places = _syrian_names()
    events = [e for e in events if e.get("event_date")]  # the ACLED export has a row for each dated event
    buf = io.StringIO()
    write_acled_csv(events, buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert len(rows) == len(events)
    home = countries()[HOME]
    bad: dict[str, list[str]] = {k: [] for k in (
        "record: Syrian admin1-3", "record: Syrian location", "acled: SYR in event_id_cnty",
        "acled: iso/region not the country's own", "acled: Syrian admin1-3", "acled: Syrian location",
        "acled: actor named (Syria)", "acled: Syrian event without SYR/760")}
    for e, row in zip(events, rows, strict=True):
        eid = str(e.get("id"))
        country = e.get("country") or HOME
        if country == HOME:
            if not row["event_id_cnty"].startswith(home.iso3) or row["iso"] != str(home.iso):
                bad["acled: Syrian event without SYR/760"].append(eid)
            continue
        if any(e.get(f) in admin for f in ("admin1", "admin2", "admin3")):
            bad["record: Syrian admin1-3"].append(eid)
        if e.get("location") and any(n in places for n in _location_names(e["location"], admin | places)):
            bad["record: Syrian location"].append(eid)
        meta = countries().get(country)
        if row["event_id_cnty"].startswith(home.iso3):
            bad["acled: SYR in event_id_cnty"].append(eid)
        if meta is None or (row["iso"], row["region"]) != (str(meta.iso), meta.region):
            bad["acled: iso/region not the country's own"].append(eid)
        if any(row[f] in admin for f in ("admin1", "admin2", "admin3") if row[f]):
            bad["acled: Syrian admin1-3"].append(eid)
        if row["location"] and any(n in places for n in _location_names(row["location"], admin | places)):
            bad["acled: Syrian location"].append(eid)
        names = [row["actor1"], row["actor2"], *row["assoc_actor_1"].split("; "), *row["assoc_actor_2"].split("; ")]
        if any(n.endswith(f"({HOME})") for n in names):
            bad["acled: actor named (Syria)"].append(eid)
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=Path, help="events JSONL written by `rasd extract` (default: extract the corpus)")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="articles to extract when --events is not given")
    ap.add_argument("--show", type=int, default=20, help="offending ids listed per check (0: all)")
    args = ap.parse_args(argv)
    if args.events:
        with args.events.open(encoding="utf-8") as f:
            events = [json.loads(line) for line in f if line.strip()]
        source = str(args.events)
    else:
        if not args.corpus.exists():
            print(f"check_countries: {args.corpus} not found: nothing to check")
            return 0
        from rasd.engines.local import extract_events

        events = extract_events([str(args.corpus)])
        source = str(args.corpus)
    by_country = Counter(e.get("country") or HOME for e in events)
    abroad = sum(n for c, n in by_country.items() if c != HOME)
    print(f"events: {len(events)} from {source}; outside {HOME}: {abroad}")
    print("by country: " + ", ".join(f"{c} {n}" for c, n in by_country.most_common()))
    bad = check(events)
    for name, ids in bad.items():
        shown = ids if args.show <= 0 else ids[:args.show]
        more = f" ... (+{len(ids) - len(shown)})" if len(shown) < len(ids) else ""
        print(f"{name}: {len(ids)}" + (f"  {' '.join(shown)}{more}" if ids else ""))
    total = sum(len(v) for v in bad.values())
    print(f"violations: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())

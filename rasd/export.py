"""Writers for the event record: JSONL (the contract itself), flat CSV and RFC 7946 GeoJSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

FIELDS = [
    "id", "report_kind", "event_date", "date_end", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actors", "country", "admin1", "admin2", "admin3", "location", "location_ar",
    "latitude", "longitude", "geo_precision", "fatalities", "killed", "injured", "arrested", "seized",
    "sources", "notes", "evidence", "confidence",
]
FORMATS = ("jsonl", "csv", "geojson")


def write_jsonl(events: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for e in events:
        out.write(json.dumps(e, ensure_ascii=False) + "\n")
        n += 1
    return n


def _flat(e: dict[str, Any]) -> dict[str, Any]:
    row = {}
    for f in FIELDS:
        v = e.get(f)
        if f == "actors":
            for side in (1, 2):
                row[f"actor{side}"] = "; ".join(a["name"] for a in v or [] if a["side"] == side)
                row[f"actor{side}_keys"] = "; ".join(a["key"] for a in v or [] if a["side"] == side)
            continue
        if f == "killed":
            for k in ("side1", "side2", "civilians"):
                row[f"killed_{k}"] = (v or {}).get(k)
            continue
        if f == "seized":
            row[f] = "; ".join(v or [])
        elif f == "sources":
            row["source_ids"] = "; ".join(s["article_id"] for s in v or [])
            row["source_outlets"] = "; ".join(sorted({s.get("outlet") or "" for s in v or []} - {""}))
            row["source_urls"] = "; ".join(s.get("url") or "" for s in v or [] if s.get("url"))
        elif f == "evidence":
            row[f] = json.dumps(v or [], ensure_ascii=False)
        else:
            row[f] = v
    return row


def write_csv(events: Iterable[dict[str, Any]], out: TextIO) -> int:
    writer = None
    n = 0
    for e in events:
        row = _flat(e)
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row))
            writer.writeheader()
        writer.writerow(row)
        n += 1
    if writer is None:
        csv.DictWriter(out, fieldnames=list(_flat({}))).writeheader()
    return n


def write_geojson(events: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A FeatureCollection; events without coordinates get a null geometry (allowed by RFC 7946)."""
    feats = []
    for e in events:
        geom = None
        if e.get("latitude") is not None and e.get("longitude") is not None:
            geom = {"type": "Point", "coordinates": [round(e["longitude"], 6), round(e["latitude"], 6)]}
        props = {k: v for k, v in e.items() if k not in ("latitude", "longitude")}
        feats.append({"type": "Feature", "id": e["id"], "geometry": geom, "properties": props})
    json.dump({"type": "FeatureCollection", "features": feats}, out, ensure_ascii=False)
    out.write("\n")
    return len(feats)


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "geojson": write_geojson}

"""Writers speak the contract: JSONL as is, CSV flat, GeoJSON per RFC 7946."""

import csv
import io
import json

from rasd.export import write_csv, write_geojson, write_jsonl
from tests.test_link import rec


def test_jsonl_round_trip():
    buf = io.StringIO()
    assert write_jsonl([rec("a"), rec("b")], buf) == 2
    lines = buf.getvalue().splitlines()
    assert json.loads(lines[0])["location_ar"] == "حلب"


def test_csv_flat():
    buf = io.StringIO()
    write_csv([rec("a", seized=["ied", "firearms"])], buf)
    row = next(csv.DictReader(io.StringIO(buf.getvalue())))
    assert row["actor1_keys"] == "sy-police" and row["actor2_keys"] == "isis"
    assert row["seized"] == "ied; firearms" and row["source_ids"] == "a"
    assert json.loads(row["evidence"])[0]["text"] == "abc"


def test_geojson():
    buf = io.StringIO()
    write_geojson([rec("a"), rec("b", latitude=None, longitude=None)], buf)
    fc = json.loads(buf.getvalue())
    assert fc["type"] == "FeatureCollection"
    f0, f1 = fc["features"]
    assert f0["geometry"] == {"type": "Point", "coordinates": [37.16, 36.2]}  # lon, lat
    assert f1["geometry"] is None

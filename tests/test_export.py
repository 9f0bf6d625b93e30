"""Writers speak the contract: JSONL as is, CSV flat, GeoJSON per RFC 7946, ACLED's columns, Parquet."""

import csv
import io
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rasd.export import (
    ACLED_FIELDS,
    BINARY_FORMATS,
    FIELDS,
    FORMATS,
    WRITERS,
    write_acled_csv,
    write_csv,
    write_geojson,
    write_jsonl,
    write_parquet,
)
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


def test_geojson_from_stored_texts_is_byte_for_byte_the_same() -> None:
    from rasd.export import _feature_of_text

    tricky = 'quote " backslash \\ , "latitude": 1, "longitude": 2} ليلة'
    recs = [rec("a"), rec("b", latitude=None, longitude=None), rec("c", latitude=36, longitude=37),
            rec("d", latitude=1e-05, longitude=-0.5), rec("e", latitude=95.0, longitude=37.0),
            rec('f"\\x', notes=tricky), rec("g", latitude=float("nan"), longitude=37.0)]
    recs.append({k: v for k, v in rec("h").items() if k != "longitude"})  # no longitude key
    last = rec("i")
    last["latitude"] = last.pop("latitude")  # coordinates as the last keys
    last["longitude"] = last.pop("longitude")
    recs.append(last)
    texts = [json.dumps(r, ensure_ascii=False) for r in recs]
    spliced = [_feature_of_text(t) for t in texts]
    assert sum(x is not None for x in spliced) == 7  # the NaN and the missing key are parsed instead
    by_text, by_dict = io.StringIO(), io.StringIO()
    assert write_geojson(texts, by_text) == write_geojson(recs, by_dict) == len(recs)
    assert by_text.getvalue() == by_dict.getvalue()
    by_bytes = io.BytesIO()  # the records' UTF-8 bytes, as the API reads them from SQLite: the same bytes out
    assert write_geojson([t.encode() for t in texts], by_bytes) == len(recs)
    assert by_bytes.getvalue() == by_dict.getvalue().encode()
    lines, by_dict = io.BytesIO(), io.StringIO()
    assert write_jsonl([t.encode() for t in texts], lines) == write_jsonl(recs, by_dict) == len(recs)
    assert lines.getvalue() == by_dict.getvalue().encode()
    feats = json.loads(by_text.getvalue())["features"]
    assert feats[5]["properties"]["notes"] == tricky and feats[5]["id"] == recs[5]["id"]
    assert feats[2]["geometry"]["coordinates"] == [37, 36] and feats[4]["geometry"] is None


@given(st.one_of(st.none(), st.integers(-200, 200), st.floats(-200, 200), st.floats(allow_nan=False)),
       st.one_of(st.none(), st.integers(-200, 200), st.floats(-200, 200), st.floats(allow_nan=False)),
       st.integers(0, 8))
def test_spliced_coordinates_are_the_parsed_ones(lat: Any, lon: Any, digits: int) -> None:
    from rasd.export import _feature, _feature_of_text

    lat, lon = (round(x, digits) if isinstance(x, float) and math.isfinite(x) else x for x in (lat, lon))
    r = rec("a", latitude=lat, longitude=lon)
    text = json.dumps(r, ensure_ascii=False)
    pieces, raw = _feature_of_text(text), _feature_of_text(text.encode())
    if all(x is None or math.isfinite(x) for x in (lat, lon)):  # else JSON's Infinity: the record is parsed
        assert pieces is not None and raw is not None
    if pieces is not None:
        assert "".join(pieces) == _feature(r) and b"".join(raw) == _feature(r).encode()


def test_stored_lines_write_what_the_records_write() -> None:
    from rasd.export import Stored, acled_line, csv_line, lines_stamp

    abroad = rec("y", country="Yemen", admin1="Aleppo", notes='a "quoted", line\nbreak')
    recs = [rec("a", seized=["ied"]), rec("b", event_date=None), abroad, rec("a2"), rec("c", latitude=None)]
    recs[3]["id"] = recs[0]["id"]  # two rows that want one event_id_cnty: the second takes the next number
    for write, line in ((write_csv, csv_line), (write_acled_csv, acled_line)):
        want = io.StringIO()
        n = write(recs, want)
        for stale in (False, True):  # a line of another mapping is not written: the record is read instead
            items = [Stored(json.dumps(r, ensure_ascii=False), None if stale else line(r), r["id"], r.get("country"))
                     for r in recs]
            got = io.StringIO()
            assert write(items, got) == n and got.getvalue() == want.getvalue()
    assert acled_line(recs[1]) == "" and csv_line(recs[1]).endswith("\r\n")
    assert len(lines_stamp()) == 16


# --- ACLED layout, Parquet, writer registry --------------------------------------------------

ACLED_ORDER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,"
    "inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
    "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp"
).split(",")


def actor(key, side, role="primary", name=None):
    return {"key": key, "name": name or key.upper(), "side": side, "role": role}


def acled_rows(events):
    buf = io.StringIO()
    assert write_acled_csv(events, buf) == sum(1 for e in events if e.get("event_date"))
    text = buf.getvalue()
    return text, list(csv.DictReader(io.StringIO(text)))


def test_acled_columns_in_acled_order():
    assert ACLED_FIELDS == ACLED_ORDER
    text, rows = acled_rows([rec("a")])
    assert text.splitlines()[0].split(",") == ACLED_ORDER
    assert list(rows[0]) == ACLED_ORDER
    assert acled_rows([])[0].strip() == ",".join(ACLED_ORDER)  # header even when empty


def test_acled_values():
    e = rec("a", fatalities=3, actors=[
        actor("sy-police", 1, name="Police Forces of Syria (2024-)"), actor("sy-gis", 1, "associated", "GIS"),
        actor("isis", 2, name="Islamic State (Syria)"), actor("isis", 2, "associated", "Islamic State (Syria)")],
        sources=[{"article_id": "a", "outlet": "SANA", "url": None, "published": "2025-05-18T10:00:00+03:00"},
                 {"article_id": "b", "outlet": None, "url": None, "published": "2025-05-17"},
                 {"article_id": "c", "outlet": "SANA", "url": None, "published": None}],
        latitude=36.123456, longitude=37.1, notes="On 17 May 2025, police clashed with IS in Aleppo.")
    (row,) = acled_rows([e])[1]
    assert row["event_date"] == "2025-05-17" and row["year"] == "2025" and row["time_precision"] == "1"
    assert row["actor1"] == "Police Forces of Syria (2024-)" and row["assoc_actor_1"] == "GIS"
    assert row["actor2"] == "Islamic State (Syria)" and row["assoc_actor_2"] == ""  # no repeat of actor2
    assert (row["inter1"], row["inter2"], row["interaction"]) == ("State forces", "Rebel group",
                                                                  "State forces-Rebel group")
    assert (row["iso"], row["region"], row["country"]) == ("760", "Middle East", "Syria")
    assert (row["latitude"], row["longitude"]) == ("36.1235", "37.1000")
    assert row["source"] == "SANA; b" and row["source_scale"] == "Other"
    assert row["fatalities"] == "3" and row["tags"] == ""
    assert row["timestamp"] == "1747526400"  # 2025-05-18T00:00:00Z
    assert row["notes"] == e["notes"]


def test_acled_null_fatalities_aggregate_and_undated():
    e = rec("a", report_kind="aggregate", fatalities=None, latitude=None, longitude=None, geo_precision=None)
    (row,) = acled_rows([e])[1]
    assert row["fatalities"] == "0"
    assert row["tags"] == "report_kind=aggregate; fatalities=no report"
    assert row["latitude"] == "" and row["timestamp"] == "0"
    # ACLED requires a date: an undated event has no row, so year and time_precision stay integers
    undated = rec("b", event_date=None, date_end=None, time_precision=None)
    text, rows = acled_rows([e, undated])
    assert [r["event_date"] for r in rows] == [e["event_date"]]
    import pandas as pd

    frame = pd.read_csv(io.StringIO(text))
    assert all(str(frame[c].dtype) == "int64" for c in ("year", "time_precision", "iso", "fatalities"))


@pytest.mark.parametrize("actors, code", [  # as ACLED's current export words them (codebook, Table 3)
    ([actor("sy-police", 1), actor("isis", 2)], "State forces-Rebel group"),
    ([actor("isis", 1), actor("sy-police", 2)], "State forces-Rebel group"),  # smaller code first, whichever side
    ([actor("sy-regime", 1), actor("civilians", 2)], "State forces-Civilians"),
    ([actor("sy-regime-militia", 1), actor("civilians", 2)], "Political militia-Civilians"),
    ([actor("sdf", 1), actor("isis", 2)], "Rebel group-Rebel group"),
    ([actor("turkey", 1), actor("civilians", 2)], "External/Other forces-Civilians"),
    ([actor("sy-police", 1)], "State forces only"),
    ([actor("isis", 1)], "Rebel group only"),
    ([actor("civilians", 2)], "Civilians only"),
    ([], ""),
])
def test_acled_interaction(actors, code):
    (row,) = acled_rows([rec("a", actors=actors)])[1]
    assert row["interaction"] == code


@pytest.mark.parametrize("event_type, actors, flag", [
    ("Violence against civilians", [actor("isis", 1), actor("civilians", 2)], "Civilian targeting"),
    ("Explosions/Remote violence", [actor("sy-regime", 1), actor("civilians", 2), actor("hts", 2, "associated")],
     "Civilian targeting"),
    ("Explosions/Remote violence", [actor("sy-regime", 1), actor("hts", 2), actor("civilians", 2)],
     "Civilian targeting"),  # two primary targets, civilians among them
    ("Explosions/Remote violence", [actor("isis", 1), actor("sy-military", 2), actor("civilians", 2, "associated")],
     ""),  # aimed at the army; civilians hurt on the side
    ("Explosions/Remote violence", [actor("sy-regime", 1), actor("hts", 2)], ""),
    ("Battles", [actor("sy-police", 1), actor("civilians", 2)], ""),
    ("Violence against civilians", [actor("civilians", 1), actor("isis", 2)], ""),
])
def test_acled_civilian_targeting(event_type, actors, flag):
    (row,) = acled_rows([rec("a", event_type=event_type, actors=actors)])[1]
    assert row["civilian_targeting"] == flag


def test_acled_event_id_cnty_unique_and_stable():
    events = [rec(str(i), id=f"rasd-{i:012x}") for i in range(50)]
    events += [rec("x", id="rasd-000000000007"), rec("y", id="not-hex-id"), rec("z", id="not-hex-id")]
    ids = [r["event_id_cnty"] for r in acled_rows(events)[1]]
    assert len(set(ids)) == len(ids) == 53
    assert all(i.startswith("SYR") and i[3:].isdigit() for i in ids)
    assert ids[7] == "SYR7" and ids[50] == "SYR50"  # the clash takes the next free number
    assert acled_rows(events)[1][0]["event_id_cnty"] == ids[0]  # same input, same ids
    (r,) = acled_rows([rec("a", id="rasd-c06ca4676b7a")])[1]
    assert r["event_id_cnty"] == f"SYR{int('c06ca4676b7a', 16)}"


def test_acled_csv_loads_in_pandas():
    pd = pytest.importorskip("pandas")
    events = [rec("a", fatalities=2, notes='Said "x", then; left.\nSecond line.'), rec("b", latitude=None),
              rec("c", event_date=None, actors=[])]
    df = pd.read_csv(io.StringIO(acled_rows(events)[0]))
    assert list(df.columns) == ACLED_ORDER and len(df) == 2  # the undated event has no ACLED row
    assert df["fatalities"].tolist() == [2, 0]
    assert df["latitude"].iloc[0] == pytest.approx(36.2) and math.isnan(df["latitude"].iloc[1])
    assert df["iso"].tolist() == [760] * 2 and df["notes"].iloc[0] == events[0]["notes"]
    assert str(df["year"].dtype) == "int64" and str(df["iso"].dtype) == "int64"


def contract(e):
    return {f: e.get(f) for f in FIELDS}


def test_parquet_round_trip(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    a = rec("a", seized=["ied", "firearms"], fatalities=2, killed={"side1": 1, "side2": 1, "civilians": None},
            conflicts=[{"field": "fatalities", "values": [1, 2]}])
    b = rec("b", latitude=None, longitude=None, killed=None, actors=[], sources=[], evidence=[])
    buf = io.BytesIO()
    assert write_parquet([a, b], buf) == 2
    table = pq.read_table(io.BytesIO(buf.getvalue()))
    assert table.column_names == FIELDS + ["extra"]
    assert table.schema.field("actors").type == pa.list_(
        pa.struct([("key", pa.string()), ("name", pa.string()), ("side", pa.int8()), ("role", pa.string())]))
    ra, rb = table.to_pylist()
    assert {k: ra[k] for k in FIELDS} == contract(a) and {k: rb[k] for k in FIELDS} == contract(b)
    assert json.loads(ra["extra"]) == {"conflicts": a["conflicts"]} and rb["extra"] is None

    path = tmp_path / "events.parquet"
    assert write_parquet([a], str(path)) == 1 and write_parquet([b], path) == 1
    assert pq.read_table(path).column("id").to_pylist() == ["m-b"]
    with pytest.raises(TypeError):
        write_parquet([a], io.StringIO())


def test_parquet_loads_in_pandas(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    path = tmp_path / "e.parquet"
    write_parquet([rec("a", fatalities=1), rec("b")], path)
    df = pd.read_parquet(path)
    assert list(df.columns) == FIELDS + ["extra"] and df["id"].tolist() == ["m-a", "m-b"]
    assert df["sources"].iloc[0][0]["article_id"] == "a"


def test_parquet_empty_and_streamed_in_batches(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    assert write_parquet(iter([]), tmp_path / "e.parquet") == 0
    assert pq.read_table(tmp_path / "e.parquet").num_rows == 0
    assert write_parquet((rec(str(i)) for i in range(5)), tmp_path / "f.parquet", batch_size=2) == 5
    assert pq.read_table(tmp_path / "f.parquet").column("id").to_pylist() == [f"m-{i}" for i in range(5)]


def check_geojson(fc):
    """The parts of RFC 7946 a FeatureCollection of points can get wrong."""
    assert fc["type"] == "FeatureCollection" and isinstance(fc["features"], list) and "crs" not in fc
    for f in fc["features"]:
        assert f["type"] == "Feature" and isinstance(f["properties"], dict) and "crs" not in f
        assert isinstance(f.get("id", ""), str | int)
        g = f["geometry"]
        if g is not None:
            assert g["type"] == "Point" and len(g["coordinates"]) == 2
            lon, lat = g["coordinates"]
            assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_geojson_valid_rfc7946():
    events = [rec("a"), rec("b", latitude=None, longitude=None), rec("c", latitude=float("nan"), longitude=36.0),
              rec("d", latitude=95.0, longitude=36.0)]
    buf = io.StringIO()
    assert write_geojson(events, buf) == 4

    def no_nan(name):
        raise AssertionError(f"non-JSON number {name}")

    fc = json.loads(buf.getvalue(), parse_constant=no_nan)
    check_geojson(fc)
    assert [f["geometry"] is None for f in fc["features"]] == [False, True, True, True]
    assert fc["features"][0]["geometry"]["coordinates"] == [37.16, 36.2]


def test_writers_registry():
    assert set(WRITERS) == set(FORMATS) and BINARY_FORMATS == {"parquet"}
    for fmt, write in WRITERS.items():
        if fmt in BINARY_FORMATS:
            pytest.importorskip("pyarrow")
            out = io.BytesIO()
            assert write([rec("a")], out) == 1 and out.getvalue()[:4] == b"PAR1"
        else:
            out = io.StringIO()
            assert write([rec("a")], out) == 1 and out.getvalue()


# --- countries: every event in its own country -------------------------------------------------

def test_acled_event_abroad_is_its_own_country():
    e = rec("a", id="rasd-00000000002a", country="Yemen", admin1=None, location="Sanaa", location_ar="صنعاء",
            latitude=15.35, longitude=44.21, actors=[
                actor("unidentified", 1, name="Unidentified Armed Group (Syria)"),
                actor("civilians", 2, name="Civilians (Syria)"),
                actor("isis", 2, "associated", "Islamic State (Syria)")])
    (row,) = acled_rows([e])[1]
    assert row["event_id_cnty"] == "YEM42"
    assert (row["iso"], row["region"], row["country"]) == ("887", "Middle East", "Yemen")
    assert row["actor1"] == "Unidentified Armed Group (Yemen)"
    assert row["actor2"] == "Civilians (Yemen)" and row["assoc_actor_2"] == "Islamic State (Yemen)"
    assert (row["admin1"], row["location"], row["latitude"]) == ("", "Sanaa", "15.3500")


@pytest.mark.parametrize("country, prefix, iso, region", [
    ("Syria", "SYR", "760", "Middle East"),
    ("Lebanon", "LBN", "422", "Middle East"),
    ("Palestine", "PSE", "275", "Middle East"),
    ("Egypt", "EGY", "818", "Northern Africa"),
    ("Libya", "LBY", "434", "Northern Africa"),
    ("Russia", "RUS", "643", "Europe"),
    ("Atlantis", "XXX", "", ""),  # not in rasd/data/countries.csv: no code is made up
])
def test_acled_iso_region_and_id_prefix_from_the_country_table(country, prefix, iso, region):
    (row,) = acled_rows([rec("a", id="rasd-000000000007", country=country, admin1=None)])[1]
    assert (row["event_id_cnty"], row["iso"], row["region"], row["country"]) == (prefix + "7", iso, region, country)


def test_acled_record_without_country_is_in_syria():
    (row,) = acled_rows([rec("a", id="rasd-000000000007", country=None)])[1]
    assert (row["event_id_cnty"], row["iso"], row["country"]) == ("SYR7", "760", "Syria")


def test_acled_state_actors_keep_their_names_abroad():
    e = rec("a", country="Lebanon", admin1=None, actors=[
        actor("sy-regime", 1, name="Military Forces of Syria (2000-2024)"),
        actor("hezbollah", 2, name="Hezbollah")])
    (row,) = acled_rows([e])[1]
    assert (row["actor1"], row["actor2"]) == ("Military Forces of Syria (2000-2024)", "Hezbollah")
    (home,) = acled_rows([rec("b", actors=[actor("civilians", 2, name="Civilians (Syria)")])])[1]
    assert home["actor2"] == "Civilians (Syria)"  # at home the name stays as the registry has it


def test_acled_event_abroad_never_exports_a_syrian_place():
    # a record corrected to another country but still carrying its Syrian place
    e = rec("a", country="Turkey", admin1="Aleppo", admin2="Afrin", location="Afrin", latitude=36.51, longitude=36.87)
    (row,) = acled_rows([e])[1]
    assert all(row[f] == "" for f in ("admin1", "admin2", "admin3", "location", "latitude", "longitude",
                                      "geo_precision"))
    assert row["event_id_cnty"].startswith("TUR") and row["iso"] == "792"


def test_acled_ids_are_unique_within_each_country():
    events = [rec("a", id="rasd-000000000007"), rec("b", id="rasd-000000000007", country="Iraq", admin1=None),
              rec("c", id="rasd-000000000007", country="Iraq", admin1=None)]
    assert [r["event_id_cnty"] for r in acled_rows(events)[1]] == ["SYR7", "IRQ7", "IRQ8"]


def test_country_table_covers_every_country_the_gazetteer_knows():
    from rasd.export import countries
    from rasd.geo.gazetteer import get_gazetteer

    table = countries()
    acled_regions = {"Western Africa", "Middle Africa", "Eastern Africa", "Southern Africa", "Northern Africa",
                     "South Asia", "Southeast Asia", "Middle East", "Europe", "Caucasus and Central Asia",
                     "Central America", "South America", "Caribbean", "East Asia", "North America", "Oceania",
                     "Antarctica"}
    assert {p.country for p in get_gazetteer().places} <= set(table)
    assert all(len(c.iso3) == 3 and c.iso3.isupper() and 0 < c.iso < 1000 and c.region in acled_regions
               for c in table.values())
    assert len({c.iso3 for c in table.values()}) == len({c.iso for c in table.values()}) == len(table)


@given(st.from_regex(r"\A-?(?:0|[1-9][0-9]{0,2})\.[0-9]{1,7}\Z"))
def test_a_coordinate_the_fast_splice_accepts_is_reprs_own_text(s: str) -> None:
    """The fast GeoJSON splice writes a coordinate's stored text as it is when one regex accepts it: only when
    `_geometry` (repr of the float, at most 6 decimals) would write that very text."""
    from rasd.export import _REPR_NUM

    if _REPR_NUM.fullmatch(s.encode()):
        assert repr(float(s)) == s and len(s.split(".")[1]) <= 6
    elif repr(float(s)) == s and len(s.split(".")[1]) <= 6 and abs(float(s)) < 1000:
        pytest.fail(f"{s} is repr's text but goes the slow way")

"""The `rasd` command end to end: every subcommand, every output format, pipes, bad input.

Events are checked against the contract in ../shared/design/EVENTS.md (field names, types and
value spellings), but nothing here reads ../shared: the contract's lists are restated below.
The sample corpus is extracted once per module (fixture `sample_run`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import rasd
from rasd.cli import main, samples_dir
from rasd.geo import toponyms
from rasd.geo.gazetteer import reset_gazetteer
from tests.samples import sample_articles

# --- the contract, restated ---------------------------------------------------------------------

FIELDS = (
    "id", "report_kind", "event_date", "date_end", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actors", "country", "admin1", "admin2", "admin3", "location", "location_ar",
    "latitude", "longitude", "geo_precision", "fatalities", "killed", "injured", "arrested", "seized",
    "sources", "notes", "evidence", "confidence",
)
ADMIN1 = {
    "Aleppo", "Al Hasakeh", "Ar Raqqa", "As Sweida", "Damascus", "Dar'a", "Deir ez Zor", "Hama",
    "Homs", "Idleb", "Lattakia", "Quneitra", "Rural Damascus", "Tartous",
}
# ACLED's event types and, for each, its sub-event types (ACLED codebook spelling)
ACLED = {
    "Battles": {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"},
    "Explosions/Remote violence": {"Chemical weapon", "Air/drone strike", "Suicide bomb",
                                   "Shelling/artillery/missile attack", "Remote explosive/landmine/IED",
                                   "Grenade"},
    "Violence against civilians": {"Sexual violence", "Attack", "Abduction/forced disappearance"},
    "Protests": {"Peaceful protest", "Protest with intervention", "Excessive force against protesters"},
    "Riots": {"Violent demonstration", "Mob violence"},
    "Strategic developments": {"Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
                               "Headquarters or base established", "Looting/property destruction",
                               "Non-violent transfer of territory", "Other"},
}
DISORDER = {"Political violence", "Strategic developments", "Demonstrations"}
# the disorder type is fixed by the event type for these (ACLED)
DISORDER_OF = {"Battles": "Political violence", "Explosions/Remote violence": "Political violence",
               "Violence against civilians": "Political violence",
               "Strategic developments": "Strategic developments"}
SEIZED = {"ied", "explosive_belt", "suicide_vest", "explosives", "firearms", "ammunition", "rockets",
          "grenades", "uniforms", "vehicles", "drones", "documents", "cash"}
REPORT_KINDS = {"incident", "aggregate", "background"}
SYRIA_LON = (35.5, 42.5)
SYRIA_LAT = (32.3, 37.5)
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# --- articles written for these tests (short invented reports) ----------------------------------

VILLAGE_AR = "عين القصيبة"  # not in the shipped gazetteer: the user adds it
VILLAGE_EN = "Ain al-Qusayba"
VILLAGE_LAT, VILLAGE_LON = 35.21, 36.55

VILLAGE_ARTICLE = (
    "مقتل عنصرين من الأمن العام بهجوم مسلح في قرية عين القصيبة بريف حماة\n\n"
    "قُتل عنصران من الأمن العام وأصيب ثلاثة آخرون، مساء أمس الأحد، بهجوم شنه مسلحون مجهولون على حاجز "
    "في قرية عين القصيبة بريف حماة الغربي، وتبادل عناصر الحاجز إطلاق النار مع المهاجمين.\n"
)
GOOD_ARTICLE = (
    "مقتل عنصر من الأمن العام بانفجار عبوة ناسفة في الميادين\n\n"
    "قُتل عنصر من الأمن العام وأصيب اثنان آخران، صباح اليوم الثلاثاء، بانفجار عبوة ناسفة "
    "استهدفت سيارتهم على الطريق العام في مدينة الميادين بريف دير الزور الشرقي.\n"
)
FEED = [
    {"id": "pipe-ied-mayadin", "published": "2025-06-10", "outlet": "Test Wire",
     "text": "قتل عنصر من الأمن العام وأصيب اثنان آخران، صباح اليوم الثلاثاء، بانفجار عبوة ناسفة "
             "استهدفت سيارتهم في مدينة الميادين بريف دير الزور الشرقي."},
    {"id": "pipe-arrests-jableh", "published": "2025-04-02", "outlet": "Test Wire",
     "text": "ألقت قوى الأمن الداخلي، أمس الثلاثاء، القبض على أربعة أشخاص بتهمة الانتماء لخلية تتبع "
             "لتنظيم داعش في مدينة جبلة بريف اللاذقية، وضبطت بحوزتهم أسلحة فردية وذخائر."},
]
INSPECT_SENTENCE = "قُتل عنصران وأصيب ٣ آخرون يوم الاثنين 24 من تشرين الثاني."


# --- helpers ------------------------------------------------------------------------------------

def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def source_ids(event: dict) -> set[str]:
    return {s["article_id"] for s in event["sources"]}


def is_int(v: object) -> bool:
    return type(v) is int


def is_num(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def day(v: str) -> dt.date:
    assert isinstance(v, str) and ISO_DAY.match(v), v
    return dt.date.fromisoformat(v)


def write_article(folder: Path, name: str, text: str, published: str | None = None, **meta: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_bytes(text.encode("utf-8"))
    if published is not None or meta:
        side = dict(meta)
        if published is not None:
            side["published"] = published
        (folder / f"{name}.meta.json").write_text(json.dumps(side, ensure_ascii=False), encoding="utf-8")
    return path


def hermetic_env(places: Path, **extra: str) -> dict[str, str]:
    """The environment for a child `rasd`: user places in a test folder, never the user's own."""
    env = dict(os.environ)
    env["RASD_PLACES"] = str(places)
    env.pop("XDG_DATA_HOME", None)
    env.update(extra)
    return env


def run_rasd(args: list[str], env: dict[str, str], stdin: bytes | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "rasd.cli", *args], input=stdin, capture_output=True,
                          env=env, cwd=cwd, timeout=120)


def rasd_entry_point() -> str | None:
    found = shutil.which("rasd")
    if found:
        return found
    sibling = Path(sys.executable).with_name("rasd")
    return str(sibling) if sibling.exists() else None


def reset_places_caches() -> None:
    reset_gazetteer()
    toponyms.reset_lexicon()


@pytest.fixture(scope="module")
def hermetic_places(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """In-process runs see no user places (a path that does not exist), restored afterwards."""
    path = tmp_path_factory.mktemp("places") / "none.csv"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RASD_PLACES", str(path))
        mp.delenv("XDG_DATA_HOME", raising=False)
        reset_places_caches()
        yield path
    reset_places_caches()


@pytest.fixture(scope="module")
def sample_run(hermetic_places: Path) -> dict:
    """`rasd extract --samples` once, in process: its stdout, stderr, exit code and events."""
    res = CliRunner().invoke(main, ["extract", "--samples"])
    assert res.exit_code == 0, (res.output, res.exception)
    events = jsonl(res.stdout)
    assert events, "the samples must yield events"
    return {"stdout": res.stdout, "stderr": res.stderr, "events": events}


@pytest.fixture(scope="module")
def sample_texts() -> dict[str, str]:
    """The sample articles' original text, as read from disk (no newline translation)."""
    return {p.name[: -len(".txt")]: p.read_bytes().decode("utf-8")
            for p in sorted(samples_dir().glob("*.txt"))}


# --- version and help ---------------------------------------------------------------------------

def test_version_in_process() -> None:
    res = CliRunner().invoke(main, ["--version"])
    assert res.exit_code == 0
    assert rasd.__version__ in res.output
    assert "rasd" in res.output


def test_version_entry_point(tmp_path: Path) -> None:
    exe = rasd_entry_point()
    if exe is None:
        pytest.skip("the rasd entry point is not installed")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60,
                         env=hermetic_env(tmp_path / "none.csv"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"rasd, version {rasd.__version__}"


def _all_command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [prefix]
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            paths.extend(_all_command_paths(cmd, (*prefix, name)))
        else:
            paths.append((*prefix, name))
    return paths


COMMAND_PATHS = _all_command_paths(main)


def test_every_documented_command_exists() -> None:
    for path in [("extract",), ("inspect",), ("about",), ("samples",), ("gazetteer",),
                 ("gazetteer", "search"), ("gazetteer", "add"), ("gazetteer", "path")]:
        assert path in COMMAND_PATHS, path


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "rasd")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(path: tuple[str, ...], flag: str) -> None:
    res = CliRunner().invoke(main, [*path, flag], prog_name="rasd")
    assert res.exit_code == 0, res.output
    usage = " ".join(("Usage: rasd", *path))
    assert res.output.startswith(usage), res.output[:200]


def test_help_lists_the_options_of_extract() -> None:
    out = CliRunner().invoke(main, ["extract", "--help"]).output
    for opt in ("--format", "jsonl", "csv", "geojson", "-o, --output", "--samples", "--background",
                "--no-link"):
        assert opt in out, opt


# --- extract --samples, JSONL --------------------------------------------------------------------

def test_extract_samples_stdout_is_clean_jsonl(sample_run: dict) -> None:
    lines = [line for line in sample_run["stdout"].split("\n") if line]
    for line in lines:
        obj = json.loads(line)  # every line parses
        assert isinstance(obj, dict)
    assert len(lines) == len(sample_run["events"])
    # the summary goes to stderr, never into the data
    assert "articles read" not in sample_run["stdout"]
    # no sample article is a bad item
    assert not [line for line in sample_run["stderr"].splitlines() if ".txt" in line or ".json" in line]


def check_event(e: dict) -> None:
    missing = [f for f in FIELDS if f not in e]
    assert not missing, f"{e.get('id')}: missing {missing}"
    assert isinstance(e["id"], str) and e["id"]
    assert e["report_kind"] in REPORT_KINDS

    # dates
    if e["event_date"] is None:
        assert e["date_end"] is None or day(e["date_end"])
    else:
        start = day(e["event_date"])
        assert e["date_end"] is not None, e["id"]
        assert day(e["date_end"]) >= start
        assert e["time_precision"] in (1, 2, 3), e["id"]
    assert e["time_precision"] in (1, 2, 3, None)

    # types
    assert e["disorder_type"] in DISORDER
    assert e["event_type"] in ACLED, e["event_type"]
    assert e["sub_event_type"] in ACLED[e["event_type"]], (e["event_type"], e["sub_event_type"])
    if e["event_type"] in DISORDER_OF:
        assert e["disorder_type"] == DISORDER_OF[e["event_type"]], e["id"]

    # actors
    assert isinstance(e["actors"], list)
    for a in e["actors"]:
        assert isinstance(a, dict)
        assert isinstance(a["key"], str) and a["key"]
        assert isinstance(a["name"], str) and a["name"]
        assert a["side"] in (1, 2) and is_int(a["side"])
        assert a["role"] in ("primary", "associated")

    # place
    assert isinstance(e["country"], str) and e["country"]
    assert e["admin1"] is None or e["admin1"] in ADMIN1, e["admin1"]
    if e["country"] != "Syria":
        assert e["admin1"] is None and e["admin2"] is None and e["admin3"] is None
    for f in ("admin2", "admin3", "location", "location_ar"):
        assert e[f] is None or (isinstance(e[f], str) and e[f]), (f, e[f])
    assert (e["latitude"] is None) == (e["longitude"] is None)
    if e["latitude"] is not None:
        assert is_num(e["latitude"]) and is_num(e["longitude"])
        assert -90 <= e["latitude"] <= 90 and -180 <= e["longitude"] <= 180
        assert e["geo_precision"] in (1, 2, 3), e["id"]
    assert e["geo_precision"] in (1, 2, 3, None)

    # counts
    for f in ("fatalities", "injured", "arrested"):
        assert e[f] is None or (is_int(e[f]) and e[f] >= 0), (f, e[f])
    if e["killed"] is not None:
        assert isinstance(e["killed"], dict)
        assert set(e["killed"]) == {"side1", "side2", "civilians"}, e["killed"]
        for v in e["killed"].values():
            assert v is None or (is_int(v) and v >= 0)
        by_side = sum(v for v in e["killed"].values() if v)
        if e["fatalities"] is not None:
            assert by_side <= e["fatalities"], (e["id"], e["killed"], e["fatalities"])
    assert isinstance(e["seized"], list)
    assert set(e["seized"]) <= SEIZED, e["seized"]
    assert len(set(e["seized"])) == len(e["seized"])

    # sources
    assert isinstance(e["sources"], list) and e["sources"]
    ids = [s["article_id"] for s in e["sources"]]
    assert len(ids) == len(set(ids))
    for s in e["sources"]:
        assert set(s) >= {"article_id", "outlet", "url", "published"}, s
        assert isinstance(s["article_id"], str) and s["article_id"]
        assert s["published"] is None or day(s["published"])

    assert isinstance(e["notes"], str) and e["notes"].strip()

    # evidence
    assert isinstance(e["evidence"], list)
    for ev in e["evidence"]:
        assert set(ev) >= {"field", "article_id", "start", "end", "text"}, ev
        assert isinstance(ev["field"], str) and ev["field"]
        assert is_int(ev["start"]) and is_int(ev["end"]) and 0 <= ev["start"] < ev["end"], ev
        assert isinstance(ev["text"], str) and len(ev["text"]) == ev["end"] - ev["start"], ev
        assert ev["article_id"] in ids, (ev, ids)

    assert is_num(e["confidence"]) and 0 <= e["confidence"] <= 1


def test_every_sample_event_follows_the_contract(sample_run: dict) -> None:
    for e in sample_run["events"]:
        check_event(e)


def test_sample_events_have_unique_ids(sample_run: dict) -> None:
    ids = [e["id"] for e in sample_run["events"]]
    assert len(ids) == len(set(ids))


def test_sample_sources_carry_the_sidecar_metadata(sample_run: dict) -> None:
    metas = {p.name[: -len(".meta.json")]: json.loads(p.read_text("utf-8"))
             for p in samples_dir().glob("*.meta.json")}
    seen = 0
    for e in sample_run["events"]:
        for s in e["sources"]:
            meta = metas[s["article_id"]]
            assert s["outlet"] == meta["outlet"]
            assert s["url"] == meta["url"]
            assert s["published"] == meta.get("published")
            seen += 1
    assert seen >= len(sample_run["events"])


def test_sample_evidence_is_the_article_text(sample_run: dict, sample_texts: dict[str, str]) -> None:
    checked = 0
    for e in sample_run["events"]:
        assert e["evidence"], f"{e['id']} has no evidence"
        for ev in e["evidence"]:
            text = sample_texts[ev["article_id"]]
            assert ev["end"] <= len(text), ev
            assert text[ev["start"]:ev["end"]] == ev["text"], ev
            checked += 1
    assert checked > 0


def test_extract_is_stable_across_processes(sample_run: dict, hermetic_places: Path) -> None:
    # a different hash seed in a new process: ids and output must not depend on it
    out = run_rasd(["extract", "--samples"], env=hermetic_env(hermetic_places, PYTHONHASHSEED="7"))
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode("utf-8") == sample_run["stdout"]


def test_extract_twice_in_one_process_is_identical(sample_run: dict) -> None:
    res = CliRunner().invoke(main, ["extract", "--samples"])
    assert res.exit_code == 0
    assert res.stdout == sample_run["stdout"]


def test_output_file_jsonl(sample_run: dict, tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    res = CliRunner().invoke(main, ["extract", "--samples", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    assert out.read_text("utf-8") == sample_run["stdout"]


def test_no_link_keeps_one_record_per_article(sample_run: dict) -> None:
    res = CliRunner().invoke(main, ["extract", "--samples", "--no-link"])
    assert res.exit_code == 0
    events = jsonl(res.stdout)
    for e in events:
        check_event(e)
        assert len(e["sources"]) == 1, e["sources"]
    linked_multi = [e for e in sample_run["events"] if len(e["sources"]) > 1]
    assert linked_multi, "linking merges at least the two Jableh reports"
    assert len(events) > len(sample_run["events"])


def test_background_adds_background_records_only(sample_run: dict) -> None:
    res = CliRunner().invoke(main, ["extract", "--samples", "--background"])
    assert res.exit_code == 0
    events = jsonl(res.stdout)
    for e in events:
        check_event(e)
    kinds = [e["report_kind"] for e in events]
    assert "background" in kinds
    assert all(e["report_kind"] != "background" for e in sample_run["events"])
    plain = {e["id"] for e in sample_run["events"]}
    assert plain <= {e["id"] for e in events}
    assert all(e["report_kind"] == "background" for e in events if e["id"] not in plain)


# --- CSV and GeoJSON ----------------------------------------------------------------------------

def test_csv_has_one_row_per_event(sample_run: dict, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["extract", "--samples", "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout, newline="")))
    events = sample_run["events"]
    assert len(rows) == len(events)
    assert [r["id"] for r in rows] == [e["id"] for e in events]
    for r, e in zip(rows, events, strict=True):
        assert r["report_kind"] == e["report_kind"]
        assert r["event_type"] == e["event_type"]
        assert r["admin1"] == (e["admin1"] or "")
        assert r["fatalities"] == ("" if e["fatalities"] is None else str(e["fatalities"]))
        assert set(r["source_ids"].split("; ")) == source_ids(e)
        assert json.loads(r["evidence"]) == e["evidence"]
    # -o writes the same
    out = tmp_path / "events.csv"
    res2 = CliRunner().invoke(main, ["extract", "--samples", "--format", "csv", "-o", str(out)])
    assert res2.exit_code == 0
    with out.open(encoding="utf-8", newline="") as f:
        assert [r["id"] for r in csv.DictReader(f)] == [e["id"] for e in events]


def test_geojson_feature_collection_to_file(sample_run: dict, tmp_path: Path) -> None:
    out = tmp_path / "events.geojson"
    res = CliRunner().invoke(main, ["extract", "--samples", "--format", "geojson", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    assert out.exists()
    fc = json.loads(out.read_text("utf-8"))
    assert fc["type"] == "FeatureCollection"
    feats = fc["features"]
    by_id = {e["id"]: e for e in sample_run["events"]}
    assert len(feats) == len(by_id)
    points = 0
    for f in feats:
        assert f["type"] == "Feature"
        e = by_id[f["id"]]
        assert f["properties"]["event_type"] == e["event_type"]
        if e["latitude"] is None:
            assert f["geometry"] is None
            continue
        g = f["geometry"]
        assert g["type"] == "Point"
        lon, lat = g["coordinates"]  # RFC 7946: longitude first
        assert SYRIA_LON[0] <= lon <= SYRIA_LON[1], (f["id"], lon, lat)
        assert SYRIA_LAT[0] <= lat <= SYRIA_LAT[1], (f["id"], lon, lat)
        assert lon == pytest.approx(e["longitude"], abs=1e-5)
        assert lat == pytest.approx(e["latitude"], abs=1e-5)
        points += 1
    # only tallies (several places) and undated wire reports may lack a place
    unplaced = [by_id[f["id"]] for f in feats if f["geometry"] is None]
    assert all(e["report_kind"] == "aggregate" or e["event_date"] is None for e in unplaced), unplaced
    assert points == len(feats) - len(unplaced) and points >= len(feats) // 2


def test_geojson_on_stdout_parses() -> None:
    res = CliRunner().invoke(main, ["extract", "--samples", "--format", "geojson"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)["type"] == "FeatureCollection"


def test_unknown_format_is_a_usage_error() -> None:
    res = CliRunner().invoke(main, ["extract", "--samples", "--format", "xml"])
    assert res.exit_code == 2
    assert "xml" in res.output


# --- pipes --------------------------------------------------------------------------------------

def test_jsonl_on_stdin(tmp_path: Path) -> None:
    feed = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in FEED).encode("utf-8")
    out = run_rasd(["extract", "-"], env=hermetic_env(tmp_path / "none.csv"), stdin=feed)
    assert out.returncode == 0, out.stderr.decode()
    events = jsonl(out.stdout.decode("utf-8"))
    for e in events:
        check_event(e)
    named = set().union(*(source_ids(e) for e in events)) if events else set()
    assert named == {a["id"] for a in FEED}
    texts = {a["id"]: a["text"] for a in FEED}
    for e in events:
        for s in e["sources"]:
            assert s["outlet"] == "Test Wire"
            assert s["published"] == next(a["published"] for a in FEED if a["id"] == s["article_id"])
        for ev in e["evidence"]:
            assert texts[ev["article_id"]][ev["start"]:ev["end"]] == ev["text"]
    by_src = {next(iter(source_ids(e))): e for e in events if len(e["sources"]) == 1}
    assert by_src["pipe-ied-mayadin"]["admin1"] == "Deir ez Zor"
    assert by_src["pipe-ied-mayadin"]["event_date"] == "2025-06-10"
    assert by_src["pipe-arrests-jableh"]["admin1"] == "Lattakia"
    assert by_src["pipe-arrests-jableh"]["event_date"] == "2025-04-01"
    assert by_src["pipe-arrests-jableh"]["arrested"] == 4


def test_csv_from_stdin_in_process() -> None:
    feed = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in FEED)
    res = CliRunner().invoke(main, ["extract", "-", "--format", "csv"], input=feed.encode("utf-8"))
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout, newline="")))
    assert {r["source_ids"] for r in rows} == {a["id"] for a in FEED}


def test_plain_text_on_stdin_is_one_article() -> None:
    res = CliRunner().invoke(main, ["extract", "-"], input=FEED[0]["text"].encode("utf-8"))
    assert res.exit_code == 0, res.output
    events = jsonl(res.stdout)
    assert events
    assert all(source_ids(e) == {"stdin"} for e in events)


# --- bad input ----------------------------------------------------------------------------------

def test_bad_items_are_reported_and_the_rest_is_written(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_article(folder, "good", GOOD_ARTICLE, "2025-06-10", outlet="Test")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" + bytes(range(256)) * 4)
    (folder / "empty.txt").write_bytes(b"")
    good_line = json.dumps(FEED[1], ensure_ascii=False)
    (folder / "feed.jsonl").write_text(good_line + "\n" + '{"id": "broken", "text": "نص\n', encoding="utf-8")

    out = run_rasd(["extract", str(folder)], env=hermetic_env(tmp_path / "none.csv"))
    stderr = out.stderr.decode("utf-8")
    assert out.returncode == 1, stderr
    lines = stderr.splitlines()

    def lines_naming(name: str) -> list[str]:
        return [line for line in lines if name in line]

    assert len(lines_naming("binary.txt")) == 1, stderr
    assert len(lines_naming("empty.txt")) == 1, stderr
    assert len(lines_naming("feed.jsonl")) == 1, stderr
    assert re.search(r"feed\.jsonl:2\b", lines_naming("feed.jsonl")[0]), stderr
    assert not lines_naming("good.txt"), stderr
    assert not re.search(r"feed\.jsonl:1\b", stderr)

    events = jsonl(out.stdout.decode("utf-8"))
    for e in events:
        check_event(e)
    named = set().union(*(source_ids(e) for e in events)) if events else set()
    assert named == {"good", FEED[1]["id"]}


def test_hostile_items_are_one_line_each_and_the_good_articles_are_written(tmp_path: Path) -> None:
    """Issue 16: a lone surrogate, a file name that is not UTF-8, JSON nested too deeply, a number of
    5,000 digits and a publication date in year 9999 are each one line on stderr; exit 1; every good
    article is extracted and written, and stdout is valid UTF-8."""
    folder = tmp_path / "in"
    folder.mkdir()
    lines = [
        json.dumps(FEED[0], ensure_ascii=False),
        '{"id": "surrogate", "text": "\\ud800 x"}',
        '{"id": "deep", "text": "x", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": "digits", "text": "x", "n": ' + "9" * 5000 + "}",
        json.dumps({**FEED[1], "id": "far-future", "published": "9999-12-31"}, ensure_ascii=False),
        json.dumps(FEED[1], ensure_ascii=False),
    ]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / os.fsdecode(b"b\xff.txt")).write_text(GOOD_ARTICLE, encoding="utf-8")
    out = run_rasd(["extract", str(folder)], env=hermetic_env(tmp_path / "none.csv"))
    stderr = out.stderr.decode("utf-8")
    assert out.returncode == 1, stderr
    assert "Traceback" not in stderr
    bad = [ln for ln in stderr.splitlines() if ln.startswith("rasd: ") and "articles read" not in ln]
    assert [re.sub(r".*?/in/", "", ln).split(":")[0:2] for ln in bad] == [
        ["a.jsonl", "2"], ["a.jsonl", "3"], ["a.jsonl", "4"], ["a.jsonl", "5"], ["b\\xff.txt", " lone surrogates replaced by U+FFFD in id (1), file name (1) (article kept)"]], stderr
    events = jsonl(out.stdout.decode("utf-8"))  # strict UTF-8
    named = set().union(*(source_ids(e) for e in events))
    assert {FEED[0]["id"], FEED[1]["id"], "far-future", "b\ufffd"} <= named
    assert "rasd: 5 articles read, 2 failed, 3 repaired" in stderr


def test_missing_path_fails_with_its_name(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    res = CliRunner().invoke(main, ["extract", str(missing)])
    assert res.exit_code == 1
    assert str(missing) in res.stderr
    assert res.stdout == ""


def test_output_into_a_missing_folder_is_a_clean_error(tmp_path: Path) -> None:
    article = write_article(tmp_path / "in", "good", GOOD_ARTICLE, "2025-06-10")
    target = tmp_path / "no" / "such" / "folder" / "events.jsonl"
    res = CliRunner().invoke(main, ["extract", str(article), "-o", str(target)])
    assert res.exit_code != 0
    # a message naming the path, not an uncaught exception (a traceback for the user)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert str(target) in res.stderr, res.stderr
    assert not target.exists()


def test_extract_without_paths_is_a_usage_error() -> None:
    res = CliRunner().invoke(main, ["extract"])
    assert res.exit_code == 2
    assert "PATH" in res.output


def test_evidence_offsets_refer_to_the_file_as_read(tmp_path: Path) -> None:
    """CRLF line ends and Windows-1256 are read as is: offsets index the decoded original."""
    folder = tmp_path / "enc"
    folder.mkdir()
    crlf = VILLAGE_ARTICLE.replace("\n", "\r\n")
    (folder / "crlf.txt").write_bytes(crlf.encode("utf-8"))
    (folder / "win.txt").write_bytes(GOOD_ARTICLE.encode("cp1256"))
    for name, pub in (("crlf", "2025-11-24"), ("win", "2025-06-10")):
        (folder / f"{name}.meta.json").write_text(json.dumps({"published": pub}), encoding="utf-8")
    res = CliRunner().invoke(main, ["extract", str(folder)])
    assert res.exit_code == 0, res.output
    originals = {"crlf": crlf, "win": GOOD_ARTICLE}
    events = jsonl(res.stdout)
    assert {a for e in events for a in source_ids(e)} == {"crlf", "win"}
    for e in events:
        check_event(e)
        for ev in e["evidence"]:
            assert originals[ev["article_id"]][ev["start"]:ev["end"]] == ev["text"], ev


# --- inspect ------------------------------------------------------------------------------------

def test_inspect_json(tmp_path: Path) -> None:
    folder = tmp_path / "ins"
    text = INSPECT_SENTENCE + "\n\n" + GOOD_ARTICLE
    write_article(folder, "one", text, "2025-11-25")
    write_article(folder, "two", FEED[1]["text"], "2025-04-02")
    res = CliRunner().invoke(main, ["inspect", "--json", str(folder)])
    assert res.exit_code == 0, res.output
    objs = jsonl(res.stdout)
    assert [o["id"] for o in objs] == ["one", "two"]
    originals = {"one": text, "two": FEED[1]["text"]}
    for o in objs:
        assert set(o) == {"id", "published", "sentences", "numbers", "dates"}
        original = originals[o["id"]]
        assert o["sentences"]
        prev_end = 0
        for s in o["sentences"]:
            assert set(s) == {"start", "end"}
            assert prev_end <= s["start"] < s["end"] <= len(original), s
            prev_end = s["end"]
        for n in o["numbers"]:
            assert set(n) == {"start", "end", "text", "value", "kind"}
            assert original[n["start"]:n["end"]] == n["text"], n
        for d in o["dates"]:
            assert set(d) == {"start", "end", "text", "date_start", "date_end", "precision"}
            assert original[d["start"]:d["end"]] == d["text"], d

    one = objs[0]
    assert one["published"] == "2025-11-25"
    first = one["sentences"][0]
    in_first = [n for n in one["numbers"] if n["end"] <= first["end"]]
    assert [n["value"] for n in in_first] == [2, 3]
    assert [n["text"] for n in in_first] == ["عنصران", "٣"]
    dates_first = [d for d in one["dates"] if d["end"] <= first["end"]]
    assert len(dates_first) == 1
    d = dates_first[0]
    assert d["date_start"] == "2025-11-24" and d["date_end"] == "2025-11-24"
    assert d["precision"] == 1
    assert "24" in d["text"] and "تشرين الثاني" in d["text"]


def test_inspect_text_output(tmp_path: Path) -> None:
    path = write_article(tmp_path, "one", INSPECT_SENTENCE, "2025-11-25")
    res = CliRunner().invoke(main, ["inspect", str(path)])
    assert res.exit_code == 0, res.output
    assert "published=2025-11-25" in res.stdout
    assert "2025-11-24" in res.stdout


def test_inspect_bad_input_exits_non_zero(tmp_path: Path) -> None:
    good = write_article(tmp_path, "good", INSPECT_SENTENCE, "2025-11-25")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    res = CliRunner().invoke(main, ["inspect", "--json", str(good), str(empty)])
    assert res.exit_code == 1
    assert "empty.txt" in res.stderr
    assert [o["id"] for o in jsonl(res.stdout)] == ["good"]


def test_inspect_needs_a_path() -> None:
    assert CliRunner().invoke(main, ["inspect"]).exit_code == 2


# --- gazetteer ----------------------------------------------------------------------------------

def test_gazetteer_search_hama(hermetic_places: Path) -> None:
    res = CliRunner().invoke(main, ["gazetteer", "search", "حماة"])
    assert res.exit_code == 0, res.output
    assert "Hama" in res.stdout
    res = CliRunner().invoke(main, ["gazetteer", "search", "--json", "حماة"])
    places = jsonl(res.stdout)
    assert any(p.get("admin1") == "Hama" for p in places), places


def test_gazetteer_search_unknown_fails(hermetic_places: Path) -> None:
    res = CliRunner().invoke(main, ["gazetteer", "search", VILLAGE_AR])
    assert res.exit_code == 1
    assert VILLAGE_AR in res.stderr


def test_gazetteer_path_follows_rasd_places(tmp_path: Path) -> None:
    places = tmp_path / "mine.csv"
    res = CliRunner().invoke(main, ["gazetteer", "path"], env={"RASD_PLACES": str(places)})
    assert res.exit_code == 0
    assert res.stdout.strip() == str(places)


def test_gazetteer_add_then_search_and_extract_in_new_processes(tmp_path: Path) -> None:
    """`gazetteer add` writes the CSV; the next runs (new processes) search and place with it."""
    places = tmp_path / "places.csv"
    env = hermetic_env(places)

    add = CliRunner().invoke(main, ["gazetteer", "add", "--ar", VILLAGE_AR, "--en", VILLAGE_EN,
                                    "--admin1", "Hama", "--lat", str(VILLAGE_LAT), "--lon", str(VILLAGE_LON),
                                    "--kind", "village"], env={"RASD_PLACES": str(places)})
    assert add.exit_code == 0, add.output
    assert VILLAGE_AR in add.stdout and str(places) in add.stdout
    with places.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and rows[0]["name_ar"] == VILLAGE_AR and rows[0]["admin1"] == "Hama"

    found = run_rasd(["gazetteer", "search", VILLAGE_AR], env=env)
    assert found.returncode == 0, found.stderr.decode()
    line = found.stdout.decode("utf-8")
    assert VILLAGE_AR in line and VILLAGE_EN in line and "35.2100" in line

    folder = tmp_path / "news"
    write_article(folder, "village", VILLAGE_ARTICLE, "2025-11-24", outlet="Test")
    ext = run_rasd(["extract", str(folder)], env=env)
    assert ext.returncode == 0, ext.stderr.decode()
    events = jsonl(ext.stdout.decode("utf-8"))
    assert len(events) == 1, events
    e = events[0]
    check_event(e)
    assert e["admin1"] == "Hama"
    assert e["location"] == VILLAGE_EN
    assert VILLAGE_AR in (e["location_ar"] or "")
    assert e["geo_precision"] == 1
    assert e["latitude"] == pytest.approx(VILLAGE_LAT, abs=1e-4)
    assert e["longitude"] == pytest.approx(VILLAGE_LON, abs=1e-4)
    assert e["event_date"] == "2025-11-23"  # "مساء أمس الأحد", published Monday 24 November


@pytest.fixture
def fresh_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "places.csv"
    monkeypatch.setenv("RASD_PLACES", str(path))
    reset_places_caches()
    yield path
    monkeypatch.undo()
    reset_places_caches()


def test_reset_gazetteer_makes_an_added_place_usable_in_process(fresh_places: Path, tmp_path: Path) -> None:
    """reset_gazetteer() is documented for "after user places changed": extraction must see them."""
    folder = tmp_path / "news"
    write_article(folder, "village", VILLAGE_ARTICLE, "2025-11-24")
    runner = CliRunner()
    warm = runner.invoke(main, ["extract", str(folder)])  # loads the gazetteer and every cache
    assert warm.exit_code == 0
    add = runner.invoke(main, ["gazetteer", "add", "--ar", VILLAGE_AR, "--en", VILLAGE_EN,
                               "--admin1", "Hama", "--lat", str(VILLAGE_LAT), "--lon", str(VILLAGE_LON)])
    assert add.exit_code == 0, add.output
    reset_gazetteer()
    assert VILLAGE_EN in runner.invoke(main, ["gazetteer", "search", VILLAGE_AR]).stdout
    events = jsonl(runner.invoke(main, ["extract", str(folder)]).stdout)
    assert len(events) == 1
    assert events[0]["location"] == VILLAGE_EN, events[0]["location"]
    assert events[0]["geo_precision"] == 1
    assert events[0]["latitude"] == pytest.approx(VILLAGE_LAT, abs=1e-4)


@pytest.mark.parametrize(("args", "message"), [
    (["--admin1", "Hamah", "--lat", "35.2", "--lon", "36.5"], "admin1"),
    (["--admin1", "hama", "--lat", "35.2", "--lon", "36.5"], "admin1"),
    (["--admin1", "Hama", "--lat", "48.8", "--lon", "2.3"], "outside Syria"),
])
def test_gazetteer_add_rejects_bad_places(fresh_places: Path, args: list[str], message: str) -> None:
    res = CliRunner().invoke(main, ["gazetteer", "add", "--ar", VILLAGE_AR, "--en", VILLAGE_EN, *args])
    assert res.exit_code != 0
    assert res.exit_code == 2  # a usage error, not a crash
    assert message in res.output, res.output
    assert not fresh_places.exists() or VILLAGE_AR not in fresh_places.read_text("utf-8")


def test_gazetteer_add_bad_admin1_lists_the_governorates(fresh_places: Path) -> None:
    res = CliRunner().invoke(main, ["gazetteer", "add", "--ar", VILLAGE_AR, "--en", VILLAGE_EN,
                                    "--admin1", "Hamah", "--lat", "35.2", "--lon", "36.5"])
    assert res.exit_code == 2
    assert "Hamah" in res.output
    for name in ("Hama", "Dar'a", "Rural Damascus"):
        assert name in res.output


def test_gazetteer_add_needs_an_arabic_name(fresh_places: Path) -> None:
    res = CliRunner().invoke(main, ["gazetteer", "add", "--ar", "Ain", "--en", VILLAGE_EN,
                                    "--admin1", "Hama", "--lat", "35.2", "--lon", "36.5"])
    assert res.exit_code == 2
    assert "Arabic" in res.output
    assert not fresh_places.exists()


# --- about and samples --------------------------------------------------------------------------

def test_about_names_version_and_licences() -> None:
    res = CliRunner().invoke(main, ["about"])
    assert res.exit_code == 0
    out = res.stdout
    assert rasd.__version__ in out.splitlines()[0]
    for needle in ("OpenSyria", "GeoNames", "CC BY 4.0", "Natural Earth"):
        assert needle in out, needle


def test_samples_prints_the_sample_folder() -> None:
    res = CliRunner().invoke(main, ["samples"])
    assert res.exit_code == 0
    folder = Path(res.stdout.strip())
    assert folder.is_dir()
    assert len(list(folder.glob("*.txt"))) == sample_articles()
    assert len(list(folder.glob("*.meta.json"))) == sample_articles()


# --- Parquet input ------------------------------------------------------------------------------

def test_extract_parquet_equals_the_same_rows_as_jsonl(sample_run: dict, tmp_path: Path) -> None:
    """The sample articles as Parquet rows (published typed date32) give the events of the same JSONL."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from rasd.ingest import iter_articles

    arts = list(iter_articles([str(samples_dir())]))
    assert len(arts) == sample_articles() and all(a.meta == {} for a in arts) and any(a.published for a in arts)
    rows = [{"id": a.id, "text": a.text, "title": a.title, "url": a.url, "outlet": a.outlet,
             "published": a.published} for a in arts]
    (tmp_path / "pq").mkdir()
    parquet = tmp_path / "pq" / "samples.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet, row_group_size=8)
    assert pq.read_schema(parquet).field("published").type == pa.date32()
    feed = tmp_path / "samples.jsonl"
    feed.write_text("".join(json.dumps({**r, "published": r["published"] and r["published"].isoformat()},
                                       ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    res = CliRunner().invoke(main, ["extract", str(parquet)])
    assert res.exit_code == 0, (res.output, res.exception)
    assert f"{sample_articles()} articles read, 0 failed" in res.stderr, res.stderr
    want = CliRunner().invoke(main, ["extract", str(feed)])
    assert want.exit_code == 0, want.output
    events = jsonl(res.stdout)
    assert events and events == jsonl(want.stdout)
    assert events == sample_run["events"]


def test_gazetteer_add_twice_updates_the_place(fresh_places: Path) -> None:
    runner = CliRunner()
    args = ["gazetteer", "add", "--ar", VILLAGE_AR, "--en", VILLAGE_EN, "--admin1", "Hama",
            "--lat", str(VILLAGE_LAT), "--lon", str(VILLAGE_LON)]
    assert runner.invoke(main, args).stdout.startswith("added")
    moved = ["gazetteer", "add", "--ar", VILLAGE_AR, "--en", VILLAGE_EN + " (corrected)", "--admin1", "Hama",
             "--lat", str(VILLAGE_LAT + 0.01), "--lon", str(VILLAGE_LON), "--aliases", "قرية تجريبية"]
    res = runner.invoke(main, moved)
    assert res.exit_code == 0 and res.stdout.startswith("updated"), res.output
    with fresh_places.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and rows[0]["name_en"] == VILLAGE_EN + " (corrected)"
    reset_gazetteer()
    out = runner.invoke(main, ["gazetteer", "search", VILLAGE_AR]).stdout
    assert out.count("\n") == 1 and "(corrected)" in out


def test_gazetteer_add_of_a_shipped_place_updates_it(fresh_places: Path) -> None:
    """A village the gazetteer has, added again with better coordinates, is one place after."""
    runner = CliRunner()
    before = [ln for ln in runner.invoke(main, ["gazetteer", "search", "متاعية"]).stdout.splitlines() if ln]
    assert len(before) == 1
    lat, lon = (float(x) for x in before[0].split("\t")[4].split(", "))
    res = runner.invoke(main, ["gazetteer", "add", "--ar", "متاعيّة", "--en", "Al-Mutaiya", "--admin1", "Dar'a",
                               "--lat", str(lat + 0.005), "--lon", str(lon)])
    assert res.exit_code == 0 and "it updates" in res.stdout, res.output
    reset_gazetteer()
    after = [ln for ln in runner.invoke(main, ["gazetteer", "search", "متاعية"]).stdout.splitlines() if ln]
    assert len(after) == 1 and "Al-Mutaiya" in after[0] and f"{lat + 0.005:.4f}" in after[0]


def test_gazetteer_search_shows_one_row_per_place(hermetic_places: Path) -> None:
    """Idlib the city, its district and its governorate are one place at one point: one row."""
    res = CliRunner().invoke(main, ["gazetteer", "search", "إدلب"])
    rows = [ln.split("\t") for ln in res.stdout.splitlines() if ln]
    idlib = [r for r in rows if r[0] == "إدلب"]
    assert len(idlib) == 1 and idlib[0][2].startswith("city") and "governorate" in idlib[0][2]
    # diacritics, shadda and hamza forms find the same place
    for q in ("إدْلِب", "ادلب", "أدلب"):
        assert CliRunner().invoke(main, ["gazetteer", "search", q]).stdout.splitlines()[0].startswith("إدلب")


def test_command_modules_share_only_common() -> None:
    """One home for the commands, no cycle: a command module under rasd/cli imports only rasd.cli.common
    of the package; app.py alone gathers them."""
    import ast

    pkg = Path(__file__).resolve().parents[1] / "rasd" / "cli"
    for f in sorted(pkg.glob("*.py")):
        if f.name in ("__init__.py", "__main__.py", "app.py"):
            continue
        mods = {n.module for n in ast.walk(ast.parse(f.read_text("utf-8")))
                if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("rasd.cli")}
        assert mods <= {"rasd.cli.common"}, (f.name, mods)
    assert not (pkg.parent / "ingest_cmd.py").exists() and not (pkg.parent / "commands.py").exists()

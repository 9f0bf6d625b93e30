"""Extraction quality on the bundled sample corpus (rasd/samples), scored against its gold.

The matcher below is written for these tests (it does not need ../shared): a predicted event
may stand for a gold event when they share a source article, have the same report_kind, the
same admin1 (when gold has one) and dates within the gold precision's tolerance; pairs are
taken one to one, the best-agreeing first. The tests that run the project's real scorer on
../shared skip when that folder is absent.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rasd.cli import main, samples_dir

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOLD = samples_dir().parent / "gold.jsonl"

TOLERANCE = {1: 1, 2: 7, 3: 31}  # days, by gold time_precision; unknown precision: a month
COUNTS = ("fatalities", "arrested", "injured")

JABLEH = {"18_latakia_jableh_isis_arrests_syriatv", "19_latakia_jableh_isis_arrests_sana"}


# --- running rasd -------------------------------------------------------------------------------

def child_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["RASD_PLACES"] = str(tmp / "no-user-places.csv")  # the user's own places never leak in
    env.pop("XDG_DATA_HOME", None)
    return env


def extract(args: list[str], tmp: Path) -> list[dict]:
    out = subprocess.run([sys.executable, "-m", "rasd.cli", "extract", *args], capture_output=True,
                         env=child_env(tmp), timeout=300)
    assert out.returncode == 0, out.stderr.decode("utf-8", "replace")
    return [json.loads(line) for line in out.stdout.decode("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def preds(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """`rasd extract --samples`, once per module, in a fresh process."""
    return extract(["--samples"], tmp_path_factory.mktemp("samples"))


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    with GOLD.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# --- a small matcher ----------------------------------------------------------------------------

def sources_of(pred: dict) -> set[str]:
    return {s["article_id"] if isinstance(s, dict) else s for s in pred.get("sources") or []}


def as_day(value: object) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(h)))


def tolerance(g: dict) -> int:
    return TOLERANCE.get(g.get("time_precision"), 31)


def may_match(g: dict, p: dict) -> bool:
    if not set(g["sources"]) & sources_of(p):
        return False
    if p.get("report_kind") != g["report_kind"]:
        return False
    if g.get("admin1") and p.get("admin1") != g["admin1"]:
        return False
    gd, pd = as_day(g.get("event_date")), as_day(p.get("event_date"))
    return gd is None or pd is None or abs((gd - pd).days) <= tolerance(g)


def field_results(g: dict, p: dict) -> dict[str, bool]:
    """Each scored field of gold event g: did prediction p get it right?"""
    res: dict[str, bool] = {}
    for f in ("event_type", "sub_event_type"):
        if g.get(f) is not None:
            res[f] = p.get(f) == g[f]
    if g.get("event_date") is not None:
        gd, pd = as_day(g["event_date"]), as_day(p.get("event_date"))
        allowed = 0 if g.get("time_precision") in (1, None) else tolerance(g)
        res["event_date"] = pd is not None and abs((gd - pd).days) <= allowed
    for f in COUNTS:
        if g.get(f) is not None:
            res[f] = p.get(f) == g[f]
    if g.get("latitude") is not None and g.get("longitude") is not None:
        lat, lon = p.get("latitude"), p.get("longitude")
        res["location"] = (lat is not None and lon is not None
                           and haversine_km(g["latitude"], g["longitude"], lat, lon)
                           <= g.get("radius_km", 10))
    return res


def match(gold: list[dict], preds: list[dict]) -> dict:
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(preds):
            if may_match(g, p):
                agree = sum(field_results(g, p).values())
                candidates.append((-agree, -len(set(g["sources"]) & sources_of(p)), gi, pi))
    candidates.sort()
    g_used: dict[int, int] = {}
    p_used: set[int] = set()
    for _, _, gi, pi in candidates:
        if gi not in g_used and pi not in p_used:
            g_used[gi] = pi
            p_used.add(pi)

    required = [gi for gi, g in enumerate(gold) if not g.get("optional")]
    tp = [gi for gi in required if gi in g_used]
    on_optional = {pi for gi, pi in g_used.items() if gold[gi].get("optional")}
    counted = [pi for pi in range(len(preds)) if pi not in on_optional]
    right = total = 0
    wrong: list[tuple[str, str]] = []
    for gi in tp:
        for f, ok in field_results(gold[gi], preds[g_used[gi]]).items():
            right += ok
            total += 1
            if not ok:
                wrong.append((gold[gi]["id"], f))
    return {
        "recall": len(tp) / len(required) if required else 0.0,
        "precision": len(tp) / len(counted) if counted else 0.0,
        "field_accuracy": right / total if total else 0.0,
        "missed": [gold[gi]["id"] for gi in required if gi not in g_used],
        "unmatched": [(preds[pi].get("id"), sorted(sources_of(preds[pi])), preds[pi].get("event_type"))
                      for pi in counted if pi not in p_used],
        "wrong_fields": wrong,
        "pairs": {gold[gi]["id"]: preds[pi] for gi, pi in g_used.items()},
    }


def gold_as_pred(g: dict) -> dict:
    p = {k: g.get(k) for k in ("report_kind", "event_type", "sub_event_type", "event_date", "admin1",
                               "latitude", "longitude", *COUNTS)}
    p["sources"] = [{"article_id": a} for a in g["sources"]]
    p["id"] = g["id"]
    return p


# --- the matcher itself can fail ----------------------------------------------------------------

def test_matcher_perfect_on_gold_itself(gold: list[dict]) -> None:
    r = match(gold, [gold_as_pred(g) for g in gold])
    assert r["recall"] == 1.0 and r["precision"] == 1.0 and r["field_accuracy"] == 1.0


def test_matcher_penalises_wrong_and_missing_events(gold: list[dict]) -> None:
    assert match(gold, [])["recall"] == 0.0
    moved = []
    for g in gold:
        p = gold_as_pred(g)
        if g.get("admin1"):
            p["admin1"] = "Tartous" if g["admin1"] != "Tartous" else "Homs"
        moved.append(p)
    r = match(gold, moved)
    assert r["recall"] < 0.5 and r["precision"] < 0.5
    shifted = []
    for g in gold:
        p = gold_as_pred(g)
        if p["latitude"] is not None:
            p["latitude"] += 0.5  # about 55 km north
        if isinstance(p.get("fatalities"), int):
            p["fatalities"] += 1
        shifted.append(p)
    assert match(gold, shifted)["field_accuracy"] < 1.0
    assert haversine_km(33.5138, 36.2765, 36.2021, 37.1343) == pytest.approx(310, abs=10)  # Damascus-Aleppo


# --- quality on the samples ---------------------------------------------------------------------

def test_recall(gold: list[dict], preds: list[dict]) -> None:
    r = match(gold, preds)
    assert r["recall"] >= 0.9, f"recall {r['recall']:.3f}; missed {r['missed']}"


def test_precision(gold: list[dict], preds: list[dict]) -> None:
    r = match(gold, preds)
    assert r["precision"] >= 0.85, f"precision {r['precision']:.3f}; unmatched {r['unmatched']}"


def test_field_accuracy(gold: list[dict], preds: list[dict]) -> None:
    r = match(gold, preds)
    assert r["field_accuracy"] >= 0.75, (
        f"field accuracy {r['field_accuracy']:.3f}; wrong {r['wrong_fields']}")


def test_off_topic_articles_yield_nothing(preds: list[dict]) -> None:
    off = [p for p in preds if any(a.startswith(("13_", "14_")) for a in sources_of(p))]
    assert not off, [(p["id"], p["event_type"], sorted(sources_of(p))) for p in off]


def test_off_topic_articles_yield_nothing_even_with_background_and_no_link() -> None:
    folder = samples_dir()
    paths = [str(p) for p in sorted(folder.glob("*.txt")) if p.name.startswith(("13_", "14_"))]
    assert len(paths) == 2
    res = CliRunner().invoke(main, ["extract", "--background", "--no-link", *paths])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == "", res.stdout


def test_jableh_reports_merge_into_one_event(preds: list[dict]) -> None:
    touching = [p for p in preds if sources_of(p) & JABLEH]
    assert len(touching) == 1, [(p["id"], sorted(sources_of(p))) for p in touching]
    assert JABLEH <= sources_of(touching[0])


def test_jableh_keeps_the_ministry_figure(preds: list[dict]) -> None:
    merged = [p for p in preds if JABLEH <= sources_of(p)]
    assert merged and merged[0]["arrested"] == 4
    assert merged[0]["admin1"] == "Lattakia"
    assert merged[0]["event_date"] == "2025-10-12"


def test_one_event_per_reported_incident(gold: list[dict], preds: list[dict]) -> None:
    """An article whose gold events are all required yields exactly that many events."""
    by_article: dict[str, list[dict]] = {}
    for g in gold:
        for a in g["sources"]:
            by_article.setdefault(a, []).append(g)
    wrong = {}
    for article, gs in sorted(by_article.items()):
        if any(g.get("optional") for g in gs):
            continue
        got = [p for p in preds if article in sources_of(p)]
        if len(got) != len(gs):
            wrong[article] = [(p["event_type"], p["sub_event_type"], p["location"], p["event_date"])
                              for p in got]
    assert not wrong, wrong


def test_undated_wire_keeps_a_null_date(preds: list[dict]) -> None:
    wire = [p for p in preds if any(a.startswith("15_") for a in sources_of(p))]
    assert wire
    for p in wire:
        assert p["event_date"] is None, p["event_date"]  # no publication date; "2017" is a trap
        assert p["time_precision"] is None


def test_monthly_tally_stays_an_aggregate(preds: list[dict]) -> None:
    tally = [p for p in preds if any(a.startswith("11_") for a in sources_of(p))]
    aggregates = [p for p in tally if p["report_kind"] == "aggregate"]
    assert len(aggregates) == 1
    assert aggregates[0]["arrested"] == 27
    points = [p for p in tally if p["report_kind"] == "incident"]
    assert all(p["admin1"] is None and p["event_date"] is None for p in points), points


def test_same_day_two_governorates_are_two_events(preds: list[dict]) -> None:
    both = [p for p in preds if any(a.startswith("20_") for a in sources_of(p))]
    assert sorted(p["admin1"] for p in both) == ["Aleppo", "Deir ez Zor"]
    assert {p["event_date"] for p in both} == {"2022-08-18"}


# --- the project's scorer, when ../shared is there ----------------------------------------------

needs_shared = pytest.mark.skipif(not (SHARED / "eval" / "score.py").is_file(),
                                  reason="../shared (scorer, seeds, gold) is absent")


def real_score(gold_path: Path, pred_path: Path, articles: Path) -> dict:
    out = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(gold_path), str(pred_path),
                          "--articles", str(articles), "--json"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@needs_shared
def test_real_scorer_on_shared_seeds(tmp_path: Path) -> None:
    events = extract([str(SHARED / "seeds")], tmp_path)
    pred = tmp_path / "seeds.jsonl"
    pred.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    r = real_score(SHARED / "gold" / "seeds.jsonl", pred, SHARED / "seeds")
    assert r["f1"] >= 0.9, r
    assert r["field_accuracy"] >= 0.8, r
    assert r["evidence_bad"] is not None and r["evidence_bad"].startswith("0/"), r["evidence_bad"]


@needs_shared
def test_real_scorer_on_the_samples(preds: list[dict], tmp_path: Path) -> None:
    pred = tmp_path / "samples.jsonl"
    pred.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in preds), encoding="utf-8")
    r = real_score(GOLD, pred, samples_dir())
    assert r["f1"] >= 0.9, r
    assert r["evidence_bad"] is not None and r["evidence_bad"].startswith("0/"), r["evidence_bad"]
    mine = match([json.loads(line) for line in GOLD.read_text("utf-8").splitlines() if line.strip()],
                 preds)
    assert mine["recall"] == pytest.approx(r["recall"], abs=0.06)  # the two matchers agree

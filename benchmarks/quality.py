"""Extraction quality on real reporting: the seeds and the two development sets, scored by
`../shared/eval/score.py` exactly as Rasd is judged.

    python benchmarks/quality.py                 # one line a set: F1, precision, recall, fields
    python benchmarks/quality.py --misses        # also every miss and false positive, with the
                                                 # gold coder's note and what Rasd wrote instead
    python benchmarks/quality.py --set ant2018 --misses
    python benchmarks/quality.py --check         # exit 1 when a set is below its goal

Extraction runs in this process, through the same reader, pipeline and linker as `rasd extract`.
Without `../shared` it prints that it has nothing to measure and exits 0.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SETS = {  # name: (articles, gold, goal F1)
    "seeds": ("seeds", "gold/seeds.jsonl", 1.0),
    "news2025": ("dev/news2025", "dev/news2025.gold.jsonl", 0.90),
    "ant2018": ("dev/ant2018", "dev/ant2018.gold.jsonl", 0.80),
}


def _scorer(shared: Path) -> Any:
    spec = importlib.util.spec_from_file_location("rasd_score", shared / "eval" / "score.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def extract(folder: Path, background: bool = False) -> list[dict]:
    """The events `rasd extract FOLDER` writes."""
    from rasd.engines.local import extract_events

    return extract_events([str(folder)], background)


def _in_scope(score: Any, gold: list[dict], preds: list[dict], folder: Path) -> list[dict]:
    """The predictions score.py judges (its own filter, with --articles)."""
    scope = set().union(*(score.source_ids(g) for g in gold)) if gold else set()
    scope |= {p.stem for p in folder.iterdir() if p.suffix in (".txt", ".html")}
    return [p for p in preds if score.source_ids(p) & scope and (p.get("country") or "Syria") == "Syria"]


def _brief(p: dict) -> str:
    ev = {e["field"]: e["text"] for e in p.get("evidence") or []}
    sides = {s: sorted(a["key"] for a in p.get("actors") or [] if a["side"] == s) for s in (1, 2)}
    return (f"{p.get('report_kind')} {p.get('event_date')} p{p.get('time_precision')} {p.get('admin1')} "
            f"{p.get('location')} | {p.get('sub_event_type')} [{ev.get('event_type', '')}] "
            f"date[{ev.get('event_date', '')}] s1={sides[1]} s2={sides[2]} k={p.get('fatalities')} "
            f"a={p.get('arrested')} i={p.get('injured')} src={[s['article_id'] for s in p['sources']]}")


def _gold_brief(g: dict) -> str:
    return (f"{g.get('report_kind')}{' (opt)' if g.get('optional') else ''} {g.get('event_date')} "
            f"p{g.get('time_precision')} {g.get('admin1')} | {g.get('sub_event_type')} s1={g.get('side1')} "
            f"s2={g.get('side2')} k={g.get('fatalities')} a={g.get('arrested')}")


def report_misses(score: Any, gold: list[dict], preds: list[dict], result: dict) -> None:
    by_id = {g["id"]: g for g in gold}
    matched_p = {pid for _gid, pid, _m in result["rows"] if pid}
    # optional matches are not in rows: recompute the one-to-one matching's used predictions
    for gid, pid, miss in result["rows"]:
        if miss == "missed":
            g = by_id[gid]
            print(f"\nMISS {gid}: {_gold_brief(g)}\n     note: {g.get('note')}")
            for p in preds:
                if score.source_ids(p) & set(g["sources"]):
                    print(f"     rasd: {_brief(p)}")
        elif miss:
            g = by_id[gid]
            print(f"\nFIELDS {gid} {sorted(miss)}: {_gold_brief(g)}\n     note: {g.get('note')}")
            p = next(x for x in preds if x.get("id") == pid)
            print(f"     rasd: {_brief(p)}")
    by_pid = {p.get("id"): p for p in preds}
    for gid, pid, _miss in result["rows"]:
        g = by_id[gid]
        want = score.source_ids(g)
        if len(want) < 2 or pid is None or want <= score.source_ids(by_pid[pid]):
            continue
        p = by_pid[pid]
        print(f"\nSPLIT {gid} (sources {sorted(want)}): {_gold_brief(g)}\n     note: {g.get('note')}")
        print(f"     rasd (matched): {_brief(p)}")
        for q in preds:
            if q is not p and score.source_ids(q) & (want - score.source_ids(p)):
                print(f"     rasd (apart):   {_brief(q)}")
    used = _used_predictions(score, gold, preds)
    for i, p in enumerate(preds):
        if i in used or p.get("id") in matched_p:
            continue
        print(f"\nFALSE+ {_brief(p)}\n     notes: {p.get('notes')}")
        for g in gold:
            if score.source_ids(p) & set(g["sources"]):
                print(f"     gold {g['id']}: {_gold_brief(g)}")


def _precise_share(result: dict, preds: list[dict]) -> str:
    """"n/m": of the events matched to a gold incident, how many are placed at geo_precision 1."""
    by_id = {p.get("id"): p for p in preds}
    matched = [by_id[pid] for _gid, pid, _miss in result["rows"] if pid in by_id]
    matched = [p for p in matched if p.get("report_kind") == "incident"]
    return f"{sum(1 for p in matched if p.get('geo_precision') == 1)}/{len(matched)}"


def _used_predictions(score: Any, gold: list[dict], preds: list[dict]) -> set[int]:
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(preds):
            if score.can_match(g, p):
                checks = score.field_checks(g, p)
                pairs.append((bool(g.get("optional")), -sum(checks.values()),
                              -len(score.source_ids(g) & score.source_ids(p)), gi, pi))
    pairs.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _o, _a, _s, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
    return used_p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (default ../shared)")
    ap.add_argument("--set", dest="sets", action="append", choices=sorted(SETS), help="only this set")
    ap.add_argument("--misses", action="store_true", help="list misses and false positives")
    ap.add_argument("--check", action="store_true", help="exit 1 when a set misses its goal")
    ap.add_argument("--json", action="store_true", help="one JSON object a set")
    a = ap.parse_args(argv)
    if not (a.shared / "eval" / "score.py").is_file():
        print(f"quality: nothing to measure ({a.shared}/eval/score.py not found)")
        return 0
    score = _scorer(a.shared)
    failed = False
    rows = []
    for name in a.sets or list(SETS):
        rel_articles, rel_gold, goal = SETS[name]
        folder, gold_path = a.shared / rel_articles, a.shared / rel_gold
        if not folder.is_dir() or not gold_path.is_file():
            print(f"{name}: skipped ({folder} or {gold_path} not found)")
            continue
        gold = score.load_jsonl(gold_path)
        preds = _in_scope(score, gold, extract(folder), folder)
        r = score.score(gold, preds, str(folder))
        if a.misses:
            print(f"\n===== {name} =====")
            report_misses(score, gold, preds, r)
        failed |= r["f1"] < goal
        r["geo_precision_1"] = _precise_share(r, preds)
        rows.append((name, r, goal))
    if a.json:
        for name, r, goal in rows:
            print(json.dumps({"set": name, "goal_f1": goal, **{k: v for k, v in r.items() if k != "rows"}},
                             ensure_ascii=False))
    else:
        print(f"\n{'set':9} {'F1':>5} {'P':>5} {'R':>5} {'tp':>3} {'fp':>3} {'fn':>3} {'fields':>6} "
              f"{'merged':>6} {'bad ev':>7} goal")
        for name, r, goal in rows:
            print(f"{name:9} {r['f1']:5.3f} {r['precision']:5.3f} {r['recall']:5.3f} {r['tp']:3} {r['fp']:3} "
                  f"{r['fn']:3} {r['field_accuracy']:6.3f} {r['merged_multi_source']:>6} "
                  f"{str(r['evidence_bad']):>7} {goal}")
        for name, r, _goal in rows:
            print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in r["fields"].items()))
        print("matched incidents placed at geo_precision 1 (the village, town or site itself): "
              + ", ".join(f"{name} {r['geo_precision_1']}" for name, r, _goal in rows))
    return 1 if a.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Single-core throughput of `rasd extract`, its peak memory, and how often off-topic articles fire.

The figure that counts is the whole process, as a user runs it: one `python -m rasd.cli extract`
(imports, lexicon building, reading the JSONL.gz, every pipeline component, cross-article
linking, writing JSONL), pinned to one CPU. Nothing is warmed up beforehand.

    python benchmarks/bench_extract.py                    # 5,000 articles of ../shared/data/corpus/ant-2018.jsonl.gz
    python benchmarks/bench_extract.py --limit 0          # the whole corpus (31,457 articles)
    python benchmarks/bench_extract.py --corpus x.jsonl.gz --limit 2000 --runs 3

The sample is spread evenly over the corpus file (every k-th line), so it holds every category in
its corpus share. Without the corpus, articles are generated from the bundled samples
(rasd/samples/articles), copied with small variations; the off-topic figure then has nothing to
measure and is skipped.

Printed, one figure a line:

    extract: 612 articles/s (5000 articles, 1 core)           wall clock of the whole process
    extract cpu: 640 articles/s per CPU second (...)          the same run in user+sys CPU time
    startup: 0.95 s (imports, lexicons, gazetteer: one article)
    peak memory: 160 MB (max RSS)
    off-topic: 0.12% of 1643 sport/culture/technology articles yield an event (target < 0.5%)
    offending: AL-sport-12-20180301 (هجوم), ...

On a busy machine the wall-clock figure drops while the CPU figure holds; compare CPU figures
across machines that are not idle.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "ant-2018.jsonl.gz"
SAMPLES = ROOT / "rasd" / "samples" / "articles"
OFF_TOPIC = ("sport", "culture", "technology")
TARGET_RATE = 500.0  # articles/s, whole process, one core
TARGET_OFFTOPIC = 0.005  # share of off-topic articles that may yield an event
MAX_OFFENDERS = 20


# --- the input -------------------------------------------------------------------------------


def corpus_sample(corpus: Path, limit: int, out: Path) -> tuple[int, int, dict[str, str]]:
    """Write `limit` evenly spaced lines of the corpus to `out`: (chosen, total, id -> category)."""
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        lines = [line for line in fh if line.strip()]
    total = len(lines)
    n = total if limit <= 0 or limit >= total else limit
    chosen = [lines[i * total // n] for i in range(n)]
    categories: dict[str, str] = {}
    for line in chosen:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if obj.get("id") is not None:
            categories[str(obj["id"])] = str(obj.get("category") or "")
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=1) as fh:
        fh.writelines(chosen)
    return n, total, categories


_DIGITS = re.compile(r"[0-9]+")


def generated_sample(limit: int, out: Path) -> int:
    """Write `limit` articles made from the bundled samples, each copy slightly different.

    Copy k of a sample has its paragraphs rotated by k, its Western digits shifted by k (a
    different day, count and year stay digits) and a publication date k days later, so the
    run does not just replay the same few texts from warm caches.
    """
    samples = []
    for txt in sorted(SAMPLES.glob("*.txt")):
        meta_path = txt.with_name(txt.stem + ".meta.json")
        meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
        samples.append((txt.stem, txt.read_text("utf-8"), meta))
    if not samples:
        raise SystemExit(f"no corpus and no bundled samples in {SAMPLES}")
    n = limit if limit > 0 else 5000
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=1) as fh:
        for i in range(n):
            stem, text, meta = samples[i % len(samples)]
            k = i // len(samples)
            head, _, body = text.partition("\n\n")
            paras = [p for p in body.split("\n\n") if p.strip()]
            if paras and k:
                r = k % len(paras)
                paras = paras[r:] + paras[:r]
            body = "\n\n".join(paras)
            if k:
                body = _DIGITS.sub(lambda m, k=k: str(int(m.group()) + k % 7) if len(m.group()) < 4 else m.group(),
                                   body)
            published = meta.get("published")
            if published:
                published = (dt.date.fromisoformat(published[:10]) + dt.timedelta(days=k % 365)).isoformat()
            obj: dict[str, Any] = {"id": f"{stem}-{k}", "text": f"{head}\n\n{body}", "title": meta.get("title"),
                                   "outlet": meta.get("outlet"), "url": meta.get("url"), "published": published}
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return n


# --- one run of the CLI ------------------------------------------------------------------------


def _one_core() -> None:
    """In the child: run on a single CPU (where the OS lets us choose)."""
    if hasattr(os, "sched_getaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        if cpus:
            os.sched_setaffinity(0, {cpus[-1]})


def run_extract(python: str, inputs: Path, output: Path) -> dict[str, float]:
    """One whole `rasd extract` process: wall and CPU seconds, max RSS in bytes, exit status."""
    cmd = [python, "-m", "rasd.cli", "extract", str(inputs), "-o", str(output)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=_one_core if os.name == "posix" else None)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # 1: some items could not be read, the rest was extracted
        sys.stderr.write(err.decode("utf-8", "replace"))
        raise SystemExit(f"rasd extract failed with exit code {proc.returncode}")
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "user": usage.ru_utime,
            "sys": usage.ru_stime, "rss": float(rss), "status": float(proc.returncode)}


# --- off-topic articles ------------------------------------------------------------------------


def offtopic_report(events_path: Path, categories: dict[str, str]) -> tuple[int, list[tuple[str, list[str]]]]:
    """(off-topic articles in the sample, [(article id, trigger words)] of those behind an event)."""
    words: dict[str, list[str]] = {}
    with events_path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            ev = json.loads(line)
            for src in ev.get("sources") or []:
                aid = str(src.get("article_id"))
                if categories.get(aid) in OFF_TOPIC:
                    words.setdefault(aid, [])
            for e in ev.get("evidence") or []:
                aid = str(e.get("article_id"))
                if aid in words and e.get("field") == "event_type" and e.get("text") not in words[aid]:
                    words[aid].append(e["text"])
    n_off = sum(1 for c in categories.values() if c in OFF_TOPIC)
    return n_off, sorted(words.items())


# --- main ----------------------------------------------------------------------------------------


GEO_SAMPLE = 5000


def geocoding_share(inputs: Path, limit: int) -> float:
    """CPU share of place recognition and resolution in the whole per-article work."""
    import rasd.extract.events as events_mod
    from rasd import pipeline
    from rasd.engines.local import settle_heap
    from rasd.geo import toponyms
    from rasd.ingest import iter_articles

    spent = [0.0]

    def timed(fn):  # type: ignore[no-untyped-def]
        def wrapper(*a, **k):  # type: ignore[no-untyped-def]
            t = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                spent[0] += time.process_time() - t
        return wrapper

    comps = [timed(c) if c is toponyms.places else c for c in pipeline.PIPELINE]
    resolve = events_mod.resolve
    events_mod.resolve = timed(resolve)
    try:
        arts = [a for a in iter_articles([str(inputs)]) if hasattr(a, "text")]
        # spread over the input like the extract sample (a corpus file is ordered by section)
        arts = [arts[i * len(arts) // limit] for i in range(limit)] if len(arts) > limit else arts
        for a in arts[:5]:
            events_mod.mentions_of(pipeline.make_doc(a, comps, acts_only=True))
        settle_heap()  # as `rasd extract` does once its lexicons are built
        spent[0] = 0.0
        t = time.process_time()
        for a in arts:
            events_mod.mentions_of(pipeline.make_doc(a, comps, acts_only=True))
        total = time.process_time() - t
    finally:
        events_mod.resolve = resolve
    return spent[0] / total if total else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS,
                    help="JSONL.gz corpus (default: ../shared/data/corpus/ant-2018.jsonl.gz from the repo)")
    ap.add_argument("--limit", type=int, default=5000,
                    help="articles to extract, spread evenly over the corpus; 0 = all (default 5000)")
    ap.add_argument("--runs", type=int, default=1, help="time the extract this many times, report the best")
    ap.add_argument("--python", default=sys.executable, help="interpreter that runs rasd (default: this one)")
    ap.add_argument("--no-startup", action="store_true", help="skip the one-article startup measurement")
    ap.add_argument("--keep", type=Path, help="keep the input sample and the events in this folder")
    ap.add_argument("--check", action="store_true",
                    help=f"exit 1 when below {TARGET_RATE:.0f} articles/s (CPU) or off-topic >= "
                         f"{TARGET_OFFTOPIC * 100:.1f} percent")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="rasd-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        inputs = work / "articles.jsonl.gz"
        events = work / "events.jsonl"
        categories: dict[str, str] = {}
        if args.corpus.exists():
            n, total, categories = corpus_sample(args.corpus, args.limit, inputs)
            print(f"corpus: {args.corpus} ({n} of {total} articles, evenly spaced)")
        else:
            n = generated_sample(args.limit, inputs)
            print(f"corpus: {args.corpus} not found; {n} articles generated from {SAMPLES.relative_to(ROOT)}")

        best: dict[str, float] | None = None
        for _ in range(max(1, args.runs)):
            r = run_extract(args.python, inputs, events)
            if best is None or r["wall"] < best["wall"]:
                best = r
        assert best is not None
        rate = n / best["wall"]
        cpu_rate = n / best["cpu"] if best["cpu"] else float("inf")
        print(f"extract: {rate:.0f} articles/s ({n} articles, 1 core)")
        print(f"extract cpu: {cpu_rate:.0f} articles/s per CPU second "
              f"(user {best['user']:.2f} s + sys {best['sys']:.2f} s, wall {best['wall']:.2f} s)")
        if not args.no_startup:
            # a bundled article that tells an act, so every lexicon and the gazetteer load (an
            # article that tells none stops after the triggers)
            one = SAMPLES / "01_homs_qaryatayn_isis_raid.txt"
            s = run_extract(args.python, one, work / "one.out.jsonl")
            print(f"startup: {s['wall']:.2f} s wall, {s['cpu']:.2f} s CPU (imports, lexicons, gazetteer: one article)")
        print(f"peak memory: {best['rss'] / 1e6:.0f} MB (max RSS)")
        if not args.no_startup:
            print(f"geocoding: {geocoding_share(inputs, GEO_SAMPLE):.1%} of the pipeline's CPU time "
                  f"(place recognition + resolution, {GEO_SAMPLE} articles spread over the sample, "
                  "in-process; target < 20%)")
        with events.open(encoding="utf-8") as fh:
            n_events = sum(1 for line in fh if line.strip())
        print(f"events: {n_events}")

        share = None
        if categories:
            n_off, offenders = offtopic_report(events, categories)
            if n_off:
                share = len(offenders) / n_off
                print(f"off-topic: {share:.2%} of {n_off} {'/'.join(OFF_TOPIC)} articles yield an event "
                      f"({len(offenders)}; target < {TARGET_OFFTOPIC:.1%})")
                if offenders:
                    shown = ", ".join(f"{aid} ({' / '.join(w) or '?'})" for aid, w in offenders[:MAX_OFFENDERS])
                    more = f", and {len(offenders) - MAX_OFFENDERS} more" if len(offenders) > MAX_OFFENDERS else ""
                    print(f"offending: {shown}{more}")
            else:
                print(f"off-topic: no {'/'.join(OFF_TOPIC)} articles in the sample")

    if args.check:
        failed = cpu_rate < TARGET_RATE or (share is not None and share >= TARGET_OFFTOPIC)
        print(f"targets: {'NOT met' if failed else 'met'} (>= {TARGET_RATE:.0f} articles/s on one core, "
              f"off-topic < {TARGET_OFFTOPIC:.1%})")
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

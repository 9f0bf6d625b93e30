"""Fuzz the reader and the pipeline with mutated corpus articles (issue #16).

Takes N articles spread over the corpus, mutates each (a bad byte, a cut inside a character, NUL,
runs of dots, a repeated sentence block, a huge number, a year-9999 date, deep nesting, an emptied
text ...), writes them as one JSONL file and runs the real `rasd extract` on it, then times every
mutated text through the pipeline in-process.

    python benchmarks/fuzz.py                 # 5,000 articles of ../shared/data/corpus/ant-2018.jsonl.gz
    python benchmarks/fuzz.py --n 500 --seed 7

Prints: tracebacks (must be 0), good articles lost (items that should be read but were not), the
exit code, and the slowest article's CPU time (goal < 1 s). Exit 1 when a goal fails.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "ant-2018.jsonl.gz"


def _texts(n: int) -> list[dict]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    step = max(1, len(lines) // n)
    return [json.loads(lines[i]) for i in range(0, len(lines), step)][:n]


def _mutate(rng: random.Random, o: dict, i: int) -> tuple[bytes, bool]:
    """One JSONL line (bytes) and whether a reader should keep it as an article."""
    text = o.get("text") or "نص"
    item = {"id": f"fz{i}", "text": text, "published": o.get("published")}
    kind = i % 10
    if kind == 0:
        item["text"] = text + "\u0000" + text[:50]
    elif kind == 1:
        item["text"] = "." * rng.randint(1000, 30000) + text
    elif kind == 2:
        item["text"] = (text[:300] + " ") * rng.randint(20, 200)
    elif kind == 3:
        item["published"] = "9999-12-31"
    elif kind == 4:
        line = json.dumps(item, ensure_ascii=False)[:-1]
        extra = '"n": ' + "9" * 5000 if i % 20 == 4 else '"deep": ' + "[" * 5000 + "]" * 5000
        # a huge number or deep nesting in its metadata: refused in one line, the batch goes on
        return (line + ", " + extra + "}").encode("utf-8"), False
    elif kind == 5:
        k = rng.randrange(len(text) // 2, len(text)) if len(text) > 1 else 0
        item["text"] = text[:k] + "\ue000" + text[k:]
        raw = json.dumps(item, ensure_ascii=False).encode("utf-8")
        return raw.replace("\ue000".encode("utf-8"), b"\xff"), True  # one bad byte inside the text
    elif kind == 6:
        item["text"] = ""  # an empty text is refused, one line
        return json.dumps(item, ensure_ascii=False).encode("utf-8"), False
    elif kind == 7:
        item["text"] = text.replace(" ", "", rng.randint(1, 50))
    elif kind == 8:
        return b'{"id": "broken' + str(i).encode() + b'", "text": ', False  # a line that does not parse
    return json.dumps(item, ensure_ascii=False).encode("utf-8", "surrogatepass"), True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found")
        return 0
    rng = random.Random(args.seed)
    items = [_mutate(rng, o, i) for i, o in enumerate(_texts(args.n))]
    good = sum(1 for _line, ok in items if ok)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.jsonl"
        path.write_bytes(b"\n".join(line for line, _ok in items) + b"\n")
        t0 = time.time()
        run = subprocess.run([sys.executable, "-m", "rasd.cli", "extract", str(path)], capture_output=True,
                             text=True, cwd=ROOT)
        wall = time.time() - t0
    tracebacks = run.stderr.count("Traceback")
    summary = [ln for ln in run.stderr.splitlines() if "articles read" in ln]
    read = int(summary[-1].split("rasd: ")[-1].split()[0]) if summary else 0
    from rasd.doc import Article
    from rasd.extract.events import mentions_of
    from rasd.pipeline import make_doc

    make_doc(Article("warm", "قتل مدني في حلب."))  # lexicons and gazetteer, once
    slowest, which = 0.0, ""
    for line, ok in items:
        if not ok:
            continue
        try:
            text = json.loads(line.decode("utf-8", "replace"))["text"]
        except (ValueError, KeyError, RecursionError):
            continue
        t0 = time.process_time()
        mentions_of(make_doc(Article("x", text)))
        dt = time.process_time() - t0
        if dt > slowest:
            slowest, which = dt, f"{len(text):,} characters"
    lost = max(0, good - read)
    print(f"items: {len(items)} ({good} that a reader should keep); rasd extract exit {run.returncode}, "
          f"{wall:.0f} s")
    print(f"tracebacks: {tracebacks} (goal 0)")
    print(f"good articles lost: {lost} (goal 0; {read} read)")
    print(f"slowest article: {slowest:.2f} s CPU ({which}; goal < 1 s)")
    return 0 if tracebacks == 0 and lost == 0 and slowest < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())

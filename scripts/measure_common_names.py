"""Measure which gazetteer names are frequent common words, and write rasd/data/common_names.tsv.

Run from the repository root after the gazetteer changed (scripts/build_gazetteer.py):

    python scripts/measure_common_names.py [--corpus ../shared/data/corpus/ant-2018.jsonl.gz]

It runs the toponym recogniser over the corpus with the common-word gate off and counts, for
each name (its lookup key), how it is used: after a place head ("قرية X", "مدينة X") or a
direction ("ريف X", "شرق X"), or bare; and in which articles: the corpus's sport, economy,
culture and technology articles (off-topic: 42% of its words) hardly ever name a Syrian village,
so a name used there is used as a word. A name is listed (and then counts as a place only with a
place head, or beside a place that contains it: see rasd/geo/toponyms.py) when it occurs bare at
least MIN_BARE times and either
  - appears bare in off-topic articles (at least MIN_OFF times, OFF_SHARE of its bare uses)
    while under PLACE_SHARE of its uses carry a head or a direction ("آذار", "النصر", "كأس"), or
  - is used bare at least MANY times with seldom (under RARE_PLACE_SHARE) a head or direction
    ("بشار", "المهاجرين", "الكرامة", "مديرية"), or
  - is used (at least MIN_BARE times) mostly (ABROAD_SHARE) in articles that name neither Syria
    nor a governorate's capital: a name abroad or a word. When it is mostly there that it takes
    a place head too ("مدينة نجران", "مدينة الإسكندرية", "محافظة أبين"), its gate is "abroad": a
    Syrian place only inside a Syrian place named in its clause, even after a head.
The last two spare the names of governorates, districts and cities ("ريف دمشق"); a name of theirs
or of a town of MAJOR_RANK people that only the first rule catches is listed as "weak" (a place
after a locative preposition too: "في داريا", "في تدمر").
Names with a reading abroad (countries, foreign cities) keep their own gate and are not listed,
nor are names that hold a place head ("قاعدة حميميم", "مطار التيفور") or name only facilities and
regions ("حميميم": never a word).
The program never reads ../shared: it ships the TSV this writes, with the counts as evidence.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rasd.doc import Doc  # noqa: E402
from rasd.geo import toponyms  # noqa: E402
from rasd.geo.gazetteer import HEADS_JSON, get_gazetteer, place_key  # noqa: E402

OFF_TOPIC = {"sport", "economy", "culture", "technology"}
MIN_BARE = 8
MIN_OFF = 3
OFF_SHARE = 0.10
PLACE_SHARE = 0.30
MANY = 25
RARE_PLACE_SHARE = 0.12
FACILITY = {"airport", "base", "prison", "camp", "crossing", "region", "mountain", "landmark"}
ABROAD_SHARE = 0.5
# an article about Syria names it or one of its governorates' capitals
SYRIA = re.compile("سوري|دمشق|حلب|إدلب|ادلب|الرقة|دير الزور|حمص|حماة|حماه|درعا|السويداء|اللاذقية|طرطوس|الحسكة|القنيطرة")
COLUMNS = ("key", "gate", "uses", "bare", "bare_off_topic", "head", "direction", "outside_syria", "example")
MAJOR_RANK = 10000  # a town of this rank (population) or a district, governorate or city


def count(corpus: Path, limit: int = 0) -> tuple[dict[str, Counter], dict[str, str], int]:
    stats: dict[str, Counter] = defaultdict(Counter)
    example: dict[str, str] = {}
    n = 0
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            off = a.get("category") in OFF_TOPIC
            outside = SYRIA.search(a["text"]) is None
            for m in toponyms.find_mentions(Doc(a["text"]), gated=False):
                if m.get("anaphor") or m.get("unknown"):
                    continue
                key = m.get("key")
                c = stats[key]
                c["uses"] += 1
                c["outside_syria"] += outside
                if m.get("head"):
                    c["head"] += 1
                    c["head_outside_syria"] += outside
                elif m.get("direction"):
                    c["direction"] += 1
                else:
                    c["bare"] += 1
                    c["bare_off_topic"] += off
                    example.setdefault(key, m.get("name_text") or "")
            n += 1
            if limit and n >= limit:
                break
    return stats, example, n


def gate_of(c: Counter, major: bool = False) -> str | None:
    """"abroad", "common", "weak" or None. "abroad": used mostly where Syria is not the subject
    (a place abroad: "مدينة نجران", "مدينة الإسكندرية"), a Syrian place only inside a Syrian place
    named in its clause, whatever its head. `major`: the name is a governorate, district or
    city's, or a town's of MAJOR_RANK: only its use in the news (the second rule) makes it
    "common"; used as a word only in off-topic articles ("تدمر" destroys, "داريا" a tennis player)
    it is "weak", a place after a locative preposition ("في داريا")."""
    bare, off = c["bare"], c["bare_off_topic"]
    placed = (c["head"] + c["direction"]) / max(c["uses"], 1)
    outside = c["uses"] >= MIN_BARE and not major and c["outside_syria"] >= ABROAD_SHARE * c["uses"]
    if outside and c["head"] >= MIN_OFF and c["head_outside_syria"] >= ABROAD_SHARE * c["head"]:
        return "abroad"  # named with a place head where Syria is not the subject
    if bare >= MIN_BARE and bare >= MANY and placed < RARE_PLACE_SHARE and not (major and any_governorate(c)):
        return "common"
    if bare >= MIN_BARE and off >= MIN_OFF and off >= OFF_SHARE * bare and placed < PLACE_SHARE:
        return "weak" if major else "common"
    return "common" if outside else None


def any_governorate(c: Counter) -> bool:
    return bool(c["governorate"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path,
                    default=ROOT.parent / "shared" / "data" / "corpus" / "ant-2018.jsonl.gz")
    ap.add_argument("--out", type=Path, default=ROOT / "rasd" / "data" / "common_names.tsv")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles")
    args = ap.parse_args()
    gaz = get_gazetteer()
    heads = {place_key(w) for w in json.loads(HEADS_JSON.read_text(encoding="utf-8"))["heads"]}
    t0 = time.time()
    stats, example, n = count(args.corpus, args.limit)
    rows = []
    for key, c in stats.items():
        places = gaz.lookup(key)
        if not places or any(p.is_foreign or p.kind == "country" for p in places):
            continue
        if set(key.split()) & heads or all(p.kind in FACILITY for p in places):
            continue
        c["governorate"] = any(p.kind == "governorate" for p in places)
        major = any(p.kind in ("governorate", "district", "city") or not p.id.startswith("wof:")
                    and p.rank >= MAJOR_RANK for p in places)
        gate = gate_of(c, major)
        if gate:
            rows.append((key, c, gate))
    rows.sort(key=lambda kc: (kc[2], -kc[1]["bare"], kc[0]))
    with args.out.open("w", encoding="utf-8", newline="") as f:
        f.write("# Gazetteer names that are frequent common words: built by scripts/measure_common_names.py\n")
        f.write(f"# from {args.corpus.name} ({n} articles); counts are uses of the name as the recogniser\n")
        f.write("# reads it (bare = without a place head or direction; bare_off_topic = of those, in sport,\n")
        f.write("# economy, culture and technology articles). A name of gate common is a place only with a\n")
        f.write("# place head or beside a place containing it; of gate weak, also after a locative preposition\n")
        f.write("# (rasd/geo/toponyms.py). Rebuild after the gazetteer changes.\n")
        f.write("\t".join(COLUMNS) + "\n")
        for key, c, gate in rows:
            f.write("\t".join([key, gate, *(str(c[k]) for k in COLUMNS[2:-1]), example.get(key, "")]) + "\n")
    weak = sum(1 for r in rows if r[2] == "weak")
    print(f"{len(rows) - weak} of {len(stats)} names are common words, {weak} more weak ({n} articles, "
          f"{time.time() - t0:.0f} s): wrote {args.out}")


if __name__ == "__main__":
    main()

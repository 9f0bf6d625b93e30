"""Time and memory of one article on hostile shapes of text (issue #16, item 3).

Each input is extracted in-process; the script prints CPU seconds per input, so a pattern that
goes quadratic shows as a time that grows four-fold when the input doubles.

    python benchmarks/bench_hostile.py
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rasd.doc import Article  # noqa: E402
from rasd.extract.events import mentions_of  # noqa: E402
from rasd.pipeline import MAX_ARTICLE_CHARS, make_doc  # noqa: E402

TOWNS = ["بنش", "أريحا", "سرمين", "معرة النعمان", "كفرنبل", "سراقب", "جسر الشغور", "حارم", "الدانا", "سلقين"]
GOVS = ["إدلب", "حلب", "حماة", "حمص", "درعا"]
DAYS = ["الاثنين", "الثلاثاء", "الأربعاء"]


def dots(n: int) -> str:
    return "." * n + "ا"


def incidents(n: int) -> str:
    return " ".join(f"قُتل {i % 9 + 1} مدنيين في قصف على بلدة {TOWNS[i % 10]} في ريف {GOVS[i % 5]} "
                    f"يوم {DAYS[i % 3]}." for i in range(n))


def run(name: str, make: Callable[[int], str], sizes: tuple[int, ...]) -> None:
    for n in sizes:
        text = make(n)
        t0 = time.process_time()
        events = mentions_of(make_doc(Article("x", text, published=dt.date(2025, 11, 25))))
        print(f"{name:<28} n={n:>9,}  {len(text):>11,} chars  {time.process_time() - t0:7.2f} s CPU  "
              f"{len(events)} events")


def main() -> int:
    make_doc(Article("warm", "قتل مدني."))  # lexicons and gazetteer, once
    run("dots before a letter", dots, (20_000, 40_000, 80_000))
    run("short incident sentences", incidents, (2_000, 4_000, 8_000))
    run("50 MB of sentences (bounded)", lambda n: incidents(n), (600_000,))
    print(f"articles are read up to {MAX_ARTICLE_CHARS:,} characters; peak memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

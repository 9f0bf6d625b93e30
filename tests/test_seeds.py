"""The acceptance checks on the shared seed articles (skipped when ../shared is absent)."""

import datetime as dt
import math
from pathlib import Path

import pytest

from rasd.extract.events import mentions_of
from rasd.ingest import iter_articles
from rasd.pipeline import ARABIC_LAYER, make_doc

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds not present")


def article(stem: str):
    (art,) = [a for a in iter_articles([str(SEEDS / f"{stem}.txt")])]
    return art


def km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def test_seed_002_numbers_and_dates():
    doc = make_doc(article("002_b1d5fcb641fc8027"), ARABIC_LAYER)
    dates = {d.text: (d.get("date_start"), d.get("precision")) for d in doc.get("dates")}
    assert dates["الاثنين 24 من تشرين الثاني"] == (dt.date(2025, 11, 24), 1)
    assert str(dates["8 من تشرين الثاني الحالي"][0]) == "2025-11-08"
    values = {n.text: n.get("value") for n in doc.get("numbers")}
    assert values["61"] == 61 and values["عنصرين"] == 2


def test_seed_004_spans():
    doc = make_doc(article("004_8654db47b4cc1bfb"), ARABIC_LAYER)
    by_text = {d.text: d for d in doc.get("dates")}
    span = next(d for t, d in by_text.items() if "تموز" in t and "الماضيين" in t)
    assert (str(span.get("date_start")), str(span.get("date_end")), span.get("precision")) == (
        "2025-07-01", "2025-08-31", 3)
    end = by_text["نهاية شهر آب/أغسطس الماضي"]
    assert str(end.get("date_start")).startswith("2025-08-2") and end.get("precision") == 2


def events_of(stem):
    return mentions_of(make_doc(article(stem)))


def test_geocoding_acceptance():
    (aleppo,) = events_of("001_5e1519f2885805e2")
    assert aleppo["admin1"] == "Aleppo" and km(aleppo["latitude"], aleppo["longitude"], 36.2012, 37.1612) <= 10
    (souran,) = events_of("003_2493094fd080a029")
    assert souran["admin1"] == "Hama" and km(souran["latitude"], souran["longitude"], 35.2919, 36.7485) <= 10
    hasakah = next(e for e in events_of("004_8654db47b4cc1bfb") if e["event_date"] == "2025-08-21")
    assert km(hasakah["latitude"], hasakah["longitude"], 36.5024, 40.7477) <= 10
    lattakia = next(e for e in events_of("002_b1d5fcb641fc8027") if e["admin1"] == "Lattakia")
    # البدروسية is a village of the Who's On First layer: the village itself, precision 1
    assert lattakia["geo_precision"] == 1 and lattakia["location_ar"]
    assert km(lattakia["latitude"], lattakia["longitude"], 35.892, 35.896) <= 5

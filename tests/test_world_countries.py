"""Countries of the world (rasd/data/world_countries.csv): an event abroad carries its own country,
never a Syrian village of the same name; a foreign state named in a Syrian event leaves it in Syria."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from rasd.doc import Article, Doc
from rasd.export import countries
from rasd.extract.events import mentions_of
from rasd.geo.gazetteer import HEADS_JSON, WORLD_CSV, Gazetteer, covered_countries, get_gazetteer, read_world_countries
from rasd.geo.resolve import GeoResult, geocode
from rasd.geo.toponyms import places
from rasd.pipeline import make_doc

PUB = dt.date(2018, 3, 1)


def geo(text: str) -> GeoResult | None:
    return geocode(Doc(text))


def events(text: str) -> list[dict]:
    return mentions_of(make_doc(Article("t", text, published=PUB)))


def raw_rows() -> list[dict]:
    with WORLD_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


# --- the data ---------------------------------------------------------------------------------------

def test_every_world_country_has_its_codes_and_region():
    table = countries()
    rows = raw_rows()
    assert len(rows) >= 180
    for r in rows:
        meta = table.get(r["country"])
        assert meta is not None, r["country"]
        assert len(meta.iso3) == 3 and meta.iso3.isalpha() and meta.iso3.isupper(), meta
        assert isinstance(meta.iso, int) and 0 < meta.iso < 1000, meta
        assert -90 <= float(r["lat"]) <= 90 and -180 <= float(r["lon"]) <= 180, r


def test_the_first_rows_of_countries_csv_are_unchanged():
    with (WORLD_CSV.parent / "countries.csv").open(encoding="utf-8", newline="") as f:
        rows = [tuple(r.values()) for r in csv.DictReader(f)]
    assert rows[0] == ("Syria", "SYR", "760", "Middle East")
    assert rows[31] == ("United States", "USA", "840", "North America")
    assert len({r[0] for r in rows}) == len(rows)


def test_world_countries_are_not_the_lexicons_and_no_name_names_two_countries():
    heads = json.loads(HEADS_JSON.read_text(encoding="utf-8"))
    foreign_countries = {f["country"] for f in heads["foreign"] if f.get("kind") == "country"}
    foreign_keys = {k for f in heads["foreign"] for n in f["ar"] for k in Gazetteer.keys_of(n)}
    syria_keys = {k for n in heads["syria"] for k in Gazetteer.keys_of(n)}
    owner: dict[str, str] = {}
    rows = read_world_countries()
    assert len({w["country"] for w in rows}) == len(rows)
    for w in rows:
        assert w["country"] not in foreign_countries and w["country"] != "Syria"
        for n in w["names"]:
            for k in Gazetteer.keys_of(n):
                assert k not in foreign_keys and k not in syria_keys, (w["country"], n)
                assert owner.setdefault(k, w["country"]) == w["country"], (k, owner[k], w["country"])


def test_world_countries_load_as_countries_abroad():
    g = get_gazetteer()
    world = [p for p in g.places if p.id.startswith("world:")]
    assert len(world) == len(read_world_countries())
    assert all(p.kind == "country" and p.is_foreign and p.admin1 is None and p.name_en == p.country
               for p in world)
    (bf,) = [p for p in g.lookup("بوركينا فاسو") if p.kind == "country"]
    assert (bf.id, bf.country, bf.name_ar) == ("world:BFA", "Burkina Faso", "بوركينا فاسو")
    assert {p.country for p in g.lookup("الولايات المتحدة الأمريكية")} == {"United States"}
    assert {p.country for p in g.lookup("كمبوديا")} == {p.country for p in g.lookup("كامبوديا")} == {"Cambodia"}


def test_caution_spellings_are_not_names_of_the_country():
    g = get_gazetteer()
    cautious = {n: r["country"] for r in raw_rows() for n in (r["caution"] or "").split("|") if n}
    assert cautious.get("عمان") == "Oman" and cautious.get("القمر") == "Comoros"
    assert cautious.get("أمريكا") == "United States" and cautious.get("جورجيا") == "Georgia"
    for name, country in cautious.items():
        assert country not in {p.country for p in g.lookup(name)}, name
    # the unambiguous spellings still are
    assert {p.country for p in g.lookup("سلطنة عمان")} == {"Oman"}
    assert {p.country for p in g.lookup("جزر القمر")} == {"Comoros"}


# --- events abroad ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, country", [
    ("قتل مسلح خمسة من رجال الشرطة في كمين بشمال بوركينا فاسو", "Burkina Faso"),
    ("قتل مسلحون عشرة مدنيين في هجوم على بلدة ديو بشمال بوركينا فاسو", "Burkina Faso"),  # ديو: a Syrian village too
    ("قتل ثلاثة جنود في هجوم مسلح في مالي", "Mali"),
    ("قتل جنديان في انفجار عبوة ناسفة في أفغانستان", "Afghanistan"),
    ("قتل 17 شخصا في إطلاق نار في مدرسة بولاية فلوريدا في الولايات المتحدة", "United States"),
    ("قتل عشرة أشخاص في هجوم على قرية في جنوب السودان", "South Sudan"),
    ("قتل خمسة جنود في هجوم لمسلحين في شرق الكونغو الديمقراطية", "Democratic Republic of Congo"),
])
def test_an_event_far_abroad_is_placed_there_and_left_out(text: str, country: str) -> None:
    """Placed in its own country (never on a Syrian namesake), and then left out: Rasd keeps Syria
    and the countries of its conflict (covered_countries), not the world's news."""
    g = geo(text)
    assert g is not None and (g.country, g.admin1) == (country, None), (text, g)
    assert country not in covered_countries()
    assert events(text) == []


@pytest.mark.parametrize("text, country", [
    ("قتل خمسة جنود في هجوم مسلح في مدينة الموصل العراقية", "Iraq"),
    ("قتل ثلاثة مدنيين بغارة على مدينة صعدة في اليمن", "Yemen"),
])
def test_an_event_in_a_country_of_the_conflict_is_kept_with_its_country(text: str, country: str) -> None:
    evs = events(text)
    assert evs and all(e["country"] == country and e["admin1"] is None for e in evs)


def test_a_state_named_with_the_country_adjective_is_no_syrian_event() -> None:
    evs = events("إطلاق نار في مدرسة بولاية فلوريدا الأمريكية أسفر عن مقتل ثلاثة أشخاص")
    assert not any(e["country"] == "Syria" for e in evs)


# --- foreign states named in a Syrian event ---------------------------------------------------------

@pytest.mark.parametrize("text, admin1", [
    ("قتل خمسة مدنيين في غارة للتحالف بقيادة الولايات المتحدة على بلدة الباغوز", "Deir ez Zor"),
    ("قالت الولايات المتحدة إن طائراتها قصفت مواقع في مدينة الرقة", "Ar Raqqa"),
    ("قتل ثلاثة عناصر من قوات النظام بقصف على مدينة معرة النعمان، بحسب ما نقلت وكالة من الصين", "Idleb"),
])
def test_a_foreign_state_named_in_a_syrian_event_leaves_it_in_syria(text: str, admin1: str) -> None:
    g = geo(text)
    assert g is not None and (g.country, g.admin1) == ("Syria", admin1), (text, g)
    evs = events(text)
    assert evs and all((e["country"], e["admin1"]) == ("Syria", admin1) for e in evs)


@pytest.mark.parametrize("text", [
    "أعلنت الحكومة عن دعم مالي للمزارعين",  # مالي: financial
    "أدى المصلون صلاة المغرب في المسجد الكبير",  # المغرب: the sunset prayer
    "زار الوفد العاصمة الأردنية عمان",  # Amman, not Oman
    "ارتفع معدل جرائم القتل في أمريكا اللاتينية",  # a continent, not the United States
    "قتيل بإطلاق نار داخل مدرسة في جورجيا",  # as often the US state as the country
])
def test_a_common_word_is_not_a_country(text: str) -> None:
    d = Doc(text)
    places(d)
    assert not any(c.id.startswith("world:") for m in d.get("places") for c in m.get("candidates") or [])

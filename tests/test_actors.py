"""Actor registry, date-aware key resolution and the actor mention component."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from rasd.doc import Article, Doc
from rasd.extract.actors import Registry, actors, registry, registry_entry, resolve_key

D2018 = dt.date(2018, 6, 1)
D2020 = dt.date(2020, 3, 1)
D2025 = dt.date(2025, 6, 1)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "design" / "actors.csv"


def mentions(text: str, published: dt.date | None = None) -> list:
    doc = Doc(text, Article(id="t", text=text, published=published))
    actors(doc)
    spans = doc.get("actors")
    for s in spans:
        assert s.text == doc.text[s.start:s.end]
    return spans


def keys_at(text: str, day: dt.date | None) -> list[str]:
    return [resolve_key(s.keys, day) for s in mentions(text)]


# --- resolution by date -------------------------------------------------------------------

@pytest.mark.parametrize("text,day,key", [
    ("الجيش العربي السوري", D2018, "sy-regime"),
    ("الجيش العربي السوري", D2025, "sy-military"),
    ("الجيش السوري", D2018, "sy-regime"),
    ("الجيش السوري", D2025, "sy-military"),
    ("وزارة الداخلية", D2018, "sy-regime-police"),
    ("وزارة الداخلية", D2025, "sy-police"),
    ("وزارة الدفاع", D2018, "sy-regime"),
    ("وزارة الدفاع", D2025, "sy-military"),
    ("القوات الحكومية", D2018, "sy-regime"),
    ("القوات الحكومية", D2025, "sy-military"),
    ("الأمن العام", D2020, "hts"),
    ("الأمن العام", D2025, "sy-police"),
    ("قوى الأمن الداخلي", D2018, "asayish"),
    ("قوى الأمن الداخلي", D2025, "sy-police"),
    ("المخابرات", D2018, "sy-regime-police"),
    ("الاستخبارات", D2025, "sy-gis"),
    ("الجيش الوطني السوري", D2020, "sna"),
    ("إدارة العمليات العسكرية", dt.date(2024, 12, 1), "moc"),
    ("إدارة العمليات العسكرية", D2025, "sy-military"),
    ("الفرقة الرابعة", D2018, "sy-regime"),
])
def test_resolution_by_event_date(text: str, day: dt.date, key: str) -> None:
    assert keys_at(text, day) == [key]


def test_day_of_the_fall_belongs_to_the_new_government() -> None:
    keys = ["sy-military", "sy-regime"]
    assert resolve_key(keys, dt.date(2024, 12, 7)) == "sy-regime"
    assert resolve_key(keys, dt.date(2024, 12, 8)) == "sy-military"


def test_publication_date_when_event_date_unknown() -> None:
    (m,) = mentions("الجيش العربي السوري", published=D2018)
    assert m.key == "sy-regime"
    assert resolve_key(m.keys, None, D2018) == "sy-regime"
    assert resolve_key(m.keys, D2025, D2018) == "sy-military"  # the event date wins


def test_no_date_prefers_newest_open_ended() -> None:
    assert resolve_key(["sy-regime", "sy-military"]) == "sy-military"
    (m,) = mentions("الأمن العام")
    assert m.key == "sy-police"


def test_datetime_is_accepted() -> None:
    assert resolve_key(["sy-military", "sy-regime"], dt.datetime(2018, 1, 1, 12, 0)) == "sy-regime"


def test_nearest_period_when_none_is_valid() -> None:
    assert resolve_key(["nfl", "sna"], dt.date(2017, 6, 1)) == "sna"
    assert resolve_key(["jaysh-khalid"], D2025) == "jaysh-khalid"


# --- names, clitics, longest match ----------------------------------------------------------

@pytest.mark.parametrize("text,key", [
    ("خلية لداعش", "isis"),
    ("هاجمت وقسد مواقع", "sdf"),
    ("تابعة لقوات سوريا الديمقراطية", "sdf"),
    ("اعتقل بالتعاون مع قوات سوريا الديمقراطية «قسد»", "sdf"),
    ("مطلوب بالأمن العام", "sy-police"),
    ("قوى الأمن الداخلي في شمال وشرق سوريا", "asayish"),
    ("أعلنت قيادة الأمن الداخلي في محافظة حماة", "sy-police"),
    ("عناصر تنظيم الدولة الإسلامية", "isis"),
    ("مقاتلو هيئة تحرير الشام", "hts"),
    ("اشتباكات مع حراس الدين", "huras-din"),
    ("فرقة السلطان مراد", "sultan-murad"),
    ("عناصر من فرقة الحمزات", "hamza-div"),
    ("مسلحون من العمشات", "amshat"),
    ("فصيل أحرار الشرقية", "ahrar-sharqiya"),
    ("مجلس دير الزور العسكري", "dmc"),
    ("مجلس منبج العسكري", "manbij-mc"),
    ("مقاتلي العشائر", "tribal"),
    ("حركة رجال الكرامة", "rijal-karama"),
    ("المجلس العسكري في السويداء", "sweida-mc"),
    ("حزب العمال الكردستاني", "pkk"),
    ("الأسايش", "asayish"),
    ("الجيش الأردني", "jordan"),
    ("الجيش الإسرائيلي", "israel"),
    ("جيش الاحتلال التركي", "turkey"),
    ("مسلحون مجهولون", "unidentified"),
    ("مسلحين مجهولين", "unidentified"),
    ("شبكة تهريب", "criminals"),
    ("المهربين", "criminals"),
    ("الميليشيات الإيرانية", "iran-militias"),
    ("الميليشيات الموالية لإيران", "iran-militias"),
    ("كتائب حزب الله", "kataib-hezbollah"),
    ("عناصر حزب الله", "hezbollah"),
    ("لواء القدس", "liwa-quds"),
    ("قوات النمر", "sy-regime"),
    ("فلول النظام البائد", "sy-regime-remnants"),
    ("جيش العزة", "jaysh-izza"),
    ("الطيران الروسي", "russia"),
    ("التحالف الدولي", "coalition"),
    ("المدنيين", "civilians"),
])
def test_names(text: str, key: str) -> None:
    found = mentions(text, published=D2025)
    assert found and {m.key for m in found} == {key}, (text, [(m.text, m.keys) for m in found])


def test_longest_match_over_shorter_names() -> None:
    (m,) = mentions("قوى الأمن الداخلي في شمال وشرق سوريا")
    assert m.keys == ["asayish"] and m.text == "قوى الأمن الداخلي في شمال وشرق سوريا"
    (m,) = mentions("الجيش السوري الحر")
    assert m.keys == ["opposition"]


def test_span_excludes_proclitics() -> None:
    (m,) = mentions("وقسد")
    assert m.text == "قسد"
    (m,) = mentions("خلية لداعش")
    assert m.text == "داعش" and m.name == "داعش"


def test_organisation_refers_back_only_after_isis() -> None:
    assert mentions("أعلن التنظيم مسؤوليته") == []
    found = mentions("هاجم داعش القرية ثم انسحب عناصر التنظيم")
    assert [m.keys for m in found] == [["isis"], ["isis"]]
    assert found[1].anaphoric is True


def test_anaphor_takes_the_most_recent_antecedent() -> None:
    found = mentions("اشتبك الجيش الوطني السوري مع فصائل المعارضة ثم انسحبت الفصائل", published=D2020)
    assert found[-1].keys == ["opposition"]


def test_foreign_forces_are_not_syrian_police() -> None:
    assert mentions("قالت وزارة الداخلية العراقية") == []
    assert mentions("أعلن الأمن العام اللبناني") == []
    assert [m.key for m in mentions("قالت وزارة الداخلية السورية", published=D2025)] == ["sy-police"]


def test_blockers_emit_nothing() -> None:
    assert mentions("منظمات المجتمع المدني") == []
    assert mentions("ارتفع عدد السكان") == []


def test_cell_flag() -> None:
    (m,) = mentions("خلية تابعة لتنظيم داعش")
    assert m.cell is True
    (m,) = mentions("أعلن تنظيم داعش")
    assert m.cell is False


def test_unknown_text_has_no_actor() -> None:
    assert mentions("ارتفعت درجات الحرارة اليوم") == []


# --- the registry file -------------------------------------------------------------------

def test_registry_entry() -> None:
    e = registry_entry("sy-police")
    assert e["name"] == "Police Forces of Syria (2024-)" and e["inter"] == 1
    assert e["valid_from"] == dt.date(2024, 12, 8) and e["valid_to"] is None
    with pytest.raises(KeyError):
        registry_entry("no-such-actor")


def test_keys_for_lists_candidates_in_priority_order() -> None:
    assert registry().keys_for("الجيش العربي السوري") == ["sy-military", "sy-regime"]
    assert registry().keys_for("@التنظيم") == ["isis"]


def test_registry_is_substantial_and_well_formed() -> None:
    reg = registry()
    assert len(reg.keys()) >= 50
    for key in reg.keys():
        e = reg.entries[key]
        assert e.name and 1 <= e.inter <= 8
        if e.valid_from and e.valid_to:
            assert e.valid_from <= e.valid_to


@pytest.mark.skipif(not SHARED.exists(), reason="../shared not present")
def test_every_shared_key_keeps_its_meaning() -> None:
    reg = registry()
    with SHARED.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            e = reg.entries[row["key"]]
            assert (e.name, str(e.inter)) == (row["name"], row["inter"])
            for name in row["arabic_names"].split("|"):
                # the name gives the shared key, or a group of ours that rolls up to it
                rolled = {k for k in reg.keys_for(name)} | {reg.entries[k].parent for k in reg.keys_for(name)}
                assert row["key"] in rolled, (row["key"], name)


def test_duplicate_keys_are_rejected() -> None:
    row = {"key": "a", "name": "A", "inter": "2", "arabic_names": "س", "notes": "",
           "valid_from": "", "valid_to": ""}
    with pytest.raises(ValueError):
        Registry([row, row])

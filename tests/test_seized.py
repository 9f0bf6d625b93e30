"""Seized-item mentions, including coordinated nouns that share one adjective."""

from __future__ import annotations

import pytest

from rasd.arabic.normalize import normalize
from rasd.doc import Doc
from rasd.extract.lexicon import data_path, read_tsv
from rasd.extract.seized import ITEMS, NOT_ITEM, seized


def run(text: str) -> list:
    doc = Doc(text)
    seized(doc)
    spans = doc.get("seized")
    for s in spans:
        assert s.text == doc.text[s.start:s.end]
    return spans


def items(text: str) -> list[str]:
    return [s.item for s in run(text)]


@pytest.mark.parametrize("text,expected", [
    ("ضبطت عبوة ناسفة", ["ied"]),
    ("عثر على عبوات ناسفة معدة للتفجير", ["ied"]),
    ("وضبط عبوتين ناسفتين", ["ied"]),
    ("مصادرة عبوات", ["ied"]),
    ("تفكيك لغم أرضي", ["ied"]),
    ("ضبط حزام ناسف", ["explosive_belt"]),
    ("صادرت أحزمة ناسفة", ["explosive_belt"]),
    ("وجدوا سترة مفخخة", ["suicide_vest"]),
    ("ضبط سترات ناسفة", ["suicide_vest"]),
    ("ضبطت متفجرات", ["explosives"]),
    ("كمية من المواد المتفجرة", ["explosives"]),
    ("مواد شديدة الانفجار", ["explosives"]),
    ("مادة TNT", ["explosives"]),
    ("ضبط أسلحة فردية", ["firearms"]),
    ("بنادق كلاشنكوف", ["firearms", "firearms"]),
    ("رشاشات ومسدسات", ["firearms", "firearms"]),
    ("وذخائر متنوعة", ["ammunition"]),
    ("مئات الطلقات", ["ammunition"]),
    ("قواعد صواريخ", ["rockets"]),
    ("قذائف هاون", ["rockets"]),
    ("قاذف آر بي جي", ["rockets", "rockets"]),
    ("قنابل يدوية", ["grenades"]),
    ("بدلات رسمية تعود للأمن", ["uniforms"]),
    ("وملابس تحمل شعار الأمن العام", ["uniforms"]),
    ("أزياء عسكرية", ["uniforms"]),
    ("ضبط سيارة ودراجات نارية", ["vehicles", "vehicles"]),
    ("طائرات مسيرة", ["drones"]),
    ("وثائق وهويات مزورة", ["documents", "documents"]),
    ("مبالغ مالية بالدولار", ["cash", "cash"]),
    ("ضبط سيارة مفخخة", ["ied"]),
])
def test_items(text: str, expected: list[str]) -> None:
    assert items(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("أحزمة وعبوات ناسفة", ["explosive_belt", "ied"]),
    ("سترات وأحزمة ناسفة", ["suicide_vest", "explosive_belt"]),
    ("سترات، أحزمة وعبوات ناسفة", ["suicide_vest", "explosive_belt", "ied"]),
    ("ملابس وبدلات عسكرية", ["uniforms", "uniforms"]),
])
def test_coordinated_nouns_share_the_adjective(text: str, expected: list[str]) -> None:
    spans = run(text)
    assert [s.item for s in spans] == expected
    assert any(s.coordinated for s in spans)


def test_coordination_needs_the_conjunction() -> None:
    # "أحزمة" alone is not an item, and without و nothing joins it to the next phrase
    assert items("أحزمة عبوات ناسفة") == ["ied"]


def test_head_span_drops_clitic() -> None:
    spans = run("وأحزمة وعبوات ناسفة")
    assert spans[0].text == "أحزمة" and spans[0].item == "explosive_belt"


@pytest.mark.parametrize("text", [
    "عبوات مياه معدنية",
    "سلاح الجو",
    "الأسلحة الكيميائية",
    "قنابل الغاز المسيل للدموع",
    "صفقة أسلحة مع الحكومة",
])
def test_lookalikes_are_not_items(text: str) -> None:
    assert items(text) == []


def test_diacritics_keep_offsets() -> None:
    (s,) = run("ضُبِطَتْ عُبُوَّاتٌ نَاسِفَةٌ")
    assert s.item == "ied" and normalize(s.text) == "عبوات ناسفة"


def test_items_in_text_order() -> None:
    assert items("ذخائر وأسلحة وعبوات ناسفة") == ["ammunition", "firearms", "ied"]


def test_tsv_uses_only_contract_items() -> None:
    rows = read_tsv(data_path("seized.tsv"))
    assert len(rows) >= 150
    assert {r["item"] for r in rows} <= set(ITEMS) | {NOT_ITEM}
    assert set(ITEMS) <= {r["item"] for r in rows}


def test_empty_doc() -> None:
    assert run("") == []

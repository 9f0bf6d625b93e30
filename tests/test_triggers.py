"""Trigger lexicon, the shared matcher it runs on, and the off-topic score.

Every sentence here is written for the tests (no article prose).
"""

from __future__ import annotations

import pytest

from rasd.doc import Doc
from rasd.extract.lexicon import Lexicon, select, split_phrase, word_forms
from rasd.extract.triggers import (
    find_triggers,
    load_triggers,
    offtopic_domains,
    offtopic_score,
    triggers,
)


def run(text: str) -> list:
    doc = Doc(text)
    triggers(doc)
    spans = doc.get("triggers")
    for s in spans:
        assert s.text == doc.text[s.start:s.end]
    return spans


def classes(text: str) -> list[str]:
    return [s.label for s in run(text)]


# --- the matcher ------------------------------------------------------------------------

def test_proclitics_are_stripped_from_the_span() -> None:
    lex = Lexicon([("اعتقال", "arrest", "n")])
    doc = Doc("وبالاعتقالات الأخيرة")
    (m,) = lex.find(doc)
    span = doc.span(m.nstart, m.nend)
    assert span.text == "اعتقالات"


def test_article_words_keep_their_article_and_fuse_with_lam() -> None:
    lex = Lexicon([("الأمن العام", "x")], article=False)
    doc = Doc("بالأمن العام وللأمن العام")
    texts = [doc.span(m.nstart, m.nend).text for m in lex.find(doc)]
    assert texts == ["الأمن العام", "للأمن العام"]


def test_no_article_option_blocks_added_al() -> None:
    assert Lexicon([("مدني", 1)], article=False).find(Doc("المجتمع المدني")) == []
    assert len(Lexicon([("مدني", 1)]).find(Doc("المجتمع المدني"))) == 1


def test_longest_match_wins_and_no_overlap() -> None:
    lex = Lexicon([("إطلاق النار", "attack"), ("وقف إطلاق النار", "truce"), ("النار", "fire")])
    hits = lex.find(Doc("أعلن وقف إطلاق النار"))
    assert [m.payload for m in hits] == ["truce"]


def test_punctuation_is_a_boundary_but_quotes_are_transparent() -> None:
    lex = Lexicon([("تنظيم الدولة", "isis"), ("اشتباك سياسي", "neg")])
    assert lex.find(Doc("اشتباك، سياسي")) == []
    assert [m.payload for m in lex.find(Doc("تنظيم «الدولة» في"))] == ["isis"]


def test_a_newline_breaks_a_phrase() -> None:
    assert Lexicon([("الجيش السوري", 1)]).find(Doc("الجيش\nالسوري")) == []


def test_suffix_classes() -> None:
    assert "اعتقلوهم" in word_forms("اعتقل", "v")
    assert "مداهماتها" in word_forms("مداهمة", "n")
    assert "كمينا" in word_forms("كمين", "n")
    assert "يستهدفون" in word_forms("يستهدف", "i")
    assert "اعتقلوهم" not in word_forms("اعتقل", "")
    assert "تصفيات" not in word_forms("تصفية", "p")  # qualifiers, not killings


def test_ta_marbuta_typed_as_ha() -> None:
    assert classes("نفذت القوات حمله امنيه في الريف") == ["raid"]


def test_word_markers_inflect_inner_words() -> None:
    assert split_phrase("تبادل~v إطلاق النار") == [("تبادل", "v"), ("اطلاق", ""), ("النار", "")]


def test_latin_and_digit_tokens() -> None:
    lex = Lexicon([("C4", "explosives"), ("TNT", "explosives")])
    assert len(lex.find(Doc("مادة c4 و tnt"))) == 2


def test_select_prefers_more_tokens() -> None:
    lex = Lexicon([("عبوة", "a"), ("عبوة ناسفة", "b")])
    assert [m.payload for m in select(lex.find_all(Doc("عبوة ناسفة")))] == ["b"]


# --- trigger classes ----------------------------------------------------------------------

CASES: list[tuple[str, set[str], set[str]]] = [
    # raids
    ("داهمت دورية منزلاً في الحي الشرقي", {"raid"}, set()),
    ("وداهموا مقراً للمجموعة فجر الأحد", {"raid"}, set()),
    ("تمت مداهمة وكر للخلية", {"raid"}, set()),
    ("أطلقت القوات حملة أمنية واسعة في الريف", {"raid"}, set()),
    ("نفذت الوحدات عملية تمشيط للمنطقة", {"raid"}, set()),
    ("اقتحمت قوة مشتركة المبنى", {"raid"}, set()),
    ("بدأت حملة مداهمات في البلدة", {"raid"}, set()),
    # arrests
    ("اعتقلت الدورية ثلاثة أشخاص", {"arrest"}, set()),
    ("وألقت القبض على المتهم الرئيسي", {"arrest"}, set()),
    ("تم إلقاء القبض على اثنين منهم", {"arrest"}, set()),
    ("قبضت الشرطة على شاب", {"arrest"}, set()),
    ("أسفرت العملية عن اعتقالات واسعة", {"arrest"}, set()),
    ("جرى توقيف سائق الشاحنة", {"arrest"}, set()),
    ("احتجزت القوات عدداً من الرجال", {"arrest"}, set()),
    ("وتم اقتياده إلى جهة غير معروفة", {"arrest"}, set()),
    ("وأشار إلى وجود موقوفين من المجموعة", {"arrest"}, set()),
    # dismantling, seizures
    ("أعلنت الوزارة تفكيك خلية في المدينة", {"dismantle"}, set()),
    ("ضبطت الدورية مستودع أسلحة", {"seizure"}, set()),
    ("تم ضبط كمية من الذخائر", {"seizure"}, set()),
    ("تمكن الفريق الهندسي من تفكيك عبوة معدة للتفجير", {"seizure"}, {"ied"}),
    ("جرت مصادرة المعدات", {"seizure"}, set()),
    # clashes
    ("اندلعت اشتباكات عنيفة بين الطرفين", {"clash"}, set()),
    ("اشتبكت الدورية مع المسلحين", {"clash"}, set()),
    ("وتبادلوا إطلاق النار لساعات", {"clash"}, {"attack"}),
    ("دارت معارك في محيط القرية", {"clash"}, set()),
    ("وقعت مواجهات مسلحة قرب الحاجز", {"clash"}, set()),
    # neutralise, kill, injure
    ("تم تحييد عنصرين من الخلية", {"neutralise"}, set()),
    ("لقي ثلاثة أشخاص مصرعهم", {"kill"}, set()),
    ("لقوا حتفهم في المكان", {"kill"}, set()),
    ("أسفر الهجوم عن مقتل شاب", {"attack", "kill"}, set()),
    ("سقط قتيل وأصيب آخرون بجروح", {"kill", "injure"}, set()),
    ("ونقل الجرحى إلى المشفى", {"injure"}, set()),
    # assassination, kidnap
    ("اغتال مجهولون مختار القرية", {"assassination"}, set()),
    ("تعرض القيادي لعملية اغتيال", {"assassination"}, set()),
    ("خطف مسلحون طفلاً من أمام منزله", {"kidnap"}, set()),
    ("تم اختطاف سائق سيارة الأجرة", {"kidnap"}, set()),
    # explosions
    ("انفجرت عبوة ناسفة بسيارة عسكرية", {"ied"}, set()),
    ("انفجار لغم أرضي بمزارع", {"ied"}, set()),
    ("أصيب طفل بانفجار من مخلفات الحرب", {"ied"}, set()),
    ("هز انفجار سيارة مفخخة وسط السوق", {"car_bomb"}, set()),
    ("فجر انتحاري نفسه عند الحاجز", {"suicide"}, set()),
    ("قتل اثنان بتفجير انتحاري", {"suicide"}, set()),
    ("سمع دوي انفجار في المدينة", {"explosion"}, set()),
    ("ألقيت قنبلة يدوية على المحل", {"grenade"}, set()),
    # air and artillery
    ("شنت الطائرات الحربية غارات على البلدة", {"airstrike"}, set()),
    ("استهدفت طائرة مسيرة سيارة على الطريق", {"airstrike"}, set()),
    ("قتل شخص بقصف جوي", {"airstrike"}, {"shelling"}),
    ("قصفت المدفعية أطراف القرية", {"shelling"}, set()),
    ("سقطت قذائف هاون على الحي", {"shelling"}, set()),
    ("قصف صاروخي على المدينة", {"shelling"}, set()),
    # attacks
    ("هاجم مسلحون حاجزاً للجيش", {"attack"}, set()),
    ("نصب المسلحون كميناً للدورية", {"attack"}, set()),
    ("أطلق مجهولون النار على سيارة", {"attack"}, set()),
    ("قتل برصاص قناص", {"attack"}, set()),
    ("استهداف حافلة تقل عمالاً", {"attack"}, set()),
    # territory and protests
    ("سيطرت الفصائل على التلة", {"control"}, set()),
    ("أعلن استعادة السيطرة على البلدة", {"control"}, set()),
    ("انسحبت القوات من المدينة", {"control"}, set()),
    ("خرجت مظاهرة في الساحة الرئيسية", {"protest"}, set()),
    ("نظم الأهالي وقفة احتجاجية أمام المبنى", {"protest"}, set()),
    ("وتظاهر المئات ضد القرار", {"protest"}, set()),
    # traps
    ("شن الوزير هجوماً لاذعاً على المعارضة", set(), {"attack"}),
    ("تعرضت الحكومة إلى هجوم إعلامي", set(), {"attack"}),
    ("حدث اشتباك كلامي بين النائبين", set(), {"clash"}),
    ("دعا الطرفين إلى ضبط النفس", set(), {"seizure"}),
    ("يعاني البلد من انفجار سكاني", set(), {"explosion"}),
    ("حاول تفجير الأزمة مع جيرانه", set(), {"explosion"}),
    ("المهاجم خطف الأضواء في المباراة", set(), {"kidnap"}),
    ("قدم هجمة مرتدة سريعة", set(), {"attack"}),
    ("قصف جبهة زميله في البرنامج", set(), {"shelling"}),
    ("اشترى قلم رصاص", set(), {"attack"}),
    ("صدر بيان صادر عن الوزارة", set(), {"seizure"}),
    ("أصيب بفيروس الإنفلونزا", set(), {"injure"}),
    ("تقدم بطلب رسمي للوزارة", set(), {"control"}),
    ("انسحب من الاتفاق النووي", set(), {"control"}),
    ("في المناطق التي تسيطر عليها الإدارة", set(), {"control"}),
    ("اغتيال الشخصية عبر الإعلام", set(), {"assassination"}),
    ("أصدرت المحكمة مذكرة توقيف بحقه", set(), {"arrest"}),
    ("تمكن الدفاع المدني من السيطرة على الحريق", set(), {"control"}),
    ("دعا إلى وقف إطلاق النار", {"agreement"}, {"attack"}),
    ("مقتل شخصين في حادث سير", {"kill", "accident"}, set()),
    ("انفجار أسطوانة غاز في مطعم", {"accident"}, {"explosion"}),
]


@pytest.mark.parametrize("text,present,absent", CASES)
def test_trigger_classes(text: str, present: set[str], absent: set[str]) -> None:
    got = set(classes(text))
    assert present <= got, (text, got)
    assert not (absent & got), (text, got)
    if not present:
        assert not got - {"accident"}, (text, got)


def test_enough_cases() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("text,etype,sub", [
    ("اندلعت اشتباكات", "Battles", "Armed clash"),
    ("اعتقلت الدورية شاباً", "Strategic developments", "Arrests"),
    ("تم ضبط مستودع أسلحة", "Strategic developments", "Disrupted weapons use"),
    ("اختطف مسلحون رجلاً", "Violence against civilians", "Abduction/forced disappearance"),
    ("انفجرت عبوة ناسفة", "Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("سيارة مفخخة", "Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("تفجير انتحاري", "Explosions/Remote violence", "Suicide bomb"),
    ("غارة جوية", "Explosions/Remote violence", "Air/drone strike"),
    ("قصف مدفعي", "Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("قنبلة يدوية", "Explosions/Remote violence", "Grenade"),
    ("هجوم مسلح", "Violence against civilians", "Attack"),
    ("وقفة احتجاجية", "Protests", "Peaceful protest"),
    ("استعادة السيطرة", "Battles", "Government regains territory"),
    ("انسحاب", "Strategic developments", "Non-violent transfer of territory"),
])
def test_acled_types(text: str, etype: str, sub: str) -> None:
    spans = [s for s in run(text) if s.event_type]
    assert spans and {(s.event_type, s.sub_event_type) for s in spans} == {(etype, sub)}
    assert all(s.cls == s.label and 0 < s.weight <= 1 for s in spans)


def test_span_quotes_word_without_conjunction() -> None:
    (s,) = run("واعتقلت الدورية رجلاً")
    assert s.text == "اعتقلت"


def test_diacritics_and_clitics_keep_original_offsets() -> None:
    text = "وَاعْتُقِلَ شابٌّ، ثُمَّ انْفَجَرَتْ عُبْوَةٌ نَاسِفَةٌ"
    spans = run(text)
    assert [s.label for s in spans] == ["arrest", "ied"]
    assert spans[0].text == "اعْتُقِلَ"


def test_longest_trigger_wins() -> None:
    (s,) = run("انفجار عبوة")
    assert s.label == "ied"
    (s,) = run("تبادل إطلاق النار")
    assert s.label == "clash"


def test_neg_drops_overlapping_triggers() -> None:
    assert find_triggers(Doc("هجوم دبلوماسي")) == []
    assert [m.payload.cls for m in find_triggers(Doc("هجوم مسلح"))] == ["attack"]


def test_tsv_is_well_formed() -> None:
    rows = load_triggers()
    assert len(rows) > 400
    required = {"raid", "clash", "arrest", "dismantle", "seizure", "neutralise", "kill", "injure",
                "assassination", "kidnap", "ied", "car_bomb", "suicide", "explosion", "airstrike",
                "shelling", "attack", "control", "protest", "grenade", "neg"}
    assert required <= {t.cls for _, t, _ in rows}
    for phrase, t, infl in rows:
        assert phrase and infl in ("", "p", "n", "v", "i")
        assert (t.cls in ("neg", "accident")) == (t.event_type == "")


# --- off-topic --------------------------------------------------------------------------

def test_sport_article_is_offtopic() -> None:
    doc = Doc("سجل اللاعب هدفاً في المباراة وفاز الفريق بالدوري. وأطلق المهاجم قذيفة صاروخية "
              "سكنت المرمى في الشوط الثاني وسط هتاف الجماهير، ليتأهل المنتخب إلى ربع النهائي.")
    assert offtopic_score(doc) > 0.5
    assert max(offtopic_domains(doc), key=offtopic_domains(doc).get) == "sport"


def test_economy_article_is_offtopic() -> None:
    doc = Doc("ارتفعت أسعار النفط وتراجع مؤشر البورصة، فيما رفع البنك المركزي أسعار الفائدة "
              "لمواجهة التضخم وسط تباطؤ النمو الاقتصادي وتراجع الصادرات.")
    assert offtopic_score(doc) > 0.5


def test_security_report_is_not_offtopic() -> None:
    doc = Doc("داهمت دورية للأمن العام وكراً لخلية واعتقلت ثلاثة عناصر بعد اشتباكات، "
              "وضبطت عبوات ناسفة وأسلحة، بحسب ما نشرت الوزارة على صفحتها في فيسبوك.")
    triggers(doc)
    assert offtopic_score(doc) < 0.2


def test_no_cues_scores_zero() -> None:
    assert offtopic_score(Doc("")) == 0.0

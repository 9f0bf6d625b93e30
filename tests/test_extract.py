"""Extraction on short reports written for these tests: types, segmentation, figures, sides."""

import datetime as dt

import pytest

from rasd.doc import Article
from rasd.extract.events import mentions_of
from rasd.pipeline import make_doc

PUB = dt.date(2025, 11, 25)  # a Tuesday


def events(text: str, published: dt.date | None = PUB, **kw):
    return mentions_of(make_doc(Article("t", text, published=published)), **kw)


def one(text: str, published: dt.date | None = PUB):
    evs = events(text, published)
    assert len(evs) == 1, [(e["event_type"], e["admin1"], e["event_date"]) for e in evs]
    return evs[0]


def sides(e):
    return ({a["key"] for a in e["actors"] if a["side"] == 1}, {a["key"] for a in e["actors"] if a["side"] == 2})


TYPES = [
    ("داهمت قوى الأمن الداخلي منزلاً في حي الميدان بدمشق يوم الأحد، واعتقلت ثلاثة أشخاص يشتبه بانتمائهم لخلية تتبع تنظيم داعش.",
     "Strategic developments", "Arrests"),
    ("اندلعت اشتباكات بين قوى الأمن العام وخلية لتنظيم داعش في مدينة الميادين بريف دير الزور يوم الأحد، ما أسفر عن مقتل عنصرين من الخلية.",
     "Battles", "Armed clash"),
    ("ضبطت وحدات الأمن الداخلي مستودعاً يحوي قذائف هاون وذخائر متنوعة في بلدة الصنمين بريف درعا يوم الأحد، دون تسجيل أي اعتقالات.",
     "Strategic developments", "Disrupted weapons use"),
    ("قتل مدنيان وأصيب ثلاثة آخرون بانفجار عبوة ناسفة زرعها مجهولون في مدينة الباب بريف حلب الشرقي يوم الأحد.",
     "Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("انفجرت سيارة مفخخة قرب دوار في مدينة أعزاز شمالي حلب يوم الأحد، ما أدى إلى مقتل أربعة مدنيين.",
     "Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("شنت طائرات حربية روسية يوم الأحد غارات على مدينة معرة النعمان جنوب إدلب، ما أسفر عن مقتل خمسة مدنيين.",
     "Explosions/Remote violence", "Air/drone strike"),
    ("قصفت قوات النظام بالمدفعية الثقيلة بلدة كفرزيتا في ريف حماة الشمالي يوم الأحد، ما أدى لإصابة طفلين.",
     "Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("اغتال مسلحون مجهولون مختار قرية في ريف درعا الغربي يوم الأحد، بإطلاق النار عليه أمام منزله في بلدة طفس.",
     "Violence against civilians", "Attack"),
    ("خطف مسلحون مجهولون شاباً من أبناء مدينة شهبا في ريف السويداء يوم الأحد، وطالبوا ذويه بفدية مالية.",
     "Violence against civilians", "Abduction/forced disappearance"),
]


@pytest.mark.parametrize("text,etype,sub", TYPES)
def test_types(text, etype, sub):
    e = one(text)
    assert (e["event_type"], e["sub_event_type"]) == (etype, sub)
    assert e["event_date"] == "2025-11-23" and e["time_precision"] == 1
    assert e["country"] == "Syria" and e["admin1"]


def test_raid_with_exchange_of_fire_is_a_clash_and_counts_by_side():
    e = one("نفذت قوى الأمن الداخلي يوم الأحد عملية مداهمة في بلدة القريتين بريف حمص ضد خلية تابعة لتنظيم داعش، "
            "وتبادلت إطلاق النار مع عناصرها، ما أدى إلى مقتل عنصر من الأمن الداخلي وتحييد ثلاثة من عناصر الخلية "
            "واعتقال اثنين آخرين.")
    assert e["sub_event_type"] == "Armed clash"
    assert sides(e) == ({"sy-police"}, {"isis"})
    assert e["killed"]["side1"] == 1 and e["killed"]["side2"] == 3
    assert e["fatalities"] == 4 and e["arrested"] == 2
    assert e["admin1"] == "Homs"


def test_vague_counts_stay_null():
    e = one("ألقت قوى الأمن الداخلي يوم الأحد القبض على عدد من المطلوبين في مدينة جبلة بريف اللاذقية.")
    assert e["arrested"] is None and e["sub_event_type"] == "Arrests"


def test_subset_is_not_counted_twice():
    e = one("قتل سبعة مدنيين بينهم ثلاثة أطفال بقصف مدفعي لقوات النظام على بلدة كفرنبل جنوب إدلب يوم الأحد.")
    assert e["fatalities"] == 7


def test_repeated_figures_are_not_summed():
    e = one("قتل شخصان بانفجار لغم في بلدة عقيربات شرق حماة يوم الأحد. وقال مصدر طبي إن الانفجار أدى إلى مقتل "
            "شخصين كانا يعملان في رعي الأغنام.")
    assert e["fatalities"] == 2


def test_seizure_words_are_not_explosions():
    e = one("ضبطت قوى الأمن الداخلي يوم الأحد عبوات ناسفة وأحزمة ناسفة وقنابل يدوية داخل مستودع في مدينة "
            "القصير بريف حمص، واعتقلت شخصين.")
    assert e["event_type"] == "Strategic developments"
    assert {"ied", "explosive_belt", "grenades"} <= set(e["seized"])


def test_two_incidents_in_two_governorates():
    evs = events("قتل عنصر من قوات النظام برصاص مجهولين في مدينة الصنمين بريف درعا يوم الأحد.\n\n"
                 "وفي ريف دير الزور الشرقي، اعتقلت قوات سوريا الديمقراطية خمسة أشخاص بتهمة الانتماء لتنظيم داعش "
                 "في بلدة ذيبان يوم الأحد.", published=dt.date(2018, 6, 5))
    assert sorted(e["admin1"] for e in evs) == ["Dar'a", "Deir ez Zor"]
    arrests = next(e for e in evs if e["admin1"] == "Deir ez Zor")
    assert arrests["arrested"] == 5 and sides(arrests)[0] == {"sdf"}


def test_aggregate_tally():
    e = one("أعلنت قوات سوريا الديمقراطية أن عملياتها ضد خلايا تنظيم داعش خلال شهر تشرين الأول الماضي أسفرت عن "
            "اعتقال 42 شخصاً ومقتل ستة آخرين في مناطق متفرقة من الرقة ودير الزور والحسكة.")
    assert e["report_kind"] == "aggregate"
    assert e["arrested"] == 42 and e["fatalities"] == 6
    assert e["admin1"] is None
    assert e["event_date"] == "2025-10-01" and e["time_precision"] == 3


def test_aggregate_without_figures_is_no_event():
    assert events("تواصل الأجهزة الأمنية حملاتها في عدد من المحافظات لملاحقة خلايا التنظيم.") == []


def test_background_is_left_out_by_default():
    text = ("وكان تنظيم داعش قد شن هجوماً على سجن غويران في مدينة الحسكة في كانون الثاني 2022، ما أدى إلى مقتل "
            "العشرات.")
    assert events(text) == []
    kept = events(text, include_background=True)
    assert kept and kept[0]["report_kind"] == "background"


def test_no_event_in_sport_or_politics():
    assert events("فاز نادي الكرامة على نادي الوحدة بثلاثة أهداف مقابل هدف في الدوري السوري لكرة القدم، وسجل "
                  "المهاجم هدفاً بقذيفة صاروخية من خارج منطقة الجزاء.") == []
    assert events("بحث وزير الخارجية السوري مع نظيره الأردني في دمشق سبل تعزيز التعاون الاقتصادي وفتح المعابر.") == []


def test_purpose_and_modal_are_not_events():
    assert events("تسعى الحكومة إلى القضاء على خلايا التنظيم ومنع أي هجمات في المستقبل.") == []


def test_undated_report_has_null_date():
    e = one("قتل عنصران من قوات النظام وأصيب ثالث بانفجار لغم في ريف حماة الشرقي صباح اليوم.", published=None)
    assert e["event_date"] is None and e["time_precision"] is None
    assert e["fatalities"] == 2


def test_airstrike_owner_acts_and_civilians_are_victims():
    e = one("قتل أربعة مدنيين بغارات للطيران الروسي على بلدة خان شيخون جنوب إدلب يوم الأحد.",
            published=dt.date(2018, 3, 6))
    s1, s2 = sides(e)
    assert "russia" in s1 and "civilians" in s2


def test_unknown_perpetrator_is_unidentified():
    e = one("قتل عنصران من قوات سوريا الديمقراطية بانفجار عبوة ناسفة في بلدة الشحيل بريف دير الزور يوم الأحد.")
    assert sides(e) == ({"unidentified"}, {"sdf"})
    assert e["killed"]["side2"] == 2


def test_evidence_quotes_the_original():
    text = "اعتقلت قوى الأمن الداخلي ٣ أشخاص في مدينة حمص يوم الأحد، وضبطت بحوزتهم أسلحةً وذخائر."
    e = one(text)
    assert e["arrested"] == 3
    fields = {ev["field"] for ev in e["evidence"]}
    assert {"event_type", "event_date", "arrested", "location", "seized"} <= fields
    for ev in e["evidence"]:
        assert text[ev["start"]:ev["end"]] == ev["text"]


def test_notes_and_confidence():
    e = one("قتل مدنيان بانفجار عبوة ناسفة في مدينة الباب بريف حلب يوم الأحد.")
    assert "23 November 2025" in e["notes"] and "killed" in e["notes"]
    assert 0 < e["confidence"] <= 1


def test_actor_names_change_meaning_with_the_date():
    text = "اشتبك الجيش العربي السوري مع مسلحين في ريف درعا الشرقي يوم الأحد، ما أسفر عن مقتل ثلاثة مسلحين."
    before = one(text, published=dt.date(2018, 6, 5))
    after = one(text, published=PUB)
    assert "sy-regime" in sides(before)[0] and "sy-military" in sides(after)[0]


def test_whole_cell_arrested_counts_its_members():
    e = one("فككت قوات سوريا الديمقراطية يوم الأحد خلية لتنظيم داعش في مدينة الحسكة، مكونة من أربعة رجال وامرأة، "
            "وتم اعتقال جميع أفرادها.")
    assert e["arrested"] == 5


def test_negated_arrests_are_zero():
    e = one("عثرت قوى الأمن العام يوم الأحد على مستودع يضم قذائف هاون وذخائر في بلدة خان أرنبة بريف القنيطرة، "
            "ولم تسجل أي حالة توقيف.")
    assert e["sub_event_type"] == "Disrupted weapons use" and e["arrested"] == 0


def test_one_more_person_joined_by_and_counts() -> None:
    """"قتل جنديان ومترجم مدني": three dead; "وكان شخص قتل": one."""
    e = one("قتل جنديان أمريكيان ومترجم مدني اليوم في هجوم قرب مدينة تدمر بريف حمص.")
    assert e["fatalities"] == 3
    e = one("شهدت أحياء في مدينة اللاذقية مساء الاثنين أعمال شغب، وكان شخص قتل وأصيب 13 آخرون بجروح.")
    assert e["fatalities"] == 1 and e["injured"] == 13


def test_the_charges_of_the_arrested_are_not_events_of_the_day() -> None:
    e = one("ألقت قوى الأمن الداخلي في دمشق يوم الاثنين القبض على ثلاثة أشخاص اعترفوا بتورطهم بارتكاب "
            "مجازر في حي التضامن تم فيها تصفية عشرات المدنيين.")
    assert e["sub_event_type"] == "Arrests" and e["arrested"] == 3


def test_freeing_the_kidnapped_is_an_arrest_operation() -> None:
    e = one("أعلنت وزارة الداخلية مساء الخميس تحرير خمسة مختطفين من أبناء السويداء في بلدة المسيفرة بريف درعا "
            "واعتقال اثنين من أفراد العصابة.")
    assert e["sub_event_type"] == "Arrests"


def test_the_attacker_killed_adds_to_his_victims() -> None:
    e = one("قتل جنديان أمريكيان ومترجم مدني اليوم في هجوم نفذه مسلح من تنظيم داعش قرب مدينة تدمر. "
            "وقال وزير الدفاع إن قوات شريكة قتلت المهاجم.")
    assert e["fatalities"] == 4


def test_his_death_is_one() -> None:
    e = one("استهدفت طائرة مسيرة للتحالف الدولي يوم الأحد منزلاً في مدينة خان شيخون بريف إدلب، "
            "ما أدى إلى مقتله على الفور.")
    assert e["fatalities"] == 1


def test_a_second_figure_takes_its_own_role_noun() -> None:
    e = one("أسفر القصف على بلدة كفرنبل في ريف إدلب يوم الاثنين عن مقتل 3 مدنيين و5 جرحى.")
    assert (e["fatalities"], e["injured"]) == (3, 5)


def test_abroad_the_police_are_that_countrys_and_the_place_is_kept() -> None:
    evs = events("اعتقلت الشرطة يوم الاثنين خمسة أشخاص في مدينة الحديدة غرب اليمن.")
    assert len(evs) == 1 and evs[0]["country"] == "Yemen" and evs[0]["admin1"] is None
    assert not any("Syria" in a["name"] and a["key"] not in ("civilians", "unidentified") for a in evs[0]["actors"])


def test_a_capital_that_speaks_is_not_the_place() -> None:
    e = one("واتهمت دمشق يوم الاثنين إسرائيل بشن ضربة جوية استهدفت مطار التيفور العسكري في ريف حمص.")
    assert e["admin1"] == "Homs"


def test_a_rare_act_told_twice_by_one_article_is_one_incident() -> None:
    from rasd.extract.events import _one_rare_act_per_place

    def r(i: int, loc: str | None, admin1: str | None, sub: str = "Chemical weapon") -> dict:
        return {"id": f"m{i}", "report_kind": "incident", "sub_event_type": sub, "location": loc, "admin1": admin1}

    told = [r(1, "Duma", "Rural Damascus"), r(2, "Eastern Ghouta", "Rural Damascus"), r(3, None, None),
            r(4, "Khan Shaykhun", "Idleb"), r(5, "Duma", "Rural Damascus", "Air/drone strike")]
    assert [x["id"] for x in _one_rare_act_per_place(told)] == ["m1", "m4", "m5"]


def test_the_act_a_strike_answers_does_not_type_it() -> None:
    from rasd.extract.events import mentions_of
    from rasd.pipeline import make_doc

    def types(text: str) -> list[str]:
        doc = make_doc(Article("t", text, published=dt.date(2018, 4, 14)))
        return [r["sub_event_type"] for r in mentions_of(doc) if r["report_kind"] == "incident"]

    assert types("شنت الولايات المتحدة وفرنسا فجر اليوم ضربات صاروخية على مواقع عسكرية قرب مدينة حمص "
                 "ردا على هجوم كيميائي مفترض في دوما.") == ["Shelling/artillery/missile attack"]
    assert types("قصفت الطائرات مطار الشعيرات غداة تقارير عن هجوم بالغازات السامة على دوما.") != ["Chemical weapon"]
    # alone, the named act is the event
    assert types("قتل عشرات المدنيين اليوم في هجوم كيميائي على مدينة دوما بريف دمشق.") == ["Chemical weapon"]

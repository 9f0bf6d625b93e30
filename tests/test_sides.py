"""Who did what to whom: sides from the clause that tells the act (rasd/extract/sides.py)."""

from __future__ import annotations

from tests.test_extract import one, sides


def test_the_doer_of_an_attack_told_as_a_noun_is_side_one() -> None:
    """"الهجوم الذي نفذه تنظيم داعش": ISIS attacked, the police it killed are side 2."""
    e = one("قُتل أربعة من عناصر الأمن الداخلي يوم الاثنين جراء الهجوم الذي نفذه تنظيم داعش "
            "على حاجز غرب مدينة الرقة، وتمكنت القوى الأمنية من تحييد أحد المهاجمين.")
    assert sides(e) == ({"isis"}, {"sy-police"})


def test_the_doers_group_may_follow_its_members() -> None:
    """"هجوم شنته مجموعة إرهابية تابعة لتنظيم الدولة": the cells' organisation is the doer."""
    e = one("أعلنت قوات سوريا الديمقراطية يوم الاثنين إحباط هجوم شنته مجموعة إرهابية تابعة لتنظيم "
            "الدولة الإسلامية على إحدى نقاطها في بلدة ذيبان بريف دير الزور، ومقتل خمسة من مقاتليها.")
    assert sides(e) == ({"isis"}, {"sdf"})


def test_a_withdrawal_after_a_raid_is_no_battle() -> None:
    e = one("توغلت قوة إسرائيلية فجر الاثنين في بلدة خان أرنبة بريف القنيطرة ونفذت مداهمة انتهت "
            "باعتقال شاب من أهالي البلدة، ثم انسحبت.")
    assert e["sub_event_type"] == "Arrests"


def test_people_held_by_a_foreign_army_are_civilians() -> None:
    e = one("اعتقلت قوات الاحتلال الإسرائيلي يوم الأحد أربعة شبان من بلدة جباتا الخشب بريف القنيطرة "
            "خلال حملة دهم وتفتيش.")
    assert sides(e) == ({"israel"}, {"civilians"}) and e["arrested"] == 4


def test_cells_arrested_by_the_police_stay_the_group() -> None:
    e = one("ألقت قوى الأمن الداخلي يوم الأحد القبض على ثلاثة عناصر من خلية تابعة لتنظيم داعش "
            "في مدينة داريا بريف دمشق.")
    assert sides(e) == ({"sy-police"}, {"isis"})


def test_a_leader_linked_to_a_group_is_of_that_group() -> None:
    """"زعيم إرهابي مرتبط بتنظيم القاعدة": the target; "بقيادة الولايات المتحدة" only describes the coalition."""
    e = one("أعلن التحالف الدولي بقيادة الولايات المتحدة يوم الأحد تنفيذ ضربة جوية في ريف إدلب أسفرت "
            "عن مقتل قيادي مرتبط بتنظيم القاعدة.")
    assert sides(e) == ({"coalition"}, {"al-qaeda"})


def test_a_group_accused_of_a_bombing_is_not_its_maker() -> None:
    e = one("قُتل ثلاثة مدنيين يوم السبت بانفجار سيارة مفخخة وسط مدينة منبج بريف حلب، "
            "واتهمت مصادر أمنية عناصر من قوات سوريا الديمقراطية بالوقوف وراءه.")
    assert sides(e) == ({"unidentified"}, {"civilians"})


def test_an_unnamed_air_force_is_left_blank() -> None:
    """Strikes with no named aircraft: side 1 empty, not an unidentified armed group."""
    e = one("قُتل مدني وأصيب ستة آخرون يوم الخميس في غارات جوية استهدفت مدينة أريحا في ريف إدلب.")
    assert sides(e) == (set(), {"civilians"})


def test_ground_taken_by_the_army_is_government_regaining_territory() -> None:
    e = one("استعادت قوات النظام السيطرة على بلدة بصر الحرير في ريف درعا يوم الثلاثاء بعد معارك "
            "مع الفصائل المعارضة.")
    assert (e["event_type"], e["sub_event_type"]) == ("Battles", "Government regains territory")


def test_an_arrest_counts_its_object_past_commas_and_the_day() -> None:
    e = one("اعتقلت قوات الاحتلال الإسرائيلي، اليوم الأحد، 4 سوريين في بلدة خان أرنبة بريف القنيطرة.")
    assert e["arrested"] == 4 and sides(e) == ({"israel"}, {"civilians"})


def test_worshippers_attacked_are_civilians() -> None:
    e = one("شن مسلحون مجهولون يوم الجمعة هجوماً على مصلين أمام مسجد في قرية حيالين بريف حماة، "
            "ما أسفر عن مقتل أربعة أشخاص.")
    assert sides(e) == ({"unidentified"}, {"civilians"}) and e["fatalities"] == 4


def test_an_attack_carried_out_by_cells_names_them_the_doer() -> None:
    e = one("تعرض حاجز لقوى الأمن الداخلي في مدينة الرقة مساء الثلاثاء لاستهداف قام به خلايا تنظيم داعش، "
            "ما أدى إلى مقتل عنصرين.")
    assert sides(e)[0] == {"isis"}


def test_a_strike_on_a_military_airport_hits_the_army_of_the_day() -> None:
    e = one("استهدفت صواريخ فجر الاثنين مطار التيفور العسكري في ريف حمص الشرقي.")
    assert sides(e)[1] == {"sy-military"}  # the army after December 2024
    import datetime as dt

    from tests.test_extract import events
    (old,) = events("استهدفت صواريخ فجر الاثنين مطار التيفور العسكري في ريف حمص الشرقي.", dt.date(2018, 4, 9))
    assert {a["key"] for a in old["actors"] if a["side"] == 2} == {"sy-regime"}


def test_a_factions_stronghold_is_no_party() -> None:
    """"الغوطة الشرقية، آخر معاقل الفصائل المعارضة": a description of the place."""
    e = one("قُتل 12 مدنياً يوم الاثنين في غارات على الغوطة الشرقية، آخر معاقل الفصائل المعارضة قرب دمشق.")
    assert sides(e)[1] == {"civilians"}


def test_a_tally_of_strikes_carries_their_shooter() -> None:
    from tests.test_extract import events

    evs = events("قُتل 12 مدنياً يوم الاثنين في قصف شنته قوات النظام على بلدة حمورية في الغوطة الشرقية. "
                 "وارتفعت حصيلة القتلى منذ بدء القصف قبل أسبوع إلى 194 شخصاً في الغوطة الشرقية.")
    tally = [e for e in evs if e["report_kind"] == "aggregate"]
    assert tally and {a["key"] for a in tally[0]["actors"] if a["side"] == 1} == {"sy-regime"}


def test_taking_a_town_is_territory_changing_hands() -> None:
    e = one("وحققت قوات النظام تقدماً يوم الخميس بسيطرتها على بلدة بصر الحرير في ريف درعا.")
    assert e["sub_event_type"] == "Government regains territory"


def test_a_missile_attack_in_the_accusative_and_positions_of_the_army() -> None:
    import datetime as dt

    from tests.test_extract import events

    (e,) = events("شن الحرس الثوري الإيراني فجر الاثنين هجوماً صاروخياً على مواقع لقوات النظام في ريف دير الزور.",
                  dt.date(2018, 10, 2))
    assert e["sub_event_type"] == "Shelling/artillery/missile attack"
    assert sides(e)[1] == {"sy-regime"}


def test_in_an_arrest_the_force_acts_whoever_did_the_crime() -> None:
    e = one("أعلنت وزارة الداخلية مساء الخميس تحرير خمسة مختطفين بعد أربعة أشهر من احتجازهم على يد "
            "عصابة مسلحة، وقالت إن قوى الأمن الداخلي ألقت القبض على اثنين من أفراد العصابة "
            "في بلدة المسيفرة بريف درعا.")
    assert sides(e) == ({"sy-police"}, {"criminals"})


def test_a_force_described_as_following_another_is_no_party_of_it() -> None:
    """"قوات العشائر التي تتبع للنظام": the regime is a description, not a side of the fighting."""
    e = one("شهدت بلدة ذيبان بريف دير الزور يوم الاثنين اشتباكات بين قوات العشائر التي تتبع للنظام "
            "وقوات سوريا الديمقراطية.")
    assert "sy-regime" not in {a["key"] for a in e["actors"]}


def test_the_only_group_named_in_a_clash_is_the_one_hit() -> None:
    e = one("أفاد المرصد يوم الجمعة بإصابة 3 عناصر من وزارة الدفاع في هجوم لمسلحين محليين "
            "في مدينة بصرى الشام بريف درعا تلته اشتباكات عنيفة.")
    assert sides(e)[1] == {"sy-military"} and "sy-military" not in sides(e)[0]


def test_unknown_killers_of_a_soldier_are_side_one() -> None:
    e = one("أفادت قناة الإخبارية يوم الاثنين بأن مجهولين قتلوا أحد عناصر الجيش السوري قرب مدينة تل أبيض.")
    assert sides(e) == ({"unidentified"}, {"sy-military"}) and e["fatalities"] == 1

"""The incident layer on sentences written for these tests: where one incident ends and the next
begins, the date of each, tallies, recalled events, and the trace that explains the decisions."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from rasd.cli import main
from rasd.doc import Article
from rasd.extract.events import mentions_of
from rasd.extract.trace import trace
from rasd.pipeline import make_doc

PUB = dt.date(2025, 11, 26)  # a Wednesday


def records(text: str, published: dt.date | None = PUB, background: bool = False) -> list[dict]:
    return mentions_of(make_doc(Article("t", text, published=published)), include_background=background)


def kinds(text: str, published: dt.date | None = PUB) -> list[tuple]:
    return [(r["report_kind"], r["event_date"], r["admin1"]) for r in records(text, published, True)]


# --- split unless it refers back -----------------------------------------------------------------

def test_two_towns_in_one_sentence_are_two_incidents() -> None:
    recs = records("قُتل مدنيان يوم الاثنين في قصف مدفعي على بلدة بنش بريف إدلب، "
                   "فيما استهدفت غارات جوية مدينة أريحا وأصيب خمسة أشخاص.")
    assert sorted(r["location"] for r in recs) == ["Ariha", "Binnish"]
    assert {r["event_date"] for r in recs} == {"2025-11-24"}


def test_a_clause_that_refers_back_joins_the_incident() -> None:
    recs = records("هاجم مسلحون حاجزاً للأمن العام في مدينة الميادين بريف دير الزور يوم الثلاثاء. "
                   "وقُتل عنصران من الأمن العام خلال الهجوم، وأصيب ثلاثة آخرون بجروح.")
    assert len(recs) == 1
    assert recs[0]["fatalities"] == 2 and recs[0]["injured"] == 3


def test_a_discourse_cue_opens_another_incident() -> None:
    recs = records("اعتقلت قوى الأمن الداخلي ثلاثة أشخاص في مدينة جبلة يوم الاثنين. "
                   "وفي سياق منفصل، انفجرت عبوة ناسفة بسيارة عسكرية في مدينة جبلة ما أدى إلى مقتل عنصر.")
    assert sorted(r["sub_event_type"] for r in recs) == ["Arrests", "Remote explosive/landmine/IED"]


def test_the_same_town_again_is_the_same_incident() -> None:
    recs = records("اندلعت اشتباكات عنيفة يوم الأحد في بلدة ذيبان بريف دير الزور الشرقي بين قسد ومسلحين. "
                   "وقال مصدر محلي إن الاشتباكات في ذيبان أسفرت عن مقتل أربعة مسلحين.")
    assert len(recs) == 1 and recs[0]["fatalities"] == 4


# --- the event's own date ----------------------------------------------------------------------

def test_a_date_in_a_relative_clause_does_not_date_the_incident() -> None:
    recs = records("قُتل ثلاثة عناصر من الجيش يوم الثلاثاء بهجوم على نقطة عسكرية في مدينة تدمر، "
                   "قرب الموقع الذي شهد الهجوم الذي وقع في أيلول الماضي.")
    assert [r["event_date"] for r in recs] == ["2025-11-25"]


def test_an_announcement_day_is_not_the_day_of_the_act() -> None:
    recs = records("أعلنت وزارة الداخلية يوم الاثنين القبض على خمسة أشخاص من خلية لتنظيم داعش "
                   "في مدينة دوما بريف دمشق.")
    assert len(recs) == 1
    assert (recs[0]["event_date"], recs[0]["time_precision"]) == ("2025-11-24", 2)


def test_fresh_news_without_a_day_takes_the_publication_week() -> None:
    recs = records("قُتل عنصر من قوات سوريا الديمقراطية بانفجار لغم أرضي في بلدة الصور بريف دير الزور.")
    assert [(r["event_date"], r["time_precision"]) for r in recs] == [("2025-11-26", 2)]


def test_no_publication_date_leaves_the_date_null() -> None:
    recs = records("قُتل عنصر من قوات سوريا الديمقراطية بانفجار لغم أرضي في بلدة الصور بريف دير الزور.",
                   published=None)
    assert [r["event_date"] for r in recs] == [None]


def test_night_of_friday_is_friday() -> None:
    recs = records("داهمت قوة من الأمن العام ليل الجمعة منزلاً في مدينة الميادين واعتقلت شخصين.")
    assert [r["event_date"] for r in recs] == ["2025-11-21"]


# --- tallies ---------------------------------------------------------------------------------

def test_a_figure_over_days_is_a_tally_with_its_period() -> None:
    got = kinds("قال المرصد إن 300 شخص قُتلوا خلال 12 يوماً من القصف على الغوطة الشرقية بريف دمشق.")  # the 12th day is the 26th
    assert got == [("aggregate", "2025-11-15", "Rural Damascus")]


def test_a_toll_since_a_day_is_a_tally_apart_from_the_incident() -> None:
    recs = records("قُتل خمسة مدنيين يوم الأربعاء بغارة جوية على بلدة معرة النعمان في ريف إدلب. "
                   "وبذلك ارتفعت حصيلة القتلى منذ يوم الجمعة الماضي إلى 61 مدنياً وفق المرصد.", background=True)
    by_kind = {r["report_kind"]: r for r in recs}
    assert set(by_kind) == {"incident", "aggregate"}
    assert by_kind["incident"]["fatalities"] == 5 and by_kind["incident"]["event_date"] == "2025-11-26"
    assert by_kind["aggregate"]["fatalities"] == 61 and by_kind["aggregate"]["event_date"] == "2025-11-21"
    assert by_kind["aggregate"]["date_end"] == "2025-11-26"


def test_a_superlative_is_no_tally() -> None:
    got = kinds("شهدت مدينة دوما بريف دمشق يوم الثلاثاء أعنف قصف منذ أشهر، قُتل فيه سبعة مدنيين.")
    assert got == [("incident", "2025-11-25", "Rural Damascus")]


def test_a_campaign_that_goes_on_is_no_incident() -> None:
    assert records("تتعرض قرى جبل الزاوية في ريف إدلب منذ أسابيع لقصف مدفعي متواصل.") == []


def test_a_trend_over_a_vague_recent_time_is_no_incident() -> None:
    text = ("داهمت قوات الأمن العام اليوم الأربعاء منزلاً في بلدة الصنمين بريف درعا واعتقلت مطلوبين اثنين.\n"
            "وتصاعدت مؤخرا حملات الدهم في ريف القنيطرة، فضلا عن اعتقال أشخاص على الحواجز.")
    recs = records(text)
    assert [(r["location"], r["arrested"]) for r in recs] == [("As Sanamayn", 2)]


def test_a_quoted_bulletin_in_the_present_reports_the_act() -> None:
    # the lead names the governorate; the quoted bulletin (headline present) names the town
    text = ("اعتقلت قوات إسرائيلية اليوم الأربعاء ثلاثة شبان خلال توغل في محافظة القنيطرة.\n"
            "وقالت قناة محلية في منشور: \"قوات الاحتلال تعتقل ثلاثة شبان في بلدة خان أرنبة بريف القنيطرة\".")
    recs = records(text)
    assert len(recs) == 1
    assert recs[0]["location"].startswith("Khan Arnaba") and recs[0]["geo_precision"] == 1


def test_a_withdrawal_alone_is_no_event() -> None:
    assert records("توغلت خمس آليات عسكرية إسرائيلية اليوم الأربعاء في قرية صيدا الجولان ثم انسحبت.") == []


def test_air_defences_meeting_missiles_are_an_event_at_the_base() -> None:
    text = ("أفادت وسائل إعلام رسمية بتصدي أنظمة الدفاع الجوي لهجوم صاروخي على مطار الضمير العسكري اليوم الأربعاء.\n"
            "كما اعترضت الدفاعات الجوية ثلاثة صواريخ كانت تستهدف مطار الشعيرات بريف حمص.")
    recs = records(text)
    assert sorted((r["admin1"], r["event_type"]) for r in recs) == [
        ("Homs", "Strategic developments"), ("Rural Damascus", "Explosions/Remote violence")]


def test_the_site_of_a_known_attack_is_no_new_incident() -> None:
    text = ("قصفت طائرات حربية اليوم الأربعاء بلدة كفرنبل بريف إدلب وقتل مدنيان.\n"
            "ووصل فريق المفتشين يوم الأحد لكنه لم يتمكن من زيارة موقع الهجوم في بلدة دوما.")
    assert [r["location"] for r in records(text)] == ["Kafr Nabl"]


def test_a_relative_clause_opening_a_clause_dates_the_noun_before_it() -> None:
    text = ("وبعد أسبوع من الهجوم، الذي وقع يوم 7 تشرين الثاني، شنت طائرات حربية غارات "
            "على مواقع في مدينة دوما بريف دمشق.")
    dates = {r["event_date"] for r in records(text, background=True) if r["report_kind"] == "incident"}
    assert "2025-11-07" not in dates


def test_the_deed_of_the_arrested_neither_dates_nor_counts_the_arrest() -> None:
    text = ("أعلنت قوى الأمن الداخلي اليوم الأربعاء إلقاء القبض على ثلاثة أشخاص المتورطين في مجزرة "
            "حي القدم في دمشق قبل عشر سنوات.\n"
            "وأكد المصدر أن الموقوفين اعترفوا بتورطهم في المجزرة التي أودت بحياة أكثر من 200 مدني.")
    recs = [r for r in records(text) if r["report_kind"] == "incident"]
    assert len(recs) == 1
    r = recs[0]
    assert r["sub_event_type"] == "Arrests" and r["arrested"] == 3
    assert r["event_date"] == "2025-11-26" and not r["fatalities"]


def test_a_relative_clause_after_a_deed_describes_the_deed() -> None:
    text = ("أعلنت مديرية الأمن اليوم إلقاء القبض على عدد من المتورطين في مجزرة حي القدم "
            "التي وقعت قبل عشر سنوات وأسفرت عن مقتل العشرات من المدنيين.")
    recs = records(text)
    assert [(r["sub_event_type"], r["event_date"]) for r in recs] == [("Arrests", "2025-11-26")]


def test_an_announced_toll_somewhere_in_syria_is_a_report() -> None:
    text = "أعلن الجيش الأميركي اليوم مقتل اثنين من جنوده خلال هجوم نفذه مسلح من تنظيم داعش في سوريا."
    recs = records(text)
    assert [(r["country"], r["admin1"], r["fatalities"]) for r in recs] == [("Syria", None, 2)]
    # talk about the war with no toll and no named sides is not
    assert records("تستمر الهجمات في سوريا منذ سنوات.") == []


def test_a_lead_placed_only_in_syria_and_told_again_with_its_place_is_one_incident() -> None:
    text = ("أفاد المرصد صباح اليوم بمقتل 38 من المقاتلين الموالين للنظام في ضربة جوية في شرق سوريا.\n"
            "وقال مدير المرصد إن 38 قتيلا سقطوا في الغارة على بلدة الهري بريف دير الزور.")
    recs = records(text)
    assert [(r["admin1"], r["fatalities"]) for r in recs] == [("Deir ez Zor", 38)]


# --- recalled events and reactions ---------------------------------------------------------------

def test_a_reaction_to_an_earlier_attack_makes_no_incident() -> None:
    text = ("أدانت وزارة الخارجية التفجير الذي استهدف مدينة إعزاز بريف حلب، "
            "وطالبت بالتحقيق في الهجوم ومحاسبة المسؤولين عنه.")
    assert [r for r in records(text, background=True) if r["report_kind"] == "incident"] == []


def test_a_pluperfect_recalls_a_past_event() -> None:
    recs = records("وكان التنظيم قد شن هجوماً على سجن غويران في مدينة الحسكة في كانون الثاني 2022.",
                   background=True)
    assert [r["report_kind"] for r in recs] == ["background"]


def test_a_plan_after_publication_is_no_incident() -> None:
    recs = records("تعتزم القوات شن حملة أمنية في مدينة الرقة يوم 30 من الشهر الجاري.")
    assert records("اعتقلت قوات الأمن شخصين في مدينة الرقة يوم 30 من الشهر الجاري.") == []
    assert recs == []


# --- the trace ---------------------------------------------------------------------------------

TEXT = ("قُتل مدنيان يوم الاثنين في قصف على بلدة بنش بريف إدلب، فيما استهدفت غارات مدينة أريحا. "
        "وقال المرصد إن 150 شخصاً قُتلوا خلال عشرة أيام في ريف إدلب.")


def test_trace_tells_each_decision_and_why() -> None:
    t = trace(make_doc(Article("t", TEXT, published=PUB)))
    decisions = [(c["decision"], c["reason"]) for c in t["clauses"]]
    assert decisions[0] == ("new #1", "first event")
    assert decisions[1][0] == "new #2" and decisions[1][1].startswith("another place")
    assert decisions[2][0] == "new #3" and "period" in decisions[2][1]
    assert [i["kind"] for i in t["incidents"]] == ["incident", "incident", "aggregate"]
    assert all(i["record"] for i in t["incidents"])


def test_inspect_incidents_command(tmp_path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(TEXT, encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"published": "2025-11-26"}', encoding="utf-8")
    res = CliRunner().invoke(main, ["inspect", str(f), "--incidents"])
    assert res.exit_code == 0, res.output
    assert "new #1" in res.stdout and "another place" in res.stdout and "#3 aggregate" in res.stdout


def test_near_a_city_does_not_name_a_second_governorate():
    """"الغوطة الشرقية، آخر معاقل الفصائل قرب دمشق": the tally lies in Rural Damascus, not two governorates."""
    (r,) = records("قُتل أكثر من 400 مدني خلال خمسة أيام من القصف على الغوطة الشرقية، آخر معاقل الفصائل قرب دمشق.")
    assert r["report_kind"] == "aggregate" and r["admin1"] == "Rural Damascus"


def test_one_day_inside_a_short_tally_is_an_incident() -> None:
    """"46 on Thursday alone" inside a five-day tally is that day's own toll."""
    got = kinds("قُتل أكثر من 300 مدني خلال خمسة أيام من القصف على الغوطة الشرقية بريف دمشق. "
                "وقال مدير المرصد إن 46 مدنياً قتلوا يوم الأربعاء وحده في الغوطة الشرقية.")
    assert ("aggregate", "2025-11-22", "Rural Damascus") in got
    assert ("incident", "2025-11-26", "Rural Damascus") in got


def test_a_report_dated_by_its_announcement_in_another_governorate_is_apart() -> None:
    """The correspondent's evening report of shells on the capital is not the countryside raid."""
    got = kinds("استهدفت قوات النظام مساء الثلاثاء بلدة حمورية في الغوطة الشرقية بريف دمشق ما أودى بحياة 12 مدنياً. "
                "وتترافق الغارات مع مفاوضات لإخراج المقاتلين من الغوطة. "
                "وأفاد مراسل الوكالة مساء الثلاثاء عن سقوط قذائف عدة على مدينة دمشق.")
    assert {(k, a) for k, _, a in got} == {("incident", "Rural Damascus"), ("incident", "Damascus")}


def test_a_sentence_with_two_days_holds_two_acts() -> None:
    """The strike of the 24th and the ambush of last month its target planned are not one event."""
    recs = records("وقالت القيادة الأمريكية إن الضربة استهدفت القيادي في ريف إدلب يوم 24 تشرين الثاني، "
                   "وهو المسؤول عن كمين أدى إلى مقتل ثلاثة جنود بتاريخ 2 تشرين الأول في ريف حمص.", background=True)
    inc = [r for r in recs if r["report_kind"] == "incident"]
    assert [(r["event_date"], r["admin1"], r["fatalities"]) for r in inc] == [("2025-11-24", "Idleb", None)]


def test_a_strike_in_syria_without_a_governorate_is_kept() -> None:
    """A dated strike "في شمال غرب سوريا" is an incident in Syria with no governorate; undated, it is talk."""
    (r,) = records("أعلنت القيادة المركزية الأمريكية تنفيذ ضربة دقيقة في شمال غرب سوريا يوم الاثنين أسفرت عن مقتل قيادي.")
    assert (r["country"], r["admin1"], r["event_date"]) == ("Syria", None, "2025-11-24")
    assert any(e["field"] == "location" and "سوريا" in e["text"] for e in r["evidence"])
    assert records("تواصل الولايات المتحدة تنفيذ ضربات دقيقة في سوريا ضد قادة التنظيم.") == []


def test_a_wide_search_of_one_camp_is_an_incident_and_a_wide_campaign_across_governorates_a_tally() -> None:
    one = kinds("نفذت قوى الأمن الداخلي حملة تفتيش واسعة النطاق داخل مخيم الهول شرقي الحسكة اليوم، "
                "واعتقلت خلالها عدداً من المشتبه بهم.")
    assert [k for k, _, _ in one] == ["incident"]
    many = kinds("أطلقت وزارة الداخلية عملية أمنية واسعة النطاق في عدد من المحافظات منذ مطلع الشهر. "
                 "وأسفرت العملية عن اعتقال 71 شخصاً.")
    assert [k for k, _, _ in many] == ["aggregate"]


def test_a_past_perfect_with_its_own_day_is_recalled_not_joined() -> None:
    recs = records("هاجم مسلحون نقطة عسكرية على أطراف مخيم الهول في ريف الحسكة اليوم وأصيب عنصران. "
                   "وكان المخيم قد شهد في نهاية شهر نيسان الماضي هجوماً مماثلاً أسفر عن مقتل حارس.", background=True)
    got = sorted((r["report_kind"], r["event_date"][:7]) for r in recs)
    assert got == [("background", "2025-04"), ("incident", "2025-11")]
    assert next(r for r in recs if r["report_kind"] == "incident")["fatalities"] is None


def test_a_threat_governs_its_clause() -> None:
    """"توعد ... بأن الصواريخ قادمة لضرب المطار": a threat, not a strike."""
    assert records("توعد الرئيس الأمريكي يوم الثلاثاء النظام قائلا إن الصواريخ قادمة لضرب مطار حماة العسكري.") == []
    assert records("وصفت الحكومة الثلاثاء التهديدات الأمريكية باستهداف مطار حماة العسكري بالتصعيد.") == []


def test_weapons_named_without_an_act_or_toll_are_talk() -> None:
    assert records("قال المتحدث يوم الاثنين إن صواريخ التحالف يجب أن تضرب مواقع التنظيم في ريف دير الزور.") == []
    (r,) = records("قُتل ثلاثة مدنيين يوم الاثنين بقذائف صاروخية على بلدة كفرنبل في ريف إدلب.")
    assert r["sub_event_type"] == "Shelling/artillery/missile attack" and r["fatalities"] == 3


def test_a_past_perfect_without_a_day_is_recalled_too() -> None:
    """"وكانت واشنطن قد اتهمت النظام بشن هجوم كيماوي على دوما" does not make today's strikes chemical."""
    recs = records("انفجارات ضخمة في دمشق فجر اليوم إثر ضربات صاروخية استهدفت مركز البحوث العلمية في حي برزة. "
                   "وكانت واشنطن قد اتهمت النظام بشن هجوم بالأسلحة الكيماوية على مدينة دوما في ريف دمشق.",
                   background=True)
    kinds_ = {(r["report_kind"], r["sub_event_type"]) for r in recs}
    assert ("incident", "Shelling/artillery/missile attack") in kinds_
    assert all(r["report_kind"] == "background" for r in recs if r["sub_event_type"] == "Chemical weapon")


def test_the_place_of_the_dating_clause_comes_first() -> None:
    """The government seat named while setting the scene is not where the dated attack happened."""
    (r,) = records("قالت موسكو إن على الصواريخ أن تضرب الإرهابيين وليس الحكومة الشرعية في دمشق، "
                   "وذلك بعد هجوم كيماوي وقع السبت في مدينة دوما.")
    assert r["admin1"] == "Rural Damascus"


def test_a_toll_since_this_morning_is_the_days_incident() -> None:
    got = kinds("قُتل 40 مدنياً اليوم في غارات على بلدة حمورية في الغوطة الشرقية بريف دمشق. "
                "ومنذ صباح اليوم واصلت حصيلة القصف الارتفاع لتصل إلى 45 قتيلاً.")
    assert [k for k, _, _ in got] == ["incident"]


def test_a_paragraph_printed_twice_is_read_once() -> None:
    para = "استهدفت قوات النظام يوم الاثنين بالغارات بلدة حمورية في الغوطة الشرقية بريف دمشق موقعة 12 قتيلاً. "
    assert len(records(para + "\n" + para)) == 1


def test_a_place_in_a_relative_clause_describes_the_first() -> None:
    """"الغوطة، التي تعتبر رئة دمشق": a tally of the Ghouta, in Rural Damascus."""
    (r,) = records("تعيش الغوطة الشرقية، التي تعتبر رئة دمشق، أوضاعاً مأساوية جراء القصف المكثف خلال الأيام "
                   "القليلة الماضية، والذي أودى بحياة 300 مدني.")
    assert (r["report_kind"], r["admin1"], r["event_date"]) == ("aggregate", "Rural Damascus", "2025-11-19")


def test_an_inquiry_into_an_attack_recalls_it() -> None:
    """"لجنة تحقيق في هجوم كيماوي": the council reacts to an attack it does not report."""
    recs = records("فشل مجلس الأمن مساء الثلاثاء في تبني مشروع قرار لتشكيل لجنة تحقيق في هجوم كيماوي "
                   "على مدينة دوما في ريف دمشق.", background=True)
    assert [r["report_kind"] for r in recs] in ([], ["background"])


def test_a_wrapped_line_is_one_sentence() -> None:
    recs = records("تعرض مطار التيفور العسكري في\nوسط سوريا فجر الاثنين لغارات جوية أوقعت خمسة قتلى.")
    assert [(r["admin1"], r["fatalities"]) for r in recs] == [("Homs", 5)]


def test_the_act_a_strike_follows_is_recalled_beside_it() -> None:
    """"الغارات التي تأتي بعد هجوم كيميائي على دوما": the strikes are the news, not a chemical attack."""
    (r,) = records("استهدفت غارات جوية فجر الاثنين مطار التيفور العسكري في ريف حمص، "
                   "وتأتي الغارات بعد هجوم كيميائي على مدينة دوما.")
    assert (r["sub_event_type"], r["admin1"]) == ("Air/drone strike", "Homs")


def test_a_tally_takes_the_governorate_of_its_own_clauses() -> None:
    """The UN envoy's comment from Damascus after the toll does not make the Ghouta tally two-governorate."""
    recs = records("قُتل 250 شخصاً خلال يومين فقط جراء قصف القوات الحكومية على الغوطة الشرقية بريف دمشق. "
                   "وقال المنسق الأممي في دمشق إن القصف على المدنيين يجب أن يتوقف فوراً.")
    (r,) = [r for r in recs if r["report_kind"] == "aggregate"]
    assert r["admin1"] == "Rural Damascus" and r["fatalities"] == 250


def test_a_day_before_the_campaign_is_context() -> None:
    """"تشن القوات منذ 19 الشهر الماضي عملية في درعا، مهد الاحتجاجات في آذار 2011": no act of 2011."""
    recs = records("وتشن القوات الحكومية منذ 19 تشرين الأول عملية عسكرية واسعة في محافظة درعا، "
                   "مهد الاحتجاجات التي اندلعت منتصف آذار 2011.", background=True)
    assert all(r["event_date"] is None or r["event_date"] >= "2025-10-19" for r in recs)


def test_a_toll_update_in_the_same_sentence_is_a_tally_apart() -> None:
    recs = records("وأسفرت المعارك يوم الأحد في بلدة طفس بريف درعا عن مقتل عشرة مقاتلين، "
                   "ليرتفع بذلك إلى 117 عدد القتلى منذ 19 تشرين الأول.")
    got = sorted((r["report_kind"], r["fatalities"]) for r in recs)
    assert got == [("aggregate", 117), ("incident", 10)]


def test_a_strike_in_answer_to_an_attack_recalls_the_attack() -> None:
    """"ردا على هجوم الأحواز الذي أسفر عن مقتل 25": the attack answered is background; the strike is news."""
    recs = records("قال التحالف إن إيران نفذت ضربة في سوريا، ردا على هجوم الأحواز الذي أسفر عن مقتل 25 شخصا "
                   "قبل أيام.\nوأعلنت وكالة فارس أن الحرس الثوري شن فجر الاثنين هجوما صاروخيا على مقر "
                   "للتنظيم بسوريا.", background=True)
    got = {(r["report_kind"], r["event_date"]) for r in recs}
    assert ("incident", "2025-11-24") in got
    assert all(r["report_kind"] == "background" for r in recs if r["event_date"] != "2025-11-24")


def test_a_reports_day_after_the_act_is_not_another_act() -> None:
    recs = records("قُتلت طفلة ليل أمس بقصف مدفعي على أطراف مدينة بنش في ريف إدلب. "
                   "وذكر الدفاع المدني في تقرير نشره صباح اليوم أن شقيقتها أصيبت في القصف ذاته.")
    assert [(r["admin1"], r["fatalities"]) for r in recs] == [("Idleb", 1)]


def test_a_link_to_another_story_is_not_this_articles_event() -> None:
    recs = records("فككت قوات مجلس دير الزور العسكري خلية تابعة لتنظيم داعش في بلدة ذيبان ليلة أمس واعتقلت عنصرين.\n"
                   "أخبار ذات علاقة مقتل عنصر أمن إثر هجوم انتحاري لداعش في ريف دير الزور\n"
                   "وضبطت القوات بنادق وذخائر.", background=True)
    assert [(r["sub_event_type"], r["fatalities"]) for r in recs] == [("Arrests", None)]


def test_a_similar_strike_told_with_also_shares_the_day_and_the_shooter() -> None:
    recs = records("قُتلت طفلة ليل أمس بقصف مدفعي شنته قوات النظام على بلدة بنش في ريف إدلب. "
                   "كما أصيب خمسة مدنيين في مدينة أريحا جراء قصف مماثل.", published=dt.date(2024, 11, 24))
    assert len(recs) == 2
    assert {r["event_date"] for r in recs} == {"2024-11-23"}
    assert all({a["key"] for a in r["actors"] if a["side"] == 1} == {"sy-regime"} for r in recs)


def test_meanwhile_opens_another_incident() -> None:
    recs = records("تعرض حاجز للأمن الداخلي غرب مدينة الرقة يوم الأحد لهجوم أسفر عن مقتل أحد المهاجمين. "
                   "يأتي هذا في وقت أفادت قناة الإخبارية بأن مجهولين قتلوا أحد عناصر الجيش قرب مدينة تل أبيض.")
    assert len(recs) == 2 and all(r["fatalities"] == 1 for r in recs)


def test_a_headline_trailing_off_is_skipped() -> None:
    """"400 قتيل في الغوطة.. ومجلس الأمن يناقش": the headline sums up the body's tally, it is no incident."""
    recs = records("400 قتيل في الغوطة.. ومجلس الأمن يناقش وقف إطلاق النار\n"
                   "قُتل أكثر من 400 مدني في خمسة أيام من الغارات على الغوطة الشرقية بريف دمشق. "
                   "وقال مدير المرصد إن 46 مدنياً قتلوا يوم الأربعاء وحده في الغوطة الشرقية. "
                   "وتواصل القصف على بلدات الغوطة صباح اليوم.")
    assert ("incident", 400) not in {(r["report_kind"], r["fatalities"]) for r in recs}
    assert ("incident", 46) in {(r["report_kind"], r["fatalities"]) for r in recs}


def test_subjected_to_an_attack_is_not_a_purpose() -> None:
    """"تعرض حاجز لقواته لاستهداف قام به خلايا داعش": the checkpoint was attacked."""
    recs = records("أعلنت قوى الأمن الداخلي يوم الثلاثاء تعرض حاجز لقواتها في مدينة الرقة لاستهداف قام به "
                   "خلايا تنظيم داعش، ما أدى إلى مقتل عنصرين.")
    assert len(recs) == 1 and recs[0]["fatalities"] == 2


def test_a_past_perfect_after_a_time_word_is_recalled() -> None:
    recs = records("استهدفت غارات جوية فجر الاثنين مطار التيفور العسكري في ريف حمص.\n"
                   "وقبل يوم كان الرئيس قد كتب أن كثيرين قتلوا في هجوم كيميائي على مدينة دوما.", background=True)
    assert [r["sub_event_type"] for r in recs if r["report_kind"] == "incident"] == ["Air/drone strike"]


def test_a_week_after_an_attack_recalls_the_attack() -> None:
    recs = records("وحذر وزيران يوم الأحد من مواصلة التحرك ضد إيران في سوريا.\n"
                   "وذلك بعد أسبوع على قصف مطار التيفور في ريف حمص، الذي أسفر عن مقتل 7 إيرانيين.", background=True)
    assert all(r["report_kind"] == "background" for r in recs)


def test_an_act_told_in_the_sentence_of_a_recalled_one_is_recalled_with_it() -> None:
    text = ("قُتل ثلاثة مدنيين اليوم بقصف مدفعي على بلدة كفرنبل بريف إدلب. "
            "وكانت طائرات حربية قصفت مطار الشعيرات بريف حمص في نيسان 2017، وذلك بعد يومين من هجوم "
            "بغاز سام على مدينة خان شيخون أودى بحياة العشرات.")
    got = kinds(text)
    assert [k for k in got if k[0] == "incident"] == [("incident", "2025-11-26", "Idleb")]
    assert ("background", "2017-04-01", "Homs") in got and len(got) == 3
    # a new act with its own day in that sentence is news, not the recall
    fresh = kinds("وكانت طائرات حربية قصفت مطار الشعيرات بريف حمص في نيسان 2017، "
                  "وأصيب اليوم خمسة مدنيين بانفجار عبوة ناسفة في مدينة خان شيخون.")
    assert ("incident", "2025-11-26", "Idleb") in fresh


def test_a_past_year_in_a_clause_told_in_the_past_dates_a_recalled_act() -> None:
    got = kinds("تصدت الدفاعات الجوية ليل الاثنين لهجوم صاروخي استهدف مطار الشعيرات بريف حمص. "
                "وكانت القاعدة هدفا لهجوم بصواريخ كروز في العام الماضي قتل فيه سبعة جنود.")
    assert ("incident", "2025-11-24", "Homs") in got
    assert [k[:2] for k in got if k[0] == "background"] == [("background", "2024-01-01")]
    # a year that names what the arrested did is no date of the arrest
    got = kinds("ألقت قوى الأمن الداخلي اليوم القبض على أحد مرتكبي مجزرة حي التضامن عام 2013 في دمشق.")
    assert got == [("incident", "2025-11-26", "Damascus")]

"""Near-duplicate articles: copies match, similar but different reports do not.

The texts are written for these tests; they imitate the shape of Syrian security news
(headline, dateline, body, "read also" line) without quoting any article.
"""

import pytest

from rasd.arabic.normalize import normalize
from rasd.link.dedup import NearDuplicates, _fold, band_keys, shingles, signature_of, similarity

BODY = [
    "أعلنت قيادة الأمن الداخلي في محافظة حمص، صباح يوم الثلاثاء، تفكيك خلية تابعة لتنظيم داعش كانت تتخذ من "
    "مزرعة مهجورة قرب بلدة مهين في ريف حمص الشرقي مقراً لها، وذلك بعد عملية رصد ومتابعة استمرت 23 يوماً.",
    "وقال مصدر أمني إن الوحدات المختصة طوقت المزرعة عند الفجر، وتمكنت من إلقاء القبض على 4 أشخاص من أفراد "
    "الخلية دون وقوع إصابات، فيما فرّ شخص خامس باتجاه البادية ويجري البحث عنه.",
    "وأضاف المصدر أن عناصر الدورية عثروا داخل المزرعة على عبوتين ناسفتين معدتين للتفجير، وثلاث بنادق آلية، "
    "وكمية من الذخيرة، إضافة إلى أجهزة اتصال لاسلكية ووثائق تحتوي على أسماء أشخاص كانت الخلية تخطط لاستهدافهم.",
    "وبحسب البيان، فإن التحقيقات الأولية كشفت أن أفراد الخلية شاركوا في هجوم استهدف حاجزاً على طريق تدمر قبل "
    "شهرين، أسفر عن مقتل 2 من عناصر الحاجز وإصابة ثالث بجروح متوسطة.",
    "وأكدت القيادة أن الموقوفين أحيلوا إلى الجهات القضائية المختصة لاستكمال التحقيق معهم، داعية الأهالي إلى "
    "التعاون والإبلاغ عن أي تحركات مشبوهة في المنطقة.",
    "وأشار المصدر إلى أن أحد الموقوفين يعد مسؤولاً عن نقل الأموال والتعليمات بين الخلية وقياديين في التنظيم "
    "يقيمون خارج المحافظة، وأنه اعترف خلال التحقيق الأولي بتلقي مبالغ مالية شهرية مقابل تأمين المأوى للعناصر.",
    "ولفت إلى أن الخلية كانت تستخدم دراجات نارية للتنقل بين القرى ليلاً، وتعتمد على شرائح اتصال أجنبية "
    "لتفادي المراقبة، كما كانت تجمع معلومات عن تحركات الدوريات على الطرق الفرعية المؤدية إلى البلدة.",
    "ويأتي ذلك في إطار حملة أمنية واسعة تنفذها الأجهزة الأمنية في البادية السورية منذ مطلع العام، بهدف ملاحقة "
    "خلايا التنظيم التي تنشط في المناطق الصحراوية الممتدة بين حمص ودير الزور.",
]
ORIGINAL = "\n\n".join([
    "الأمن الداخلي يفكك خلية لتنظيم داعش في ريف حمص الشرقي", "حمص - خاص", *BODY,
    "اقرأ أيضاً: هجوم على حاجز في ريف تدمر",
])

# Syndicated with a new headline and dateline, one sentence reworded, the link line gone.
# (Jaccard = (1-f)/(1+f) when a share f of each copy's shingles differ: 0.8 allows f of about 11%.)
EDITED = "\n\n".join([
    "القبض على أربعة من عناصر داعش بعملية أمنية قرب مهين", "دمشق - وكالات", *BODY[:1],
    "وقال مصدر أمني إن قوة مشتركة طوقت المزرعة فجراً، وتمكنت من إلقاء القبض على 4 أشخاص من أفراد "
    "الخلية دون اشتباك، بينما فرّ شخص خامس نحو البادية.",
    *BODY[2:],
])

# Same words, other punctuation, full diacritics on some words, tatweel, Arabic-Indic digits.
RESTYLED = (
    "الأمن الداخلي يفكّك خليةً لتنظيم «داعش» في ريف حمص الشرقي\n\nحمص – خاص\n\n"
    + "\n\n".join(BODY).replace("23", "٢٣").replace(" 4 ", " ٤ ").replace(" 2 ", " ٢ ")
    .replace("،", " ,").replace("أعلنت", "أعْلَنَتْ").replace("الأمن", "الأمـــن").replace("داعش", "\"داعش\"")
    .replace("خلية", "خليّة").replace(".", "...")
)

# Two arrest reports cut from one press-release template: other governorate, town, charge, figures.
ARREST_DARAA = (
    "ألقت قوى الأمن الداخلي في محافظة درعا القبض على ثلاثة أشخاص في بلدة نوى بريف درعا الغربي، بتهمة "
    "الانتماء إلى خلية تابعة لتنظيم داعش، وضبطت بحوزتهم أسلحة فردية وذخائر متنوعة.\n"
    "وقالت وزارة الداخلية في بيان إن العملية جاءت بعد متابعة دقيقة ورصد لتحركات المشتبه بهم خلال الأيام "
    "الماضية، مشيرة إلى أن الموقوفين أحيلوا إلى القضاء المختص لاستكمال الإجراءات القانونية بحقهم.\n"
    "وأضاف البيان أن أحد الموقوفين متورط في زرع عبوة ناسفة على طريق نوى الشيخ مسكين الشهر الماضي."
)
ARREST_HAMA = (
    "ألقت قوى الأمن الداخلي في محافظة حماة القبض على خمسة أشخاص في مدينة السلمية بريف حماة الشرقي، بتهمة "
    "الاتجار بالمواد المخدرة وترويجها، وضبطت بحوزتهم 12 ألف حبة من الكبتاغون ومبلغاً مالياً.\n"
    "وقالت وزارة الداخلية في بيان إن العملية جاءت بعد متابعة دقيقة ورصد لتحركات المشتبه بهم خلال الأيام "
    "الماضية، مشيرة إلى أن الموقوفين أحيلوا إلى القضاء المختص لاستكمال الإجراءات القانونية بحقهم.\n"
    "وأضاف البيان أن المجموعة كانت تنقل المواد المخدرة من البادية إلى أحياء المدينة باستخدام دراجات نارية."
)
# The Daraa template again, with only the place and the figures changed: still another incident.
ARREST_DARAA_OTHER_TOWN = (
    ARREST_DARAA.replace("ثلاثة أشخاص", "سبعة أشخاص").replace("بلدة نوى بريف درعا الغربي", "مدينة بصرى الشام بريف درعا الشرقي")
    .replace("أسلحة فردية وذخائر متنوعة", "قاذفاً وعبوتين ناسفتين")
    .replace("على طريق نوى الشيخ مسكين الشهر الماضي", "قرب دوار بصرى قبل أسبوعين")
)


def test_exact_copy_is_a_duplicate():
    nd = NearDuplicates()
    assert nd.add("a", ORIGINAL) is None
    assert nd.add("b", ORIGINAL) == "a"
    assert nd.query(ORIGINAL) == ["a", "b"]


def test_new_headline_and_reworded_sentence_is_a_duplicate():
    nd = NearDuplicates()
    nd.add("a", ORIGINAL)
    assert nd.add("b", EDITED) == "a"


def test_punctuation_diacritics_and_digits_do_not_matter():
    nd = NearDuplicates()
    nd.add("a", ORIGINAL)
    assert nd.add("b", RESTYLED) == "a"
    assert shingles(RESTYLED) == shingles(ORIGINAL)


@pytest.mark.parametrize("other", [ARREST_HAMA, ARREST_DARAA_OTHER_TOWN])
def test_template_reports_of_other_incidents_are_not_duplicates(other):
    nd = NearDuplicates()
    assert nd.add("daraa", ARREST_DARAA) is None
    assert nd.add("other", other) is None
    assert nd.add("homs", ORIGINAL) is None


def test_earliest_added_wins_and_index_is_deterministic():
    nd = NearDuplicates()
    assert [nd.add(k, t) for k, t in (("x", ARREST_DARAA), ("a", ORIGINAL), ("b", EDITED), ("c", RESTYLED))] == [
        None, None, "a", "a"]
    assert nd.query(ORIGINAL)[0] == "a" and "x" not in nd.query(ORIGINAL)
    assert NearDuplicates().signature(ORIGINAL) == nd.signature(ORIGINAL)


def test_signature_round_trip():
    nd = NearDuplicates()
    sigs = [(k, nd.signature(t)) for k, t in (("d", ARREST_DARAA), ("a", ORIGINAL), ("h", ARREST_HAMA))]
    assert all(isinstance(s, bytes) for _, s in sigs)
    rebuilt = NearDuplicates.from_signatures(sigs)
    assert len(rebuilt) == 3 and "a" in rebuilt
    assert rebuilt.add("b", EDITED) == "a"
    assert rebuilt.add_signature("c", nd.signature(RESTYLED)) == "a"
    assert rebuilt.query(ARREST_DARAA) == ["d"]
    with pytest.raises(ValueError):
        NearDuplicates(num_perm=64).add_signature("z", sigs[0][1])
    with pytest.raises(ValueError):
        rebuilt.add_signature("z", b"junk" * 128)


def test_empty_text_matches_nothing():
    nd = NearDuplicates()
    assert nd.add("e1", "") is None
    assert nd.add("e2", " \n") is None
    assert nd.query("") == [] and len(nd) == 2


def test_re_adding_an_id_replaces_its_text():
    nd = NearDuplicates()
    nd.add("a", ORIGINAL)
    assert nd.add("a", ORIGINAL) is None  # never its own duplicate
    assert nd.query(ORIGINAL) == ["a"]
    nd.add("b", ARREST_DARAA)
    assert nd.add("a", ARREST_HAMA) is None and nd.query(ORIGINAL) == []  # a new version replaces the old
    assert nd.add("c", ARREST_HAMA) == "a" and len(nd) == 3


def test_fast_fold_agrees_with_normalize():
    text = RESTYLED + " ﻻ ﷲ ٣٤ ۵ آمن إلى ـــ \u200f"
    extra = {0x0629: "\u0647", 0x0624: "\u0648", 0x0626: "\u064a", 0x0621: None}
    assert _fold(text) == normalize(text).translate(extra)


def test_band_keys_make_copies_candidates_and_strangers_not() -> None:
    sig = signature_of(ORIGINAL)
    assert sig == NearDuplicates().signature(ORIGINAL)
    keys = band_keys(sig)
    assert len(keys) == 9 and [b for b, _ in keys] == list(range(9))
    assert all(-(1 << 63) <= k < (1 << 63) for _, k in keys)  # a signed BIGINT
    assert band_keys(signature_of(ORIGINAL)) == keys  # deterministic
    copy = "عاجل\n\n" + ORIGINAL.replace("،", ", ")
    assert set(band_keys(signature_of(copy))) & set(keys)
    assert similarity(sig, signature_of(copy)) >= 0.8
    other = "أعلن نادي الجزيرة تعاقده مع مدرب جديد للفريق الأول لكرة القدم لموسمين قادمين بعد نهاية الدوري."
    assert not set(band_keys(signature_of(other))) & set(keys)
    assert similarity(sig, signature_of(other)) < 0.3
    assert band_keys(signature_of("")) == []
    with pytest.raises(ValueError):
        band_keys(b"XXXX" + sig[4:])

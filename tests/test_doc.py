"""The document model: the original is never changed, every span quotes it exactly."""

from hypothesis import given, settings
from hypothesis import strategies as st

from rasd.arabic.normalize import fold_key, normalize, normalize_with_map
from rasd.arabic.tokens import proclitic_splits, strip_proclitics
from rasd.doc import Doc

PIECES = ["قُتِلَ", "عنصرين،", "٤", "۵", "إصابة", "آخرين", "مـــداهمة", "“داعش”", "؟", "؛", " ", "\n", ".", "أمس",
          "الاثنين", "12", "—", "ى", "ﻻ", "\u200f", "بالمدينة", "للشرطة"]


def test_normalisation_rules():
    assert normalize("أإآٱ") == "اااا"
    assert normalize("مستشفى") == "مستشفي"
    assert normalize("قُتِلَ") == "قتل"
    assert normalize("مـــداهمة") == "مداهمة"
    assert normalize("٤٥ و۶") == "45 و6"
    assert normalize("“داعش”") == '"داعش"'
    assert normalize("2018–2019") == "2018-2019"


def test_fold_key_is_stronger():
    assert fold_key("حماة") == fold_key("حماه")
    assert fold_key("  مدينة   إدلب ") == "مدينه ادلب"


def test_offset_map_points_back():
    text = "قُتِلَ عنصرانِ"
    view, m = normalize_with_map(text)
    assert view == "قتل عنصران"
    assert all(normalize(text[m[i]]) == view[i] for i in range(len(view)))
    assert m[-1] == len(text)


def test_span_keeps_trailing_marks_and_original_text():
    doc = Doc("قُتِلَ عنصرانِ في حلبَ.")
    i = doc.norm.index("عنصران")
    sp = doc.span(i, i + len("عنصران"))
    assert sp.text == "عنصرانِ"
    assert doc.text[sp.start:sp.end] == sp.text


def test_punctuation_is_not_a_letter():
    doc = Doc("اعتقال ثلاثة،وضبط أسلحة؛ ثم ماذا؟")
    words = [t.norm for t in doc.tokens]
    assert "ثلاثة" in words and "،" in words and "؛" in words and "؟" in words


def test_sentences():
    doc = Doc("قتل شخص في درعا. وأصيب آخرون؟ نعم\n\nعنوان جديد\nفقرة 3.5 كم")
    assert [s.text for s in doc.sentences] == ["قتل شخص في درعا.", "وأصيب آخرون؟", "نعم", "عنوان جديد",
                                               "فقرة 3.5 كم"]


def test_proclitics():
    stems = [s for _p, s in proclitic_splits("وبالمدينة")]
    assert "مدينة" in stems and "المدينة" in stems
    assert strip_proclitics("للشرطة", {"شرطة"}) == "شرطة"
    assert strip_proclitics("فكتيبة", {"كتيبة"}) == "كتيبة"
    assert strip_proclitics("والقرية", {"قرية"}) == "قرية"
    assert strip_proclitics("ولداعش", {"داعش"}) == "داعش"
    assert strip_proclitics("وفا", {"ا"}) is None


def test_digits_glued_to_words_are_tokens_of_their_own():
    text = "قتل45شخصاً وبـ٥قذائف الخميس22"
    doc = Doc(text)
    assert [t.norm for t in doc.tokens] == ["قتل", "45", "شخصا", "وب", "5", "قذائف", "الخميس", "22"]
    assert [text[t.start:t.end] for t in doc.tokens] == ["قتل", "45", "شخصاً", "وبـ", "٥", "قذائف",
                                                        "الخميس", "22"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30))
def test_every_span_quotes_the_original(pieces):
    text = "".join(pieces)
    doc = Doc(text)
    for sp in doc.sentences:
        assert sp.text == text[sp.start:sp.end] and sp.start < sp.end
    for t in doc.tokens:
        assert 0 <= t.start < t.end <= len(text)
        assert normalize(text[t.start:t.end]) == t.norm


def test_presentation_forms_expand():
    doc = Doc("ﻻ تراجع")
    assert doc.norm.startswith("لا")
    sp = doc.span(0, 2)
    assert sp.text == "ﻻ"

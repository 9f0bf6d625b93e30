"""The pipeline over one article: a bounded amount of text, offsets into the original."""

from __future__ import annotations

from rasd.doc import Article, Doc
from rasd.pipeline import MAX_ARTICLE_CHARS, make_doc, tells_an_act


def test_a_huge_article_is_read_up_to_the_bound() -> None:
    body = "قُتل مدني في قصف على بلدة بنش في ريف إدلب يوم الاثنين. "
    text = body + "ا" * (MAX_ARTICLE_CHARS + 10)
    doc = make_doc(Article("big", text))
    assert len(doc.text) == MAX_ARTICLE_CHARS and text.startswith(doc.text)
    assert all(text[s.start:s.end] == s.text for s in doc.get("triggers"))


def test_a_run_of_dots_is_one_sentence_end() -> None:
    doc = Doc("قتل مدني" + "." * 5000 + " ثم انفجرت عبوة")
    assert [s.text for s in doc.sentences] == ["قتل مدني" + "." * 5000, "ثم انفجرت عبوة"]
    assert [s.text for s in Doc("نقل 3.5 طن.").sentences] == ["نقل 3.5 طن."]


def test_extraction_stops_after_the_triggers_of_an_article_that_tells_no_act() -> None:
    quiet = Article("quiet", "افتتح وزير التربية مدرسة جديدة في حي الفرقان بمدينة حلب يوم الأحد بحضور الأهالي.")
    full, short = make_doc(quiet), make_doc(quiet, acts_only=True)
    assert full.get("places") and not tells_an_act(short)
    assert "places" not in short.layers and "incidents" not in short.layers
    told = Article("told", "اعتقلت قوى الأمن الداخلي شخصين في حي الفرقان بمدينة حلب يوم الأحد.")
    assert tells_an_act(make_doc(told, acts_only=True)) and make_doc(told, acts_only=True).get("places")


def test_the_gate_changes_no_event_of_the_samples() -> None:
    from rasd.cli import samples_dir
    from rasd.extract.events import mentions_of
    from rasd.ingest import iter_articles

    for art in iter_articles([str(samples_dir())]):
        assert mentions_of(make_doc(art, acts_only=True), True) == mentions_of(make_doc(art), True), art.id

"""The pipeline over one article: a bounded amount of text, offsets into the original."""

from __future__ import annotations

from rasd.doc import Article, Doc
from rasd.pipeline import MAX_ARTICLE_CHARS, make_doc


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

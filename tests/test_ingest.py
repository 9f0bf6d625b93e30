"""Readers: every input kind, bad items as ReadErrors, stable order, lazy JSONL."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import types
from pathlib import Path

import pytest

from rasd.doc import Article
from rasd.ingest import SUPPORTED_SUFFIXES, ReadError, iter_articles, read_published

AR = "قتل شخصان وأصيب ثلاثة آخرون بانفجار عبوة ناسفة في مدينة إدلب صباح اليوم."
AR2 = "قصفت طائرات حربية قرية في ريف حماة الشمالي، ما أدى إلى دمار في المنازل."


def read(*paths: Path | str, stdin=None) -> list[Article | ReadError]:
    return list(iter_articles([str(p) for p in paths], stdin=stdin))


def articles(items: list) -> list[Article]:
    return [x for x in items if isinstance(x, Article)]


def errors(items: list) -> list[ReadError]:
    return [x for x in items if isinstance(x, ReadError)]


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- ReadError and dates -----------------------------------------------------------------------

def test_read_error_str() -> None:
    assert str(ReadError("a/b.jsonl", 3, "invalid JSON")) == "a/b.jsonl:3: invalid JSON"
    assert str(ReadError("a/b.txt", None, "binary file")) == "a/b.txt: binary file"


@pytest.mark.parametrize("value, expected", [
    ("2018-03-05", dt.date(2018, 3, 5)),
    ("2018-03-05 12:00:00", dt.date(2018, 3, 5)),
    ("2018-03-05T12:00:00Z", dt.date(2018, 3, 5)),
    ("2018-03-05T23:30:00+03:00", dt.date(2018, 3, 5)),
    ("2018/03/05", dt.date(2018, 3, 5)),
    (dt.date(2018, 3, 5), dt.date(2018, 3, 5)),
    (dt.datetime(2018, 3, 5, 8), dt.date(2018, 3, 5)),
    ("yesterday", None),
    ("2018-13-45", None),
    ("", None),
    (None, None),
    (20180305, None),
])
def test_read_published(value, expected) -> None:
    assert read_published(value) == expected


def test_supported_suffixes() -> None:
    assert {".txt", ".html", ".htm", ".json", ".jsonl", ".jsonl.gz"} <= set(SUPPORTED_SUFFIXES)


# --- text files ----------------------------------------------------------------------------

def test_txt_utf8(tmp_path: Path) -> None:
    p = tmp_path / "idlib-01.txt"
    p.write_text(AR, encoding="utf-8")
    [a] = read(p)
    assert isinstance(a, Article)
    assert a.id == "idlib-01" and a.text == AR and a.path == str(p)
    assert a.published is None and a.meta == {}


def test_txt_bom_is_stripped(tmp_path: Path) -> None:
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf" + AR.encode("utf-8"))
    [a] = read(p)
    assert a.text == AR


def test_txt_cp1256_detected(tmp_path: Path) -> None:
    p = tmp_path / "old.txt"
    text = AR + "\r\n" + AR2
    p.write_bytes(text.encode("cp1256"))
    [a] = read(p)
    assert isinstance(a, Article)
    assert a.text == text


def test_txt_latin1_junk_is_error(tmp_path: Path) -> None:
    p = tmp_path / "french.txt"
    p.write_bytes("Le café était très agréable à Noël, déjà fermé.".encode("latin-1"))
    [e] = read(p)
    assert isinstance(e, ReadError)
    assert e.path == str(p) and e.message == "not UTF-8 or Windows-1256 text"


def test_txt_binary_is_error(tmp_path: Path) -> None:
    p = tmp_path / "image.txt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    [e] = read(p)
    assert isinstance(e, ReadError) and e.message == "binary file"
    assert str(e) == f"{p}: binary file"


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_txt_empty_is_error(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "empty.txt"
    p.write_bytes(content)
    [e] = read(p)
    assert isinstance(e, ReadError) and "empty" in e.message


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    [e] = read(missing)
    assert isinstance(e, ReadError) and e.path == str(missing) and e.line is None
    assert "no such file" in str(e)


def test_unsupported_explicit_file(tmp_path: Path) -> None:
    p = tmp_path / "notes.docx"
    p.write_bytes(b"PK\x03\x04")
    [e] = read(p)
    assert isinstance(e, ReadError) and "unsupported" in e.message


# --- HTML ------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>انفجار في ريف حلب | شبكة الرصد الإخبارية</title>
<meta property="og:site_name" content="شبكة الرصد الإخبارية">
<meta property="og:title" content="انفجار عبوة ناسفة في ريف حلب الشمالي">
<meta property="article:published_time" content="2018-03-05T09:30:00+02:00">
</head><body>
<nav><ul><li><a href="/">الرئيسية</a></li><li><a href="/politics">سياسة</a></li>
<li><a href="/economy">اقتصاد</a></li><li><a href="/sport">رياضة</a></li></ul></nav>
<article><h1>انفجار عبوة ناسفة في ريف حلب الشمالي</h1>
<p>قتل ثلاثة مدنيين وأصيب خمسة آخرون بجروح متفاوتة صباح اليوم الاثنين جراء انفجار عبوة
ناسفة زرعها مجهولون على طريق رئيسي قرب مدينة الباب في ريف حلب الشمالي.</p>
<p>وقال مصدر محلي إن العبوة انفجرت لحظة مرور سيارة مدنية تقل عائلة كانت متجهة إلى السوق،
مشيرا إلى أن فرق الدفاع المدني نقلت المصابين إلى المستشفى الوطني في المدينة.</p>
<p>وتشهد المنطقة منذ أشهر تفجيرات متكررة بعبوات ناسفة وسيارات مفخخة، دون أن تعلن أي جهة
مسؤوليتها عنها حتى الآن.</p>
</article>
<footer><p>جميع الحقوق محفوظة لشبكة الرصد الإخبارية</p><p>سياسة الخصوصية</p></footer>
</body></html>
"""


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    p = tmp_path / "aleppo.html"
    p.write_text(PAGE, encoding="utf-8")
    [a] = read(p)
    assert isinstance(a, Article), a
    assert a.id == "aleppo"
    assert a.title == "انفجار عبوة ناسفة في ريف حلب الشمالي"
    assert a.outlet == "شبكة الرصد الإخبارية"
    assert a.published == dt.date(2018, 3, 5)
    assert "قتل ثلاثة مدنيين" in a.text and "حتى الآن." in a.text
    # menus and footer are boilerplate, not the report
    assert "الرئيسية" not in a.text and "اقتصاد" not in a.text
    assert "جميع الحقوق محفوظة" not in a.text
    # offsets refer to the extracted text itself
    i = a.text.index("مدينة الباب")
    assert a.text[i:i + len("مدينة الباب")] == "مدينة الباب"


def test_html_without_main_text_is_error(tmp_path: Path) -> None:
    p = tmp_path / "blank.htm"
    p.write_text("<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>",
                 encoding="utf-8")
    [e] = read(p)
    assert isinstance(e, ReadError) and e.path == str(p)


def test_html_sidecar_overrides(tmp_path: Path) -> None:
    (tmp_path / "aleppo.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "aleppo.meta.json").write_text(json.dumps(
        {"id": "A-7", "outlet": "مرصد", "published": "2018-03-06", "category": "security"},
        ensure_ascii=False), encoding="utf-8")
    [a] = read(tmp_path)
    assert (a.id, a.outlet, a.published) == ("A-7", "مرصد", dt.date(2018, 3, 6))
    assert a.title == "انفجار عبوة ناسفة في ريف حلب الشمالي"  # not in sidecar: kept from page
    assert a.meta["category"] == "security"


# --- sidecars --------------------------------------------------------------------------------

def test_txt_sidecar(tmp_path: Path) -> None:
    (tmp_path / "r1.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "r1.meta.json").write_text(json.dumps({
        "id": "enab-2018-1", "url": "https://example.org/r1", "outlet": "عنب بلدي",
        "published": "2018-03-05 12:00:00", "title": "انفجار في إدلب", "category": "أمن",
    }, ensure_ascii=False), encoding="utf-8")
    [a] = read(tmp_path / "r1.txt")
    assert a.id == "enab-2018-1" and a.url == "https://example.org/r1"
    assert a.outlet == "عنب بلدي" and a.title == "انفجار في إدلب"
    assert a.published == dt.date(2018, 3, 5)
    assert a.meta == {"category": "أمن"}
    assert a.text == AR


def test_broken_sidecar_reports_and_still_reads(tmp_path: Path) -> None:
    (tmp_path / "r2.txt").write_text(AR, encoding="utf-8")
    side = tmp_path / "r2.meta.json"
    side.write_text('{\n  "id": "x",\n  "outlet": \n}\n', encoding="utf-8")
    items = read(tmp_path)
    [e] = errors(items)
    [a] = articles(items)
    assert e.path == str(side) and e.line == 4 and "invalid JSON" in e.message
    assert a.id == "r2" and a.text == AR


def test_sidecar_not_an_object(tmp_path: Path) -> None:
    (tmp_path / "r3.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "r3.meta.json").write_text("[1, 2]", encoding="utf-8")
    items = read(tmp_path / "r3.txt")
    assert len(errors(items)) == 1 and "not a JSON object" in errors(items)[0].message
    assert articles(items)[0].id == "r3"


def test_explicit_sidecar_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "r4.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "r4.meta.json").write_text('{"id": "R4"}', encoding="utf-8")
    items = read(tmp_path / "r4.meta.json", tmp_path / "r4.txt")
    assert [x.id for x in items] == ["R4"]


# --- JSON and JSONL --------------------------------------------------------------------------

def test_json_object(tmp_path: Path) -> None:
    p = tmp_path / "one.json"
    p.write_text(json.dumps({"id": 17, "text": AR, "title": "إدلب", "url": "https://e.org/17",
                             "outlet": "سمارت", "published": "2018-03-05T12:00:00Z",
                             "category": "security"}, ensure_ascii=False), encoding="utf-8")
    [a] = read(p)
    assert a.id == "17" and a.text == AR and a.title == "إدلب" and a.outlet == "سمارت"
    assert a.url == "https://e.org/17" and a.published == dt.date(2018, 3, 5)
    assert a.meta == {"category": "security"} and a.path == str(p)


def test_json_list_with_lines_and_bad_items(tmp_path: Path) -> None:
    p = tmp_path / "batch.json"
    p.write_text(
        "[\n"
        f'  {{"text": "{AR}"}},\n'
        '  {"id": "no-text", "title": "x"},\n'
        '  "just a string",\n'
        f'  {{"id": "b", "text": "{AR2}", "published": "not a date"}}\n'
        "]\n", encoding="utf-8")
    items = read(p)
    assert [type(x).__name__ for x in items] == ["Article", "ReadError", "ReadError", "Article"]
    first, e1, e2, last = items
    assert first.id == "batch:2"
    assert (e1.line, e2.line) == (3, 4)
    assert "text" in e1.message and "not a JSON object" in e2.message
    # a malformed date keeps the article, without a date, and without an error
    assert last.id == "b" and last.published is None and last.meta["published_raw"] == "not a date"


def test_json_syntax_error_names_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.json"
    p.write_text(f'[\n  {{"id": "a", "text": "{AR}"}},\n  {{"id": "b", "text": }}\n]\n',
                 encoding="utf-8")
    items = read(p)
    assert [a.id for a in articles(items)] == ["a"]
    [e] = errors(items)
    assert e.line == 3 and str(e).startswith(f"{p}:3: invalid JSON")


def test_jsonl_broken_line_in_the_middle(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "feed.jsonl", [
        json.dumps({"id": "a", "text": AR}, ensure_ascii=False),
        '{"id": "b", "text": "نص مقطوع',
        "",
        "[1, 2, 3]",
        json.dumps({"id": "c", "text": "   "}),
        json.dumps({"title": "بلا نص"}, ensure_ascii=False),
        json.dumps({"text": AR2, "published": "2018-03-05"}, ensure_ascii=False),
    ])
    items = read(p)
    assert [a.id for a in articles(items)] == ["a", "feed:7"]
    assert [(e.line, e.path) for e in errors(items)] == [(2, str(p)), (4, str(p)), (5, str(p)),
                                                       (6, str(p))]
    msgs = [e.message for e in errors(items)]
    assert "invalid JSON" in msgs[0] and "not a JSON object" in msgs[1]
    assert "empty" in msgs[2] and "text" in msgs[3]
    assert articles(items)[1].published == dt.date(2018, 3, 5)


def test_jsonl_gz(tmp_path: Path) -> None:
    p = tmp_path / "dump.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"text": AR}, ensure_ascii=False) + "\n")
        f.write("{oops\n")
        f.write(json.dumps({"id": "z", "text": AR2}, ensure_ascii=False) + "\n")
    items = read(p)
    assert [x.id for x in articles(items)] == ["dump:1", "z"]
    assert [e.line for e in errors(items)] == [2]


def test_corrupt_gz_is_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl.gz"
    p.write_bytes(b"this is not gzip at all")
    [e] = read(p)
    assert isinstance(e, ReadError) and e.path == str(p)


def test_jsonl_is_lazy(tmp_path: Path) -> None:
    p = tmp_path / "big.jsonl"
    line = json.dumps({"text": AR}, ensure_ascii=False) + "\n"
    p.write_text(line * 50_000, encoding="utf-8")
    gen = iter_articles([str(p)])
    assert isinstance(gen, types.GeneratorType)
    first = next(gen)
    assert isinstance(first, Article) and first.id == "big:1"
    # cut the file after the first item: a lazy reader sees the cut, an eager one would not
    with open(p, "r+b") as f:
        f.truncate(len(line.encode("utf-8")) * 10)
    rest = list(gen)
    assert len(rest) < 1000
    gen.close()


# --- folders ---------------------------------------------------------------------------------

def test_folder_recursion_order_and_filtering(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "z").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "c.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "b" / "two.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "b" / "one.txt").write_text(AR2, encoding="utf-8")
    (tmp_path / "a" / "z" / "deep.txt").write_text(AR, encoding="utf-8")
    write_jsonl(tmp_path / "a" / "items.jsonl",
                [json.dumps({"id": f"j{i}", "text": AR}, ensure_ascii=False) for i in (1, 2)])
    (tmp_path / "a" / "notes.md").write_text("# ignored", encoding="utf-8")
    (tmp_path / "a" / "image.png").write_bytes(b"\x89PNG\x00\x00")
    (tmp_path / ".secret.txt").write_text(AR, encoding="utf-8")
    (tmp_path / ".hidden" / "x.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "b" / "one.meta.json").write_text('{"outlet": "سانا"}', encoding="utf-8")
    items = read(tmp_path)
    assert errors(items) == []
    ids = [a.id for a in items]
    assert ids == ["j1", "j2", "deep", "one", "two", "c"]
    assert items[3].outlet == "سانا"
    assert read(tmp_path) == items  # stable


def test_paths_keep_argument_order(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "a.txt").write_text(AR, encoding="utf-8")
    items = read(tmp_path / "x.txt", tmp_path / "missing.txt", tmp_path / "a.txt")
    assert [type(x).__name__ for x in items] == ["Article", "ReadError", "Article"]
    assert (items[0].id, items[2].id) == ("x", "a")


# --- stdin -----------------------------------------------------------------------------------

def test_stdin_jsonl_text_stream() -> None:
    data = "\n\n" + json.dumps({"id": "s1", "text": AR}, ensure_ascii=False) + "\nnot json\n" \
        + json.dumps({"text": AR2}, ensure_ascii=False) + "\n"
    items = read("-", stdin=io.StringIO(data))
    assert [x.id for x in articles(items)] == ["s1", "stdin:5"]
    [e] = errors(items)
    assert str(e).startswith("<stdin>:4: invalid JSON")


def test_stdin_jsonl_binary_stream() -> None:
    data = (json.dumps({"id": "s1", "text": AR}, ensure_ascii=False) + "\n").encode("utf-8")
    [a] = read("-", stdin=io.BytesIO(data))
    assert a.id == "s1" and a.text == AR


def test_stdin_plain_text() -> None:
    text = AR + "\n" + AR2 + "\n"
    [a] = read("-", stdin=io.StringIO(text))
    assert a.id == "stdin" and a.text == text


def test_stdin_plain_text_cp1256_bytes() -> None:
    [a] = read("-", stdin=io.BytesIO(AR.encode("cp1256")))
    assert a.id == "stdin" and a.text == AR


def test_stdin_empty() -> None:
    [e] = read("-", stdin=io.StringIO("  \n"))
    assert isinstance(e, ReadError) and e.path == "<stdin>" and "empty" in e.message


# --- Parquet ---------------------------------------------------------------------------------

ROWS = [
    {"id": "p1", "text": AR, "title": "إدلب", "url": "https://e.org/p1", "outlet": "سمارت",
     "published": "2018-03-05", "category": "security"},
    {"id": None, "text": AR2, "title": None, "url": None, "outlet": "عنب بلدي",
     "published": "2018-12-31", "category": None},
    {"id": "p3", "text": AR, "title": "حماة", "url": None, "outlet": None, "published": None,
     "category": "x"},
]


def write_parquet(path: Path, rows: list[dict], published: str = "string", chunk: int | None = None) -> Path:
    """`rows` (published as ISO strings) as a Parquet file, `published` typed as given."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types_ = {"string": pa.string(), "date32": pa.date32(), "timestamp": pa.timestamp("s")}
    cols = {k: [r.get(k) for r in rows] for k in rows[0]}
    if published != "string":
        cols["published"] = [dt.datetime.fromisoformat(v) if v else None for v in cols["published"]]
        if published == "date32":
            cols["published"] = [v.date() if v else None for v in cols["published"]]
    table = pa.table({k: pa.array(v, type=types_[published] if k == "published" else pa.string())
                      for k, v in cols.items()})
    pq.write_table(table, path, row_group_size=chunk)
    return path


def same_article(a: Article, b: Article) -> bool:
    return (a.id, a.text, a.title, a.url, a.outlet, a.published, a.meta) == \
        (b.id, b.text, b.title, b.url, b.outlet, b.published, b.meta)


def test_parquet_is_a_supported_suffix(tmp_path: Path) -> None:
    assert ".parquet" in SUPPORTED_SUFFIXES
    p = tmp_path / "notes.docx"
    p.write_bytes(b"PK\x03\x04")
    [e] = read(p)
    assert ".parquet" in e.message and ".jsonl.gz" in e.message


@pytest.mark.parametrize("published", ["string", "date32", "timestamp"])
def test_parquet_rows_read_as_jsonl_objects(tmp_path: Path, published: str) -> None:
    (tmp_path / "pq").mkdir()
    pq_path = write_parquet(tmp_path / "pq" / "feed.parquet", ROWS, published)
    jl_path = write_jsonl(tmp_path / "feed.jsonl", [json.dumps(r, ensure_ascii=False) for r in ROWS])
    got, want = read(pq_path), read(jl_path)
    assert errors(got) == [] and len(got) == len(want) == 3
    assert all(same_article(a, b) for a, b in zip(got, want, strict=True)), (got, want)
    assert [a.id for a in got] == ["p1", "feed:2", "p3"]
    assert [a.published for a in got] == [dt.date(2018, 3, 5), dt.date(2018, 12, 31), None]
    first = got[0]
    assert (first.title, first.url, first.outlet) == ("إدلب", "https://e.org/p1", "سمارت")
    assert first.meta == {"category": "security"} and first.path == str(pq_path)


def test_parquet_rows_numbered_across_batches(tmp_path: Path) -> None:
    from rasd.engines import dask as dask_engine
    from rasd.ingest.parquet import iter_parquet

    rows = [{"text": f"{AR} {i}", "published": "2018-03-05"} for i in range(7)]
    p = write_parquet(tmp_path / "many.PARQUET", rows, "date32", chunk=3)
    arts = list(iter_parquet(str(p), chunk=2))
    assert [a.id for a in arts] == [f"many:{i}" for i in range(1, 8)]
    assert [a.text for a in arts] == [r["text"] for r in rows]
    assert read(p) == arts
    assert dask_engine.iter_parquet is iter_parquet


def test_parquet_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text(AR, encoding="utf-8")
    write_parquet(tmp_path / "b" / "feed.parquet", ROWS)
    (tmp_path / "c.txt").write_text(AR2, encoding="utf-8")
    write_parquet(tmp_path / ".hidden.parquet", ROWS)
    items = read(tmp_path)
    assert errors(items) == []
    assert [a.id for a in items] == ["a", "p1", "feed:2", "p3", "c"]
    assert items[1].path == str(tmp_path / "b" / "feed.parquet")


def test_corrupt_parquet_is_one_error_and_the_rest_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(AR, encoding="utf-8")
    bad = tmp_path / "b.parquet"
    bad.write_bytes(b"this is not a parquet file at all \x00\x01\x02" * 4)
    write_parquet(tmp_path / "c.parquet", ROWS)
    for items in (read(tmp_path), read(tmp_path / "a.txt", bad, tmp_path / "c.parquet")):
        assert [type(x).__name__ for x in items] == ["Article", "ReadError", "Article", "Article", "Article"]
        e = items[1]
        assert e.path == str(bad) and e.line is None and e.message.startswith("cannot read Parquet: ")
        assert str(e).startswith(f"{bad}: cannot read Parquet")
        assert [a.id for a in articles(items)] == ["a", "p1", "c:2", "p3"]


def test_parquet_bad_rows_name_the_row(tmp_path: Path) -> None:
    rows = [{"id": "a", "text": AR}, {"id": "b", "text": "   "}, {"id": "c", "text": None},
            {"id": "d", "text": AR2}]
    p = write_parquet(tmp_path / "rows.parquet", rows)
    items = read(p)
    assert [type(x).__name__ for x in items] == ["Article", "ReadError", "ReadError", "Article"]
    assert [a.id for a in articles(items)] == ["a", "d"]
    e1, e2 = errors(items)
    assert (e1.path, e1.line, e1.message) == (str(p), 2, "empty text")
    assert str(e1) == f"{p}:2: empty text"
    assert e2.line == 3 and "text" in e2.message


# --- hostile input (issue 16): every bad item one report, the rest read, nothing unprintable -----------

def repaired(items: list) -> list[ReadError]:
    return [e for e in errors(items) if e.repaired]


def printable_everywhere(a: Article) -> None:
    """What a database and standard output need: every string encodes as UTF-8 and holds no NUL."""
    for v in (a.id, a.text, a.title, a.url, a.outlet, a.path, json.dumps(a.meta, ensure_ascii=False, default=str)):
        if v is not None:
            v.encode("utf-8")
            assert "\x00" not in v


def test_lone_surrogate_is_replaced_and_reported(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "s.jsonl", [
        '{"id": "s1", "text": "\\ud800 x", "title": "\\udfff", "meta": {"k\\ud800": ["\\ud83d"]}}',
        json.dumps({"id": "ok", "text": AR}, ensure_ascii=False),
    ])
    items = read(p)
    [e] = errors(items)
    assert e.repaired and e.line == 1 and str(e).startswith(f"{p}:1: lone surrogates replaced by U+FFFD in")
    assert "text (1)" in e.message and "title (1)" in e.message and "meta (2)" in e.message
    s1, ok = articles(items)
    assert s1.text == "\ufffd x" and s1.title == "\ufffd" and s1.meta == {"k\ufffd": ["\ufffd"]}
    assert ok.id == "ok" and ok.text == AR
    printable_everywhere(s1)


def test_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    name = os.fsdecode(b"r\xff\xfe.txt")  # how Python names a file whose bytes are not UTF-8
    p = tmp_path / name
    p.write_text(AR, encoding="utf-8")
    items = read(p)
    [e] = errors(items)
    assert e.repaired and "\\xff\\xfe" in str(e) and "file name" in e.message
    str(e).encode("utf-8")  # printable
    [a] = articles(items)
    assert a.id == "r\ufffd\ufffd" and a.text == AR
    printable_everywhere(a)


def test_deep_nesting_and_huge_numbers_are_refused_per_item(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    p = write_jsonl(tmp_path / "h.jsonl", [
        '{"id": "deep", "text": "x", "meta": ' + deep + "}",
        json.dumps({"id": "a", "text": AR}, ensure_ascii=False),
        '{"id": "big", "text": "y", "n": ' + "9" * 5000 + "}",
        '{"id": "nested", "text": "z", "meta": ' + "[" * 150 + "]" * 150 + "}",
        json.dumps({"id": "b", "text": AR2}, ensure_ascii=False),
    ])
    items = read(p)
    assert [a.id for a in articles(items)] == ["a", "b"]
    assert [(e.line, e.repaired) for e in errors(items)] == [(1, False), (3, False), (4, False)]
    msgs = [e.message for e in errors(items)]
    assert msgs[0] == "JSON nested too deeply" and "more than 4300 digits" in msgs[1]
    assert "nested more than 100 levels" in msgs[2]


def test_json_list_goes_on_after_an_item_too_deep(tmp_path: Path) -> None:
    p = tmp_path / "list.json"
    p.write_text("[\n" + json.dumps({"id": "a", "text": AR}, ensure_ascii=False) + ",\n"
                 + '{"id": "deep", "text": "x", "m": ' + "[" * 50_000 + '"]", ' + "]" * 50_000 + "},\n"
                 + '{"id": "big", "text": "y", "n": ' + "1" * 5000 + "},\n"
                 + json.dumps({"id": "b", "text": AR2}, ensure_ascii=False) + "\n]\n", encoding="utf-8")
    items = read(p)
    assert [a.id for a in articles(items)] == ["a", "b"]
    assert [(e.line, e.message) for e in errors(items)] == [(3, "JSON nested too deeply"),
                                                           (4, "JSON number with more than 4300 digits")]


def test_nul_is_removed_and_reported(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "n.jsonl", [
        '{"id": "n\\u00001", "text": "قتل\\u0000 شخص", "meta": {"x": "a\\u0000b", "f": 1e400, "g": NaN}}'])
    items = read(p)
    [e] = errors(items)
    assert e.repaired and "NUL characters removed from id (1), text (1), meta (1)" in e.message
    assert "not finite set to null in meta (2)" in e.message
    [a] = articles(items)
    assert (a.id, a.text, a.meta) == ("n1", "قتل شخص", {"x": "ab", "f": None, "g": None})


@pytest.mark.parametrize("published", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_published_out_of_range_is_no_date(tmp_path: Path, published: str) -> None:
    p = write_jsonl(tmp_path / "d.jsonl", [json.dumps({"id": "d", "text": AR, "published": published})])
    items = read(p)
    [e] = errors(items)
    assert e.repaired and published in e.message and "read as no date" in e.message
    [a] = articles(items)
    assert a.published is None and a.meta["published_raw"] == published
    assert read_published(published) is None and read_published(dt.date(9999, 12, 31)) is None
    assert read_published("2199-12-31") == dt.date(2199, 12, 31)


@pytest.mark.parametrize("damage", ["bad byte", "cut", "bom and bad byte"])
def test_damaged_utf8_is_utf8_with_a_warning_not_cp1256(tmp_path: Path, damage: str) -> None:
    data = (AR + "\n" + AR2).encode("utf-8")
    if damage == "bad byte":
        data = data[:20] + b"\xff" + data[20:]
    elif damage == "cut":
        data = data + "حلب".encode()[:-1]  # cut inside the last character
    else:
        data = b"\xef\xbb\xbf" + data[:31] + b"\xc0" + data[31:]
    p = tmp_path / "damaged.txt"
    p.write_bytes(data)
    items = read(p)
    [e] = errors(items)
    assert e.repaired and e.message.startswith("not valid UTF-8: 1 invalid byte sequence replaced by U+FFFD")
    [a] = articles(items)
    assert a.text.count("\ufffd") == 1 and AR2[:20] in a.text  # the rest is the text, not cp1256 garbage
    assert a.text.replace("\ufffd", "") in (AR + "\n" + AR2 + "حل", AR + "\n" + AR2)


def test_damaged_utf8_on_stdin_and_in_a_jsonl_line() -> None:
    data = AR.encode("utf-8")
    bad = data[:9] + b"\xfe" + data[9:]
    items = read("-", stdin=io.BytesIO(bad))
    assert [x.repaired for x in errors(items)] == [True] and articles(items)[0].text.count("\ufffd") == 1
    line = b'{"id": "j", "text": "' + bad + b'"}\n'
    items = read("-", stdin=io.BytesIO(line))
    assert [(e.line, e.repaired) for e in errors(items)] == [(1, True)] and articles(items)[0].id == "j"


def test_cp1256_is_not_taken_for_damaged_utf8() -> None:
    from rasd.ingest.readers import lenient_utf8

    for text in (AR, AR2, AR + "، " + AR2 + "؛ ؟"):
        assert lenient_utf8(text.encode("cp1256")) is None


def test_an_unforeseen_reader_error_ends_that_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasd.ingest import readers

    (tmp_path / "a.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "b.txt").write_text(AR2, encoding="utf-8")
    real = readers._decode_text

    def boom(data: bytes):
        if data == AR.encode("utf-8"):
            raise LookupError("unforeseen")
        return real(data)

    monkeypatch.setattr(readers, "_decode_text", boom)
    items = read(tmp_path / "a.txt", tmp_path / "b.txt")
    [e] = errors(items)
    assert "LookupError: unforeseen" in e.message and e.path == str(tmp_path / "a.txt")
    assert [a.id for a in articles(items)] == ["b"]
    items = read(tmp_path)  # the same in a folder
    assert [a.id for a in articles(items)] == ["b"] and len(errors(items)) == 1


# --- the sanitising function (rasd.ingest.clean) ----------------------------------------------------

def test_clean_article() -> None:
    from rasd.ingest.clean import MAX_DEPTH, TooDeep, clean_article, clean_str

    assert clean_str("abc") == ("abc", 0, 0)
    assert clean_str("a\x00b\ud800c\x00") == ("ab\ufffdc", 1, 2)
    a = Article(id="x", text=AR, meta={"k": [1, {"z": "ok"}]})
    assert clean_article(a) == (a, [])  # nothing to change: the same article
    dirty = Article(id="i\x00d", text="t\x00\ud800", title="\x00", url="https://e.org/\x00",
                    outlet="o\udcff", path="p\udcfe", meta={"a\x00": ("x\x00", 2.5, float("inf"))})
    clean, problems = clean_article(dirty)
    assert (clean.id, clean.text, clean.title, clean.url, clean.outlet, clean.path) == (
        "id", "t\ufffd", "", "https://e.org/", "o\ufffd", "p\ufffd")
    assert clean.meta == {"a": ["x", 2.5, None]}
    assert problems == ["lone surrogates replaced by U+FFFD in text (1), outlet (1), file name (1)",
                        "NUL characters removed from id (1), text (1), title (1), url (1), meta (2)",
                        "numbers that are not finite set to null in meta (1)"]
    printable_everywhere(clean)
    deep: list = []
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(TooDeep):
        clean_article(Article(id="d", text="x", meta={"m": deep}))
    ok: list = []
    for _ in range(MAX_DEPTH - 2):
        ok = [ok]
    assert clean_article(Article(id="d", text="x", meta={"m": ok}))[1] == []


# --- progress with a total --------------------------------------------------------------------------

def test_read_progress_reaches_the_input_size(tmp_path):
    import gzip as _gzip
    import json as _json

    from rasd.ingest.readers import ReadProgress, input_bytes, iter_articles

    with _gzip.open(tmp_path / "a.jsonl.gz", "wt", encoding="utf-8") as f:
        for i in range(500):
            f.write(_json.dumps({"id": f"a{i}", "text": "قتل شخص في مدينة حلب اليوم " * 20}) + "\n")
    (tmp_path / "b.txt").write_text("قتل شخص في مدينة حلب اليوم", encoding="utf-8")
    progress, total = ReadProgress(), input_bytes([str(tmp_path)])
    assert total == sum(p.stat().st_size for p in tmp_path.iterdir())
    seen = []
    for _ in iter_articles([str(tmp_path)], progress=progress):
        seen.append(progress.done)
    assert len(seen) == 501 and seen == sorted(seen) and 0 < seen[0] < total and progress.done == total
    assert input_bytes(["-", str(tmp_path)]) is None  # standard input has no size


def test_progress_bar_passes_every_item_through_on_a_terminal(monkeypatch, tmp_path):
    import io as _io

    from rasd.cli import Batch, progress_bar

    (tmp_path / "a.txt").write_text("قتل شخص في مدينة حلب اليوم", encoding="utf-8")
    (tmp_path / "b.txt").write_text("اعتقال ثلاثة أشخاص في درعا", encoding="utf-8")
    fake = _io.StringIO()
    fake.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stderr", fake)
    batch = Batch((str(tmp_path),))
    got = [a.id for a in progress_bar(batch.articles(), "extract", batch)]
    assert len(got) == 2 and batch.progress.done == sum(p.stat().st_size for p in tmp_path.iterdir())

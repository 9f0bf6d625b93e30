"""Turn files, folders and standard input into a stream of `Article`s and `ReadError`s.

Corpora are messy (old Windows-1256 exports, broken JSONL lines, stray binaries), so a bad
item never stops a run: it becomes a `ReadError` naming the file and line, and reading goes
on with the next item. Everything is a generator so large JSONL dumps are never loaded whole.

Supported inputs (`SUPPORTED_SUFFIXES`, matched case-insensitively):

* ``.txt``: one article; UTF-8 (a BOM is stripped) or Windows-1256 (detected).
* ``.html`` / ``.htm``: one article; main text, title, date and site name via trafilatura.
* ``.json``: one object or a list of objects; ``.jsonl`` and ``.jsonl.gz``: one object a line;
  ``.parquet``: one row an item, columns as keys (`rasd.ingest.parquet`).
  Keys ``id``, ``text``, ``title``, ``url``, ``outlet``, ``published``; a ``meta`` object is
  merged into `Article.meta`, every other key is kept in `Article.meta` as is.
* folders: walked recursively in sorted name order; hidden entries, ``*.meta.json`` sidecars
  and other file types are skipped silently.
* ``-``: standard input; JSONL if the first non-blank character is ``{``, else one plain text
  article with id ``stdin``.

``NAME.txt`` / ``NAME.html`` may have a sidecar ``NAME.meta.json`` (``id``, ``url``,
``outlet``, ``published``, ``title`` and free keys for `meta`) that overrides what the file
itself gave. A broken sidecar is reported as a `ReadError`, and the article is still read.

Ids: the metadata's ``id``, else the file name without extension (``.txt`` / ``.html``), else
``"<file stem>:<line>"`` for JSON items (items of a ``.json`` list sharing a line get
``"#2"``, ``"#3"``, ... appended) and ``"<file stem>:<row>"`` for Parquet rows (from 1).

Dates: `read_published` accepts ISO dates and datetimes ("2018-03-05",
"2018-03-05 12:00:00", "2018-03-05T12:00:00Z", offsets) and keeps the date as written (no
time zone conversion: the outlet's local date is the one that matters for the event). A
malformed ``published`` value is deliberately NOT an error: the article is kept with
``published=None`` and the raw value is kept in ``meta["published_raw"]``, because losing a
whole report over a date a later step can still infer from the text is worse. A real date
outside 1900-2199 ("9999-12-31", "0001-01-01": placeholders, typing errors) is read the same
way, and reported.

Hostile or damaged input: JSON nested too deeply for the json module, or with a number of more
than 4,300 digits, is a `ReadError` for that item (the items after it in a ``.json`` list are
still read); an error no reader foresaw ends that file with a `ReadError`, not the run. Text
that is UTF-8 with a few damaged bytes (one bad byte, a file cut inside a character) is decoded
as UTF-8 with U+FFFD in their place, never taken for Windows-1256. Every delivered article goes
through `rasd.ingest.clean` (lone surrogates, from JSON escapes or file names that are not
UTF-8, become U+FFFD; NUL characters are removed). What had to be changed is reported by a
`ReadError` with ``repaired=True`` just before the article, which is still delivered.
"""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import json
import os
import re
import string
import sys
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, TextIO

from rasd.doc import Article
from rasd.ingest.clean import REPLACEMENT, TooDeep, clean_article
from rasd.ingest.html import extract_html

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".html", ".htm", ".json", ".jsonl", ".jsonl.gz", ".parquet")
SIDECAR_SUFFIX = ".meta.json"
STDIN_LABEL = "<stdin>"

# longest first, so "a.jsonl.gz" is not taken for something else
_SUFFIXES_BY_LENGTH = sorted(SUPPORTED_SUFFIXES, key=len, reverse=True)
_ARTICLE_KEYS = ("id", "text", "title", "url", "outlet", "published")
_SIDECAR_KEYS = ("id", "title", "url", "outlet", "published")


@dataclass
class ReadError:
    """An input item that could not be read; the run goes on without it.

    With `repaired`, the item was read but something in it had to be changed (undecodable bytes,
    lone surrogates, NUL characters): the article follows this report, and the run still fails.
    """

    path: str
    line: int | None
    message: str
    repaired: bool = False

    def __str__(self) -> str:
        path = printable(self.path)
        if self.line is None:
            return f"{path}: {self.message}"
        return f"{path}:{self.line}: {self.message}"


def article_name(art: Any) -> str:
    """How an error names an article: its file, and its id too when the file holds many
    ("corpus.jsonl.gz (BB-706-20180626)"), so the bad item can be found."""
    path = getattr(art, "path", None)
    if not path:
        return printable(str(art.id))
    stem = os.path.basename(str(path)).split(".")[0]
    return printable(str(path) if art.id in (stem, str(path)) else f"{path} ({art.id})")


def printable(s: str) -> str:
    """A name as it can be printed: bytes of a file name that are not UTF-8 as \\xNN escapes."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        pass
    try:
        return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


class _Bad(Exception):
    """Internal: an item is unusable; carries the message and, when known, the line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# --- dates -----------------------------------------------------------------------------------

_LOOSE_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$")


# Publication dates outside these are typing errors or placeholders ("9999-12-31", "0001-01-01"),
# and the days around them cannot even be computed (date arithmetic stops at years 1 and 9999).
PUBLISHED_MIN = dt.date(1900, 1, 1)
PUBLISHED_MAX = dt.date(2199, 12, 31)


def read_published(value: Any) -> dt.date | None:
    """A publication date from a date, datetime or ISO-like string; None when unusable.

    Datetimes keep their own calendar date (no time zone conversion). A date outside
    PUBLISHED_MIN..PUBLISHED_MAX is unusable too.
    """
    day = _read_date(value)
    if day is None or not PUBLISHED_MIN <= day <= PUBLISHED_MAX:
        return None
    return day


def _read_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    s = value.strip()
    if not s:
        return None
    try:
        if len(s) <= 10:
            return dt.date.fromisoformat(s)
        return dt.datetime.fromisoformat(s).date()
    except ValueError:
        pass
    m = _LOOSE_DATE.match(s)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


# --- text decoding ---------------------------------------------------------------------------

_NOT_TEXT = "not UTF-8 or Windows-1256 text"
_TEXT_CONTROLS = set("\t\n\r\f\v")
_OK_EXTRA = set(string.punctuation) | set("\u200c\u200d\u200e\u200f\u00ab\u00bb\u00a0")


def _is_arabic(c: str) -> bool:
    return "\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufdff" or "\ufe70" <= c <= "\ufeff"


def _mostly_arabic(text: str) -> bool:
    """True when text looks like real Arabic prose, not bytes that merely decode as cp1256.

    cp1256 maps every byte, so decoding always succeeds; Latin-1 prose or binary junk then
    shows up as Latin letters and control characters instead of Arabic letters.
    """
    arabic = ok = visible = 0
    for c in text:
        if c.isspace():
            ok += 1
            continue
        visible += 1
        if _is_arabic(c):
            arabic += 1
            ok += 1
        elif c.isdigit() or c in _OK_EXTRA or unicodedata.category(c)[0] == "P":
            ok += 1
    return arabic > 0 and ok >= 0.85 * len(text) and arabic >= 0.5 * visible


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if c < " " and c not in _TEXT_CONTROLS)
    return controls > max(2, len(text) // 100)


def lenient_utf8(data: bytes, sure: bool = False) -> tuple[str, int] | None:
    """(text, invalid sequences replaced by U+FFFD) when `data` is UTF-8 with a few damaged bytes,
    None when it is not UTF-8 at all.

    Damage (one bad byte, a file cut inside a character) leaves most multi-byte sequences valid;
    text in a single-byte code page such as Windows-1256 has almost none, because its letters are
    lead bytes not followed by continuation bytes. So the text is taken as damaged UTF-8 when it
    holds at least twice as many valid non-ASCII characters as invalid sequences (or when `sure`,
    after a UTF-8 byte order mark).
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count(REPLACEMENT) - data.count(REPLACEMENT.encode("utf-8"))
    if sure:
        return text, bad
    good = sum(1 for c in text if c >= "\x80") - text.count(REPLACEMENT)
    return (text, bad) if good >= 2 * bad else None


def _decode_text(data: bytes) -> tuple[str, int]:
    """Bytes of a text article as str: UTF-8 (BOM stripped; damaged bytes replaced, and counted)
    or detected Windows-1256."""
    if b"\x00" in data:
        raise _Bad("binary file")
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8):]
    bad = 0
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        damaged = lenient_utf8(data, sure=bom)
        if damaged is not None:
            text, bad = damaged
        else:
            text = data.decode("cp1256", errors="replace")
            if not _mostly_arabic(text):
                raise _Bad(_NOT_TEXT) from None
    if _looks_binary(text):
        raise _Bad("binary file")
    return text, bad


def _damaged(bad: int) -> str:
    return f"not valid UTF-8: {bad} invalid byte sequence{'s' if bad != 1 else ''} replaced by U+FFFD"


# --- metadata --------------------------------------------------------------------------------

def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    s = value if isinstance(value, str) else str(value)
    s = s.strip()
    return s or None


def _apply_meta(fields: dict[str, Any], meta: dict[str, Any], obj: dict[str, Any],
                keys: tuple[str, ...], skip: tuple[str, ...] = ()) -> None:
    """Copy known keys of `obj` into `fields` (overriding) and the rest into `meta`."""
    for key, value in obj.items():
        if key in skip:
            continue
        if key == "published":
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            date = read_published(value)
            fields["published"] = date
            if date is None:
                meta["published_raw"] = value
            else:
                meta.pop("published_raw", None)
        elif key in keys:
            s = _str_or_none(value)
            if s is not None:
                fields[key] = s
        elif key == "meta" and isinstance(value, dict):
            meta.update(value)
        else:
            meta[key] = value


def _json_line_error(e: json.JSONDecodeError, first_line: int = 1) -> _Bad:
    return _Bad(f"invalid JSON: {e.msg} (column {e.colno})", first_line + e.lineno - 1)


def _json_refusal(e: Exception) -> str:
    """Why the json module gave up on a syntactically valid item (RecursionError, ValueError)."""
    if isinstance(e, RecursionError):
        return "JSON nested too deeply"
    if "digits" in str(e):  # int() refuses more than sys.get_int_max_str_digits() digits
        return f"JSON number with more than {sys.get_int_max_str_digits()} digits"
    return f"invalid JSON: {e}"


def _deliver(art: Article, label: str, line: int | None, notes: Iterable[str] = ()) -> Iterator[Article | ReadError]:
    """The article made safe to store and print (rasd.ingest.clean), after one repaired ReadError
    saying what was changed, if anything was."""
    try:
        art, problems = clean_article(art)
    except TooDeep as e:
        yield ReadError(label, line, f"{e}")
        return
    problems = [*notes, *problems]
    raw = art.meta.get("published_raw") if art.published is None and art.meta else None
    if raw is not None and _read_date(raw) is not None:
        problems.append(f"published {printable(str(raw))!r} is outside {PUBLISHED_MIN.year}-{PUBLISHED_MAX.year}:"
                        " read as no date")
    if problems:
        yield ReadError(label, line, "; ".join(problems) + " (article kept)", repaired=True)
    yield art


def _read_sidecar(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise _Bad(f"cannot read sidecar: {e.strerror or e}") from e
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise _Bad("sidecar is not UTF-8") from e
    except json.JSONDecodeError as e:
        raise _json_line_error(e) from e
    if not isinstance(obj, dict):
        raise _Bad(f"sidecar is not a JSON object (got {type(obj).__name__})")
    return obj


# --- single files ----------------------------------------------------------------------------

def _suffix_of(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(SIDECAR_SUFFIX):
        return SIDECAR_SUFFIX
    for suffix in _SUFFIXES_BY_LENGTH:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return suffix
    return None


def _stem(path: str, suffix: str) -> str:
    name = os.path.basename(path)
    return name[: len(name) - len(suffix)]


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise _Bad(f"cannot read: {e.strerror or e}") from e


def _read_document(path: str, suffix: str) -> Iterator[Article | ReadError]:
    """A .txt or .html article, with its sidecar metadata when there is one."""
    stem = _stem(path, suffix)
    fields: dict[str, Any] = {"id": stem}
    meta: dict[str, Any] = {}
    sidecar_obj: dict[str, Any] | None = None
    sidecar = os.path.join(os.path.dirname(path), stem + SIDECAR_SUFFIX)
    if os.path.isfile(sidecar):
        try:
            sidecar_obj = _read_sidecar(sidecar)
        except _Bad as e:
            yield ReadError(sidecar, e.line, e.message)
    notes = []
    try:
        data = _read_bytes(path)
        if not data.strip():
            raise _Bad("empty file")
        if suffix == ".txt":
            text, bad = _decode_text(data)
            if bad:
                notes.append(_damaged(bad))
        else:
            if b"\x00" in data:
                raise _Bad("binary file")
            url = _str_or_none(sidecar_obj.get("url")) if sidecar_obj else None
            try:
                page = extract_html(data, url=url)
            except Exception as e:  # trafilatura/lxml failures must not stop the run
                raise _Bad(f"HTML extraction failed: {e}") from e
            if page.text is None:
                raise _Bad("no main text found in HTML")
            text = page.text
            meta.update(page.meta)
            for key, value in (("title", page.title), ("url", page.url), ("outlet", page.outlet)):
                if value:
                    fields[key] = value
            if page.date:
                fields["published"] = read_published(page.date)
        if not text.strip():
            raise _Bad("empty text")
    except _Bad as e:
        yield ReadError(path, e.line, e.message)
        return
    if sidecar_obj:
        _apply_meta(fields, meta, sidecar_obj, _SIDECAR_KEYS, skip=("text",))
    yield from _deliver(Article(text=text, path=path, meta=meta, **fields), path, None, notes)


def _item_article(obj: Any, path: str | None, default_id: str) -> Article:
    """One JSON item as an Article; raises _Bad when it is not a usable object."""
    if not isinstance(obj, dict):
        raise _Bad(f"item is not a JSON object (got {type(obj).__name__})")
    if "text" not in obj or obj["text"] is None:
        raise _Bad("item has no 'text'")
    text = obj["text"]
    if not isinstance(text, str):
        raise _Bad(f"'text' is not a string (got {type(text).__name__})")
    if not text.strip():
        raise _Bad("empty text")
    fields: dict[str, Any] = {"id": default_id}
    meta: dict[str, Any] = {}
    _apply_meta(fields, meta, obj, _ARTICLE_KEYS, skip=("text",))
    return Article(text=text, path=path, meta=meta, **fields)


def _jsonl_lines(lines: Iterable[bytes | str], label: str, path: str | None,
                 stem: str, first_line: int = 1) -> Iterator[Article | ReadError]:
    """Articles from JSON lines, one line at a time; blank lines are skipped."""
    for lineno, raw in enumerate(lines, first_line):
        notes = []
        if isinstance(raw, bytes):
            if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                damaged = lenient_utf8(raw)
                if damaged is None:
                    yield ReadError(label, lineno, "line is not UTF-8")
                    continue
                line = damaged[0]
                notes.append(_damaged(damaged[1]))
        else:
            line = raw.lstrip("\ufeff") if lineno == 1 else raw
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield ReadError(label, lineno, f"invalid JSON: {e.msg} (column {e.colno})")
            continue
        except (RecursionError, ValueError) as e:
            yield ReadError(label, lineno, _json_refusal(e))
            continue
        try:
            art = _item_article(obj, path, f"{stem}:{lineno}")
        except _Bad as e:
            yield ReadError(label, lineno, e.message)
            continue
        yield from _deliver(art, label, lineno, notes)


class ReadProgress:
    """Bytes of the input files read so far (of a gzip file, its compressed bytes), for a progress bar
    with a total and a rate: `done` grows as the readers go, file by file and line by line."""

    def __init__(self) -> None:
        self.done = 0
        self._base = 0  # bytes of the files finished before the current one

    def within(self, pos: int) -> None:
        self.done = self._base + pos

    def finished(self, size: int) -> None:
        self._base += size
        self.done = self._base


def input_bytes(paths: Iterable[str]) -> int | None:
    """Total size of the files `iter_articles(paths)` would read; None when standard input is one of them."""
    total = 0
    for path in map(os.fspath, paths):
        if path == "-":
            return None
        items: Iterable[str | ReadError] = walk_files(path, set()) if os.path.isdir(path) else [path]
        total += sum(_size(item) for item in items if isinstance(item, str))
    return total


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _read_jsonl(path: str, suffix: str, progress: ReadProgress | None = None) -> Iterator[Article | ReadError]:
    stem = _stem(path, suffix)
    read = 0

    def lines(f: IO[bytes], raw: IO[bytes]) -> Iterator[bytes]:
        nonlocal read
        for line in f:
            read += 1
            if progress is not None:
                progress.within(raw.tell())
            yield line

    try:
        with open(path, "rb") as raw:
            f: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if suffix == ".jsonl.gz" else raw
            yield from _jsonl_lines(lines(f, raw), path, path, stem)
    except OSError as e:  # also gzip.BadGzipFile
        yield ReadError(path, read + 1 if read else None, f"cannot read: {e.strerror or e}")
    except (EOFError, zlib.error) as e:
        yield ReadError(path, read + 1, f"truncated or corrupt gzip file: {e}")


def _skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in " \t\r\n":
        i += 1
    return i


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_JSON_MARK = re.compile(r'["\[\]{}]')
_JSON_SCALAR = re.compile(r'[^,\]}\s]*')


def _skip_value(text: str, i: int) -> int:
    """Where the JSON value starting at i ends, found without decoding it (no recursion)."""
    if text[i] == '"':
        m = _JSON_STRING.match(text, i)
        if m is None:
            raise _Bad("invalid JSON: unterminated string")
        return m.end()
    if text[i] not in "[{":
        return _JSON_SCALAR.match(text, i).end()  # type: ignore[union-attr]  # matches the empty string
    depth = 0
    while True:
        m = _JSON_MARK.search(text, i)
        if m is None:
            raise _Bad("invalid JSON: unexpected end of file")
        i = m.start()
        if m.group() == '"':
            i = _skip_value(text, i)
            continue
        depth += 1 if m.group() in "[{" else -1
        i += 1
        if depth == 0:
            return i


def _iter_json_values(text: str) -> Iterator[tuple[int, Any]]:
    """(line, value) for a top-level object or each element of a top-level list.

    Decoding element by element gives each item its line number, and items before a syntax
    error are still delivered. An element the json module gives up on (nested too deeply, a
    number too long) comes as a _Bad value, and the elements after it are still read.
    """
    decoder = json.JSONDecoder()
    line, pos = 1, 0

    def line_at(i: int) -> int:
        nonlocal line, pos
        line += text.count("\n", pos, i)
        pos = i
        return line

    def decode(i: int) -> tuple[Any, int]:
        try:
            return decoder.raw_decode(text, i)
        except json.JSONDecodeError as e:
            raise _json_line_error(e) from e
        except (RecursionError, ValueError) as e:
            return _Bad(_json_refusal(e)), _skip_value(text, i)

    i = _skip_ws(text, 0)
    if i < len(text) and text[i] == "[":
        i = _skip_ws(text, i + 1)
        if i < len(text) and text[i] == "]":
            i += 1
        else:
            while True:
                start = i
                value, i = decode(i)
                yield line_at(start), value
                i = _skip_ws(text, i)
                if i < len(text) and text[i] == ",":
                    i = _skip_ws(text, i + 1)
                    continue
                if i < len(text) and text[i] == "]":
                    i += 1
                    break
                raise _Bad("invalid JSON: expected ',' or ']'", line_at(i))
    else:
        start = i
        value, i = decode(i)
        yield line_at(start), value
    i = _skip_ws(text, i)
    if i < len(text):
        raise _Bad("invalid JSON: extra data after the top-level value", line_at(i))


def _read_json(path: str, suffix: str) -> Iterator[Article | ReadError]:
    stem = _stem(path, suffix)
    try:
        data = _read_bytes(path)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            damaged = lenient_utf8(data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data)
            if damaged is None:
                raise _Bad("not UTF-8") from e
            text = damaged[0]
            yield ReadError(path, None, _damaged(damaged[1]) + " (file read)", repaired=True)
        if not text.strip():
            raise _Bad("empty file")
        seen: dict[int, int] = {}
        for line, value in _iter_json_values(text):
            seen[line] = seen.get(line, 0) + 1
            default_id = f"{stem}:{line}" if seen[line] == 1 else f"{stem}:{line}#{seen[line]}"
            try:
                if isinstance(value, _Bad):
                    raise value
                art = _item_article(value, path, default_id)
            except _Bad as e:
                yield ReadError(path, line, e.message)
                continue
            yield from _deliver(art, path, line)
    except _Bad as e:
        yield ReadError(path, e.line, e.message)


def _read_file(path: str, suffix: str, progress: ReadProgress | None = None) -> Iterator[Article | ReadError]:
    if suffix in (".txt", ".html", ".htm"):
        yield from _read_document(path, suffix)
    elif suffix == ".json":
        yield from _read_json(path, suffix)
    elif suffix == ".parquet":
        from rasd.ingest.parquet import iter_parquet  # imports readers: not at module level

        yield from iter_parquet(path)
    else:
        yield from _read_jsonl(path, suffix, progress)
    if progress is not None:
        progress.finished(_size(path))


# --- folders and stdin -----------------------------------------------------------------------

def walk_files(folder: str, seen: set[str], extra: Callable[[str], bool] | None = None
               ) -> Iterator[str | ReadError]:
    """Supported files under `folder` (and those `extra` accepts by name), sorted by name at every
    level, depth first; the readers and the Dask engine list folders alike through this."""
    real = os.path.realpath(folder)
    if real in seen:  # symlink loop
        return
    seen.add(real)
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        yield ReadError(folder, None, f"cannot list folder: {e.strerror or e}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = os.path.join(folder, entry.name)
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            yield from walk_files(path, seen, extra)
            continue
        suffix = _suffix_of(entry.name)
        if (extra is not None and extra(entry.name)) or (suffix is not None and suffix != SIDECAR_SUFFIX):
            yield path


def _walk(folder: str, seen: set[str], progress: ReadProgress | None = None) -> Iterator[Article | ReadError]:
    """Supported files under `folder`, entries sorted by name at every level (depth first)."""
    for item in walk_files(folder, seen):
        if isinstance(item, ReadError):
            yield item
        else:
            yield from _guarded(item, _read_file(item, _suffix_of(os.path.basename(item)) or "", progress))


def _guarded(label: str, items: Iterator[Article | ReadError]) -> Iterator[Article | ReadError]:
    """The items of one input; an error no reader foresaw ends that input, not the batch."""
    try:
        yield from items
    except Exception as e:  # noqa: BLE001  the batch goes on with the next input
        yield ReadError(label, None, f"cannot read the rest: {type(e).__name__}: {e}")


def _read_stdin(stream: TextIO | BinaryIO) -> Iterator[Article | ReadError]:
    """JSONL when the first non-blank character is '{', else one plain text article."""
    head: list[bytes | str] = []
    first = ""
    for raw in stream:
        head.append(raw)
        s = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        s = s.lstrip("\ufeff").strip()
        if s:
            first = s[0]
            break
    if first == "{":
        lines: Iterator[bytes | str] = iter(head)
        yield from _jsonl_lines(_chain(lines, stream), STDIN_LABEL, None, "stdin")
        return
    rest = stream.read()
    parts: list[bytes | str] = [*head, rest]
    notes = []
    try:
        if any(isinstance(p, bytes) for p in parts):
            data = b"".join(p if isinstance(p, bytes) else p.encode("utf-8", "surrogatepass") for p in parts)
            text, bad = _decode_text(data)
            if bad:
                notes.append(_damaged(bad))
        else:
            text = "".join(p if isinstance(p, str) else p.decode() for p in parts).lstrip("\ufeff")
        if not text.strip():
            raise _Bad("empty input")
    except _Bad as e:
        yield ReadError(STDIN_LABEL, e.line, e.message)
        return
    yield from _deliver(Article(id="stdin", text=text), STDIN_LABEL, None, notes)


def _chain(first: Iterator[Any], stream: Iterable[Any]) -> Iterator[Any]:
    yield from first
    yield from stream


def _default_stdin() -> TextIO | BinaryIO:
    # prefer bytes so Windows-1256 input can be detected like a .txt file
    return getattr(sys.stdin, "buffer", sys.stdin)


def iter_articles(paths: Iterable[str], stdin: TextIO | BinaryIO | None = None,
                  progress: ReadProgress | None = None) -> Iterator[Article | ReadError]:
    """Articles and ReadErrors from files, folders and '-' (stdin), in a stable order.

    A generator: nothing is read before the caller asks for the next item. `progress` follows the
    bytes read (see input_bytes for the total).
    """
    for path in paths:
        path = os.fspath(path)
        if path == "-":
            yield from _guarded(STDIN_LABEL, _read_stdin(stdin if stdin is not None else _default_stdin()))
            continue
        if os.path.isdir(path):
            yield from _walk(path, set(), progress)
            continue
        if not os.path.exists(path):
            yield ReadError(path, None, "no such file or folder")
            continue
        suffix = _suffix_of(os.path.basename(path))
        if suffix == SIDECAR_SUFFIX:
            continue  # sidecars are read with their article (shell globs often include them)
        if suffix is None:
            yield ReadError(path, None, "unsupported file type (expected one of "
                            + ", ".join(SUPPORTED_SUFFIXES) + ")")
            continue
        yield from _guarded(path, _read_file(path, suffix, progress))

"""A stdlib stand-in for `rasd serve`, for working on the page: static files plus the JSON API.

    python -m rasd.web.mock_server [--port 8765] [--events rasd/web/mock_events.jsonl]
                                   [--articles DIR ...] [--synthetic N] [--tile-url URL]

It binds 127.0.0.1 only. Events come from a JSONL (or JSON list) file of contract records, e.g.
`rasd extract --samples > events.jsonl`; the original article texts for `/api/events/{id}` are
read from `--articles` folders (`<article_id>.txt`, with an optional `<article_id>.meta.json`).
`--synthetic N` adds N jittered copies of the real events (ids `synthetic-...`) to try the page
with a denser map, timeline and table. Not for production: everything is held in memory.
"""

from __future__ import annotations

import argparse
import codecs
import datetime as dt
import io
import json
import mimetypes
import random
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from rasd.web import STATIC_DIR

HERE = Path(__file__).resolve().parent
PKG = HERE.parent
BOUNDARIES = {
    "1": PKG / "data" / "boundaries" / "syria_adm1_naturalearth10m.geojson",
    "0": PKG / "data" / "boundaries" / "syria_and_neighbours_adm0_naturalearth10m.geojson",
}
DEFAULT_EVENTS = HERE / "mock_events.jsonl"
DEFAULT_ARTICLE_DIRS = [PKG / "samples" / "articles"]
SORT_KEYS = {"event_date", "event_type", "sub_event_type", "location", "admin1", "fatalities", "arrested",
             "sources", "confidence", "id"}
MAX_LIMIT = 1000
MIME = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8",
        ".json": "application/json; charset=utf-8", ".svg": "image/svg+xml", ".woff2": "font/woff2",
        ".png": "image/png", ".md": "text/plain; charset=utf-8"}


# ---------------------------------------------------------------- data

def load_events(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def read_article_text(path: Path) -> str:
    """The text as `rasd` reads it (bytes decoded, BOM stripped, newlines untouched): offsets match."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1256", errors="replace")


def load_articles(dirs: list[Path]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for d in dirs:
        if not d.is_dir():
            continue
        for p in sorted(d.glob("*.txt")):
            meta: dict[str, Any] = {}
            side = p.with_suffix(".meta.json")
            if side.exists():
                try:
                    meta = json.loads(side.read_text(encoding="utf-8-sig"))
                except ValueError:
                    meta = {}
            text = read_article_text(p)
            aid = meta.get("id") or p.stem
            title = meta.get("title") or next((ln.strip() for ln in text.splitlines() if ln.strip()), None)
            out[aid] = {"title": title, "text": text, "meta": meta}
    return out


def synthesize(events: list[dict[str, Any]], n: int, seed: int = 7) -> list[dict[str, Any]]:
    """N jittered copies of the located, dated events: same texts and evidence, other places and days."""
    rng = random.Random(seed)
    pool = [e for e in events if e.get("latitude") is not None and e.get("event_date")]
    out = []
    for i in range(n):
        e = json.loads(json.dumps(rng.choice(pool)))
        e["id"] = f"synthetic-{i:05d}"
        day = dt.date.fromisoformat(e["event_date"]) + dt.timedelta(days=rng.randint(-400, 400))
        if day > dt.date(2025, 11, 30):  # keep copies in the past without piling them on one day
            day -= dt.timedelta(days=800)
        e["event_date"] = e["date_end"] = day.isoformat()
        e["latitude"] = round(e["latitude"] + rng.gauss(0, 0.12), 5)
        e["longitude"] = round(e["longitude"] + rng.gauss(0, 0.12), 5)
        e["confidence"] = round(min(1.0, max(0.3, e.get("confidence", 0.8) + rng.gauss(0, 0.1))), 2)
        e["notes"] = "[synthetic mock copy] " + (e.get("notes") or "")
        out.append(e)
    return out


def _fold(s: Any) -> str:
    return str(s or "").casefold()


def matches(e: dict[str, Any], f: dict[str, str]) -> bool:
    d = e.get("event_date")
    if f.get("date_from") and (not d or d < f["date_from"]):
        return False
    if f.get("date_to") and (not d or d > f["date_to"]):
        return False
    for key in ("admin1", "event_type", "sub_event_type"):
        if f.get(key) and _fold(e.get(key)) != _fold(f[key]):
            return False
    if f.get("actor") and not any(_fold(a.get("key")) == _fold(f["actor"]) for a in e.get("actors") or []):
        return False
    if f.get("q"):
        hay = " ".join(str(e.get(k) or "") for k in ("id", "notes", "location", "location_ar", "admin1", "admin2",
                                                    "admin3", "event_type", "sub_event_type"))
        hay += " " + " ".join(f"{a.get('key')} {a.get('name')}" for a in e.get("actors") or [])
        hay += " " + " ".join(str(s.get("outlet") or "") for s in e.get("sources") or [])
        if _fold(f["q"]).strip() not in _fold(hay):
            return False
    if f.get("bbox"):
        try:
            x0, y0, x1, y1 = (float(v) for v in f["bbox"].split(","))
        except ValueError:
            return True
        lat, lon = e.get("latitude"), e.get("longitude")
        if lat is None or lon is None or not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
    return True


def sort_events(items: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    desc = sort.startswith("-")
    key = sort.lstrip("-+") or "event_date"
    if key not in SORT_KEYS:
        key = "event_date"

    def val(e: dict[str, Any]) -> Any:
        if key == "sources":
            return len(e.get("sources") or [])
        v = e.get(key)
        return v.casefold() if isinstance(v, str) else v

    present = [e for e in items if val(e) is not None]
    missing = [e for e in items if val(e) is None]
    present.sort(key=lambda e: e.get("id") or "")
    present.sort(key=val, reverse=desc)
    return present + missing  # nulls last either way


def monday(day: str) -> str:
    d = dt.date.fromisoformat(day)
    return (d - dt.timedelta(days=d.weekday())).isoformat()


# ---------------------------------------------------------------- server

class App:
    def __init__(self, events: list[dict[str, Any]], articles: dict[str, dict[str, Any]], tile_url: str | None,
                 attribution: str) -> None:
        self.events = events
        self.by_id = {e["id"]: e for e in events}
        self.articles = articles
        self.tile_url = tile_url
        self.attribution = attribution

    def filtered(self, q: dict[str, str]) -> list[dict[str, Any]]:
        return [e for e in self.events if matches(e, q)]

    def detail(self, e: dict[str, Any]) -> dict[str, Any]:
        rec = json.loads(json.dumps(e))
        ids = [s["article_id"] for s in rec.get("sources") or []]
        for ev in rec.get("evidence") or []:
            if ev["article_id"] not in ids:
                ids.append(ev["article_id"])
        arts = {}
        for aid in ids:
            a = self.articles.get(aid)
            if a:
                arts[aid] = {"title": a["title"], "text": a["text"]}
        for s in rec.get("sources") or []:
            a = self.articles.get(s["article_id"])
            s.setdefault("title", a["title"] if a else None)
        rec["articles"] = arts
        rec.setdefault("conflicts", [])
        # A made-up correction on events that carry a conflict, so the page's history view has data.
        rec["corrections"] = [
            {"who": "mock-reviewer", "when": "2025-11-26T09:14:00Z", "field": c.get("field"),
             "old": max((v for v in (c.get("values") or {}).values() if isinstance(v, (int, float))), default=None),
             "new": rec.get(c.get("field"))}
            for c in rec["conflicts"] if isinstance(c, dict)
        ]
        return rec

    def stats(self, q: dict[str, str]) -> dict[str, Any]:
        weeks: dict[tuple[str, str], int] = {}
        admin: dict[str, int] = {}
        for e in self.filtered(q):
            if e.get("event_date"):
                k = (monday(e["event_date"]), e.get("event_type") or "")
                weeks[k] = weeks.get(k, 0) + 1
            if e.get("admin1"):
                admin[e["admin1"]] = admin.get(e["admin1"], 0) + 1
        return {
            "weeks": [{"week": w, "event_type": t, "count": n} for (w, t), n in sorted(weeks.items())],
            "by_admin1": [{"admin1": a, "count": n} for a, n in sorted(admin.items(), key=lambda x: -x[1])],
        }


def make_handler(app: App) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "rasd-mock/0.1"

        def log_message(self, fmt: str, *args: Any) -> None:  # quieter: one line per request on stderr
            sys.stderr.write("mock %s\n" % (fmt % args))

        def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, obj: Any, status: int = 200) -> None:
            self._send(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET()

        def do_GET(self) -> None:  # noqa: N802
            url = urllib.parse.urlsplit(self.path)
            q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
            path = urllib.parse.unquote(url.path)
            try:
                if path.startswith("/api/"):
                    self.api(path, q)
                else:
                    self.static(path)
            except BrokenPipeError:
                pass

        def api(self, path: str, q: dict[str, str]) -> None:
            if path == "/api/events":
                items = sort_events(app.filtered(q), q.get("sort") or "-event_date")
                try:
                    limit = max(0, min(MAX_LIMIT, int(q.get("limit") or 100)))
                    offset = max(0, int(q.get("offset") or 0))
                except ValueError:
                    return self._json({"detail": "limit and offset must be integers"}, 422)
                return self._json({"total": len(items), "limit": limit, "offset": offset,
                                   "items": items[offset:offset + limit]})
            if path.startswith("/api/events/"):
                e = app.by_id.get(path[len("/api/events/"):])
                if e is None:
                    return self._json({"detail": "event not found"}, 404)
                return self._json(app.detail(e))
            if path == "/api/stats":
                return self._json(app.stats(q))
            if path == "/api/boundaries":
                f = BOUNDARIES.get(q.get("level", "1"))
                if f is None:
                    return self._json({"detail": "level is 0 or 1"}, 422)
                return self._send(200, f.read_bytes(), "application/geo+json")
            if path == "/api/meta":
                from rasd import __version__
                return self._json({"version": __version__ + "+mock", "tile_url": app.tile_url,
                                   "attribution": app.attribution})
            if path == "/api/export":
                return self.export(q)
            return self._json({"detail": "not found"}, 404)

        def export(self, q: dict[str, str]) -> None:
            from rasd.export import WRITERS
            fmt = q.get("format", "jsonl")
            if fmt not in ("jsonl", "acled-csv", "geojson", "parquet", "csv"):
                return self._json({"detail": f"unknown format {fmt}"}, 422)
            items = sort_events(app.filtered(q), q.get("sort") or "event_date")
            ext = {"jsonl": "jsonl", "acled-csv": "csv", "csv": "csv", "geojson": "geojson", "parquet": "parquet"}[fmt]
            ctype = {"jsonl": "application/x-ndjson", "geojson": "application/geo+json",
                     "parquet": "application/vnd.apache.parquet"}.get(fmt, "text/csv; charset=utf-8")
            if fmt == "parquet":
                buf = io.BytesIO()
                WRITERS[fmt](items, buf)
                body = buf.getvalue()
            else:
                sio = io.StringIO()
                WRITERS[fmt](items, sio)
                body = sio.getvalue().encode("utf-8")
            self._send(200, body, ctype, {"Content-Disposition": f'attachment; filename="rasd-events.{ext}"'})

        def static(self, path: str) -> None:
            rel = path.lstrip("/") or "index.html"
            root = STATIC_DIR.resolve()
            target = (root / rel).resolve()
            if root not in target.parents and target != root:
                return self._send(404, b"not found", "text/plain")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                return self._send(404, b"not found", "text/plain")
            ctype = MIME.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(200, target.read_bytes(), ctype)

    return Handler


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rasd.web.mock_server", description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--events", type=Path, default=DEFAULT_EVENTS, help="JSONL or JSON list of event records")
    ap.add_argument("--articles", type=Path, action="append", help="folder of <article_id>.txt (repeatable)")
    ap.add_argument("--synthetic", type=int, default=0, help="add N jittered copies of the events")
    ap.add_argument("--tile-url", default=None, help="tile URL template to offer as a base layer")
    ap.add_argument("--attribution", default="Boundaries: Natural Earth (public domain)")
    args = ap.parse_args(argv)

    events = load_events(args.events)
    if args.synthetic:
        events += synthesize(events, args.synthetic)
    articles = load_articles(args.articles or DEFAULT_ARTICLE_DIRS)
    bad = 0
    for e in events:
        for ev in e.get("evidence") or []:
            a = articles.get(ev["article_id"])
            if a and a["text"][ev["start"]:ev["end"]] != ev["text"]:
                bad += 1
    app = App(events, articles, args.tile_url, args.attribution)
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(app))
    print(f"rasd mock: {len(events)} events, {len(articles)} articles ({bad} evidence spans off), "
          f"http://127.0.0.1:{srv.server_address[1]}/", file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Rasd's web front end: static files only (plain ES modules, CSS, JSON, vendored libraries).

`rasd serve` mounts `STATIC_DIR` at `/` and serves the JSON API that the page calls (see
`rasd/web/README.md`). Nothing here needs a build step: work on the page against `rasd demo`
(the real API over a fresh database of the bundled samples).
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR: Path = Path(__file__).resolve().parent / "static"
INDEX_HTML: Path = STATIC_DIR / "index.html"

__all__ = ["STATIC_DIR", "INDEX_HTML"]

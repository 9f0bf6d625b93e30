"""The ACLED type table (rasd/data/types.json), loaded once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def types() -> dict[str, Any]:
    return json.loads(resources.files("rasd.data").joinpath("types.json").read_text("utf-8"))


@cache
def rare_sub_events() -> frozenset[str]:
    """types.json rare_sub_events: kinds of act too rare to happen twice at one place within weeks (a chemical
    attack), so their tellings are one incident (rasd/link/merge.py, rasd/extract/events.py)."""
    return frozenset(types().get("rare_sub_events", []))

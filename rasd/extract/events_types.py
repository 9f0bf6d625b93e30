"""The ACLED type table (rasd/data/types.json), loaded once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def types() -> dict[str, Any]:
    return json.loads(resources.files("rasd.data").joinpath("types.json").read_text("utf-8"))

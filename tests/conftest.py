"""Fixtures shared by test modules."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def bench() -> Any:
    """benchmarks/bench_api.py as a module (its synthetic events and bulk build), loaded once: its worker
    processes pickle its functions, which must be the module's own."""
    if "bench_api" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_api", ROOT / "benchmarks" / "bench_api.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["bench_api"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["bench_api"]

"""The command line, one module per command group, in one place:

- common.py: what every command shares (reading inputs, progress bars, writing events, `--db`)
- extract.py: `rasd extract`, `inspect`, `about`, `samples` (no database)
- store.py: `rasd ingest`, `events`, `export`, `db ...` (the database)
- serve.py: `rasd serve`, `token ...`, `demo` (the API and the page)
- watch.py: `rasd watch` (feeds and folders)
- gazetteer.py: `rasd gazetteer ...` (places)
- app.py: the `rasd` group with all of them attached (the `rasd` entry point)
"""

from typing import Any

from rasd.cli.common import Batch, progress_bar, samples_dir

__all__ = ["Batch", "main", "progress_bar", "samples_dir"]


def __getattr__(name: str) -> Any:
    """`rasd.cli.main` (the entry point) is built on first use, so `python -m rasd.cli.store` does not
    import its own module twice through the package."""
    if name == "main":
        from rasd.cli.app import main

        return main
    raise AttributeError(name)

"""The `rasd` command: one group, and the commands of each module under rasd/cli attached to it.

Every module offers its commands the same way (`COMMANDS`, `attach`; most also a standalone group for
`python -m rasd.cli.<module>`); they share only rasd.cli.common, so no command module imports another.
"""

from __future__ import annotations

import click

from rasd import __version__
from rasd.cli import extract, gazetteer, serve, store, watch


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rasd")
def main() -> None:
    """Rasd (رصد): Arabic security-incident reports about Syria into an evidence-linked event dataset."""


for module in (extract, gazetteer, store, serve, watch):
    module.attach(main)

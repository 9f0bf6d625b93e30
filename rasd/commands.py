"""Command groups that live beside their stage: attached to `rasd`, or run on their own."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import click


def attacher(commands: Sequence[click.Command]) -> Callable[[click.Group], None]:
    """A function that adds these commands to a group (the main `rasd` group)."""

    def attach(main: click.Group) -> None:
        for cmd in commands:
            main.add_command(cmd)

    return attach


def standalone(commands: Sequence[click.Command], help_text: str) -> click.Group:
    """A group of just these commands, for `python -m rasd.<module>`."""
    group = click.Group(help=help_text, context_settings={"help_option_names": ["-h", "--help"]})
    attacher(commands)(group)
    return group

"""Helpers shared by CLI commands: consoles and neutralising hostile strings for rich."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from camscan.sanitize import clean

F = TypeVar("F", bound=Callable[..., Any])


def seconds_option(flag: str, least: float, default: float, text: str) -> Callable[[F], F]:
    """A duration flag in seconds: at least ``least``, ``default`` shown in ``--help``."""
    return click.option(
        flag, type=click.FloatRange(min=least), default=default, show_default=True, help=text
    )


def safe(text: str, limit: int = 200) -> str:
    """A device-supplied string for rich markup: controls made visible, bounded, markup escaped."""
    return escape(clean(text, limit, one_line=False))


def console(stderr: bool = False) -> Console:
    """A rich console that colours only on a terminal and honours NO_COLOR."""
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


class _CleanFormatter(logging.Formatter):
    """One line per record; device text inside a message is neutralised like any report field."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record), 2000, one_line=True)


def log_to_stderr(level: int | None) -> None:
    """Send the core's ``camscan.*`` log records at ``level`` and above to stderr (None: off).

    The core logs its discovery and probe decisions with :mod:`logging` and never prints;
    ``--verbose`` (INFO) and ``--debug`` (DEBUG) choose how much of it the CLI shows.
    """
    logger = logging.getLogger("camscan")
    for handler in [h for h in logger.handlers if getattr(h, "camscan_cli", False)]:
        logger.removeHandler(handler)
    if level is None:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.camscan_cli = True  # type: ignore[attr-defined]
    handler.setFormatter(_CleanFormatter("camscan %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


class _PolicyOption(click.Option):
    """`--policy` whose help lists the shipped policy ids (read when help is shown)."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from camscan.policy import shipped_policies

        record = super().get_help_record(ctx)
        if record is None:
            return None
        ids = sorted(p.id for p in shipped_policies())
        return record[0], f"{record[1]} Shipped: {', '.join(ids)}."


def policy_option(func: F) -> F:
    """The `--policy` option of `scan` and `identify`: it *replaces* the default set."""
    return click.option(
        "--policy",
        "policies",
        cls=_PolicyOption,
        multiple=True,
        metavar="ID|FILE",
        help=(
            "Restriction policy id or YAML file (repeatable). Replaces the default set "
            "(us-ndaa-889): list every policy you want, e.g. --policy us-ndaa-889 "
            "--policy uk-2022-sensitive-sites."
        ),
    )(func)


#: `--signatures DIR` (repeatable) of `scan`, `identify` and `signatures …`.
signatures_option = click.option(
    "--signatures",
    "signature_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Extra signature directory merged over the shipped set (repeatable).",
)

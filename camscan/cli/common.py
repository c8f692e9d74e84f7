"""Helpers shared by CLI commands: consoles and neutralising hostile strings for rich."""

from __future__ import annotations

import logging
import sys

from rich.console import Console
from rich.markup import escape

from camscan.report.common import clean


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

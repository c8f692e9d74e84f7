"""Helpers shared by CLI commands: consoles and neutralising hostile strings for rich."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from camscan.sanitize import clean


def safe(text: str, limit: int = 200) -> str:
    """A device-supplied string for rich markup: controls made visible, bounded, markup escaped."""
    return escape(clean(text, limit, one_line=False))


def console(stderr: bool = False) -> Console:
    """A rich console that colours only on a terminal and honours NO_COLOR."""
    return Console(stderr=stderr, highlight=False, soft_wrap=True)

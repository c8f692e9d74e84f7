"""Helpers shared by CLI commands: consoles and neutralising hostile device strings."""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def safe(text: str, limit: int = 200) -> str:
    """Make a device-supplied string harmless in a terminal: no escapes, no markup, bounded."""
    cleaned = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return escape(cleaned)


def console(stderr: bool = False) -> Console:
    """A rich console that colours only on a terminal and honours NO_COLOR."""
    return Console(stderr=stderr, highlight=False, soft_wrap=True)

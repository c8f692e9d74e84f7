"""Counted nouns for every sentence camscan prints: "1 host", "2 hosts", "1 entity"."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun`` agreeing in number; ``many`` for irregular plurals
    ("entity" → "entities"), else ``noun + "s"``."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {many if many is not None else noun + 's'}"

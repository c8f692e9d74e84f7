"""Device text made inert for people: the one cleaner every report, the diff and the CLI use.

Device strings come from the network and are hostile. :func:`clean` shows control characters,
ANSI escapes, zero-width and bidi controls as visible ``\\xNN`` / ``\\uNNNN`` text and bounds the
length; HTML and Markdown renderers escape the result again for their medium.
"""

from __future__ import annotations

import re

# C0/C1 controls (ESC included, so no ANSI sequence survives), zero-width and bidi overrides.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"[\r\n\t]+")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clean(text: str | None, limit: int = 200, *, one_line: bool = True) -> str:
    """A device string made inert for a terminal or a cell: no controls, bounded.

    ``one_line=False`` keeps newlines and tabs, for multi-line text such as policy notes.
    """
    if not text:
        return ""
    flat = _NEWLINES.sub(" ", text) if one_line else text
    cleaned = _CONTROL.sub(_visible, flat)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned


# Spreadsheet apps run cells starting with these as formulas (CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str | None, limit: int = 500) -> str:
    """A device string for a CSV cell: cleaned, and never starting like a formula."""
    value = clean(text, limit)
    return "'" + value if value.startswith(_FORMULA) else value

"""Device text made inert: the one cleaner for where device text enters and where it is shown.

Device strings come from the network and are hostile. Every Unicode control or format
character (categories Cc, Cf, Zl, Zp: ANSI escapes, bidi overrides, zero-width characters,
U+FEFF, U+00AD, line and paragraph separators) and every lone surrogate (Cs, which cannot be
encoded as UTF-8) is shown as visible ``\\xNN`` / ``\\uNNNN`` text. Discovery and probes use
:func:`device_text` for observation values (the :class:`~camscan.models.Observation` model
applies it again, so no value can hold them); every report, the diff and the CLI use
:func:`clean` / :func:`csv_cell`; HTML and Markdown renderers escape the result again for their
medium. Backslashes are kept as they are, so cleaning twice changes nothing.
"""

from __future__ import annotations

import re
import unicodedata

MAX_VALUE_CHARS = 512  # one observation value from discovery or a probe
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})

_ASCII_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")
_WHITESPACE = re.compile(r"[ \t\r\n]+")
_NEWLINES = re.compile(r"[\r\n\t]+")


def _visible(code: int) -> str:
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def neutralise(text: str) -> str:
    """``text`` with every Cc/Cf/Zl/Zp/Cs character replaced by its visible escape."""
    if text.isascii():
        return _ASCII_UNSAFE.sub(lambda m: _visible(ord(m.group())), text)
    return "".join(
        _visible(ord(ch)) if unicodedata.category(ch) in UNSAFE_CATEGORIES else ch for ch in text
    )


def is_inert(text: str) -> bool:
    """True when ``text`` holds no character :func:`neutralise` would replace."""
    return neutralise(text) == text


def escape_bytes(data: bytes) -> str:
    """Raw device bytes as text: printable ASCII kept, every other byte (and ``\\``) as
    ``\\xNN``, CR and LF included, so binary banners stay byte-exact for signatures."""
    return "".join(chr(b) if 0x20 <= b < 0x7F and b != 0x5C else f"\\x{b:02x}" for b in data)


def device_text(value: str | bytes, limit: int = MAX_VALUE_CHARS) -> str:
    """Device text for an observation value: one line, inert, at most ``limit`` characters.

    Bytes go through :func:`escape_bytes` (decode first for text in a known charset);
    whitespace runs become one space and the ends are trimmed.
    """
    if isinstance(value, bytes):
        value = escape_bytes(value[: limit * 2])
    flat = _WHITESPACE.sub(" ", value[: limit * 2]).strip()
    return neutralise(flat)[:limit]


def clean(text: str | None, limit: int = 200, *, one_line: bool = True) -> str:
    """A device string made inert for a terminal or a cell, ending in "…" past ``limit``.

    ``one_line=False`` keeps newlines and tabs, for multi-line text such as policy notes.
    """
    if not text:
        return ""
    if one_line:
        cleaned = neutralise(_NEWLINES.sub(" ", text))
    else:
        cleaned = "".join(
            part if part in ("\n", "\t", "\r\n") else neutralise(part)
            for part in re.split(r"(\r\n|\n|\t)", text)
        )
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned


# Spreadsheet apps run cells starting with these as formulas (CSV injection); they skip
# leading blanks first, so the check looks past them.
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(text: str | None, limit: int = 500) -> str:
    """A device string for a CSV cell: cleaned, and never starting like a formula."""
    value = clean(text, limit)
    return "'" + value if value.lstrip(" ").startswith(_FORMULA) else value

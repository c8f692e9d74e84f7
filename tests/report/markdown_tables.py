"""Test helper: the GFM tables of a Markdown text and the check that no row gains a cell."""

from __future__ import annotations

import re


def tables(text: str) -> list[list[str]]:
    """Each run of consecutive lines starting with '|' is one table (its rows, header first)."""
    found: list[list[str]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                found.append([])
            found[-1].append(line)
        previous = line
    return found


def assert_rows_match_headers(text: str) -> list[list[str]]:
    """Every row has its header's number of unescaped '|': a '|' in a device string is escaped
    and cannot add a column. Returns the tables."""
    found = tables(text)
    for rows in found:
        assert len({len(re.findall(r"(?<!\\)\|", row)) for row in rows}) == 1, rows[0]
    return found

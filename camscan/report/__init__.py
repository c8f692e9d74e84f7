"""Report formats: one module per format, chosen by the :class:`Format` enum.

``render(doc, fmt)`` returns the whole report as text; the CLI decides where it goes.
Every device-supplied string is neutralised for the target medium inside each renderer.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from camscan.models import ScanDocument


class Format(StrEnum):
    """The ``--format`` choices."""

    TABLE = "table"
    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    HTML = "html"
    MARKDOWN = "markdown"


def _renderer(fmt: Format) -> Callable[..., str]:
    # Imported lazily so `--format json` never loads rich.
    if fmt is Format.TABLE:
        from camscan.report.table import render_table

        return render_table
    if fmt is Format.TEXT:
        from camscan.report.text import render_text

        return render_text
    if fmt is Format.JSON:
        from camscan.report.jsonfmt import render_json

        return render_json
    if fmt is Format.JSONL:
        from camscan.report.jsonfmt import render_jsonl

        return render_jsonl
    if fmt is Format.CSV:
        from camscan.report.csvfmt import render_csv

        return render_csv
    if fmt is Format.HTML:
        from camscan.report.html import render_html

        return render_html
    from camscan.report.markdown import render_markdown

    return render_markdown


def render(doc: ScanDocument, fmt: Format | str, *, color: bool = False, width: int = 120) -> str:
    """The report for ``doc`` in format ``fmt``; ``color``/``width`` matter only for tables."""
    chosen = Format(fmt)
    if chosen is Format.TABLE:
        return _renderer(chosen)(doc, color=color, width=width)
    return _renderer(chosen)(doc)


SUFFIX = {
    Format.TABLE: ".txt",
    Format.TEXT: ".txt",
    Format.JSON: ".json",
    Format.JSONL: ".jsonl",
    Format.CSV: ".csv",
    Format.HTML: ".html",
    Format.MARKDOWN: ".md",
}

__all__ = ["SUFFIX", "Format", "render"]

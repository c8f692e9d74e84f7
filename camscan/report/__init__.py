"""Report formats: one module per format, registered in :data:`RENDERERS` by :class:`Format`.

``render(doc, fmt)`` returns the whole report as text; the CLI decides where it goes.
Every device-supplied string is neutralised for the target medium inside each renderer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from camscan.models import ScanDocument
from camscan.report import csvfmt, html, jsonfmt, markdown, table, text


class Format(StrEnum):
    """The ``--format`` choices."""

    TABLE = "table"
    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    HTML = "html"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class Style:
    """Terminal facts only the table format uses: colour and width in columns."""

    color: bool = False
    width: int = 120


Renderer = Callable[[ScanDocument, Style], str]

RENDERERS: Mapping[Format, Renderer] = {
    Format.TABLE: lambda doc, style: table.render_table(doc, color=style.color, width=style.width),
    Format.TEXT: lambda doc, _: text.render_text(doc),
    Format.JSON: lambda doc, _: jsonfmt.render_json(doc),
    Format.JSONL: lambda doc, _: jsonfmt.render_jsonl(doc),
    Format.CSV: lambda doc, _: csvfmt.render_csv(doc),
    Format.HTML: lambda doc, _: html.render_html(doc),
    Format.MARKDOWN: lambda doc, _: markdown.render_markdown(doc),
}

SUFFIX: Mapping[Format, str] = {
    Format.TABLE: ".txt",
    Format.TEXT: ".txt",
    Format.JSON: ".json",
    Format.JSONL: ".jsonl",
    Format.CSV: ".csv",
    Format.HTML: ".html",
    Format.MARKDOWN: ".md",
}


def render(doc: ScanDocument, fmt: Format | str, *, color: bool = False, width: int = 120) -> str:
    """The report for ``doc`` in format ``fmt``; ``color``/``width`` matter only for tables."""
    return RENDERERS[Format(fmt)](doc, Style(color=color, width=width))


__all__ = ["RENDERERS", "SUFFIX", "Format", "Style", "render"]

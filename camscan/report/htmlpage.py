"""The shell every HTML report shares: CSP, stylesheet (screen and A4 print) and escaping.

Every device string goes through :func:`e` (control characters made visible, then HTML-escaped)
and the Content-Security-Policy forbids script and any network fetch, so a hostile camera name
cannot run code in the reader's browser even if an escape were missed.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from camscan.sanitize import clean

# A table cell: escaped HTML, or (CSS class, escaped HTML); None is a column left out.
Cell = str | tuple[str, str] | None

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

# Words break only between words; tokens (addresses, MACs, ports, clauses: class nw) never
# wrap at all. Only device-supplied free text (class dt) may break inside a word, and only when
# the table cannot fit otherwise (a hostile 300-character token must not push the page
# sideways); a policy's source URL may break anywhere too. Print: A4 portrait, evidence stays
# folded; print and windows narrower than 60em leave out the ports column (class noprint), and
# such windows get tables in smaller type.
CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:1240px;padding:0 1em;
color:#1a1a1a;background:#fff}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.4em 0 .4em}
h3{font-size:1em;margin:.2em 0}
.meta{color:#555;margin:.1em 0}.summary{font-weight:600;margin:.6em 0}
table{border-collapse:collapse;margin:.3em 0}
th,td{border:1px solid #ccc;padding:.2em .45em;text-align:left;vertical-align:top;
overflow-wrap:break-word}
.dt{overflow-wrap:anywhere}
th{background:#f2f2f2}
td.n,th.n{text-align:right}
.wide{width:100%}
.nw{white-space:nowrap}
.tiles{display:flex;flex-wrap:wrap;gap:.6em;margin:.6em 0}
.tile{border:1px solid #ccc;border-radius:4px;padding:.3em .8em;min-width:8em}
.tile b{display:block;font-size:1.6em}
.tile.restricted{border-color:#c62828}.tile.unidentified{border-color:#8e24aa}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1em;
align-items:start}
.grid table{width:100%;font-size:.92em}.grid td{padding:.05em .45em}
.grid.wide2{grid-template-columns:repeat(auto-fit,minmax(520px,1fr))}
.chart{width:100%;max-width:560px;height:auto}
.restricted{background:#fde2e1}.suspected{background:#fff4d6}.unidentified{background:#f3e5f5}
.acknowledged{background:#eef}
.tag{display:inline-block;padding:0 .4em;border-radius:3px;font-size:.85em;font-weight:600;
white-space:nowrap}
.tag.restricted{background:#c62828;color:#fff}.tag.suspected{background:#f9a825}
.tag.unidentified{background:#8e24aa;color:#fff}
.tag.acknowledged{background:#5c6bc0;color:#fff}.tag.clear{background:#ddd}
.notrun{border-left:6px solid #f9a825;padding:.2em .8em;background:#fffbea}
details{margin:.3em 0;border:1px solid #ddd;padding:.2em .6em}
summary{cursor:pointer}
code{font-size:.9em}
.legend{color:#555;font-size:.9em}
@media (max-width:60em){.noprint{display:none}table{font-size:.9em}th,td{padding:.15em .3em}}
@page{size:A4 portrait;margin:12mm}
@media print{
body{font-size:8pt;margin:0;max-width:none;padding:0}
.noprint{display:none}
.grid{grid-template-columns:1fr 1fr}.grid.wide2{grid-template-columns:1fr}
.chart{max-width:100%}
tr,details,.tile,svg{break-inside:avoid}
h2{break-after:avoid}
th,td{padding:.1em .3em}
}
"""


def e(text: str | None, limit: int = 300) -> str:
    """A device or document string, cleaned and HTML-escaped (quotes too)."""
    return html.escape(clean(text, limit), quote=True)


def words(text: str | None, limit: int = 300, longest: int = 24) -> str:
    """Device text for a ``dt`` cell: each word up to ``longest`` characters is kept whole
    (``nw``), so only a pathological longer token can break inside; '—' when empty."""
    cleaned = clean(text, limit)
    if not cleaned:
        return "—"
    return " ".join(
        f"<span class='nw'>{html.escape(w, quote=True)}</span>"
        if len(w) <= longest
        else html.escape(w, quote=True)
        for w in cleaned.split(" ")
    )


def page(title: str, body: str) -> str:
    """A complete self-contained document around ``body`` (already escaped HTML)."""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n"
    )


def _cells(tag: str, cells: Iterable[Cell]) -> str:
    return "".join(
        f"<{tag}>{c}</{tag}>" if isinstance(c, str) else f"<{tag} class='{c[0]}'>{c[1]}</{tag}>"
        for c in cells
        if c is not None
    )


def row(cells: Iterable[Cell], cls: str = "") -> str:
    """One ``<tr>`` of ``<td>`` cells (escaped HTML), with an optional row class."""
    start = f"<tr class='{cls}'>" if cls else "<tr>"
    return start + _cells("td", cells) + "</tr>"


def table(
    head: Sequence[Cell], rows: Iterable[str], *, ident: str = "", wide: bool = True,
    empty: str = "",
) -> str:  # fmt: skip
    """A table: a header row of ``head`` (escaped HTML) above ``rows`` (from :func:`row`);
    ``empty`` (escaped HTML), spanning every column, stands in for no rows when given."""
    body = "".join(rows)
    if not body and empty:
        body = f"<tr><td colspan={sum(c is not None for c in head)}>{empty}</td></tr>"
    attrs = (" class='wide'" if wide else "") + (f" id='{ident}'" if ident else "")
    return f"<table{attrs}><tr>{_cells('th', head)}</tr>{body}</table>"


def count_table(caption: str, rows: list[tuple[str, int]]) -> str:
    """A two-column table of counts, largest first; 'none' when empty."""
    ordered = sorted(rows, key=lambda kv: (-kv[1], kv[0]))
    return table(
        [e(caption), ("n", "devices")],
        (row([("dt", words(k, 80)), ("n", str(n))]) for k, n in ordered),
        wide=False,
        empty="none",
    )

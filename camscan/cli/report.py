"""`camscan report`: the organisation report from history (no scanning).

Formats: ``text`` (aligned plain text; the default on a terminal), ``json`` (the
:class:`camscan.estate.Estate` model; the default otherwise), ``csv`` (every current device),
``worklist`` (the removal worklist CSV: restricted devices with location, clause, first seen,
acknowledgement), ``cyclonedx`` (a CycloneDX 1.6 hardware BOM), ``html`` (one self-contained
file with trend charts) and ``markdown``.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from camscan.cli.history import db_options, open_history
from camscan.cli.output import CamscanUsageError
from camscan.estate import Estate
from camscan.export.bom import estate_bom
from camscan.export.tables import devices_csv, worklist_csv
from camscan.files import write_atomic
from camscan.report.estate_html import render_estate_html
from camscan.report.estate_md import render_estate_markdown
from camscan.report.estate_text import render_estate_text
from camscan.store import HistoryError


def _json(estate: Estate) -> str:
    return estate.model_dump_json(indent=2) + "\n"


RENDERERS = {
    "text": render_estate_text,
    "json": _json,
    "csv": devices_csv,
    "worklist": worklist_csv,
    "cyclonedx": estate_bom,
    "html": render_estate_html,
    "markdown": render_estate_markdown,
}


_BY_SUFFIX = {".html": "html", ".htm": "html", ".md": "markdown", ".csv": "csv",
              ".json": "json", ".txt": "text"}  # fmt: skip


@click.command("report")
@click.option(
    "--format", "-f", "fmt", type=click.Choice(list(RENDERERS)),
    help="text (aligned, for a terminal), json, csv (devices), worklist (removal CSV), "
    "cyclonedx (BOM), html (one file with charts), markdown "
    "[default: from the -o suffix, else text on a terminal, else json].",
)  # fmt: skip
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Changes since this day (YYYY-MM-DD) [default: since each site's previous run].",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE.")
@db_options
def report_cmd(
    fmt: str | None, since: object, output: str | None, db: str | None, site: str | None,
    config_file: str | None,
) -> None:  # fmt: skip
    """Report the estate from history: one site (--site NAME) or every site (--site all).

    Counts by site, maker, label and policy; restricted devices with their location; what is
    new, back, gone or changed; acknowledgements and their expiry; restricted devices over time.
    Exit 0 (findings are reported, not failed on), or 2 for a usage error, an unknown site or
    an unreadable history.
    """
    since_day = since.date() if hasattr(since, "date") else None
    if since_day is not None and since_day > date.today():
        raise CamscanUsageError(f"--since {since_day} is in the future")
    with open_history(db, site, config_file) as history:
        try:
            estate = history.estate(since=since_day)
        except HistoryError as exc:
            raise CamscanUsageError(str(exc)) from exc
    if not estate.sites:
        raise CamscanUsageError(f"no site {history.site!r} in the history")
    if fmt is None:
        tty = output is None and sys.stdout.isatty()
        fmt = _BY_SUFFIX.get(Path(output).suffix.lower(), "json") if output else None
        fmt = fmt or ("text" if tty else "json")
    text = RENDERERS[fmt](estate)
    if output:
        try:
            write_atomic(Path(output), text)
        except OSError as exc:
            raise CamscanUsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
        click.echo(f"report written to {output}", err=True)
    else:
        click.echo(text, nl=False)

"""`camscan identify FILE`: re-identify a saved scan document offline."""

from __future__ import annotations

from pathlib import Path

import click

from camscan.cli.common import policy_option, signatures_option
from camscan.cli.output import OutputOptions, finish, output_options
from camscan.document import load_document
from camscan.signatures import load_signatures
from camscan.verdict import annotate


@click.command("identify")
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@policy_option
@signatures_option
@output_options
def identify_cmd(
    source: str, policies: tuple[str, ...], signature_dirs: tuple[Path, ...], opts: OutputOptions
) -> None:
    """Identify every device of a scan document (FILE, or - for stdin) again.

    Uses each device's observations and MAC with the current signatures and policies, and
    writes the same document (--format json) or a report.
    """
    doc = load_document(source)
    doc = annotate(doc, policies=policies, sigset=load_signatures(signature_dirs))
    raise SystemExit(finish(doc, opts, record=False))

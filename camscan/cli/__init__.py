"""The `camscan` command line. The core never prints; these modules render."""

from __future__ import annotations

import click

from camscan import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="camscan")
def main() -> None:
    """Find CCTV cameras and recorders and say, with evidence, who really made them.

    Use only on networks you are authorised to audit.
    """


def _register() -> None:
    from camscan.cli.signatures import signatures_group

    main.add_command(signatures_group)


_register()

"""The `camscan` command line. The core never prints; these modules render."""

from __future__ import annotations

import click

from camscan import __version__
from camscan.exitcodes import ExitCode


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from camscan.signatures import default_dir
    from camscan.signatures.loader import load_meta

    meta = load_meta(default_dir())
    click.echo(f"camscan {__version__} (signatures {meta['version']}, {meta['date']})")
    ctx.exit()


class _Group(click.Group):
    """Turns known input errors into a message and exit code 2 instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from camscan.document import DocumentError
        from camscan.policy import PolicyNotFound
        from camscan.signatures import SignatureError

        try:
            return super().invoke(ctx)
        except (DocumentError, PolicyNotFound, SignatureError) as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(int(ExitCode.USAGE))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Show the tool and signature-set versions and exit.",
)
def main() -> None:
    """Find CCTV cameras and recorders and say, with evidence, who really made them.

    Use only on networks you are authorised to audit.
    """


def _register() -> None:
    from camscan.cli.identify import identify_cmd
    from camscan.cli.policies import policies_group
    from camscan.cli.signatures import signatures_group

    main.add_command(signatures_group)
    main.add_command(policies_group)
    main.add_command(identify_cmd)

    from camscan.cli.config import config_group
    from camscan.cli.history import ack_command, diff_command, history_command

    main.add_command(history_command)
    main.add_command(diff_command)
    main.add_command(ack_command)

    from camscan.cli.report import report_cmd

    main.add_command(report_cmd)
    main.add_command(config_group)

    from camscan.cli.scan import scan_cmd

    main.add_command(scan_cmd)

    from camscan.cli.demo import demo_cmd
    from camscan.cli.lab import lab_group

    main.add_command(lab_group)
    main.add_command(demo_cmd)


_register()

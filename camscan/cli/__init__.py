"""The `camscan` command line. The core never prints; these modules render."""

from __future__ import annotations

import importlib

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
    """Turns known input errors into a message and exit code 2 instead of a traceback, and
    imports each subcommand's module only when that subcommand is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            module, attr = _COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        from camscan.document import DocumentError
        from camscan.policy import PolicyNotFound
        from camscan.signatures import SignatureError

        try:
            return super().invoke(ctx)
        except (DocumentError, PolicyNotFound, SignatureError) as exc:
            click.echo(f"Error: {exc}", err=True)
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


# Subcommands are imported when used: `camscan scan --no-db` does not pay for the history
# store (SQLAlchemy, Alembic), the BOM exporter or the lab (docs/benchmarks.md, start-up).
_COMMANDS = {
    "signatures": ("camscan.cli.signatures", "signatures_group"),
    "policies": ("camscan.cli.policies", "policies_group"),
    "identify": ("camscan.cli.identify", "identify_cmd"),
    "history": ("camscan.cli.history", "history_command"),
    "diff": ("camscan.cli.history", "diff_command"),
    "ack": ("camscan.cli.ack", "ack_command"),
    "report": ("camscan.cli.report", "report_cmd"),
    "config": ("camscan.cli.config", "config_group"),
    "scan": ("camscan.cli.scan", "scan_cmd"),
    "lab": ("camscan.cli.lab", "lab_group"),
    "demo": ("camscan.cli.demo", "demo_cmd"),
}

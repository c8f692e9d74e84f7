"""`camscan config show`: the effective configuration, secrets masked, loose permissions flagged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from camscan.cli.output import CamscanUsageError
from camscan.config import ConfigError, default_paths, env_table, load_config, secret_warnings
from camscan.config import shown as shown_config


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def to_toml(data: dict[str, Any]) -> str:
    """Sections of scalars and lists as TOML (``[[name]]`` for arrays of tables, such as
    ``[[infra]]``); unset (None) values shown as comments."""
    lines: list[str] = []
    for section, body in data.items():
        tables = body if isinstance(body, list) else [body]
        for values in tables:
            lines.append(f"[[{section}]]" if isinstance(body, list) else f"[{section}]")
            for key, value in values.items():
                if value is None:
                    lines.append(f"# {key} = (not set)")
                else:
                    lines.append(f"{key} = {_toml_value(value)}")
            lines.append("")
    return "\n".join(lines)


@click.group("config")
def config_group() -> None:
    """Inspect camscan's configuration."""


@config_group.command("show")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--format", "-f", "fmt", type=click.Choice(["toml", "json"]), default="toml")
@click.option("--env", "show_env", is_flag=True, help="List the CAMSCAN_* variables instead.")
def show(config_file: str | None, fmt: str, show_env: bool) -> None:
    """Print the effective configuration (files + CAMSCAN_* variables), secrets masked."""
    if show_env:
        for variable, key, kind in env_table():
            click.echo(f"{variable:<32} {key:<24} {kind}")
        return
    try:
        config = load_config(Path(config_file) if config_file else None)
    except ConfigError as exc:
        raise CamscanUsageError(str(exc)) from exc
    data = shown_config(config)
    if fmt == "json":
        click.echo(json.dumps({"files": [str(f) for f in config.files], **data}, indent=2))
    else:
        read = ", ".join(str(f) for f in config.files) or "none (looked in: "
        if not config.files:
            read += ", ".join(str(p) for p in default_paths()) + ")"
        click.echo(f"# files read: {read}")
        click.echo(to_toml(data), nl=False)
    for warning in secret_warnings(config):
        click.echo(f"camscan: warning: {warning}", err=True)

"""`camscan history`, `camscan diff` and `camscan ack`: reading and annotating scan history."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import click

from camscan.cli.output import CamscanUsageError
from camscan.config import ConfigError, load_config
from camscan.diff import diff_states, render_diff_json, render_diff_text
from camscan.exitcodes import ExitCode
from camscan.oui import normalise_mac
from camscan.sanitize import clean
from camscan.store import History, HistoryError, default_db_path

_KEY = re.compile(r"^(mac|serial|wsd|ip):.+")


def _db_path(db: str | None, config_file: str | None) -> Path:
    if db:
        return Path(db)
    try:
        config = load_config(Path(config_file) if config_file else None)
    except ConfigError as exc:
        raise CamscanUsageError(str(exc)) from exc
    return config.history.db or default_db_path()


def _open(db: Path, *, must_exist: bool = True) -> History:
    if must_exist and not db.exists():
        raise CamscanUsageError(f"no scan history at {db} yet (run `camscan scan` first)")
    history = History(db)
    try:
        history.open()
    except HistoryError as exc:
        raise CamscanUsageError(str(exc)) from exc
    return history


def _db_options(func: click.decorators.FC) -> click.decorators.FC:
    func = click.option(
        "--config", "config_file", type=click.Path(dir_okay=False), help="Config file (TOML)."
    )(func)
    return click.option(
        "--db", type=click.Path(dir_okay=False), help="History database [default: user data dir]."
    )(func)


@click.command("history")
@click.option("--limit", "-n", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--device", "-d", help="Show one device over time (MAC, serial, address or key).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text")
@_db_options
def history_command(
    limit: int, device: str | None, fmt: str, db: str | None, config_file: str | None
) -> None:
    """List recorded runs, or one device's history."""
    with _open(_db_path(db, config_file)) as history:
        if device is None:
            runs = history.runs(limit)
            if fmt == "json":
                click.echo(json.dumps([r.__dict__ for r in runs], indent=2, default=list))
                return
            click.echo(f"{'run':>5}  {'recorded (UTC)':<25} {'devices':>7} {'restr.':>6}  state")
            for r in runs:
                state = (
                    "interrupted" if r.interrupted else ("complete" if r.complete else "partial")
                )
                click.echo(
                    f"{r.id:>5}  {r.recorded_at:<25} {r.devices:>7} {r.restricted:>6}  {state}"
                    f"  {clean(' '.join(r.scope), 80)}"
                )
            return
        keys = history.resolve(device)
        if not keys:
            raise CamscanUsageError(f"no device {device!r} in the history")
        rows = [(k, run, state) for k in keys for run, state in history.device_history(k, limit)]
        if fmt == "json":
            click.echo(
                json.dumps(
                    [{"run": r.id, "recorded_at": r.recorded_at, **s.__dict__} for _, r, s in rows],
                    indent=2,
                    default=list,
                )
            )
            return
        for key, run, s in rows:
            flag = " RESTRICTED" if s.restricted else (" suspected" if s.suspected else "")
            ack = f" (acknowledged: {clean(s.acknowledged, 60)})" if s.acknowledged else ""
            click.echo(
                f"run {run.id} {run.recorded_at} {clean(key)} {clean(s.address)} "
                f"{clean(s.vendor) or 'unknown'} {clean(s.model) or '?'} "
                f"fw {clean(s.firmware) or '?'} ports {' '.join(map(str, s.ports)) or '-'}"
                f"{flag}{ack}"
            )


@click.command("diff")
@click.argument("runs", nargs=-1, type=int)
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text")
@_db_options
def diff_command(runs: tuple[int, ...], fmt: str, db: str | None, config_file: str | None) -> None:
    """Compare two runs (default: the last two complete runs). Exit 1 when they differ."""
    if len(runs) not in (0, 2):
        raise CamscanUsageError("give two run ids (RUN_A RUN_B), or none for the last two runs")
    with _open(_db_path(db, config_file)) as history:
        try:
            if runs:
                old, new = history.run(runs[0]), history.run(runs[1])
            else:
                latest = history.runs(2, complete_only=True)
                if len(latest) < 2:
                    raise CamscanUsageError("fewer than two complete runs in the history")
                new, old = latest
            result = diff_states(history.states(old.id), history.states(new.id))
        except HistoryError as exc:
            raise CamscanUsageError(str(exc)) from exc
    if fmt == "json":
        click.echo(render_diff_json(result, old.id, new.id), nl=False)
    else:
        click.echo(
            render_diff_text(
                result, f"run {old.id} {old.recorded_at}", f"run {new.id} {new.recorded_at}"
            ),
            nl=False,
        )
    raise SystemExit(int(ExitCode.OK if result.empty else ExitCode.FINDINGS))


def _ack_key(history: History, ref: str) -> str:
    keys = history.resolve(ref)
    if len(keys) == 1:
        return keys[0]
    if len(keys) > 1:
        raise CamscanUsageError(
            f"{ref!r} matches several devices: {', '.join(keys)}; give one of these keys"
        )
    if _KEY.match(ref):
        return ref
    if mac := normalise_mac(ref):
        return "mac:" + mac
    raise CamscanUsageError(
        f"no device {ref!r} in the history; give a MAC or a key such as serial:ABC123"
    )


@click.command("ack")
@click.argument("device", required=False)
@click.option("--reason", "-r", help="Why this device is accepted (shown in every report).")
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day the acknowledgement holds (YYYY-MM-DD).",
)
@click.option("--list", "list_", is_flag=True, help="List acknowledgements.")
@click.option("--remove", is_flag=True, help="Withdraw the acknowledgement of DEVICE.")
@_db_options
def ack_command(
    device: str | None,
    reason: str | None,
    until: object,
    list_: bool,
    remove: bool,
    db: str | None,
    config_file: str | None,
) -> None:
    """Acknowledge a known device: still reported (marked), no longer fails the run or mails."""
    path = _db_path(db, config_file)
    if list_:
        if device or remove:
            raise CamscanUsageError("--list takes no DEVICE and no --remove")
        with _open(path) as history:
            today = date.today()
            for ack in history.acks().values():
                until_text = f" until {ack.until}" if ack.until else ""
                state = "" if ack.active(today) else " (EXPIRED)"
                click.echo(f"{clean(ack.key)}{until_text}{state}: {clean(ack.reason, 300)}")
        return
    if not device:
        raise CamscanUsageError("give a DEVICE (MAC, serial, address or key), or --list")
    with _open(path, must_exist=False) as history:
        key = _ack_key(history, device)
        if remove:
            if not history.remove_ack(key):
                raise CamscanUsageError(f"{key} was not acknowledged")
            click.echo(f"acknowledgement of {clean(key)} removed", err=True)
            return
        if not reason or not reason.strip():
            raise CamscanUsageError("--reason is required: say why the device is accepted")
        until_day = until.date() if hasattr(until, "date") else None
        if until_day is not None and until_day < date.today():
            raise CamscanUsageError(f"--until {until_day} is in the past")
        history.add_ack(key, reason.strip(), until_day)
        click.echo(f"acknowledged {clean(key)}", err=True)

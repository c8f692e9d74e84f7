"""`camscan history` and `camscan diff`: reading scan history (`camscan ack` annotates it).

Each works on one site (``--site``, ``[history] site``, default this host's name) or on every
site (``--site all``).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from camscan.cli.output import CamscanUsageError, resolve_db, resolve_site
from camscan.config import Config, ConfigError, load_config
from camscan.diff import RunDiff, render_diff_json, render_diff_text
from camscan.document import load_document
from camscan.exitcodes import ExitCode
from camscan.sanitize import clean
from camscan.store import SITE_ALL, DeviceState, History, HistoryError, RunInfo, run_lock
from camscan.store.history import state_word
from camscan.words import plural

_KEEP = re.compile(r"^\s*(\d{1,5})\s*([dwy])\s*$")
_KEEP_DAYS = {"d": 1, "w": 7, "y": 365}
_GROUP_OPTIONS = "camscan.history.options"  # ctx.meta key: --db/--site/--config of the group


def _config(config_file: str | None) -> Config:
    try:
        return load_config(Path(config_file) if config_file else None)
    except ConfigError as exc:
        raise CamscanUsageError(str(exc)) from exc


def open_history(
    db: str | None, site: str | None, config_file: str | None, *, must_exist: bool = True,
    new_site: bool = False,
) -> History:  # fmt: skip
    """Open the configured history for one site or every site (usage error when impossible).

    The one site rule: a named site (also the default, the host name) must have recorded runs,
    else the error names the sites that have; ``new_site`` lifts it where making the site is
    the point (``history import``).
    """
    config = _config(config_file)
    target = resolve_db(db, config)
    if target is None:
        raise CamscanUsageError("history is disabled in the config ([history] enabled = false)")
    if must_exist and not target.exists():
        raise CamscanUsageError(f"no scan history at {target} yet (run `camscan scan` first)")
    history = History(target, resolve_site(site, config))
    try:
        history.open()
        if not new_site and history.site != SITE_ALL:
            known = history.sites_with_runs()
            if history.site not in known:
                history.close()
                where = f"sites: {', '.join(known)}" if known else "no runs recorded yet"
                origin = "" if site else " (the default site; choose one with --site)"
                raise CamscanUsageError(
                    f"no site {history.site!r}{origin} in the history at {target} ({where})"
                )
    except HistoryError as exc:
        history.close()
        raise CamscanUsageError(str(exc)) from exc
    return history


def db_options(func: click.decorators.FC) -> click.decorators.FC:
    """``--db``, ``--site`` and ``--config`` for the commands that read history."""
    func = click.option(
        "--config", "config_file", type=click.Path(dir_okay=False), help="Config file (TOML)."
    )(func)
    func = click.option(
        "--site", help="Site name, or 'all' for every site [default: [history] site, host name]."
    )(func)
    return click.option(
        "--db", help="History: SQLite file or postgresql:// URL [default: user data dir]."
    )(func)


@click.group("history", invoke_without_command=True)
@click.option("--limit", "-n", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--device", "-d", help="Show one device over time (MAC, serial, address or key).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text")
@db_options
@click.pass_context
def history_command(
    ctx: click.Context, limit: int, device: str | None, fmt: str, db: str | None,
    site: str | None, config_file: str | None,
) -> None:  # fmt: skip
    """List recorded runs (newest first), or one device's history (oldest first).

    'restr.' counts restricted devices that are not acknowledged; 'ack.' the acknowledged ones.
    --db, --site and --config given here apply to the subcommand too (history --db X prune).
    A site with no recorded runs is an error naming the sites that have runs.
    Exit 0, or 2 for a usage error, an unknown site or device or a missing/unreadable history.
    """
    if ctx.invoked_subcommand is not None:
        listing = [f"--{p.name}" for p in ctx.command.params if p.name in ("limit", "device", "fmt")
                   and ctx.get_parameter_source(p.name) is not ParameterSource.DEFAULT]  # fmt: skip
        if listing:
            raise CamscanUsageError(
                f"{', '.join(listing).replace('--fmt', '--format')} lists runs; it does not "
                f"apply to `history {ctx.invoked_subcommand}`"
            )
        ctx.meta[_GROUP_OPTIONS] = {"db": db, "site": site, "config_file": config_file}
        return
    with open_history(db, site, config_file) as history:
        if device is None:
            runs = history.runs(limit)
            if fmt == "json":
                click.echo(json.dumps([r.__dict__ for r in runs], indent=2, default=list))
                return
            click.echo(
                f"{'run':>5}  {'site':<12} {'recorded (UTC)':<25} {'devices':>7} {'restr.':>6}"
                f" {'ack.':>4}  state"
            )
            for r in runs:
                click.echo(
                    f"{r.id:>5}  {clean(r.site, 12):<12} {r.recorded_at:<25} {r.devices:>7}"
                    f" {r.restricted:>6} {r.acknowledged:>4}  {state_word(r)}"
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
                [{"run": r.id, "site": r.site, "recorded_at": r.recorded_at, **s.__dict__}
                 for _, r, s in rows],
                indent=2, default=list,
            )
        )  # fmt: skip
        return
    for key, run, s in rows:
        flag = " RESTRICTED" if s.restricted else (" suspected" if s.suspected else "")
        ack = f" (acknowledged: {clean(s.acknowledged, 60)})" if s.acknowledged else ""
        recorder, _, channel = (s.behind or "").rpartition("#")
        where = f" behind {clean(recorder)} channel {clean(channel)}" if s.behind else ""
        where += _plugged(s)
        maker = clean(s.vendor) or "unknown"
        if s.brand and s.brand != s.vendor:
            maker += f" (sold as {clean(s.brand, 60)})"
        mac = f" mac {clean(s.mac, 40)}" if s.mac and not key.endswith(f"mac:{s.mac}") else ""
        click.echo(
            f"run {run.id} {clean(run.site)} {run.recorded_at} {clean(key)} {clean(s.address)}"
            f"{where} {maker} {clean(s.model) or '—'} fw {clean(s.firmware) or '—'}{mac} "
            f"ports {' '.join(map(str, s.ports)) or '-'}{flag}{ack}"
        )


def _plugged(s: DeviceState) -> str:
    """' at sw1 port 10 vlan 20'; for a camera on its recorder's PoE switch ' port PoE3'."""
    if not s.switch:
        return ""
    on_recorder = s.behind is not None and s.switch == s.reached_at
    text = "" if on_recorder else f" at {clean(s.switch, 60)}"
    text += f" port {clean(s.switch_port, 40)}" if s.switch_port else ""
    return text + (f" vlan {s.vlan}" if s.vlan is not None else "")


def _inherit(db: str | None, site: str | None, config_file: str | None) -> dict[str, Any]:
    """A subcommand's ``--db/--site/--config``, taking each from ``camscan history`` when given
    there (``history --db X prune``); the same option given differently at both levels is an
    error rather than a guess."""
    outer = click.get_current_context().meta.get(_GROUP_OPTIONS, {})
    own = {"db": db, "site": site, "config_file": config_file}
    for name, value in own.items():
        given = outer.get(name)
        if value is not None and given is not None and value != given:
            flag = "--config" if name == "config_file" else f"--{name}"
            raise CamscanUsageError(f"{flag} given twice ({given!r} and {value!r}); give it once")
        own[name] = value if value is not None else given
    return own


def _keep(value: str) -> timedelta:
    match = _KEEP.match(value)
    if not match or int(match.group(1)) == 0:
        raise CamscanUsageError(f"--keep {value!r}: give a period such as 400d, 12w or 2y")
    return timedelta(days=int(match.group(1)) * _KEEP_DAYS[match.group(2)])


@history_command.command("prune")
@click.option("--keep", required=True, help="Keep runs recorded in this period (400d, 12w, 2y).")
@db_options
def prune_command(keep: str, db: str | None, site: str | None, config_file: str | None) -> None:
    """Delete runs older than --keep (and the device states only they referenced)."""
    cutoff = datetime.now(UTC) - _keep(keep)
    with open_history(**_inherit(db, site, config_file)) as history:
        removed = history.prune(cutoff)
        where = "every site" if history.site == SITE_ALL else f"site {history.site}"
    click.echo(
        f"pruned {plural(removed, 'run')} of {clean(where)} recorded before "
        f"{cutoff:%Y-%m-%d %H:%M} UTC",
        err=True,
    )


@history_command.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--force", is_flag=True, help="Record a document the site has recorded already.")
@db_options
def import_command(
    files: tuple[str, ...], force: bool, db: str | None, site: str | None,
    config_file: str | None,
) -> None:  # fmt: skip
    """Record saved scan documents (`scan -f json`) as runs of one site, in the order given.

    Each run is dated by the document's finish time and gets the site's acknowledgements. A
    document the site has recorded already (same start, finish, scope and devices) is skipped,
    saying so, unless --force: importing a folder twice does not double the history.
    """
    history = open_history(**_inherit(db, site, config_file), must_exist=False, new_site=True)
    if history.site == SITE_ALL:
        history.close()
        raise CamscanUsageError("give the site the documents belong to, not --site all")
    with run_lock(history.target, history.site), history:
        for name in files:
            doc = history.apply_acks(load_document(name), date.today())
            if not force and (earlier := history.recorded_as(doc)) is not None:
                click.echo(
                    f"{clean(name)}: already recorded as run {earlier} of site "
                    f"{clean(history.site)} (same start, finish, scope and devices); skipped "
                    "(--force records it again)",
                    err=True,
                )
                continue
            when = doc.finished_at or doc.started_at
            stamp = when.astimezone(UTC).isoformat(timespec="seconds") if when else None
            run_id = history.record(doc, recorded_at=stamp)
            click.echo(f"{clean(name)}: run {run_id} of site {clean(history.site)}", err=True)


def _site_diff(history: History, runs: tuple[int, ...]) -> tuple[RunDiff, RunInfo, RunInfo]:
    """Two given runs, else the site's last two complete runs (saying which newer runs were
    left out because they were interrupted or incomplete)."""
    if runs:
        old, new = history.run(runs[0]), history.run(runs[1])
        if old.site != new.site:
            raise CamscanUsageError(
                f"run {old.id} is of site {old.site} and run {new.id} of site {new.site}; "
                "a diff compares two runs of one site"
            )
        if history.site not in (SITE_ALL, new.site):
            raise CamscanUsageError(
                f"runs {old.id} and {new.id} are of site {new.site}, not {history.site}"
            )
        return history.compare(old, new), old, new
    latest = history.runs(2, complete_only=True)
    newer = [r for r in history.runs(20) if not latest or r.id > latest[0].id]
    skipped = ", ".join(f"run {r.id} was {state_word(r)}" for r in reversed(newer))
    if len(latest) < 2:
        where = f" of site {history.site}" if history.site != SITE_ALL else ""
        hint = f" ({skipped}; compare it by id: camscan diff A B)" if newer else ""
        raise CamscanUsageError(f"fewer than two complete runs{where} in the history{hint}")
    new, old = latest
    diff = history.compare(old, new)
    if newer:
        note = f"{skipped}; compared the last two complete runs, {old.id} and {new.id}"
        diff = replace(diff, notes=(note, *diff.notes))
    return diff, old, new


def _label(run: RunInfo) -> str:
    return f"run {run.id} {run.site} {run.recorded_at}"


def _fails(diff: RunDiff, fail_on: str) -> bool:
    """Whether ``diff`` makes `camscan diff` exit 1 under ``--fail-on``."""
    if fail_on == "changed":
        return not diff.empty
    if fail_on == "restricted":

        def act(s: DeviceState) -> bool:
            return s.restricted and not s.acknowledged

        return any(act(s) for s in (*diff.new, *diff.back)) or any(
            act(c.new) and not act(c.old) for c in diff.changed
        )
    return False


@click.command("diff")
@click.argument("runs", nargs=-1, type=int)
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--fail-on", type=click.Choice(["restricted", "changed", "never"]), default="restricted",
    show_default=True,
    help="What makes the exit code 1: restricted hardware that is new, back or newly "
    "restricted (as scan's 1: act); 'changed': any change; 'never'.",
)  # fmt: skip
@db_options
def diff_command(
    runs: tuple[int, ...], fmt: str, fail_on: str, db: str | None, site: str | None,
    config_file: str | None,
) -> None:  # fmt: skip
    """Compare two runs of one site (default: the site's last two complete runs).

    Only what both runs looked at is compared: devices outside a run's scope, missed by an
    interrupted run, or behind a recorder whose channels a run did not read, are listed as not
    compared; ports only on those both sweeps tried. With --site all and no run ids, each
    site's last two complete runs are compared. Runs of two different sites are refused.

    Exit 0: nothing --fail-on counts (the changes are still listed); 1: restricted hardware
    appeared (unacknowledged, new, back or newly restricted; with --fail-on changed: any
    change), read like scan's 1, "act"; 2: usage error, no such run or site, runs of two
    sites, fewer than two complete runs, or the history cannot be read.
    """
    if len(runs) not in (0, 2):
        raise CamscanUsageError("give two run ids (RUN_A RUN_B), or none for the last two runs")
    results: list[tuple[RunDiff, RunInfo, RunInfo]] = []
    chosen = site if site or not runs else SITE_ALL  # run ids name their own site
    with open_history(db, chosen, config_file) as history:
        try:
            if history.site == SITE_ALL and not runs:
                for name in history.site_names():
                    try:
                        results.append(_site_diff(history.at_site(name), ()))
                    except CamscanUsageError:
                        continue  # a site with fewer than two runs has nothing to compare
                if not results:
                    raise CamscanUsageError("no site has two complete runs in the history")
            else:
                results.append(_site_diff(history, runs))
        except HistoryError as exc:
            raise CamscanUsageError(str(exc)) from exc
    if fmt == "json":
        if len(results) == 1 and (runs or history.site != SITE_ALL):
            diff, old, new = results[0]
            click.echo(render_diff_json(diff, old.id, new.id), nl=False)
        else:
            data: dict[str, Any] = {
                new.site: {"old_run": old.id, "new_run": new.id, **diff.as_dict()}
                for diff, old, new in results
            }
            click.echo(json.dumps({"sites": data}, indent=2))
    else:
        for diff, old, new in results:
            click.echo(render_diff_text(diff, _label(old), _label(new)), nl=False)
    fails = any(_fails(diff, fail_on) for diff, _, _ in results)
    raise SystemExit(int(ExitCode.FINDINGS if fails else ExitCode.OK))

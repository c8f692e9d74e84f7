"""The output layer shared by `camscan scan` and `camscan identify`.

``@output_options`` adds the report/history/email flags and hands the command an
:class:`OutputOptions`; ``finish(doc, opts, record=...)`` applies acknowledgements, compares with
the previous run, records history, writes the report, sends the email and returns the exit code.

Exit codes follow :func:`camscan.exitcodes.exit_code`: findings (per ``--fail-on``) are never
hidden by a problem (1, or 5/6 with a problem); without findings the worst problem wins.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import platformdirs

from camscan.config import Config, ConfigError, load_config
from camscan.diff import RunDiff, diff_states
from camscan.exitcodes import ExitCode, exit_code
from camscan.files import write_atomic
from camscan.models import ScanDocument
from camscan.notify import NotifyError, build_message, decide, send
from camscan.report import SUFFIX, Format, render
from camscan.report.common import summarize
from camscan.store.engine import (
    SITE_ALL,
    HistoryError,
    StoreTarget,
    check_site,
    default_db_path,
    default_site,
    parse_target,
)
from camscan.store.identity import states_of
from camscan.words import plural

if TYPE_CHECKING:  # SQLAlchemy-free imports above: the store is imported when a run uses it
    from camscan.store.queries import RunInfo

FAIL_ON = ("restricted", "suspected", "unidentified", "new", "changed", "any", "never")
EMAIL_ON = ("findings", "changes", "always")
_BY_SUFFIX = {".json": Format.JSON, ".jsonl": Format.JSONL, ".csv": Format.CSV,
              ".html": Format.HTML, ".htm": Format.HTML, ".md": Format.MARKDOWN}  # fmt: skip

F = TypeVar("F", bound=Callable[..., Any])


class CamscanUsageError(click.ClickException):
    """A configuration or history problem: message on stderr, exit 2."""

    exit_code = int(ExitCode.USAGE)


@dataclass(frozen=True)
class OutputOptions:
    """Where and how a result is reported, recorded and mailed."""

    format: Format
    output: Path | None
    quiet: bool
    fail_on: str
    db: StoreTarget | None  # None: history off (--no-db)
    site: str  # the site runs are recorded under and compared within
    email: bool
    email_on: str
    color: bool
    progress: bool  # the engine may show progress (stderr is a terminal, not --quiet)
    config: Config


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def resolve_db(db: str | None, config: Config, *, no_db: bool = False) -> StoreTarget | None:
    """``--db`` / ``[history] db`` / the default file as a store target (None: history off)."""
    if no_db or not config.history.enabled:
        return None
    try:
        return parse_target(
            db or config.history.db or default_db_path(),
            password_env=config.history.password_env,
            password_file=config.history.password_file,
        )
    except HistoryError as exc:
        raise CamscanUsageError(str(exc)) from exc


def resolve_site(site: str | None, config: Config) -> str:
    """``--site`` / ``[history] site`` / this host's name, checked ('all' allowed)."""
    try:
        return check_site(site or config.history.site or default_site(), allow_all=True)
    except HistoryError as exc:
        raise CamscanUsageError(str(exc)) from exc


def resolve_options(
    *,
    fmt: str | None,
    output: str | None,
    quiet: bool,
    fail_on: str | None,
    db: str | None,
    no_db: bool,
    site: str | None = None,
    email: bool,
    email_on: str | None,
    config_file: str | None,
    no_color: bool,
) -> OutputOptions:
    """Combine command line, environment and config files (in that precedence)."""
    try:
        config = load_config(Path(config_file) if config_file else None)
    except ConfigError as exc:
        raise CamscanUsageError(str(exc)) from exc
    out_path = Path(output) if output else config.output.file
    if out_path is not None and not out_path.parent.is_dir():  # found out before, not after, a scan
        raise CamscanUsageError(f"cannot write {out_path}: no such directory {out_path.parent}")
    chosen = fmt or config.output.format
    if chosen is None:
        if out_path is not None:
            chosen = _BY_SUFFIX.get(out_path.suffix.lower(), Format.TEXT)
        else:
            chosen = Format.TABLE if _is_tty(sys.stdout) else Format.TEXT
    color = (
        out_path is None
        and _is_tty(sys.stdout)
        and not no_color
        and "NO_COLOR" not in os.environ
        and config.output.color is not False
    )
    history_db = resolve_db(db, config, no_db=no_db)
    site_name = resolve_site(site, config)
    if site_name == SITE_ALL:
        raise CamscanUsageError("--site all is for history, diff, ack and report; name one site")
    quiet = quiet or config.output.quiet
    if email:
        cfg = config.email
        missing = [n for n, v in (("to", cfg.to), ("from", cfg.sender),
                                  ("smtp_host", cfg.smtp_host)) if not v]  # fmt: skip
        if missing:
            raise CamscanUsageError(
                f"--email needs [email] {', '.join(missing)} in the config "
                "(or CAMSCAN_EMAIL_* variables); see `camscan config show`"
            )
    return OutputOptions(
        format=Format(chosen),
        output=out_path,
        quiet=quiet,
        fail_on=fail_on or config.output.fail_on,
        db=history_db,
        site=site_name,
        email=email,
        email_on=email_on or config.email.on,
        color=color,
        progress=_is_tty(sys.stderr) and not quiet,
        config=config,
    )


def output_options(func: F) -> F:
    """Click decorator: add the output flags and pass ``opts: OutputOptions`` to the command."""
    options = [
        click.option("--format", "-f", "fmt", type=click.Choice([f.value for f in Format]),
                     help="Report format [default: table on a terminal, else text]."),
        click.option("--output", "-o", type=click.Path(dir_okay=False),
                     help="Write the report to FILE (atomically) instead of stdout."),
        click.option("--quiet", "-q", is_flag=True,
                     help="Print nothing when the run is clean (for cron)."),
        click.option("--fail-on", type=click.Choice(FAIL_ON),
                     help="What makes the exit code 1 [default: restricted]; "
                          "'unidentified' also counts devices camscan could not identify."),
        click.option("--db", type=click.Path(dir_okay=False),
                     help="History database [default: user data dir]."),
        click.option("--no-db", is_flag=True, help="Do not read or write history."),
        click.option("--site", help="Site this run is recorded under [default: host name]."),
        click.option("--email", is_flag=True, help="Mail the report as configured in [email]."),
        click.option("--email-on", type=click.Choice(EMAIL_ON),
                     help="When to mail [default: findings]."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False),
                     help="Config file (TOML) instead of the default locations."),
        click.option("--no-color", is_flag=True, help="No colour (NO_COLOR is honoured too)."),
    ]  # fmt: skip

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        opts = resolve_options(
            fmt=kwargs.pop("fmt"),
            output=kwargs.pop("output"),
            quiet=kwargs.pop("quiet"),
            fail_on=kwargs.pop("fail_on"),
            db=kwargs.pop("db"),
            no_db=kwargs.pop("no_db"),
            site=kwargs.pop("site"),
            email=kwargs.pop("email"),
            email_on=kwargs.pop("email_on"),
            config_file=kwargs.pop("config_file"),
            no_color=kwargs.pop("no_color"),
        )
        return func(*args, opts=opts, **kwargs)

    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


@contextmanager
def history_guard(opts: OutputOptions) -> Iterator[None]:
    """Wrap a whole scan: fail fast on an unusable history and keep overlapping runs out.

    Takes the history lock (re-entrant, so ``finish`` inside the block records normally) and
    opens the database once, so a corrupt file or a concurrent run is reported before any packet
    is sent rather than after a long scan.
    """
    if opts.db is None:
        yield
        return
    from camscan.store import History, run_lock

    with ExitStack() as stack:
        try:
            stack.enter_context(run_lock(opts.db, opts.site))
            with History(opts.db, opts.site):
                pass
        except HistoryError as exc:
            raise CamscanUsageError(f"history: {exc}") from exc
        yield


def findings_code(doc: ScanDocument, fail_on: str, diff: RunDiff | None) -> ExitCode:
    """Exit 1 or 0 for ``--fail-on``; acknowledged devices never count."""
    s = summarize(doc)
    if diff is None:  # no previous run: everything is new
        diff = diff_states({}, states_of(doc))
    newly = [st for st in diff.newly_flagged() if not st.acknowledged]
    hit = {
        "restricted": s.restricted > 0,
        "suspected": s.restricted + s.suspected > 0,
        "unidentified": s.restricted + len(s.unidentified) > 0,
        "new": bool(newly),
        "changed": not diff.empty,
        "any": s.restricted + s.suspected > 0 or not diff.empty,
        "never": False,
    }[fail_on]
    return ExitCode.FINDINGS if hit else ExitCode.OK


def _fallback_path(fmt: Format) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = Path(platformdirs.user_state_dir("camscan")) / "reports"
    return base / f"camscan-report-{stamp}{SUFFIX[fmt]}"


def _say(message: str) -> None:
    click.echo(message, err=True)


@dataclass(frozen=True)
class _Baseline:
    """What a new document is compared with: the previous run, and the last one mailed."""

    diff: RunDiff | None = None  # against the previous complete run (None: first run)
    mail_diff: RunDiff | None = None  # against the last complete run whose mail went out
    run_id: int | None = None  # the run recorded for this document


def _with_history(
    doc: ScanDocument, opts: OutputOptions, db: StoreTarget, record: bool
) -> tuple[ScanDocument, _Baseline]:
    """Apply acknowledgements, compare with the site's earlier runs, record the run."""
    from camscan.store import History, run_lock

    with run_lock(db, opts.site) if record else nullcontext(), History(db, opts.site) as history:
        doc = history.apply_acks(doc, date.today())

        def against(runs: list[RunInfo]) -> RunDiff | None:
            return history.compare_scan(runs[0], doc) if runs else None

        diff = against(history.runs(1, complete_only=True))
        mail_diff = diff
        if opts.email:
            mail_diff = against(history.runs(1, complete_only=True, usable_for_mail=True))
        run_id = history.record(doc) if record else None
    return doc, _Baseline(diff, mail_diff, run_id)


def finish(doc: ScanDocument, opts: OutputOptions, *, record: bool) -> int:
    """Report, record and notify a finished document; return the process exit code."""
    problems: set[ExitCode] = set()  # findings are decided apart: never hidden by a problem
    errors: list[str] = []
    base = _Baseline()
    if opts.db is not None and (record or opts.db.exists()):
        try:
            doc, base = _with_history(doc, opts, opts.db, record)
        except HistoryError as exc:
            errors.append(f"history: {exc}")
            problems.add(ExitCode.USAGE)
    diff = base.diff
    findings = findings_code(doc, opts.fail_on, diff) == ExitCode.FINDINGS
    if not doc.complete:
        problems.add(ExitCode.INCOMPLETE)

    report = render(doc, opts.format, color=opts.color, width=_width())
    written: Path | None = None
    if opts.output is not None:
        try:
            write_atomic(opts.output, report)
            written = opts.output
        except OSError as exc:
            errors.append(f"cannot write {opts.output}: {exc.strerror or exc}")
            problems.add(ExitCode.USAGE)

    mailed = ""
    if opts.email:
        decision = decide(opts.email_on, doc, base.mail_diff)
        if decision.send:
            message = build_message(doc, opts.config.email, base.mail_diff)
            delivered = False
            try:
                send(message, opts.config.email)
                delivered = True
                recipients = len(opts.config.email.to)
                mailed = (
                    f"mailed the report to {plural(recipients, 'recipient')} "
                    f"({len(message.as_bytes()):,} bytes) via {opts.config.email.smtp_host}"
                )
            except NotifyError as exc:
                problems.add(ExitCode.NOTIFY_FAILED)
                errors.append(str(exc))
                if written is None:
                    fallback = _fallback_path(Format.HTML)
                    try:
                        fallback.parent.mkdir(parents=True, exist_ok=True)
                        write_atomic(fallback, render(doc, Format.HTML))
                        errors.append(f"the report was saved to {fallback}")
                    except OSError as werr:
                        errors.append(f"cannot save the report to {fallback}: {werr}")
            if base.run_id is not None and opts.db is not None:
                from camscan.store import History

                try:
                    with History(opts.db, opts.site) as history:
                        history.mark_notified(base.run_id, delivered)
                except HistoryError as exc:
                    errors.append(f"history: {exc}")
    if doc.interrupted:
        problems.add(ExitCode.INTERRUPTED)

    code = exit_code(findings, problems)
    clean_run = code == ExitCode.OK
    if opts.output is None and not (opts.quiet and clean_run):
        click.echo(report, nl=False)
    if not (opts.quiet and clean_run):
        what = "scan document" if opts.format == Format.JSON else "report"  # -f json: the doc
        where = f"; {what} written to {written}" if written else ""
        _say(summarize(doc).line() + where)
    if mailed and not opts.quiet:
        _say(f"camscan: {mailed}")
    for problem in errors:
        _say(f"camscan: {problem}")
    return int(code)


def _width() -> int:
    """The terminal's width (COLUMNS honoured); a fixed 120 for files and pipes."""
    if not _is_tty(sys.stdout):
        return 120
    return max(80, shutil.get_terminal_size((120, 24)).columns)

"""`camscan signatures list|validate|test`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from camscan.cli.common import console, safe, signatures_option
from camscan.exitcodes import ExitCode
from camscan.signatures import validate
from camscan.signatures.selftest import run_examples


@click.group("signatures")
def signatures_group() -> None:
    """Inspect, validate and self-test the signature files."""


@signatures_group.command("list")
@signatures_option
def list_cmd(signature_dirs: tuple[Path, ...]) -> None:
    """List families with their vendor, brands and rule counts."""
    sigset, problems = validate(signature_dirs)
    if problems:
        raise SystemExit(_report(problems))
    assert sigset is not None
    out = console()
    out.print(f"signature set {sigset.version} ({sigset.date}), {len(sigset.rules)} rules")
    for family in sorted(sigset.families.values(), key=lambda f: f.family):
        brands = ", ".join(b.name for b in family.brands) or "-"
        out.print(
            f"{family.family:<12} {safe(family.vendor or '(generic)'):<22} "
            f"rules={len(family.rules):<4} brands: {safe(brands)}",
            highlight=False,
        )


def _report(problems: Sequence[object]) -> int:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem(s)", err=True)
    return int(ExitCode.USAGE)


@signatures_group.command("validate")
@signatures_option
def validate_cmd(signature_dirs: tuple[Path, ...]) -> None:
    """Check every file against the schema: YAML, unknown fields, regexes, duplicate ids."""
    sigset, problems = validate(signature_dirs)
    if problems:
        raise SystemExit(_report(problems))
    assert sigset is not None
    click.echo(f"ok: {len(sigset.families)} families, {len(sigset.rules)} rules")


@signatures_group.command("test")
@signatures_option
def test_cmd(signature_dirs: tuple[Path, ...]) -> None:
    """Run every rule's examples and negatives."""
    sigset, problems = validate(signature_dirs)
    if problems:
        raise SystemExit(_report(problems))
    assert sigset is not None
    checks, failures = run_examples(sigset)
    for failure in failures:
        click.echo(str(failure), err=True)
    click.echo(f"{checks - len(failures)} passed, {len(failures)} failed")
    sys.exit(int(ExitCode.USAGE) if failures else 0)

"""`camscan signatures list|validate|test`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from camscan.cli.common import console, safe, signatures_option
from camscan.exitcodes import ExitCode
from camscan.signatures import SignatureSet, validate
from camscan.signatures.selftest import run_examples
from camscan.words import plural


@click.group("signatures")
def signatures_group() -> None:
    """Inspect, validate and self-test the signature files."""


@signatures_group.command("list")
@signatures_option
def list_cmd(signature_dirs: tuple[Path, ...]) -> None:
    """List families with their vendor, brands and rule counts."""
    sigset = _valid(signature_dirs)
    out = console()
    out.print(
        f"signature set {sigset.version} ({sigset.date}), {plural(len(sigset.rules), 'rule')}"
    )
    for family in sorted(sigset.families.values(), key=lambda f: f.family):
        brands = ", ".join(b.name for b in family.brands) or "-"
        out.print(
            f"{family.family:<12} {safe(family.vendor or '(generic)'):<22} "
            f"rules={len(family.rules):<4} brands: {safe(brands)}",
            highlight=False,
        )


def _valid(signature_dirs: tuple[Path, ...]) -> SignatureSet:
    """The signature set, or exit 2 after listing every problem (file:line) on stderr."""
    sigset, problems = validate(signature_dirs)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems or sigset is None:
        click.echo(plural(len(problems), "problem"), err=True)
        raise SystemExit(int(ExitCode.USAGE))
    return sigset


@signatures_group.command("validate")
@signatures_option
def validate_cmd(signature_dirs: tuple[Path, ...]) -> None:
    """Check every file against the schema: YAML, unknown fields, regexes, duplicate ids."""
    sigset = _valid(signature_dirs)
    click.echo(
        f"ok: {plural(len(sigset.families), 'family', 'families')}, "
        f"{plural(len(sigset.rules), 'rule')}"
    )


@signatures_group.command("test")
@signatures_option
def test_cmd(signature_dirs: tuple[Path, ...]) -> None:
    """Run every rule's examples and negatives."""
    sigset = _valid(signature_dirs)
    checks, failures = run_examples(sigset)
    for failure in failures:
        click.echo(str(failure), err=True)
    click.echo(f"{checks - len(failures)} passed, {len(failures)} failed")
    sys.exit(int(ExitCode.USAGE) if failures else 0)

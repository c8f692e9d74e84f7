"""`camscan policies list|show`."""

from __future__ import annotations

import click

from camscan.cli.common import console, safe
from camscan.exitcodes import ExitCode
from camscan.policy import PolicyNotFound, resolve, shipped_policies
from camscan.words import plural


@click.group("policies")
def policies_group() -> None:
    """Restriction policies shipped with camscan (select them with --policy)."""


@policies_group.command("list")
def list_cmd() -> None:
    """List policies; the default set is marked with *."""
    out = console()
    policies = sorted(shipped_policies(), key=lambda p: p.id)
    rows = [
        (
            "*" if p.default else " ",
            p.id,
            p.jurisdiction,
            p.effective.isoformat() if p.effective else "-",
            plural(len(p.entities), "entity", "entities"),
            safe(p.title),
        )
        for p in policies
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True)]
        cells[4] = row[4].rjust(widths[4])
        out.print(cells[0] + " " + "  ".join([*cells[1:], row[5]]))
    out.print("* applied when no --policy is given")


@policies_group.command("show")
@click.argument("name")
def show_cmd(name: str) -> None:
    """Show one policy (a shipped id or a file): entities, clauses, dates and sources."""
    try:
        (policy,) = resolve([name])
    except PolicyNotFound as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(int(ExitCode.USAGE)) from exc
    out = console()
    out.print(f"[bold]{safe(policy.title)}[/bold] ({policy.id})")
    out.print(f"instrument:   {safe(policy.instrument)}")
    out.print(f"jurisdiction: {policy.jurisdiction}   default: {'yes' if policy.default else 'no'}")
    out.print(f"effective:    {policy.effective or '-'}   reviewed: {policy.updated}")
    out.print(f"source:       {safe(policy.source, 500)}")
    if policy.notes:
        out.print(f"\n{safe(policy.notes.strip(), 4000)}")
    for entity in policy.entities:
        out.print(f"\n- [bold]{safe(entity.entity)}[/bold] {safe(entity.clause)}")
        out.print(
            f"  families: {', '.join(entity.families) or '-'}"
            f"   affiliates: {'yes' if entity.affiliates else 'no'}"
            f"   effective: {entity.effective or '-'}"
        )
        if entity.brands:
            out.print(f"  brands named: {safe(', '.join(entity.brands))}")
        if entity.scope:
            out.print(f"  scope: {safe(entity.scope, 500)}")
        out.print(f"  basis: {safe(entity.basis, 1000)}")
        out.print(f"  source: {safe(entity.source, 500)}")

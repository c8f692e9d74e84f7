"""`camscan ack`: accept a known device at a site (still reported, marked; no longer fails
the run or mails)."""

from __future__ import annotations

import ipaddress
import re
from datetime import date

import click

from camscan.cli.history import db_options, open_history
from camscan.cli.output import CamscanUsageError
from camscan.oui import normalise_mac
from camscan.sanitize import clean
from camscan.store import SITE_ALL, History

_KEY = re.compile(r"^(mac|serial|wsd|ip|behind):.+")


def _ack_key(history: History, ref: str) -> tuple[str, bool]:
    """The identity key for ``ref`` and whether the history has seen it."""
    found = {k.split("/", 1)[-1] if history.site == SITE_ALL else k for k in history.resolve(ref)}
    if len(found) == 1:
        return found.pop(), True
    if len(found) > 1:
        raise CamscanUsageError(
            f"{ref!r} matches several devices: {', '.join(sorted(found))}; give one of these keys"
        )
    if _KEY.match(ref):
        return ref, False
    if mac := normalise_mac(ref):
        return "mac:" + mac, False
    try:
        return "ip:" + str(ipaddress.ip_address(ref.strip())), False
    except ValueError:
        pass
    raise CamscanUsageError(
        f"no device {ref!r} in the history; give a MAC, an address or a key such as serial:ABC123"
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
@click.option(
    "--new-site",
    is_flag=True,
    help="Acknowledge at a site that has no recorded runs yet (before its first scan).",
)
@db_options
def ack_command(
    device: str | None, reason: str | None, until: object, list_: bool, remove: bool,
    new_site: bool, db: str | None, site: str | None, config_file: str | None,
) -> None:  # fmt: skip
    """Acknowledge a known device: still reported (marked), no longer fails the run or mails.

    An acknowledgement holds at its site; with --site all it holds at every site. A site with
    no recorded runs is refused (a mistyped --site would hold nowhere) unless --new-site.
    """
    if list_:
        if device or remove:
            raise CamscanUsageError("--list takes no DEVICE and no --remove")
        with open_history(db, site, config_file) as history:
            today = date.today()
            for ack in history.all_acks():
                until_text = f" until {ack.until}" if ack.until else ""
                state = "" if ack.active(today) else " (EXPIRED)"
                where = ""
                if ack.site == "*":
                    where = " [every site]"
                elif history.site == SITE_ALL:
                    where = f" [{clean(ack.site)}]"
                click.echo(f"{clean(ack.key)}{until_text}{state}{where}: {clean(ack.reason, 300)}")
        return
    if not device:
        raise CamscanUsageError("give a DEVICE (MAC, serial, address or key), or --list")
    with open_history(db, site, config_file, must_exist=False, new_site=new_site) as history:
        key, seen = _ack_key(history, device)
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
        where = "every site" if history.site == SITE_ALL else f"site {history.site}"
    if not seen:
        click.echo(
            f"warning: {clean(key)} has never been seen at {clean(where)}; the acknowledgement "
            "applies only if a device with exactly this identity appears (check the MAC or "
            "address with `camscan history`)",
            err=True,
        )
    click.echo(f"acknowledged {clean(key)} at {clean(where)}", err=True)

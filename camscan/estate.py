"""The estate: what an organisation's history says about every site at once.

:class:`Estate` is what ``camscan report`` renders (JSON, CSV, HTML, Markdown, the removal
worklist and the CycloneDX BOM). It is built from the history store by
``camscan.store.estate.build_estate`` and never by scanning. Every device listed is the
device's *latest* state at its site; counts are devices, not runs.

Shapes, in brief:

- ``sites``: one :class:`SiteSummary` per site in the report (last run, device counts).
- ``by_site`` / ``by_maker`` / ``by_label`` / ``by_policy``: :class:`Count` rows, largest first.
  The maker is the real manufacturer (firmware family); the label is the brand printed on the
  box (the maker again when not rebadged); a device counts once under every policy it matches.
- ``restricted``: restricted devices (acknowledged ones included, marked) with their location,
  by site, then address (numerically; :func:`place`).
- ``changes``: new / gone / back / changed devices since ``since`` (or since the previous run).
- ``acknowledged``: devices with an acknowledgement, active or expired, with its expiry.
- ``series``: per run date, restricted devices by site and by maker (for trend charts).
- ``devices``: every current device (the worklist and the BOM read these).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from camscan.recorders import NO_MAC
from camscan.scope import address_key

ESTATE_SCHEMA_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Location(_Frozen):
    """Where a device is: its site, and the switch port and VLAN where SNMP told us."""

    site: str
    address: str
    switch: str | None = Field(default=None, description="Switch name or address (FDB/LLDP).")
    port: str | None = Field(default=None, description="Switch port name (ifName/ifDescr).")
    vlan: int | None = Field(default=None, ge=0, le=4095)
    recorder: str | None = Field(
        default=None, description="For a camera only a recorder reaches: the recorder's address."
    )
    channel: int | None = Field(default=None, ge=0, description="The recorder's channel.")
    recorder_switch: str | None = Field(default=None, description="The recorder's switch.")
    recorder_port: str | None = Field(default=None, description="The recorder's switch port.")
    recorder_vlan: int | None = Field(default=None, ge=0, le=4095, description="Its VLAN.")

    @property
    def switch_label(self) -> str:
        """The switch as shown: 'recorder 192.0.2.26' when it is the recorder's own PoE switch
        (a camera behind it, located by the recorder's FDB), else the switch's name."""
        if self.switch and self.recorder is not None and self.switch == self.recorder:
            return f"recorder {self.switch}"
        return self.switch or ""

    @property
    def behind(self) -> str:
        """'behind 192.0.2.26 channel 3 (recorder on sw1 port 10 VLAN 20)', or '' when not
        behind one."""
        if self.recorder is None:
            return ""
        text = f"behind {self.recorder} channel {self.channel}"
        if self.recorder_switch:
            vlan = f" VLAN {self.recorder_vlan}" if self.recorder_vlan is not None else ""
            text += f" (recorder on {self.recorder_switch} port {self.recorder_port or '?'}{vlan})"
        return text


class AckInfo(_Frozen):
    """An acknowledgement of a device: still reported, no longer failing the run."""

    reason: str
    until: date | None = Field(default=None, description="Last day it holds; None: no expiry.")
    created_at: datetime
    active: bool = Field(description="True when it applies on the report's date.")


class EstateDevice(_Frozen):
    """One device's latest state at one site."""

    site: str
    key: str = Field(description="History identity key, e.g. 'mac:…' or 'serial:…'.")
    address: str
    mac: str | None = None
    serial: str | None = None
    vendor: str | None = Field(default=None, description="Real manufacturer (firmware family).")
    brand: str | None = Field(default=None, description="Label brand when rebadged.")
    model: str | None = None
    firmware: str | None = None
    device_type: str = "unknown"
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    restricted: bool = False
    suspected: bool = False
    policies: list[str] = Field(default_factory=list, description="Matching policy ids.")
    clauses: list[str] = Field(default_factory=list, description="Policy clauses that match.")
    location: Location
    first_seen: datetime
    last_seen: datetime
    present: bool = Field(default=True, description="False: gone at the site's latest run.")
    unverified: str | None = Field(
        default=None,
        description="Why the site's latest run did not look at it, e.g. 'not enumerated in the "
        "latest run: recorder login refused' (it is then kept as last seen, last_seen), or "
        "which fields it could not read, e.g. 'model, firmware not read in the latest run "
        "(login refused): as read 2026-11-29' (they are then shown as last read).",
    )
    ack: AckInfo | None = None

    @property
    def unverified_note(self) -> str:
        """'last seen 2026-11-29: not enumerated in the latest run: …', or ''."""
        if not self.unverified:
            return ""
        return f"last seen {self.last_seen.date().isoformat()}: {self.unverified}"

    @property
    def counts_restricted(self) -> bool:
        """Restricted and not under an active acknowledgement: what every summary counts as
        restricted (the scan summary line and `history` count the same way)."""
        return self.restricted and not (self.ack is not None and self.ack.active)

    @property
    def mac_shown(self) -> str:
        """The MAC; for a camera behind a recorder that gave none 'not reported by recorder';
        else ''."""
        if self.mac:
            return self.mac
        return NO_MAC if self.location.recorder is not None else ""

    @property
    def maker(self) -> str:
        """The real manufacturer, or 'unknown'."""
        return self.vendor or "unknown"

    @property
    def label(self) -> str:
        """The brand on the label (the maker when not rebadged)."""
        return self.brand or self.maker


def place(d: EstateDevice) -> tuple[str, tuple[int, int, str], str]:
    """The order devices are listed in: by site, then address (numerically), then key."""
    return (d.site, address_key(d.address), d.key)


class Count(_Frozen):
    """Devices under one name (a site, maker, label or policy)."""

    name: str
    devices: int = Field(ge=0)
    restricted: int = Field(ge=0)
    suspected: int = Field(default=0, ge=0)
    acknowledged: int = Field(default=0, ge=0, description="Restricted ones with an active ack.")


class ChangeKind(StrEnum):
    """How a device changed over the report's period."""

    NEW = "new"  # never seen at the site before the period
    GONE = "gone"  # seen before, missing at the site's latest run
    BACK = "back"  # gone for at least one run, seen again
    CHANGED = "changed"  # present throughout, some compared field differs


class EstateChange(_Frozen):
    """One device's change over the period."""

    kind: ChangeKind
    device: EstateDevice
    fields: list[str] = Field(default_factory=list, description="Changed fields (CHANGED).")
    at: datetime = Field(description="When the change was first recorded.")


class SeriesPoint(_Frozen):
    """Restricted devices on one run date (the latest run of each site on or before it)."""

    day: date
    by_site: dict[str, int] = Field(default_factory=dict)
    by_maker: dict[str, int] = Field(default_factory=dict)


class SiteSummary(_Frozen):
    """One site's latest run in brief."""

    site: str
    last_run: datetime | None = None
    runs: int = Field(default=0, ge=0)
    devices: int = Field(default=0, ge=0)
    restricted: int = Field(default=0, ge=0)
    suspected: int = Field(default=0, ge=0)
    acknowledged: int = Field(default=0, ge=0)


class Estate(_Frozen):
    """The organisation report's data (see the module docstring)."""

    schema_version: int = ESTATE_SCHEMA_VERSION
    generated_at: datetime
    scope: list[str] = Field(description="Sites asked for; ['all'] for every site.")
    since: date | None = None
    sites: list[SiteSummary] = Field(default_factory=list)
    by_site: list[Count] = Field(default_factory=list)
    by_maker: list[Count] = Field(default_factory=list)
    by_label: list[Count] = Field(default_factory=list)
    by_policy: list[Count] = Field(default_factory=list)
    restricted: list[EstateDevice] = Field(default_factory=list)
    changes: list[EstateChange] = Field(default_factory=list)
    acknowledged: list[EstateDevice] = Field(default_factory=list)
    series: list[SeriesPoint] = Field(default_factory=list)
    devices: list[EstateDevice] = Field(default_factory=list)

    @property
    def total_devices(self) -> int:
        """Current devices over every site in the report."""
        return sum(1 for d in self.devices if d.present)

    @property
    def total_restricted(self) -> int:
        """Current restricted devices over every site, acknowledged ones not counted."""
        return sum(1 for d in self.devices if d.present and d.counts_restricted)

    @property
    def restricted_title(self) -> str:
        """'Restricted devices (6 + 1 acknowledged)': the section heading, from the same count
        as the header's 'N restricted' (acknowledged ones are listed, marked, not counted)."""
        acked = sum(1 for d in self.restricted if not d.counts_restricted)
        extra = f" + {acked} acknowledged" if acked else ""
        return f"Restricted devices ({self.total_restricted}{extra})"

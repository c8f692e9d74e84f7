"""The data that flows through the pipeline: observations in, identified devices out.

Every stage reads and writes these frozen models; the scan document (``camscan scan --format
json``) is :class:`ScanDocument` serialised, and its JSON Schema is generated from it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field

from camscan.sanitize import neutralise

SCHEMA_VERSION = 1

# Text a device (or a failure caused by one) can shape: always inert UTF-8, however the model
# was made or loaded (camscan.sanitize).
InertStr = Annotated[str, AfterValidator(neutralise)]
#: A TCP/UDP port number: a saved document with port 70000 or 10**400 is malformed, not data.
Port = Annotated[int, Field(ge=0, le=65535)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Observation(_Frozen):
    """One fact a device told us: a signal name (see :mod:`camscan.signals`) and its value."""

    signal: str = Field(description="Signal name from the vocabulary, e.g. 'http.server'.")
    value: InertStr = Field(
        description="What the device said, as text (non-printable bytes as \\xNN)."
    )
    port: Port | None = Field(default=None, description="TCP/UDP port the answer came from.")
    source: str = Field(default="", description="Discovery method or probe that produced it.")


class AttemptStatus(StrEnum):
    """How one discovery or probe attempt ended."""

    OK = "ok"
    TIMEOUT = "timeout"
    REFUSED = "refused"
    MALFORMED = "malformed"
    ERROR = "error"
    SKIPPED = "skipped"
    NO_ANSWER = "no_answer"
    DENIED = "denied"  # the device refused the credentials given (HTTP 401/403 after auth)
    CANCELLED = "cancelled"  # the scan was interrupted before this attempt finished


class ProbeAttempt(_Frozen):
    """A record of one probe or discovery attempt: errors are data, never exceptions."""

    probe: str
    port: Port | None = None
    status: AttemptStatus
    reason: InertStr = ""
    elapsed_ms: float | None = None


class MethodState(StrEnum):
    """What became of one discovery method in a scan."""

    RAN = "ran"  # did everything asked of it
    PARTIAL = "partial"  # ran, but only part (overran its budget, neighbour table only)
    SKIPPED = "skipped"  # could not run (not root, no on-link interface, interface down...)
    FAILED = "failed"  # tried and failed (socket error, crash)
    NOT_SELECTED = "not_selected"  # left out by --methods


class MethodRun(_Frozen):
    """One discovery method in a scan: whether it ran, where, and why not when it did not."""

    method: str
    state: MethodState
    reason: InertStr = Field(default="", description="Why not run or only partly (or what it did).")
    interface: str | None = Field(
        default=None, description="Interface its link-local traffic (ARP, multicast) used."
    )
    modes: list[str] = Field(
        default_factory=list, description="'link' (ARP/multicast/sweep), 'unicast' (per host)."
    )
    hosts: int = Field(default=0, description="Hosts it heard from.")
    elapsed_ms: float | None = None
    complete: bool = Field(
        default=True,
        description="False when something asked of it was not done; the scan is complete "
        "only when every method is.",
    )


class EvidenceKind(StrEnum):
    """What a piece of evidence says about the device."""

    FIRMWARE = "firmware"  # the firmware family / real manufacturer speaks
    LABEL = "label"  # the brand printed on the box or shown in the UI
    OUI = "oui"  # the MAC address prefix
    GENERIC = "generic"  # server software or device class, never a vendor on its own


class Evidence(_Frozen):
    """A rule that matched an observation, and what it contributes."""

    rule: str = Field(description="Signature rule id, or 'oui:<prefix>' for MAC evidence.")
    kind: EvidenceKind
    signal: str
    value: str
    port: Port | None = None
    vendor: str | None = Field(default=None, description="Firmware family the rule points to.")
    brand: str | None = Field(default=None, description="Label brand the rule points to.")
    software: str | None = Field(default=None, description="Server software (generic rules).")
    device_type: str | None = None
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None
    weight: float = Field(ge=0.0, le=1.0)
    counted: bool = Field(
        default=True, description="False when the evidence needed corroboration it did not get."
    )
    group: str = Field(
        default="",
        description="Independence group (one certificate, web server, reply...): counts once.",
    )
    note: str = ""


class Alternative(_Frozen):
    """A vendor that some evidence pointed to but that lost to the chosen one (a conflict)."""

    vendor: str
    confidence: float
    rules: list[str] = Field(default_factory=list)


class Identification(_Frozen):
    """Who made the device, with the evidence for it."""

    vendor: str | None = Field(default=None, description="Real manufacturer (firmware family).")
    brand: str | None = Field(default=None, description="Label brand when it differs (rebadge).")
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None
    device_type: str = "unknown"
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)
    conflicts: list[Alternative] = Field(default_factory=list)
    software: list[str] = Field(default_factory=list, description="Generic server software seen.")
    mac_vendor: str | None = Field(default=None, description="IEEE registrant of the MAC's OUI.")
    mac_locally_administered: bool = False
    relation: str | None = Field(
        default=None, description="How brand relates to vendor: own-brand, subsidiary, oem..."
    )


class PolicyMatch(_Frozen):
    """One clause of one policy that covers the device."""

    policy: str
    entity: str
    basis: str
    source: str
    clause: str = ""
    effective: str | None = None
    via: str = Field(default="", description="Which identification fact triggered the match.")
    certainty: Literal["confirmed", "suspected"] = "confirmed"


class PolicyResult(_Frozen):
    """The policy verdict for one device."""

    restricted: bool = False
    suspected: bool = Field(
        default=False, description="Covered only by weak evidence (label alone, low confidence)."
    )
    matches: list[PolicyMatch] = Field(default_factory=list)
    acknowledged: str | None = Field(
        default=None, description="Reason given with `camscan ack`, when acknowledged."
    )


class DeviceStatus(StrEnum):
    """A device's verdict in one word, in report order (see :attr:`Device.status`)."""

    RESTRICTED = "restricted"
    SUSPECTED = "suspected"
    UNIDENTIFIED = "unidentified"  # shown as "not identified" to people
    ACKNOWLEDGED = "acknowledged"
    CLEAR = "clear"


class Location(_Frozen):
    """Where a device plugs in: the edge switch port its MAC was learned on (BRIDGE-MIB FDB).

    Filled from the infrastructure (``--infra``); uplink/trunk ports (an LLDP neighbour, or
    many MACs) are never a device's location.
    """

    switch: str = Field(description="The switch: its sysName, else the address camscan asked.")
    switch_address: str = Field(default="", description="Address camscan read the FDB from.")
    port: str = Field(default="", description="Port name (ifName, else ifDescr, else ifIndex).")
    if_index: int | None = Field(default=None, description="The port's ifIndex (IF-MIB).")
    vlan: int | None = Field(default=None, description="VLAN id from Q-BRIDGE-MIB, when known.")
    source: str = Field(
        default="", description="How camscan knows, e.g. 'snmp 198.51.100.1 Q-BRIDGE-MIB FDB'."
    )
    uplink: InertStr = Field(
        default="",
        description="For a camera behind a recorder (switch = the recorder, port = its PoE "
        "port): where the recorder itself plugs in, e.g. 'cam-sw1 port p10 vlan 20'.",
    )


class Behind(_Frozen):
    """Where a camera only a recorder reaches sits: the recorder and the channel it is on."""

    recorder: str = Field(description="Address of the recorder camscan asked.")
    channel: int = Field(ge=0, le=65535, description="The recorder's channel number.")
    api: str = Field(default="", description="The recorder call that named it, e.g. 'ISAPI'.")


class Channels(_Frozen):
    """What a recorder says about its channels (filled when identified; see camscan.recorders)."""

    ip: int | None = Field(default=None, ge=0, description="IP (digital) channels it reports.")
    analog: int | None = Field(default=None, ge=0, description="Analog channels it reports.")
    in_use: int | None = Field(
        default=None, ge=0, description="Configured channels (ONVIF video sources, channel API)."
    )
    enumerated: int = Field(default=0, ge=0, description="Cameras behind it in this document.")
    source: str = Field(default="", description="Which replies gave the counts.")
    note: InertStr = Field(default="", description="E.g. 'cameras not enumerated (give ...)'.")


class Device(_Frozen):
    """One device: where it is, what it said, and what camscan concluded."""

    address: str
    mac: str | None = None
    hostnames: list[InertStr] = Field(default_factory=list)
    location: Location | None = Field(
        default=None, description="Switch, port and VLAN the device is plugged into."
    )
    mac_source: str | None = Field(
        default=None,
        description="Where the MAC came from when not from our own ARP, e.g. 'snmp 198.51.100.1 "
        "ipNetToPhysical' or 'import dhcpd.leases'; for a camera behind a recorder without "
        "a MAC, why: 'not reported by recorder 192.0.2.26 (ISAPI InputProxy carries none)'.",
    )
    behind: Behind | None = Field(
        default=None,
        description="Set for a camera camscan learned of through a recorder; its address is "
        "then the one the recorder reports (PoE side), else the recorder's.",
    )
    channels: Channels | None = Field(default=None, description="Set for a recorder.")
    observations: list[Observation] = Field(default_factory=list)
    attempts: list[ProbeAttempt] = Field(default_factory=list)
    identification: Identification = Field(default_factory=Identification)
    policy: PolicyResult = Field(default_factory=PolicyResult)

    @property
    def identified(self) -> bool:
        """Whether camscan learned anything about the device beyond its address and MAC.

        The one rule for "not identified": no maker or label, no counted evidence (a MAC
        registrant alone is not identification) and no probe or discovery attempt that ended
        ``ok``. A device whose every probe timed out, failed or was refused is not identified;
        it must not be reported as clear.
        """
        ident = self.identification
        if ident.vendor or ident.brand or any(e.counted for e in ident.evidence):
            return True
        return any(a.status is AttemptStatus.OK for a in self.attempts)

    @computed_field(  # type: ignore[prop-decorator]
        description="restricted / suspected / unidentified / acknowledged / clear (derived)."
    )
    @property
    def status(self) -> DeviceStatus:
        """The verdict: acknowledged findings, restricted, suspected, then not identified."""
        policy = self.policy
        if policy.acknowledged and (policy.restricted or policy.suspected):
            return DeviceStatus.ACKNOWLEDGED
        if policy.restricted:
            return DeviceStatus.RESTRICTED
        if policy.suspected:
            return DeviceStatus.SUSPECTED
        return DeviceStatus.CLEAR if self.identified else DeviceStatus.UNIDENTIFIED


class ToolInfo(_Frozen):
    """Which camscan and which signature set produced a document."""

    name: str = "camscan"
    version: str = ""
    signatures_version: str = ""
    signatures_date: str = ""
    policies: list[str] = Field(default_factory=list)


class ScanDocument(_Frozen):
    """The scan document: what `camscan scan --format json` writes and `identify` reads."""

    schema_version: int = SCHEMA_VERSION
    tool: ToolInfo = Field(default_factory=ToolInfo)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    complete: bool = True
    interrupted: bool = False
    scope: list[str] = Field(default_factory=list)
    methods: list[str] = Field(default_factory=list)
    ports: list[Port] = Field(
        default_factory=list,
        description="TCP ports the sweep tried (empty: no TCP sweep, or not recorded).",
    )
    attempts: list[ProbeAttempt] = Field(
        default_factory=list, description="Scan-wide discovery attempts (per method)."
    )
    method_runs: list[MethodRun] = Field(
        default_factory=list, description="Per discovery method: ran, partial, skipped and why."
    )
    interface: str | None = Field(
        default=None, description="Interface used for ARP and multicast (None: none on-link)."
    )
    interface_source: str = Field(
        default="", description="How it was chosen: '--iface' or 'routing table'."
    )
    this_host: list[str] = Field(
        default_factory=list, description="The auditor's own addresses in scope, left out."
    )
    devices: list[Device] = Field(default_factory=list)

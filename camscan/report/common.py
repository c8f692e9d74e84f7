"""What every report format shares: device order, status words, counts and the summary line.

Device strings come from the network and are hostile: every renderer passes them through
:func:`camscan.sanitize.clean`; HTML and Markdown escape the result for their medium on top.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from camscan.models import AttemptStatus, Device, DeviceStatus, MethodState, ScanDocument
from camscan.recorders import NO_MAC, REFUSED, behind_text, login_refused, recorder_lines
from camscan.sanitize import clean
from camscan.scope import address_key
from camscan.words import plural

# Device types counted as cameras in the summary (recorders are counted apart).
UNSURE = "camera-or-recorder"  # a video device whose type its evidence leaves open
CAMERA_TYPES = frozenset({"camera", "intercom", "encoder", UNSURE})
FAILED = frozenset(
    {AttemptStatus.TIMEOUT, AttemptStatus.ERROR, AttemptStatus.MALFORMED, AttemptStatus.CANCELLED}
)
# Scan-wide attempt outcomes that mean a discovery method did not (fully) run.
_NOT_RUN = frozenset({AttemptStatus.SKIPPED, *FAILED})

_ORDER = list(DeviceStatus)
# What people read; machine formats (JSON, CSV, CSS classes) use the enum value.
WORDS = {s: "not identified" if s is DeviceStatus.UNIDENTIFIED else s.value for s in _ORDER}
LEGEND = (
    "restricted = a restriction policy covers the maker; suspected = weak evidence of one; "
    "not identified = no probe answered and nothing named the maker, so camscan cannot vouch "
    "for it; acknowledged = a known finding with an accepted reason; clear = a probe answered "
    "or the maker is known, and no policy covers it"
)


def address(device: Device) -> str:
    """The address, and for a camera reached through a recorder 'behind 192.0.2.26 channel 3'."""
    shown = clean(device.address, 60)
    return f"{shown} {clean(behind_text(device), 80)}" if device.behind is not None else shown


def mac(device: Device) -> str:
    """The MAC, or for a camera behind a recorder that gives none 'not reported by recorder'."""
    if device.mac:
        return clean(device.mac, 40)
    return NO_MAC if device.behind is not None else ""


def word(device: Device) -> str:
    """The verdict as people read it ("not identified" rather than ``unidentified``)."""
    return WORDS[device.status]


def location(device: Device) -> str:
    """Where the device plugs in, as 'switch port NAME vlan N', or '' when unknown; for a
    camera behind a recorder 'recorder 192.0.2.26 (nvr1) port PoE3 (recorder on cam-sw1 port
    p10 vlan 20)': switch = the recorder, port = its PoE port, then where the recorder is."""
    loc = device.location
    if loc is None:
        return ""
    if device.behind is not None:
        name = clean(loc.switch, 60)
        shown = f" ({name})" if name and name != device.behind.recorder else ""
        parts = [f"recorder {clean(device.behind.recorder, 60)}{shown}"]
    else:
        parts = [clean(loc.switch, 60)]
    if loc.port:
        parts.append(f"port {clean(loc.port, 40)}")
    if loc.vlan is not None:
        parts.append(f"vlan {loc.vlan}")
    if loc.uplink:
        parts.append(f"(recorder on {clean(loc.uplink, 80)})")
    return " ".join(parts)


def ordered(devices: Iterable[Device]) -> list[Device]:
    """Restricted, suspected, not identified, acknowledged, clear; by address within each."""
    return sorted(devices, key=lambda d: (_ORDER.index(d.status), address_key(d.address)))


def attention(devices: Iterable[Device]) -> list[Device]:
    """The devices a reader must act on: restricted, suspected and not identified, in order."""
    wanted = (DeviceStatus.RESTRICTED, DeviceStatus.SUSPECTED, DeviceStatus.UNIDENTIFIED)
    return [d for d in ordered(devices) if d.status in wanted]


def methods_not_run(doc: ScanDocument) -> list[tuple[str, str, str]]:
    """(method, state, reason) for every discovery method that was skipped, failed or only
    partly ran (not the ones left out by ``--methods``), from the document's method runs;
    a document from before method runs falls back to its scan-wide attempts."""
    if doc.method_runs:
        return [
            (r.method, r.state.value, r.reason)
            for r in doc.method_runs
            if r.state in (MethodState.SKIPPED, MethodState.FAILED, MethodState.PARTIAL)
        ]
    return [
        (a.probe, a.status.value, a.reason)
        for a in doc.attempts
        if a.status in _NOT_RUN and not a.probe.startswith("engine")
    ]


def method_rows(doc: ScanDocument) -> list[tuple[str, str, str, str, str]]:
    """Every discovery method run as (method, state, interface, hosts heard, reason), cleaned."""
    return [
        (clean(r.method, 40), r.state.value, clean(r.interface, 40), str(r.hosts),
         clean(r.reason, 160))
        for r in doc.method_runs
    ]  # fmt: skip


def interface(doc: ScanDocument) -> str:
    """'eth0 (routing table)', 'none' when the scan had no on-link interface, '' when unknown."""
    if doc.interface:
        how = f" ({clean(doc.interface_source, 40)})" if doc.interface_source else ""
        return clean(doc.interface, 40) + how
    return "none" if doc.method_runs else ""


def policy_ids(device: Device) -> list[str]:
    """The policies that cover the device, each once, in match order."""
    return list(dict.fromkeys(m.policy for m in device.policy.matches))


def entities(device: Device) -> list[str]:
    """The restricted entities the device was tied to, each once."""
    return list(dict.fromkeys(m.entity for m in device.policy.matches))


def evidence_summary(device: Device, limit: int = 4) -> str:
    """The strongest counted evidence as distinct 'signal=value' items, for one-line formats."""
    counted = sorted(
        (e for e in device.identification.evidence if e.counted),
        key=lambda e: -e.weight,
    )
    items = list(dict.fromkeys(f"{clean(e.signal, 60)}={clean(e.value, 60)}" for e in counted))
    parts = items[:limit]
    if len(items) > limit:
        parts.append(f"+{len(items) - limit} more")
    return "; ".join(parts)


def maker(device: Device) -> str:
    """'Vendor' or 'Vendor (sold as Brand)' — the rebadge shown, not hidden."""
    ident = device.identification
    if ident.vendor and ident.brand and ident.brand != ident.vendor:
        return f"{ident.vendor} (sold as {ident.brand})"
    if ident.vendor or ident.brand:
        return ident.vendor or f"{ident.brand} (label only)"
    return f"{ident.mac_vendor} (MAC only)" if ident.mac_vendor else "unknown"


def failed_attempts(device: Device) -> int:
    """Probes that timed out, broke or got garbage: the device is only partly known."""
    return sum(1 for a in device.attempts if a.status in FAILED)


def _addresses(addresses: list[str], limit: int = 4) -> str:
    shown = ", ".join(clean(a, 60) for a in addresses[:limit])
    return shown + (f" +{len(addresses) - limit} more" if len(addresses) > limit else "")


@dataclass(frozen=True)
class Summary:
    """The counts in the stderr summary line, the email subject and report headers."""

    devices: int
    cameras: int  # device types in CAMERA_TYPES
    recorder_count: int  # device type recorder
    restricted: int
    suspected: int
    acknowledged: int
    incomplete: int
    complete: bool
    interrupted: bool
    unidentified: list[str] = field(default_factory=list)  # their addresses, in report order
    not_run: list[tuple[str, str, str]] = field(default_factory=list)  # see methods_not_run
    interface: str = ""  # see interface()
    recorders: list[str] = field(default_factory=list)  # see camscan.recorders.recorder_lines
    incomplete_at: list[str] = field(default_factory=list)  # incompletely probed addresses
    refused: list[str] = field(default_factory=list)  # 'recorder 192.0.2.26: login refused, …'
    unsure: int = 0  # of the cameras, those typed camera-or-recorder

    def video(self) -> str:
        """'4 cameras, 1 recorder' or '30 cameras (3 camera-or-recorder), 4 recorders': the one
        phrase every summary (line, demo, mail) uses."""
        unsure = f" ({self.unsure} {UNSURE})" if self.unsure else ""
        return (
            f"{plural(self.cameras, 'camera')}{unsure}, {plural(self.recorder_count, 'recorder')}"
        )

    def line(self) -> str:
        """One line for stderr and cron mail."""
        state = "complete" if self.complete else "INCOMPLETE"
        if self.interrupted:
            state = "interrupted"
        elif self.refused:
            state += " (" + "; ".join(self.refused) + ")"
        unknown = len(self.unidentified)
        text = (
            f"{plural(self.devices, 'device')}, {self.video()}, "
            f"{self.restricted} restricted, {self.suspected} suspected, "
            f"{unknown} not identified"
            + (f" ({_addresses(self.unidentified)})" if unknown else "")
            + f", {self.acknowledged} acknowledged, "
            f"{self.incomplete} incompletely probed"
            + (f" ({_addresses(self.incomplete_at)})" if self.incomplete_at else "")
            + f"; scan {state}"
        )
        if self.interface:
            text += f"; interface {self.interface}"
        if self.recorders:
            text += "; recorders: " + "; ".join(clean(r, 200) for r in self.recorders)
        if self.not_run:
            text += "; not run or partial: " + not_run_text(self.not_run)
        return text


def not_run_text(not_run: list[tuple[str, str, str]], sep: str = ", ") -> str:
    """:func:`methods_not_run` as one cleaned phrase: 'wsd skipped (no on-link interface
    address), ssdp failed (…)'."""
    return sep.join(
        f"{clean(m, 40)} {outcome} ({clean(reason, 80) or 'no reason given'})"
        for m, outcome, reason in not_run
    )


def summarize(doc: ScanDocument) -> Summary:
    """Count what a report headline needs."""
    verdicts = [d.status for d in doc.devices]
    partly = [d.address for d in ordered(doc.devices) if failed_attempts(d)]
    return Summary(
        devices=len(doc.devices),
        cameras=sum(1 for d in doc.devices if d.identification.device_type in CAMERA_TYPES),
        recorder_count=sum(1 for d in doc.devices if d.identification.device_type == "recorder"),
        unsure=sum(1 for d in doc.devices if d.identification.device_type == UNSURE),
        restricted=verdicts.count(DeviceStatus.RESTRICTED),
        suspected=verdicts.count(DeviceStatus.SUSPECTED),
        acknowledged=verdicts.count(DeviceStatus.ACKNOWLEDGED),
        incomplete=len(partly),
        incomplete_at=partly,
        refused=[
            # a host given a login that is not known as a recorder: no cameras to speak of
            f"recorder {d.address}: {REFUSED}" if d.channels else f"{d.address}: login refused"
            for d in ordered(doc.devices)
            if login_refused(d)
        ],
        complete=doc.complete,
        interrupted=doc.interrupted,
        unidentified=[
            d.address for d in ordered(doc.devices) if d.status is DeviceStatus.UNIDENTIFIED
        ],
        not_run=methods_not_run(doc),
        interface=interface(doc),
        recorders=recorder_lines(ordered(doc.devices)),
    )


def why_unidentified(device: Device) -> str:
    """'no probe answered (3 timeout)': what became of the probes of a not-identified device."""
    outcomes = Counter(a.status.value for a in device.attempts)
    said = ", ".join(f"{n} {s}" for s, n in sorted(outcomes.items()))
    return "no probe answered" + (f" ({said})" if said else " (none ran)")


def counts(devices: Iterable[Device]) -> dict[str, Counter[str]]:
    """Devices by 'maker' (firmware family), 'label' (brand, else maker) and 'policy' (each
    covering policy once per device; 'none' for uncovered devices); empty names dropped."""
    listed = list(devices)
    by_policy = Counter(p for d in listed for p in {m.policy: 0 for m in d.policy.matches})
    by_policy["none"] = sum(1 for d in listed if not d.policy.matches)
    return {
        "maker": Counter(d.identification.vendor or "unknown" for d in listed),
        "label": Counter(
            d.identification.brand or d.identification.vendor or "unknown" for d in listed
        ),
        "policy": +by_policy,
    }


def clause_list(device: Device) -> list[str]:
    """Each covering policy once with its first clause: 'us-ndaa-889 §889(f)(3)(B)'."""
    first: dict[str, str] = {}
    for m in device.policy.matches:
        first.setdefault(m.policy, clean(f"{m.policy} {m.clause}".strip(), 80))
    return list(first.values())


def clauses(device: Device) -> str:
    """:func:`clause_list` as one cell."""
    return "; ".join(clause_list(device))


def header_lines(doc: ScanDocument) -> list[str]:
    """What was scanned, when, with which signatures and policies, and the summary line."""
    tool = doc.tool
    lines = [f"camscan report {when(doc)}".rstrip()]
    if doc.scope:
        lines.append("scope: " + ", ".join(clean(s, 80) for s in doc.scope))
    if tool.signatures_version:
        lines.append(
            f"signatures: {clean(tool.signatures_version, 40)} ({clean(tool.signatures_date, 40)})"
        )
    if tool.policies:
        lines.append("policies: " + ", ".join(clean(p, 60) for p in tool.policies))
    if doc.this_host:
        lines.append("this host (left out): " + ", ".join(clean(a, 60) for a in doc.this_host))
    lines.append(summarize(doc).line())
    return lines


def when(doc: ScanDocument) -> str:
    """The scan time as text, or an empty string."""
    stamp = doc.finished_at or doc.started_at
    return stamp.strftime("%Y-%m-%d %H:%M %Z").strip() if stamp else ""

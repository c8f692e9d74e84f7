"""What changed between two runs: devices new, back, gone, re-flashed, moved or re-classified.

Devices are matched by identity (see :mod:`camscan.store.identity`), so a camera that moved
to another address is one "moved" change, not a gone plus a new device; a device the site had
seen before that was missing from the older run is "back", not "new".

Only what both runs looked at is compared (:class:`Coverage`): a device missing from the newer
run at an address outside its scope, or missing from an interrupted or incomplete run, is *not
compared* rather than gone; a device at an address the older run did not cover is not compared
rather than new (unless the site never saw it) — a camera behind a recorder counts at its
recorder's address, and one whose recorder's channels were not read in a run (login refused
or not given) was not looked at by that run; open ports are compared on the ports both runs'
sweeps tried. A field of a device that one run could not read — its value is empty there
and a probe of that device was refused the login (``denied``) or cut short (``timeout``,
``cancelled``) — is not compared either ("model, firmware not read in run 3: login refused"):
missing evidence is not a change. What could not be compared is listed, with the reason, in
every format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, ip_address

from camscan.models import AttemptStatus, ScanDocument
from camscan.sanitize import clean
from camscan.store.identity import COMPARED, DeviceState

FIELDS = COMPARED  # compared fields in listing order; "address" is reported as "moved"
# Fields a probe reads from the device (an authenticated ONVIF GetDeviceInformation, a
# recorder's API): empty in a run whose probe of the device was denied or cut short means
# "not read", not "changed". Empty: None, or "unknown" for the type.
READ_FIELDS = ("vendor", "brand", "model", "firmware", "device_type")
_BLIND = {AttemptStatus.DENIED: "login refused", AttemptStatus.TIMEOUT: "probe timed out",
          AttemptStatus.CANCELLED: "probe cut short (scan interrupted)"}  # fmt: skip


@dataclass(frozen=True)
class Change:
    """One field of one device that differs."""

    field: str
    old: object
    new: object


@dataclass(frozen=True)
class DeviceChange:
    """A device present in both runs with at least one changed field."""

    old: DeviceState
    new: DeviceState
    changes: tuple[Change, ...]

    @property
    def moved(self) -> bool:
        """True when the device is at another address."""
        return any(c.field == "address" for c in self.changes)


@dataclass(frozen=True)
class Coverage:
    """What one run looked at: its scope as recorded (``a.b.c.d``, CIDR blocks or
    ``first-last`` ranges, exclusions already taken out), the TCP ports its sweep tried
    (None: not recorded) and whether it finished."""

    label: str
    scope: tuple[str, ...] = ()
    ports: tuple[int, ...] | None = None
    complete: bool = True
    # Recorder address → "" when its cameras were enumerated, else why not (None: not recorded)
    recorders: Mapping[str, str] | None = None
    # Identity key → why some probe of the device could not read it (None: not recorded)
    unread: Mapping[str, str] | None = None

    def blind(self, state: DeviceState) -> list[str]:
        """The fields of :data:`READ_FIELDS` this run could not read for ``state``: empty in
        ``state`` while a probe of the device was denied or cut short."""
        if not self.unread or state.key not in self.unread:
            return []
        return [f for f in READ_FIELDS if getattr(state, f) in (None, "unknown")]

    def unenumerated(self, state: DeviceState) -> str | None:
        """Why the cameras behind ``state``'s recorder were not looked at in this run (None:
        they were, ``state`` is not behind a recorder, or the run did not record it)."""
        if state.behind is None or self.recorders is None:
            return None
        why = self.recorders.get(state.reached_at, "recorder not seen")
        return f"not enumerated in {self.label}: {why}" if why else None

    def covers(self, address: str) -> bool | None:
        """True or False when the recorded scope says; None when it cannot (no scope, or
        entries that are not addresses, such as a document from an import)."""
        try:
            value = int(ip_address(address))
        except ValueError:
            return None
        ranges = _ranges(self.scope)
        if ranges is None:
            return None
        return any(first <= value <= last for first, last in ranges)


def recorder_outcomes(doc: ScanDocument) -> dict[str, str]:
    """Each recorder of ``doc`` by address: "" when its channel list was read this run, else
    why not ('recorder login refused', 'no recorder login given', 'recorder API timeout').

    A recorder is a device typed so, with :attr:`Device.channels` or a ``recorder`` attempt; the
    probe's attempt statuses are documented in :mod:`camscan.probe.recorder.probe`.
    """
    out: dict[str, str] = {}
    for device in doc.devices:
        tried = [a for a in device.attempts if a.probe == "recorder"]
        typed = device.identification.device_type == "recorder"
        if device.behind is not None or (device.channels is None and not tried and not typed):
            continue
        status = {a.status for a in tried} - {AttemptStatus.SKIPPED}
        if AttemptStatus.OK in status:
            out[device.address] = ""
        elif AttemptStatus.DENIED in status:
            out[device.address] = "recorder login refused"
        elif status:
            out[device.address] = "recorder API " + "/".join(sorted(status))
        else:
            out[device.address] = "no recorder login given"
    return out


def unread_outcomes(doc: ScanDocument, keys: Sequence[str]) -> dict[str, str]:
    """Devices of ``doc`` (by identity key, ``keys`` in device order) that a probe could not
    read: key → 'login refused', 'probe timed out' or 'probe cut short (scan interrupted)'
    (a refused login named first). Devices every probe read are left out."""
    out: dict[str, str] = {}
    for key, device in zip(keys, doc.devices, strict=True):
        seen = {a.status for a in device.attempts if a.status in _BLIND}
        if seen:
            out[key] = "; ".join(_BLIND[s] for s in _BLIND if s in seen)
    return out


def _ranges(scope: Sequence[str]) -> list[tuple[int, int]] | None:
    out = []
    for item in scope:
        try:
            if "-" in item:
                first, last = item.split("-", 1)
                out.append((int(IPv4Address(first.strip())), int(IPv4Address(last.strip()))))
            else:
                net = IPv4Network(item.strip(), strict=False)
                out.append((int(net.network_address), int(net.broadcast_address)))
        except ValueError:
            return None
    return out or None


@dataclass(frozen=True)
class Uncompared:
    """A device seen by one run only that the other run did not look for."""

    state: DeviceState
    reason: str


@dataclass(frozen=True)
class RunDiff:
    """The difference between two runs (or a run and a fresh scan)."""

    new: tuple[DeviceState, ...]
    gone: tuple[DeviceState, ...]
    changed: tuple[DeviceChange, ...]
    back: tuple[DeviceState, ...] = ()  # seen at the site before, missing from the older run
    uncompared: tuple[Uncompared, ...] = ()  # in one run only, outside what the other covered
    notes: tuple[str, ...] = ()  # what limited the comparison (ports, interrupted runs)

    @property
    def empty(self) -> bool:
        """True when nothing changed (devices not compared are not changes)."""
        return not (self.new or self.gone or self.changed or self.back)

    def newly_flagged(self) -> list[DeviceState]:
        """Devices restricted/suspected now that were not before (new and back ones included)."""
        flagged = [s for s in (*self.new, *self.back) if s.restricted or s.suspected]
        flagged += [
            c.new
            for c in self.changed
            if (c.new.restricted or c.new.suspected) and not (c.old.restricted or c.old.suspected)
        ]
        return flagged

    def as_dict(self) -> dict[str, object]:
        """Plain data for ``--format json``."""
        return {
            "new": [_state_dict(s) for s in self.new],
            "back": [_state_dict(s) for s in self.back],
            "gone": [_state_dict(s) for s in self.gone],
            "changed": [
                {
                    "key": c.new.key,
                    "address": c.new.address,
                    "changes": [
                        {"field": ch.field, "old": ch.old, "new": ch.new} for ch in c.changes
                    ],
                }
                for c in self.changed
            ],
            "not_compared": [{**_state_dict(u.state), "reason": u.reason} for u in self.uncompared],
            "notes": list(self.notes),
        }


def _state_dict(s: DeviceState) -> dict[str, object]:
    return {
        "key": s.key,
        "address": s.address,
        "mac": s.mac,
        "vendor": s.vendor,
        "brand": s.brand,
        "model": s.model,
        "firmware": s.firmware,
        "device_type": s.device_type,
        "restricted": s.restricted,
        "suspected": s.suspected,
        "policies": list(s.policies),
        "ports": list(s.ports),
    }


def _value(state: DeviceState, field: str) -> object:
    value = getattr(state, field)
    return list(value) if isinstance(value, tuple) else value


def _ports_note(old: Coverage, new: Coverage) -> tuple[frozenset[int] | None, str | None]:
    """The ports both sweeps tried when they differ (None: compare every port), and a note."""
    if old.ports is None or new.ports is None or set(old.ports) == set(new.ports):
        return None, None
    common = frozenset(old.ports) & frozenset(new.ports)
    shown = " ".join(str(p) for p in sorted(common)[:12]) + (" …" if len(common) > 12 else "")
    return common, (
        f"open ports compared only on the {len(common)} port(s) both sweeps tried "
        f"({shown or 'none'}): {old.label} tried {len(old.ports)}, {new.label} {len(new.ports)}"
    )


def _missing_reason(state: DeviceState, seen_by: Coverage, missed_by: Coverage) -> str | None:
    """Why a device ``seen_by`` one run and missing from ``missed_by`` is not a change."""
    if missed_by.covers(state.reached_at) is False:
        return f"{state.reached_at} is outside {missed_by.label}'s scope"
    if why := missed_by.unenumerated(state):
        return why
    if not missed_by.complete:
        return f"{missed_by.label} was interrupted or incomplete and may not have reached it"
    return None


def diff_states(
    old: Mapping[str, DeviceState],
    new: Mapping[str, DeviceState],
    known: AbstractSet[str] = frozenset(),
    *,
    old_cov: Coverage | None = None,
    new_cov: Coverage | None = None,
) -> RunDiff:
    """Compare two runs' devices by identity; ``known``: keys the site saw up to the old run;
    ``old_cov`` / ``new_cov``: what each run looked at (None: everything both saw)."""
    old_cov = old_cov or Coverage("the older run")
    new_cov = new_cov or Coverage("the newer run")
    common_ports, ports_note = _ports_note(old_cov, new_cov)

    def value(state: DeviceState, field: str) -> object:
        if field == "ports" and common_ports is not None:
            return [p for p in state.ports if p in common_ports]
        return _value(state, field)

    changed: list[DeviceChange] = []
    uncompared: list[Uncompared] = []
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key], new[key]
        skipped: set[str] = set()
        for cov, state in ((old_cov, a), (new_cov, b)):  # fields one run could not read
            if unread := [f for f in cov.blind(state) if value(a, f) != value(b, f)]:
                skipped.update(unread)
                reason = (cov.unread or {}).get(key, "")
                uncompared.append(
                    Uncompared(b, f"{', '.join(unread)} not read in {cov.label}: {reason}")
                )
        changes = tuple(
            Change(f, value(a, f), value(b, f))
            for f in FIELDS
            if f not in skipped and value(a, f) != value(b, f)
        )
        if changes:
            changed.append(DeviceChange(a, b, changes))
    fresh: list[DeviceState] = []
    back: list[DeviceState] = []
    gone: list[DeviceState] = []
    for key in sorted(new.keys() - old.keys()):
        why = _missing_reason(new[key], new_cov, old_cov) if key in known else None
        if key in known and why is None:
            back.append(new[key])
        elif key in known:
            uncompared.append(Uncompared(new[key], why or ""))
        elif old_cov.covers(new[key].reached_at) is False:  # first seen where no run looked
            uncompared.append(
                Uncompared(new[key], f"{new[key].reached_at} is outside {old_cov.label}'s scope")
            )
        elif why := old_cov.unenumerated(new[key]):  # its recorder was not enumerated before
            uncompared.append(Uncompared(new[key], why))
        else:
            fresh.append(new[key])
    for key in sorted(old.keys() - new.keys()):
        why = _missing_reason(old[key], old_cov, new_cov)
        if why is None:
            gone.append(old[key])
        else:
            uncompared.append(Uncompared(old[key], why))
    return RunDiff(
        new=tuple(fresh),
        back=tuple(back),
        gone=tuple(gone),
        changed=tuple(changed),
        uncompared=tuple(uncompared),
        notes=(ports_note,) if ports_note else (),
    )


def _line(s: DeviceState) -> str:
    maker = s.vendor or "unknown"
    if s.brand and s.brand != s.vendor:
        maker += f" (sold as {s.brand})"
    flag = " RESTRICTED" if s.restricted else (" suspected" if s.suspected else "")
    return clean(
        f"{s.address} {s.key} {maker} {s.model or '?'} fw {s.firmware or '?'}"
        f" {s.device_type}{flag}",
        300,
    )


def _show(value: object) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value) or "none"
    return "none" if value is None else str(value)


def render_diff_text(diff: RunDiff, old_label: str, new_label: str) -> str:
    """ndiff-style text: '- ' gone or old, '+ ' new or now, '? ' what changed."""
    lines = [f"--- {old_label}", f"+++ {new_label}"]
    lines += [f"+ {_line(s)}" for s in diff.new]
    lines += [f"+ {_line(s)} (back)" for s in diff.back]
    lines += [f"- {_line(s)}" for s in diff.gone]
    for c in diff.changed:
        lines += [f"- {_line(c.old)}", f"+ {_line(c.new)}"]
        what = ", ".join(
            ("moved " if ch.field == "address" else f"{ch.field} ")
            + f"{_show(ch.old)} -> {_show(ch.new)}"
            for ch in c.changes
        )
        lines.append(f"? {clean(what, 400)}")
    if diff.empty:
        lines.append("  no changes")
    lines += [f"# not compared: {_line(u.state)}: {clean(u.reason, 300)}" for u in diff.uncompared]
    lines += [f"# {clean(note, 400)}" for note in diff.notes]
    counts = (
        f"{len(diff.new)} new{f', {len(diff.back)} back' if diff.back else ''},"
        f" {len(diff.gone)} gone, {len(diff.changed)} changed"
        f" ({sum(1 for c in diff.changed if c.moved)} moved)"
        + (f", {len(diff.uncompared)} not compared" if diff.uncompared else "")
    )
    lines.append(counts)
    return "\n".join(lines) + "\n"


def render_diff_json(diff: RunDiff, old_run: int | None, new_run: int | None) -> str:
    """The diff as JSON with the run ids compared."""
    return json.dumps({"old_run": old_run, "new_run": new_run, **diff.as_dict()}, indent=2) + "\n"

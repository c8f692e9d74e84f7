"""What changed between two runs: devices new, back, gone, re-flashed, moved or re-classified.

Devices are matched by identity (see :mod:`camscan.store.identity`), so a camera that moved
to another address is one "moved" change, not a gone plus a new device; a device the site had
seen before that was missing from the older run is "back", not "new".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from camscan.sanitize import clean
from camscan.store.identity import COMPARED, DeviceState

FIELDS = COMPARED  # compared fields in listing order; "address" is reported as "moved"


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
class RunDiff:
    """The difference between two runs (or a run and a fresh scan)."""

    new: tuple[DeviceState, ...]
    gone: tuple[DeviceState, ...]
    changed: tuple[DeviceChange, ...]
    back: tuple[DeviceState, ...] = ()  # seen at the site before, missing from the older run

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
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


def diff_states(
    old: Mapping[str, DeviceState],
    new: Mapping[str, DeviceState],
    known: AbstractSet[str] = frozenset(),
) -> RunDiff:
    """Compare two runs' devices by identity; ``known``: keys the site saw up to the old run."""
    changed = []
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key], new[key]
        changes = tuple(
            Change(f, _value(a, f), _value(b, f)) for f in FIELDS if _value(a, f) != _value(b, f)
        )
        if changes:
            changed.append(DeviceChange(a, b, changes))
    appeared = sorted(new.keys() - old.keys())
    return RunDiff(
        new=tuple(new[k] for k in appeared if k not in known),
        back=tuple(new[k] for k in appeared if k in known),
        gone=tuple(old[k] for k in sorted(old.keys() - new.keys())),
        changed=tuple(changed),
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
    counts = (
        f"{len(diff.new)} new{f', {len(diff.back)} back' if diff.back else ''},"
        f" {len(diff.gone)} gone, {len(diff.changed)} changed"
        f" ({sum(1 for c in diff.changed if c.moved)} moved)"
    )
    lines.append(counts)
    return "\n".join(lines) + "\n"


def render_diff_json(diff: RunDiff, old_run: int | None, new_run: int | None) -> str:
    """The diff as JSON with the run ids compared."""
    return json.dumps({"old_run": old_run, "new_run": new_run, **diff.as_dict()}, indent=2) + "\n"

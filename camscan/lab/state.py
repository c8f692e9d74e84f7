"""Lab state files: what ``/run/camscan-lab/<id>.json`` records, and finding labs by it.

The state file is written before anything is created, so a crash leaves a trace that
`status`, `exec` and `down` can follow.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from camscan.lab import netns as nsmod

STATE_DIR = Path(os.environ.get("CAMSCAN_LAB_STATE_DIR", "/run/camscan-lab"))


class LabError(RuntimeError):
    """The lab could not be built or found; the message says what and where to look."""


class HostState(BaseModel):
    """One running host, as recorded in the state file."""

    model_config = ConfigDict(frozen=True)

    index: int
    address: str
    netns: str
    mac: str
    persona: str
    label: str = ""
    pid: int | None = None
    log: str = ""


class LabState(BaseModel):
    """What ``/run/camscan-lab/<id>.json`` records so `status`, `exec` and `down` find a lab."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    topology: str
    created: datetime
    owner_pid: int
    detached: bool = False
    bridge_netns: str
    auditor_netns: str
    auditor_iface: str
    auditor_addresses: list[str]
    scan_targets: list[str]
    hosts: list[HostState] = Field(default_factory=list)
    credentials_config: str = Field(
        default="",
        description="scan.toml: the topology's [[credentials]] and [[infra]] ('' = none).",
    )

    @property
    def namespaces(self) -> list[str]:
        """Every namespace of the lab."""
        return [self.bridge_netns, self.auditor_netns, *(h.netns for h in self.hosts)]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def state_path(lab_id: str) -> Path:
    """Where the state file of ``lab_id`` lives."""
    return STATE_DIR / f"{lab_id}.json"


def read_state(lab_id: str) -> LabState | None:
    """The state of ``lab_id``, or None when it has none (or it is unreadable)."""
    try:
        return LabState.model_validate_json(state_path(lab_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def list_labs() -> list[LabState]:
    """Labs with a state file, newest first."""
    if not STATE_DIR.is_dir():
        return []
    states = [read_state(p.stem) for p in STATE_DIR.glob("*.json")]
    return sorted((s for s in states if s), key=lambda s: s.created, reverse=True)


def lab_is_live(state: LabState) -> bool:
    """A lab is live while its owner runs, or when it was detached and its devices run."""
    if state.detached:
        return any(h.pid and pid_alive(h.pid) for h in state.hosts)
    return pid_alive(state.owner_pid)


def write_state(state: LabState) -> None:
    """Write ``state`` atomically (a temporary file renamed over the old one)."""
    STATE_DIR.mkdir(parents=True, exist_ok=True, mode=0o755)
    tmp = state_path(state.id).with_suffix(".tmp")
    tmp.write_text(state.model_dump_json(indent=2), encoding="utf-8")
    tmp.replace(state_path(state.id))


def new_lab_id(prefix: str = "cs") -> str:
    """A fresh ``cs-<6 hex>`` id not used by any namespace or state file."""
    while True:
        lab_id = f"{prefix}-{secrets.token_hex(3)}"
        if not nsmod.lab_namespaces(lab_id) and not state_path(lab_id).exists():
            return lab_id


def attach(lab_id: str | None = None) -> LabState:
    """The state of a running lab: ``lab_id``, or the only/newest live one."""
    if lab_id is not None:
        state = read_state(lab_id)
        if state is None:
            raise LabError(f"no lab named {lab_id} (see `camscan lab status`)")
        return state
    live = [s for s in list_labs() if lab_is_live(s)]
    if not live:
        raise LabError("no lab is running (start one with `camscan lab up`)")
    if len(live) > 1:  # on a shared machine the newest may be someone else's: never guess
        names = ", ".join(f"{s.id} ({s.name})" for s in live)
        raise LabError(f"{len(live)} labs are running ({names}): name one with --lab ID")
    return live[0]

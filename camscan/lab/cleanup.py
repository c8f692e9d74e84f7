"""Teardown: stop a lab's processes, delete its namespaces, state file and logs.

Also :func:`down_all`, which removes labs left behind by a crash (SIGKILL, power loss) and
spares labs that still run, since several people may share one machine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from camscan.lab import netns as nsmod
from camscan.lab import state as statemod

STOP_TIMEOUT = 3.0


def stop_pids(pids: Sequence[int], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM, wait, then SIGKILL each process group the lab started (pgid == pid)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    left = list(pids)
    while left and time.monotonic() < deadline:
        for pid in list(left):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            if not statemod.pid_alive(pid) or _is_zombie(pid):
                left.remove(pid)
        if left:
            time.sleep(0.02)
    for pid in left:  # only the ones still running: a reaped pid may already be reused
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] == "Z"


def _kill_namespace_processes(namespaces: Sequence[str]) -> list[int]:
    """SIGKILL whatever still runs inside the lab's own namespaces (orphans after a crash)."""
    killed: list[int] = []
    for ns in namespaces:
        for pid in nsmod.namespace_pids(ns):
            if pid == os.getpid():
                continue
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
    return killed


def teardown(lab_id: str, *, pids: Sequence[int] = ()) -> list[str]:
    """Stop the lab's processes, delete its namespaces, state file and logs; return leftovers."""
    stop_pids(pids)
    namespaces = nsmod.lab_namespaces(lab_id)
    _kill_namespace_processes(namespaces)
    left = nsmod.delete_namespaces(namespaces)
    with contextlib.suppress(FileNotFoundError):
        statemod.state_path(lab_id).unlink()
    logdir = statemod.STATE_DIR / lab_id
    if logdir.is_dir():
        for f in logdir.iterdir():
            with contextlib.suppress(OSError):
                f.unlink()
        with contextlib.suppress(OSError):
            logdir.rmdir()
    return left


@dataclass(frozen=True)
class DownReport:
    """What :func:`down_all` removed and what it left alone."""

    removed: tuple[str, ...] = ()
    skipped_live: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()


def down_all(*, force: bool = False) -> DownReport:
    """Remove every lab left behind: ``cs*-xxxxxx-*`` namespaces and their state files.

    Labs that are still running — their owner runs (another test session, a foreground
    `lab up`), or they were detached and their devices run — are left alone unless ``force``:
    several people may share one machine, and a detached lab is someone's on purpose.
    """
    ids = {nsmod.LAB_NS_RE.match(n).group(1) for n in nsmod.lab_namespaces()}  # type: ignore[union-attr]
    states = {s.id: s for s in statemod.list_labs()}
    removed: list[str] = []
    skipped: list[str] = []
    failed: list[str] = []
    for lab_id in sorted(ids | set(states)):
        state = states.get(lab_id)
        if state is not None and statemod.lab_is_live(state) and not force:
            skipped.append(lab_id)
            continue
        pids = [h.pid for h in state.hosts if h.pid] if state else []
        # Only pids still inside the lab's namespaces are ours (guards against pid reuse).
        ours = {p for ns in nsmod.lab_namespaces(lab_id) for p in nsmod.namespace_pids(ns)}
        left = teardown(lab_id, pids=[p for p in pids if p in ours])
        (failed if left else removed).append(lab_id)
    return DownReport(tuple(removed), tuple(skipped), tuple(failed))

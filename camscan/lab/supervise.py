"""Device supervision: start one device process per host and wait for its ``ready`` line.

Each device runs ``ip netns exec <ns> python -m camscan.lab.device PERSONA --address A
--iface eth0 --mac M`` in its own process group (so teardown can kill the group), with its
output in ``<state dir>/<lab id>/h<N>.log``.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from camscan.lab import netns as nsmod
from camscan.lab import state as statemod
from camscan.lab.infra import lab_tables
from camscan.lab.logins import recorder_plan, write_plan
from camscan.lab.state import HostState, LabError, LabState
from camscan.lab.topology import Topology, load_personas

READY_TIMEOUT = 30.0
_LOG_TAIL = 2000


def start_devices(
    topo: Topology,
    plan: nsmod.NetworkPlan,
    state: LabState,
    python: str,
    command: Callable[[Sequence[str], str], list[str]],
    procs: dict[int, subprocess.Popen[bytes]],
) -> list[HostState]:
    """Start every device of ``plan`` (router first) and return their hosts; no waiting.

    ``command(argv, netns)`` wraps argv to run inside a namespace. Each process is added to
    ``procs`` as soon as it starts, so a failure half-way still leaves the caller every pid
    to stop.
    """
    logdir = statemod.STATE_DIR / state.id
    logdir.mkdir(parents=True, exist_ok=True)
    personas = load_personas(topo)
    # (index, address, persona file, endpoint, label); the router is index 0.
    devices = [
        (index, spec.address, topo.persona_path(spec), ep, spec.label)
        for (index, spec), ep in zip(topo.iter_hosts(), plan.hosts, strict=True)
    ]
    router_path = topo.router_path()
    if topo.router is not None and plan.router and router_path is not None:
        first = plan.router[0]
        devices.insert(0, (0, topo.router.addresses[0], router_path, first, topo.router.label))
    specs = dict(topo.iter_hosts())
    hosts: list[HostState] = []
    for index, address, persona, ep, label in devices:
        log = logdir / f"h{index}.log"
        extra: list[str] = []
        snmp = personas[persona].snmp
        if snmp is not None and snmp.infra_tables is not None:
            tables = logdir / f"h{index}-snmp.json"
            data = lab_tables(snmp.infra_tables, topo, plan, personas, ep)
            tables.write_text(json.dumps(data), encoding="utf-8")
            extra = ["--snmp-tables", str(tables)]
        spec = specs.get(index)
        if spec is not None and spec.channels:
            recorder = write_plan(logdir, index, recorder_plan(topo, spec, personas))
            extra += ["--recorder", str(recorder)]
        cmd = [
            *command([python, "-m", "camscan.lab.device"], ep.netns),
            str(persona),
            "--address",
            str(address),
            "--iface",
            ep.iface,
            "--mac",
            ep.mac or "",
            *extra,
        ]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd="/",
            )
        procs[proc.pid] = proc
        hosts.append(
            HostState(
                index=index,
                address=str(address),
                netns=ep.netns,
                mac=ep.mac or "",
                persona=str(persona),
                label=label,
                pid=proc.pid,
                log=str(log),
            )
        )
    return hosts


def wait_ready(
    hosts: list[HostState], procs: dict[int, subprocess.Popen[bytes]], timeout: float
) -> None:
    """Wait for each device's ``ready`` line; fail with the silent ones' log tails."""
    pending = {h.index: h for h in hosts}
    deadline = time.monotonic() + timeout
    while pending:
        for idx, host in list(pending.items()):
            text = read_head(Path(host.log))
            if any(line.startswith("ready") for line in text.splitlines()):
                del pending[idx]
                continue
            proc = procs.get(host.pid or -1)
            if proc is not None and proc.poll() is not None:
                raise LabError(
                    f"device h{idx} ({host.address}, {Path(host.persona).name}) exited with "
                    f"status {proc.returncode} before it was ready:\n{tail(host.log)}"
                )
        if not pending:
            break
        if time.monotonic() > deadline:
            names = ", ".join(f"h{h.index} {h.address}" for h in pending.values())
            first = next(iter(pending.values()))
            raise LabError(
                f"{len(pending)} device(s) not ready after {timeout:.0f}s: {names}"
                f"\nlog of h{first.index}:\n{tail(first.log)}"
            )
        time.sleep(0.05)


def read_head(path: Path, limit: int = 4096) -> str:
    """The first ``limit`` bytes of a log as text ("" when unreadable)."""
    try:
        with path.open("rb") as fh:
            return fh.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def tail(path: str | Path) -> str:
    """The last lines of a log, indented for an error message."""
    try:
        data = Path(path).read_bytes()[-_LOG_TAIL:]
    except OSError:
        return "  (no log)"
    return "\n".join("  " + line for line in data.decode("utf-8", "replace").splitlines())

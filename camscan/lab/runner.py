"""Bring a topology to life: network, one device process per host, state file, teardown.

The :class:`Lab` owns everything it creates and removes it on ``down()``, on an exception,
on Ctrl-C and on SIGTERM. A lab left behind by a crash (SIGKILL, power loss) is found by
its namespace names and its state file and removed by :func:`down_all`.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from camscan.lab import netns as nsmod
from camscan.lab.infra import lab_tables
from camscan.lab.topology import Topology, host_mac, load_personas, load_topology

STATE_DIR = Path(os.environ.get("CAMSCAN_LAB_STATE_DIR", "/run/camscan-lab"))
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 3.0
_LOG_TAIL = 2000


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

    @property
    def namespaces(self) -> list[str]:
        """Every namespace of the lab."""
        return [self.bridge_netns, self.auditor_netns, *(h.netns for h in self.hosts)]


def _pid_alive(pid: int) -> bool:
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
        return any(h.pid and _pid_alive(h.pid) for h in state.hosts)
    return _pid_alive(state.owner_pid)


def _stop_pids(pids: Sequence[int], timeout: float = STOP_TIMEOUT) -> None:
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
            if not _pid_alive(pid) or _is_zombie(pid):
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
    _stop_pids(pids)
    namespaces = nsmod.lab_namespaces(lab_id)
    _kill_namespace_processes(namespaces)
    left = nsmod.delete_namespaces(namespaces)
    with contextlib.suppress(FileNotFoundError):
        state_path(lab_id).unlink()
    logdir = STATE_DIR / lab_id
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
    states = {s.id: s for s in list_labs()}
    removed: list[str] = []
    skipped: list[str] = []
    failed: list[str] = []
    for lab_id in sorted(ids | set(states)):
        state = states.get(lab_id)
        if state is not None and lab_is_live(state) and not force:
            skipped.append(lab_id)
            continue
        pids = [h.pid for h in state.hosts if h.pid] if state else []
        # Only pids still inside the lab's namespaces are ours (guards against pid reuse).
        ours = {p for ns in nsmod.lab_namespaces(lab_id) for p in nsmod.namespace_pids(ns)}
        left = teardown(lab_id, pids=[p for p in pids if p in ours])
        (failed if left else removed).append(lab_id)
    return DownReport(tuple(removed), tuple(skipped), tuple(failed))


def new_lab_id(prefix: str = "cs") -> str:
    """A fresh ``cs-<6 hex>`` id not used by any namespace or state file."""
    while True:
        lab_id = f"{prefix}-{secrets.token_hex(3)}"
        if not nsmod.lab_namespaces(lab_id) and not state_path(lab_id).exists():
            return lab_id


#: The auditor's MAC in a routed lab (locally administered), so the switch tables can name it.
AUDITOR_MAC = "02:00:00:00:00:fa"


def router_mac(first: str, index: int) -> str:
    """The MAC of a router's or host's ``eth<index>``: its first MAC, last octet advanced."""
    head, last = first.rsplit(":", 1)
    return f"{head}:{(int(last, 16) + index) % 256:02x}"


def _gateway(topology: Topology, addr: IPv4Address) -> IPv4Address | None:
    """The router's address in ``addr``'s subnet (None when not routed)."""
    if topology.router is None:
        return None
    net = IPv4Network(f"{addr}/{topology.prefixlen(addr)}", strict=False)
    return next((r for r in topology.router.addresses if r in net), None)


def plan_network(topology: Topology, lab_id: str) -> nsmod.NetworkPlan:
    """Name every namespace and interface of a lab before creating anything."""
    personas = load_personas(topology)
    addrs = tuple((a, topology.prefixlen(a)) for a in topology.auditor)
    router: tuple[nsmod.Endpoint, ...] = ()
    auditor_routes: tuple[str, ...] = ()
    if topology.router is not None:
        gateway = _gateway(topology, topology.auditor[0])
        auditor_routes = tuple(
            f"{net} via {gateway}"
            for net in topology.subnets
            if topology.auditor[0] not in net and any(r in net for r in topology.router.addresses)
        )
        router = tuple(
            nsmod.Endpoint(
                f"{lab_id}-rt",
                f"eth{i}",
                f"r{topology.vlan_of(a)}",
                router_mac(topology.router.mac, i),
                ((a, topology.prefixlen(a)),),
                vlan=topology.vlan_of(a),
            )
            for i, a in enumerate(topology.router.addresses)
        )
    auditor = nsmod.Endpoint(
        f"{lab_id}-aud",
        nsmod.DEVICE_IFACE,
        "p0",
        AUDITOR_MAC if router else None,
        addrs,
        vlan=topology.vlan_of(topology.auditor[0]),
        routes=auditor_routes,
    )
    hosts = []
    links = []
    for i, h in topology.iter_hosts():
        gateway = _gateway(topology, h.address)
        mac = host_mac(h, personas[topology.persona_path(h)])
        hosts.append(
            nsmod.Endpoint(
                f"{lab_id}-h{i}",
                nsmod.DEVICE_IFACE,
                f"p{i}",
                mac,
                ((h.address, topology.prefixlen(h.address)),),
                vlan=topology.vlan_of(h.address),
                routes=(f"default via {gateway}",) if gateway else (),
            )
        )
        links += [
            nsmod.Endpoint(
                f"{lab_id}-h{i}",
                f"eth{k}",
                f"p{i}l{k}",
                router_mac(mac, k),
                ((addr, topology.prefixlen(addr)),),
                vlan=topology.vlan_of(addr),
            )
            for k, addr in enumerate(h.links, start=1)
        ]
    return nsmod.NetworkPlan(lab_id, f"{lab_id}-br", auditor, tuple(hosts), router, tuple(links))


@dataclass
class Lab:
    """A simulated building in network namespaces; a sync and async context manager.

    ``with Lab("examples/lab/building.yaml") as lab: lab.exec(["camscan", "scan", ...])``
    runs commands in the auditor namespace. Devices run as
    ``ip netns exec <ns> python -m camscan.lab.device PERSONA --address A --iface eth0``.
    """

    topology: Topology | str | Path
    ready_timeout: float = READY_TIMEOUT
    detach: bool = False
    python: str = sys.executable
    on_progress: Callable[[str], None] | None = None
    state: LabState | None = field(default=None, init=False)
    _procs: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict, init=False)
    _prev_sigterm: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.topology, Topology):
            self.topology = load_topology(self.topology)

    @property
    def topo(self) -> Topology:
        """The loaded topology."""
        assert isinstance(self.topology, Topology)
        return self.topology

    @property
    def id(self) -> str:
        """``cs-<6 hex>``; raises before ``up()``."""
        return self._state().id

    @property
    def auditor_netns(self) -> str:
        """Namespace where scans run."""
        return self._state().auditor_netns

    @property
    def auditor_iface(self) -> str:
        """The auditor's interface name (pass to ``camscan scan --iface``)."""
        return self._state().auditor_iface

    @property
    def auditor_address(self) -> str:
        """The auditor's first address."""
        return self._state().auditor_addresses[0]

    @property
    def hosts(self) -> list[HostState]:
        """Running hosts."""
        return list(self._state().hosts)

    def _state(self) -> LabState:
        if self.state is None:
            raise LabError("the lab is not up")
        return self.state

    def _say(self, text: str) -> None:
        if self.on_progress is not None:
            self.on_progress(text)

    # -- lifecycle -------------------------------------------------------------------------

    def up(self) -> Lab:
        """Build the network and start every device; tear everything down on any failure."""
        problem = nsmod.lab_support_problem()
        if problem:
            raise LabError(problem)
        topo = self.topo
        lab_id = new_lab_id(topo.prefix)
        plan = plan_network(topo, lab_id)
        self._install_sigterm()
        try:
            start = time.monotonic()
            self.state = LabState(
                id=lab_id,
                name=topo.name,
                topology=str(topo.base_dir),
                created=datetime.now(UTC),
                owner_pid=os.getpid(),
                detached=self.detach,
                bridge_netns=plan.bridge_netns,
                auditor_netns=plan.auditor.netns,
                auditor_iface=plan.auditor.iface,
                auditor_addresses=[str(a) for a, _ in plan.auditor.addresses],
                scan_targets=[str(n) for n in topo.scan_targets],
            )
            self._write_state()  # before creating anything, so a crash leaves a trace
            nsmod.build_network(plan)
            self._say(
                f"network {lab_id}: {len(plan.namespaces)} namespaces in "
                f"{time.monotonic() - start:.1f}s"
            )
            self._start_devices(plan)
            self._say(f"{len(plan.hosts)} devices ready in {time.monotonic() - start:.1f}s")
        except BaseException:
            self.down()
            raise
        # Last line of defence: a signal between here and the caller's `with` body, or a
        # forgotten down(), still removes the lab when the interpreter exits.
        atexit.register(self._down_at_exit)
        return self

    def _down_at_exit(self) -> None:
        if self.state is not None and not self.state.detached:
            self.down()

    def _start_devices(self, plan: nsmod.NetworkPlan) -> None:
        state = self._state()
        logdir = STATE_DIR / state.id
        logdir.mkdir(parents=True, exist_ok=True)
        topo = self.topo
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
            cmd = [
                *self.command([self.python, "-m", "camscan.lab.device"], netns=ep.netns),
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
            self._procs[proc.pid] = proc
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
        self.state = state.model_copy(update={"hosts": hosts})
        self._write_state()
        self._wait_ready(hosts)

    def _wait_ready(self, hosts: list[HostState]) -> None:
        """Wait for each device's ``ready`` line; fail with the silent ones' log tails."""
        pending = {h.index: h for h in hosts}
        deadline = time.monotonic() + self.ready_timeout
        while pending:
            for idx, host in list(pending.items()):
                text = _read_head(Path(host.log))
                if any(line.startswith("ready") for line in text.splitlines()):
                    del pending[idx]
                    continue
                proc = self._procs.get(host.pid or -1)
                if proc is not None and proc.poll() is not None:
                    raise LabError(
                        f"device h{idx} ({host.address}, {Path(host.persona).name}) exited with "
                        f"status {proc.returncode} before it was ready:\n{_tail(host.log)}"
                    )
            if not pending:
                break
            if time.monotonic() > deadline:
                names = ", ".join(f"h{h.index} {h.address}" for h in pending.values())
                first = next(iter(pending.values()))
                raise LabError(
                    f"{len(pending)} device(s) not ready after {self.ready_timeout:.0f}s: {names}"
                    f"\nlog of h{first.index}:\n{_tail(first.log)}"
                )
            time.sleep(0.05)

    def down(self) -> list[str]:
        """Stop devices and delete every namespace; safe to call twice. Returns leftovers."""
        atexit.unregister(self._down_at_exit)
        try:
            if self.state is None:
                return []
            left = teardown(self.state.id, pids=list(self._procs))
            for proc in self._procs.values():
                with contextlib.suppress(Exception):
                    proc.wait(timeout=0.5)
            self._procs.clear()
            self.state = None
            return left
        finally:
            self._restore_sigterm()

    def release(self) -> LabState:
        """Leave the lab running (``--detach``): record it as detached and forget it here."""
        atexit.unregister(self._down_at_exit)
        state = self._state().model_copy(update={"detached": True})
        self.state = state
        self._write_state()
        self._procs.clear()
        self.state = None
        self._restore_sigterm()
        return state

    def _write_state(self) -> None:
        state = self._state()
        STATE_DIR.mkdir(parents=True, exist_ok=True, mode=0o755)
        tmp = state_path(state.id).with_suffix(".tmp")
        tmp.write_text(state.model_dump_json(indent=2), encoding="utf-8")
        tmp.replace(state_path(state.id))

    def _install_sigterm(self) -> None:
        """Turn SIGTERM into SystemExit so ``finally``/``__exit__`` tear the lab down."""
        if threading.current_thread() is not threading.main_thread():
            return

        def _on_term(signum: int, _frame: FrameType | None) -> None:
            raise SystemExit(128 + signum)

        self._prev_sigterm = signal.signal(signal.SIGTERM, _on_term)

    def _restore_sigterm(self) -> None:
        if self._prev_sigterm is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._prev_sigterm)
            self._prev_sigterm = None

    # -- running things in the auditor namespace ------------------------------------------

    def command(self, cmd: Sequence[str], *, netns: str | None = None) -> list[str]:
        """``ip netns exec <auditor> CMD...`` as an argv list."""
        ip = nsmod.ip_binary() or "ip"
        return [ip, "netns", "exec", netns or self.auditor_netns, *cmd]

    def exec(
        self, cmd: Sequence[str], *, timeout: float | None = None, check: bool = False, **kw: Any
    ) -> subprocess.CompletedProcess[str]:
        """Run ``cmd`` in the auditor namespace and capture its output as text."""
        kw.setdefault("capture_output", True)
        return subprocess.run(self.command(cmd), text=True, timeout=timeout, check=check, **kw)

    async def aexec(
        self, cmd: Sequence[str], *, timeout: float | None = None
    ) -> tuple[int, str, str]:
        """Async :meth:`exec`: (returncode, stdout, stderr)."""
        import asyncio

        proc = await asyncio.create_subprocess_exec(
            *self.command(cmd), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        return proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")

    def host(self, address: str | IPv4Address) -> HostState:
        """The running host at ``address``."""
        for h in self.hosts:
            if h.address == str(address):
                return h
        raise LabError(f"no host {address} in lab {self.id}")

    # -- context managers ----------------------------------------------------------------

    def __enter__(self) -> Lab:
        return self.up()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.down()

    async def __aenter__(self) -> Lab:
        import asyncio

        await asyncio.to_thread(self.up)
        return self

    async def __aexit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        import asyncio

        await asyncio.to_thread(self.down)


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


def _read_head(path: Path, limit: int = 4096) -> str:
    try:
        with path.open("rb") as fh:
            return fh.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _tail(path: str | Path) -> str:
    try:
        data = Path(path).read_bytes()[-_LOG_TAIL:]
    except OSError:
        return "  (no log)"
    return "\n".join("  " + line for line in data.decode("utf-8", "replace").splitlines())

"""Bring a topology to life: the :class:`Lab` owns a lab's network, devices and state.

The :class:`Lab` removes everything it created on ``down()``, on an exception, on Ctrl-C and
on SIGTERM. The jobs it delegates live beside it: :mod:`~camscan.lab.plan` (network plan),
:mod:`~camscan.lab.supervise` (device processes), :mod:`~camscan.lab.state` (state files) and
:mod:`~camscan.lab.cleanup` (removal, also of labs a crash left behind).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import IPv4Address
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from camscan.lab import netns as nsmod
from camscan.lab import state as statemod
from camscan.lab.cleanup import teardown
from camscan.lab.logins import write_scan_config
from camscan.lab.plan import plan_network
from camscan.lab.state import HostState, LabError, LabState, new_lab_id, write_state
from camscan.lab.supervise import READY_TIMEOUT, start_devices, wait_ready
from camscan.lab.topology import Topology, load_personas, load_topology


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
    def credentials_config(self) -> Path | None:
        """``scan.toml`` with the topology's logins and SNMP infra (``scan --config``), or None."""
        path = self._state().credentials_config
        return Path(path) if path else None

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
            logdir = statemod.STATE_DIR / lab_id
            logdir.mkdir(parents=True, exist_ok=True)
            logins = write_scan_config(topo, load_personas(topo), logdir)
            if logins is not None:
                self.state = self.state.model_copy(update={"credentials_config": str(logins)})
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
        hosts = start_devices(self.topo, plan, state, self.python, self._ns_command, self._procs)
        self.state = state.model_copy(update={"hosts": hosts})
        self._write_state()
        wait_ready(hosts, self._procs, self.ready_timeout)

    def _ns_command(self, cmd: Sequence[str], netns: str) -> list[str]:
        return self.command(cmd, netns=netns)

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
        write_state(self._state())

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

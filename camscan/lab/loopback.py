"""Personas without root: served on 127.x addresses, unicast HTTP/HTTPS/RTSP/ONVIF only.

Without network namespaces there is no bridge and no multicast, and ports below 1024 cannot
be bound, so each persona is re-homed: 80→8080, 443→8443, 554→8554 (ports every camscan
probe already tries). Discovery protocols stay off (the device runner does not multicast on
loopback). Good enough for a demo and for non-root tests of the probes and identification.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import yaml

from camscan.lab.cleanup import stop_pids
from camscan.lab.persona import Persona, load_persona
from camscan.lab.state import LabError
from camscan.lab.supervise import READY_TIMEOUT, tail
from camscan.lab.topology import Topology, load_topology

#: Privileged ports moved to the alternates the HTTP/RTSP probes already know.
PORT_MAP: Mapping[int, int] = {80: 8080, 443: 8443, 554: 8554}
#: The TCP ports a scan of loopback personas should sweep.
LOOPBACK_PORTS: tuple[int, ...] = (2020, 8000, 8080, 8443, 8554)


def _move(port: int) -> int:
    return PORT_MAP.get(port, port)


def rehome(persona: Persona) -> Persona:
    """The persona with unprivileged ports and no discovery/SNMP/mDNS sections."""
    update: dict[str, object] = {"wsd": None, "sadp": None, "dhip": None, "ssdp": None}
    update |= {"mdns": None, "snmp": None, "banners": {}}
    for name in ("http", "https", "rtsp", "onvif"):
        section = getattr(persona, name)
        if section is not None:
            update[name] = section.model_copy(update={"port": _move(section.port)})
    silent = tuple(p for p in (_move(p) for p in persona.misbehave.silent_tcp_ports) if p >= 1024)
    update["misbehave"] = persona.misbehave.model_copy(update={"silent_tcp_ports": silent})
    return persona.model_copy(update=update)


@dataclass(frozen=True)
class LoopbackHost:
    """One persona served on a loopback address."""

    address: str
    persona: str
    label: str
    pid: int


@dataclass
class LoopbackLab:
    """Run a topology's personas on ``127.<a>.<b>.<host octet>`` (no root needed).

    The second and third octets are random per run so parallel runs do not collide.
    """

    topology: Topology | str | Path
    ready_timeout: float = READY_TIMEOUT
    python: str = sys.executable
    hosts: list[LoopbackHost] = field(default_factory=list, init=False)
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list, init=False)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, init=False)

    @property
    def topo(self) -> Topology:
        """The loaded topology."""
        if not isinstance(self.topology, Topology):
            self.topology = load_topology(self.topology)
        return self.topology

    @property
    def addresses(self) -> list[str]:
        """Addresses being served."""
        return [h.address for h in self.hosts]

    def up(self) -> LoopbackLab:
        """Start every persona; stop all of them if any fails to come up."""
        topo = self.topo
        self._tmp = tempfile.TemporaryDirectory(prefix="camscan-loopback-")
        tmp = Path(self._tmp.name)
        net = f"127.{secrets.randbelow(200) + 20}.{secrets.randbelow(250) + 1}"
        logs: list[Path] = []
        try:
            for host in topo.hosts:
                persona = rehome(load_persona(topo.persona_path(host)))
                address = f"{net}.{host.address.packed[3]}"
                pfile = tmp / f"{address}.yaml"
                pfile.write_text(yaml.safe_dump(persona.model_dump(mode="json")), "utf-8")
                log = tmp / f"{address}.log"
                with log.open("wb") as out:
                    proc = subprocess.Popen(
                        [self.python, "-m", "camscan.lab.device", str(pfile), "--address", address],
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                        cwd="/",
                    )
                self._procs.append(proc)
                logs.append(log)
                self.hosts.append(
                    LoopbackHost(address, str(topo.persona_path(host)), host.label, proc.pid)
                )
            self._wait_ready(logs)
        except BaseException:
            self.down()
            raise
        return self

    def _wait_ready(self, logs: Sequence[Path]) -> None:
        deadline = time.monotonic() + self.ready_timeout
        pending = dict(enumerate(logs))
        while pending:
            for i, log in list(pending.items()):
                with contextlib.suppress(OSError):
                    if log.read_bytes().startswith(b"ready"):
                        del pending[i]
                        continue
                if self._procs[i].poll() is not None:
                    raise LabError(f"{self.hosts[i].address} exited early:\n{tail(log)}")
            if pending and time.monotonic() > deadline:
                first = logs[next(iter(pending))]
                raise LabError(f"{len(pending)} loopback device(s) not ready:\n{tail(first)}")
            time.sleep(0.05)

    def down(self) -> None:
        """Stop every device and remove the temporary persona files."""
        stop_pids([p.pid for p in self._procs])
        for proc in self._procs:
            with contextlib.suppress(Exception):
                proc.wait(timeout=0.5)
        self._procs.clear()
        self.hosts.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> LoopbackLab:
        return self.up()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.down()


def scan_command(addresses: Sequence[str], *extra: str) -> list[str]:
    """``python -m camscan scan`` over loopback personas (TCP sweep of the moved ports only)."""
    return [
        sys.executable,
        "-m",
        "camscan",
        "scan",
        *addresses,
        "--methods",
        "tcp",
        "--ports",
        ",".join(map(str, LOOPBACK_PORTS)),
        *extra,
    ]

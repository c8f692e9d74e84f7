"""What a scan is asked to do (:class:`ScanSettings`) and how it reports progress."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from camscan.probe.base import Credentials
from camscan.scope import Scope
from camscan.snmp import SnmpTarget

DEFAULT_METHODS = ("arp", "wsd", "mdns", "ssdp", "sadp", "dhip", "tcp")


@dataclass(frozen=True)
class ScanSettings:
    """Everything a scan needs; the CLI builds it from flags and configuration.

    Times are seconds. ``iface`` None: the interface comes from the routing table.
    """

    scope: Scope
    iface: str | None = None
    methods: tuple[str, ...] = DEFAULT_METHODS
    ports: tuple[int, ...] = ()
    rate: float = 0.0  # new connections (and unicast datagrams) per second; 0 = no limit
    concurrency: int = 256
    per_host: int = 2
    timeout: float = 3.0  # per probe request
    discovery_timeout: float = 2.0
    host_timeout: float = 15.0  # all probes of one host (nmap's --host-timeout); 0 = none
    credentials: Credentials = field(default_factory=Credentials)
    policies: tuple[str, ...] = ()
    signature_dirs: tuple[Path, ...] = ()  # merged over the shipped signature set
    probes: tuple[str, ...] | None = None  # None = every registered probe
    infra: tuple[SnmpTarget, ...] = ()  # --infra / [[infra]]: switches and routers to read
    imports: tuple[Path, ...] = ()  # --import: DHCP leases, nmap XML
    annotate: bool = True


@dataclass(frozen=True)
class Progress:
    """One progress event: the phase, how far it is, and a short message."""

    phase: str  # "discovery" | "sweep" | "probe" | "identify" | "done"
    done: int = 0
    total: int = 0
    message: str = ""


Observer = Callable[[Progress], None]


def notify(observer: Observer | None, event: Progress) -> None:
    """Tell the observer; a broken progress display never stops a scan."""
    if observer is None:
        return
    with contextlib.suppress(Exception):
        observer(event)


MAX_CONCURRENCY = 8192


def default_concurrency() -> int:
    """The global cap: up to 8,192 connections in flight (a silent /16 needs ~2 × 65k pings
    of 0.5-1 s each), never more than half the open-files limit."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, ValueError, OSError):
        soft = 1024
    return max(16, min(MAX_CONCURRENCY, (soft - 64) // 2))


def raise_open_files_limit() -> None:
    """Lift this process's soft open-files limit towards the hard one (as far as
    2 × MAX_CONCURRENCY + 64 needs): many systems start processes at 1,024 although the
    hard limit allows far more, which would cap a scan at ~480 connections in flight."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = 2 * MAX_CONCURRENCY + 64
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ImportError, ValueError, OSError):
        return

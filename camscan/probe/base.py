"""The probe seam: one module per probe, each a :class:`Probe` returning a :class:`ProbeResult`.

A probe never raises: timeouts, refusals and garbage become :class:`ProbeAttempt` records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from camscan.credentials import HostLogin, Login
from camscan.models import Observation, ProbeAttempt
from camscan.snmp import SnmpAuth


@dataclass(frozen=True)
class Credentials:
    """Credentials the user supplied; camscan never guesses any (nor shows them).

    ``username``/``password``: the command-line login, for every host; ``hosts``: the
    ``[[credentials]]`` tables, which win for the addresses they cover.
    """

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    snmp_community: str | None = field(default=None, repr=False)
    snmp: SnmpAuth | None = field(default=None, repr=False)  # v3 (or v2c) for the SNMP probe
    hosts: tuple[HostLogin, ...] = field(default=(), repr=False)

    def login_for(self, address: str) -> Login | None:
        """The login for ``address``: its first covering table, else the command-line one."""
        for entry in self.hosts:
            if entry.covers(address):
                return entry.login
        if self.username is not None and self.password is not None:
            return Login(self.username, self.password)
        return None


@dataclass(frozen=True)
class ProbeTarget:
    """A live host and what discovery already knows about it."""

    address: str
    open_ports: frozenset[int] = frozenset()
    onvif_xaddrs: tuple[str, ...] = ()  # device-service URLs from WS-Discovery
    upnp_locations: tuple[str, ...] = ()  # SSDP LOCATION URLs


@dataclass(frozen=True)
class BehindCamera:
    """A camera a recorder reports on one of its channels, and what the recorder said of it.

    ``address``: the camera's own (PoE-side) address when the recorder names one;
    ``api``: the recorder call that named it (e.g. ``ISAPI InputProxy``).
    """

    channel: int
    api: str
    address: str | None = None
    mac: str | None = None
    observations: tuple[Observation, ...] = ()


@dataclass
class ProbeSink:
    """What a probe has learned so far: the lists it appends to as it goes, so that when the
    engine cuts it off at the host budget every observation already made is kept."""

    observations: list[Observation] = field(default_factory=list)
    attempts: list[ProbeAttempt] = field(default_factory=list)
    cameras: list[BehindCamera] = field(default_factory=list)


@dataclass(frozen=True)
class ProbeSettings:
    """Knobs shared by all probes (timeouts in seconds, caps in bytes). ``sink``: the
    per-run :class:`ProbeSink` the engine reads if it has to cancel the probe."""

    timeout: float = 3.0
    connect_timeout: float = 1.5
    max_bytes: int = 64 * 1024
    http_paths: tuple[str, ...] = ()  # vendor paths the signature files ask for
    credentials: Credentials = field(default_factory=Credentials)
    user_agent: str = "camscan"
    sink: ProbeSink | None = field(default=None, compare=False)

    def lists(self) -> tuple[list[Observation], list[ProbeAttempt]]:
        """The observation and attempt lists a probe appends to (the engine's sink's, if any)."""
        kept = self.kept()
        return kept.observations, kept.attempts

    def kept(self) -> ProbeSink:
        """The engine's sink, or a fresh one when the probe runs on its own."""
        return self.sink if self.sink is not None else ProbeSink()


@dataclass(frozen=True)
class ProbeResult:
    """What one probe learned about one host."""

    observations: tuple[Observation, ...] = ()
    attempts: tuple[ProbeAttempt, ...] = ()
    cameras: tuple[BehindCamera, ...] = ()  # cameras behind a recorder (recorder probe)


class Probe(Protocol):
    """A read-only probe of one host.

    A probe that needs nothing from discovery but the open ports says so with a class
    attribute ``uses_discovery = False``: the engine then starts it as soon as the sweep has
    the host's ports, while discovery goes on (:mod:`camscan.engine.probing`).
    """

    name: str

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        """Probe ``target``; must not raise and must honour ``settings`` timeouts and caps."""
        ...

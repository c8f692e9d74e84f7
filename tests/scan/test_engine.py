"""The engine on loopback: real sockets on 127.0.0.x, real probes, no lab needed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from camscan.discover.base import DiscoveredHost, DiscoveryResult, DiscoverySettings
from camscan.discover.tcp import sweep_budget
from camscan.engine import Progress, ScanSettings, run_scan
from camscan.engine.hosts import MAX_OBSERVATIONS, HostTable
from camscan.models import AttemptStatus, Observation, ScanDocument
from camscan.probe.base import ProbeResult, ProbeSettings, ProbeTarget
from camscan.report.common import summarize
from camscan.scope import build_scope
from tests.helpers import http_answer

HTTP_REPLY = (
    b"HTTP/1.0 200 OK\r\nServer: Hikvision-Webs\r\nContent-Type: text/html\r\n"
    b"Content-Length: 27\r\nConnection: close\r\n\r\n<title>Hello camscan</title>"
)


# Session loop for tests and fixtures alike, so the server runs on the loop the engine uses.
session_loop = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def web(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[int]:
    """A web server on an ephemeral port, and the real HTTP probe told that port is web."""
    from camscan.probe import registry
    from camscan.probe.http import HttpProbe

    server = await asyncio.start_server(http_answer(HTTP_REPLY), "127.0.0.5", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setitem(registry.PROBES, "http", HttpProbe(ports=frozenset({port})))
    async with server:
        yield port


def settings(port: int, **kw: object) -> ScanSettings:
    base: dict[str, object] = {
        "scope": build_scope(["127.0.0.5"]),
        "methods": ("tcp",),
        "ports": (port,),
        "timeout": 2.0,
        "annotate": False,
    }
    base.update(kw)
    return ScanSettings(**base)  # type: ignore[arg-type]


@session_loop
async def test_tcp_sweep_and_http_probe_on_loopback(web: int) -> None:
    events: list[Progress] = []
    doc = await run_scan(settings(web, probes=("http",)), events.append)
    (device,) = doc.devices
    signals = {(o.signal, o.value) for o in device.observations}
    assert ("tcp.open", str(web)) in signals
    assert ("http.server", "Hikvision-Webs") in signals
    assert doc.complete
    assert not doc.interrupted
    assert doc.methods == ["tcp"]
    assert doc.scope == ["127.0.0.5"]
    assert doc.ports == [web]  # what a later diff may compare (camscan.diff.Coverage)
    assert {e.phase for e in events} >= {"discovery", "probe", "done"}


@session_loop
async def test_identification_runs_on_the_document(web: int) -> None:
    doc = await run_scan(settings(web, probes=("http",), annotate=True))
    assert doc.tool.signatures_version
    assert doc.devices[0].identification.evidence  # Hikvision-Webs is known evidence


class _Crashing:
    name = "crashing"

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        raise RuntimeError("device said something unexpected")


class _Hanging:
    name = "hanging"

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        await asyncio.sleep(3600)
        return ProbeResult()


@session_loop
async def test_broken_and_hanging_probes_do_not_stop_the_scan(
    web: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from camscan.probe import registry

    monkeypatch.setitem(registry.PROBES, "crashing", _Crashing())
    monkeypatch.setitem(registry.PROBES, "hanging", _Hanging())
    doc = await run_scan(
        settings(web, probes=("crashing", "hanging", "http"), host_timeout=1.0, per_host=3)
    )
    (device,) = doc.devices
    by_probe = {a.probe: a for a in device.attempts}
    assert by_probe["crashing"].status is AttemptStatus.ERROR
    assert "RuntimeError" in by_probe["crashing"].reason
    assert by_probe["hanging"].status is AttemptStatus.TIMEOUT  # cut off by the host budget
    assert "host budget" in by_probe["hanging"].reason
    assert any(o.signal == "http.server" for o in device.observations)
    assert doc.complete is False  # a crashed probe means the scan did not do all it should


@session_loop
async def test_stop_event_returns_partial_document(
    web: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from camscan.probe import registry

    monkeypatch.setitem(registry.PROBES, "hanging", _Hanging())
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.5, stop.set)
    doc = await asyncio.wait_for(
        run_scan(settings(web, probes=("hanging",), host_timeout=0), None, stop), 10
    )
    assert isinstance(doc, ScanDocument)
    assert doc.interrupted is True
    assert doc.complete is False
    assert [d.address for d in doc.devices] == ["127.0.0.5"]  # discovery results kept


class _Interrupting(_Hanging):
    """Reads one fact, then the operator interrupts the scan (the stop event) while it hangs."""

    name = "interrupting"

    def __init__(self, stop: asyncio.Event) -> None:
        self.stop = stop

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        observations, _attempts = settings.lists()
        observations.append(Observation(signal="http.title", value="login", source=self.name))
        self.stop.set()
        return await super().run(target, settings)


@session_loop
async def test_probes_cut_by_an_interruption_are_cancelled_and_counted(
    web: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: an interrupted scan said "0 incompletely probed" although probing was cut.
    One probe at a time per host: http finishes, 'interrupting' is cut mid-way (keeping what
    it read), 'hanging' never starts; both cut ones say so and the host counts as incomplete."""
    from camscan.probe import registry

    stop = asyncio.Event()
    monkeypatch.setitem(registry.PROBES, "interrupting", _Interrupting(stop))
    monkeypatch.setitem(registry.PROBES, "hanging", _Hanging())
    chosen = ("http", "interrupting", "hanging")
    doc = await asyncio.wait_for(
        run_scan(settings(web, probes=chosen, host_timeout=0, per_host=1), None, stop), 10
    )
    (device,) = doc.devices
    by_probe = {a.probe: a for a in device.attempts}
    assert by_probe["http"].status is AttemptStatus.OK
    assert by_probe["interrupting"].status is AttemptStatus.CANCELLED
    assert by_probe["interrupting"].reason == "scan interrupted mid-probe; kept 1 observation"
    assert by_probe["hanging"].status is AttemptStatus.CANCELLED
    assert by_probe["hanging"].reason == "scan interrupted before the probe started"
    assert ("http.title", "login") in {(o.signal, o.value) for o in device.observations}
    summary = summarize(doc)
    assert summary.incomplete == 1
    assert "1 incompletely probed (127.0.0.5); scan interrupted" in summary.line()


@session_loop
async def test_broken_observer_is_ignored(web: int) -> None:
    def observer(event: Progress) -> None:
        raise ValueError("display broke")

    doc = await run_scan(settings(web, probes=()), observer)
    assert doc.devices


class _EndsAfterAProbe:
    """A discovery method that ends only once some probe has started: a scan whose port
    probes waited for the end of discovery would never finish."""

    name = "ends-after-a-probe"
    link = False
    unicast = False
    after: tuple[str, ...] = ()
    streams = False
    reports_ports = False

    def __init__(self) -> None:
        self.probing = asyncio.Event()
        self.ended = False

    def budget(self, settings: DiscoverySettings) -> float:
        return 30.0

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        await self.probing.wait()
        self.ended = True
        return DiscoveryResult(self.name)


class _PortsOnly:
    """Needs only the open ports (as the HTTP, RTSP, TLS and banner probes)."""

    name = "ports-only"
    uses_discovery = False

    def __init__(self, method: _EndsAfterAProbe) -> None:
        self.method = method
        self.ports: list[frozenset[int]] = []

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        self.ports.append(target.open_ports)
        self.method.probing.set()
        return ProbeResult()


class _AfterDiscovery:
    """Reads discovery facts (as ONVIF reads XAddrs): must start once discovery has ended."""

    name = "after-discovery"

    def __init__(self, method: _EndsAfterAProbe) -> None:
        self.method = method
        self.saw_discovery_end: list[bool] = []

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        self.saw_discovery_end.append(self.method.ended)
        return ProbeResult()


@session_loop
async def test_port_probes_start_while_discovery_runs(
    web: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep has a host's ports: the probes that need nothing else start at once, the
    others (``uses_discovery``) once discovery has ended; nothing is lost either way."""
    from camscan.discover import registry as methods
    from camscan.probe import registry

    slow = _EndsAfterAProbe()
    early, late = _PortsOnly(slow), _AfterDiscovery(slow)
    monkeypatch.setitem(methods.METHODS, slow.name, slow)
    monkeypatch.setitem(registry.PROBES, early.name, early)
    monkeypatch.setitem(registry.PROBES, late.name, late)
    chosen = ("http", early.name, late.name)
    doc = await asyncio.wait_for(
        run_scan(settings(web, methods=("tcp", slow.name), probes=chosen)), 20
    )
    (device,) = doc.devices
    assert early.ports == [frozenset({web})]  # started with the ports the sweep found
    assert late.saw_discovery_end == [True]
    assert ("http.server", "Hikvision-Webs") in {(o.signal, o.value) for o in device.observations}
    assert doc.complete


def test_merge_keeps_the_record_being_probed() -> None:
    """Probes started on the higher address of a device write into that record: the merge
    keeps it (the other address's facts join it); two such records stay two."""
    table = HostTable(build_scope(["192.0.2.0/24"]))
    table.add(
        (
            DiscoveredHost("192.0.2.10", mac="68:6d:bc:00:00:01", open_ports=frozenset({80})),
            DiscoveredHost("192.0.2.11", mac="68:6d:bc:00:00:01"),
            DiscoveredHost("192.0.2.20", mac="68:6d:bc:00:00:02"),
            DiscoveredHost("192.0.2.21", mac="68:6d:bc:00:00:02"),
        )
    )
    merged = table.merged(probing={"192.0.2.11", "192.0.2.20", "192.0.2.21"})
    assert [r.address for r in merged] == ["192.0.2.11", "192.0.2.20", "192.0.2.21"]
    assert merged[0].open_ports == {80}
    assert any("192.0.2.10" in a.reason for a in merged[0].attempts)


def _obs(signal: str, value: str) -> Observation:
    return Observation(signal=signal, value=value, source="test")


def test_merge_one_device_per_mac_else_per_address() -> None:
    table = HostTable(build_scope(["192.0.2.0/24"]), own=["192.0.2.250"])
    table.add(
        (
            DiscoveredHost("192.0.2.10", mac="68:6d:bc:00:00:01"),
            DiscoveredHost("192.0.2.11", mac="68:6d:bc:00:00:01"),
            DiscoveredHost("192.0.2.12"),
            DiscoveredHost("192.0.2.250", mac="02:00:00:00:00:fa"),  # this host
            DiscoveredHost("198.51.100.1", mac="00:11:22:33:44:55"),  # outside scope
        )
    )
    table.add(
        (
            DiscoveredHost("192.0.2.11", observations=(_obs("sadp.DeviceDescription", "DS-2CD"),)),
            DiscoveredHost("192.0.2.12", open_ports=frozenset({80})),
        )
    )
    merged = table.merged()
    assert [r.address for r in merged] == ["192.0.2.10", "192.0.2.12"]
    first = merged[0]
    assert _obs("sadp.DeviceDescription", "DS-2CD") in first.observations
    assert any("192.0.2.11" in a.reason for a in first.attempts)
    assert merged[1].open_ports == {80}
    assert table.outside_scope == 1
    assert table.this_host == ["192.0.2.250"]


def test_observation_cap_bounds_memory() -> None:
    table = HostTable(build_scope(["192.0.2.1"]))
    flood = tuple(_obs("wsd.scope", f"onvif://x/{i}") for i in range(10_000))
    table.add((DiscoveredHost("192.0.2.1", observations=flood),))
    assert len(table.records["192.0.2.1"].observations) == MAX_OBSERVATIONS


def test_sweep_budget_covers_a_silent_slash16_and_the_rate() -> None:
    """A silent /16 pings 2 ports × 65,534 addresses at 1 s each over 2,048 connections
    (~64 s); the limit used to be 60 s, so the whole sweep was lost."""
    wide = DiscoverySettings(size=65534, concurrency=2048)
    assert sweep_budget(wide) > 2 * 65534 / 2048
    small = DiscoverySettings(size=254, tcp_ports=(80, 554), rate=5.0)
    assert sweep_budget(small) >= 254 * 2 / 5.0  # --rate spacing alone takes ~102 s
    assert sweep_budget(DiscoverySettings(size=1)) == 60.0

"""Discovery of routed hosts: the per-host (unicast) forms of WS-Discovery, DHIP, SSDP and mDNS,
each query retransmitted, on loopback (127.x; nothing leaves the host)."""

from __future__ import annotations

import asyncio
import secrets
import socket
from pathlib import Path
from typing import Any

import pytest

from camscan.discover import dhip, ssdp
from camscan.discover.base import DiscoveryMethod, DiscoveryResult, DiscoverySettings
from camscan.engine import ScanSettings, run_scan
from camscan.lab.persona import load_persona
from camscan.lab.responders.common import DeviceContext
from camscan.lab.responders.dhip import notify_dev_info
from camscan.lab.responders.ssdp import search_response, search_targets
from camscan.models import AttemptStatus
from camscan.scope import build_scope
from tests.scan.crowd import crowd

PERSONAS = Path(__file__).resolve().parents[2] / "examples" / "lab" / "personas"


def _address() -> str:
    octets = (secrets.randbelow(200) + 20, secrets.randbelow(250) + 1, secrets.randbelow(250) + 2)
    return "127.{}.{}.{}".format(*octets)


class _Lossy(asyncio.DatagramProtocol):
    """A device that loses the first request it is sent and answers the later ones."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.received = 0
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.received += 1
        if self.received > 1 and self.transport is not None:
            self.transport.sendto(self.answer, (str(addr[0]), addr[1]))


async def _ask_lossy(
    method: DiscoveryMethod, port: int, address: str, answer: bytes
) -> tuple[DiscoveryResult, _Lossy]:
    """Run ``method`` in unicast mode against a device on ``address:port`` that drops the
    first datagram it gets and answers the rest with ``answer``."""
    device = _Lossy(answer)
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: device, local_addr=(address, port), family=socket.AF_INET
    )
    try:
        result = await method.discover(
            DiscoverySettings(mode="unicast", unicast_hosts=(address,), timeout=1.5)
        )
    finally:
        transport.close()
    return result, device


async def test_unicast_dhip_survives_a_lost_datagram() -> None:
    persona = load_persona(PERSONAS / "dahua-ipc-hfw2228m.yaml")
    address = _address()
    ctx = DeviceContext(persona, address, None, persona.resolved_mac())
    assert persona.dhip is not None
    answer = notify_dev_info(ctx, persona.dhip)
    result, device = await _ask_lossy(dhip.DhipDiscovery(), dhip.PORT, address, answer)
    (host,) = result.hosts
    assert host.address == address
    assert host.mac == persona.resolved_mac()
    assert any(o.signal == "dhip.DeviceType" for o in host.observations)
    assert device.received == 3  # the first copy was lost; the retransmissions got through
    assert result.attempts[0].status is AttemptStatus.OK
    assert "asked 1 host directly" in result.attempts[0].reason


async def test_unicast_ssdp_survives_a_lost_datagram() -> None:
    persona = load_persona(PERSONAS / "axis-m1065.yaml")
    address = _address()
    ctx = DeviceContext(persona, address, None, persona.resolved_mac())
    assert persona.ssdp is not None
    st, usn = search_targets(ctx, persona.ssdp, "upnp:rootdevice")[0]
    answer = search_response(ctx, persona.ssdp, st, usn)
    result, protocol = await _ask_lossy(ssdp.SsdpDiscovery(), ssdp.PORT, address, answer)
    (host,) = result.hosts
    signals = {o.signal for o in host.observations}
    assert {"ssdp.server", "ssdp.st"} <= signals
    assert protocol.received == 3


def test_unicast_msearch_names_the_device_and_has_no_mx() -> None:
    text = ssdp.build_msearch(host="192.0.2.9").decode()
    assert "HOST: 192.0.2.9:1900\r\n" in text
    assert "MX:" not in text
    assert "MX: 1\r\n" in ssdp.build_msearch().decode()


async def test_unicast_without_live_hosts_is_a_skip_not_an_error() -> None:
    result = await dhip.DhipDiscovery().discover(DiscoverySettings(mode="unicast"))
    assert result.attempts[0].status is AttemptStatus.SKIPPED


@pytest.mark.root  # the personas' own ports (80, 443, 554) need root, even on loopback
def test_hosts_without_a_link_answer_unicast_discovery() -> None:
    """No on-link interface reaches 127.x (as with a camera VLAN behind a router): ARP and
    multicast are skipped with the reason, and each live host is asked directly."""
    personas = ["hikvision-ipc-ds2cd2185fwd.yaml", "dahua-ipc-hfw2228m.yaml", "axis-m1065.yaml"]
    with crowd(3, personas, rehome=False) as (hik, dahua_cam, axis):
        settings = ScanSettings(
            scope=build_scope([hik, dahua_cam, axis]), probes=(), discovery_timeout=1.5
        )
        doc = asyncio.run(run_scan(settings))
    by_address = {d.address: d for d in doc.devices}
    signals = {a: {o.signal for o in d.observations} for a, d in by_address.items()}
    assert {"wsd.types", "wsd.xaddrs"} <= signals[hik]
    assert "dhip.DeviceType" in signals[dahua_cam]
    assert {"ssdp.server", "upnp.manufacturer"} <= signals[axis]
    assert by_address[hik].identification.vendor == "Hikvision"
    assert by_address[dahua_cam].identification.vendor == "Dahua"
    runs = {r.method: r for r in doc.method_runs}
    for method in ("wsd", "dhip", "ssdp", "mdns"):
        assert runs[method].state == "ran", runs[method]
        assert runs[method].modes == ["unicast"]
    for method in ("arp", "sadp"):  # no unicast form: nothing they could reach
        assert runs[method].state == "skipped"
        assert runs[method].reason == "targets on loopback, no link layer"
    assert doc.complete  # nothing asked was left undone
    assert doc.interface is None


def test_an_interruption_before_the_unicast_runs_says_so() -> None:
    """Routed targets: the link run of wsd is skipped ("targets routed"), and an interruption
    came before its unicast run: the reason is the interruption, and it is not complete."""
    from camscan.engine.discovery import Discovery, _Method, _Outcome
    from camscan.engine.hosts import HostTable
    from camscan.models import MethodState
    from camscan.netroute import LinkPlan

    plan = LinkPlan(iface=None, address=None, on_link=(), chosen_by="",
                    reason="targets routed via 198.51.100.1")  # fmt: skip
    settings = ScanSettings(scope=build_scope(["192.0.2.0/24"]), probes=(), methods=("wsd", "arp"))
    disco = Discovery(settings, plan, HostTable(settings.scope), None, None)
    skipped = _Outcome("link", MethodState.SKIPPED, plan.reason, complete=True)
    disco.methods = {"wsd": _Method([skipped]), "arp": _Method([skipped])}
    runs = {r.method: r for r in disco.method_runs()}
    assert runs["wsd"].reason == "interrupted before its unicast run (targets routed)"
    assert runs["wsd"].complete is False
    assert runs["arp"].reason == "targets routed via 198.51.100.1"  # no unicast form
    disco.unicast_done = True  # the same run, not interrupted: routing is the reason
    runs = {r.method: r for r in disco.method_runs()}
    assert (runs["wsd"].reason, runs["wsd"].complete) == ("targets routed via 198.51.100.1", True)

"""Every probe against the lab's simulated devices (camscan.lab.responders) on 127.x.

The personas in examples/lab/personas use the real ports (80, 554, 161), so binding them on a
loopback address needs root; each test gets its own random 127.x address.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camscan.identify import identify
from camscan.lab.device import RunningDevice, start_device, tcp_ports
from camscan.lab.persona import Persona, load_persona
from camscan.models import AttemptStatus, Observation
from camscan.probe.base import Credentials, ProbeResult, ProbeSettings, ProbeTarget
from camscan.probe.registry import PROBES
from camscan.signatures import load_signatures
from tests.helpers import REPO
from tests.probe.conftest import fresh_loopback

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="personas bind ports < 1024: needs root"),
]
PERSONAS = REPO / "examples" / "lab" / "personas"
SETTINGS = ProbeSettings(
    timeout=1.5,
    connect_timeout=0.5,
    http_paths=("/ISAPI/System/deviceInfo", "/RPC2_Login", "/SDK/activateStatus"),
)


def persona(name: str) -> Persona:
    path = PERSONAS / f"{name}.yaml"
    if not path.is_file():
        pytest.skip(f"persona {name} not in {PERSONAS}")
    return load_persona(path)


class Device:
    def __init__(self, running: RunningDevice, address: str, ports: frozenset[int]) -> None:
        self.running = running
        self.address = address
        self.ports = ports

    def target(self, **extra: object) -> ProbeTarget:
        return ProbeTarget(self.address, open_ports=self.ports, **extra)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def started(p: Persona) -> AsyncIterator[Device]:
    address = fresh_loopback()
    running = await start_device(p, address)
    try:
        ports = frozenset(tcp_ports(p)) | frozenset(p.misbehave.silent_tcp_ports)
        yield Device(running, address, ports)
    finally:
        await running.aclose()


async def run_all(target: ProbeTarget, settings: ProbeSettings = SETTINGS) -> ProbeResult:
    obs: list[Observation] = []
    attempts = []
    for probe in PROBES.values():
        result = await probe.run(target, settings)
        obs.extend(result.observations)
        attempts.extend(result.attempts)
    return ProbeResult(tuple(obs), tuple(attempts))


def signals(result: ProbeResult) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for o in result.observations:
        out.setdefault(o.signal, []).append(o.value)
    return out


async def test_dahua_camera() -> None:
    async with started(persona("dahua-ipc-hfw2228m")) as dev:
        result = await run_all(dev.target())
    s = signals(result)
    assert s["rtsp.server"] == ["Dahua Rtsp Server"]
    assert s["rtsp.www_authenticate"] == ['Basic realm="device"']
    assert "CONNECTION: close" in s["http.header"]
    assert "P3P: CP=CAO PSA OUR" in s["http.header"]
    assert s["http.title"] == ["WEB SERVICE"]
    assert "/RPC2_Login 200" in s["http.path"]
    assert s["onvif.fault"] == ["ter:NotAuthorized"]  # no credentials given
    assert "http://www.onvif.org/ver10/media/wsdl" in s["onvif.service"]
    assert "onvif.manufacturer" not in s
    assert not [a for a in result.attempts if a.status in ("error", "malformed")], result.attempts


async def test_onvif_device_information_with_credentials_and_clock_skew() -> None:
    p = persona("dahua-ipc-hfw2228m")
    assert p.onvif is not None
    skewed = p.model_copy(
        update={"onvif": p.onvif.model_copy(update={"clock_offset_seconds": 7200})}
    )
    creds = ProbeSettings(
        timeout=1.5,
        connect_timeout=0.5,
        credentials=Credentials(username=p.onvif.username, password=p.onvif.password),
    )
    async with started(skewed) as dev:
        result = await PROBES["onvif"].run(dev.target(), creds)
        wrong = await PROBES["onvif"].run(
            dev.target(),
            ProbeSettings(
                timeout=1.5,
                connect_timeout=0.5,
                credentials=Credentials(username="admin", password="wrong"),
            ),
        )
    s = signals(result)
    assert abs(int(s["onvif.clock_offset"][0]) - 7200) <= 2
    assert s["onvif.manufacturer"] == ["Dahua"]
    assert s["onvif.model"] == ["IPC-HFW2228M-I1-V2"]
    assert s["onvif.firmware"] == ["2.800.0000000.25.R, Build Date 2021-05-17"]
    assert s["onvif.serial"] == ["5J0A12345PAB678"]
    assert "onvif.fault" not in s
    assert signals(wrong)["onvif.fault"] == ["ter:NotAuthorized"]


async def test_onvif_uses_wsd_xaddrs_but_never_another_host() -> None:
    async with started(persona("dahua-ipc-hfw2228m")) as dev:
        target = dev.target(
            onvif_xaddrs=(
                "http://198.51.100.9/onvif/device_service",  # not this host: must be ignored
                f"http://{dev.address}/onvif/device_service",
            )
        )
        assert PROBES["onvif"].endpoints(target) == [  # type: ignore[attr-defined]
            f"http://{dev.address}/onvif/device_service"
        ]
        result = await PROBES["onvif"].run(target, SETTINGS)
    assert "onvif.service" in signals(result)


async def test_hikvision_camera_with_snmp() -> None:
    settings = ProbeSettings(
        timeout=1.5,
        connect_timeout=0.5,
        http_paths=("/ISAPI/System/deviceInfo",),
        credentials=Credentials(snmp_community="public"),
    )
    async with started(persona("hikvision-ipc-ds2cd2185fwd")) as dev:
        result = await run_all(dev.target(), settings)
    s = signals(result)
    assert s["http.server"] == ["App-webs/"]
    assert "/ISAPI/System/deviceInfo 401" in s["http.path"]
    assert 'Basic realm="hikvision"' in s["http.www_authenticate"]
    assert 'Digest realm="Hikvision", nonce="…", stale="FALSE"' in s["rtsp.www_authenticate"]
    assert "1.3.6.1.4.1.39165.1.1.0 = DS-2CD2185FWD-I" in s["snmp.oid"]
    assert "1.3.6.1.4.1.39165.1.3.0 = V5.5.3 build 171025" in s["snmp.oid"]
    assert "snmp.sysobjectid" not in s
    on_8000 = {a.probe: a.status for a in result.attempts if a.port == 8000}
    # The SDK port answers only the banner probe's SMB negotiate (nmap-service-probes:14039);
    # to the HTTP probe's GET it stays silent, which is "not HTTP", not a timeout.
    assert on_8000["banner"] is AttemptStatus.OK
    assert s["tcp.banner"] == [
        "\\x00\\x00\\x00\\x10\\x00\\x00\\x00\\x0d\\x00\\x00\\x00\\x0d\\x00\\x00\\x00\\x00"
    ]
    assert on_8000["http"] is AttemptStatus.SKIPPED
    rules = {e.rule for e in identify(list(result.observations), None, load_signatures()).evidence}
    assert "hikvision-tcp-8000-reply" in rules  # the rule can fire now that its reply comes


async def test_tarpit_times_out_quickly_everywhere() -> None:
    async with started(persona("bad-tarpit")) as dev:
        result = await run_all(dev.target(), ProbeSettings(timeout=0.5, connect_timeout=0.3))
    assert result.observations == ()
    statuses = {a.probe: a.status for a in result.attempts if a.port in (80, 443, 554)}
    assert statuses["http"] is AttemptStatus.TIMEOUT
    assert statuses["rtsp"] is AttemptStatus.TIMEOUT
    assert statuses["tls"] is AttemptStatus.TIMEOUT


async def test_endless_http_body() -> None:
    async with started(persona("bad-endless-http")) as dev:
        result = await PROBES["http"].run(dev.target(), SETTINGS)
    # The body streams forever: the probe keeps the head and the title, stops at its byte cap
    # and says so.
    first = result.attempts[0]
    assert first.status is AttemptStatus.OK, first
    assert f"body capped at {SETTINGS.max_bytes} bytes" in first.reason
    assert ("http.server", "Boa/0.94.14rc21") in [(o.signal, o.value) for o in result.observations]
    assert ("http.title", "endless") in [(o.signal, o.value) for o in result.observations]


async def test_hostile_strings_stay_data() -> None:
    p = persona("bad-hostile-strings")
    async with started(p) as dev:
        result = await run_all(dev.target())
    for o in result.observations:
        assert "\x1b" not in o.value
        assert "\x07" not in o.value
        assert "\r" not in o.value
        assert "\n" not in o.value
        assert len(o.value) <= 1100
    s = signals(result)
    assert any(v.startswith("<script>alert(1)</script>\\x1b[2J") for v in s["http.server"])
    assert s["onvif.model"] == ["\\x1b[31mRED\\x1b[0m Injected: header"]


def test_persona_dir_exists() -> None:
    assert Path(PERSONAS).is_dir()

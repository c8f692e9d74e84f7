"""The SNMP probe (pysnmp manager side) against real pysnmp agents on 127.x: v2c, v3, errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from camscan.identify import identify
from camscan.lab.device import start_device
from camscan.lab.persona import Persona, SnmpConfig, SnmpUser, SnmpValue
from camscan.models import AttemptStatus
from camscan.probe.base import Credentials, ProbeSettings, ProbeTarget
from camscan.probe.snmp import SnmpProbe
from camscan.signatures import load_signatures
from camscan.snmp import SnmpAuth
from tests.helpers import SAMPLES

pytestmark = pytest.mark.asyncio(loop_scope="session")
PORT = 16161
# Our own record of a Hikvision DS-2CD2185FWD-I, written from LibreNMS's facts (enterprise
# 39165, .1.1.0 model, .1.3.0 firmware, no sysObjectID; librenms tests/snmpsim/hikvision-cam).
HIKVISION = {
    "1.3.6.1.4.1.39165.1.1.0": "DS-2CD2185FWD-I",
    "1.3.6.1.4.1.39165.1.3.0": "V5.5.3 build 171025",
}
USER = SnmpUser(
    user="audit", auth_protocol="sha", auth_password="auth-pass-1", priv_protocol="aes",
    priv_password="priv-pass-1",
)  # fmt: skip


def agent_persona(records: dict[str, str], community: str | None = "s3cret") -> Persona:
    snmp = SnmpConfig(
        port=PORT,
        community=community,
        v3_users=(USER,),
        oids={k: SnmpValue(value=v) for k, v in records.items()},
    )
    return Persona(id="snmp-agent", mac="00:00:5e:00:53:01", snmp=snmp)


@pytest.fixture
async def agent(loopback: str) -> AsyncIterator[str]:
    device = await start_device(agent_persona(HIKVISION), loopback)
    try:
        yield loopback
    finally:
        await device.aclose()


def settings(community: str | None = None, v3: SnmpAuth | None = None) -> ProbeSettings:
    return ProbeSettings(
        timeout=1.0,
        connect_timeout=0.5,
        credentials=Credentials(snmp_community=community, snmp=v3),
    )


async def test_snmp_reads_hikvision_model_and_firmware_v2c(agent: str) -> None:
    result = await SnmpProbe(port=PORT).run(ProbeTarget(agent), settings("s3cret"))
    assert sorted((o.signal, o.value) for o in result.observations) == [
        ("snmp.oid", "1.3.6.1.4.1.39165.1.1.0 = DS-2CD2185FWD-I"),
        ("snmp.oid", "1.3.6.1.4.1.39165.1.3.0 = V5.5.3 build 171025"),
    ]
    assert result.attempts[0].status is AttemptStatus.OK
    assert "v2c" in result.attempts[0].reason


async def test_snmp_v3_authpriv(agent: str) -> None:
    v3 = SnmpAuth(version=3, user="audit", auth_password="auth-pass-1",
                  priv_protocol="aes", priv_password="priv-pass-1")  # fmt: skip
    result = await SnmpProbe(port=PORT).run(ProbeTarget(agent), settings(v3=v3))
    assert result.attempts[0].status is AttemptStatus.OK
    assert "v3 user audit sha/aes" in result.attempts[0].reason
    assert len(result.observations) == 2


async def test_snmp_v3_wrong_pass_phrase_is_a_clear_error_without_the_secret(agent: str) -> None:
    v3 = SnmpAuth(version=3, user="audit", auth_password="wrong-pass-9",
                  priv_protocol="aes", priv_password="priv-pass-1")  # fmt: skip
    result = await SnmpProbe(port=PORT).run(ProbeTarget(agent), settings(v3=v3))
    (attempt,) = result.attempts
    assert attempt.status is AttemptStatus.ERROR
    assert "refused" in attempt.reason
    assert "WrongDigest" in attempt.reason
    assert "wrong-pass-9" not in attempt.model_dump_json()
    assert "priv-pass-1" not in repr(v3)


async def test_snmp_wrong_community_is_no_answer(agent: str) -> None:
    result = await SnmpProbe(port=PORT).run(ProbeTarget(agent), settings("public"))
    assert result.attempts[0].status is AttemptStatus.NO_ANSWER
    assert "wrong community" in result.attempts[0].reason
    assert result.observations == ()


async def test_snmp_garbage_answers_are_survived(loopback: str) -> None:
    class Garbage(asyncio.DatagramProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            self.transport.sendto(b"\x30\x84\xff\xff\xff\xff", addr)  # type: ignore[attr-defined]

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Garbage, local_addr=(loopback, PORT))
    try:
        result = await SnmpProbe(port=PORT).run(ProbeTarget(loopback), settings("public"))
    finally:
        transport.close()
    assert result.attempts[0].status is AttemptStatus.NO_ANSWER
    assert result.observations == ()


async def test_snmp_without_community_is_skipped() -> None:
    result = await SnmpProbe().run(ProbeTarget("127.0.0.1"), settings(None))
    assert result.attempts[0].status is AttemptStatus.SKIPPED
    assert "never guesses" in result.attempts[0].reason


async def test_shared_librenms_record_when_present(loopback: str) -> None:
    """Extra: the real LibreNMS snmprec (../shared); our own record above carries the suite."""
    path = SAMPLES / "hikvision-snmp-DS-2CD2185FWD-I.snmprec"
    lines = path.read_text().splitlines()[1:] if path.is_file() else []
    records = {oid: value for oid, _, value in (ln.split("|", 2) for ln in lines)} or HIKVISION
    device = await start_device(agent_persona(records), loopback)
    try:
        result = await SnmpProbe(port=PORT).run(ProbeTarget(loopback), settings("s3cret"))
    finally:
        await device.aclose()
    values = {o.value.split(" = ")[0]: o.value.split(" = ")[1] for o in result.observations}
    # the probe asks only its identity OIDs (QUERY_OIDS), and reads them as the agent holds them
    assert values["1.3.6.1.4.1.39165.1.1.0"] == records["1.3.6.1.4.1.39165.1.1.0"]
    assert values["1.3.6.1.4.1.39165.1.3.0"] == records["1.3.6.1.4.1.39165.1.3.0"]
    assert all(records[oid] == value for oid, value in values.items())


async def test_snmp_reads_dahua_recorder_identity(loopback: str) -> None:
    """A Dahua NVR's sysDescr and DAHUA-SNMP-MIB identity OIDs (values as in LibreNMS's
    tests/snmpsim/dahua-nvr.snmprec, serial digits replaced) give model, firmware and type."""
    records = {
        "1.3.6.1.2.1.1.1.0": "DH-NVR4108HS-8P-4KS2",
        "1.3.6.1.4.1.1004849.2.1.1.1.0": "3.212.0000.1",
        "1.3.6.1.4.1.1004849.2.1.2.4.0": "2M00D2APAZ00000",
        "1.3.6.1.4.1.1004849.2.1.2.6.0": "DH-NVR4108HS-8P-4KS2",
    }
    device = await start_device(agent_persona(records, community="public"), loopback)
    try:
        result = await SnmpProbe(port=PORT).run(ProbeTarget(loopback), settings("public"))
    finally:
        await device.aclose()
    ident = identify(result.observations, None, load_signatures())
    assert (ident.vendor, ident.model, ident.device_type) == (
        "Dahua",
        "DH-NVR4108HS-8P-4KS2",
        "recorder",
    )
    assert (ident.firmware, ident.serial) == ("3.212.0000.1", "2M00D2APAZ00000")


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        # RFC 1213 sysServices: layer 2 only (2) is a bridge, i.e. a switch
        (
            {"1.3.6.1.2.1.1.1.0": "24-port GbE L2 managed, firmware 1.0.4", "1.3.6.1.2.1.1.7.0": 2},
            "switch",
        ),
        # layers 2+3 without end-to-end or application layers: routes (router or L3 switch)
        ({"1.3.6.1.2.1.1.1.0": "Core-2 firmware 4.1", "1.3.6.1.2.1.1.7.0": 6}, "router-or-switch"),
        # RFC 1213's own example of an application host: 72 (layers 4 and 7) says no class
        ({"1.3.6.1.2.1.1.1.0": "Linux host 5.10.0", "1.3.6.1.2.1.1.7.0": 72}, "unknown"),
        # Printer MIB (RFC 3805) prtGeneralPrinterName.1: only printers implement it
        (
            {
                "1.3.6.1.2.1.1.1.0": "Embedded Web Server 2.1",
                "1.3.6.1.2.1.43.5.1.1.16.1": "LBP-Office-2F",
            },
            "printer",
        ),
    ],
    ids=["bridge", "routing", "host", "printer-mib"],
)
async def test_standard_mib_answers_say_the_device_class(
    loopback: str, records: dict[str, str | int], expected: str
) -> None:
    snmp = SnmpConfig(
        port=PORT,
        community="public",
        oids={
            k: SnmpValue(type="integer" if isinstance(v, int) else "string", value=v)
            for k, v in records.items()
        },
    )
    persona = Persona(id="snmp-class", mac="00:00:5e:00:53:02", snmp=snmp)
    device = await start_device(persona, loopback)
    try:
        result = await SnmpProbe(port=PORT).run(ProbeTarget(loopback), settings("public"))
    finally:
        await device.aclose()
    ident = identify(result.observations, None, load_signatures())
    assert ident.device_type == expected

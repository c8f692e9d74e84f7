"""SNMP probe: sysDescr, sysObjectID and vendor model/firmware OIDs, only with credentials.

camscan never guesses a community string: without ``credentials.snmp_community`` (or an
SNMPv3 user in ``credentials.snmp``) the probe records a ``skipped`` attempt. With one, it
sends a single GetRequest (RFC 3416) over UDP 161 through pysnmp (:mod:`camscan.snmp`);
agents that fail the whole PDU (v1 style) are asked one OID at a time.

Vendor OIDs: Hikvision's enterprise number is 39165; ``.1.1.0`` is the model and ``.1.3.0``
the firmware (librenms/librenms tests/snmpsim/hikvision-cam.snmprec, a DS-2CD2185FWD-I;
LibreNMS detects Hikvision cameras by an empty sysObjectID plus that model OID). Hikvision
recorders answer under 50001 instead: ``.1.3.0`` hikEntityIndex is the serial
(librenms/librenms tests/snmpsim/hikvision-nvr.snmprec). Dahua's DAHUA-SNMP-MIB (enterprise
1004849) has softwareRevision ``.2.1.1.1.0``, serialNumber ``.2.1.2.4.0`` and deviceType
``.2.1.2.6.0`` (LibreNMS os_discovery/dahua-nvr.yaml; tests/snmpsim/dahua-nvr.snmprec).

Two standard OIDs say what kind of box answers (camscan.devicetype_protocols reads them):
sysServices ``1.3.6.1.2.1.1.7.0`` (RFC 1213/RFC 3418 SNMPv2-MIB: the OSI layers the node
serves, bit L-1 for layer L) and the Printer MIB's prtGeneralPrinterName for the first
device, ``1.3.6.1.2.1.43.5.1.1.16.1`` (RFC 3805; only printers implement the Printer MIB).
"""

from __future__ import annotations

from camscan.models import AttemptStatus, Observation
from camscan.probe.base import ProbeResult, ProbeSettings, ProbeTarget
from camscan.probe.common import Timer, attempt, decode_lenient
from camscan.sanitize import device_text
from camscan.snmp import SNMP_PORT, SnmpAuth, SnmpSession, Value

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_SERVICES = "1.3.6.1.2.1.1.7.0"
PRINTER_NAME = "1.3.6.1.2.1.43.5.1.1.16.1"
HIKVISION_MODEL = "1.3.6.1.4.1.39165.1.1.0"
HIKVISION_FIRMWARE = "1.3.6.1.4.1.39165.1.3.0"
HIKVISION_NVR_SERIAL = "1.3.6.1.4.1.50001.1.3.0"
DAHUA_SOFTWARE = "1.3.6.1.4.1.1004849.2.1.1.1.0"
DAHUA_SERIAL = "1.3.6.1.4.1.1004849.2.1.2.4.0"
DAHUA_DEVICE_TYPE = "1.3.6.1.4.1.1004849.2.1.2.6.0"
QUERY_OIDS = (
    SYS_DESCR,
    SYS_OBJECT_ID,
    SYS_SERVICES,
    PRINTER_NAME,
    HIKVISION_MODEL,
    HIKVISION_FIRMWARE,
    HIKVISION_NVR_SERIAL,
    DAHUA_SOFTWARE,
    DAHUA_SERIAL,
    DAHUA_DEVICE_TYPE,
)
_STATUS = {
    "timeout": AttemptStatus.NO_ANSWER,
    "auth": AttemptStatus.ERROR,
    "error": AttemptStatus.ERROR,
}


class SnmpProbe:
    """GET a few identity OIDs with the credentials the user gave."""

    name = "snmp"
    uses_discovery = False  # UDP 161 and the user's credentials only

    def __init__(self, port: int = SNMP_PORT) -> None:
        self.port = port

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        t = Timer()
        creds = settings.credentials
        auth = creds.snmp or (
            SnmpAuth(version=2, community=creds.snmp_community) if creds.snmp_community else None
        )
        if auth is None:
            return ProbeResult(
                attempts=(
                    attempt(
                        self.name,
                        self.port,
                        AttemptStatus.SKIPPED,
                        "no SNMP community given; camscan never guesses one",
                        t,
                    ),
                )
            )
        # One request plus one retry within the probe timeout (UDP may drop either way).
        async with SnmpSession(
            target.address, auth, port=self.port, timeout=settings.timeout / 2, retries=1
        ) as session:
            values, failure = await session.get(QUERY_OIDS)
            if (
                failure is not None
                and failure.kind == "error"
                and "error-status" in failure.message
            ):
                values = {}
                for oid in QUERY_OIDS:  # v1-style agents fail the whole PDU: ask one at a time
                    one, _ = await session.get((oid,))
                    values.update(one)
                failure = None
        if failure is not None:
            status = _STATUS[failure.kind]
            return ProbeResult(
                attempts=(attempt(self.name, self.port, status, failure.message, t),)
            )
        obs = snmp_observations(values, self.port, self.name)
        return ProbeResult(
            observations=tuple(obs),
            attempts=(
                attempt(
                    self.name,
                    self.port,
                    AttemptStatus.OK,
                    f"{len(obs)} of {len(QUERY_OIDS)} OIDs answered ({auth.describe()})",
                    t,
                ),
            ),
        )


def _text(value: Value) -> str:
    if isinstance(value, bytes):
        return device_text(decode_lenient(value[:4096]))
    return "" if value is None else device_text(str(value))


def snmp_observations(
    values: dict[str, Value], port: int, source: str = "snmp"
) -> list[Observation]:
    """sysDescr/sysObjectID as their own signals, anything else as ``snmp.oid``."""
    out: list[Observation] = []
    for oid, raw in values.items():
        value = _text(raw)
        if not value:
            continue
        if oid == SYS_DESCR:
            out.append(Observation(signal="snmp.sysdescr", value=value, port=port, source=source))
        elif oid == SYS_OBJECT_ID:
            if value not in ("0.0", ""):  # "empty" sysObjectID, as LibreNMS notes for Hikvision
                out.append(
                    Observation(signal="snmp.sysobjectid", value=value, port=port, source=source)
                )
        else:
            out.append(
                Observation(signal="snmp.oid", value=f"{oid} = {value}", port=port, source=source)
            )
    return out

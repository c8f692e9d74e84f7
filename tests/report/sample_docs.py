"""Realistic scan documents for report, history and email tests.

Identification and policy verdicts are constructed directly (not from the signature files, which
other engineers are still extending), so golden outputs only change when the renderers do. The
observation values follow the shared protocol samples and research notes (Hikvision `App-webs/`
Server header and SADP fields, Dahua DHIP `DeviceType`, Axis ONVIF manufacturer).
"""

from __future__ import annotations

from datetime import UTC, datetime

from camscan.models import (
    AttemptStatus,
    Device,
    Evidence,
    EvidenceKind,
    Identification,
    MethodRun,
    MethodState,
    Observation,
    PolicyMatch,
    PolicyResult,
    ProbeAttempt,
    ScanDocument,
    ToolInfo,
)

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
TOOL = ToolInfo(
    version="0.1.0",
    signatures_version="2026.11.1",
    signatures_date="2026-11-28",
    policies=["us-ndaa-889", "us-fcc-covered"],
)
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"


def _ndaa(entity: str, via: str, certainty: str = "confirmed") -> PolicyMatch:
    """NDAA §889's match of a named ``entity``: the statute's facts are the same for each."""
    return PolicyMatch(
        policy="us-ndaa-889",
        entity=entity,
        basis="named entity",
        source="https://www.law.cornell.edu/uscode/text/41/3901",
        clause="§889(f)(3)(B)",
        effective="2019-08-13",
        via=via,
        certainty=certainty,
    )


NDAA_HIK = _ndaa("Hangzhou Hikvision Digital Technology Co., Ltd.", "vendor")
FCC_HIK = PolicyMatch(
    policy="us-fcc-covered",
    entity="Hangzhou Hikvision Digital Technology Co., Ltd.",
    basis="Covered List entry (video surveillance equipment)",
    source="https://www.fcc.gov/supplychain/coveredlist",
    clause="47 CFR §1.50002",
    effective="2021-03-12",
    via="vendor",
)
NDAA_DAHUA = _ndaa("Dahua Technology Company", "brand", certainty="suspected")


def _o(signal: str, value: str, port: int | None = None, source: str = "probe") -> Observation:
    return Observation(signal=signal, value=value, port=port, source=source)


def _ev(
    rule: str, kind: EvidenceKind, signal: str, value: str, weight: float, **kw: str
) -> Evidence:
    return Evidence(rule=rule, kind=kind, signal=signal, value=value, weight=weight, **kw)  # type: ignore[arg-type]


def lts_camera(address: str = "192.0.2.21", firmware: str = "V5.5.82") -> Device:
    """A Hikvision camera sold under the LTS label: restricted (confirmed)."""
    return Device(
        address=address,
        mac="44:19:b6:12:34:56",
        observations=[
            _o("tcp.open", "80", 80, "tcp"),
            _o("tcp.open", "554", 554, "tcp"),
            _o("http.server", "App-webs/", 80, "http"),
            _o("sadp.DeviceDescription", "CMIP3042W-28M", None, "sadp"),
            _o("sadp.DeviceSN", "CMIP3042W-28M20190101AAWR123456789", None, "sadp"),
            _o("sadp.SoftwareVersion", firmware, None, "sadp"),
            _o("onvif.manufacturer", "LTS", 80, "onvif"),
        ],
        attempts=[
            ProbeAttempt(probe="http", port=80, status=AttemptStatus.OK, elapsed_ms=12.0),
            ProbeAttempt(probe="rtsp", port=554, status=AttemptStatus.OK, elapsed_ms=8.0),
        ],
        identification=Identification(
            vendor="Hikvision",
            brand="LTS",
            model="CMIP3042W-28M",
            firmware=firmware,
            serial="CMIP3042W-28M20190101AAWR123456789",
            device_type="camera",
            confidence=0.97,
            relation="oem",
            mac_vendor="Hangzhou Hikvision Digital Technology Co.,Ltd.",
            evidence=[
                _ev(
                    "hikvision-sadp",
                    EvidenceKind.FIRMWARE,
                    "sadp.DeviceDescription",
                    "CMIP3042W-28M",
                    0.9,
                    vendor="Hikvision",
                ),
                _ev(
                    "hikvision-app-webs",
                    EvidenceKind.FIRMWARE,
                    "http.server",
                    "App-webs/",
                    0.7,
                    vendor="Hikvision",
                ),
                _ev("lts-label", EvidenceKind.LABEL, "onvif.manufacturer", "LTS", 0.6, brand="LTS"),
                _ev(
                    "oui:44:19:b6",
                    EvidenceKind.OUI,
                    "arp.mac",
                    "44:19:b6:12:34:56",
                    0.6,
                    vendor="Hikvision",
                ),
            ],
        ),
        policy=PolicyResult(restricted=True, matches=[NDAA_HIK, FCC_HIK]),
    )


def amcrest_recorder(address: str = "192.0.2.30") -> Device:
    """A recorder that only says 'Amcrest' (a Dahua OEM label): suspected, one probe timed out."""
    return Device(
        address=address,
        observations=[
            _o("tcp.open", "80", 80, "tcp"),
            _o("tcp.open", "37777", 37777, "tcp"),
            _o("dhip.DeviceType", "AMDV10814-H5", None, "dhip"),
            _o("dhip.SerialNo", "AMC0123456789ABCDEF", None, "dhip"),
            _o("upnp.manufacturer", "Amcrest", 49152, "ssdp"),
        ],
        attempts=[
            ProbeAttempt(probe="http", port=80, status=AttemptStatus.OK, elapsed_ms=30.0),
            ProbeAttempt(
                probe="onvif",
                port=80,
                status=AttemptStatus.TIMEOUT,
                reason="no answer within 3.0 s",
                elapsed_ms=3000.0,
            ),
        ],
        identification=Identification(
            brand="Amcrest",
            model="AMDV10814-H5",
            serial="AMC0123456789ABCDEF",
            device_type="recorder",
            confidence=0.45,
            evidence=[
                _ev(
                    "amcrest-label",
                    EvidenceKind.LABEL,
                    "upnp.manufacturer",
                    "Amcrest",
                    0.45,
                    brand="Amcrest",
                )
            ],
        ),
        policy=PolicyResult(suspected=True, matches=[NDAA_DAHUA]),
    )


def axis_camera(address: str = "192.0.2.40") -> Device:
    """An Axis camera: identified, not restricted."""
    return Device(
        address=address,
        mac="ac:cc:8e:01:02:03",
        observations=[
            _o("tcp.open", "443", 443, "tcp"),
            _o("onvif.manufacturer", "AXIS", 80, "onvif"),
            _o("onvif.model", "P3245-LVE", 80, "onvif"),
            _o("onvif.firmware", "10.12.182", 80, "onvif"),
        ],
        identification=Identification(
            vendor="Axis",
            model="P3245-LVE",
            firmware="10.12.182",
            device_type="camera",
            confidence=0.93,
            evidence=[
                _ev(
                    "axis-onvif",
                    EvidenceKind.FIRMWARE,
                    "onvif.manufacturer",
                    "AXIS",
                    0.85,
                    vendor="Axis",
                )
            ],
        ),
    )


def hostile_device(address: str = "192.0.2.66") -> Device:
    """A device whose strings try script injection, ANSI escapes, markup and CSV formulas."""
    return Device(
        address=address,
        mac="02:00:00:00:00:66",
        observations=[
            _o("http.title", HOSTILE, 80, "http"),
            _o("http.server", "\x1b[2J\x1b[31mEvil[/red][bold]srv\r\nX-Injected: 1", 80, "http"),
        ],
        identification=Identification(
            model=HOSTILE,
            brand="\x1b[2J\x1b[31mEvil[/red][bold]\u202eLabel\r\nX: 1",
            firmware='=HYPERLINK("http://evil.example")',
            device_type="camera",
            confidence=0.3,
            evidence=[_ev("generic-title", EvidenceKind.GENERIC, "http.title", HOSTILE, 0.3)],
        ),
    )


def printer(address: str = "192.0.2.90") -> Device:
    """A network printer: not video, not restricted."""
    return Device(
        address=address,
        mac="00:1b:a9:aa:bb:cc",
        observations=[_o("snmp.sysdescr", "Brother NC-8300h", None, "snmp")],
        identification=Identification(vendor="Brother", device_type="printer", confidence=0.8),
    )


def silent_device(address: str = "192.0.2.50") -> Device:
    """A camera-like host whose every probe timed out: found, but not identified."""
    return Device(
        address=address,
        mac="00:0c:29:5e:0f:50",
        observations=[_o("tcp.open", "80", 80, "tcp"), _o("tcp.open", "554", 554, "tcp")],
        attempts=[
            ProbeAttempt(
                probe="http", port=80, status=AttemptStatus.TIMEOUT, reason="no answer within 3.0 s"
            ),
            ProbeAttempt(
                probe="rtsp",
                port=554,
                status=AttemptStatus.TIMEOUT,
                reason="no answer within 3.0 s",
            ),
            ProbeAttempt(
                probe="onvif",
                port=80,
                status=AttemptStatus.TIMEOUT,
                reason="no answer within 3.0 s",
            ),
        ],
        identification=Identification(mac_vendor="VMware, Inc."),
    )


def building(devices: list[Device] | None = None, **update: object) -> ScanDocument:
    """A small building scan with a restricted, a suspected, a clear and a hostile device."""
    doc = ScanDocument(
        tool=TOOL,
        started_at=T0,
        finished_at=T0.replace(minute=3),
        scope=["192.0.2.0/24"],
        methods=["arp", "wsd", "sadp", "dhip", "ssdp", "tcp"],
        attempts=[ProbeAttempt(probe="mdns", status=AttemptStatus.NO_ANSWER)],
        devices=devices
        if devices is not None
        else [axis_camera(), lts_camera(), printer(), amcrest_recorder(), hostile_device()],
    )
    return doc.model_copy(update=update) if update else doc


# What the engine records for a scan of a routed subnet with no on-link interface.
METHOD_RUNS = [
    MethodRun(method="arp", state=MethodState.SKIPPED,
              reason="no interface on the scanned subnets (routed)"),
    MethodRun(method="wsd", state=MethodState.SKIPPED,
              reason="multicast needs an on-link interface; no target to ask by unicast"),
    MethodRun(method="tcp", state=MethodState.RAN, modes=["unicast"], hosts=6),
    MethodRun(method="mdns", state=MethodState.NOT_SELECTED, reason="not in --methods"),
]  # fmt: skip


def mixed_building() -> ScanDocument:
    """:func:`building` plus a device camscan could not identify (every probe timed out), with
    the engine's record of which discovery methods ran."""
    return building([*building().devices, silent_device()], method_runs=METHOD_RUNS)


def clean_building() -> ScanDocument:
    """Nothing restricted or suspected."""
    return building([axis_camera(), printer()])

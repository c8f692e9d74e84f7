"""Every parser of untrusted input as a fuzz target: its seeds, its one documented error.

Shared by the property tests (tests/test_parser_properties.py) and the fuzz script
(benchmarks/fuzz_parsers.py). A target turns bytes into the strings that reach later stages
(observation values, parsed fields, loaded models rendered to JSON); the contract checked on
each is "returns, or raises the documented error; every string is inert UTF-8".
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyasn1.error import PyAsn1Error

from camscan.config import ConfigError, load_config
from camscan.discover import dhip, mdns, sadp, ssdp, wsd
from camscan.document import DocumentError, parse_document
from camscan.probe import onvif, onvifdevice, soap
from camscan.probe.banner import banner_observations
from camscan.probe.base import ProbeTarget
from camscan.probe.httpclient import Fetched, port_of, redirect_target, same_host
from camscan.probe.httpevidence import body_snippet, extract_title, header_observations
from camscan.probe.recorder import dahua, hikvision
from camscan.probe.recorder.probe import camera
from camscan.probe.rtsp import RtspProbe, parse_response
from camscan.probe.snmp import snmp_observations
from camscan.probe.tls import describe_certificate
from camscan.sanitize import is_inert
from camscan.signatures.loader import parse_text
from camscan.signatures.schema import Family, Policy
from camscan.snmp import plain

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "protocol"


class ContractBroken(AssertionError):
    """A parser returned a string that is not inert UTF-8."""


class Refused(Exception):
    """A loader that reports faults as data (signature problems) reported some."""


@dataclass(frozen=True)
class Target:
    """One parser: ``parse`` yields the strings it hands on; ``documented`` may be raised."""

    name: str
    parse: Callable[[bytes], Iterable[str]]
    documented: tuple[type[BaseException], ...]
    seeds: Callable[[], list[bytes]]


def check(target: Target, data: bytes) -> bool:
    """Run one input: True when it parsed, False on the documented error; else raises."""
    try:
        values = list(target.parse(data))
    except target.documented:
        return False
    for value in values:
        if not isinstance(value, str) or not is_inert(value):
            raise ContractBroken(f"{target.name}: not inert: {value!r}")
        value.encode("utf-8")  # raises UnicodeEncodeError on a lone surrogate
    return True


# --- seeds ----------------------------------------------------------------------------------


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _hexdump(name: str) -> bytes:
    out = bytearray()
    for line in _fixture(name).decode().splitlines():
        out += bytes.fromhex(line.split(":", 1)[1][:40].replace(" ", ""))
    return bytes(out)


def _reply_part(data: bytes) -> bytes:
    marker = b"<!-- ===== reply ===== -->"
    return data.split(marker, 1)[1].strip() if marker in data else data


def _glob(pattern: str) -> list[bytes]:
    return [_reply_part(p.read_bytes()) for p in sorted(FIXTURES.glob(pattern))]


UPNP_DESCRIPTION = b"""<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>
<friendlyName>Lobby camera</friendlyName><manufacturer>Example Maker</manufacturer>
<modelName>IPC-T100</modelName><modelNumber>T100</modelNumber><serialNumber>EX0001</serialNumber>
</device></root>"""

HTTP_RESPONSES = [
    b"HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Type: text/html; charset=UTF-8\r\n"
    b'WWW-Authenticate: Digest realm="cam", nonce="abc"\r\n\r\n'
    b"<html><head><title>Login</title></head><body>web</body></html>",
    b"HTTP/1.1 301 Moved Permanently\r\nLocation: /doc/page/login.asp\r\n\r\n",
    b"HTTP/1.1 301 Moved\r\nLocation: p://[\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=unicode_escape\r\n\r\n"
    b"<title>\\ud83d</title>",
    b"HTTP/1.0 200 OK\r\nServer: Webs\r\nContent-Type: text/html\r\n\r\n"
    b'<meta charset="gb2312"><title>\xc9\xe3\xcf\xf1\xbb\xfa</title>',
]

RTSP_RESPONSES = [
    b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Rtsp Server/3.0\r\n"
    b"Public: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY\r\n",
    b'RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm="IP Camera", '
    b'nonce="0123"\r\n folded\r\n',
]

BANNERS = [
    b"SSH-2.0-dropbear_2019.78\r\n",
    b"\xff\xfd\x01\xff\xfb\x03192.0.2.64 login: ",
    b"\x00\x00\x00\x10\x00\x00\x00\x1e\x00\x00\x00\x1e\x00\x00\x00\x00",
    b"220 FTP server ready.\r\n",
]


@cache
def _certificates() -> list[bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    from tests.helpers import self_signed

    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example"),
            x509.NameAttribute(NameOID.COMMON_NAME, "cam.example"),
        ]
    )
    return [self_signed(name).public_bytes(Encoding.DER)]  # the same bytes every run


@cache
def _snmp_responses() -> list[bytes]:
    """GetResponse PDUs (SNMPv2c) carrying the fixture's varbinds, as an agent sends them."""
    from pyasn1.codec.ber import encoder
    from pysnmp.proto import api, rfc1902

    proto = api.v2c
    varbinds = [
        (rfc1902.ObjectName(oid), rfc1902.OctetString(value.encode()))
        for oid, _, value in (
            line.split("|", 2) for line in _fixture("hikvision-snmp.snmprec").decode().splitlines()
        )
    ]
    varbinds.append(
        (rfc1902.ObjectName("1.3.6.1.2.1.1.2.0"), rfc1902.ObjectIdentifier("1.3.6.1.4.1.39165"))
    )
    varbinds.append((rfc1902.ObjectName("1.3.6.1.2.1.1.3.0"), rfc1902.TimeTicks(12345)))
    pdu = proto.GetResponsePDU()
    proto.apiPDU.set_defaults(pdu)
    proto.apiPDU.set_varbinds(pdu, varbinds)
    message = proto.Message()
    proto.apiMessage.set_defaults(message)
    proto.apiMessage.set_community(message, "public")
    proto.apiMessage.set_pdu(message, pdu)
    return [encoder.encode(message)]


def _small_yaml(directory: Path, limit: int = 4) -> list[bytes]:
    files = sorted(directory.glob("*.yaml"), key=lambda p: p.stat().st_size)
    return [p.read_bytes() for p in files if p.name != "meta.yaml"][:limit]


# --- parse functions ------------------------------------------------------------------------


def _wsd(data: bytes) -> Iterator[str]:
    for message in wsd.parse_wsd(data):
        yield from (o.value for o in wsd.observations(message))
        # XAddrs are URLs for the ONVIF probe, not text: the later stage picks the host's own.
        target = ProbeTarget("192.0.2.104", frozenset(), onvif_xaddrs=message.xaddrs)
        for url in onvif.OnvifProbe().endpoints(target):
            port_of(url)


def _sadp(data: bytes) -> Iterator[str]:
    reply = sadp.parse_sadp(data)
    if reply is not None:
        yield from (o.value for o in sadp.observations(reply))


def _dhip(data: bytes) -> Iterator[str]:
    reply = dhip.parse_dhip(data)
    if reply is not None:
        yield from (o.value for o in dhip.observations(reply))
        yield reply.method


def _ssdp(data: bytes) -> Iterator[str]:
    message = ssdp.parse_ssdp(data)
    if message is not None:
        yield from (o.value for o in ssdp.observations(message))


def _upnp(data: bytes) -> Iterator[str]:
    yield from (o.value for o in ssdp.parse_description(data))


def _mdns(data: bytes) -> Iterator[str]:
    for service_type, name, txt in mdns.parse_answer(data):
        yield from (o.value for o in mdns.observations(service_type, name, txt))
        mdns.mac_from_txt(txt)


def _http(data: bytes) -> Iterator[str]:
    """A response as httpx hands it over: status, header pairs (latin-1), body bytes."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    code = parts[1] if len(parts) > 1 else ""
    status = int(code) if len(code) == 3 and code.isascii() and code.isdigit() else 0  # as h11
    headers = tuple(
        (name.strip(), value.strip())
        for name, sep, value in (line.partition(":") for line in lines[1:])
        if sep
    )
    page = Fetched("http://192.0.2.10:80/", 80, status, headers, body[:16384])
    yield from (o.value for o in header_observations(page))
    title = extract_title(page.body, page.charset())
    if title is not None:
        yield title
    yield body_snippet(page.text())
    for location in page.header("location"):
        target = redirect_target(page.url, location)
        if target is not None:
            same_host(target, "192.0.2.10")


def _onvif(data: bytes) -> Iterator[str]:
    root = soap.parse_xml(data)
    fault = soap.parse_fault(root)
    if fault is not None:
        yield fault
    yield from onvifdevice.parse_device_information(root).values()
    onvifdevice.parse_utc_datetime(root)
    yield from onvifdevice.parse_services(root)
    yield from onvifdevice.parse_capabilities(root)


def _rtsp(data: bytes) -> Iterator[str]:
    response = parse_response(data)
    yield from (o.value for o in RtspProbe(frozenset())._observations(response, 554))


def _tls(data: bytes) -> Iterator[str]:
    yield from describe_certificate(data)


def _banner(data: bytes) -> Iterator[str]:
    for port in (22, 23, 8000):
        yield from (o.value for o in banner_observations(data, port))


def _snmp(data: bytes) -> Iterator[str]:
    """What pysnmp decodes from a response, through camscan's value conversion and signals.

    pysnmp drops datagrams its BER decoder refuses, so a refusal is the documented outcome
    here; everything it accepts must become observations without raising. Called directly,
    pyasn1 raises OverflowError (not PyAsn1Error) for a length past sys.maxsize; inside
    pysnmp's receive path the same datagram is dropped like any garbage
    (tests/test_hostile_inputs.py replays one through SnmpSession).
    """
    from pyasn1.codec.ber import decoder
    from pysnmp.proto import api

    message, _ = decoder.decode(data, asn1Spec=api.v2c.Message())
    pdu = api.v2c.apiMessage.get_pdu(message)
    values = {str(oid): plain(value) for oid, value in api.v2c.apiPDU.get_varbinds(pdu)}
    yield from (o.value for o in snmp_observations(values, 161))


def _search(data: bytes) -> Iterator[str]:
    """ISAPI InputProxy/search: the address → MAC pairs the probe gives the channels."""
    for address, mac in hikvision.parse_search(data).items():
        yield from (address, mac)


def _channels(
    parse: Callable[[bytes], dict[int, dict[str, str]]],
) -> Callable[[bytes], Iterable[str]]:
    """A recorder's channel table (ISAPI InputProxy, Dahua RemoteDevice) as the probe turns it
    into the observations of the cameras behind it."""

    def run(data: bytes) -> Iterator[str]:
        for number, fields in parse(data).items():
            yield from (o.value for o in camera(number, "fuzz", fields).observations)

    return run


def _document(data: bytes) -> Iterator[str]:
    doc = parse_document(data)
    for device in doc.devices:
        yield from (o.value for o in device.observations)
    doc.model_dump_json()  # what every later stage does first


def _yaml(model: type[Family] | type[Policy]) -> Callable[[bytes], Iterable[str]]:
    def parse(data: bytes) -> Iterable[str]:
        loaded, problems = parse_text(data.decode("utf-8", "replace"), Path("fuzz.yaml"), model)
        if loaded is not None:
            loaded.model_dump_json()
        if problems:
            raise Refused("; ".join(str(p) for p in problems))  # str(): what the CLI prints
        return iter(())

    return parse


def _config(data: bytes) -> Iterable[str]:
    with tempfile.NamedTemporaryFile(suffix=".toml") as handle:
        handle.write(data)
        handle.flush()
        config = load_config(Path(handle.name), env={})
    config.model_dump_json()
    return iter(())


TARGETS: dict[str, Target] = {
    t.name: t
    for t in [
        Target("wsd", _wsd, (), lambda: _glob("*wsd*.xml") + _glob("onvif-mock-probematch.xml")),
        Target("sadp", _sadp, (), lambda: _glob("sadp-*.xml")),
        Target("dhip", _dhip, (), lambda: [_hexdump("dahua-dhip-reply.hex.txt")]),
        Target("ssdp", _ssdp, (), lambda: [_fixture("ssdp-notify.txt")]),
        Target("upnp-description", _upnp, (), lambda: [UPNP_DESCRIPTION]),
        Target("mdns", _mdns, (), lambda: [_hexdump("axis-mdns-response.hex.txt")]),
        Target("http", _http, (), lambda: list(HTTP_RESPONSES)),
        Target("onvif", _onvif, (soap.SoapError,), lambda: _glob("onvif-*get*.xml")),
        Target(
            "isapi-inputproxy",
            _channels(hikvision.parse_channels),
            (ValueError,),  # SoapError and NotOffered are ValueErrors
            lambda: [
                _fixture(f"hikvision-isapi-inputproxy-{n}.xml") for n in ("channels", "status")
            ],
        ),
        Target(
            "isapi-search",
            _search,
            (ValueError,),  # SoapError and NotOffered are ValueErrors
            lambda: [_fixture("hikvision-isapi-inputproxy-search.xml")],
        ),
        Target(
            "dahua-remotedevice",
            _channels(dahua.parse_remote_devices),
            (ValueError,),
            lambda: [_fixture("dahua-remotedevice-getconfig.txt")],
        ),
        Target("rtsp", _rtsp, (ValueError,), lambda: list(RTSP_RESPONSES)),
        Target("tls-certificate", _tls, (ValueError,), _certificates),
        Target("banner", _banner, (), lambda: list(BANNERS)),
        Target("snmp", _snmp, (PyAsn1Error, OverflowError), _snmp_responses),
        Target(
            "scan-document",
            _document,
            (DocumentError,),
            lambda: [(REPO / "tests" / "golden" / "building.json").read_bytes()],
        ),
        Target(
            "signature-yaml",
            _yaml(Family),
            (Refused,),
            lambda: _small_yaml(REPO / "signatures") + _small_yaml(REPO / "tests/data/sigs"),
        ),
        Target(
            "policy-yaml",
            _yaml(Policy),
            (Refused,),
            lambda: _small_yaml(REPO / "signatures/policies"),
        ),
        Target(
            "config-toml",
            _config,
            (ConfigError,),
            lambda: [(REPO / "examples" / "config.toml").read_bytes()],
        ),
    ]
}


# --- mutation -------------------------------------------------------------------------------

# Tokens that broke parsers before, or that parsers treat specially.
TOKENS = [
    b'<?xml version="" encoding="F"?>',
    b'<?xml version="1.0" encoding="utf-7"?>',
    b"charset=unicode_escape",
    b"charset=utf-16",
    b"\\ud83d",
    b"\\u0000",
    b"&#0;",
    b"&#xd83d;",
    b"p://[",
    b"Location: //[::1",
    b"1" * 4301,
    b"[" * 2000,
    b"{" * 2000,
    b"!!python/object:os.system ",
    b"!!binary ",
    b"? [a]\n: 1\n",
    b"2001-13-45",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xe2\x80\xae",
    b"\xed\xa0\xbd",
    b"\x1b[2J",
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"]]>",
    b"\r\n\r\n",
    b"\xff\xfa",
    b"\xc0\x0c",
    b"NaN",
    b"1e999",
]


def mutate(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    """One to four random edits of ``data``: flips, inserts, deletions, splices, tokens."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randint(0, len(buf))
        kind = rng.randrange(8)
        if kind == 0 and buf:
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        elif kind == 1:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == 2:
            del buf[pos : pos + rng.randint(1, 64)]
        elif kind == 3:
            buf[pos:pos] = rng.choice(TOKENS)
        elif kind == 4:
            del buf[pos:]
        elif kind == 5 and buf:
            start = rng.randrange(len(buf))
            chunk = buf[start : start + rng.randint(1, 256)]
            buf[pos:pos] = chunk * rng.randint(1, 8)
        elif kind == 6:
            other = rng.choice(seeds)
            cut = rng.randint(0, len(other))
            buf[pos:] = other[cut:]
        else:
            buf[pos : pos + 1] = bytes([rng.choice(b"<>&\"'=:;\r\n\t \x00\xff{}[]")])
    return bytes(buf)

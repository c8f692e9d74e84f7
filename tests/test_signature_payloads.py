"""Examples reach rules through camscan's own parsers (issue 8 §3).

A rule written against capture text that the parser rewrites must fail its own example: the
WS-Discovery parser decodes ``%20`` in scopes, so a brand rule expecting ``%20`` never saw a
real Lorex scope. Payload examples (whole ProbeMatch, SADP, DHIP, UPnP, HTTP, banner
messages) are parsed by the shipped parsers before the rule is tried. The messages below are
written from the protocol facts in /work/shared/research/protocols.md and the layouts of the
captures in ../shared/protocol-samples (not copied).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from camscan.discover import wsd
from camscan.identify import identify
from camscan.signatures import load_signatures
from camscan.signatures.loader import load_families
from camscan.signatures.matcher import SignatureSet
from camscan.signatures.payloads import PayloadFormat, as_parsed, parse_payload
from camscan.signatures.selftest import run_examples

PROBE_MATCH = """<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"
 xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"
 xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"
 xmlns:dn="http://www.onvif.org/ver10/network/wsdl">
<SOAP-ENV:Header><wsa:RelatesTo>urn:uuid:1</wsa:RelatesTo></SOAP-ENV:Header>
<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>
<wsa:EndpointReference><wsa:Address>urn:uuid:0aab1d3c-0000-4000-8000-9c8ecd000001</wsa:Address>
</wsa:EndpointReference>
<d:Types>dn:NetworkVideoTransmitter</d:Types>
<d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/LOREX%20LNB4321
 onvif://www.onvif.org/hardware/LNB4321 onvif://www.onvif.org/location/country/china</d:Scopes>
<d:XAddrs>http://192.0.2.10/onvif/device_service</d:XAddrs>
</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>"""

FAMILY = """\
family: t
vendor: Test
rules:
  - id: t-scope
    signal: wsd.scope
    kind: firmware
    match: regex
    pattern: '{pattern}'
    weight: 0.5
    references: [test]
    examples:
{examples}
"""


def _run(tmp_path: Path, pattern: str, examples: str) -> list[str]:
    (tmp_path / "t.yaml").write_text(
        FAMILY.format(pattern=pattern, examples=examples), encoding="utf-8"
    )
    loaded, problems = load_families([tmp_path])
    assert not problems, problems
    sigset = SignatureSet.build(tmp_path, "t", "", (f for _, f in loaded))
    _, failures = run_examples(sigset)
    return [f.message for f in failures]


def test_percent_encoded_rule_fails_its_own_wire_example(tmp_path: Path) -> None:
    """The whole %20 class: the example is decoded like the parser decodes it."""
    failures = _run(
        tmp_path, "/name/ACME%20[A-Z0-9]+$", '      - "onvif://www.onvif.org/name/ACME%20X1"'
    )
    assert failures == [
        "example not matched (the parser gives 'onvif://www.onvif.org/name/ACME X1')"
    ]
    wire = '      - "onvif://www.onvif.org/name/ACME%20X1"'
    assert _run(tmp_path, r"/name/ACME\s[A-Z0-9]+$", wire) == []


def test_payload_example_goes_through_the_wsd_parser(tmp_path: Path) -> None:
    block = "\n".join("            " + line for line in PROBE_MATCH.splitlines())
    examples = "      - payload:\n          format: wsd\n          data: |\n" + block
    assert _run(tmp_path, r"/name/LOREX\s(?P<model>\w+)$", examples) == []
    failures = _run(tmp_path, r"/name/LOREX%20", examples)
    assert len(failures) == 1
    assert "the parser gives" in failures[0]


def test_payload_without_the_rules_signal_fails(tmp_path: Path) -> None:
    examples = '      - payload: {format: banner, data: "192.0.0.64 login: ", port: 23}'
    assert _run(tmp_path, "x", examples) == ["banner payload yields no wsd.scope value"]


def test_an_example_has_value_or_payload_not_both(tmp_path: Path) -> None:
    examples = '      - {value: "x", payload: {format: wsd, data: "<x/>"}}'
    (tmp_path / "t.yaml").write_text(FAMILY.format(pattern="x", examples=examples), "utf-8")
    _, problems = load_families([tmp_path])
    assert any("exactly one of `value` and `payload`" in str(p) for p in problems)


SADP_REPLY = """<?xml version="1.0" encoding="UTF-8"?>
<ProbeMatch><Uuid>9C000000-0000-0000-0000-000000000001</Uuid><Types>inquiry</Types>
<DeviceType>139870</DeviceType><DeviceDescription>DS-7608NI-K2</DeviceDescription>
<DeviceSN>DS-7608NI-K20820190101CCRRC00000001WCVU</DeviceSN><CommandPort>8000</CommandPort>
<MAC>44-19-b6-00-00-01</MAC><IPv4Address>192.0.2.20</IPv4Address>
<SoftwareVersion>V4.22.005build 191128</SoftwareVersion></ProbeMatch>"""

DHIP_REPLY = (
    '{"mac":"3c:ef:8c:00:00:01","method":"client.notifyDevInfo","params":{"deviceInfo":'
    '{"DeviceType":"IPC-HDW2431T-AS","Vendor":"Private","SerialNo":"7B0000000000001",'
    '"Version":"2.800.0000000.18.R"}}}'
)

UPNP_DESCRIPTION = """<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><device>
<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>
<friendlyName>IPC-HFW1230S</friendlyName><manufacturer>Dahua</manufacturer>
<modelName>IPC-HFW1230S</modelName><serialNumber>4A0000000000001</serialNumber>
</device></root>"""

HTTP_RESPONSE = (
    "HTTP/1.1 401 Unauthorized\r\nServer: App-webs/\r\n"
    'WWW-Authenticate: Digest realm="IP Camera(C2000)", nonce="abc"\r\n'
    "Content-Type: text/html\r\n\r\n<html><head><title>Document Error: Unauthorized</title>"
)

TELNET = r"\xff\xfb\x01192.0.0.64 login: "
LOREX_SCOPE = "onvif://www.onvif.org/name/LOREX LNB4321"


@pytest.mark.parametrize(
    ("fmt", "data", "port", "expected"),
    [
        (PayloadFormat.SADP, SADP_REPLY, None, ("sadp.DeviceDescription", "DS-7608NI-K2")),
        (PayloadFormat.DHIP, DHIP_REPLY, None, ("dhip.DeviceType", "IPC-HDW2431T-AS")),
        (PayloadFormat.UPNP, UPNP_DESCRIPTION, None, ("upnp.manufacturer", "Dahua")),
        (PayloadFormat.HTTP, HTTP_RESPONSE, 80, ("http.server", "App-webs/")),
        (PayloadFormat.HTTP, HTTP_RESPONSE, 80, ("http.title", "Document Error: Unauthorized")),
        (PayloadFormat.BANNER, TELNET, 23, ("telnet.banner", "192.0.0.64 login:")),
        (PayloadFormat.WSD, PROBE_MATCH, None, ("wsd.scope", LOREX_SCOPE)),
    ],
)
def test_each_format_uses_the_shipped_parser(
    fmt: PayloadFormat, data: str, port: int | None, expected: tuple[str, str]
) -> None:
    seen = [(o.signal, o.value.strip()) for o in parse_payload(fmt, data, port)]
    assert expected in seen


def test_garbage_payload_gives_nothing() -> None:
    assert parse_payload(PayloadFormat.SADP, "not xml") == []
    assert parse_payload(PayloadFormat.HTTP, "hello") == []


def test_lorex_scope_as_sent_names_lorex_on_dahua() -> None:
    """Issue 8: `onvif://www.onvif.org/name/LOREX%20LNB4321` was not matched as Lorex."""
    sigset = load_signatures()
    (message,) = wsd.parse_wsd(PROBE_MATCH.encode())
    ident = identify(wsd.observations(message), None, sigset)
    assert ident.brand == "Lorex"
    assert any(e.rule == "dahua-label-lorex-scope" for e in ident.evidence)


def test_as_parsed_decodes_only_what_the_parser_decodes() -> None:
    assert as_parsed("wsd.scope", "onvif://www.onvif.org/name/A%20B") == (
        "onvif://www.onvif.org/name/A B"
    )
    assert as_parsed("http.title", "A%20B") == "A%20B"


def test_as_parsed_blanks_challenge_nonces_like_the_probes() -> None:
    """The HTTP and RTSP probes record auth challenges with nonce/opaque blanked
    (camscan.probe.common.redact_challenge); a value written as captured reads the same."""
    raw = 'Digest realm="Hikvision", nonce="0123456789abcdef0123456789abcdef", stale="FALSE"'
    for signal in ("rtsp.www_authenticate", "http.www_authenticate"):
        assert as_parsed(signal, raw) == 'Digest realm="Hikvision", nonce="…", stale="FALSE"'
    assert as_parsed("http.header", 'X: nonce="1"') == 'X: nonce="1"'


def test_as_parsed_makes_one_inert_line_like_the_probes() -> None:
    """A telnet prompt after CR/LF reaches rules as the banner probe gives it."""
    assert as_parsed("telnet.banner", "\r\n192.0.0.64 login: ") == "192.0.0.64 login:"
    assert as_parsed("snmp.sysdescr", "S5720\r\nHuawei  VRP") == "S5720 Huawei VRP"
    assert as_parsed("http.title", "a\x1b[31mb") == "a\\x1b[31mb"
    # tcp.banner is byte-exact escaped text: spacing is kept, control characters shown
    assert as_parsed("tcp.banner", "+++    UGW\x0d") == "+++    UGW\\x0d"

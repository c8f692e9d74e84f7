"""Issue 10's small faulting inputs: each parser returns its result or its one documented error.

Every case here crashed (or let a value through that broke a later stage) before; the property
tests in tests/test_parser_properties.py and benchmarks/fuzz_parsers.py look for more.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from camscan.cli import main
from camscan.config import ConfigError, load_config
from camscan.discover import ssdp
from camscan.document import DocumentError, load_document, parse_document
from camscan.exitcodes import ExitCode
from camscan.models import Observation, ScanDocument
from camscan.probe.common import decode_lenient
from camscan.probe.httpclient import Fetched, redirect_target
from camscan.probe.httpevidence import extract_title
from camscan.probe.tls import describe_certificate
from camscan.report import Format, render
from camscan.sanitize import clean, csv_cell, device_text, is_inert
from camscan.signatures.loader import parse_text
from camscan.signatures.schema import Family, Policy
from tests.helpers import self_signed

# --- discovery and probes -------------------------------------------------------------------


def test_upnp_description_with_unknown_xml_encoding_is_no_facts() -> None:
    # LookupError ("unknown encoding: F") used to escape and take the SSDP method down.
    assert ssdp.parse_description(b'<?xml version="" encoding="F"?>') == []
    assert ssdp.parse_description(b'<?xml version="1.0" encoding="F"?><root/>') == []


def test_redirect_to_an_invalid_url_is_not_followed() -> None:
    # urljoin raised "ValueError: Invalid IPv6 URL" and the port lost every observation.
    assert redirect_target("http://192.0.2.10:80/", "p://[") is None
    assert redirect_target("http://192.0.2.10:80/", "http://192.0.2.10:99999/") is None
    assert redirect_target("http://192.0.2.10:80/a/", "b") == "http://192.0.2.10:80/a/b"


def test_escape_codec_charsets_are_not_text_charsets() -> None:
    # "charset=unicode_escape" turned the bytes \ud83d into a lone surrogate in an observation.
    page = Fetched(
        url="http://192.0.2.10/",
        port=80,
        status=200,
        headers=(("Content-Type", "text/html; charset=unicode_escape"),),
        body=b"<title>cam \\ud83d</title>\\ud83d",
    )
    title = extract_title(page.body, page.charset())
    assert title == "cam \\ud83d"  # read as UTF-8: the backslash text stays text
    assert page.text().encode("utf-8")
    for codec in ("raw_unicode_escape", "rot13", "base64", "punycode", "no-such-codec", "utf\0"):
        assert decode_lenient(b"\xe2\x82\xac \\u2028", codec) == "€ \\u2028"
    assert decode_lenient("é".encode("latin-1"), "iso-8859-1") == "é"  # real charsets still work
    assert decode_lenient(b"+2D0-", "utf-7").encode("utf-8")  # utf-7 can make a lone surrogate


def test_observation_values_are_always_inert_utf8() -> None:
    hostile = "a\ud83d\x1b[2J\u202e\u200b\ufeff\u00ad\u2028\u2029\x85b"
    value = Observation(signal="http.title", value=hostile).value
    assert value == "a\\ud83d\\x1b[2J\\u202e\\u200b\\ufeff\\xad\\u2028\\u2029\\x85b"
    assert value.encode("utf-8")
    assert is_inert(value)
    loaded = ScanDocument.model_validate(
        {"devices": [{"address": "192.0.2.1", "observations": [{"signal": "x", "value": hostile}]}]}
    )
    assert json.loads(loaded.model_dump_json())["devices"][0]["observations"][0]["value"] == value


def _certificate(version_byte: int) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cam.example")])
    der = self_signed(name, days=30).public_bytes(Encoding.DER)
    version = b"\xa0\x03\x02\x01\x02"  # [0] EXPLICIT INTEGER 2 (v3), RFC 5280 §4.1
    assert der.count(version) == 1
    return der.replace(version, version[:-1] + bytes([version_byte]))


def test_certificate_with_an_invalid_version_is_a_value_error() -> None:
    assert describe_certificate(_certificate(2))[0] == "CN=cam.example"
    # cryptography raises its own InvalidVersion here, outside the documented ValueError.
    with pytest.raises(ValueError, match="InvalidVersion"):
        describe_certificate(_certificate(7))


# --- the scan document ----------------------------------------------------------------------


def test_integer_past_the_digit_limit_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^<input>:1:4301: not valid JSON"):
        parse_document("1" * 4301)
    path = tmp_path / "big.json"
    path.write_text("1" * 4301)
    result = CliRunner().invoke(main, ["identify", str(path), "--no-db"])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "not valid JSON" in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        '{"schema_version": 1, "devices": [{"address": "\\ud83d"}]}',
        '{"schema_version": 1, "devices": [], "scope": ["\\udc00x"]}',
        '{"schema_version": 1, "devices": [], "x": NaN}',
        "[" * 100_000,
    ],
)
def test_lone_surrogates_nan_and_nesting_are_document_errors(text: str) -> None:
    with pytest.raises(DocumentError, match="not valid JSON"):
        parse_document(text)


def test_document_path_with_a_nul_byte_is_a_document_error() -> None:
    with pytest.raises(DocumentError, match="cannot read"):
        load_document("scan\0.json")


def test_every_report_renders_a_document_that_loaded() -> None:
    text = json.dumps(
        {
            "schema_version": 1,
            "devices": [
                {
                    "address": "192.0.2.1",
                    "hostnames": ["\u202ecam\x00"],
                    "observations": [{"signal": "http.title", "value": "\x1b]0;x\x07"}],
                }
            ],
        }
    )
    doc = parse_document(text)
    for fmt in Format:
        assert render(doc, fmt).encode("utf-8")


# --- signature, policy and config loaders ---------------------------------------------------

LOADER_CASES = {
    "deep list": "a: " + "[" * 5000 + "]" * 5000,
    "deep mapping": "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 3000)),
    "integer past the digit limit": "a: " + "1" * 5000,
    "impossible timestamp": "a: 2001-13-45",
    "list as a key": "? [a, b]\n: 1\n",
    "mapping as a key": "{{a: 1}: 2}",
    "python tag": "a: !!python/object/apply:os.system [true]",
    "NUL": "a: \0",
}


@pytest.mark.parametrize("model", [Family, Policy])
@pytest.mark.parametrize("text", LOADER_CASES.values(), ids=LOADER_CASES.keys())
def test_signature_and_policy_loader_faults_are_problems(model: type, text: str) -> None:
    loaded, problems = parse_text(text, Path("x.yaml"), model)
    assert loaded is None
    assert len(problems) == 1
    assert problems[0].path == Path("x.yaml")


def test_signature_loader_path_with_a_nul_byte_is_a_problem() -> None:
    from camscan.signatures.loader import load_families

    _, problems = load_families([Path("no\0where")])
    assert problems == [] or "cannot read" in problems[0].message


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 5000 + "]" * 5000,
        "a = " + "{b = " * 3000,
        "[scan]\ntimeout = " + "1" * 5000,
        "[scan]\ntimeout = nan",
        '[scan]\ntargets = ["\\ud83d"]',
    ],
)
def test_config_faults_are_config_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"config\.toml"):
        load_config(path, env={})


def test_config_path_with_a_nul_byte_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(Path("camscan\0.toml"), env={})


# --- the one sanitiser ----------------------------------------------------------------------

NEUTRALISED = {
    "\x1b": "\\x1b",
    "\x85": "\\x85",
    "\u00ad": "\\xad",  # soft hyphen (Cf)
    "\u200b": "\\u200b",  # zero-width space
    "\u200d": "\\u200d",
    "\u202e": "\\u202e",  # right-to-left override
    "\u2066": "\\u2066",
    "\u2028": "\\u2028",  # line separator (Zl)
    "\u2029": "\\u2029",  # paragraph separator (Zp)
    "\ufeff": "\\ufeff",
    "\U000e0001": "\\ue0001",  # language tag (Cf, astral)
    "\ud83d": "\\ud83d",
}


@pytest.mark.parametrize(("char", "shown"), NEUTRALISED.items())
def test_control_and_format_characters_are_shown(char: str, shown: str) -> None:
    for cleaner in (device_text, clean):
        assert cleaner(f"a{char}b") == f"a{shown}b"
    assert unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp", "Cs"}


def test_every_format_character_is_neutralised() -> None:
    unsafe = [
        chr(c)
        for c in range(0x110000)
        if unicodedata.category(chr(c)) in {"Cc", "Cf", "Zl", "Zp", "Cs"}
    ]
    assert all(is_inert(device_text(ch)) and device_text(ch).isascii() for ch in unsafe)


def test_cleaning_twice_changes_nothing() -> None:
    text = "\tx\\x1b \u202e\r\nok é"
    assert device_text(device_text(text)) == device_text(text)
    assert clean(clean(text)) == clean(text)


@pytest.mark.parametrize("cell", ["=1+1", "\t=1+1", " \t=cmd|' /C calc'!A0", "\r\n@SUM(A1)", "-2"])
def test_csv_cell_never_starts_like_a_formula(cell: str) -> None:
    value = csv_cell(cell)
    assert value == "'" + clean(cell, 500)


# --- SNMP: what pysnmp's BER decoder cannot take --------------------------------------------

# A GetResponse (public, v2c) whose sysObjectID value claims 0xf6637dc76f082b06 bytes: pyasn1's
# decoder called directly raises OverflowError (not PyAsn1Error) on it (found by
# benchmarks/fuzz_parsers.py); through pysnmp the datagram must be dropped without a trace.
HUGE_LENGTH = bytes.fromhex(
    "3081ce02010104067075626c6963a281c00204009dc33e0201000201003081b1301e060b2b0601040182b17d"
    "010100040f44532d324344323138354657442d493022060b2b0601040182b17d010300041356352e352e3320"
    "6275696c64203137313032353018060b2b0601040182b17d0107000409392050455243454e543015060b2b06"
    "01040182b17d010a000406353132204d423014060b2b0601040182b17d0115000405482e323634301406082b"
    "060102010102000688f6637dc76f082b0601040182b17d300e06082b0601020101030043023039"
)


async def test_snmp_reply_with_an_impossible_length_is_no_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio

    from camscan.snmp import SnmpAuth, SnmpSession

    class Agent(asyncio.DatagramProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            self.transport.sendto(HUGE_LENGTH, addr)  # type: ignore[attr-defined]

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Agent, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    try:
        auth = SnmpAuth(community="public")
        async with SnmpSession("127.0.0.1", auth, port=port, timeout=0.5, retries=0) as session:
            values, failure = await session.get(("1.3.6.1.2.1.1.2.0",))
    finally:
        transport.close()
    assert values == {}
    assert failure is not None
    assert failure.kind == "timeout"  # the datagram is dropped, as any garbage is
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]

"""RTSP, TLS and banner probes against real sockets on 127.x, including hostile servers."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from camscan.models import AttemptStatus
from camscan.probe.banner import BannerProbe, banner_observations, strip_telnet
from camscan.probe.base import ProbeResult, ProbeTarget
from camscan.probe.rtsp import RtspProbe, parse_response
from camscan.probe.tls import TlsProbe
from tests.helpers import HIKVISION_DVR_SUBJECT, self_signed
from tests.probe.conftest import FAST, tcp_server


def values(result: ProbeResult, signal: str) -> list[str]:
    return [o.value for o in result.observations if o.signal == signal]


# --- RTSP -------------------------------------------------------------------------------

# Responses shaped after nmap-service-probes:12373 (Dahua 401) and :12367 (Hikvision 401
# with two challenges) and :12380 (Hikvision OPTIONS).
DAHUA_401 = (
    b'RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\nWWW-Authenticate: Basic realm="device"\r\n'
    b"Server: Dahua Rtsp Server\r\nContent-Length: 0\r\n\r\n"
)
HIK_OPTIONS = (
    b"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n"
    b"Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, PAUSE\r\n\r\n"
)
HIK_DESCRIBE = (
    b'RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\nWWW-Authenticate: Digest realm="Hikvision", '
    b'nonce="0123456789abcdef0123456789abcdef", stale="FALSE"\r\n'
    b'WWW-Authenticate: Basic realm="/"\r\n\r\n'
)


def rtsp_server(replies: dict[str, bytes], seen: list[bytes]):  # type: ignore[no-untyped-def]
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        seen.append(head)
        method = head.split(b" ", 1)[0].decode()
        cseq = head.split(b"CSeq: ", 1)[1].split(b"\r\n", 1)[0]
        writer.write(replies[method].replace(b"{cseq}", cseq))
        await writer.drain()

    return handle


async def test_rtsp_dahua_style(loopback: str) -> None:
    seen: list[bytes] = []
    async with tcp_server(
        rtsp_server({"OPTIONS": DAHUA_401, "DESCRIBE": DAHUA_401}, seen), loopback
    ) as port:
        result = await RtspProbe(ports=frozenset({port})).run(
            ProbeTarget(loopback, frozenset({port})), FAST
        )
    assert values(result, "rtsp.server") == ["Dahua Rtsp Server"]
    assert values(result, "rtsp.www_authenticate") == ['Basic realm="device"']
    assert [a.reason for a in result.attempts] == [
        "OPTIONS: 401 Unauthorized",
        "DESCRIBE: 401 Unauthorized",
    ]
    assert seen[0].startswith(f"OPTIONS rtsp://{loopback}:{port}/ RTSP/1.0\r\nCSeq: 1\r\n".encode())
    assert seen[1].startswith(b"DESCRIBE ")
    assert b"Authorization" not in b"".join(seen)


async def test_rtsp_hikvision_style_two_challenges(loopback: str) -> None:
    seen: list[bytes] = []
    handler = rtsp_server({"OPTIONS": HIK_OPTIONS, "DESCRIBE": HIK_DESCRIBE}, seen)
    async with tcp_server(handler, loopback) as port:
        result = await RtspProbe(ports=frozenset({port})).run(
            ProbeTarget(loopback, frozenset({port})), FAST
        )
    assert values(result, "rtsp.public") == ["OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, PAUSE"]
    assert values(result, "rtsp.www_authenticate") == [
        'Digest realm="Hikvision", nonce="…", stale="FALSE"',
        'Basic realm="/"',
    ]
    assert values(result, "rtsp.server") == []


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (None, AttemptStatus.TIMEOUT),
        (b"\x16\x03\x01\x00\x02garbage\r\n\r\n", AttemptStatus.MALFORMED),
        (b"RTSP/1.0 200 OK\r\nX: " + b"y" * 40_000, AttemptStatus.MALFORMED),
        (b"RTSP/1.0 200 OK\r\nServer: half", AttemptStatus.MALFORMED),  # closes mid-headers
    ],
)
async def test_rtsp_hostile(loopback: str, reply: bytes | None, status: AttemptStatus) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        if reply is None:
            await asyncio.sleep(10)
        writer.write(reply or b"")
        await writer.drain()

    async with tcp_server(handle, loopback) as port:
        result = await RtspProbe(ports=frozenset({port})).run(
            ProbeTarget(loopback, frozenset({port})), FAST
        )
    assert result.attempts[0].status is status
    if status is AttemptStatus.TIMEOUT:
        assert result.attempts[0].reason == "OPTIONS: timed out"
    assert result.observations == ()


def test_rtsp_parse_folding_and_escapes() -> None:
    resp = parse_response(b"RTSP/1.0 200 OK\r\nServer: a\r\n b\r\nPublic: \x1b[2JOPTIONS")
    assert resp.header("server") == ["a b"]
    with pytest.raises(ValueError, match="not an RTSP status line"):
        parse_response(b"HTTP/1.1 200 OK\r\n")


# --- TLS --------------------------------------------------------------------------------


def tls_context(tmp_path: Path, name: x509.Name) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = self_signed(name, key=key, start=dt.datetime.now(dt.UTC) - dt.timedelta(days=1), days=31)
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    return ctx


async def test_tls_reads_hikvision_style_certificate(loopback: str, tmp_path: Path) -> None:
    ctx = tls_context(tmp_path, HIKVISION_DVR_SUBJECT)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(10)
        writer.close()

    server = await asyncio.start_server(handle, loopback, 0, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await TlsProbe(ports=frozenset({port})).run(
            ProbeTarget(loopback, frozenset({port})), FAST
        )
    finally:
        server.close()
    expected = "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN"
    assert values(result, "tls.subject") == [expected]  # the exact recog example string
    assert values(result, "tls.issuer") == [expected]
    assert result.attempts[0].status is AttemptStatus.OK
    assert result.attempts[0].reason.startswith("serial 1234, valid ")


async def test_tls_against_plain_and_silent_servers(loopback: str) -> None:
    async def plain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(10)
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    async with tcp_server(plain, loopback) as p1, tcp_server(silent, loopback) as p2:
        result = await TlsProbe(ports=frozenset({p1, p2})).run(
            ProbeTarget(loopback, frozenset({p1, p2})), FAST
        )
    by_port = {a.port: a.status for a in result.attempts}
    assert by_port[p1] is AttemptStatus.ERROR
    assert by_port[p2] is AttemptStatus.TIMEOUT
    assert result.observations == ()


# --- banners ----------------------------------------------------------------------------


async def test_banners_ssh_telnet_binary_and_silent(loopback: str) -> None:
    def sender(data: bytes):  # type: ignore[no-untyped-def]
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(data)
            await writer.drain()
            await asyncio.sleep(5)

        return handle

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)  # waits for us to send something; camscan never does

    ssh = sender(b"SSH-2.0-dropbear_2019.78\r\n")
    # IAC DO ECHO, IAC WILL SGA, then the Hikvision telnet prompt (recog telnet_banners.xml).
    telnet = sender(b"\xff\xfd\x01\xff\xfb\x03192.0.0.64 login: ")
    binary = sender(b"\x00\x00\x00\x10\x00\x00\x00\x1e\x00\x00\x00\x1e\x00\x00\x00\x00")
    async with (
        tcp_server(ssh, loopback) as p_ssh,
        tcp_server(telnet, loopback) as p_tel,
        tcp_server(binary, loopback) as p_bin,
        tcp_server(silent, loopback) as p_sil,
    ):
        ports = frozenset({p_ssh, p_tel, p_bin, p_sil})
        result = await BannerProbe(ports=ports).run(ProbeTarget(loopback, ports), FAST)
    by_port = {a.port: a for a in result.attempts}
    assert by_port[p_sil].status is AttemptStatus.NO_ANSWER
    assert values(result, "ssh.banner") == ["SSH-2.0-dropbear_2019.78"]
    assert values(result, "telnet.banner") == ["192.0.0.64 login:"]
    assert (
        "\\x00\\x00\\x00\\x10\\x00\\x00\\x00\\x1e\\x00\\x00\\x00\\x1e\\x00\\x00\\x00\\x00"
        in values(result, "tcp.banner")
    )


def test_banner_helpers() -> None:
    assert strip_telnet(b"\xff\xfa\x18\x01\xff\xf0ok\xff\xffx") == b"ok\xffx"
    obs = banner_observations(b"\x1b[2Jhello\r\n", 9000)
    assert [(o.signal, o.value) for o in obs] == [("tcp.banner", "\\x1b[2Jhello\\x0d\\x0a")]
    assert {22, 23, 8000, 37777} <= BannerProbe().ports  # SSH, telnet and the vendor SDK ports


async def test_banner_without_open_ports_is_skipped() -> None:
    result = await BannerProbe().run(ProbeTarget("127.0.0.1"), FAST)
    assert result.attempts[0].status is AttemptStatus.SKIPPED

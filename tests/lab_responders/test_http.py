"""The web server sends the persona's bytes: status line, header order and name case."""

from __future__ import annotations

import asyncio
import base64
import ssl

import pytest
from cryptography import x509

from camscan.lab.responders.http import HOSTILE_TITLE
from tests.lab_responders.wire import persona, running, split_http, tcp_exchange

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_dahua_upper_case_headers_in_order() -> None:
    async with running(persona("dahua-ipc")) as dev:
        raw = await tcp_exchange(dev.context.address, 28080, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body = split_http(raw)
    assert status == "HTTP/1.1 200 OK"
    # nmap-service-probes:10444 matches exactly this order and case.
    assert [n for n, _ in headers] == ["CONNECTION", "CONTENT-LENGTH", "CONTENT-TYPE"]
    assert raw.startswith(b"HTTP/1.1 200 OK\r\nCONNECTION: close\r\nCONTENT-LENGTH: ")
    assert dict(headers)["CONTENT-LENGTH"] == str(len(body))
    assert body.startswith(b"\xef\xbb\xbf<!DOCTYPE html PUBLIC")


async def test_hikvision_redirect_status_line_and_location() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        addr = dev.context.address
        raw = await tcp_exchange(addr, 18080, b"GET / HTTP/1.0\r\n\r\n")
    status, headers, body = split_http(raw)
    assert status == "HTTP/1.0 302 Redirect"
    assert [n for n, _ in headers][:2] == ["Server", "Date"]
    assert dict(headers)["Location"] == f"http://{addr}:18080/doc/page/login.asp"
    assert body == b""


async def test_routes_404_head_favicon_and_keepalive() -> None:
    p = persona("hikvision-nvr")
    async with running(p) as dev:
        addr = dev.context.address
        missing = await tcp_exchange(addr, 18080, b"GET /nope?x=1 HTTP/1.1\r\n\r\n")
        head = await tcp_exchange(addr, 18080, b"HEAD /doc/page/login.asp HTTP/1.1\r\n\r\n")
        icon = await tcp_exchange(addr, 18080, b"GET /favicon.ico HTTP/1.1\r\n\r\n", timeout=0.5)
        # Two requests on one connection: the favicon route has no Connection: close.
        two = await tcp_exchange(
            addr, 18080, b"GET /favicon.ico HTTP/1.1\r\n\r\nGET /favicon.ico HTTP/1.1\r\n\r\n",
            timeout=0.5,
        )  # fmt: skip
    assert split_http(missing)[0] == "HTTP/1.1 404 Not Found"
    status, headers, body = split_http(head)
    assert status == "HTTP/1.0 200 OK"
    assert body == b""
    assert int(dict(headers)["Content-Length"]) > 0
    assert p.http is not None
    expected = base64.b64decode(p.http.routes[3].body.base64 or "")
    assert split_http(icon)[2] == expected
    assert two.count(b"HTTP/1.1 200 OK") == 2


async def test_https_certificate_has_persona_subject() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        reader, writer = await asyncio.open_connection(dev.context.address, 18443, ssl=ctx)
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        writer.write(b"GET /doc/page/login.asp HTTP/1.1\r\n\r\n")
        raw = await asyncio.wait_for(reader.read(4096), 2)
        writer.close()
    cert = x509.load_der_x509_certificate(der)
    # recog xml/x509_subjects.xml:825 writes the same name in RFC 4514 (reversed) order.
    assert cert.subject.rfc4514_string() == (
        "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN"
    )
    assert cert.issuer == cert.subject
    assert b"<title>Login</title>" in raw  # https routes default to the http ones


async def test_hostile_title_and_silent_port() -> None:
    async with running(persona("axis-hostile")) as dev:
        addr = dev.context.address
        raw = await tcp_exchange(addr, 38080, b"GET / HTTP/1.1\r\n\r\n", timeout=0.5)
        reader, writer = await asyncio.open_connection(addr, 38554)  # silent_tcp_ports
        writer.write(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.read(1), 0.3)
        writer.close()
    body = split_http(raw)[2].decode()
    assert f"<title>{HOSTILE_TITLE}</title>" in body
    assert "\x1b]0;pwned\x07" in body
    assert "\x1b[2J" in body


async def test_endless_body_streams_until_client_stops() -> None:
    p = persona("axis-hostile")
    p = p.model_copy(
        update={"misbehave": p.misbehave.model_copy(update={"endless_http_body": True})}
    )
    async with running(p) as dev:
        raw = await tcp_exchange(
            dev.context.address, 38080, b"GET /stream HTTP/1.1\r\n\r\n", timeout=3, limit=300_000
        )
    status, headers, _ = split_http(raw)
    assert status == "HTTP/1.1 200 OK"
    assert ("Transfer-Encoding", "chunked") in headers
    assert not any(n.lower() == "content-length" for n, _ in headers)
    assert len(raw) >= 300_000


async def test_malformed_request_is_dropped_and_server_survives() -> None:
    async with running(persona("dahua-ipc")) as dev:
        addr = dev.context.address
        garbage = await tcp_exchange(addr, 28080, b"\x00\xff garbage\r\n\r\n", timeout=1)
        huge = await tcp_exchange(addr, 28080, b"GET /" + b"a" * 40000, timeout=1)
        ok = await tcp_exchange(addr, 28080, b"GET / HTTP/1.1\r\n\r\n")
    assert garbage == b""
    assert huge == b""
    assert ok.startswith(b"HTTP/1.1 200 OK")

"""UPnP description fetch against a real loopback server (127.0.0.1; nothing leaves the host)."""

from __future__ import annotations

import asyncio

import httpx

from camscan.discover import ssdp
from camscan.models import AttemptStatus


async def test_slow_drip_description_stops_at_the_limit() -> None:
    """httpx's read timeout is per chunk; a byte every 0.1 s must not outlast the limit."""

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<root>")
        try:
            for _ in range(200):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.1)
        except (ConnectionError, OSError):
            pass
        writer.close()

    server = await asyncio.start_server(drip, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
            found, record = await ssdp.fetch_description(
                client, f"http://127.0.0.1:{port}/d.xml", 0.5
            )
    finally:
        server.close()
        await server.wait_closed()
    assert found == []
    assert record.status is AttemptStatus.TIMEOUT


async def test_bad_location_port_is_an_attempt_not_an_exception() -> None:
    async with httpx.AsyncClient(trust_env=False) as client:
        found, record = await ssdp.fetch_description(client, "http://127.0.0.1:99999/d.xml", 1.0)
    assert found == []
    assert record.status is AttemptStatus.MALFORMED

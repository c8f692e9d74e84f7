"""Small real-socket clients for the responder tests (no camscan client code involved)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

from camscan.lab.device import RunningDevice, start_device
from camscan.lab.persona import Persona, load_persona
from tests.helpers import protocol_text

PERSONAS = Path(__file__).parent / "personas"
_hosts = itertools.count(1)


def sample_text(name: str) -> str:
    """A device message written from a real capture (tests/fixtures/protocol)."""
    return protocol_text(name)


def persona(name: str, **updates: object) -> Persona:
    """A test persona, optionally with top-level fields replaced."""
    p = load_persona(PERSONAS / f"{name}.yaml")
    return p.model_copy(update=updates) if updates else p


def fresh_address() -> str:
    """A loopback address no other test in this run uses."""
    n = next(_hosts)
    return f"127.61.{n // 250}.{n % 250 + 1}"


@contextlib.asynccontextmanager
async def running(p: Persona, address: str | None = None) -> AsyncIterator[RunningDevice]:
    """Run a persona's responders on a fresh loopback address for one test."""
    device = await start_device(p, address or fresh_address())
    try:
        yield device
    finally:
        await device.aclose()


class _Collect(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.queue.put_nowait((data, addr))


async def udp_exchange(
    address: str, port: int, payload: bytes, *, expect: int = 1, wait: float = 1.0
) -> list[tuple[bytes, tuple[str, int]]]:
    """Send one datagram from an ephemeral port; collect replies until ``expect`` arrived.

    With ``expect=0`` (checking silence) it waits 0.2 s, plenty on loopback.
    """
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(_Collect, local_addr=("127.0.0.1", 0))
    try:
        transport.sendto(payload, (address, port))
        out = []
        deadline = loop.time() + (wait if expect else 0.2)
        while len(out) < max(expect, 1):
            try:
                out.append(await asyncio.wait_for(proto.queue.get(), deadline - loop.time()))
            except TimeoutError:
                break
        await asyncio.sleep(0.02)  # anything extra would arrive right behind
        while not proto.queue.empty():
            out.append(proto.queue.get_nowait())
        return out
    finally:
        transport.close()


async def tcp_exchange(
    address: str, port: int, payload: bytes, *, timeout: float = 2.0, limit: int = 1 << 20
) -> bytes:
    """Send ``payload`` and read until the server closes (or ``limit`` bytes / timeout)."""
    reader, writer = await asyncio.open_connection(address, port)
    try:
        writer.write(payload)
        await writer.drain()
        data = b""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(data) < limit:
            try:
                chunk = await asyncio.wait_for(
                    reader.read(65536), max(0.01, deadline - loop.time())
                )
            except TimeoutError:
                break  # a keep-alive server: return what came
            if not chunk:
                break
            data += chunk
        return data
    finally:
        writer.close()


def split_http(raw: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, headers (name case and order kept) and body of one response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [(n, v.strip()) for n, _, v in (line.partition(":") for line in lines[1:])]
    return lines[0], headers, body

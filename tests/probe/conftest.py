"""Shared helpers for probe tests: the real protocol samples and loopback servers."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from camscan.probe.base import ProbeSettings

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO.parent / "shared" / "protocol-samples"

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def sample_bytes(name: str) -> bytes:
    """A shared protocol sample without its provenance line; skips when samples are absent."""
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"protocol sample {name} not available at {SAMPLES}")
    return path.read_bytes().split(b"\n", 1)[1]


def fresh_loopback() -> str:
    """A random 127.x.y.z address, so parallel test runs by other engineers never collide."""
    return f"127.{random.randint(64, 250)}.{random.randint(0, 255)}.{random.randint(2, 250)}"


@pytest.fixture
def loopback() -> str:
    return fresh_loopback()


FAST = ProbeSettings(timeout=1.0, connect_timeout=0.5, max_bytes=16 * 1024)


@contextlib.asynccontextmanager
async def tcp_server(handler: Handler, host: str, port: int = 0) -> AsyncIterator[int]:
    """A real asyncio TCP server on ``host``; yields the bound port."""

    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(guarded, host, port)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 1.0)

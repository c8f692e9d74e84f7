"""Shared helpers for probe tests: protocol fixtures and loopback servers."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from camscan.probe.base import ProbeSettings
from tests.helpers import protocol_bytes

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def sample_bytes(name: str) -> bytes:
    """One of the project's own protocol fixtures (tests/fixtures/protocol)."""
    return protocol_bytes(name)


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

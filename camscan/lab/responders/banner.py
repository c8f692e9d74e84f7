"""Raw TCP banners (SSH, telnet, Hikvision SDK 8000 …): bytes sent on connect or on request.

Without ``prompt_hex`` the persona's bytes go out as soon as a client connects. With it they
go out only once the client's bytes start with that prefix (a service that never speaks
first, such as Hikvision's SDK port answering nmap's SMBProgNeg probe); any other input
gets silence. Whatever the client sends is read and discarded (capped) until it has been
quiet for ``idle_close`` seconds, then the connection is closed — a client waiting for more
learns that nothing more is coming.
"""

from __future__ import annotations

import asyncio

from camscan.lab.persona import Banner
from camscan.lab.responders.common import DeviceContext, Running, tcp_server

MAX_DISCARD = 64 * 1024


async def start_banner(ctx: DeviceContext, port: int, banner: Banner) -> Running:
    """Serve ``banner`` on ``port``."""
    payload = banner.raw()
    prompt = banner.prompt()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if prompt is None:
            writer.write(payload)
            await writer.drain()
        received = bytearray()
        answered = prompt is None
        while len(received) < MAX_DISCARD:
            try:
                chunk = await asyncio.wait_for(reader.read(4096), banner.idle_close)
            except TimeoutError:
                return
            if not chunk:
                return
            received += chunk
            if not answered and prompt is not None and len(received) >= len(prompt):
                answered = True  # one verdict per connection, on the first bytes only
                if received.startswith(prompt):
                    writer.write(payload)
                    await writer.drain()

    return await tcp_server(ctx, port, handle, f"banner-{port}")

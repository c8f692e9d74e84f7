"""Raw TCP banners (Hikvision SDK 8000, Dahua 37777, XMeye 34567 …): bytes sent on connect.

The persona's bytes go out as soon as a client connects; whatever the client sends is read
and discarded (capped) until it has been quiet for ``idle_close`` seconds, then the
connection is closed — a client waiting for more learns that nothing more is coming.
"""

from __future__ import annotations

import asyncio

from camscan.lab.persona import Banner
from camscan.lab.responders.common import DeviceContext, Running, tcp_server

MAX_DISCARD = 64 * 1024


async def start_banner(ctx: DeviceContext, port: int, banner: Banner) -> Running:
    """Serve ``banner`` on ``port``."""
    payload = banner.raw()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(payload)
        await writer.drain()
        seen = 0
        while seen < MAX_DISCARD:
            try:
                chunk = await asyncio.wait_for(reader.read(4096), banner.idle_close)
            except TimeoutError:
                return
            if not chunk:
                return
            seen += len(chunk)

    return await tcp_server(ctx, port, handle, f"banner-{port}")

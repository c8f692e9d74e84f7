"""RTSP: OPTIONS answered with the persona's headers, DESCRIBE refused like a locked camera.

Real cameras differ in header order and content (Dahua puts ``Server: Dahua Rtsp Server``
after ``WWW-Authenticate: Basic realm="device"``, nmap-service-probes:12373; Hikvision sends
two ``WWW-Authenticate`` lines and no Server, nmap-service-probes:12367), so the headers are
sent in exactly the persona's order. CSeq is echoed where the persona puts ``{cseq}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from camscan.lab.persona import Header, RtspConfig, expand
from camscan.lab.responders.common import DeviceContext, Running, tcp_server

MAX_HEAD = 8 * 1024
IDLE_TIMEOUT = 10.0
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 454: "Session Not Found",
            501: "Not Implemented"}  # fmt: skip


def render(status: int, headers: Sequence[Header], values: dict[str, str]) -> bytes:
    """One RTSP response; CSeq goes first unless a header places ``{cseq}`` itself."""
    lines = [f"RTSP/1.0 {status} {_REASONS.get(status, 'Error')}"]
    if not any("{cseq}" in h.value for h in headers) and values.get("cseq"):
        lines.append(f"CSeq: {values['cseq']}")
    lines.extend(f"{h.name}: {expand(h.value, values)}" for h in headers)
    return ("\r\n".join([*lines, "", ""])).encode("utf-8", "surrogateescape")


async def start_rtsp(ctx: DeviceContext, cfg: RtspConfig) -> Running:
    """Serve RTSP requests on ``cfg.port`` until closed (connections may carry several)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT)
            except (asyncio.IncompleteReadError, TimeoutError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method = lines[0].split(" ", 1)[0].upper()
            headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or "0")
            if 0 < length <= MAX_HEAD:
                await asyncio.wait_for(reader.readexactly(length), IDLE_TIMEOUT)
            # Echo only a plausible CSeq: a hostile one must not inject header lines.
            cseq = headers.get("cseq", "")
            values = ctx.values(cseq=cseq if cseq.isdigit() and len(cseq) < 12 else "0")
            if method == "OPTIONS":
                out = render(200, cfg.options_headers, values)
            elif method == "DESCRIBE":
                out = render(cfg.describe_status, cfg.describe_headers, values)
            else:
                out = render(cfg.other_status, cfg.other_headers, values)
            writer.write(out)
            await writer.drain()

    return await tcp_server(ctx, cfg.port, handle, "rtsp", limit=MAX_HEAD)

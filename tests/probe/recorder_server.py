"""A real HTTP/1.1 recorder on 127.x for the recorder probe's tests: digest auth checked per
RFC 7616 (MD5, qop=auth), routes serving the documented ISAPI / Dahua CGI bodies."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from tests.probe.conftest import tcp_server

REALM = "TEST-NET NVR"
NONCE = "6c61622d6e6f6e6365"
_PARAM = re.compile(r'(\w+)=("([^"]*)"|[^,\s]+)')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Recorder:
    """Routes (path → (status, body)); ``scheme`` "digest" or "basic"; ``stall`` never answers."""

    routes: dict[str, tuple[int, bytes]]
    username: str = "audit"
    password: str = "s3cret-Recorder!"
    scheme: str = "digest"
    stall: bool = False
    requests: list[str] = field(default_factory=list)  # "METHOD path authorised?"
    headers_seen: list[str] = field(default_factory=list)

    def authorised(self, method: str, header: str) -> bool:
        if self.scheme == "basic":
            import base64

            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return header == f"Basic {token}"
        if not header.startswith("Digest "):
            return False
        p = {m[1]: m[3] if m[3] is not None else m[2] for m in _PARAM.finditer(header[7:])}
        if p.get("username") != self.username or p.get("realm") != REALM:
            return False
        ha1 = _md5(f"{self.username}:{REALM}:{self.password}")
        ha2 = _md5(f"{method}:{p.get('uri', '')}")
        expected = _md5(f"{ha1}:{NONCE}:{p.get('nc')}:{p.get('cnonce')}:{p.get('qop')}:{ha2}")
        return p.get("response") == expected and p.get("nonce") == NONCE

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            except (asyncio.IncompleteReadError, TimeoutError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
            self.headers_seen.append(head.decode("latin-1"))
            if self.stall:
                await asyncio.sleep(30)
                return
            ok = self.authorised(method, headers.get("authorization", ""))
            self.requests.append(f"{method} {path} {'auth' if ok else 'anon'}")
            if not ok:
                challenge = (
                    f'Digest realm="{REALM}", qop="auth", nonce="{NONCE}", algorithm=MD5'
                    if self.scheme == "digest"
                    else f'Basic realm="{REALM}"'
                )
                writer.write(
                    b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
                    + f"WWW-Authenticate: {challenge}\r\n\r\n".encode()
                )
            else:
                status, body = self.routes.get(path, (404, b"not found"))
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
                )
            await writer.drain()


@contextlib.asynccontextmanager
async def serve(recorder: Recorder, host: str, port: int = 0) -> AsyncIterator[int]:
    """Run ``recorder`` on ``host`` (``port`` 0: any free port); yields its port."""
    async with tcp_server(recorder.handle, host, port) as port:
        yield port

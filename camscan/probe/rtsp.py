"""RTSP probe: OPTIONS and DESCRIBE over raw asyncio TCP, headers only.

Camera RTSP servers name themselves (``Server: Dahua Rtsp Server``, recog
xml/rtsp_servers.xml) or give themselves away by their challenge (``Digest
realm="Hikvision"``, nmap-service-probes:12367) and their ``Public`` method list
(nmap-service-probes:12380). No credentials are sent and no stream is set up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

from camscan.models import AttemptStatus, Observation
from camscan.probe.base import ProbeSettings, ProbeSink, ProbeTarget
from camscan.probe.common import (
    USER_AGENT,
    PortProbe,
    Timer,
    close_writer,
    decode_lenient,
    header_values,
    read_capped,
    read_headers,
    redact_challenge,
    url_host,
)
from camscan.sanitize import device_text

# 554 is RTSP's registered port; 8554 and 5554 are camera defaults (Ullaakut/cameradar's
# default port list: 554, 5554, 8554).
RTSP_PORTS = frozenset({554, 5554, 8554})
DEFAULT_PORTS = (554,)
HEADER_CAP = 16 * 1024


@dataclass(frozen=True)
class RtspResponse:
    """A parsed RTSP response head: status and headers in order (names as sent)."""

    version: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> list[str]:
        return header_values(self.headers, name)


def parse_response(head: bytes) -> RtspResponse:
    """Parse ``RTSP/1.0 200 OK`` plus header lines; raises ValueError on anything else."""
    lines = head.split(b"\r\n") if b"\r\n" in head else head.split(b"\n")
    status_line = decode_lenient(lines[0]).strip()
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].upper().startswith("RTSP/") or not parts[1].isdigit():
        raise ValueError(f"not an RTSP status line: {device_text(status_line, 80)!r}")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        text = decode_lenient(line)
        if text[:1] in (" ", "\t") and headers:  # obsolete line folding
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {text.strip()}")
            continue
        name, sep, value = text.partition(":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()))
    return RtspResponse(parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "", tuple(headers))


def build_request(method: str, url: str, cseq: int, extra: str = "") -> bytes:
    """One RTSP request; the URL holds only the address and port we were given."""
    return (
        f"{method} {url} RTSP/1.0\r\nCSeq: {cseq}\r\nUser-Agent: {USER_AGENT}\r\n{extra}\r\n"
    ).encode("ascii")


class RtspProbe(PortProbe):
    """Ask each open RTSP port for OPTIONS and DESCRIBE and keep the telling headers."""

    name = "rtsp"
    kind = "RTSP"

    def __init__(
        self, ports: frozenset[int] = RTSP_PORTS, default_ports: tuple[int, ...] = DEFAULT_PORTS
    ) -> None:
        super().__init__(ports, default_ports)

    async def visit(
        self, target: ProbeTarget, settings: ProbeSettings, port: int, found: ProbeSink
    ) -> None:
        url = f"rtsp://{url_host(target.address)}:{port}/"
        for cseq, (method, extra) in enumerate(
            (("OPTIONS", ""), ("DESCRIBE", "Accept: application/sdp\r\n")), start=1
        ):
            t = Timer()
            request = partial(
                self._exchange, target.address, port, method, url, cseq, extra, settings
            )
            resp = await self.exchange(
                found.attempts, port, request, t, label=method, malformed=(ValueError,)
            )
            if resp in (AttemptStatus.REFUSED, AttemptStatus.TIMEOUT):
                break  # the second request would fail the same way
            if isinstance(resp, AttemptStatus):
                continue
            found.observations.extend(self._observations(resp, port))
            reason = f"{method}: {resp.status} {resp.reason}"
            self.record(found.attempts, port, AttemptStatus.OK, reason, t)

    async def _exchange(
        self,
        address: str,
        port: int,
        method: str,
        url: str,
        cseq: int,
        extra: str,
        settings: ProbeSettings,
    ) -> RtspResponse:
        """One request on its own connection (servers often close after an error reply)."""
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(address, port, limit=HEADER_CAP), settings.connect_timeout
        )
        try:
            writer.write(build_request(method, url, cseq, extra))
            await asyncio.wait_for(writer.drain(), settings.timeout)
            head, rest = await read_headers(
                reader, min(HEADER_CAP, settings.max_bytes), settings.timeout
            )
            resp = parse_response(head)
            # Drain a small SDP body so the server is not reset mid-write; contents unused.
            length = resp.header("content-length")
            if length and length[0].isdigit() and int(length[0]) > len(rest):
                loop = asyncio.get_running_loop()
                await read_capped(
                    reader,
                    min(int(length[0]) - len(rest), 4096),
                    loop.time() + min(settings.timeout, 1.0),
                )
            return resp
        finally:
            await close_writer(writer)

    def _observations(self, resp: RtspResponse, port: int) -> list[Observation]:
        out: list[Observation] = []

        def add(signal: str, value: str) -> None:
            value = device_text(value)
            if value:
                out.append(Observation(signal=signal, value=value, port=port, source=self.name))

        for server in resp.header("server")[:2]:
            add("rtsp.server", server)
        for challenge in resp.header("www-authenticate")[:4]:
            add("rtsp.www_authenticate", redact_challenge(challenge))
        for public in resp.header("public")[:1]:
            add("rtsp.public", public)
        return out

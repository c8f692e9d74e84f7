"""Banner probe: connect to service ports and read what the device says first.

SSH and telnet daemons and many vendor services speak first; the vendor SDK ports (Hikvision
8000, Dahua 37777, XiongMai 34567) stay silent, and camscan never sends their login packets.
One port gets a request, because its real reply is documented and the request changes
nothing: Hikvision's SDK port 8000 answers nmap's SMBProgNeg probe (an SMB1 Negotiate
Protocol request, nmap-service-probes:13999) with a 16-byte error reply (match
``hik-connect`` at nmap-service-probes:14039), which signature ``hikvision-tcp-8000-reply``
reads. An open-but-silent port is recorded as ``no_answer`` with the time waited, which is
itself a fact the report can show.
"""

from __future__ import annotations

import asyncio
import struct
from functools import partial

from camscan.models import AttemptStatus, Observation
from camscan.probe.base import ProbeSettings, ProbeSink, ProbeTarget
from camscan.probe.common import PortProbe, Timer, close_writer
from camscan.sanitize import device_text, escape_bytes

# 21 ftp, 22 ssh, 23 telnet; 8000 Hikvision SDK (nmap-service-probes:1821), 37777 Dahua SDK
# (protocols.md §3, DHIP reply `Port`), 34567 XiongMai/NETSurveillance, 9000 vendor media/SDK
# ports seen on recorders, 6036 Raysharp DVRs.
BANNER_PORTS = frozenset({21, 22, 23, 6036, 8000, 9000, 34567, 37777})
BANNER_BYTES = 1024
QUIET_GAP = 0.3  # after the first bytes, stop when the service pauses this long
IAC = 0xFF


def smb_negotiate() -> bytes:
    """nmap's SMBProgNeg probe: an SMB1 Negotiate Protocol request in a NetBIOS session frame.

    Layout (MS-CIFS 2.2.3.1 header, 2.2.4.52 SMB_COM_NEGOTIATE; dialects and header values
    as nmap-service-probes:13999 sends them): ``\\xffSMB``, command 0x72, status 0, flags
    0x08, flags2 0x4001, PID 0x0640, MID 1, WordCount 0, then the dialect strings.
    """
    dialects = (
        "PC NETWORK PROGRAM 1.0",
        "MICROSOFT NETWORKS 1.03",
        "MICROSOFT NETWORKS 3.0",
        "LANMAN1.0",
        "LM1.2X002",
        "Samba",
        "NT LANMAN 1.0",
        "NT LM 0.12",
    )
    data = b"".join(b"\x02" + d.encode("ascii") + b"\0" for d in dialects)
    header = struct.pack(
        "<4sBIBHH8sHHHHH", b"\xffSMB", 0x72, 0, 0x08, 0x4001, 0, b"", 0, 0, 0x0640, 0, 1
    )
    message = header + struct.pack("<BH", 0, len(data)) + data
    return struct.pack(">I", len(message)) + message


#: Requests sent on connect, per port (read-only; see the module docstring for the facts).
PROMPTS: dict[int, bytes] = {8000: smb_negotiate()}


def strip_telnet(data: bytes) -> bytes:
    """Remove telnet IAC negotiation (RFC 854: IAC cmd [opt], IAC SB ... IAC SE)."""
    out = bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        if b != IAC:
            out.append(b)
            i += 1
            continue
        cmd = data[i + 1] if i + 1 < len(data) else None
        if cmd == IAC:  # escaped 0xff data byte
            out.append(IAC)
            i += 2
        elif cmd == 250:  # SB ... IAC SE
            end = data.find(bytes([IAC, 240]), i + 2)
            i = len(data) if end < 0 else end + 2
        elif cmd is not None and 251 <= cmd <= 254:  # WILL/WONT/DO/DONT option
            i += 3
        else:
            i += 2
    return bytes(out)


def banner_observations(data: bytes, port: int, source: str = "banner") -> list[Observation]:
    """Signals for one banner: ssh.banner / telnet.banner when recognised, else tcp.banner."""

    def obs(signal: str, value: str) -> Observation:
        return Observation(signal=signal, value=value, port=port, source=source)

    if not data:
        return []
    if data.startswith(b"SSH-"):
        line = data.split(b"\n", 1)[0].rstrip(b"\r")
        return [obs("ssh.banner", device_text(line, 255))]
    if data[0] == IAC or port == 23:
        text = strip_telnet(data)
        value = device_text(text.replace(b"\r", b"").replace(b"\n", b" "), 255)
        out = [obs("tcp.banner", escape_bytes(data[:256]))]
        if value:
            out.append(obs("telnet.banner", value))
        return out
    return [obs("tcp.banner", escape_bytes(data[:256]))]


class BannerProbe(PortProbe):
    """Read the first bytes of each open service port; send only :data:`PROMPTS` requests."""

    name = "banner"

    kind = "banner"

    def __init__(self, ports: frozenset[int] = BANNER_PORTS) -> None:
        super().__init__(ports)

    async def visit(
        self, target: ProbeTarget, settings: ProbeSettings, port: int, found: ProbeSink
    ) -> None:
        t = Timer()
        read = partial(self._read, target.address, port, settings)
        silent = (AttemptStatus.NO_ANSWER, "connected; the service sent nothing")
        data = await self.exchange(found.attempts, port, read, t, empty=silent)
        if isinstance(data, AttemptStatus):
            return
        found.observations.extend(banner_observations(data, port, self.name))
        self.record(found.attempts, port, AttemptStatus.OK, f"{len(data)} bytes", t)

    async def _read(self, address: str, port: int, settings: ProbeSettings) -> bytes:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(address, port), settings.connect_timeout
        )
        try:
            if port in PROMPTS:
                writer.write(PROMPTS[port])
                await writer.drain()
            loop = asyncio.get_running_loop()
            cap = min(BANNER_BYTES, settings.max_bytes)
            deadline = loop.time() + min(settings.timeout, 2.0)
            buf = bytearray()
            while len(buf) < cap:
                wait = deadline - loop.time()
                if buf:
                    wait = min(wait, QUIET_GAP)
                if wait <= 0:
                    break
                try:
                    chunk = await asyncio.wait_for(reader.read(cap - len(buf)), wait)
                except TimeoutError:
                    break
                if not chunk:
                    break
                buf += chunk
                if buf.startswith(b"SSH-") and b"\n" in buf:
                    break
            return bytes(buf)
        finally:
            await close_writer(writer)

"""Client half of the root multicast test; runs inside the client network namespace.

Prints one JSON line per event: {"hello": [...]} after the devices announce themselves,
then the replies to multicast/broadcast WS-Discovery, SADP, DHIP and SSDP requests and the
mDNS lookup. Stdlib sockets only, so it tests the responders and nothing of camscan's client.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import sys
import time
import uuid

IFACE_ADDR = sys.argv[1]
MDNS_NAME = sys.argv[2]


def emit(**kw: object) -> None:
    print(json.dumps(kw), flush=True)


def collect(sock: socket.socket, seconds: float) -> list[tuple[str, int, str]]:
    out = []
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            data, (host, port) = sock.recvfrom(65535)
        except TimeoutError:
            break
        out.append((host, port, data.decode("latin-1")))
    return out


def sender() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(IFACE_ADDR))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.bind((IFACE_ADDR, 0))
    return s


def main() -> None:
    hello = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    hello.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hello.bind(("239.255.255.250", 3702))
    mreq = socket.inet_aton("239.255.255.250") + socket.inet_aton(IFACE_ADDR)
    hello.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    notify = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    notify.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    notify.bind(("239.255.255.250", 1900))
    notify.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    emit(listening=True)
    sys.stdin.readline()  # the test starts the devices, then tells us to go on
    emit(hello=[(h, p, "Hello" in d) for h, p, d in collect(hello, 1.5)])
    emit(notify=[(h, p, d) for h, p, d in collect(notify, 0.2)])

    probe = (
        '<?xml version="1.0" encoding="UTF-8"?><s:Envelope '
        'xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
        'xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header>'
        "<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>"
        f"<a:MessageID>urn:uuid:{uuid.uuid4()}</a:MessageID>"
        "<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header><s:Body>"
        "<d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>"
    ).encode()
    dhip_json = b'{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n'
    dhip = (
        struct.pack("<I", 0x20) + b"DHIP" + bytes(8)
        + struct.pack("<QQ", len(dhip_json), len(dhip_json)) + dhip_json
    )  # fmt: skip
    requests = {
        "wsd": (probe, ("239.255.255.250", 3702)),
        "sadp": (
            b'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>'
            + str(uuid.uuid4()).upper().encode()
            + b"</Uuid><Types>inquiry</Types></Probe>",
            ("239.255.255.250", 37020),
        ),
        "dhip_multicast": (dhip, ("239.255.255.251", 37810)),
        "dhip_broadcast": (dhip, ("255.255.255.255", 37810)),
        "ssdp": (
            b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\n'
            b"MX: 1\r\nST: ssdp:all\r\n\r\n",
            ("239.255.255.250", 1900),
        ),
    }
    for name, (payload, dest) in requests.items():
        with sender() as s:
            s.sendto(payload, dest)
            emit(**{name: [(h, p, d[:200]) for h, p, d in collect(s, 1.0)]})

    from zeroconf import IPVersion
    from zeroconf.asyncio import AsyncZeroconf

    async def lookup() -> None:
        zc = AsyncZeroconf(interfaces=[IFACE_ADDR], ip_version=IPVersion.V4Only)
        try:
            service_type = "_axis-video._tcp.local."
            info = await zc.async_get_service_info(
                service_type, f"{MDNS_NAME}.{service_type}", timeout=3000
            )
            found = None
            if info is not None:
                txt = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
                found = [info.parsed_addresses(), info.port, txt]
            emit(mdns=found)
        finally:
            await zc.async_close()

    asyncio.run(lookup())


if __name__ == "__main__":
    main()

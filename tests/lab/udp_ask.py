"""Run inside the auditor namespace: send one UDP datagram, print every answer as JSON.

``python udp_ask.py SOURCE_IP DEST_IP PORT HEX_PAYLOAD SECONDS`` → ``[[sender, port, hex], ...]``.
Multicast leaves through the interface holding SOURCE_IP (lab namespaces have one).
"""

from __future__ import annotations

import json
import socket
import sys
import time


def main() -> None:
    source, dest, port, payload, seconds = sys.argv[1:6]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(source))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    sock.bind((source, 0))
    sock.sendto(bytes.fromhex(payload), (dest, int(port)))
    answers = []
    deadline = time.monotonic() + float(seconds)
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            data, (host, sport) = sock.recvfrom(65535)
        except TimeoutError:
            break
        answers.append([host, sport, data.hex()])
    print(json.dumps(answers))


if __name__ == "__main__":
    main()

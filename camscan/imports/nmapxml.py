"""nmap's XML output (``-oX``): addresses, MACs, host names, open ports and vendor hints.

Layout from nmap's DTD (docs/nmap.dtd in nmap/nmap): ``<nmaprun>`` holds ``<host>`` elements,
each with ``<status state="up"/>``, ``<address addr=".." addrtype="ipv4|mac" vendor=".."/>``,
``<hostnames><hostname name=".." type="user|PTR"/></hostnames>`` and
``<ports><port protocol="tcp" portid=".."><state state="open"/><service name=".."
product=".." version=".."/></port></ports>``. Parsed with defusedxml (entities refused).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from defusedxml import ElementTree as SafeET

from camscan.imports import ImportedHost, ImportFileError
from camscan.oui import normalise_mac

MAX_PORTS = 256
MAX_HINT = 200


def _attr(element: Any, name: str) -> str:
    return str(element.get(name) or "").strip()[:MAX_HINT]


def _host(element: Any) -> ImportedHost | None:
    status = element.find("status")
    if status is not None and _attr(status, "state") not in ("", "up"):
        return None
    address = mac = None
    hints: list[str] = []
    for addr in element.findall("address"):
        kind = _attr(addr, "addrtype")
        if kind == "ipv4":
            try:
                address = str(ipaddress.IPv4Address(_attr(addr, "addr")))
            except ValueError:
                return None
        elif kind == "mac":
            mac = normalise_mac(_attr(addr, "addr"))
            if vendor := _attr(addr, "vendor"):
                hints.append(f"nmap MAC vendor: {vendor}")
    if address is None:
        return None
    names = tuple(
        dict.fromkeys(n for h in element.findall("hostnames/hostname") if (n := _attr(h, "name")))
    )
    ports: list[int] = []
    for port in element.findall("ports/port")[:MAX_PORTS]:
        state = port.find("state")
        if state is None or _attr(state, "state") != "open" or _attr(port, "protocol") != "tcp":
            continue
        try:
            number = int(_attr(port, "portid"))
        except ValueError:
            continue
        if 0 < number < 65536:
            ports.append(number)
        service = port.find("service")
        if service is not None and (product := _attr(service, "product")):
            version = _attr(service, "version")
            hints.append(f"nmap {number}/tcp: {product} {version}".rstrip())
    return ImportedHost(address, mac, names, tuple(hints), tuple(ports))


def parse_nmap_xml(text: str) -> tuple[list[ImportedHost], int]:
    """Every up host with an IPv4 address; hosts without one are counted as skipped."""
    try:
        root = SafeET.fromstring(text)
    except Exception as exc:  # defusedxml's refusals and ParseError alike
        raise ImportFileError(f"not usable nmap XML: {type(exc).__name__}: {exc}") from None
    if root.tag != "nmaprun":
        raise ImportFileError(f"root element is <{root.tag}>, not <nmaprun>")
    hosts, skipped = [], 0
    for element in root.findall("host"):
        host = _host(element)
        if host is None:
            skipped += 1
        else:
            hosts.append(host)
    return hosts, skipped

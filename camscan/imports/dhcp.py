"""DHCP lease files: ISC dhcpd, Kea (memfile CSV) and dnsmasq.

Formats, from each server's own documentation:

- ISC ``dhcpd.leases(5)``: ``lease ADDRESS { ... }`` blocks with ``hardware ethernet MAC;``,
  ``client-hostname "NAME";``, ``binding state STATE;`` and ``set NAME = "VALUE";`` lines
  (``vendor-class-identifier`` when the server records it). The file is a journal: a later
  block for the same address replaces an earlier one.
- Kea ``kea-dhcp4`` memfile lease file: CSV with a header line naming the columns
  (``address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,
  state,user_context...``); state 0 = default, 1 = declined, 2 = expired-reclaimed.
- dnsmasq ``dnsmasq.leases``: one lease per line, ``EXPIRY MAC ADDRESS HOSTNAME CLIENT-ID``,
  with ``*`` for an unknown host name.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re

from camscan.imports import ImportedHost
from camscan.oui import normalise_mac

# dhcpd writes one statement per line, but its grammar is free-form: a lease on one line
# ("lease A { hardware ethernet M; }") is the same lease, so statements start after a line
# start, ";" or "{", and a block ends at the first "}" that follows one of those (not at a "}"
# inside a quoted host name).
_ISC_LEASE = re.compile(r"^lease\s+(\d{1,3}(?:\.\d{1,3}){3})\s*\{(.*?[;{\n])[ \t]*\}", re.M | re.S)
_ISC_STARTS = re.compile(r"^lease\s", re.M)
_STMT = r"(?:^|[;{])\s*"
_ISC_MAC = re.compile(_STMT + r"hardware\s+ethernet\s+([0-9A-Fa-f:]{11,17})\s*;", re.M)
_ISC_HOST = re.compile(_STMT + r'client-hostname\s+"([^"\n]{1,253})"\s*;', re.M)
_ISC_STATE = re.compile(_STMT + r"binding\s+state\s+([a-z-]+)\s*;", re.M)
_ISC_VCI = re.compile(_STMT + r'set\s+vendor-class-identifier\s*=\s*"([^"\n]{1,255})"\s*;', re.M)
_DNSMASQ = re.compile(
    r"^(\d+)\s+([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})\s+(\d{1,3}(?:\.\d{1,3}){3})\s+(\S+)(?:\s+\S+)?\s*$"
)
_HOSTNAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$")


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.IPv4Address(text.strip()))
    except ValueError:
        return None


def _hostname(text: str | None) -> tuple[str, ...]:
    name = (text or "").strip().rstrip(".")
    return (name,) if name and name != "*" and _HOSTNAME.match(name) else ()


def _mac(text: str | None) -> str | None:
    mac = normalise_mac(text or "")
    return mac if mac and mac != "00:00:00:00:00:00" else None


def looks_like_isc(head: str) -> bool:
    """A ``lease A.B.C.D {`` block start (comments and ``server-duid`` lines may precede it)."""
    return bool(re.search(r"^lease\s+\d{1,3}(?:\.\d{1,3}){3}\s*\{", head, re.M))


def looks_like_dnsmasq(head: str) -> bool:
    """Every non-empty line of the head is a dnsmasq lease line (``duid`` lines allowed)."""
    lines = [ln for ln in head.splitlines()[:-1] or head.splitlines() if ln.strip()]
    return bool(lines) and all(_DNSMASQ.match(ln) or ln.startswith("duid ") for ln in lines)


def parse_isc(text: str) -> tuple[list[ImportedHost], int]:
    """ISC dhcpd.leases: the last block per address; free and abandoned leases skipped."""
    latest: dict[str, ImportedHost] = {}
    blocks = list(_ISC_LEASE.finditer(text))
    skipped = max(0, len(_ISC_STARTS.findall(text)) - len(blocks))  # starts with no block
    for match in blocks:
        address, body = _address(match.group(1)), match.group(2)
        state = _ISC_STATE.search(body)
        mac_m = _ISC_MAC.search(body)
        mac = _mac(mac_m.group(1) if mac_m else None)
        if address is None or mac is None or (state and state.group(1) in ("free", "abandoned")):
            skipped += 1
            latest.pop(address or "", None)
            continue
        host_m, vci = _ISC_HOST.search(body), _ISC_VCI.search(body)
        hints = (f"dhcp vendor class: {vci.group(1)}",) if vci else ()
        latest[address] = ImportedHost(
            address, mac, _hostname(host_m.group(1) if host_m else None), hints
        )
    return list(latest.values()), skipped


def parse_kea(text: str) -> tuple[list[ImportedHost], int]:
    """Kea memfile CSV: columns by header name; declined leases skipped."""
    reader = csv.DictReader(io.StringIO(text))
    out: dict[str, ImportedHost] = {}
    skipped = 0
    for row in reader:
        address, mac = _address(row.get("address") or ""), _mac(row.get("hwaddr"))
        if address is None or mac is None or (row.get("state") or "0").strip() == "1":
            skipped += 1
            continue
        out[address] = ImportedHost(address, mac, _hostname(row.get("hostname")))
    return list(out.values()), skipped


def parse_dnsmasq(text: str) -> tuple[list[ImportedHost], int]:
    """dnsmasq.leases: ``EXPIRY MAC ADDRESS HOSTNAME [CLIENT-ID]`` per line."""
    out: dict[str, ImportedHost] = {}
    skipped = 0
    for line in text.splitlines():
        if not line.strip() or line.startswith("duid "):
            continue
        m = _DNSMASQ.match(line.strip())
        address = _address(m.group(3)) if m else None
        mac = _mac(m.group(2)) if m else None
        if m is None or address is None or mac is None:
            skipped += 1
            continue
        out[address] = ImportedHost(address, mac, _hostname(m.group(4)))
    return list(out.values()), skipped

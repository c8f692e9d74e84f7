"""What may be scanned: targets and exclusions in nmap syntax, turned into a bounded address set.

Pure functions (no packets): the scope is computed and checked before anything is sent, so a
typo such as ``8.8.8.0/24`` or ``10.0.0.0/8`` is refused instead of scanned. Addresses are kept
as merged inclusive integer intervals, which makes exclusion and size checks cheap even for a
/8 and keeps memory independent of the number of addresses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, ip_address, ip_network, summarize_address_range
from pathlib import Path

DEFAULT_MAX_HOSTS = 65536

Interval = tuple[int, int]  # inclusive start, inclusive end

# Address blocks that are not globally routable (IANA special-purpose registry, RFC 6890).
_NON_GLOBAL = tuple(
    IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
    )
)
_MULTICAST_AND_RESERVED = (int(IPv4Address("224.0.0.0")), int(IPv4Address("255.255.255.255")))

_OCTET = re.compile(
    r"^(?:\*|\d{1,3}(?:-\d{0,3})?|-\d{1,3})(?:,(?:\d{1,3}(?:-\d{0,3})?|-\d{1,3}))*$"
)


class ScopeError(ValueError):
    """The requested scope is invalid or not allowed; the message is shown to the user."""


@dataclass(frozen=True)
class Scope:
    """A set of IPv4 addresses as sorted, merged, inclusive intervals."""

    intervals: tuple[Interval, ...] = ()

    def __len__(self) -> int:
        return sum(end - start + 1 for start, end in self.intervals)

    def __contains__(self, address: object) -> bool:
        try:
            value = int(IPv4Address(str(address)))
        except ValueError:
            return False
        return any(start <= value <= end for start, end in self.intervals)

    def addresses(self) -> Iterator[IPv4Address]:
        """Every address, in order, generated lazily (a /16 is never materialised)."""
        for start, end in self.intervals:
            for value in range(start, end + 1):
                yield IPv4Address(value)

    def networks(self) -> list[IPv4Network]:
        """The smallest list of CIDR blocks covering exactly this scope."""
        nets: list[IPv4Network] = []
        for start, end in self.intervals:
            nets.extend(summarize_address_range(IPv4Address(start), IPv4Address(end)))
        return nets

    def describe(self) -> list[str]:
        """Compact human-readable scope: ``a.b.c.d``, a CIDR block, or ``first-last``."""
        out: list[str] = []
        for start, end in self.intervals:
            nets = list(summarize_address_range(IPv4Address(start), IPv4Address(end)))
            if start == end:
                out.append(str(IPv4Address(start)))
            elif len(nets) == 1:
                out.append(str(nets[0]))
            else:
                out.append(f"{IPv4Address(start)}-{IPv4Address(end)}")
        return out


def _merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _subtract(keep: Sequence[Interval], remove: Sequence[Interval]) -> tuple[Interval, ...]:
    out: list[Interval] = []
    for start, end in keep:
        pieces = [(start, end)]
        for r_start, r_end in remove:
            next_pieces: list[Interval] = []
            for p_start, p_end in pieces:
                if r_end < p_start or r_start > p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if r_start > p_start:
                    next_pieces.append((p_start, r_start - 1))
                if r_end < p_end:
                    next_pieces.append((r_end + 1, p_end))
            pieces = next_pieces
        out.extend(pieces)
    return _merge(out)


def _octet_values(part: str) -> list[Interval]:
    """One nmap octet spec (``1-20``, ``*``, ``1,3,5-7``, ``-9``) as intervals within 0-255."""
    if part == "*":
        return [(0, 255)]
    spans: list[Interval] = []
    for item in part.split(","):
        if "-" in item:
            low_s, high_s = item.split("-", 1)
            low = int(low_s) if low_s else 0
            high = int(high_s) if high_s else 255
        else:
            low = high = int(item)
        if not 0 <= low <= high <= 255:
            raise ScopeError(f"bad octet range {item!r}")
        spans.append((low, high))
    return spans


def _octet_ranges(spec: str) -> tuple[Interval, ...]:
    parts = spec.split(".")
    if len(parts) != 4 or not all(_OCTET.match(p) for p in parts):
        raise ScopeError(f"not an address, range or network: {spec!r}")
    per_octet = [_octet_values(p) for p in parts]
    prefixes = 1
    for spans in per_octet[:3]:
        prefixes *= sum(high - low + 1 for low, high in spans)
    if prefixes > 1 << 16:
        raise ScopeError(f"range too large: {spec!r}")
    values = [0]
    for spans in per_octet[:3]:  # concrete /24 prefixes; the last octet stays as intervals
        values = [v * 256 + o for v in values for low, high in spans for o in range(low, high + 1)]
    intervals = [(v * 256 + low, v * 256 + high) for v in values for low, high in per_octet[3]]
    return _merge(intervals)


#: ``scheme://`` at the start of a target: someone pasted a URL (``http://192.0.2.10/``).
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _is_ipv6(spec: str) -> bool:
    """Whether ``spec`` is an IPv6 address, network or range (``fe80::1%eth0`` included)."""
    for part in spec.split("-", 1):
        try:
            ip_network(part.split("%", 1)[0].strip(), strict=False)
        except ValueError:
            return False
    return True


def parse_target(
    spec: str, resolve: Callable[[str], str] | None = None, *, skip_edges: bool = True
) -> tuple[Interval, ...]:
    """One target in nmap syntax: ``192.0.2.0/24``, ``192.0.2.1-20``, ``192.0.2.1-192.0.2.40``,
    octet ranges (``192.0.2-3.1-5``), a single address, or a host name (via ``resolve``).

    For CIDR blocks shorter than /31 the network and broadcast addresses are left out
    (``skip_edges``): connecting to them only produces errors.
    """
    spec = spec.strip()
    if not spec:
        raise ScopeError("empty target")
    if _URL.match(spec):
        raise ScopeError(f"give a host or network, not a URL: {spec!r}")
    if ":" in spec and _is_ipv6(spec):
        raise ScopeError(f"IPv6 targets are not supported (camscan scans IPv4 only): {spec!r}")
    if "/" in spec:
        try:
            net = IPv4Network(spec, strict=False)
        except ValueError as exc:
            raise ScopeError(f"bad network {spec!r}: {exc}") from None
        start, end = int(net.network_address), int(net.broadcast_address)
        if skip_edges and net.prefixlen < 31:
            start, end = start + 1, end - 1
        return ((start, end),)
    full_range = re.fullmatch(r"(\d{1,3}(?:\.\d{1,3}){3})\s*-\s*(\d{1,3}(?:\.\d{1,3}){3})", spec)
    if full_range:
        try:
            low, high = (int(IPv4Address(a)) for a in full_range.groups())
        except ValueError as exc:
            raise ScopeError(f"bad range {spec!r}: {exc}") from None
        if low > high:
            raise ScopeError(f"range end before start: {spec!r}")
        return ((low, high),)
    if re.fullmatch(r"[\d.,*-]+", spec):
        try:
            return _octet_ranges(spec)
        except ValueError as exc:  # int() on a stray "-" and our own ScopeError alike
            raise ScopeError(f"bad target {spec!r}: {exc}") from None
    if resolve is None or not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})", spec):
        raise ScopeError(f"not an address, range or network: {spec!r}")
    try:
        address = int(IPv4Address(resolve(spec)))
    except (OSError, ValueError) as exc:
        raise ScopeError(f"cannot resolve {spec!r}: {exc}") from None
    return ((address, address),)


def read_target_file(
    path: str | Path,
    stdin: Callable[[], str] | None = None,
    resolve: Callable[[str], str] | None = None,
) -> list[str]:
    """Targets from a file as nmap ``-iL`` reads it: whitespace-separated, ``#`` comments.

    Every entry is checked as it is read, so a bad one is reported as ``FILE:LINE: reason``.

    Raises:
        ScopeError: the file cannot be read, or an entry is not a target.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            text = stdin() if stdin else ""
        else:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ScopeError(f"cannot read {name}: {exc.strerror or exc}") from None
    specs: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for spec in line.split("#", 1)[0].split():
            try:
                parse_target(spec, resolve)
            except ScopeError as exc:
                raise ScopeError(f"{name}:{number}: {exc}") from None
            specs.append(spec)
    return specs


def public_intervals(intervals: Sequence[Interval]) -> tuple[Interval, ...]:
    """The globally routable part of ``intervals`` (everything outside RFC 6890 blocks)."""
    non_global = [(int(n.network_address), int(n.broadcast_address)) for n in _NON_GLOBAL]
    return _subtract(intervals, _merge(non_global))


def build_scope(
    targets: Sequence[str],
    exclude: Sequence[str] = (),
    *,
    allow_public: bool = False,
    max_hosts: int = DEFAULT_MAX_HOSTS,
    resolve: Callable[[str], str] | None = None,
) -> Scope:
    """Targets minus exclusions, checked: no multicast, no public addresses unless allowed,
    at most ``max_hosts`` addresses. Raises :class:`ScopeError` with a message for the user."""
    if not targets:
        raise ScopeError("no targets given")
    wanted: list[Interval] = []
    by_spec: list[tuple[str, tuple[Interval, ...]]] = []
    for spec in targets:
        intervals = parse_target(spec, resolve)
        by_spec.append((spec, intervals))
        wanted.extend(intervals)
    removed: list[Interval] = []
    for spec in exclude:
        removed.extend(parse_target(spec, resolve, skip_edges=False))
    merged = _subtract(_merge(wanted), _merge([*removed, _MULTICAST_AND_RESERVED]))
    if not merged:
        raise ScopeError("the targets are empty after exclusions (multicast is never scanned)")
    if not allow_public:
        public = public_intervals(merged)
        if public:
            first = public[0][0]
            spec = next(s for s, ivs in by_spec if any(lo <= first <= hi for lo, hi in ivs))
            what = (
                f"{IPv4Address(first)} is a globally routable address"
                if spec.strip() == str(IPv4Address(first))
                else f"target {spec.strip()!r} includes globally routable addresses "
                f"(from {IPv4Address(first)})"
            )
            raise ScopeError(
                f"{what}; scanning public addresses needs --allow-public (and authorisation)"
            )
    scope = Scope(merged)
    size = len(scope)
    if size > max_hosts:
        raise ScopeError(f"scope has {size} addresses, over --max-hosts {max_hosts}")
    return scope


@dataclass(frozen=True)
class InterfaceInfo:
    """An interface's IPv4 address and its attached subnets (from ``ifaddr``)."""

    name: str
    address: str | None
    networks: tuple[IPv4Network, ...]


def interface_info(name: str) -> InterfaceInfo | None:
    """The IPv4 addresses of the named interface, or ``None`` when there is no such interface.

    Never picks an interface on its own: the caller names it (``--iface``).
    """
    import ifaddr

    for adapter in ifaddr.get_adapters():
        if adapter.name != name:
            continue
        address: str | None = None
        nets: list[IPv4Network] = []
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6 entries are tuples
            address = address or ip.ip
            nets.append(IPv4Network(f"{ip.ip}/{ip.network_prefix}", strict=False))
        return InterfaceInfo(name=name, address=address, networks=tuple(nets))
    return None


def address_key(address: str) -> tuple[int, int, str]:
    """Sort key for addresses in numeric order (192.0.2.9 before 192.0.2.10), IPv4 before
    IPv6; anything that is not an address after them, by its text."""
    try:
        ip = ip_address(address)
    except ValueError:
        return (7, 0, address)
    return (ip.version, int(ip), "")

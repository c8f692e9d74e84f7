"""mDNS/DNS-SD: browse camera, printer, NAS and workstation service types on one interface.

``AsyncZeroconf(interfaces=[iface address])`` keeps zeroconf off every other interface (by
default it binds all of them: python-zeroconf#330). Axis announces ``_axis-video._tcp`` with
a ``macaddress=`` TXT entry (julienblitte/UniversalScanner Axis.selftest); Arecont uses
``_arec._tcp`` (UniversalScanner doc/protocols.html). The others classify non-cameras.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from camscan.discover._common import (
    GRACE,
    PROMPT_REPLY,
    QueryMethod,
    answer_deadline,
    attempt,
    exchange,
    is_ipv4,
    obs,
    query_outcome,
    query_socket,
    quick_delays,
    skipped,
)
from camscan.discover.base import DiscoveredHost, DiscoveryResult, DiscoverySettings
from camscan.models import AttemptStatus, Observation
from camscan.oui import normalise_mac
from camscan.sanitize import device_text
from camscan.words import plural

NAME = "mdns"
# python-zeroconf's browser sends its first query 20-120 ms after it starts and the second
# one second later (RFC 6762 section 5.2: at least one second between the first two);
# answers about shared records such as PTR come 20-120 ms after a query (section 6). So the
# answers to both queries are in after this long (GRACE: round trip and scheduling); the
# rest of --discovery-timeout goes to resolving the instances found.
BROWSE_TWICE = 0.12 + 1.0 + 0.12 + GRACE
PORT = 5353
MAX_SERVICES = 512
SERVICE_TYPES = tuple(
    f"_{name}._tcp.local."
    for name in (
        "axis-video",
        "axis-nvr",
        "arec",
        "rtsp",
        "onvif",
        "http",
        "https",
        "hap",
        "ipp",
        "ipps",
        "printer",
        "pdl-datastream",
        "uscan",
        "smb",
        "afpovertcp",
        "adisk",
        "nfs",
        "workstation",
        "device-info",
        "ssh",
        "googlecast",
        "airplay",
        "raop",
    )
)
_MAC_KEYS = ("macaddress", "mac", "hwaddr", "deviceid")


def instance_of(name: str, service_type: str) -> str:
    """The instance label of a full service name (``AXIS M5014 - ACCC8E3C0419``)."""
    suffix = "." + service_type
    return name[: -len(suffix)] if name.endswith(suffix) else name


def txt_entries(properties: dict[bytes, bytes | None]) -> list[str]:
    """TXT entries as ``key=value`` strings, hostile bytes escaped, bounded."""
    out: list[str] = []
    for key, value in list(properties.items())[:32]:
        k = device_text(key, 64)
        out.append(k if value is None else f"{k}={device_text(value, 256)}")
    return out


def observations(service_type: str, name: str, txt: list[str]) -> list[Observation]:
    """``mdns.service`` as 'type instance' and one ``mdns.txt`` per entry."""
    instance = device_text(instance_of(name, service_type), 256)
    out = [obs("mdns.service", f"{service_type} {instance}", NAME, PORT)]
    out.extend(obs("mdns.txt", entry, NAME, PORT) for entry in txt)
    return out


def mac_from_txt(txt: list[str]) -> str | None:
    for entry in txt:
        key, _, value = entry.partition("=")
        if key.lower() in _MAC_KEYS and (mac := normalise_mac(value)):
            return mac
    return None


def build_query(query_id: int = 0) -> bytes:
    """One DNS query with a PTR question per service type (a legacy unicast query: sent from
    an ephemeral port, RFC 6762 section 6.7, so the responder answers us directly)."""
    from zeroconf._dns import DNSQuestion
    from zeroconf._protocol.outgoing import DNSOutgoing
    from zeroconf.const import _CLASS_IN, _TYPE_PTR

    out = DNSOutgoing(0, multicast=False, id_=query_id)
    for service_type in SERVICE_TYPES:
        out.add_question(DNSQuestion(service_type, _TYPE_PTR, _CLASS_IN))
    return out.packets()[0]


def parse_answer(data: bytes) -> list[tuple[str, str, list[str]]]:
    """(service type, instance name, TXT entries) for each PTR in a DNS response."""
    from zeroconf._dns import DNSPointer, DNSText
    from zeroconf._protocol.incoming import DNSIncoming

    try:
        message = DNSIncoming(data[:9000])
        records = list(message.answers())[:256]
    except Exception:  # zeroconf raises assorted errors on hostile packets
        return []
    if not message.is_response():
        return []
    texts = {r.name.lower(): r.text for r in records if isinstance(r, DNSText)}
    found: list[tuple[str, str, list[str]]] = []
    for record in records:
        if isinstance(record, DNSPointer) and record.name in SERVICE_TYPES:
            raw = texts.get(record.alias.lower(), b"")
            found.append((record.name, record.alias, txt_entries(_txt_pairs(raw))))
    return found


def _txt_pairs(raw: bytes) -> dict[bytes, bytes | None]:
    """RFC 6763 section 6 TXT strings: length-prefixed ``key=value`` (or bare ``key``)."""
    pairs: dict[bytes, bytes | None] = {}
    index = 0
    while index < len(raw) and len(pairs) < 32:
        length = raw[index]
        item = raw[index + 1 : index + 1 + length]
        index += 1 + length
        key, sep, value = item.partition(b"=")
        if key:
            pairs.setdefault(key, value if sep else None)
    return pairs


class MdnsDiscovery(QueryMethod):
    """Browse the service types above on the on-link interface, resolve each instance, group
    by address; or send one retransmitted DNS-SD query to UDP 5353 of each live routed host."""

    name = NAME

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        started = time.monotonic()
        if settings.mode == "unicast":
            return await self._unicast(settings, started)
        if not settings.iface_address:
            return DiscoveryResult(NAME, attempts=skipped(NAME, "no on-link interface address"))
        from zeroconf import ServiceStateChange, Zeroconf
        from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

        try:
            azc = AsyncZeroconf(interfaces=[settings.iface_address])
        except (OSError, ValueError) as exc:
            reason = f"cannot start mDNS on {settings.iface_address}: {exc}"
            return DiscoveryResult(NAME, attempts=(attempt(NAME, AttemptStatus.ERROR, reason),))
        seen: dict[tuple[str, str], None] = {}

        def on_change(
            zeroconf: Zeroconf,
            service_type: str,
            name: str,
            state_change: ServiceStateChange,
        ) -> None:
            if state_change is not ServiceStateChange.Removed and len(seen) < MAX_SERVICES:
                seen[(service_type, name)] = None

        hosts: dict[str, tuple[list[Observation], str | None]] = {}
        unresolved = 0
        browser = AsyncServiceBrowser(azc.zeroconf, list(SERVICE_TYPES), handlers=[on_change])
        try:
            browse_until = started + min(BROWSE_TWICE, max(settings.timeout - 0.3, 0.2))
            while time.monotonic() < browse_until:
                await asyncio.sleep(0.1)
            resolve_ms = max(int((started + settings.timeout - time.monotonic()) * 1000), 300)

            async def resolve(service_type: str, name: str) -> None:
                nonlocal unresolved
                info = AsyncServiceInfo(service_type, name)
                try:
                    ok = await info.async_request(azc.zeroconf, resolve_ms)
                except Exception:  # zeroconf raises assorted errors on bad names
                    ok = False
                addresses = [a for a in info.parsed_addresses() if is_ipv4(a)] if ok else []
                if not addresses:
                    unresolved += 1
                    return
                txt = txt_entries(dict(info.properties or {}))
                items = observations(service_type, name, txt)
                for address in addresses[:4]:
                    found, mac = hosts.setdefault(address, ([], None))
                    found.extend(x for x in items if x not in found and len(found) < 128)
                    hosts[address] = (found, mac or mac_from_txt(txt))

            await asyncio.gather(*(resolve(t, n) for t, n in list(seen)))
        finally:
            with contextlib.suppress(Exception):
                await browser.async_cancel()
            with contextlib.suppress(Exception):
                await azc.async_close()
        result_hosts = tuple(
            DiscoveredHost(address=a, mac=mac, observations=tuple(items))
            for a, (items, mac) in hosts.items()
        )
        status = AttemptStatus.OK if result_hosts else AttemptStatus.NO_ANSWER
        reason = f"{plural(len(seen), 'service')} on {plural(len(result_hosts), 'host')}"
        if unresolved:
            reason += f", {unresolved} unresolved"
        return DiscoveryResult(NAME, result_hosts, (attempt(NAME, status, reason, started, PORT),))

    async def _unicast(self, settings: DiscoverySettings, started: float) -> DiscoveryResult:
        sock = query_socket(NAME, settings)
        if isinstance(sock, tuple):
            return DiscoveryResult(NAME, attempts=sock)
        wanted = set(settings.unicast_hosts)
        hosts: dict[str, tuple[list[Observation], str | None]] = {}

        def feed(data: bytes, addr: tuple[str, int]) -> None:
            if addr[0] not in wanted:
                return
            for service_type, name, txt in parse_answer(data):
                found, mac = hosts.setdefault(addr[0], ([], None))
                items = observations(service_type, name, txt)
                found.extend(x for x in items if x not in found and len(found) < 128)
                hosts[addr[0]] = (found, mac or mac_from_txt(txt))

        query = build_query()
        messages = [(query, (host, PORT)) for host in settings.unicast_hosts]
        # A directed query is answered at once (PROMPT_REPLY, as for SADP); no schedule is
        # set for repeating it (quick_delays).
        delays = quick_delays()
        deadline = answer_deadline(started, settings, delays, PROMPT_REPLY)
        count, sent, errors = await exchange(
            sock, messages, deadline, feed, settings.limiter, delays=delays
        )
        result_hosts = tuple(
            DiscoveredHost(address=a, mac=mac, observations=tuple(items))
            for a, (items, mac) in hosts.items()
        )
        outcome = query_outcome(
            NAME, PORT, started, hosts=len(result_hosts), received=count, sent=sent,
            errors=errors, asked=len(messages),
        )  # fmt: skip
        return DiscoveryResult(NAME, result_hosts, (outcome,))

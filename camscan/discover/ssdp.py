"""SSDP/UPnP: M-SEARCH ``ssdp:all`` to 239.255.255.250:1900, then read each description.

Replies come unicast to the sender (UniversalScanner doc/protocols.html). The ``LOCATION``
description is fetched only from the host that answered (never a third host a device points
us to), with a byte cap and defusedxml, for ``manufacturer``/``modelName``/``serialNumber``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
import httpx
from defusedxml import DefusedXmlException

from camscan.discover._common import (
    QueryMethod,
    answer_deadline,
    attempt,
    exchange,
    group_listener,
    local_addresses,
    obs,
    query_outcome,
    query_socket,
    quick_delays,
)
from camscan.discover.base import DiscoveredHost, DiscoveryResult, DiscoverySettings
from camscan.models import AttemptStatus, Observation, ProbeAttempt

NAME = "ssdp"
GROUP = "239.255.255.250"
PORT = 1900
MAX_DESCRIPTION = 64 * 1024
MAX_LOCATIONS_PER_HOST = 2
MX = 1  # s: the shortest wait UDA 1.1 allows (MX >= 1)


def build_msearch(mx: int = 1, st: str = "ssdp:all", host: str | None = None) -> bytes:
    """An M-SEARCH request (UPnP Device Architecture 1.1, section 1.3.2). With ``host`` it is
    the unicast form: ``HOST`` names the device and there is no ``MX`` (the device answers
    within 1 s)."""
    lines = ["M-SEARCH * HTTP/1.1", f"HOST: {host or GROUP}:{PORT}", 'MAN: "ssdp:discover"']
    if host is None:
        lines.append(f"MX: {mx}")
    lines += [f"ST: {st}", "USER-AGENT: camscan UPnP/1.1 camscan/1", "", ""]
    return "\r\n".join(lines).encode()


@dataclass(frozen=True)
class SsdpMessage:
    """A search response or NOTIFY: the start line and headers (names upper-cased)."""

    start_line: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def is_search(self) -> bool:
        return self.start_line.upper().startswith("M-SEARCH")


def parse_ssdp(data: bytes) -> SsdpMessage | None:
    """Parse an HTTPU message; ``None`` when it is not one."""
    text = data[:8192].decode("latin-1")
    lines = text.replace("\r\n", "\n").split("\n")
    start = lines[0].strip()
    if not (start.upper().startswith(("HTTP/", "NOTIFY ", "M-SEARCH "))):
        return None
    headers: dict[str, str] = {}
    for line in lines[1:64]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers.setdefault(name.strip().upper(), value.strip())
    return SsdpMessage(start, headers)


def observations(message: SsdpMessage) -> list[Observation]:
    """``ssdp.server`` and ``ssdp.st`` (search target, or NT for a NOTIFY)."""
    out: list[Observation] = []
    if server := message.headers.get("SERVER"):
        out.append(obs("ssdp.server", server, NAME, PORT))
    if st := message.headers.get("ST") or message.headers.get("NT"):
        out.append(obs("ssdp.st", st, NAME, PORT))
    return out


def parse_description(data: bytes) -> list[Observation]:
    """The root device's manufacturer, model, friendly name and serial from a description."""
    try:
        root = SafeET.fromstring(data[:MAX_DESCRIPTION])
    except (SafeET.ParseError, DefusedXmlException, ValueError, LookupError):
        return []  # LookupError: an XML declaration naming an unknown encoding
    device = next((e for e in root.iter() if str(e.tag).rsplit("}", 1)[-1] == "device"), None)
    if device is None:
        return []
    values: dict[str, str] = {}
    for child in device:
        name = str(child.tag).rsplit("}", 1)[-1]
        if child.text and child.text.strip():
            values.setdefault(name, child.text.strip())
    out: list[Observation] = []
    if manufacturer := values.get("manufacturer"):
        out.append(obs("upnp.manufacturer", manufacturer, "upnp"))
    name, number = values.get("modelName", ""), values.get("modelNumber", "")
    # Many devices repeat one in the other (Synology: both 'DS920+'): say it once.
    model = (
        name if number.casefold() == name.casefold() else " ".join(v for v in (name, number) if v)
    )
    if model:
        out.append(obs("upnp.model", model, "upnp"))
    if friendly := values.get("friendlyName"):
        out.append(obs("upnp.friendly_name", friendly, "upnp"))
    if serial := values.get("serialNumber"):
        out.append(obs("upnp.serial", serial, "upnp"))
    return out


def same_host_location(location: str, sender: str) -> bool:
    """Only descriptions served by the device that answered are fetched."""
    try:
        parts = urlsplit(location)
        _ = parts.port  # a bad port ("99999", "abc") raises here, not later in the fetch
        return parts.scheme in ("http", "https") and parts.hostname == sender
    except ValueError:
        return False


async def fetch_description(
    client: httpx.AsyncClient, location: str, limit: float
) -> tuple[list[Observation], ProbeAttempt]:
    """GET a description with a byte cap and a wall-clock ``limit`` (httpx's read timeout is
    per chunk, so a slow drip would otherwise outlast the method); errors become an attempt."""
    started = time.monotonic()
    try:
        port = urlsplit(location).port or 80
    except ValueError:
        return [], attempt("upnp", AttemptStatus.MALFORMED, "bad LOCATION port", started)
    try:
        async with asyncio.timeout(limit), client.stream("GET", location) as response:
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_DESCRIPTION:
                    break
            if response.status_code != 200:
                reason = f"description HTTP {response.status_code}"
                return [], attempt("upnp", AttemptStatus.ERROR, reason, started, port)
    except (httpx.TimeoutException, TimeoutError):
        return [], attempt("upnp", AttemptStatus.TIMEOUT, location[:200], started, port)
    except (httpx.HTTPError, OSError, ValueError) as exc:
        reason = f"{type(exc).__name__}: {str(exc)[:200]}"
        return [], attempt("upnp", AttemptStatus.ERROR, reason, started, port)
    found = parse_description(body)
    status = AttemptStatus.OK if found else AttemptStatus.MALFORMED
    return found, attempt("upnp", status, "description" if found else "no device", started, port)


class SsdpDiscovery(QueryMethod):
    """SSDP search on the on-link interface (or a unicast M-SEARCH to each live routed host),
    retransmitted, then the UPnP description of each responder."""

    name = NAME

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        started = time.monotonic()
        unicast = settings.mode == "unicast"
        sock = query_socket(NAME, settings)
        if isinstance(sock, tuple):
            return DiscoveryResult(NAME, attempts=sock)
        own = local_addresses()
        found: dict[str, tuple[list[Observation], list[str]]] = {}
        # Each description is fetched as soon as its LOCATION arrives, within this limit.
        limit = max(settings.timeout * 0.4, 0.5)
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(limit, connect=min(limit, 1.5)),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=0),
            verify=False,
            follow_redirects=False,
            trust_env=False,
        )
        fetches: dict[str, asyncio.Future[tuple[list[Observation], ProbeAttempt]]] = {}

        def feed(data: bytes, addr: tuple[str, int]) -> None:
            if addr[0] in own:
                return
            message = parse_ssdp(data)
            if message is None or message.is_search:
                return
            if message.headers.get("NTS", "").lower() == "ssdp:byebye":
                return  # a device leaving is not a device found
            items, locations = found.setdefault(addr[0], ([], []))
            for item in observations(message):
                if item not in items and len(items) < 64:
                    items.append(item)
            location = message.headers.get("LOCATION", "")
            if (
                location
                and location[:512] not in locations
                and len(locations) < MAX_LOCATIONS_PER_HOST
                and same_host_location(location, addr[0])
            ):
                locations.append(location[:512])
                fetches[location[:512]] = asyncio.ensure_future(
                    fetch_description(client, location[:512], limit)
                )

        # Devices also announce themselves (NOTIFY ssdp:alive) to the group on :1900.
        notify_sock, cannot = group_listener(settings, PORT, GROUP)
        note = f"not listening for NOTIFY: {cannot}" if cannot else ""
        # UPnP Device Architecture 1.1 (1.3.3): a device delays its answer by a random time up
        # to MX seconds (a unicast search: answered within 1 s). UDA asks only that a search
        # go out more than once, without a schedule: the copies go UDP_MIN_DELAY apart, so the
        # window covers MX after the last one.
        delays = quick_delays()
        deadline = answer_deadline(started, settings, delays, float(MX))
        if unicast:
            messages = [(build_msearch(host=h), (h, PORT)) for h in settings.unicast_hosts]
        else:
            messages = [(build_msearch(MX), (GROUP, PORT))]
        try:
            count, sent, errors = await exchange(
                sock, messages, deadline, feed, settings.limiter if unicast else None,
                [notify_sock] if notify_sock else [], delays,
            )  # fmt: skip
            fetched = dict(zip(fetches, await asyncio.gather(*fetches.values()), strict=True))
        finally:
            for pending in fetches.values():
                pending.cancel()
            await client.aclose()
        attempts: list[ProbeAttempt] = []
        hosts: list[DiscoveredHost] = []
        for address, (items, locations) in found.items():
            extra: list[Observation] = []
            for location in locations:
                more, record = fetched[location]
                extra.extend(x for x in more if x not in extra)
                attempts.append(record)
            hosts.append(
                DiscoveredHost(
                    address=address,
                    observations=tuple(items + extra),
                    upnp_locations=tuple(locations),
                )
            )
        outcome = query_outcome(
            NAME, PORT, started, hosts=len(hosts), received=count, sent=sent, errors=errors,
            asked=len(messages) if unicast else 0, note=note,
        )  # fmt: skip
        return DiscoveryResult(NAME, tuple(hosts), (outcome, *attempts))

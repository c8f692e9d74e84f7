"""Dahua DHIP discovery: ``DHDiscover.search`` to 239.255.255.251:37810 and the broadcast.

Frame layout from rroller/dahua custom_components/dahua/discovery.py@a5eca9ea: a 32-byte header
``u32le 0x20 | b"DHIP" | 8 zero bytes | u64le len | u64le len`` then UTF-8 JSON. Pitfalls
measured there: bare JSON gets no reply, and packing the magic as an integer yields ``PIHD``.
Replies (``client.notifyDevInfo``) are read from the first ``{`` because the header length
varies by firmware; OEMs (Amcrest, Lorex...) answer too and name themselves in ``Vendor``.
"""

from __future__ import annotations

import json
import re
import struct
import time
from dataclasses import dataclass
from typing import Any

from camscan.discover._common import (
    PROMPT_REPLY,
    QueryMethod,
    SenderHosts,
    answer_deadline,
    exchange,
    is_ipv4,
    obs,
    query_outcome,
    query_socket,
    quick_delays,
)
from camscan.discover.base import DiscoveryResult, DiscoverySettings
from camscan.models import Observation
from camscan.oui import normalise_mac
from camscan.sanitize import device_text

NAME = "dhip"
GROUP = "239.255.255.251"
PORT = 37810
MAX_JSON = 16 * 1024
MAX_FIELDS = 64
_SEARCH = b'{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n'


def build_search(payload: bytes = _SEARCH) -> bytes:
    """The 32-byte DHIP header followed by the JSON search request."""
    return struct.pack("<I4s8sQQ", 0x20, b"DHIP", b"\0" * 8, len(payload), len(payload)) + payload


@dataclass(frozen=True)
class DhipReply:
    """The flattened ``deviceInfo`` of one reply plus its top-level MAC."""

    fields: tuple[tuple[str, str], ...]
    mac: str | None
    method: str

    def get(self, name: str) -> str:
        return next((v for k, v in self.fields if k == name), "")

    @property
    def address(self) -> str | None:
        value = self.get("IPv4Address.IPAddress")
        return value if is_ipv4(value) else None


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]], depth: int = 0) -> None:
    if len(out) >= MAX_FIELDS or depth > 3:
        return
    if isinstance(value, dict):
        for key, item in list(value.items())[:MAX_FIELDS]:
            name = device_text(str(key), 64).replace(" ", "_")
            _flatten(f"{prefix}.{name}" if prefix else name, item, out, depth + 1)
    elif isinstance(value, list):
        out.append((prefix, device_text(json.dumps(value[:16], default=str), 256)))
    elif value is None:
        return
    elif isinstance(value, bool):
        out.append((prefix, "true" if value else "false"))
    else:
        out.append((prefix, device_text(str(value))))


_TOKEN = re.compile(
    r'"((?:[^"\\]|\\.){1,64})"\s*:\s*(\{|"((?:[^"\\]|\\.){0,512})"|[-\w.]{1,64})|(\})'
)


def _lenient(text: str) -> tuple[str, str, list[tuple[str, str]]]:
    """Key/value pairs from broken JSON (real firmware and captures drop quotes)."""
    stack: list[str] = []
    method = mac = ""
    fields: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        key, value, quoted, close = match.groups()
        if close:
            if stack:
                stack.pop()
            continue
        if value == "{":
            stack.append(key)
            if len(stack) > 4:
                break
            continue
        path = ".".join([*stack, key])
        val = quoted if quoted is not None else value
        if path == "method":
            method = val
        elif path == "mac":
            mac = val
        else:
            for prefix in ("params.deviceInfo.", "params."):
                if path.startswith(prefix):
                    path = path[len(prefix) :]
                    break
            fields.append((device_text(path, 96).replace(" ", "_"), device_text(val)))
        if len(fields) >= MAX_FIELDS:
            break
    return method, mac, fields


def parse_dhip(data: bytes) -> DhipReply | None:
    """A DHIP reply from raw bytes; ``None`` for searches (ours or others') and garbage.

    Strict JSON first; if that fails, a lenient key/value scan (the UniversalScanner sample
    itself has an unterminated string), so a sloppy device is still seen.
    """
    start = data.find(b"{")
    if start < 0 or start > 256:
        return None
    body = data[start : start + MAX_JSON].rstrip(b"\0\r\n ").decode("utf-8", errors="replace")
    fields: list[tuple[str, str]] = []
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):
        method, mac_value, fields = _lenient(body)
    else:
        if not isinstance(message, dict):
            return None
        method = str(message.get("method", ""))
        params = message.get("params")
        info = params.get("deviceInfo") if isinstance(params, dict) else None
        if not isinstance(info, dict):
            info = params if isinstance(params, dict) else {}
        _flatten("", info, fields)
        raw_mac = message.get("mac") or info.get("MAC") or info.get("Mac")
        mac_value = raw_mac if isinstance(raw_mac, str) else ""
    if method == "DHDiscover.search":
        return None
    mac = normalise_mac(mac_value)
    if not fields and mac is None:
        return None
    return DhipReply(tuple(fields[:MAX_FIELDS]), mac, device_text(method, 64))


def observations(reply: DhipReply) -> list[Observation]:
    """One ``dhip.<Field>`` observation per field (nested fields joined with dots)."""
    return [obs(f"dhip.{key}", value, NAME, PORT) for key, value in reply.fields if value]


def _broadcast_targets(settings: DiscoverySettings) -> list[str]:
    """The limited broadcast plus the directed broadcast of each attached subnet of the
    interface (never of scope blocks: a summarised block's last address is a real host)."""
    from camscan.scope import interface_info

    targets = ["255.255.255.255"]
    info = interface_info(settings.iface) if settings.iface else None
    if info is not None:
        targets.extend(str(n.broadcast_address) for n in info.networks if n.prefixlen < 31)
    return list(dict.fromkeys(targets))[:16]


class DhipDiscovery(QueryMethod):
    """Dahua DHIP search: multicast and broadcast on the on-link interface, or sent to UDP
    37810 of each live routed host; retransmitted either way."""

    name = NAME

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        started = time.monotonic()
        unicast = settings.mode == "unicast"
        sock = query_socket(NAME, settings, broadcast=True)
        if isinstance(sock, tuple):
            return DiscoveryResult(NAME, attempts=sock)
        replies = SenderHosts(lambda data: _facts(parse_dhip(data)))
        targets = settings.unicast_hosts if unicast else [GROUP, *_broadcast_targets(settings)]
        messages = [(build_search(), (target, PORT)) for target in targets]
        # DHIP has no published reply delay; devices answer at once (PROMPT_REPLY, _common).
        delays = quick_delays()
        deadline = answer_deadline(started, settings, delays, PROMPT_REPLY)
        limiter = settings.limiter if unicast else None
        count, sent, errors = await exchange(
            sock, messages, deadline, replies.feed, limiter, delays=delays
        )
        outcome = query_outcome(
            NAME, PORT, started, hosts=len(replies.hosts), received=count, sent=sent,
            errors=errors, asked=len(targets) if unicast else 0, malformed=replies.malformed,
        )  # fmt: skip
        return DiscoveryResult(NAME, tuple(replies.hosts.values()), (outcome,))


def _facts(reply: DhipReply | None) -> tuple[str | None, list[Observation]] | None:
    return None if reply is None else (reply.mac, observations(reply))

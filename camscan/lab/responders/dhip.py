"""Dahua DHIP discovery on UDP 37810: ``DHDiscover.search`` → ``client.notifyDevInfo``.

Frame layout (rroller/dahua custom_components/dahua/discovery.py; real reply layout in
julienblitte/UniversalScanner Dahua2.selftest): a 32-byte header ``u32le 0x20 | b"DHIP" |
8 zero bytes | u64le len | u64le len`` followed by ``len`` bytes of UTF-8 JSON (the reply's
JSON ends with a newline that is counted in ``len``). Requests arrive on 239.255.255.251,
on limited broadcast, or unicast; replies go unicast to the sender. Bare JSON without the
header gets no answer, as rroller measured on real cameras.
"""

from __future__ import annotations

import json
import secrets
import struct
from typing import Any

from camscan.lab.persona import DhipConfig, expand
from camscan.lab.responders.common import DeviceContext, Running, start_udp

PORT = 37810
GROUP = "239.255.255.251"
MAGIC = b"DHIP"
HEADER_LEN = 32


def frame(payload: bytes) -> bytes:
    """Prefix ``payload`` with the 32-byte DHIP header."""
    return struct.pack("<I4s8xQQ", 0x20, MAGIC, len(payload), len(payload)) + payload


def parse_request(data: bytes) -> dict[str, Any] | None:
    """The JSON of a framed DHIP request; None if unframed, truncated or not an object."""
    if len(data) < HEADER_LEN or data[4:8] != MAGIC:
        return None
    (length,) = struct.unpack_from("<Q", data, 16)
    body = data[HEADER_LEN : HEADER_LEN + min(length, 16 * 1024)]
    obj = json.loads(body.decode("utf-8"))
    return obj if isinstance(obj, dict) else None


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return expand(value, values)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def notify_dev_info(ctx: DeviceContext, cfg: DhipConfig) -> bytes:
    """The framed ``client.notifyDevInfo`` reply (or a wrong-shaped one when misbehaving)."""
    values = ctx.values()
    if ctx.persona.misbehave.dhip_wrong_shape:
        doc: Any = {
            "mac": 42,
            "method": ["client.notifyDevInfo"],
            "params": {"deviceInfo": "\x1b[2Jnot an object", "Vendor": {"x": None}},
        }
    else:
        doc = {
            "mac": expand(cfg.mac, values) if cfg.mac else ctx.mac,
            "method": "client.notifyDevInfo",
            "params": {"deviceInfo": _fill(cfg.device_info, values)},
            # Real replies end with an 8-character "random" token (UniversalScanner sample).
            "random": secrets.token_hex(4),
        }
    return frame(dump(doc).encode("utf-8") + b"\n")


def dump(value: Any) -> str:
    """JSON in the real devices' spacing: ``{ "mac" : "…", "params" : { … } }``, ``\\/``."""
    if isinstance(value, dict):
        if not value:
            return "{ }"
        return "{ " + ", ".join(f"{dump(str(k))} : {dump(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[ " + ", ".join(dump(v) for v in value) + " ]" if value else "[ ]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("/", "\\/")
    return json.dumps(value)


async def start_dhip(ctx: DeviceContext, cfg: DhipConfig) -> Running:
    """Listen on the device address, and off loopback on the DHIP group and broadcast."""

    def handle(data: bytes, addr: tuple[str, int]) -> list[bytes]:
        if ctx.persona.misbehave.udp_garbage:
            return [ctx.garbage("dhip")]
        try:
            request = parse_request(data)
        except (ValueError, UnicodeDecodeError):
            return []
        if request is None or request.get("method") != "DHDiscover.search":
            return []
        return [notify_dev_info(ctx, cfg)]

    running, _ = await start_udp(ctx, "dhip", PORT, handle, group=GROUP, broadcast=True)
    return running

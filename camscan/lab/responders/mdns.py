"""mDNS/DNS-SD announcements with python-zeroconf, bound to the device's address only.

zeroconf binds every interface by default, which floods shared test hosts
(python-zeroconf#330), so the responder passes ``interfaces=[address]`` and IPv4 only.
Axis cameras register ``_axis-video._tcp`` with a ``macaddress`` TXT key
(julienblitte/UniversalScanner doc/protocols.html); other vendors use generic types.
"""

from __future__ import annotations

import asyncio
import socket

from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from camscan.lab.persona import MdnsConfig, expand
from camscan.lab.responders.common import DeviceContext, Running


def service_infos(ctx: DeviceContext, cfg: MdnsConfig) -> list[ServiceInfo]:
    """The persona's services as zeroconf records (placeholders filled)."""
    values = ctx.values()
    host = expand(cfg.hostname or ctx.persona.id, values).rstrip(".")
    infos = []
    for svc in cfg.services:
        name = expand(svc.name, values)
        infos.append(
            ServiceInfo(
                svc.type,
                f"{name}.{svc.type}",
                addresses=[socket.inet_aton(ctx.address)],
                port=svc.port,
                properties={k: expand(v, values) for k, v in svc.txt.items()},
                server=f"{host}.local.",
            )
        )
    return infos


async def start_mdns(ctx: DeviceContext, cfg: MdnsConfig) -> Running:
    """Register the services (probing and announcing take about 1-2 s)."""
    zc = AsyncZeroconf(interfaces=[ctx.address], ip_version=IPVersion.V4Only)
    infos = service_infos(ctx, cfg)

    async def close() -> None:
        try:
            await asyncio.wait_for(zc.async_unregister_all_services(), 3.0)
        finally:
            await zc.async_close()

    running = Running("mdns", [close], ["udp/5353"])
    try:
        tasks = [await zc.async_register_service(info, allow_name_change=True) for info in infos]
        await asyncio.gather(*tasks)
    except BaseException:
        await running.aclose()
        raise
    return running

"""Run one simulated device: every responder its persona asks for, on one address.

``python -m camscan.lab.device PERSONA.yaml --address 192.0.2.10 [--iface veth0] [--mac M]``
prints exactly one line ``ready <address>`` once everything listens (a recorder given
``--recorder PLAN.json`` first asks the cameras on its channels who they are, up to
:data:`LEARN_WITHIN` seconds), then serves until SIGTERM/SIGINT and closes cleanly. On a
loopback address (127.0.0.0/8, usable without root when the persona's ports are above 1024)
nothing joins a multicast group or multicasts: WS-Discovery, SADP, DHIP and SSDP answer
unicast requests only and mDNS is not started.

The lab may instead call :func:`start_device` to run many devices in one event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from camscan.lab.persona import Persona, PersonaError, RecorderPlan, SnmpValue, load_persona
from camscan.lab.responders.channels import ChannelBook
from camscan.lab.responders.common import DeviceContext, Running, start_silent_tcp, start_udp
from camscan.lab.responders.http import Dynamic

#: How long a recorder waits for the cameras on its channels before saying it is ready (s).
LEARN_WITHIN = 20.0


@dataclass
class RunningDevice:
    """All of one device's responders; ``aclose()`` stops them (idempotent)."""

    context: DeviceContext
    parts: list[Running] = field(default_factory=list)
    web_ports: set[int] = field(default_factory=set)  # TCP ports served by a web server
    snmp_tables: dict[str, SnmpValue] = field(default_factory=dict)  # lab infra OIDs
    book: ChannelBook | None = None  # a recorder's channels and what it learned of them

    @property
    def endpoints(self) -> list[str]:
        """``proto/port`` of everything listening, e.g. ``tcp/80``, ``udp/3702``."""
        return [e for part in self.parts for e in part.endpoints]

    async def aclose(self) -> None:
        """Stop every responder, newest first."""
        parts, self.parts = self.parts, []
        for part in reversed(parts):
            await part.aclose()

    async def __aenter__(self) -> RunningDevice:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def tcp_ports(persona: Persona) -> list[int]:
    """Every TCP port the persona listens on (shared ONVIF/UPnP ports counted once)."""
    ports = [c.port for c in (persona.http, persona.https, persona.rtsp) if c is not None]
    if persona.onvif and persona.onvif.port not in ports:
        ports.append(persona.onvif.port)
    if persona.ssdp:
        port = persona.ssdp.location_port or (persona.http.port if persona.http else 49152)
        if port not in ports:
            ports.append(port)
    ports.extend(persona.banners)
    return ports


async def start_device(
    persona: Persona,
    address: str,
    iface: str | None = None,
    *,
    mac: str | None = None,
    snmp_tables: Mapping[str, SnmpValue] | None = None,
    recorder: RecorderPlan | None = None,
) -> RunningDevice:
    """Start every responder of ``persona`` on ``address``; on failure nothing stays open.

    ``snmp_tables`` are extra OIDs for the SNMP agent (the lab's ARP/FDB/LLDP view);
    ``recorder`` gives a recorder persona its login and channels (call
    :meth:`ChannelBook.learn` on ``device.book`` to read the cameras).

    Raises OSError when a port cannot be bound (in use, or privileged without root) and
    ValueError when two of the persona's servers would share a TCP port.
    """
    persona.check_tcp_ports()
    book = None
    if recorder is not None and persona.recorder is not None:
        persona = with_login(persona, recorder)
        book = ChannelBook(recorder)
    ctx = DeviceContext(persona, address, iface, mac or persona.resolved_mac())
    device = RunningDevice(ctx, snmp_tables=dict(snmp_tables or {}), book=book)
    silent = set(persona.misbehave.silent_tcp_ports)
    try:
        for port in sorted(silent):
            await _add(device, start_silent_tcp(ctx, port))
        await _start_web(device, silent)
        if persona.rtsp and persona.rtsp.port not in silent:
            from camscan.lab.responders.rtsp import start_rtsp

            await _add(device, start_rtsp(ctx, persona.rtsp))
        if persona.banners:
            from camscan.lab.responders.banner import start_banner

            for port, banner in persona.banners.items():
                if port not in silent:
                    await _add(device, start_banner(ctx, port, banner))
        await _start_discovery(device)
    except BaseException:
        await device.aclose()
        raise
    return device


def with_login(persona: Persona, plan: RecorderPlan) -> Persona:
    """The recorder persona with the lab's login on its channel API and ONVIF service."""
    login = {"username": plan.username, "password": plan.password}
    update: dict[str, object] = {}
    if persona.recorder is not None:
        update["recorder"] = persona.recorder.model_copy(update=login)
    if persona.onvif is not None:
        update["onvif"] = persona.onvif.model_copy(update=login)
    return persona.model_copy(update=update)


async def _add(device: RunningDevice, starting: Awaitable[Running]) -> None:
    device.parts.append(await starting)


async def _start_web(device: RunningDevice, silent: set[int]) -> None:
    """HTTP, HTTPS, ONVIF and the UPnP description, sharing ports as the persona says."""
    ctx, persona = device.context, device.context.persona
    from camscan.lab.responders.http import start_http
    from camscan.lab.responders.onvif import onvif_dynamic, start_onvif
    from camscan.lab.responders.recorder import recorder_dynamic
    from camscan.lab.responders.ssdp import description_dynamic, description_port

    book = device.book
    channels = len(book.plan.channels) if book is not None else 0

    def plugins(port: int) -> tuple[Dynamic, ...]:
        found: list[Dynamic] = []
        if book is not None and persona.recorder is not None:
            found.append(recorder_dynamic(ctx, persona.recorder, book))
        if persona.onvif and persona.onvif.port == port:
            found.append(onvif_dynamic(ctx, persona.onvif, port, channels))
        if persona.ssdp and description_port(ctx, persona.ssdp) == port:
            found.append(description_dynamic(ctx, persona.ssdp))
        return tuple(found)

    web_ports = device.web_ports
    if persona.http and persona.http.port not in silent:
        web_ports.add(persona.http.port)
        await _add(device, start_http(ctx, persona.http, dynamic=plugins(persona.http.port)))
    if persona.https and persona.https.port not in silent:
        from camscan.lab.responders.tls import start_https

        web_ports.add(persona.https.port)
        await _add(device, start_https(ctx, persona.https, dynamic=plugins(persona.https.port)))
    if persona.onvif and persona.onvif.port not in web_ports | silent:
        await _add(device, start_onvif(ctx, persona.onvif, channels))


async def _start_discovery(device: RunningDevice) -> None:
    """The UDP discovery responders (and mDNS off loopback)."""
    ctx, persona = device.context, device.context.persona
    if persona.wsd:
        from camscan.lab.responders.wsd import start_wsd

        await _add(device, start_wsd(ctx, persona.wsd))
    if persona.sadp:
        from camscan.lab.responders.sadp import start_sadp

        await _add(device, start_sadp(ctx, persona.sadp))
    if persona.dhip:
        from camscan.lab.responders.dhip import start_dhip

        await _add(device, start_dhip(ctx, persona.dhip))
    if persona.ssdp:
        from camscan.lab.responders.ssdp import description_port, start_ssdp

        port = description_port(ctx, persona.ssdp)
        own = port not in device.web_ports | set(persona.misbehave.silent_tcp_ports)
        await _add(device, start_ssdp(ctx, persona.ssdp, own_description=own))
    if persona.snmp:
        from camscan.lab.responders.snmp import start_snmp

        await _add(device, start_snmp(ctx, persona.snmp, device.snmp_tables))
    if persona.misbehave.udp_garbage:
        await _start_garbage(device)
    if persona.mdns and ctx.multicast:
        from camscan.lab.responders.mdns import start_mdns

        await _add(device, start_mdns(ctx, persona.mdns))


#: Discovery ports the ``udp_garbage`` misbehaviour covers: (port, group, broadcast).
GARBAGE_PORTS = (
    (3702, "239.255.255.250", False),
    (37020, "239.255.255.250", False),
    (37810, "239.255.255.251", True),
    (1900, "239.255.255.250", False),
)


async def _start_garbage(device: RunningDevice) -> None:
    """Garbage answers on the discovery ports that no protocol section already serves."""
    ctx = device.context
    taken = set(device.endpoints)
    for port, group, broadcast in GARBAGE_PORTS:
        if f"udp/{port}" in taken:
            continue  # that responder already answers with garbage

        def handle(data: bytes, addr: tuple[str, int], port: int = port) -> list[bytes]:
            return [ctx.garbage(f"udp-{port}")]

        running, _ = await start_udp(
            ctx, f"garbage-{port}", port, handle, group=group, broadcast=broadcast
        )
        device.parts.append(running)


async def _serve(
    persona: Persona,
    address: str,
    iface: str | None,
    mac: str | None,
    tables: Mapping[str, SnmpValue] | None = None,
    recorder: RecorderPlan | None = None,
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        device = await start_device(
            persona, address, iface, mac=mac, snmp_tables=tables, recorder=recorder
        )
    except (OSError, ValueError) as exc:
        print(f"error: {persona.id} on {address}: {exc}", file=sys.stderr)
        return 1
    async with device, contextlib.AsyncExitStack() as stack:
        if device.book is not None:
            await device.book.learn(LEARN_WITHIN)
            print(f"channels {len(device.book.facts)}/{len(device.book.plan.channels)} online")
            streaming = asyncio.create_task(device.book.keep_streaming())
            stack.push_async_callback(_cancelled, streaming)
        print(f"ready {address}", flush=True)
        await stop.wait()
    return 0


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def load_snmp_tables(path: Path) -> dict[str, SnmpValue]:
    """``{"1.3.6...": {"type": "hex", "value": "..."}}`` as written by :mod:`camscan.lab.infra`."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object of OID -> value")
    return {str(k): SnmpValue.model_validate(v) for k, v in data.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; exit 0 after a clean stop, 1 bind failure, 2 bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m camscan.lab.device", description="Run one simulated device."
    )
    parser.add_argument("persona", help="persona YAML file")
    parser.add_argument("--address", required=True, help="IPv4 address to serve on")
    parser.add_argument("--iface", help="interface for multicast membership (e.g. veth0)")
    parser.add_argument("--mac", help="MAC to report instead of the persona's")
    parser.add_argument(
        "--snmp-tables", help="JSON file of extra SNMP OIDs (the lab's ARP/FDB/LLDP view)"
    )
    parser.add_argument(
        "--recorder", help="JSON file of a recorder's login and channels (RecorderPlan)"
    )
    args = parser.parse_args(argv)
    try:
        persona = load_persona(args.persona)
        tables = load_snmp_tables(Path(args.snmp_tables)) if args.snmp_tables else None
        plan = (
            RecorderPlan.model_validate_json(Path(args.recorder).read_text(encoding="utf-8"))
            if args.recorder
            else None
        )
    except (PersonaError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_serve(persona, args.address, args.iface, args.mac, tables, plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())

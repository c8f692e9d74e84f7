"""Serve many lab personas on loopback addresses from one process and one event loop.

``python -m tests.scan.many_personas --net 127.77 --count 300 [--rehome] PERSONA.yaml ...``
starts ``count`` devices on 127.77.0.1, 127.77.0.2 … (250 per third octet), cycling through
the personas, prints ``ready`` and the addresses (one line, space-separated) once all listen,
and serves until SIGTERM. ``--rehome`` moves privileged ports up (no root needed) and drops
the discovery sections; without it the devices answer WS-Discovery, DHIP, SSDP and SADP
requests sent to them directly (loopback never multicasts). Used by the engine tests and by
benchmarks/scan_vs_nmap.py; nothing leaves 127.0.0.0/8.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from camscan.lab.device import RunningDevice, start_device
from camscan.lab.loopback import rehome
from camscan.lab.persona import load_persona


def addresses(net: str, count: int, first: int = 0) -> list[str]:
    """``count`` loopback addresses under ``net`` (two octets, e.g. ``127.77``), from the
    ``first``-th on."""
    return [f"{net}.{i // 250}.{i % 250 + 1}" for i in range(first, first + count)]


async def serve(net: str, count: int, personas: list[str], moved: bool, first: int = 0) -> None:
    loaded = [load_persona(p) for p in personas]
    if moved:
        loaded = [rehome(p) for p in loaded]
    devices: list[RunningDevice] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        for i, address in enumerate(addresses(net, count, first), start=first):
            devices.append(await start_device(loaded[i % len(loaded)], address))
        print("ready", " ".join(addresses(net, count, first)), flush=True)
        await stop.wait()
    finally:
        for device in devices:
            await device.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--net", default="127.77")
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--first", type=int, default=0, help="index of the first address")
    parser.add_argument("--rehome", action="store_true")
    parser.add_argument("personas", nargs="+")
    args = parser.parse_args()
    if not args.net.startswith("127."):
        print("loopback only", file=sys.stderr)
        return 2
    asyncio.run(serve(args.net, args.count, args.personas, args.rehome, args.first))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

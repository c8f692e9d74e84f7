"""How long `--infra` takes to read a switch: a real pysnmp agent on 127.x serving an FDB of
N MACs, two per edge port (a phone and a PC), plus 254 ARP rows, walked by
camscan.infra.mibs.read_view with v2c and with v3 (authPriv, sha256/aes). No root needed;
nothing leaves loopback.

    python benchmarks/infra_walk.py [--sizes 100,1000,4000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from camscan.infra.locate import edge_locations
from camscan.infra.mibs import read_view
from camscan.lab.device import start_device
from camscan.lab.infra import ArpRow, SwitchPort, switch_tables
from camscan.lab.persona import Persona, SnmpConfig, SnmpUser
from camscan.snmp import SnmpAuth, SnmpSession

PORT = 16163
USER = SnmpUser(user="bench", auth_protocol="sha256", auth_password="bench-auth-1",
                priv_protocol="aes", priv_password="bench-priv-1")  # fmt: skip
AUTHS = {
    "v2c": SnmpAuth(version=2, community="bench"),
    "v3 authPriv": SnmpAuth(
        version=3,
        user="bench",
        auth_protocol="sha256",
        auth_password="bench-auth-1",
        priv_protocol="aes",
        priv_password="bench-priv-1",
    ),
}


def tables(n: int) -> dict[str, object]:
    macs = [f"00:00:5e:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}" for i in range(n)]
    ports = [
        SwitchPort(
            p + 1, f"Gi{p // 48 + 1}/0/{p % 48 + 1}", ((macs[2 * p], 20), (macs[2 * p + 1], 20))
        )
        for p in range(n // 2)
    ]
    arp = [ArpRow(100, f"192.0.2.{i % 254 + 1}", m) for i, m in enumerate(macs[:254])]
    return switch_tables(ports, arp, interfaces=((100, "Vlan20"),))  # type: ignore[return-value]


async def measure(n: int) -> list[tuple[str, int, float, int]]:
    address = f"127.{random.randint(64, 250)}.{random.randint(0, 255)}.{random.randint(2, 250)}"
    snmp = SnmpConfig(port=PORT, community="bench", v3_users=(USER,), sys_name="bench-sw")
    persona = Persona(id="bench-switch", mac="00:00:5e:00:53:99", snmp=snmp)
    device = await start_device(persona, address, snmp_tables=tables(n))  # type: ignore[arg-type]
    out = []
    try:
        for name, auth in AUTHS.items():
            started = time.perf_counter()
            async with SnmpSession(address, auth, port=PORT, timeout=5.0) as session:
                view = await read_view(session, address)
            elapsed = time.perf_counter() - started
            assert not view.failures, view.failures
            out.append((name, len(view.fdb), elapsed, len(edge_locations([view]))))
    finally:
        await device.aclose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,4000")
    args = parser.parse_args()
    print("| FDB entries | SNMP | read time | edge locations |")
    print("|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        for name, fdb, elapsed, located in asyncio.run(measure(n)):
            print(f"| {fdb} | {name} | {elapsed:.2f} s | {located} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (agent and reader in one process and event loop): {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

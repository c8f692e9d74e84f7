"""Root only: three devices share one namespace and answer multicast/broadcast discovery.

Two throw-away namespaces joined by a veth pair (TEST-NET-1 addresses only): the devices
(``python -m camscan.lab.device``, one process each) on one side, a stdlib-socket client
(``netns_client.py``) on the other. Everything is deleted afterwards, also on failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from camscan.lab.persona import load_persona
from tests.lab_responders.wire import PERSONAS

REPO = Path(__file__).resolve().parents[2]
CLIENT = Path(__file__).with_name("netns_client.py")
DEVICES = {
    "192.0.2.10": "hikvision-nvr",
    "192.0.2.11": "dahua-ipc",
    "192.0.2.12": "axis-hostile",
}
CLIENT_ADDR = "192.0.2.20"

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces"),
]


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def namespaces() -> Iterator[tuple[str, str, str, str]]:
    tag = uuid.uuid4().hex[:6]
    dev_ns, cli_ns = f"csr-dev-{tag}", f"csr-cli-{tag}"
    dev_if, cli_if = f"csrd{tag}", f"csrc{tag}"
    try:
        ip("netns", "add", dev_ns)
        ip("netns", "add", cli_ns)
        ip("link", "add", dev_if, "type", "veth", "peer", "name", cli_if)
        ip("link", "set", dev_if, "netns", dev_ns)
        ip("link", "set", cli_if, "netns", cli_ns)
        for ns, iface, addrs in ((dev_ns, dev_if, list(DEVICES)), (cli_ns, cli_if, [CLIENT_ADDR])):
            for addr in addrs:
                ip("-n", ns, "addr", "add", f"{addr}/24", "dev", iface)
            ip("-n", ns, "link", "set", iface, "up")
            ip("-n", ns, "link", "set", "lo", "up")
        yield dev_ns, dev_if, cli_ns, cli_if
    finally:
        for ns in (dev_ns, cli_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


def in_ns(ns: str, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["ip", "netns", "exec", ns, *argv],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_multicast_and_broadcast_discovery(namespaces: tuple[str, str, str, str]) -> None:
    dev_ns, dev_if, cli_ns, _ = namespaces
    axis = load_persona(PERSONAS / "axis-hostile.yaml")
    mac_hex = axis.resolved_mac().replace(":", "").upper()
    client = in_ns(cli_ns, sys.executable, str(CLIENT), CLIENT_ADDR, f"AXIS M3045-V - {mac_hex}")
    devices: list[subprocess.Popen[str]] = []
    try:
        assert client.stdout is not None
        assert client.stdin is not None
        assert json.loads(client.stdout.readline()) == {"listening": True}
        for addr, name in DEVICES.items():
            proc = in_ns(
                dev_ns, sys.executable, "-m", "camscan.lab.device",
                str(PERSONAS / f"{name}.yaml"), "--address", addr, "--iface", dev_if,
            )  # fmt: skip
            devices.append(proc)
        for proc, addr in zip(devices, DEVICES, strict=True):
            assert proc.stdout is not None
            assert proc.stdout.readline() == f"ready {addr}\n", proc.stderr
        client.stdin.write("go\n")
        client.stdin.flush()
        results: dict[str, list[list[object]]] = {}
        for line in client.stdout:
            results.update(json.loads(line))
            if "mdns" in results:
                break
        for proc in devices:
            proc.terminate()
        for proc in devices:
            _, err = proc.communicate(timeout=10)
            assert proc.returncode == 0, err
    finally:
        for proc in [client, *devices]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def senders(key: str) -> list[str]:
        return sorted(str(h) for h, _, _ in results[key])

    hellos = results["hello"]
    assert sorted({str(h) for h, _, is_hello in hellos if is_hello}) == sorted(DEVICES)
    notify = results["notify"]
    assert senders("notify") == ["192.0.2.12"] * 3
    assert all(str(d).startswith("NOTIFY * HTTP/1.1\r\n") for _, _, d in notify)
    assert any("NT: upnp:rootdevice\r\n" in str(d) for _, _, d in notify)
    assert senders("wsd") == sorted(DEVICES)  # the Axis-like one has no Types: matches all
    assert all(port == 3702 for _, port, _ in results["wsd"])
    assert senders("sadp") == ["192.0.2.10", "192.0.2.12"]
    assert senders("dhip_multicast") == ["192.0.2.11", "192.0.2.12"]
    assert senders("dhip_broadcast") == ["192.0.2.11", "192.0.2.12"]
    assert senders("ssdp") == ["192.0.2.12"] * 3
    assert results["mdns"] == [["192.0.2.12"], 38080, {"macaddress": mac_hex}]

"""What the engine learned survives being cut off: a probe stopped by the host budget keeps
the observations it made, a TCP sweep that overruns keeps the hosts it found, and either marks
the scan incomplete. Real sockets on 127.x; outcomes asserted, never wall time."""

from __future__ import annotations

import asyncio
import socket

import pytest

from camscan.discover.registry import METHODS
from camscan.engine import ScanSettings, run_scan
from camscan.models import AttemptStatus
from camscan.probe.http import HttpProbe
from camscan.scope import build_scope
from tests.helpers import http_answer

HTTP_REPLY = (
    b"HTTP/1.0 200 OK\r\nServer: Hikvision-Webs\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
)


def _listener(address: str) -> socket.socket:
    sock = socket.socket()
    sock.bind((address, 0))
    sock.listen(64)
    return sock


async def _serve_http(sock: socket.socket) -> asyncio.Server:
    return await asyncio.start_server(http_answer(HTTP_REPLY), sock=sock)


def test_probe_cut_off_by_the_host_budget_keeps_its_observations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Port A answers at once; port B (higher, probed second) accepts and never answers. The
    host budget ends the HTTP probe on port B: port A's observations are still there."""
    from camscan.probe import registry

    fast = _listener("127.0.0.61")
    tarpit = _listener("127.0.0.61")  # accepted by the kernel backlog, never answered
    a, b = sorted((fast.getsockname()[1], tarpit.getsockname()[1]))
    if a != fast.getsockname()[1]:
        fast, tarpit = tarpit, fast
    monkeypatch.setitem(registry.PROBES, "http", HttpProbe(ports=frozenset({a, b})))

    async def scan() -> object:
        server = await _serve_http(fast)
        async with server:
            settings = ScanSettings(
                scope=build_scope(["127.0.0.61"]),
                methods=("tcp",),
                ports=(a, b),
                probes=("http",),
                timeout=5.0,
                host_timeout=1.5,
                annotate=False,
            )
            return await run_scan(settings)

    try:
        doc = asyncio.run(scan())
    finally:
        tarpit.close()
    (device,) = doc.devices  # type: ignore[attr-defined]
    assert ("http.server", "Hikvision-Webs") in {(o.signal, o.value) for o in device.observations}
    cut = [x for x in device.attempts if x.probe == "http" and x.status is AttemptStatus.TIMEOUT]
    assert len(cut) == 1
    assert "host budget" in cut[0].reason
    assert any(x.port == a and x.status is AttemptStatus.OK for x in device.attempts)


@pytest.fixture
def slow_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The TCP sweep's budget cut to 2 s (a safety net it would normally never reach)."""
    monkeypatch.setattr(METHODS["tcp"], "budget", lambda settings: 2.0)


def test_sweep_that_overruns_keeps_what_it_found(slow_sweep: None) -> None:
    # 40 loopback addresses at 4 connections/s take 10 s: the 2 s budget stops the sweep
    # part-way. Every loopback address answers (refused = alive), so the first ones are found.
    scope = build_scope(["127.0.0.100-139"])
    doc = asyncio.run(
        run_scan(
            ScanSettings(
                scope=scope, methods=("tcp",), ports=(9,), probes=(), rate=4.0, annotate=False
            )
        )
    )
    run = next(r for r in doc.method_runs if r.method == "tcp")
    assert run.state == "partial"
    assert "overran its 2 s budget" in run.reason
    assert run.complete is False
    assert doc.complete is False
    found = {d.address for d in doc.devices}
    assert found  # kept, not dropped with the overrun
    assert len(found) < 40
    assert found <= {f"127.0.0.{n}" for n in range(100, 140)}

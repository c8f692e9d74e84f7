"""``--rate`` slows a scan down but loses nothing: 300 loopback personas, a low rate and a short
host budget. The token is taken after the host gate and outside the host's budget, so no
probe is cut off by time spent waiting for tokens (outcomes asserted, never wall time)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from camscan.engine import ScanSettings, run_scan
from camscan.models import AttemptStatus, ScanDocument
from camscan.scope import build_scope
from tests.scan.crowd import crowd

COUNT = 300
PERSONAS = ["hikvision-ipc-ds2cd2185fwd.yaml", "dahua-ipc-hfw2228m.yaml", "axis-m1065.yaml",
            "generic-onvif-ipcam.yaml"]  # fmt: skip


@pytest.fixture(scope="module")
def addresses() -> Iterator[list[str]]:
    with crowd(COUNT, PERSONAS) as found:
        yield found


def _scan(addresses: list[str], **kw: object) -> ScanDocument:
    settings = ScanSettings(
        scope=build_scope(addresses),
        methods=("tcp",),
        ports=(8554,),  # where the re-homed personas serve RTSP (a light probe: the host
        probes=("rtsp",),  # budget must be spent on waiting, not on the probe's own work)
        timeout=2.0,
        annotate=False,
        **kw,  # type: ignore[arg-type]
    )
    return asyncio.run(run_scan(settings))


def test_low_rate_loses_nothing_that_answered(addresses: list[str]) -> None:
    # 256 host workers share 15 tokens/s: the last host of the first wave waits ~17 s for its
    # token, twice its 8 s budget. Waiting must not count against that budget (it used to).
    doc = _scan(addresses, rate=15, host_timeout=8, concurrency=512, per_host=2)
    assert len(doc.devices) == COUNT
    for device in doc.devices:
        statuses = {a.status for a in device.attempts}
        assert AttemptStatus.TIMEOUT not in statuses, (device.address, device.attempts)
        assert any(o.source == "rtsp" for o in device.observations), device.address
    assert doc.complete
    tcp = next(r for r in doc.method_runs if r.method == "tcp")
    assert tcp.state == "ran"
    assert tcp.hosts == COUNT

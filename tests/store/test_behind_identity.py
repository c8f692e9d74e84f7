"""A camera behind a recorder keeps its identity on a night its MAC is not read, also when its
serial is shared (NEWUSER2 #12).

Two cameras of one model behind an NVR that report the same serial (a batch, or the lab's
reused personas) cannot be keyed by it: they were keyed by MAC, and a night on which the
recorder's API gave no MAC keyed them ``behind:<recorder>#<channel>`` — "new" plus "gone",
`camscan diff` exit 1, and an acknowledgement made on the MAC lost. Such a camera now keeps
the key it had on the same recorder channel in the previous run when the model agrees.
Every ``target`` test runs on SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from camscan.models import (
    AttemptStatus,
    Behind,
    Device,
    Identification,
    PolicyResult,
    ProbeAttempt,
    ScanDocument,
)
from camscan.store import History, StoreTarget
from tests.pgserver import PW_VAR
from tests.report.cli_env import cli_env, run_camscan
from tests.report.sample_docs import NDAA_HIK, axis_camera, building

__all__ = ["cli_env"]
NVR = "192.0.2.27"
SHARED_SERIAL = "IP8M2496EB0000000001"


def _cam(channel: int, mac: bool, model: str = "IP8M-2496EB") -> Device:
    return Device(
        address=f"203.0.113.{140 + channel}",
        mac=f"9c:8e:cd:42:5c:{channel:02x}" if mac else None,
        behind=Behind(recorder=NVR, channel=channel, api="RPC2"),
        identification=Identification(
            vendor="Dahua", brand="Amcrest", model=model, serial=SHARED_SERIAL, device_type="camera"
        ),
        policy=PolicyResult(restricted=True, matches=[NDAA_HIK]),
    )


def _night(mac: bool, model: str = "IP8M-2496EB") -> ScanDocument:
    nvr = Device(
        address=NVR,
        mac="3c:ef:8c:00:00:27",
        identification=Identification(vendor="Dahua", device_type="recorder"),
        attempts=[ProbeAttempt(probe="recorder", port=80, status=AttemptStatus.OK)],
    )
    return building([nvr, _cam(1, mac, model), _cam(2, mac), axis_camera()])


def test_a_night_without_macs_keeps_identity_and_acknowledgement(target: StoreTarget) -> None:
    with History(target, site="hq") as h:
        first = h.record(_night(mac=True))
        keys = sorted(k for k in h.states(first) if k.startswith("mac:9c:8e:cd"))
        assert keys == ["mac:9c:8e:cd:42:5c:01", "mac:9c:8e:cd:42:5c:02"]  # serial is shared
        h.add_ack("mac:9c:8e:cd:42:5c:01", "replacement ordered")
        tonight = h.apply_acks(_night(mac=False), date.today())
        assert next(d.policy.acknowledged for d in tonight.devices if d.behind)
        second = h.record(tonight)
        runs = {r.id: r for r in h.runs()}
        diff = h.compare(runs[first], runs[second])
        assert (diff.new, diff.gone, diff.back, diff.uncompared) == ((), (), (), ())
        assert set(keys) <= set(h.states(second))
        # Another camera on channel 1 (another model) without a MAC is not the same camera.
        swapped = h.record(_night(mac=False, model="IPC-HDW2431T"))
        runs = {r.id: r for r in h.runs()}
        changed = h.compare(runs[second], runs[swapped])
    assert [s.key for s in changed.new] == [f"behind:{NVR}#1"]
    assert [s.key for s in changed.gone] == ["mac:9c:8e:cd:42:5c:01"]


def test_history_of_a_device_shows_its_label_and_mac(target: StoreTarget, cli_env: Path) -> None:
    """NEWUSER2 #14: `history --device` showed neither the label nor a MAC the key is not."""
    with History(target, site="hq") as h:
        h.record(_night(mac=True))
    env = {} if target.password is None else {
        PW_VAR: target.password, "CAMSCAN_HISTORY_PASSWORD_ENV": PW_VAR}  # fmt: skip
    out = run_camscan("history", "--db", str(target), "--site", "hq", "--device",
                      "203.0.113.141", env=env)  # fmt: skip
    assert out.exit_code == 0, out.output
    assert " 203.0.113.141 behind 192.0.2.27 channel 1 Dahua (sold as Amcrest) IP8M-2496EB " in (
        out.stdout
    )
    assert " mac " not in out.stdout  # keyed by its MAC already: not repeated

"""Cameras behind a recorder across runs (NEWUSER #16, #20).

- #16: one run with a refused (or no) recorder login made every camera behind that recorder
  "gone" in diff and dropped it from the estate. Such cameras were not looked at: diff lists
  them as not compared ("not enumerated in run N: recorder login refused"), and the estate
  keeps them with their last-seen time; a camera missing from a run that did read its recorder
  is still gone.
- #20: the estate report (every format, the removal worklist too) lost "behind <recorder>
  channel N"; it now says which recorder and channel, and the recorder's switch port.

Every ``target`` test runs on SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from camscan.diff import diff_states, recorder_outcomes
from camscan.export.tables import devices_csv, worklist_csv
from camscan.models import (
    AttemptStatus,
    Behind,
    Device,
    Identification,
    Location,
    Observation,
    PolicyResult,
    ProbeAttempt,
    ScanDocument,
)
from camscan.report.estate_html import render_estate_html
from camscan.report.estate_md import render_estate_markdown
from camscan.report.estate_text import render_estate_text
from camscan.store import History, StoreTarget, states_of
from tests.pgserver import PW_VAR
from tests.report.cli_env import cli_env, run_camscan
from tests.report.sample_docs import NDAA_HIK, axis_camera, building

__all__ = ["cli_env"]
NVR = "192.0.2.26"


def _env(target: StoreTarget) -> dict[str, str]:
    if target.password is None:
        return {}
    return {PW_VAR: target.password, "CAMSCAN_HISTORY_PASSWORD_ENV": PW_VAR}


def _nvr(status: AttemptStatus | None) -> Device:
    """A Hikvision NVR on switch sw1 port 10; ``status``: how its recorder probe ended."""
    tried = [] if status is None else [ProbeAttempt(probe="recorder", port=80, status=status)]
    return Device(
        address=NVR,
        mac="44:19:b6:00:00:26",
        location=Location(switch="sw1", port="10", source="snmp 198.51.100.1 FDB"),
        observations=[Observation(signal="tcp.open", value="80", port=80, source="tcp")],
        attempts=tried,
        identification=Identification(vendor="Hikvision", device_type="recorder"),
        policy=PolicyResult(restricted=True, matches=[NDAA_HIK]),
    )


def _cam(channel: int) -> Device:
    return Device(
        address=f"203.0.113.{10 + channel}",
        behind=Behind(recorder=NVR, channel=channel, api="ISAPI"),
        identification=Identification(
            vendor="Hikvision", model="DS-2CD2143G2-I", serial=f"DS2CD{channel:04d}",
            device_type="camera",
        ),
        policy=PolicyResult(restricted=True, matches=[NDAA_HIK]),
    )  # fmt: skip


def _night(status: AttemptStatus | None, channels: tuple[int, ...] = ()) -> ScanDocument:
    return building([_nvr(status), *[_cam(c) for c in channels], axis_camera()])


def test_the_document_says_whose_channels_were_read() -> None:
    assert recorder_outcomes(_night(AttemptStatus.OK, (1, 2))) == {NVR: ""}
    assert recorder_outcomes(_night(AttemptStatus.DENIED)) == {NVR: "recorder login refused"}
    assert recorder_outcomes(_night(None)) == {NVR: "no recorder login given"}
    assert recorder_outcomes(_night(AttemptStatus.TIMEOUT)) == {NVR: "recorder API timeout"}


def test_refused_login_makes_cameras_not_compared_not_gone(
    target: StoreTarget, cli_env: Path
) -> None:
    with History(target, site="depot") as h:
        read = h.record(_night(AttemptStatus.OK, (1, 2, 3)))
        refused = h.record(_night(AttemptStatus.DENIED))
    args = ("--db", str(target), "--site", "depot")
    result = run_camscan("diff", *args, "-f", "json", env=_env(target))
    data = json.loads(result.stdout)
    assert result.exit_code == 0, result.output  # nothing that both runs looked at changed
    assert data["gone"] == []
    assert sorted((d["address"], d["reason"]) for d in data["not_compared"]) == [
        (f"203.0.113.{10 + c}", f"not enumerated in run {refused}: recorder login refused")
        for c in (1, 2, 3)
    ]
    # The login is fixed; channel 3's camera really was removed meanwhile: that one is gone,
    # and channels 1 and 2 are compared with the last run that read them, not called new.
    with History(target, site="depot") as h:
        fixed = h.record(_night(AttemptStatus.OK, (1, 2)))
    again = json.loads(run_camscan("diff", str(read), str(fixed), *args, "-f", "json",
                                   env=_env(target)).stdout)  # fmt: skip
    assert [d["address"] for d in again["gone"]] == ["203.0.113.13"]
    assert again["new"] == again["back"] == []
    after_refusal = json.loads(run_camscan("diff", *args, "-f", "json", env=_env(target)).stdout)
    assert after_refusal["new"] == after_refusal["back"] == []
    assert {d["reason"] for d in after_refusal["not_compared"]} == {
        f"not enumerated in run {refused}: recorder login refused"
    }


def test_a_scan_against_the_last_run_judges_the_same_way(target: StoreTarget) -> None:
    with History(target, site="hq") as h:
        h.record(_night(AttemptStatus.OK, (1, 2)))
        last = h.runs(1)[0]
        diff = h.compare_scan(last, _night(None))
    assert diff.gone == ()
    assert {u.reason for u in diff.uncompared} == {
        "not enumerated in this scan: no recorder login given"
    }
    blind = diff_states(states_of(_night(AttemptStatus.OK, (1, 2))), states_of(_night(None)))
    assert len(blind.gone) == 2  # without what the runs recorded: the old defect


def test_estate_keeps_unenumerated_cameras_with_last_seen_and_says_where_they_are(
    target: StoreTarget,
) -> None:
    with History(target, site="depot") as h:
        h.record(_night(AttemptStatus.OK, (1, 2, 3)), recorded_at="2026-11-26T02:00:00+00:00")
        h.record(_night(AttemptStatus.DENIED), recorded_at="2026-11-27T02:00:00+00:00")
        h.record(_night(None), recorded_at="2026-11-28T02:00:00+00:00")  # again no login: kept
        estate = h.estate()
    cams = sorted((d for d in estate.devices if d.location.recorder), key=lambda d: d.address)
    assert [(d.address, d.location.channel) for d in cams] == [
        ("203.0.113.11", 1), ("203.0.113.12", 2), ("203.0.113.13", 3)
    ]  # fmt: skip
    assert all(d.present and d.restricted for d in cams)
    assert {d.unverified for d in cams} == {
        "not enumerated in the latest run: no recorder login given"
    }
    assert {d.last_seen.isoformat() for d in cams} == {"2026-11-26T02:00:00+00:00"}
    assert estate.sites[0].restricted == 4  # the NVR and its three cameras
    assert estate.series[-1].by_site["depot"] == 4  # the trend agrees (was 1: the NVR)
    assert [c for c in estate.changes if c.kind == "gone"] == []
    where = "behind 192.0.2.26 channel 1 (recorder on sw1 port 10)"
    assert cams[0].location.behind == where
    rows = list(csv.DictReader(io.StringIO(worklist_csv(estate))))
    row = next(r for r in rows if r["device"] == "serial:DS2CD0001")
    assert row["location"] == (
        f"depot / {where} / 203.0.113.11 / last seen {cams[0].last_seen.date()}: "
        "not enumerated in the latest run: no recorder login given"
    )
    device_rows = list(csv.DictReader(io.StringIO(devices_csv(estate))))
    assert next(r for r in device_rows if r["key"] == "serial:DS2CD0001")["behind"] == where
    assert where in render_estate_markdown(estate)
    assert where in render_estate_html(estate)
    assert where in render_estate_text(estate)
    as_json = json.loads(estate.model_dump_json())
    cam_json = next(d for d in as_json["devices"] if d["key"] == "serial:DS2CD0001")
    assert (cam_json["location"]["recorder"], cam_json["location"]["channel"]) == (NVR, 1)


def test_history_of_a_camera_behind_a_recorder_says_where(
    target: StoreTarget, cli_env: Path
) -> None:
    with History(target, site="depot") as h:
        h.record(_night(AttemptStatus.OK, (2,)))
    args = ("--db", str(target), "--site", "depot", "--device", "serial:DS2CD0002")
    out = run_camscan("history", *args, env=_env(target))
    assert out.exit_code == 0, out.output
    assert " 203.0.113.12 behind 192.0.2.26 channel 2 Hikvision DS-2CD2143G2-I " in out.stdout


def test_a_camera_missing_from_a_run_that_read_its_recorder_is_gone(
    target: StoreTarget,
) -> None:
    with History(target, site="depot") as h:
        h.record(_night(AttemptStatus.OK, (1, 2)))
        h.record(_night(AttemptStatus.OK, (1,)))
        estate = h.estate()
    assert [d.address for d in estate.devices if d.location.recorder] == ["203.0.113.11"]
    gone = [c.device.address for c in estate.changes if c.kind == "gone"]
    assert gone == ["203.0.113.12"]


def _on_port(channel: int) -> Device:
    """Channel ``channel``'s camera located on its recorder's PoE port (the recorder's FDB)."""
    return _cam(channel).model_copy(
        update={
            "mac": f"44:19:b6:0a:00:{channel:02x}",
            "location": Location(
                switch=NVR, switch_address=NVR, port=f"PoE{channel}",
                source=f"snmp {NVR} BRIDGE-MIB", uplink="sw1 port 10",
            ),
        }
    )  # fmt: skip


def test_history_says_which_poe_port_and_which_switch_port(
    target: StoreTarget, cli_env: Path
) -> None:
    with History(target, site="depot") as h:
        h.record(building([_nvr(AttemptStatus.OK), _on_port(2), axis_camera()]))
    cam = run_camscan("history", "--db", str(target), "--site", "depot", "--device",
                      "serial:DS2CD0002", env=_env(target))  # fmt: skip
    assert cam.exit_code == 0, cam.output
    assert " 203.0.113.12 behind 192.0.2.26 channel 2 port PoE2 Hikvision " in cam.stdout
    assert " mac 44:19:b6:0a:00:02 ports " in cam.stdout  # keyed by serial: the MAC is shown
    nvr = run_camscan("history", "--db", str(target), "--site", "depot", "--device", NVR,
                      env=_env(target))  # fmt: skip
    assert f" {NVR} at sw1 port 10 Hikvision " in nvr.stdout
    args = ("--db", str(target), "--site", "depot", "--device", "serial:DS2CD0002", "-f", "json")
    data = json.loads(run_camscan("history", *args, env=_env(target)).stdout)
    assert (data[0]["switch"], data[0]["switch_port"]) == (NVR, "PoE2")


def test_a_camera_on_a_recorders_poe_port_is_located_in_the_estate(target: StoreTarget) -> None:
    """A camera located on its recorder's PoE port (the recorder's own SNMP FDB): the estate,
    in every format and in the worklist, says 'recorder 192.0.2.26 port PoE1', and still where
    the recorder itself is."""
    on_port = _on_port(1)
    with History(target, site="depot") as h:
        h.record(building([_nvr(AttemptStatus.OK), on_port, axis_camera()]))
        estate = h.estate()
    (cam,) = (d for d in estate.devices if d.location.recorder)
    assert cam.key == "serial:DS2CD0001"  # the serial, not the new MAC: one identity
    assert (cam.location.switch, cam.location.port) == (NVR, "PoE1")
    where = "recorder 192.0.2.26 port PoE1"
    for text in (render_estate_text(estate), render_estate_markdown(estate)):
        assert f"{where} behind 192.0.2.26 channel 1 (recorder on sw1 port 10)" in text
    assert "recorder 192.0.2.26</span> port <span class='nw'>PoE1" in render_estate_html(estate)
    rows = list(csv.DictReader(io.StringIO(worklist_csv(estate))))
    row = next(r for r in rows if r["device"] == "serial:DS2CD0001")
    assert row["location"].startswith(  # the worklist's own 'switch port' form
        "depot / recorder 192.0.2.26 PoE1 / behind 192.0.2.26 channel 1 (recorder on sw1 port 10)"
    )

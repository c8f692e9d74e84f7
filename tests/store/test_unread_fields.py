"""A field a run could not read is not compared, and the estate keeps it as last read
(NEWUSER2 #3).

A Hikvision NVR gives its model and firmware only to the authenticated ONVIF
GetDeviceInformation (the anonymous one is ``ter:NotAuthorized``). A run whose login was
refused had no model or firmware for it: diff said "changed: model DS-7608NI-K2/8P -> none",
the next run the reverse, and the estate showed the NVR's model as "—". Such a field was not
read: diff lists it as not compared ("model, firmware not read in run N: login refused"), a
value read in both runs is still compared, and the estate shows the last value read with a
note saying when.

Every ``target`` test runs on SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import json
from pathlib import Path

from camscan.diff import Coverage, diff_states, unread_outcomes
from camscan.models import (
    AttemptStatus,
    Device,
    Identification,
    Location,
    Observation,
    PolicyResult,
    ProbeAttempt,
    ScanDocument,
)
from camscan.store import History, StoreTarget, states_of
from tests.pgserver import PW_VAR
from tests.report.cli_env import cli_env, run_camscan
from tests.report.sample_docs import NDAA_HIK, axis_camera, building

__all__ = ["cli_env"]
NVR = "192.0.2.26"
MODEL, FIRMWARE = "DS-7608NI-K2/8P", "V4.30.085 build 200916"


def _env(target: StoreTarget) -> dict[str, str]:
    if target.password is None:
        return {}
    return {PW_VAR: target.password, "CAMSCAN_HISTORY_PASSWORD_ENV": PW_VAR}


def _nvr(
    login: AttemptStatus, model: str | None = MODEL, firmware: str | None = FIRMWARE
) -> Device:
    """The NVR as one run saw it: ``login`` is how its authenticated ONVIF calls ended; model
    and firmware are what that run identified (None when it could not read them)."""
    anonymous = ProbeAttempt(
        probe="onvif",
        port=80,
        status=AttemptStatus.OK,
        reason="GetDeviceInformation: HTTP 400, fault ter:NotAuthorized",
    )
    authenticated = ProbeAttempt(
        probe="onvif", port=80, status=login, reason="GetDeviceInformation: with credentials"
    )
    read = login == AttemptStatus.OK
    observations = [
        Observation(signal="tcp.open", value="80", port=80, source="tcp"),
        Observation(
            signal="wsd.scope",
            value=f"onvif://www.onvif.org/hardware/{MODEL}",
            port=3702,
            source="wsd",
        ),
    ]
    if read:
        observations.append(Observation(signal="onvif.model", value=MODEL, port=80, source="onvif"))
    return Device(
        address=NVR,
        mac="68:6d:bc:af:68:a5",
        location=Location(switch="sw1", port="10", source="snmp 198.51.100.1 FDB"),
        observations=observations,
        attempts=[anonymous, authenticated],
        identification=Identification(
            vendor="Hikvision", model=model, firmware=firmware, device_type="recorder"
        ),
        policy=PolicyResult(restricted=True, matches=[NDAA_HIK]),
    )


def _read() -> ScanDocument:
    return building([_nvr(AttemptStatus.OK), axis_camera()])


def _refused() -> ScanDocument:
    return building([_nvr(AttemptStatus.DENIED, None, None), axis_camera()])


def test_the_document_says_which_devices_a_probe_could_not_read() -> None:
    doc = building(
        [
            _nvr(AttemptStatus.DENIED, None, None),
            axis_camera().model_copy(
                update={
                    "attempts": [ProbeAttempt(probe="onvif", port=80, status=AttemptStatus.TIMEOUT)]
                }
            ),
            axis_camera("192.0.2.41").model_copy(update={"mac": "ac:cc:8e:01:02:04"}),
        ]
    )
    keys = list(states_of(doc))
    assert unread_outcomes(doc, keys) == {
        "mac:68:6d:bc:af:68:a5": "login refused",
        "mac:ac:cc:8e:01:02:03": "probe timed out",
    }


def test_a_refused_login_is_not_a_change_of_model_in_diff(
    target: StoreTarget, cli_env: Path
) -> None:
    with History(target, site="hq") as h:
        read = h.record(_read())
        refused = h.record(_refused())
        fixed = h.record(_read())
    args = ("--db", str(target), "--site", "hq", "-f", "json")
    for old, new, blind in ((read, refused, refused), (refused, fixed, refused)):
        result = run_camscan("diff", str(old), str(new), *args, env=_env(target))
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["changed"] == [], (old, new)
        assert [(d["address"], d["reason"]) for d in data["not_compared"]] == [
            (NVR, f"model, firmware not read in run {blind}: login refused")
        ]
    text = run_camscan(
        "diff", str(read), str(refused), "--db", str(target), "--site", "hq", env=_env(target)
    ).stdout
    assert "-> none" not in text
    assert f"not read in run {refused}: login refused" in text
    assert "0 new, 0 gone, 0 changed (0 moved), 1 not compared" in text


def test_a_value_read_in_both_runs_is_still_compared(target: StoreTarget) -> None:
    with History(target, site="hq") as h:
        first = h.record(_read())
        # Re-flashed, and the login refused on another probe: the firmware was read and differs.
        reflashed = _nvr(AttemptStatus.OK, firmware="V4.62.210 build 220811")
        reflashed = reflashed.model_copy(
            update={
                "attempts": [
                    *reflashed.attempts,
                    ProbeAttempt(probe="recorder", port=80, status=AttemptStatus.DENIED),
                ]
            }
        )
        second = h.record(building([reflashed, axis_camera()]))
        # Model gone with no probe refused or cut short: that is a change, as before.
        third = h.record(
            building(
                [
                    _nvr(AttemptStatus.OK, model=None, firmware="V4.62.210 build 220811"),
                    axis_camera(),
                ]
            )
        )
        runs = {r.id: r for r in h.runs()}
        one = h.compare(runs[first], runs[second])
        two = h.compare(runs[second], runs[third])
    assert [(c.field, c.old, c.new) for d in one.changed for c in d.changes] == [
        ("firmware", FIRMWARE, "V4.62.210 build 220811")
    ]
    assert one.uncompared == ()
    assert [(c.field, c.old, c.new) for d in two.changed for c in d.changes] == [
        ("model", MODEL, None)
    ]


def test_a_scan_against_the_last_run_judges_the_same_way(target: StoreTarget) -> None:
    with History(target, site="hq") as h:
        h.record(_read())
        diff = h.compare_scan(h.runs(1)[0], _refused())
    assert diff.changed == ()
    assert [u.reason for u in diff.uncompared] == [
        "model, firmware not read in this scan: login refused"
    ]
    blind = diff_states(
        states_of(_read()), states_of(_refused()), old_cov=Coverage("a"), new_cov=Coverage("b")
    )
    assert len(blind.changed) == 1  # without what the runs recorded: the old defect


def test_estate_keeps_the_last_model_read_and_says_when(target: StoreTarget) -> None:
    with History(target, site="hq") as h:
        h.record(_read(), recorded_at="2026-11-26T02:00:00+00:00")
        h.record(_refused(), recorded_at="2026-11-27T02:00:00+00:00")
        refused_twice = h.estate()
        h.record(_refused(), recorded_at="2026-11-28T02:00:00+00:00")
        estate = h.estate()
        h.record(_read(), recorded_at="2026-11-29T02:00:00+00:00")
        fixed = h.estate()
    for view in (refused_twice, estate):
        nvr = next(d for d in view.devices if d.address == NVR)
        assert (nvr.model, nvr.firmware, nvr.present) == (MODEL, FIRMWARE, True)
        assert nvr.unverified == (
            "model, firmware not read in the latest run (login refused): as read 2026-11-26"
        )
        assert [c.device.address for c in view.changes] == []
    assert nvr.unverified_note.startswith("last seen 2026-11-28: model, firmware not read")
    nvr = next(d for d in fixed.devices if d.address == NVR)
    assert (nvr.model, nvr.unverified) == (MODEL, None)
    assert fixed.changes == []  # the baseline (the refused run) is read as last read, too

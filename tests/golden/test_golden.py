"""Golden outputs: each format for realistic scans, each with its expected exit code.

Regenerate after an intended renderer change with ``CAMSCAN_UPDATE_GOLDEN=1 pytest tests/golden``
and review the diff like code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from camscan.diff import diff_states, render_diff_text
from camscan.engine.document import behind_devices
from camscan.engine.hosts import HostRecord
from camscan.exitcodes import ExitCode
from camscan.infra.locate import agent_tables
from camscan.infra.mibs import ArpEntry, FdbEntry, InfraView
from camscan.models import Device, Location, Observation, ScanDocument
from camscan.probe.base import BehindCamera
from camscan.report import SUFFIX, Format
from camscan.store import History, states_of
from camscan.verdict import annotate
from tests.report.cli_env import cli_env, run_camscan, run_report, save
from tests.report.sample_docs import (
    amcrest_recorder,
    axis_camera,
    building,
    clean_building,
    hostile_device,
    lts_camera,
    mixed_building,
    printer,
)

__all__ = ["cli_env"]

GOLDEN = Path(__file__).parent
UPDATE = os.environ.get("CAMSCAN_UPDATE_GOLDEN") == "1"


def _check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with CAMSCAN_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def _incomplete() -> ScanDocument:
    return building([lts_camera(), amcrest_recorder()], complete=False)


SCENARIOS: dict[str, tuple[Callable[[], ScanDocument], ExitCode]] = {
    "building": (mixed_building, ExitCode.FINDINGS),
    "clean": (clean_building, ExitCode.OK),
    "incomplete": (_incomplete, ExitCode.FINDINGS_INCOMPLETE),  # restricted, never hidden
}


@pytest.mark.parametrize("fmt", list(Format))
def test_building_in_every_format(cli_env: Path, fmt: Format) -> None:
    make, code = SCENARIOS["building"]
    result = run_report(str(save(make(), cli_env / "d.json")), "-f", fmt.value, "--no-db")
    assert result.exit_code == code
    suffix = ".table.txt" if fmt is Format.TABLE else SUFFIX[fmt]
    _check(f"building{suffix}", result.stdout)


def recorder_poe_building() -> ScanDocument:
    """A Hikvision NVR on cam-sw1 port p10 and the three cameras on its PoE side, through the
    real pipeline: the channel API's cameras (:func:`behind_devices`) located by the NVR's
    own SNMP tables (:func:`agent_tables`), then identified and judged (:func:`annotate`)."""
    nvr = "192.0.2.26"
    cams = (  # (channel, PoE address, MAC, maker, model, serial); channel 2 without a MAC
        (1, "203.0.113.10", "44:19:b6:0a:00:10", "HIKVISION", "DS-2CD2143G2-I", "DS2CD0001"),
        (2, "203.0.113.11", None, "Dahua", "IPC-HFW2431S-S-S2", "7L0A2D4PAZ00011"),
        (3, "203.0.113.12", "ac:cc:8e:0a:00:12", "AXIS", "P3245-LVE", "ACCC8E0A0012"),
    )
    view = InfraView(
        host=nvr,
        arp=(ArpEntry("203.0.113.11", "3c:ef:8c:0a:00:11", 102, "ipNetToPhysicalTable"),),
        fdb=(
            FdbEntry("44:19:b6:0a:00:10", 1, None, "dot1dTpFdbTable"),
            FdbEntry("3c:ef:8c:0a:00:11", 2, None, "dot1dTpFdbTable"),
            FdbEntry("ac:cc:8e:0a:00:12", 3, None, "dot1dTpFdbTable"),
        ),
        if_names={n: f"PoE{n}" for n in range(1, 9)},
    )
    record = HostRecord(address=nvr, mac="44:19:b6:00:00:26")
    record.location = Location(switch="cam-sw1", port="p10", vlan=20,
                               source="snmp 198.51.100.2 Q-BRIDGE-MIB dot1qTpFdbTable")  # fmt: skip
    record.observations.extend(
        Observation(signal=k, value=v, source="sadp")
        for k, v in (("sadp.DeviceDescription", "DS-7608NI-K2/8P"), ("sadp.DigitalChannelNum", "8"),
                     ("recorder.ip_channels", "3"))
    )  # fmt: skip
    record.cameras.extend(
        BehindCamera(
            channel=n, api="ISAPI InputProxy", address=addr, mac=mac,
            observations=tuple(
                Observation(signal=f"channel.{k}", value=v, source="recorder")
                for k, v in (("manufacturer", maker), ("model", model), ("serial", serial))
            ),
        )
        for n, addr, mac, maker, model, serial in cams
    )  # fmt: skip
    nvr_device = Device(address=nvr, mac=record.mac, location=record.location,
                        observations=list(record.observations))  # fmt: skip
    behind = behind_devices(record, agent_tables(view))
    return annotate(building([nvr_device, *behind]))


@pytest.mark.parametrize("fmt", list(Format))
def test_cameras_on_a_recorders_poe_ports_in_every_format(cli_env: Path, fmt: Format) -> None:
    result = run_report(str(save(recorder_poe_building(), cli_env / "d.json")), "-f", fmt.value,
                        "--no-db")  # fmt: skip
    assert result.exit_code == ExitCode.FINDINGS
    suffix = ".table.txt" if fmt is Format.TABLE else SUFFIX[fmt]
    _check(f"recorder-poe{suffix}", result.stdout)


@pytest.mark.parametrize("scenario", ["clean", "incomplete"])
def test_scenarios_as_text(cli_env: Path, scenario: str) -> None:
    make, code = SCENARIOS[scenario]
    result = run_report(str(save(make(), cli_env / "d.json")), "-f", "text", "--no-db")
    assert result.exit_code == code
    _check(f"{scenario}.txt", result.stdout)


def test_acknowledged_as_text(cli_env: Path) -> None:
    db = str(cli_env / "h.db")
    doc = save(building([lts_camera(), axis_camera()]), cli_env / "d.json")
    run_camscan("ack", "44:19:b6:12:34:56", "-r", "replacement ordered (ticket 4711)",
                "--until", "2099-12-31", "--db", db, "--new-site")  # fmt: skip
    result = run_report(str(doc), "-f", "text", "--db", db, "--no-record")
    assert result.exit_code == ExitCode.OK
    _check("acknowledged.txt", result.stdout)


def test_diff_between_two_nights(cli_env: Path) -> None:
    night1 = building([lts_camera(), amcrest_recorder(), axis_camera(), printer()])
    night2 = building([lts_camera(firmware="V5.7.3"), amcrest_recorder(),
                       axis_camera("192.0.2.41"), hostile_device()])  # fmt: skip
    _check("nights.diff", render_diff_text(diff_states(states_of(night1), states_of(night2)),
                                           "night 1", "night 2"))  # fmt: skip
    db = cli_env / "h.db"
    with History(db) as h:
        h.record(night1)
        h.record(night2)
    result = run_camscan("diff", "--db", str(db), "-f", "json")
    assert result.exit_code == ExitCode.OK  # nothing restricted appeared: not "act"
    changed = run_camscan("diff", "--db", str(db), "-f", "json", "--fail-on", "changed")
    assert changed.exit_code == ExitCode.FINDINGS  # a re-flash, a move, a new device
    assert changed.stdout == result.stdout
    assert '"new_run": 2' in result.stdout

"""The organisation report from history: the estate query, `camscan report` and its exports
(devices CSV, removal worklist, CycloneDX BOM validated by cyclonedx-python-lib), on SQLite
and on a real PostgreSQL server."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from camscan.estate import ChangeKind, Estate
from camscan.export.bom import estate_bom
from camscan.export.tables import worklist_csv
from camscan.models import Device, Location
from camscan.store import History, StoreTarget
from tests.pgserver import PW_VAR
from tests.report.cli_env import cli_env, run_camscan
from tests.report.sample_docs import (
    amcrest_recorder,
    axis_camera,
    building,
    hostile_device,
    lts_camera,
    printer,
)

__all__ = ["cli_env"]
LTS = "mac:44:19:b6:12:34:56"
DEPOT_LTS = "mac:44:19:b6:00:00:99"


def _night(day: int, devices: list[Device]):  # type: ignore[no-untyped-def]
    start = datetime(2026, 11, day, 2, 0, tzinfo=UTC)
    return building(devices, started_at=start, finished_at=start.replace(minute=5))


def _record(h: History, day: int, devices: list[Device]) -> int:
    doc = _night(day, devices)
    return h.record(doc, recorded_at=doc.finished_at.isoformat() if doc.finished_at else None)


def _estate_history(target: StoreTarget) -> None:
    where = Location(switch="sw-2f", port="Gi1/0/7", vlan=20)
    lts = lts_camera().model_copy(update={"location": where})
    with History(target, site="hq") as h:
        _record(h, 1, [lts, axis_camera(), printer()])
        _record(h, 2, [lts, axis_camera()])  # the printer is off
        lts3 = lts_camera(firmware="V5.7.3").model_copy(update={"location": where})
        _record(h, 3, [lts3, axis_camera(), printer(), amcrest_recorder(), hostile_device()])
        h.add_ack(LTS, "replacement ordered", date(2030, 1, 31))
    depot = lts_camera("192.0.2.99").model_copy(update={"mac": "44:19:b6:00:00:99"})
    with History(target, site="depot") as h:
        _record(h, 2, [depot])
        _record(h, 3, [depot])
        h.add_ack(DEPOT_LTS, "was allowed", date(2020, 1, 31))


def _estate(target: StoreTarget, since: date | None = None) -> Estate:
    with History(target, site="all") as h:
        return h.estate(since=since, today=date(2026, 11, 30))


def test_estate_counts_locations_changes_acks_and_series(target: StoreTarget) -> None:
    _estate_history(target)
    estate = _estate(target)
    assert [(s.site, s.devices, s.restricted, s.runs) for s in estate.sites] == [
        ("depot", 1, 1, 2), ("hq", 5, 0, 3),  # hq's LTS is acknowledged: not counted
    ]  # fmt: skip
    assert [(c.name, c.devices, c.restricted, c.acknowledged) for c in estate.by_site] == [
        ("depot", 1, 1, 0), ("hq", 5, 0, 1),
    ]  # fmt: skip
    maker = {c.name: (c.devices, c.restricted) for c in estate.by_maker}
    assert maker["Hikvision"] == (2, 1)  # as the scan summary counts: acknowledged apart
    assert {c.name: c.devices for c in estate.by_label}["LTS"] == 2
    assert {c.name: c.devices for c in estate.by_policy}["us-ndaa-889"] == 3
    hq_lts = next(d for d in estate.restricted if d.site == "hq")
    assert (hq_lts.location.switch, hq_lts.location.port, hq_lts.location.vlan) == (
        "sw-2f", "Gi1/0/7", 20,
    )  # fmt: skip
    assert hq_lts.first_seen == datetime(2026, 11, 1, 2, 5, tzinfo=UTC)
    assert hq_lts.firmware == "V5.7.3"
    changes = {(c.device.site, c.device.key): (c.kind, c.fields) for c in estate.changes}
    assert changes == {
        ("hq", LTS): (ChangeKind.CHANGED, ["firmware"]),
        ("hq", "mac:00:1b:a9:aa:bb:cc"): (ChangeKind.BACK, []),
        ("hq", "serial:AMC0123456789ABCDEF"): (ChangeKind.NEW, []),
        ("hq", "mac:02:00:00:00:00:66"): (ChangeKind.NEW, []),
    }
    acks = {(d.site, d.key): d.ack for d in estate.acknowledged}
    hq_ack, depot_ack = acks[("hq", LTS)], acks[("depot", DEPOT_LTS)]
    assert hq_ack is not None
    assert hq_ack.active
    assert depot_ack is not None
    assert not depot_ack.active
    assert [(p.day.day, p.by_site, p.by_maker) for p in estate.series] == [
        (1, {"hq": 1}, {"Hikvision": 1}),
        (2, {"depot": 1, "hq": 1}, {"Hikvision": 2}),
        (3, {"depot": 1, "hq": 1}, {"Hikvision": 2}),
    ]


def test_estate_since_a_day_and_for_one_site(target: StoreTarget) -> None:
    _estate_history(target)
    estate = _estate(target, since=date(2026, 11, 2))
    kinds = {(c.device.site, c.device.key): c.kind for c in estate.changes}
    assert kinds[("depot", DEPOT_LTS)] is ChangeKind.NEW  # depot's first run is in the period
    assert ("hq", "mac:00:1b:a9:aa:bb:cc") not in kinds  # present on the 1st and now
    assert [p.day.day for p in estate.series] == [2, 3]
    with History(target, site="depot") as h:
        depot = h.estate(today=date(2026, 11, 30))
    assert [s.site for s in depot.sites] == ["depot"]
    assert [d.key for d in depot.devices] == [DEPOT_LTS]
    assert depot.changes == []


def test_worklist_and_bom(target: StoreTarget) -> None:
    _estate_history(target)
    estate = _estate(target)
    rows = list(csv.DictReader(io.StringIO(worklist_csv(estate))))
    assert [(r["site"], r["device"]) for r in rows] == [("depot", DEPOT_LTS), ("hq", LTS)]
    hq = rows[1]
    assert hq["location"] == "hq / sw-2f Gi1/0/7 (VLAN 20) / 192.0.2.21"
    model = lts_camera().identification.model
    assert (hq["maker"], hq["label"], hq["model"]) == ("Hikvision", "LTS", model)
    assert hq["policy_clause"] == "§889(f)(3)(B); 47 CFR §1.50002"
    assert hq["first_seen"] == "2026-11-01"
    assert hq["ack_status"] == "acknowledged until 2030-01-31: replacement ordered"
    assert rows[0]["ack_status"] == "EXPIRED 2020-01-31: was allowed"
    bom = estate_bom(estate)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(bom) is None
    components = json.loads(bom)["components"]
    assert len(components) == 6
    lts = next(c for c in components if c["bom-ref"] == f"camscan:hq/{LTS}")
    assert (lts["type"], lts["manufacturer"]["name"], lts["name"], lts["version"]) == (
        "device", "Hikvision", model, "V5.7.3",
    )  # fmt: skip
    props = {p["name"]: p["value"] for p in lts["properties"]}
    assert props["camscan:status"] == "acknowledged"
    assert props["camscan:serial"] == lts_camera().identification.serial
    assert "camscan:serial" not in {
        p["name"] for c in components if c["bom-ref"].endswith(":00:00:66") for p in c["properties"]
    }


def test_report_command_formats(target: StoreTarget, cli_env: Path) -> None:
    _estate_history(target)
    env = (
        {PW_VAR: target.password, "CAMSCAN_HISTORY_PASSWORD_ENV": PW_VAR} if target.password else {}
    )
    args = ("--db", str(target), "--site", "all")
    data = json.loads(run_camscan("report", *args, "-f", "json", env=env).stdout)
    assert Estate.model_validate(data).total_restricted == 1  # the acknowledged one apart
    devices = run_camscan("report", *args, "-f", "csv", env=env).stdout
    rows = list(csv.DictReader(io.StringIO(devices)))
    assert len(rows) == 6
    hostile = next(r for r in rows if r["key"] == "mac:02:00:00:00:00:66")
    assert hostile["firmware"].startswith("'=")  # no formula reaches a spreadsheet
    out = cli_env / "bom.json"
    wrote = run_camscan("report", *args, "-f", "cyclonedx", "-o", str(out), env=env)
    assert wrote.exit_code == 0, wrote.output
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out.read_text()) is None
    one = run_camscan("report", "--db", str(target), "--site", "depot", "-f", "worklist", env=env)
    assert [r["site"] for r in csv.DictReader(io.StringIO(one.stdout))] == ["depot"]
    page = run_camscan("report", *args, "-f", "html", env=env).stdout
    assert "<svg" in page  # the trend charts, from the real history
    assert "<script" not in page
    assert all(f">{site}<" in page for site in ("hq", "depot"))
    markdown = run_camscan("report", *args, "-f", "markdown", env=env).stdout
    assert "depot" in markdown
    assert "hq" in markdown
    missing = run_camscan("report", "--db", str(target), "--site", "nowhere", env=env)
    assert missing.exit_code == 2
    assert "no site 'nowhere'" in missing.stderr


def test_report_text_for_a_terminal_is_aligned_and_inert(
    target: StoreTarget, cli_env: Path
) -> None:
    _estate_history(target)
    env = (
        {PW_VAR: target.password, "CAMSCAN_HISTORY_PASSWORD_ENV": PW_VAR} if target.password else {}
    )
    args = ("--db", str(target), "--site", "all")
    text = run_camscan("report", *args, "-f", "text", env=env).stdout
    lines = text.splitlines()
    assert lines[1] == "2 sites, 6 devices, 1 restricted, 1 suspected, 1 acknowledged"
    block = lines[lines.index("restricted devices (2):") + 1 : lines.index("sites (2):") - 1]
    assert len(block) == 3  # header, the acknowledged hq camera, the depot camera
    words = ("address", "192.0.2.", "192.0.2.")
    starts = {line.index(word) for line, word in zip(block, words, strict=True)}
    assert len(starts) == 1  # one column start: aligned
    assert "sw-2f port Gi1/0/7 VLAN 20" in text
    assert "was allowed (until 2020-01-31) EXPIRED" in text
    assert not any(c in text for c in "\x1b\u202e\r")  # the hostile device's label is inert
    assert "\\x1b[2J" in text  # shown escaped, as in the per-scan text report
    written = cli_env / "estate.txt"
    assert run_camscan("report", *args, "-o", str(written), env=env).exit_code == 0
    assert written.read_text().splitlines()[1] == lines[1]  # -o *.txt picks text
    piped = run_camscan("report", *args, env=env).stdout  # not a terminal: JSON by default
    assert json.loads(piped)["schema_version"] == 1

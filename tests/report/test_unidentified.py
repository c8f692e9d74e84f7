"""A device camscan could not identify is "not identified" — never "clear" — in every format.

The rule (:attr:`camscan.models.Device.status`): no maker or label, no counted evidence and no
attempt that ended ``ok``. Each format is checked on the same document; the email carries it in
both parts; ``--fail-on unidentified`` turns it into exit 1.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from camscan.config import EmailConfig
from camscan.exitcodes import ExitCode
from camscan.models import (
    AttemptStatus,
    Device,
    DeviceStatus,
    Identification,
    PolicyMatch,
    PolicyResult,
    ProbeAttempt,
)
from camscan.notify import build_message
from camscan.report import Format, render
from camscan.report.common import summarize
from tests.report.cli_env import cli_env, run_report, save
from tests.report.sample_docs import (
    axis_camera,
    building,
    clean_building,
    mixed_building,
    silent_device,
)

__all__ = ["cli_env"]

SILENT = "192.0.2.50"


def _timeouts(*probes: str) -> list[ProbeAttempt]:
    return [ProbeAttempt(probe=p, port=80, status=AttemptStatus.TIMEOUT) for p in probes]


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        (Device(address="192.0.2.1", attempts=_timeouts("http", "onvif")), "unidentified"),
        (Device(address="192.0.2.1"), "unidentified"),  # nothing ran, nothing known
        (
            Device(address="192.0.2.1", attempts=[
                ProbeAttempt(probe="http", port=80, status=AttemptStatus.REFUSED)]),
            "unidentified",
        ),
        (  # a MAC registrant names the network card's maker, not the device's
            Device(address="192.0.2.1", identification=Identification(mac_vendor="Intel")),
            "unidentified",
        ),
        (  # one probe answered: camscan looked and found no restricted maker
            Device(address="192.0.2.1", attempts=[
                *_timeouts("onvif"), ProbeAttempt(probe="http", port=80, status=AttemptStatus.OK)]),
            "clear",
        ),
        (Device(address="192.0.2.1", identification=Identification(vendor="Axis")), "clear"),
        (  # a policy verdict always wins: an OUI-only Hikvision with silent probes is suspected
            Device(address="192.0.2.1", attempts=_timeouts("http"), policy=PolicyResult(
                suspected=True, matches=[PolicyMatch(policy="p", entity="e", basis="b",
                                                     source="s", certainty="suspected")])),
            "suspected",
        ),
    ],
)  # fmt: skip
def test_the_rule(device: Device, expected: str) -> None:
    assert device.status is DeviceStatus(expected)


def test_the_status_is_in_the_scan_document_and_read_back_ignores_it() -> None:
    doc = mixed_building()
    data = json.loads(render(doc, Format.JSON))
    statuses = {d["address"]: d["status"] for d in data["devices"]}
    assert statuses[SILENT] == "unidentified"
    assert statuses["192.0.2.21"] == "restricted"
    assert statuses["192.0.2.40"] == "clear"
    lines = [json.loads(line) for line in render(doc, Format.JSONL).splitlines()]
    assert {d["address"]: d["status"] for d in lines} == statuses


def test_summary_counts_them_by_address() -> None:
    doc = building([*clean_building().devices, silent_device(), silent_device("192.0.2.51")])
    s = summarize(doc)
    assert s.unidentified == [SILENT, "192.0.2.51"]
    assert "2 not identified (192.0.2.50, 192.0.2.51)" in s.line()


@pytest.mark.parametrize("fmt", [Format.TABLE, Format.TEXT])
def test_terminal_formats_say_not_identified_on_its_line(fmt: Format) -> None:
    out = render(mixed_building(), fmt, width=250)
    line = next(line for line in out.splitlines() if SILENT in line and "00:0c:29" in line)
    assert "not identified" in line.lower()
    assert "clear" not in line


def test_csv_status_column() -> None:
    rows = list(csv.DictReader(io.StringIO(render(mixed_building(), Format.CSV))))
    silent = next(r for r in rows if r["address"] == SILENT)
    assert silent["status"] == "unidentified"
    assert [r["address"] for r in rows][:3] == ["192.0.2.21", "192.0.2.30", SILENT]


def test_html_lists_it_under_needs_attention() -> None:
    out = render(mixed_building(), Format.HTML)
    start = out.index("id='attention'")
    attention = out[start : out.index("</table>", start)]
    assert SILENT in attention
    assert "<span class='tag unidentified'>not identified</span>" in attention
    assert "no probe answered (3 timeout)" in attention
    assert "<b>1</b>not identified" in out  # the verdict tile


def test_markdown_lists_it_under_needs_attention() -> None:
    out = render(mixed_building(), Format.MARKDOWN)
    section = out[out.index("## Needs attention") : out.index("## All devices")]
    row = next(line for line in section.splitlines() if SILENT in line)
    assert row.startswith("| not identified |")
    assert "no probe answered (3 timeout)" in row


def test_email_carries_it_in_subject_text_and_html() -> None:
    cfg = EmailConfig(to=["it@example.org"], sender="camscan@example.org", smtp_host="127.0.0.1")
    msg = build_message(mixed_building(), cfg)
    assert "1 not identified" in str(msg["Subject"])
    text = msg.get_body(("plain",))
    html_part = msg.get_body(("html",))
    assert text is not None
    assert html_part is not None
    assert "NOT IDENTIFIED  192.0.2.50" in text.get_content()
    assert "tag unidentified" in html_part.get_content()


def test_fail_on_unidentified(cli_env: Path) -> None:
    doc = save(building([*clean_building().devices, silent_device()]), cli_env / "d.json")
    assert run_report(str(doc), "--no-db", "-f", "json").exit_code == ExitCode.OK
    result = run_report(str(doc), "--no-db", "-f", "json", "--fail-on", "unidentified")
    assert result.exit_code == ExitCode.FINDINGS
    assert "1 not identified (192.0.2.50)" in result.stderr
    # restricted devices still count under 'unidentified' (it widens 'restricted')
    restricted = save(building(), cli_env / "r.json")
    assert run_report(str(restricted), "--no-db", "--fail-on", "unidentified").exit_code == 1
    clean = save(clean_building(), cli_env / "c.json")
    assert run_report(str(clean), "--no-db", "--fail-on", "unidentified").exit_code == 0


def test_summary_says_how_many_cameras_may_be_recorders() -> None:
    """NEWUSER2 #7: a device typed camera-or-recorder counts as a camera, and the summary says
    how many of them are (the same phrase in the summary line and the mail subject)."""
    ident = Identification(vendor="Axis", device_type="camera-or-recorder")
    unsure = axis_camera("192.0.2.60").model_copy(
        update={"mac": "ac:cc:8e:00:00:60", "identification": ident}
    )
    doc = building([*clean_building().devices, unsure])
    assert "2 cameras (1 camera-or-recorder), 0 recorders" in summarize(doc).line()
    assert "1 camera, 0 recorders" in summarize(clean_building()).line()  # none: not said
    email = EmailConfig.model_validate({"to": ["it@example.org"], "from": "camscan@example.org"})
    mail = build_message(doc, email)
    assert "(2 cameras (1 camera-or-recorder), 0 recorders)" in str(mail["Subject"])


def test_table_names_each_refused_probe_with_its_port() -> None:
    """NEWUSER2 #14: "http refused, http refused" said nothing; each attempt with its port."""
    tried = (("rtsp", 554), ("http", 80), ("http", 8080), ("onvif", 80))
    refused = [ProbeAttempt(probe=p, port=n, status=AttemptStatus.REFUSED) for p, n in tried]
    doc = building([silent_device().model_copy(update={"attempts": refused})])
    out = render(doc, Format.TABLE, width=120)
    line = next(x for x in out.splitlines() if x.startswith(f"{SILENT}  not identified"))
    assert line.endswith("rtsp/554 refused, http/80 refused, http/8080 refused, onvif/80 refused")

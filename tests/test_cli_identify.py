"""`camscan identify`: re-identification of saved documents, bad input, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from camscan.cli import main
from camscan.exitcodes import ExitCode

DOC = {
    "schema_version": 1,
    "devices": [
        {
            "address": "192.0.2.10",
            "mac": "44:19:b6:12:34:56",
            "observations": [
                {"signal": "http.server", "value": "App-webs/", "port": 80, "source": "http"}
            ],
            # A stale verdict from an older signature set: identify must recompute it.
            "identification": {"vendor": "Axis", "confidence": 0.99},
        },
        {
            "address": "192.0.2.12",
            "mac": "ac:cc:8e:01:02:03",
            "observations": [{"signal": "http.title", "value": "AXIS", "port": 80}],
        },
    ],
}


def _invoke(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["identify", *args, "--no-db"], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_identify_rewrites_the_document(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(DOC))
    code, out, err = _invoke([str(path), "-f", "json"])
    assert code == ExitCode.FINDINGS, err
    doc = json.loads(out)
    hik, axis = doc["devices"]
    assert hik["identification"]["vendor"] == "Hikvision"
    assert hik["policy"]["restricted"] is True
    assert hik["policy"]["matches"][0]["policy"] == "us-ndaa-889"
    assert axis["identification"]["vendor"] == "Axis"
    assert axis["policy"]["restricted"] is False
    assert doc["tool"]["policies"] == ["us-ndaa-889"]
    assert "2 devices" in err


def test_identify_reads_stdin() -> None:
    code, out, _ = _invoke(["-", "-f", "json"], stdin=json.dumps(DOC))
    assert code == ExitCode.FINDINGS
    assert json.loads(out)["devices"][0]["identification"]["vendor"] == "Hikvision"


def test_fail_on_never_and_opt_in_policy(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(DOC))
    code, _, _ = _invoke([str(path), "-f", "json", "--fail-on", "never"])
    assert code == ExitCode.OK
    code, out, _ = _invoke([str(path), "-f", "json", "--policy", "us-fcc-covered-list"])
    assert json.loads(out)["tool"]["policies"] == ["us-fcc-covered-list"]


def test_truncated_document_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(DOC, indent=2)[:200])
    code, out, err = _invoke([str(path)])
    assert code == ExitCode.USAGE
    assert err.startswith(f"Error: {path}:")  # the prefix every command uses
    assert "not valid JSON" in err
    assert "Traceback" not in err + out


def test_missing_file_and_unknown_policy(tmp_path: Path) -> None:
    code, _, err = _invoke([str(tmp_path / "nope.json")])
    assert code == ExitCode.USAGE
    assert "cannot read" in err
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(DOC))
    code, _, err = _invoke([str(path), "--policy", "no-such"])
    assert code == ExitCode.USAGE
    assert "unknown policy 'no-such'" in err


CUSTOM = """\
family: initech
vendor: Initech
rules:
  - id: initech-title
    signal: http.title
    kind: firmware
    match: exact
    pattern: Initech NVR
    weight: 0.8
    device_type: recorder
    references: ["site survey 2026-11"]
    examples: ["Initech NVR"]
"""


def test_own_signature_directory_is_merged(tmp_path: Path) -> None:
    sigs = tmp_path / "sigs"
    sigs.mkdir()
    (sigs / "initech.yaml").write_text(CUSTOM)
    doc = {
        "schema_version": 1,
        "devices": [
            {
                "address": "192.0.2.9",
                "observations": [{"signal": "http.title", "value": "Initech NVR"}],
            }
        ],
    }
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(doc))
    code, out, _ = _invoke([str(path), "-f", "json", "--signatures", str(sigs)])
    assert code == ExitCode.OK
    ident = json.loads(out)["devices"][0]["identification"]
    assert (ident["vendor"], ident["device_type"]) == ("Initech", "recorder")


def test_broken_own_signatures_stop_a_scan_before_it_starts(tmp_path: Path) -> None:
    sigs = tmp_path / "sigs"
    sigs.mkdir()
    (sigs / "initech.yaml").write_text(CUSTOM.replace("weight: 0.8", "weight: high"))
    result = CliRunner().invoke(
        main, ["scan", "127.0.0.1", "--no-db", "--signatures", str(sigs), "-m", "tcp"]
    )
    assert result.exit_code == ExitCode.USAGE
    assert "initech.yaml:9: rules.0.weight" in result.stderr


def test_out_of_range_ports_are_a_located_usage_error(tmp_path: Path) -> None:
    for port in (70000, -1, 10**400):
        doc = {"schema_version": 1, "devices": [{"address": "192.0.2.10", "observations": [
            {"signal": "http.server", "value": "App-webs/", "port": port}]}]}  # fmt: skip
        path = tmp_path / "scan.json"
        path.write_text(json.dumps(doc))
        code, _, err = _invoke([str(path), "-f", "json"])
        assert code == ExitCode.USAGE, (port, err)
        assert "devices[0].observations[0].port" in err or "scan.json:" in err, err


def test_report_into_a_missing_directory_is_an_error_not_a_new_tree(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(DOC))
    target = tmp_path / "no-such-dir" / "x.html"
    code, _, err = _invoke([str(path), "-f", "html", "-o", str(target)])
    assert not target.parent.exists()
    assert f"cannot write {target}" in err
    assert code not in (0, ExitCode.FINDINGS)


def test_not_a_scan_document_and_a_device_that_is_no_address(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    path.write_text("{}")
    code, out, err = _invoke([str(path)])
    assert (code, out) == (ExitCode.USAGE, "")
    assert err.strip() == f"Error: {path}: not a camscan scan document (no schema_version)"
    bad = {**DOC, "devices": [DOC["devices"][0], {**DOC["devices"][1], "address": "not-an-ip"}]}
    path.write_text(json.dumps(bad))
    code, out, err = _invoke([str(path)])
    assert (code, out) == (ExitCode.USAGE, "")
    assert err.strip() == f"Error: {path}: devices[1].address: 'not-an-ip' is not an IP address"
    behind = {"address": "cam-1.poe", "behind": {"recorder": "192.0.2.26", "channel": 1}}
    path.write_text(json.dumps({**DOC, "devices": [behind]}))
    code, out, err = _invoke([str(path), "-f", "json"])
    assert code == ExitCode.OK, err  # the host name a recorder reports for its camera is kept
    assert json.loads(out)["devices"][0]["address"] == "cam-1.poe"

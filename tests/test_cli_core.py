"""CLI commands of the foundation: --version, signatures, policies."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from camscan.cli import main
from camscan.exitcodes import ExitCode
from tests.helpers import DATA


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version_names_the_signature_set() -> None:
    code, out, _ = _run("--version")
    assert code == 0
    assert out.startswith("camscan ")
    assert "signatures 20" in out


def test_signatures_validate_and_test_pass_on_the_shipped_set() -> None:
    code, out, _ = _run("signatures", "validate")
    assert code == 0, out
    assert out.startswith("ok: ")
    code, out, err = _run("signatures", "test")
    assert code == 0, err
    assert ", 0 failed" in out


def test_signatures_validate_reports_file_and_line(tmp_path: Path) -> None:
    shutil.copy(DATA / "sigs" / "globex.yaml", tmp_path / "globex.yaml")
    bad = (tmp_path / "globex.yaml").read_text().replace("weight: 0.6", "weight: 7")
    (tmp_path / "globex.yaml").write_text(bad)
    code, _, err = _run("signatures", "validate", "--signatures", str(tmp_path))
    assert code == ExitCode.USAGE
    assert "globex.yaml:9: rules.0.weight: Input should be less than or equal to 0.99" in err


def test_signatures_test_reports_a_failing_example(tmp_path: Path) -> None:
    text = (DATA / "sigs" / "globex.yaml").read_text().replace('["Globex httpd"]', '["Initech"]')
    (tmp_path / "globex.yaml").write_text(text)
    code, out, err = _run("signatures", "test", "--signatures", str(tmp_path))
    assert code == ExitCode.USAGE
    assert "globex:globex-http-server: example not matched: 'Initech'" in err
    assert ", 1 failed" in out


def test_signatures_list() -> None:
    code, out, _ = _run("signatures", "list")
    assert code == 0
    assert "generic" in out


def test_policies_list_marks_the_default() -> None:
    code, out, _ = _run("policies", "list")
    assert code == 0
    assert "* us-ndaa-889" in out


def test_policies_show_names_sources() -> None:
    code, out, _ = _run("policies", "show", "us-ndaa-889")
    assert code == 0
    assert "Hikvision" in out
    assert "https://" in out


def test_policies_show_unknown() -> None:
    code, _, err = _run("policies", "show", "no-such-policy")
    assert code == ExitCode.USAGE
    assert "unknown policy 'no-such-policy'" in err

"""The root-test policy of tests/conftest.py, run in a pytest sandbox as a non-root user."""

from __future__ import annotations

from pathlib import Path

import pytest

from camscan.lab import netns as nsmod

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
TESTS = """
import pytest

@pytest.mark.root
def test_needs_lab():
    assert True

@pytest.mark.root
@pytest.mark.skipif(True, reason="own skipif")
def test_own_skipif():
    assert True

def test_plain():
    assert True
"""


@pytest.fixture
def sandbox(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(nsmod.os, "geteuid", lambda: 1000)  # as if not root
    ids = tmp_path / "skipped.txt"
    monkeypatch.setenv("CAMSCAN_SKIPPED_ROOT_TESTS", str(ids))
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nmarkers =\n    root: needs root\n"
    )
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(test_sample=TESTS)
    return ids


def test_root_tests_skip_with_the_reason(
    pytester: pytest.Pytester, sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAMSCAN_REQUIRE_ROOT_TESTS", raising=False)
    result = pytester.runpytest_inprocess("-rs")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*root-only: the simulated lab needs root*"])
    # The summary gives each skip's own reason (it used to print "None" for the second kind).
    result.stdout.fnmatch_lines(
        [
            "camscan: 1 root-only test(s) skipped: own skipif",
            "camscan: 1 root-only test(s) skipped: root-only: the simulated lab needs root*",
        ]
    )
    assert "skipped: None" not in result.stdout.str()
    assert sorted(sandbox.read_text().split()) == [
        "test_sample.py::test_needs_lab",
        "test_sample.py::test_own_skipif",
    ]


def test_required_root_tests_fail_instead_of_skipping(
    pytester: pytest.Pytester, sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMSCAN_REQUIRE_ROOT_TESTS", "1")
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(passed=1, errors=2)  # a failing setup is reported as an error
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*skipped under CAMSCAN_REQUIRE_ROOT_TESTS=1*"])

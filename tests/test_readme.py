"""README stays true: every signal and exit code documented, the quick start as promised."""

from __future__ import annotations

import re

from camscan.exitcodes import ExitCode
from camscan.signals import SIGNALS
from tests.helpers import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_signal_is_documented() -> None:
    block = README.split("<!-- signals:start -->")[1].split("<!-- signals:end -->")[0]
    documented = set(re.findall(r"^\| `([^`]+)` \|", block, re.M))
    assert documented == set(SIGNALS)


def test_every_exit_code_is_documented() -> None:
    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \|", README, re.M), code


def test_quick_start_has_the_two_commands() -> None:
    quick = README.split("## Quick start")[1].split("##")[0]
    assert "make demo" in quick
    assert "make test" in quick


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
    assert "CAMSCAN_REQUIRE_ROOT_TESTS=1" in ci

"""Suite-wide test support: root-only skip logic and the simulated-lab fixtures.

- ``@pytest.mark.root`` tests need root, iproute2 and working network namespaces. Elsewhere
  they skip with the reason; with ``CAMSCAN_REQUIRE_ROOT_TESTS=1`` (CI) a root test that
  would skip - for any reason, including a fixture or ``skipif`` - fails instead. Skipped
  root test ids are written to ``$CAMSCAN_SKIPPED_ROOT_TESTS`` (default
  ``.pytest_cache/camscan-skipped-root-tests.txt``) so CI can also fail on the list.
- ``lab``: one small simulated building (examples/lab/small.yaml) per session, torn down
  even when tests fail.
- ``loopback_personas``: the same personas on 127.x addresses, for tests without root.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# pytester: tests/lab/test_root_marker.py runs this file in a sandbox; tests.pgserver: the
# throwaway PostgreSQL cluster fixtures (pg_server, pg_url).
pytest_plugins = ("pytester", "tests.pgserver")

REPO = Path(__file__).resolve().parent.parent
LAB_EXAMPLES = REPO / "examples" / "lab"
SMALL_TOPOLOGY = LAB_EXAMPLES / "small.yaml"
_SKIPPED_ROOT: dict[str, str] = {}  # node id -> skip reason
_SKIPPED_EXTRA: set[str] = set()  # shared_samples tests left out without ../shared


def _require_root_tests() -> bool:
    return os.environ.get("CAMSCAN_REQUIRE_ROOT_TESTS") == "1"


@functools.cache
def root_problem() -> str | None:
    """Why root-only tests cannot run here (None when they can): root, `ip`, namespaces."""
    from camscan.lab.netns import ip_binary, lab_support_problem

    problem = lab_support_problem()
    if problem:
        return problem
    probe = f"cs-{secrets.token_hex(3)}-br"  # swept by `lab down --all` if ever left behind
    ip = ip_binary() or "ip"
    made = subprocess.run([ip, "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"cannot create a network namespace: {made.stderr.strip()}"
    subprocess.run([ip, "netns", "del", probe], capture_output=True)
    return None


def skip_or_fail(reason: str) -> None:
    """Skip a root-only test, or fail it when CI requires root tests to run."""
    if _require_root_tests():
        pytest.fail(f"root-only test could not run (CAMSCAN_REQUIRE_ROOT_TESTS=1): {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the extra checks against ../shared/protocol-samples when the captures are not
    beside this checkout (nothing is skipped: the terminal summary says they were left out), and
    mark root-only tests skipped (with the reason) when this machine cannot run them."""
    from tests.helpers import SAMPLES

    if not SAMPLES.is_dir():
        extras = [item for item in items if item.get_closest_marker("shared_samples")]
        if extras:
            _SKIPPED_EXTRA.update(item.nodeid for item in extras)
            config.hook.pytest_deselected(items=extras)
            items[:] = [item for item in items if item not in extras]
    if not any(item.get_closest_marker("root") for item in items):
        return
    problem = root_problem()
    if problem is None:
        return
    for item in items:
        if item.get_closest_marker("root"):
            item.add_marker(pytest.mark.skip(reason=f"root-only: {problem}"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    """Record skipped root tests; with CAMSCAN_REQUIRE_ROOT_TESTS=1 the skip becomes a failure."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
    if not item.get_closest_marker("root"):
        return
    _SKIPPED_ROOT[item.nodeid] = reason.removeprefix("Skipped: ")
    if _require_root_tests():
        report.outcome = "failed"
        report.longrepr = f"root-only test skipped under CAMSCAN_REQUIRE_ROOT_TESTS=1: {reason}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the ids of skipped root tests (an empty file when none were skipped)."""
    target = os.environ.get("CAMSCAN_SKIPPED_ROOT_TESTS")
    path = Path(target) if target else REPO / ".pytest_cache" / "camscan-skipped-root-tests.txt"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{nodeid}\n" for nodeid in sorted(_SKIPPED_ROOT)), "utf-8")
    except OSError:
        pass


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say loudly how many root-only tests did not run, and why; and which extras were absent."""
    reasons: dict[str, int] = {}
    for reason in _SKIPPED_ROOT.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items()):
        terminalreporter.write_line(
            f"camscan: {count} root-only test(s) skipped: {reason}", yellow=True
        )
    if _SKIPPED_EXTRA:
        terminalreporter.write_line(
            f"camscan: {len(_SKIPPED_EXTRA)} extra check(s) against ../shared/protocol-samples "
            "left out: the real captures are not beside this checkout (every parser test ran on "
            "tests/fixtures/protocol)",
            yellow=True,
        )


@contextlib.contextmanager
def built_lab(topology: Path) -> Iterator[Any]:
    """The lab of ``topology``, up for the ``with`` block and torn down after it, also when
    the block fails; skips (fails in CI) where this machine cannot build labs."""
    problem = root_problem()
    if problem:
        skip_or_fail(problem)
    from camscan.lab import Lab

    with Lab(topology) as running:
        yield running


@pytest.fixture(scope="session")
def lab() -> Iterator[Any]:
    """The small simulated building (9 hosts, every discovery protocol), shared by a session."""
    with built_lab(SMALL_TOPOLOGY) as running:
        yield running


@pytest.fixture(scope="session")
def loopback_personas() -> Iterator[Any]:
    """The small building's personas on 127.x (HTTP 8080, HTTPS 8443, RTSP 8554); no root."""
    from camscan.lab.loopback import LoopbackLab

    with LoopbackLab(SMALL_TOPOLOGY) as running:
        yield running

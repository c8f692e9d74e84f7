"""The HTML report in a real browser (headless Debian Chromium): it shows the devices, and a
hostile device string cannot run script. Also refreshes docs/report-screenshot.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from camscan.report import Format, render
from tests.helpers import REPO
from tests.report.sample_docs import HOSTILE, building

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = REPO / "docs" / "report-screenshot.png"


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CAMSCAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CAMSCAN_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip("Debian chromium not installed (apt-get install -y chromium)")


def _chromium(page: Path, profile: Path, *extra: str) -> str:
    """Run headless Chromium on a local file; no network is involved (file:// and CSP)."""
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", "--window-size=1280,900",
        *extra, page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_report_displays_devices_and_hostile_strings_stay_text(tmp_path: Path) -> None:
    _require_browser()
    page = tmp_path / "report.html"
    page.write_text(render(building(), Format.HTML), encoding="utf-8")
    dom = _chromium(page, tmp_path / "profile", "--dump-dom")
    assert "<title>camscan report 2026-11-28 02:03 UTC</title>" in dom
    assert "pwned</title>" not in dom
    for address in ("192.0.2.21", "192.0.2.30", "192.0.2.40", "192.0.2.66", "192.0.2.90"):
        assert address in dom
    assert "<script" not in dom.lower()
    assert "<img" not in dom.lower()
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom  # shown as text

    shot = tmp_path / "shot.png"
    _chromium(page, tmp_path / "profile2", f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("CAMSCAN_UPDATE_GOLDEN") == "1" or not SCREENSHOT.exists():
        shutil.copyfile(shot, SCREENSHOT)


def test_the_check_would_catch_script_that_runs(tmp_path: Path) -> None:
    """Positive control: the same hostile string unescaped and without CSP does change the title,
    so the assertions above would fail if escaping broke."""
    _require_browser()
    page = tmp_path / "control.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><title>ok</title></head><body>{HOSTILE}</body></html>"
    )
    dom = _chromium(page, tmp_path / "profile", "--dump-dom")
    assert "<title>pwned</title>" in dom

"""The HTML report in a real browser (headless Debian Chromium): it shows the devices, a
hostile device string cannot run script, no word breaks mid-token at 1280 px or on A4, and it
prints on A4. (docs/report-screenshot.png comes from a real lab scan: scripts/screenshots.py.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from camscan.report import Format, render
from camscan.report.htmlpage import CSP
from tests.report.recorder_docs import recorder_poe_building
from tests.report.sample_docs import HOSTILE, building, mixed_building

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Test-only instrumentation, appended to a copy of the page without its CSP: every word of
# visible text must sit on one line (one client rect per whitespace-separated token), and the
# page must not scroll sideways. Results land in an attribute that --dump-dom shows.
_MEASURE = """<script>
const broken = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const inDt = !!node.parentElement.closest('.dt');
  if (node.parentElement.closest('details:not([open]) > :not(summary)')) continue;  // folded
  for (const m of node.data.matchAll(/\\S+/g)) {
    const r = document.createRange();
    r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
    const lines = new Set([...r.getClientRects()].map(c => Math.round(c.top)));
    if (lines.size > 1) broken.push({token: m[0], dt: inDt});
  }
}
document.body.setAttribute('data-measure', JSON.stringify({broken,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth}));
</script>"""


def _measure(
    html: str, tmp_path: Path, width: int, *, print_css: bool = False, unfold: bool = True
) -> dict[str, Any]:
    """Lay the page out in Chromium at ``width`` px and return the broken tokens and overflow.

    ``print_css`` applies the print stylesheet on screen (what A4 paper gets); ``unfold``
    opens the evidence on screen."""
    page_html = html.replace(f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">", "")
    assert page_html != html
    if print_css:
        page_html = page_html.replace("@media print{", "@media all{")
    elif unfold:  # on screen a reader unfolds the evidence: it must lay out cleanly too
        page_html = page_html.replace("<details ", "<details open ")
    page = tmp_path / f"measure-{width}.html"
    page.write_text(page_html.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    dom = _chromium(page, tmp_path / f"profile-{width}", "--dump-dom", width=width)
    found = re.search(r'data-measure="([^"]*)"', dom)
    assert found, "the measuring script did not run"
    result: dict[str, Any] = json.loads(unescape(found.group(1)))
    return result


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CAMSCAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CAMSCAN_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip("Debian chromium not installed (apt-get install -y chromium)")


def _chromium(page: Path, profile: Path, *extra: str, width: int = 1280) -> str:
    """Run headless Chromium on a local file; no network is involved (file:// and CSP)."""
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", f"--window-size={width},900",
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


def _realistic() -> str:
    """The mixed building without the hostile device: what a real building's report shows."""
    doc = mixed_building()
    return render(
        doc.model_copy(update={"devices": [d for d in doc.devices if d.address != "192.0.2.66"]}),
        Format.HTML,
    )


@pytest.mark.parametrize(("width", "print_css"), [(1280, False), (703, True)])
def test_no_word_breaks_mid_token_and_nothing_scrolls_sideways(
    tmp_path: Path, width: int, print_css: bool
) -> None:
    """1280 px is a laptop screen; 703 px is A4's 186 mm text width at 96 px/in."""
    _require_browser()
    measured = _measure(_realistic(), tmp_path, width, print_css=print_css)
    assert measured["overflow"] == 0
    assert [b for b in measured["broken"] if not _url(b["token"])] == []


def _url(token: str) -> bool:
    """A policy's source URL may wrap anywhere (it is longer than any column)."""
    return token.startswith("https://")


def test_hostile_tokens_break_only_inside_device_text(tmp_path: Path) -> None:
    """A 40-character hostile token may wrap inside its own cell, never push the page wide."""
    _require_browser()
    measured = _measure(render(mixed_building(), Format.HTML), tmp_path, 1280)
    assert measured["overflow"] == 0
    assert [b for b in measured["broken"] if not b["dt"]] == []


def test_measuring_would_catch_a_broken_token(tmp_path: Path) -> None:
    """Positive control: a cell too narrow for an address does report the address broken."""
    _require_browser()
    narrow = _realistic().replace(".nw{white-space:nowrap}", ".nw{overflow-wrap:anywhere}")
    narrow = narrow.replace("</style>", "td{max-width:3em}</style>")
    measured = _measure(narrow, tmp_path, 1280)
    assert {"token": "44:19:b6:12:34:56", "dt": False} in measured["broken"]


def test_prints_on_a4(tmp_path: Path) -> None:
    _require_browser()
    page = tmp_path / "report.html"
    page.write_text(render(mixed_building(), Format.HTML), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    _chromium(page, tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert boxes, "no page in the PDF"
    for w, h in boxes:  # A4 is 595.28 x 841.89 pt
        assert abs(float(w) - 595.28) < 2
        assert abs(float(h) - 841.89) < 2


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


def test_estate_report_in_chromium(tmp_path: Path) -> None:
    """The organisation report: both charts drawn, nothing sideways, a screenshot taken."""
    from camscan.report.estate_html import render_estate_html
    from tests.report.sample_estate import estate

    _require_browser()
    out = render_estate_html(estate())
    measured = _measure(out, tmp_path, 1280)
    assert measured["overflow"] == 0
    assert [b for b in measured["broken"] if not b["dt"]] == []
    page = tmp_path / "estate.html"
    page.write_text(out, encoding="utf-8")
    dom = _chromium(page, tmp_path / "profile", "--dump-dom")
    assert dom.count("<polyline ") == 4
    assert "<script" not in dom.lower()
    shot = tmp_path / "estate.png"
    _chromium(page, tmp_path / "profile2", f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("width", "print_css", "unfold"), [(1280, False, True), (794, False, False), (703, True, False)]
)
def test_cameras_behind_a_recorder_fit_without_scrolling_sideways(
    tmp_path: Path, width: int, print_css: bool, unfold: bool
) -> None:
    """NEWUSER2 #10: "203.0.113.10 behind 192.0.2.26 channel 1" and the recorder PoE location
    wrap between words, so the attention list and the inventory fit at 1280 px (evidence
    unfolded), in a window as wide as A4 (794 px) and on A4 paper; no address, MAC or port
    breaks mid-token."""
    _require_browser()
    out = render(recorder_poe_building(), Format.HTML)
    measured = _measure(out, tmp_path, width, print_css=print_css, unfold=unfold)
    assert measured["overflow"] == 0
    assert [b for b in measured["broken"] if not _url(b["token"])] == []

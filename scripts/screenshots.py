"""Regenerate the README screenshots from a real scan of the built-in lab (``make screenshots``).

1. ``camscan demo -f json`` scans the simulated building for real (network namespaces as root,
   else personas on 127.x) and saves its scan document.
2. That document is rendered as the per-scan HTML report and photographed with headless
   Chromium at 1280 px: ``docs/report-screenshot.png``.
3. For the organisation report, the same real scan is recorded into a temporary SQLite history
   as six nightly runs of two sites ("hq": the whole building, restricted devices replaced a few
   per night from night 3; "depot": the even addresses), then ``camscan report --site all -f
   html`` renders it and Chromium photographs it: ``docs/estate-screenshot.png``.

Nothing leaves the machine: the lab lives in namespaces it creates and removes, Chromium opens
local files only (and the reports' CSP forbids any fetch).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _camscan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "camscan", *args], cwd=cwd, capture_output=True, text=True,
        check=False, timeout=900,
    )  # fmt: skip


def _photograph(page: Path, png: Path, work: Path, height: int) -> None:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={work / ('profile-' + png.stem)}", "--hide-scrollbars",
           f"--window-size=1280,{height}", f"--screenshot={png}", page.as_uri()]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not png.exists():
        sys.exit(f"chromium failed: {done.stderr[-1000:]}")
    print(f"wrote {png.relative_to(REPO)}", file=sys.stderr)


def _estate(doc_json: str, work: Path) -> Path:
    """Record the real scan as six nights of two sites; return the rendered estate page."""
    from camscan.models import DeviceStatus, ScanDocument
    from camscan.store import History, parse_target

    doc = ScanDocument.model_validate_json(doc_json)
    db = work / "estate.sqlite3"
    restricted = [d.address for d in doc.devices if d.status is DeviceStatus.RESTRICTED]
    first = (doc.started_at or datetime.now(UTC)) - timedelta(days=5)
    for site in ("hq", "depot"):
        with History(parse_target(str(db)), site=site) as history:
            for night in range(6):
                gone = set(restricted[::2][: 3 * max(night - 1, 0)]) if site == "hq" else set()
                devices = [
                    d for d in doc.devices
                    if d.address not in gone
                    and (site == "hq" or int(d.address.rsplit(".", 1)[-1]) % 2 == 0)
                ]  # fmt: skip
                start = first + timedelta(days=night)
                history.record(
                    doc.model_copy(update={"devices": devices, "started_at": start,
                                           "finished_at": start + timedelta(minutes=4)}),
                    recorded_at=(start + timedelta(minutes=4)).isoformat(),
                )  # fmt: skip
    page = work / "estate.html"
    done = _camscan("report", "--db", str(db), "--site", "all", "-f", "html", "-o", str(page),
                    cwd=work)  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"camscan report failed: {done.stderr[-2000:]}")
    return page


def main() -> None:
    """Run the demo scan, render both reports, photograph them into docs/."""
    from camscan.models import ScanDocument
    from camscan.report import Format, render

    if not Path(CHROMIUM).exists():
        sys.exit("chromium is needed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="camscan-shots-") as tmp:
        work = Path(tmp)
        demo = _camscan("demo", "-f", "json", cwd=work)
        if demo.returncode not in (0, 1):  # 1: restricted hardware found, as designed
            sys.exit(f"camscan demo failed ({demo.returncode}): {demo.stderr[-2000:]}")
        doc_json = demo.stdout
        doc = ScanDocument.model_validate_json(doc_json)
        print(f"demo scan: {len(doc.devices)} devices", file=sys.stderr)
        page = work / "report.html"
        page.write_text(render(doc, Format.HTML), encoding="utf-8")
        _photograph(page, DOCS / "report-screenshot.png", work, 1000)
        _photograph(_estate(doc_json, work), DOCS / "estate-screenshot.png", work, 1100)


if __name__ == "__main__":
    main()

"""Two site scanners in the simulated building record into one PostgreSQL database, and
`camscan report --site all` shows both sites (issue 9's "done when")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.pgserver import PgServer
from tests.scan.conftest import ScanLab

pytestmark = pytest.mark.root


def test_two_sites_scan_into_one_postgresql(scan_lab: ScanLab, pg_server: PgServer) -> None:
    name = pg_server.create_database()
    # The unix socket: the lab's namespaces share the file system, not the loopback interface.
    url = f"postgresql://camscan@/{name}?host={pg_server.dir / 'sock'}&port={pg_server.port}"
    try:
        for site in ("hq", "depot"):
            cmd = scan_lab.lab.command(
                [sys.executable, "-m", "camscan", "scan", "--iface", scan_lab.lab.auditor_iface,
                 "--timeout", "1.5", "--db", url, "--site", site, "-q", "192.0.2.0/24"]
            )  # fmt: skip
            scan = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
            assert scan.returncode == 1, scan.stderr[-2000:]  # restricted hardware found
        report = subprocess.run(
            [sys.executable, "-m", "camscan", "report", "--db", url, "--site", "all"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert report.returncode == 0, report.stderr
        estate = json.loads(report.stdout)
        sites = {s["site"]: s for s in estate["sites"]}
        assert set(sites) == {"hq", "depot"}
        assert sites["hq"]["devices"] == sites["depot"]["devices"] == 9
        assert sites["hq"]["restricted"] == sites["depot"]["restricted"] >= 4
        page = subprocess.run(
            [sys.executable, "-m", "camscan", "report", "--db", url, "--site", "all", "-f", "html"],
            capture_output=True, text=True, timeout=120, check=False,
        ).stdout  # fmt: skip
        assert "<svg" in page
    finally:
        pg_server.drop_database(name)

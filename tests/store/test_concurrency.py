"""Many scanners, one history: concurrent writers of different sites, and a writer SIGKILLed
in the middle of a run. On SQLite and on a real PostgreSQL server.

Each scanner is a real `camscan history import` process replaying saved scan documents.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import sqlalchemy as sa

from camscan.models import Device
from camscan.store import History, StoreTarget
from tests.helpers import REPO
from tests.pgserver import PW_VAR
from tests.report.sample_docs import building, lts_camera

SITES = ("north", "south", "east", "west")
NIGHTS = 4


def _night(site: int, night: int) -> list[Device]:
    """A site's devices on one night: 30 cameras, one re-flashed and one added per night."""
    devices = []
    for i in range(30 + night):
        fw = f"V5.{night}" if i == 0 else "V5.0"
        devices.append(
            lts_camera(f"198.51.{100 + site}.{i + 1}", firmware=fw).model_copy(
                update={"mac": f"02:00:00:{site:02x}:00:{i:02x}"}
            )
        )
    return devices


def _env(target: StoreTarget) -> dict[str, str]:
    """The environment of a scanner process: PostgreSQL password from a named variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMSCAN_")}
    env["PYTHONPATH"] = str(REPO)
    if target.password is not None:
        env[PW_VAR] = target.password
        env["CAMSCAN_HISTORY_PASSWORD_ENV"] = PW_VAR
    return env


def _url(target: StoreTarget) -> str:
    return str(target.path) if target.path else target.url.render_as_string(hide_password=True)


def test_concurrent_sites_lose_nothing(target: StoreTarget, tmp_path: Path) -> None:
    docs: dict[str, list[Path]] = {}
    for s, site in enumerate(SITES):
        for night in range(NIGHTS):
            path = tmp_path / f"{site}-{night}.json"
            path.write_text(building(_night(s, night)).model_dump_json(), encoding="utf-8")
            docs.setdefault(site, []).append(path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "camscan", "history", "import", *map(str, docs[site]),
             "--db", _url(target), "--site", site],
            env=_env(target), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for site in SITES
    ]  # fmt: skip
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()
    with History(target, site="all") as h:
        runs = h.runs(1000)
        assert len(runs) == len(SITES) * NIGHTS
        for run in runs:
            states = h.states(run.id)
            assert len(states) == run.devices
            night = run.devices - 30
            assert {s.firmware for s in states.values()} == (
                {f"V5.{night}", "V5.0"} if night else {"V5.0"}
            )
        with h.transaction() as conn:
            n_states = conn.execute(sa.text("SELECT count(*) FROM states")).scalar_one()
        # each site: 33 devices, plus one new firmware state per night for camera 0
        assert n_states == len(SITES) * (30 + NIGHTS - 1 + NIGHTS - 1)


def test_sigkilled_writer_leaves_no_half_run(target: StoreTarget) -> None:
    with History(target, site="steady") as h:
        h.record(building())
    url = _url(target)
    pw_env = PW_VAR if target.password is not None else None
    code = textwrap.dedent(
        f"""
        from camscan.models import Observation
        from camscan.store import History, parse_target
        from tests.report.sample_docs import building, lts_camera
        many = [Observation(signal="http.body", value="x" * 200 + str(i)) for i in range(3000)]
        t = parse_target({url!r}, password_env={pw_env!r})
        n = 0
        with History(t, site="victim") as h:
            print("go", flush=True)
            while True:
                n += 1
                devs = [
                    lts_camera(f"192.0.2.{{i}}").model_copy(update={{
                        "mac": f"02:00:00:00:{{n % 256:02x}}:{{i:02x}}",
                        "observations": many}})
                    for i in range(1, 40)
                ]
                h.record(building(devs))
        """
    )
    env = _env(target)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"go"
        time.sleep(1.5)  # inside a run's transaction most of the time (each run is large)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with History(target, site="steady") as h:
        assert len(h.states(h.runs()[0].id)) == 5
    with History(target, site="victim") as h:
        for run in h.runs(1000):  # every run that made it in is whole
            assert len(h.states(run.id)) == run.devices == 39
            obs = h.observations(run.id, next(iter(h.states(run.id))))
            assert len(obs) == 3000
        if target.path is not None:
            with h.transaction() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

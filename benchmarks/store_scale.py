"""The multi-site store at organisation scale, in a real PostgreSQL server.

Replays SITES × DEVICES × NIGHTS nightly runs (synthetic but realistic scan documents: ~10 %
Hikvision/Dahua and their OEM labels, 8 observations per device, each night ~0.5 % of devices
re-flashed or moved, ~0.2 % gone and ~0.2 % new) into a throwaway PostgreSQL cluster
(tests/pgserver.py, fsync on) with WORKERS scanner processes writing different sites at once,
then measures:

- ingest time per run (History.record: identity, states, spans, one transaction), wall time
  (mean / median / p95 / max) and the scanner process's CPU time (median / p95);
- database size (pg_database_size) and rows per table;
- `camscan report --site all` (JSON and HTML) and `camscan diff --site all` as real CLI
  processes: wall and CPU time (user + system), median of 3, next to `camscan --version`'s
  (the interpreter's start-up). On a shared machine the CPU times are the stable numbers.

    python benchmarks/store_scale.py [--sites 100] [--devices 500] [--nights 365] [--workers 2]
        [--json out.json]

The full size (100 × 500 × 365 = 36,500 runs) takes hours on a 2-core machine; a run with
fewer sites or nights is a stated fraction, and docs/benchmarks.md says how it extrapolates.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from camscan.models import (  # noqa: E402
    Device,
    Identification,
    Observation,
    PolicyMatch,
    PolicyResult,
    ScanDocument,
)
from camscan.store import History, parse_target  # noqa: E402
from tests.pgserver import PgServer  # noqa: E402

PW_VAR = "CAMSCAN_BENCH_PGPASSWORD"
START = datetime(2025, 11, 30, 2, 0, tzinfo=UTC)
MAKERS = [  # (vendor, brand, weight, restricted)
    ("Hikvision", None, 6, True), ("Hikvision", "LTS", 2, True), ("Dahua", "Amcrest", 2, True),
    ("Axis", None, 30, False), ("Hanwha Vision", None, 20, False), ("Bosch", None, 15, False),
    ("Avigilon", None, 15, False), ("Mobotix", None, 10, False),
]  # fmt: skip
NDAA = PolicyMatch(policy="us-ndaa-889", entity="listed", basis="named entity",
                   source="https://www.law.cornell.edu/uscode/text/41/3901",
                   clause="§889(f)(3)(B)")  # fmt: skip


def _device(site: int, n: int, rng: random.Random, fw: int, moved: int) -> Device:
    vendor, brand, _, restricted = rng.choices(MAKERS, weights=[m[2] for m in MAKERS])[0]
    model = f"{vendor[:3].upper()}-{rng.randint(1000, 9999)}"
    address = f"2001:db8:{site:x}::{n + moved * 4096:x}"  # documentation prefix, only stored
    obs = [
        Observation(signal="tcp.open", value=str(p), port=p, source="tcp") for p in (80, 554)
    ] + [
        Observation(signal="http.server", value=f"{vendor}-webs/{fw}", port=80, source="http"),
        Observation(signal="onvif.manufacturer", value=brand or vendor, port=80, source="onvif"),
        Observation(signal="onvif.model", value=model, port=80, source="onvif"),
        Observation(signal="onvif.firmware", value=f"V{fw}.0", port=80, source="onvif"),
        Observation(signal="onvif.serial", value=f"S{site:03d}{n:05d}", port=80, source="onvif"),
        Observation(signal="rtsp.server", value=f"{vendor} RTSP", port=554, source="rtsp"),
    ]
    return Device(
        address=address,
        mac=f"02:{site >> 8:02x}:{site & 255:02x}:00:{n >> 8 & 255:02x}:{n & 255:02x}",
        observations=obs,
        identification=Identification(vendor=vendor, brand=brand, model=model,
                                      firmware=f"V{fw}.0", device_type="camera",
                                      confidence=0.9),
        policy=PolicyResult(restricted=restricted, matches=[NDAA] if restricted else []),
    )  # fmt: skip


class Site:
    """One site's devices evolving night by night (seeded, so every run is reproducible)."""

    def __init__(self, site: int, devices: int) -> None:
        self.site = site
        self.rng = random.Random(site)
        self.next_id = devices
        self.state = dict.fromkeys(range(devices), (1, 0))  # device n → (firmware, moves)

    def night(self, night: int) -> ScanDocument:
        if night:
            for n in list(self.state):
                r = self.rng.random()
                fw, moved = self.state[n]
                if r < 0.003:
                    self.state[n] = (fw + 1, moved)
                elif r < 0.005:
                    self.state[n] = (fw, moved + 1)
                elif r < 0.007:
                    del self.state[n]
            for _ in range(self.rng.choice([0, 1, 1, 2])):
                self.state[self.next_id] = (1, 0)
                self.next_id += 1
        devices = [
            _device(self.site, n, random.Random(self.site * 1_000_003 + n), fw, moved)
            for n, (fw, moved) in sorted(self.state.items())
        ]
        at = START + timedelta(days=night)
        return ScanDocument(started_at=at, finished_at=at + timedelta(minutes=4),
                            scope=[f"site-{self.site}"], devices=devices)  # fmt: skip


def _worker(args: tuple[str, str, list[int], int, int]) -> list[tuple[float, float]]:
    """One scanner host replaying its sites night by night: (wall, CPU) seconds per record()."""
    url, password, sites, devices, nights = args
    target = parse_target(url, password_env=PW_VAR, env={PW_VAR: password})
    timings: list[tuple[float, float]] = []
    generators = {s: Site(s, devices) for s in sites}
    for night in range(nights):
        for s in sites:
            doc = generators[s].night(night)
            stamp = (doc.finished_at or START).isoformat()
            with History(target, site=f"site-{s:03d}") as history:  # as a nightly scan does
                t0, c0 = time.perf_counter(), time.process_time()
                history.record(doc, recorded_at=stamp)
                timings.append((time.perf_counter() - t0, time.process_time() - c0))
    return timings


def _cli(url: str, password: str, *args: str) -> tuple[float, float]:
    """Median wall time and CPU time (user + system) of a camscan command, over 3 runs."""
    env = {**os.environ, PW_VAR: password, "CAMSCAN_HISTORY_PASSWORD_ENV": PW_VAR,
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    walls, cpus = [], []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        extra = ["--db", url, "--site", "all"] if args[0] != "--version" else []
        result = subprocess.run(
            [sys.executable, "-m", "camscan", *args, *extra],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if result.returncode not in (0, 1):
            raise RuntimeError(f"camscan {' '.join(args)}: {result.stderr}")
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    with PgServer(fsync=True) as pg:
        name = pg.create_database()
        url = pg.url(name)
        with History(parse_target(url, password_env=PW_VAR, env={PW_VAR: pg.password})):
            pass  # migrate once before the scanners start
        chunks = [list(range(opts.sites))[i :: opts.workers] for i in range(opts.workers)]
        t0 = time.perf_counter()
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(opts.workers) as pool:
            parts = pool.map(
                _worker, [(url, pg.password, c, opts.devices, opts.nights) for c in chunks if c]
            )
        wall = time.perf_counter() - t0
        timings = sorted(w for part in parts for w, _ in part)
        cpu = sorted(c for part in parts for _, c in part)
        with psycopg_db(pg, name) as conn:
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
            rows = {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[arg-type]
                for t in ("runs", "devices", "states", "observations", "spans")
            }
            conn.execute("VACUUM ANALYZE")
        startup = _cli(url, pg.password, "--version")
        report = _cli(url, pg.password, "report", "-f", "json")
        report_html = _cli(url, pg.password, "report", "-f", "html")
        diff = _cli(url, pg.password, "diff", "-f", "json")
        pg.drop_database(name)
    result: dict[str, Any] = {
        "sites": opts.sites, "devices": opts.devices, "nights": opts.nights,
        "workers": opts.workers, "runs": len(timings), "ingest_wall_s": round(wall, 1),
        "ingest_mean_s": round(statistics.mean(timings), 4),
        "ingest_median_s": round(statistics.median(timings), 4),
        "ingest_p95_s": round(timings[int(len(timings) * 0.95)], 4),
        "ingest_max_s": round(timings[-1], 4), "db_bytes": size, "rows": rows,
        "ingest_cpu_median_s": round(statistics.median(cpu), 4),
        "ingest_cpu_p95_s": round(cpu[int(len(cpu) * 0.95)], 4),
        "startup_s": [round(x, 2) for x in startup],
        "report_json_s": [round(x, 2) for x in report],
        "report_html_s": [round(x, 2) for x in report_html],
        "diff_s": [round(x, 2) for x in diff],
        "load_average": os.getloadavg()[0],
        "cpus": os.cpu_count(), "measured": datetime.now(UTC).strftime("%Y-%m-%d"),
    }  # fmt: skip
    print(json.dumps(result, indent=2))
    if opts.json:
        opts.json.write_text(json.dumps(result, indent=2) + "\n")


def psycopg_db(pg: PgServer, name: str) -> Any:
    """An autocommit connection to the benchmark database over the private socket."""
    import psycopg

    return psycopg.connect(host=str(pg.dir / "sock"), port=pg.port, user="camscan",
                           dbname=name, autocommit=True)  # fmt: skip


if __name__ == "__main__":
    main()

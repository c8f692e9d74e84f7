"""The multi-site store at organisation scale, in a real PostgreSQL server.

Replays SITES × DEVICES × NIGHTS nightly runs (synthetic but realistic scan documents: ~10 %
Hikvision/Dahua and their OEM labels, 8 observations per device; each night ~0.3 % of devices
re-flashed, ~0.2 % moved, ~0.2 % gone, 0-2 new, and at ~5 % of sites a restricted device
acknowledged for 90 days, at ~2 % one withdrawn) into a PostgreSQL cluster that the script
starts itself (tests/pgserver.py, fsync on). WORKERS scanner processes write different sites
at the same time, as an organisation's per-site scanners do, each night doing what
`camscan scan` does with history: apply the site's acknowledgements, compare with the previous
complete run (timed every 7th night, to keep the replay short), record the run (one
transaction). It measures:

- per run: ``record`` (identity, states, spans) and the whole nightly history work, wall time
  (median / p95 / p99 / max) and the scanner process's CPU time; opening the history afresh;
- database size (pg_database_size, before and after VACUUM) and rows per table;
- every `camscan report --site all` format and `camscan diff` (every site's last two runs, and
  two sites' last runs against each other) as real CLI processes: wall and CPU time (user +
  system), median of ``--repeat``, next to `camscan --version` (the interpreter's start-up).

    python benchmarks/store_scale.py [--sites 100] [--devices 500] [--nights 365] [--workers 3]
        [--repeat 3] [--keep DIR [--measure-only]] [--json out.json]

``--keep DIR`` keeps the cluster in DIR; ``--measure-only`` then times the CLI again on it
without replaying (e.g. after changing a query); ``--resume`` adds the nights each site is
missing up to ``--nights`` (a replay stopped part way), timing those runs.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from camscan.diff import diff_states  # noqa: E402
from camscan.models import (  # noqa: E402
    Device,
    Identification,
    Observation,
    PolicyMatch,
    PolicyResult,
    ScanDocument,
)
from camscan.store import History, parse_target  # noqa: E402
from camscan.store.identity import norm_mac  # noqa: E402
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
    """One site's devices evolving night by night (seeded, so every run is reproducible).

    Each night ~0.3 % of devices are re-flashed, ~0.2 % move, ~0.2 % disappear and 0-2 appear;
    now and then someone acknowledges a restricted device for 90 days or withdraws an
    acknowledgement. An unchanged device is the same object night after night (a real scanner
    builds new ones, but that is the scan's cost, not the store's).
    """

    def __init__(self, site: int, devices: int) -> None:
        self.site = site
        self.name = f"site-{site:03d}"
        self.rng = random.Random(site)
        self.next_id = devices
        self.state = dict.fromkeys(range(devices), (1, 0))  # device n → (firmware, moves)
        self.built: dict[int, tuple[tuple[int, int], Device]] = {}
        self.acked: set[str] = set()

    def _built(self, n: int) -> Device:
        state = self.state[n]
        cached = self.built.get(n)
        if cached is None or cached[0] != state:
            rng = random.Random(self.site * 1_000_003 + n)
            cached = (state, _device(self.site, n, rng, *state))
            self.built[n] = cached
        return cached[1]

    def night(self, night: int) -> tuple[ScanDocument, list[tuple[str, date | None]]]:
        """The night's scan document and acknowledgement changes (key, until; None: withdraw)."""
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
                    self.built.pop(n, None)
            for _ in range(self.rng.choice([0, 1, 1, 2])):
                self.state[self.next_id] = (1, 0)
                self.next_id += 1
        devices = [self._built(n) for n in sorted(self.state)]
        at = START + timedelta(days=night)
        acks: list[tuple[str, date | None]] = []
        if self.rng.random() < 0.05:
            restricted = [d for d in devices if d.policy.restricted]
            key = "mac:" + norm_mac(self.rng.choice(restricted).mac or "")
            acks.append((key, at.date() + timedelta(days=90)))
            self.acked.add(key)
        if self.acked and self.rng.random() < 0.02:
            key = self.rng.choice(sorted(self.acked))
            acks.append((key, None))
            self.acked.discard(key)
        doc = ScanDocument(started_at=at, finished_at=at + timedelta(minutes=4),
                           scope=[f"site-{self.site}"], devices=devices)  # fmt: skip
        return doc, acks


Timing = tuple[float, float, float, float]  # record wall, CPU; whole nightly history wall, CPU
COMPARE_EVERY = 7  # the scan's comparison with the previous run, timed every 7th night


def _nightly(history: History, doc: ScanDocument, day: date) -> ScanDocument:
    """What `camscan scan` does with history before recording (cli.output._with_history):
    apply the site's acknowledgements and compare with the previous complete run."""
    doc = history.apply_acks(doc, day)
    now = history.states_of(doc)
    previous = history.runs(1, complete_only=True)
    if previous:
        diff_states(history.states(previous[0].id), now, history.keys_seen(previous[0].id))
    return doc


def _worker(
    args: tuple[str, str, list[int], int, int, bool],
) -> tuple[list[Timing], list[float]]:
    """One scanner host replaying its sites night by night: timings per run, and of opening
    the history afresh (sampled every 30th night: what a scan pays before its first packet).

    ``resume``: skip (generate without recording) the nights each site already has, record
    the rest, and time the nightly comparison on every one of them."""
    url, password, sites, devices, nights, resume = args
    target = parse_target(url, password_env=PW_VAR, env={PW_VAR: password})
    timings: list[Timing] = []
    opens: list[float] = []
    generators = {s: Site(s, devices) for s in sites}
    every = 1 if resume else COMPARE_EVERY
    with History(target, site=generators[sites[0]].name) as shared:
        done = {s: len(shared.at_site(generators[s].name).runs(100_000)) if resume else 0
                for s in sites}  # fmt: skip
        for night in range(nights):
            for s in sites:
                gen = generators[s]
                doc, acks = gen.night(night)
                if night < done[s]:
                    continue
                history = shared.at_site(gen.name)
                for key, until in acks:  # a person's action, not part of the nightly run
                    if until is None:
                        history.remove_ack(key)
                    else:
                        history.add_ack(key, "replacement ordered", until)
                if night % 30 == 29:
                    t0 = time.perf_counter()
                    with History(target, site=gen.name):
                        opens.append(time.perf_counter() - t0)
                stamp = (doc.finished_at or START).isoformat()
                day = (doc.started_at or START).date()
                t0, c0 = time.perf_counter(), time.process_time()
                nightly = night % every == every - 1
                doc = _nightly(history, doc, day) if nightly else history.apply_acks(doc, day)
                t1, c1 = time.perf_counter(), time.process_time()
                history.record(doc, recorded_at=stamp)
                t2, c2 = time.perf_counter(), time.process_time()
                timings.append((t2 - t1, c2 - c1, t2 - t0 if nightly else -1, c2 - c0))
            if sites[0] == 0 and night % 10 == 9:
                print(f"night {night + 1}/{nights}: {time.strftime('%H:%M:%S')}",
                      file=sys.stderr, flush=True)  # fmt: skip
    return timings, opens


def _cli(
    url: str, password: str, *args: str, repeat: int = 3, timeout: float = 600
) -> dict[str, Any]:
    """Median wall time, CPU time (user + system) and output size of a camscan command."""
    env = {**os.environ, PW_VAR: password, "CAMSCAN_HISTORY_PASSWORD_ENV": PW_VAR,
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    walls, cpus = [], []
    size = 0
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        extra = ["--db", url, "--site", "all"] if args[0] != "--version" else []
        try:
            result = subprocess.run(
                [sys.executable, "-m", "camscan", *args, *extra],
                env=env, capture_output=True, text=True, timeout=timeout,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return {"timeout_s": timeout}
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if result.returncode not in (0, 1):
            return {"error": result.stderr.strip()[-300:], "exit": result.returncode}
        size = len(result.stdout.encode())
    return {"wall_s": round(statistics.median(walls), 2),
            "cpu_s": round(statistics.median(cpus), 2), "bytes": size}  # fmt: skip


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 4)


def _ingest(url: str, password: str, opts: argparse.Namespace) -> dict[str, Any]:
    chunks = [list(range(opts.sites))[i :: opts.workers] for i in range(opts.workers)]
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(opts.workers) as pool:
        parts = pool.map(
            _worker,
            [(url, password, c, opts.devices, opts.nights, opts.resume) for c in chunks if c],
        )
    wall = time.perf_counter() - t0
    timings = [t for part, _ in parts for t in part]
    opens = [o for _, part in parts for o in part]
    record, record_cpu = [t[0] for t in timings], [t[1] for t in timings]
    nightly = [t[2] for t in timings if t[2] >= 0]
    nightly_cpu = [t[3] for t in timings if t[2] >= 0]
    return {
        "runs": len(timings), "ingest_wall_s": round(wall, 1),
        "record_median_s": _pct(record, 0.5), "record_p95_s": _pct(record, 0.95),
        "record_p99_s": _pct(record, 0.99), "record_max_s": _pct(record, 1.0),
        "record_cpu_median_s": _pct(record_cpu, 0.5), "record_cpu_p95_s": _pct(record_cpu, 0.95),
        "nightly_median_s": _pct(nightly, 0.5), "nightly_p95_s": _pct(nightly, 0.95),
        "nightly_max_s": _pct(nightly, 1.0),
        "nightly_cpu_median_s": _pct(nightly_cpu, 0.5), "nightly_samples": len(nightly),
        "open_median_s": _pct(opens, 0.5) if opens else None,
        "load_average_during": os.getloadavg(),
    }  # fmt: skip


def _measure(pg: PgServer, name: str, repeat: int) -> dict[str, Any]:
    url = pg.url(name)
    with psycopg_db(pg, name) as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        rows = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[arg-type]
            for t in ("runs", "devices", "states", "observations", "spans", "acks")
        }
        conn.execute("VACUUM ANALYZE")
        vacuumed = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        last = sorted(r[0] for r in conn.execute(  # a diff compares two runs of one site
            "SELECT r.id FROM runs r JOIN sites s ON s.id = r.site_id "
            "WHERE s.name = 'site-000' ORDER BY r.id DESC LIMIT 2"
        ))  # fmt: skip
    cli: dict[str, Any] = {"--version": _cli(url, pg.password, "--version", repeat=repeat)}
    for fmt in ("text", "json", "csv", "worklist", "markdown", "html"):
        cli[f"report -f {fmt}"] = _cli(url, pg.password, "report", "-f", fmt, repeat=repeat)
    # cyclonedx-python-lib spends milliseconds per component (sorted sets of rich objects, a
    # linear dependency lookup per component): once, with a limit.
    cli["report -f cyclonedx"] = _cli(url, pg.password, "report", "-f", "cyclonedx", repeat=1,
                                      timeout=900)  # fmt: skip
    cli["diff (every site's last two runs)"] = _cli(url, pg.password, "diff", "-f", "json",
                                                    repeat=repeat)  # fmt: skip
    if len(last) == 2:
        cli["diff site-000's last two runs by id"] = _cli(url, pg.password, "diff", str(last[0]),
                                                str(last[1]), repeat=repeat)  # fmt: skip
    return {"db_bytes": size, "db_bytes_after_vacuum": vacuumed, "rows": rows, "cli": cli}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each CLI command")
    parser.add_argument("--keep", type=Path, help="keep the cluster in DIR (measure it again)")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="only time the CLI on the database kept in --keep DIR",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="add the missing nights to the database kept in --keep DIR",
    )
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    if (opts.measure_only or opts.resume) and opts.keep is None:
        parser.error("--measure-only and --resume need --keep DIR")
    result: dict[str, Any] = {
        "sites": opts.sites, "devices": opts.devices, "nights": opts.nights,
        "workers": opts.workers, "cpus": os.cpu_count(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    with PgServer(fsync=True, keep=opts.keep) as pg:
        name = "bench"
        if not opts.measure_only:
            if not opts.resume:
                pg.drop_database(name)
                pg.create_database(name)
            with History(parse_target(pg.url(name), password_env=PW_VAR,
                                      env={PW_VAR: pg.password})):  # fmt: skip
                pass  # migrate once before the scanners start
            result.update(_ingest(pg.url(name), pg.password, opts))
            print(json.dumps(result, indent=2), file=sys.stderr, flush=True)
        result.update(_measure(pg, name, opts.repeat))
        if opts.keep is None:
            pg.drop_database(name)
    result["load_average_end"] = os.getloadavg()
    result["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
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

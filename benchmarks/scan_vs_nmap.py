"""Benchmark: camscan's full audit vs `nmap -sV` with camera scripts, in the large lab.

Run as root (it builds network namespaces):  ``.venv/bin/python benchmarks/scan_vs_nmap.py``

Both tools run inside the lab's auditor namespace against the same addresses and ports:
  * /24   — 192.0.2.0/24 of examples/lab/large.yaml (254 addresses, a handful of devices);
  * both  — the two /24s of the large lab (508 addresses);
  * /16   — camscan only: 198.51.0.0/16 (65,534 addresses). Only 198.51.100.0/24 exists in
    the lab; the auditor namespace has no route for the rest, so those connects fail in the
    kernel and no packet leaves the namespace. It measures scheduling and memory at /16 scale;
  * scale — camscan only, no lab: 16 to 1,000 live loopback personas (tests/scan/crowd.py, one
    process serving them all on 127.N.x.y) to see how wall time and peak memory grow.
camscan runs with no ``--iface`` (the routing table picks the interface, as for a new user).
Wall time and peak RSS come from a tiny wrapper that runs each tool as its child and reads
``getrusage(RUSAGE_CHILDREN)``. "Correct" compares each tool's answer with the maker behind
each persona. Results go to docs/benchmarks.md between the scan-benchmark markers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET  # nmap's own output, not device input
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from camscan.discover.tcp import default_ports  # noqa: E402
from camscan.lab import Lab, lab_support_problem  # noqa: E402

LARGE = REPO / "examples" / "lab" / "large.yaml"
DOC = REPO / "docs" / "benchmarks.md"
START, END = "<!-- scan-benchmark:start -->", "<!-- scan-benchmark:end -->"
NMAP_SCRIPTS = "broadcast-wsdd-discover,http-title,http-server-header,rtsp-methods"

# The real maker behind each persona (None: not a camera maker / unknown OEM).
TRUTH: dict[str, str | None] = {
    "hikvision": "Hikvision",
    "lts": "Hikvision",
    "ezviz": "Hikvision",
    "annke": "Hikvision",
    "dahua": "Dahua",
    "amcrest": "Dahua",
    "lorex": "Dahua",
    "axis": "Axis",
    "uniview": "Uniview",
    "hanwha": "Hanwha",
    "bosch": "Bosch",
    "tplink": "TP-Link",
}

_WRAPPER = (
    "import json,resource,subprocess,sys,time;t=time.monotonic();"
    "p=subprocess.run(sys.argv[2:],stdout=open(sys.argv[1],'wb'),stderr=subprocess.PIPE);"
    "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
    "print(json.dumps({'rc':p.returncode,'wall':time.monotonic()-t,'rss_kib':u.ru_maxrss,"
    "'cpu':u.ru_utime+u.ru_stime,"
    "'stderr':p.stderr.decode(errors='replace')[-2000:]}))"
)


def truth_for(persona: str) -> str | None:
    name = Path(persona).stem
    for prefix, vendor in TRUTH.items():
        if name.startswith(prefix):
            return vendor
    return None


def measured(lab: Lab | None, out: Path, argv: list[str], timeout: float = 1800) -> dict[str, Any]:
    wrapped = [sys.executable, "-c", _WRAPPER, str(out), *argv]
    if lab is None:  # loopback only
        result = subprocess.run(wrapped, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    else:
        result = lab.exec(wrapped, timeout=timeout)
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"wrapper failed: {result.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def camscan_run(lab: Lab | None, targets: list[str], out: Path, *extra: str) -> dict[str, Any]:
    load = os.getloadavg()[0]
    argv = [
        sys.executable, "-m", "camscan", "scan", "--no-db", "-f", "json", "-q", *extra, *targets,
    ]  # fmt: skip
    stats = measured(lab, out, argv)
    stats["load"] = (load + os.getloadavg()[0]) / 2
    doc = json.loads(out.read_text())
    stats["doc"] = doc
    stats["answers"] = {d["address"]: d["identification"]["vendor"] for d in doc["devices"]}
    stats["complete"] = doc["complete"]
    failed = [a["reason"] for a in doc["attempts"] if a["probe"] == "identify"]
    if failed:  # e.g. a signature file mid-edit in a shared tree: say so, do not score 0
        raise RuntimeError(f"identification failed: {failed[0]}")
    return stats


def nmap_run(lab: Lab, targets: list[str], out: Path) -> dict[str, Any]:
    ports = ",".join(str(p) for p in default_ports())
    argv = [
        "nmap", "-n", "-sV", "-p", ports, "--script", NMAP_SCRIPTS,
        "-e", lab.auditor_iface, "-oX", "-", *targets,
    ]  # fmt: skip
    load = os.getloadavg()[0]
    stats = measured(lab, out, argv)
    stats["load"] = (load + os.getloadavg()[0]) / 2
    answers: dict[str, str | None] = {}
    root = ET.fromstring(out.read_text())
    for host in root.iter("host"):
        addr = host.find("address")
        if addr is None:
            continue
        text = (
            " ".join(
                " ".join(filter(None, (s.get("product"), s.get("extrainfo"), s.get("devicetype"))))
                for s in host.iter("service")
            )
            + " "
            + " ".join(s.get("output", "") for s in host.iter("script"))
        )
        if host.find("ports/port/state[@state='open']") is None:
            continue
        answers[addr.get("addr", "")] = text
    stats["answers"] = answers
    return stats


def score(
    answers: dict[str, Any], expected: dict[str, str | None], *, nmap: bool
) -> tuple[int, int]:
    """(correct, cameras): a camera is correct when its real maker is named."""
    cameras = {a: v for a, v in expected.items() if v}
    correct = 0
    for address, vendor in cameras.items():
        answer = answers.get(address)
        if answer is None or vendor is None:
            continue
        if nmap:
            correct += bool(re.search(re.escape(vendor), str(answer), re.IGNORECASE))
        else:
            correct += answer == vendor
    return correct, len(cameras)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-nmap", action="store_true")
    parser.add_argument("--skip-16", action="store_true")
    parser.add_argument("--skip-2x24", action="store_true", help="only the first /24")
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    parser.add_argument("--timeout", default="1.5", help="camscan --timeout for the runs")
    parser.add_argument("--skip-lab", action="store_true", help="only the loopback scale runs")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--scale", default="16,64,250,1000", help="live devices per scale run")
    parser.add_argument("--repeat", type=int, default=3, help="camscan runs per /24 row (median)")
    parser.add_argument("--skip-startup", action="store_true")
    args = parser.parse_args()
    if not args.skip_startup:
        startup = startup_rows()
        if not args.no_write:
            write_section(STARTUP_START, STARTUP_END, startup_section(startup))
    if not args.skip_scale:
        scale_rows = [scale_run(int(n), args.timeout) for n in args.scale.split(",")]
        if not args.no_write:
            write_section(SCALE_START, SCALE_END, scale_section(scale_rows))
    if args.skip_lab:
        return 0
    problem = lab_support_problem()
    if problem:
        print(f"benchmark needs the lab: {problem}", file=sys.stderr)
        return 2
    have_nmap = shutil.which("nmap") is not None and not args.skip_nmap
    work = Path("/tmp") / "camscan-bench"
    work.mkdir(exist_ok=True)
    rows: list[str] = []
    with Lab(LARGE, on_progress=lambda s: print(s, file=sys.stderr)) as lab:
        expected_all = {h.address: truth_for(h.persona) for h in lab.hosts}
        cases = [("/24", ["192.0.2.0/24"]), ("2 × /24", ["192.0.2.0/24", "198.51.100.0/24"])]
        if args.skip_2x24:
            cases = cases[:1]
        for label, targets in cases:
            nets = [IPv4Network(t) for t in targets]
            expected = {
                a: v for a, v in expected_all.items() if any(IPv4Address(a) in n for n in nets)
            }
            walls: list[float] = []
            for timeout in (args.timeout, "3"):
                runs = [
                    camscan_run(lab, targets, work / "camscan.json", "--timeout", timeout)
                    for _ in range(args.repeat)
                ]
                runs.sort(key=lambda r: float(r["wall"]))
                cs = runs[len(runs) // 2]  # the median run by wall time
                walls.append(cs["wall"])
                ok, total = score(cs["answers"], expected, nmap=False)
                worst = min(score(r["answers"], expected, nmap=False)[0] for r in runs)
                spread = f" ({runs[0]['wall']:.1f}-{runs[-1]['wall']:.1f})" if len(runs) > 1 else ""
                rows.append(
                    f"| {label} | camscan `--timeout {timeout}` | {cs['wall']:.1f} s{spread} "
                    f"| {cs['cpu']:.1f} s | {cs['rss_kib'] / 1024:.0f} MB "
                    f"| {ok}/{total}{'' if worst == ok else f' (worst run {worst})'} | "
                    f"| {cs['load']:.1f} |"
                )
                print(rows[-1], file=sys.stderr)
            if have_nmap:
                nm = nmap_run(lab, targets, work / "nmap.xml")
                nok, _ = score(nm["answers"], expected, nmap=True)
                speedups = " / ".join(f"{nm['wall'] / max(w, 0.001):.0f}×" for w in walls)
                rows.append(
                    f"| {label} | nmap -sV + scripts | {nm['wall']:.1f} s | {nm['cpu']:.1f} s "
                    f"| {nm['rss_kib'] / 1024:.0f} MB | {nok}/{total} (maker in output) "
                    f"| camscan {speedups} faster | {nm['load']:.1f} |"
                )
                print(rows[-1], file=sys.stderr)
        if not args.skip_16:
            expected = {a: v for a, v in expected_all.items() if a.startswith("198.51.")}
            for label, silent in (("no route", False), ("silent", True)):
                if silent:
                    # Route the rest of the /16 into a veth pair inside the auditor namespace,
                    # via a fake gateway with a fixed MAC: SYNs to absent hosts vanish there
                    # (no reply, no error), like a network that drops them. The pair dies
                    # with the namespace; nothing leaves it.
                    for cmd in (
                        ["link", "add", "csv0", "type", "veth", "peer", "name", "csv1"],
                        ["link", "set", "csv0", "up"],
                        ["link", "set", "csv1", "up"],
                        ["route", "add", "198.51.0.0/16", "via", "203.0.113.1", "dev", "csv0",
                         "onlink"],
                        ["neigh", "add", "203.0.113.1", "lladdr", "02:00:00:00:00:01", "dev",
                         "csv0", "nud", "permanent"],
                    ):  # fmt: skip
                        lab.exec(["ip", *cmd], check=True)
                cs = camscan_run(
                    lab, ["198.51.0.0/16"], work / "camscan16.json",
                    "--allow-public", "--timeout", args.timeout,
                )  # fmt: skip
                ok, total = score(cs["answers"], expected, nmap=False)
                line = (
                    f"| /16, {label} (65,534 addr.) | camscan `--timeout {args.timeout}` "
                    f"| {cs['wall']:.1f} s | {cs['cpu']:.1f} s | {cs['rss_kib'] / 1024:.0f} MB "
                    f"| {ok}/{total} | | {cs['load']:.1f} |"
                )
                print(line, file=sys.stderr)
                rows.append(line)
    if not args.no_write:
        write_doc(rows, args.timeout)
    return 0


STARTUP_START, STARTUP_END = "<!-- startup-benchmark:start -->", "<!-- startup-benchmark:end -->"


def startup_rows(runs: int = 5) -> list[str]:
    """Start-up cost: a loopback scan that finds nothing (one closed port, no probes), with
    the signature cache cold (an empty cache directory) and warm; median of ``runs``."""
    import statistics
    import tempfile

    rows = []
    argv = [
        sys.executable, "-m", "camscan", "scan", "--no-db", "-f", "json", "-q",
        "--methods", "tcp", "--probes", "none", "--ports", "1", "127.0.0.1",
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as cache:
        for label, env in (
            ("no signature cache (first run)", {"CAMSCAN_CACHE_DIR": "off"}),
            ("signature cache warm", {"CAMSCAN_CACHE_DIR": cache}),
        ):
            samples = []
            for _ in range(runs):
                load = os.getloadavg()[0]
                stats = _measured_env(argv, env)
                samples.append((stats["wall"], stats["cpu"], stats["rss_kib"], load))
            wall = statistics.median(x[0] for x in samples)
            cpu = statistics.median(x[1] for x in samples)
            rss = max(x[2] for x in samples) / 1024
            load = statistics.mean(x[3] for x in samples)
            rows.append(f"| {label} | {wall:.2f} s | {cpu:.2f} s | {rss:.0f} MB | {load:.1f} |")
            print(rows[-1], file=sys.stderr)
    return rows


def _measured_env(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    out = Path("/tmp") / "camscan-bench-startup.json"
    wrapped = [sys.executable, "-c", _WRAPPER, str(out), *argv]
    result = subprocess.run(
        wrapped, capture_output=True, text=True, cwd=REPO, env={**os.environ, **env}, timeout=300
    )
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def startup_section(rows: list[str]) -> str:
    import platform
    from datetime import date

    return "\n".join(
        [
            STARTUP_START,
            "## Start-up",
            "",
            f"Measured {date.today()} on {platform.machine()} ({_cpus()} CPUs, shared, "
            f"{_priority()}) with "
            "`benchmarks/scan_vs_nmap.py`: `camscan scan --no-db -f json --methods tcp "
            "--probes none --ports 1 127.0.0.1`, a scan that finds nothing, so what is left is "
            "interpreter start-up, imports, validating the signatures and policies and "
            "identifying an empty document; median of 5 runs. The validated signature set is "
            "kept in a per-user cache (camscan/signatures/cache.py, keyed by the files' "
            "hashes), so only the first run after an install or a signature edit validates "
            "the YAML; `--no-db` and the table/JSON formats import neither SQLAlchemy nor "
            "Alembic. 'load' is the 1-minute load average.",
            "",
            "| run | wall time | CPU time | peak memory | load |",
            "|---|---|---|---|---|",
            *rows,
            STARTUP_END,
        ]
    )


SCALE_START, SCALE_END = "<!-- scale-benchmark:start -->", "<!-- scale-benchmark:end -->"
SCALE_PERSONAS = ["hikvision-ipc-ds2cd2185fwd.yaml", "dahua-ipc-hfw2228m.yaml",
                  "axis-m1065.yaml", "uniview-ipc2122.yaml", "hanwha-xnv6080.yaml",
                  "generic-onvif-ipcam.yaml", "amcrest-ip8m-2496.yaml",
                  "workstation-linux.yaml"]  # fmt: skip


def scale_run(count: int, timeout: str) -> str:
    """One scan of ``count`` live loopback personas: a table row (wall, peak RSS, found)."""
    from camscan.lab.loopback import LOOPBACK_PORTS
    from tests.scan.crowd import crowd

    work = Path("/tmp") / "camscan-bench"
    work.mkdir(exist_ok=True)
    with crowd(count, SCALE_PERSONAS, per_process=125) as addresses:
        targets = work / f"scale-{count}.txt"
        targets.write_text("\n".join(addresses) + "\n")
        stats = camscan_run(
            None, [], work / f"scale-{count}.json", "-iL", str(targets),
            "--ports", ",".join(map(str, LOOPBACK_PORTS)), "--timeout", timeout,
        )  # fmt: skip
    doc = stats["doc"]
    found = len(doc["devices"])
    named = sum(1 for d in doc["devices"] if d["identification"]["vendor"])
    timeouts = sum(1 for d in doc["devices"] for a in d["attempts"] if a["status"] == "timeout")
    row = (
        f"| {count} | {stats['wall']:.1f} s | {stats['cpu']:.1f} s "
        f"| {stats['rss_kib'] / 1024:.0f} MB | {found}/{count} "
        f"| {named} | {timeouts} | {'yes' if doc['complete'] else 'no'} | {stats['load']:.1f} |"
    )
    print(row, file=sys.stderr)
    return row


def scale_section(rows: list[str]) -> str:
    import platform
    from datetime import date

    return "\n".join(
        [
            SCALE_START,
            "## Scale: 16 to 1,000 live devices (loopback personas)",
            "",
            f"Measured {date.today()} on {platform.machine()} ({_cpus()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f} at the end, {_priority()}) with "
            "`benchmarks/scan_vs_nmap.py --skip-lab`. Processes of 125 personas each serve "
            "them (a mix of Hikvision, Dahua, Axis, Uniview, Hanwha, Amcrest, no-name ONVIF "
            "cameras and Linux PCs) on 127.N.x.y with "
            "unprivileged ports; camscan scans them with its defaults (all discovery methods "
            "and probes, `--timeout 1.5`) and `--ports` set to the personas' ports. The "
            "devices share the machine with the scanner, so wall time includes their own "
            "slowness. Peak memory is camscan's max RSS; 'load' is the machine's 1-minute load "
            "average around the run (2 CPUs: above 2 the scanner and devices wait for a CPU).",
            "",
            "| live devices | wall time | camscan CPU time | camscan peak memory | found "
            "| maker named | probe timeouts | complete | load |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            SCALE_END,
        ]
    )


def write_section(start: str, end: str, section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)


def write_doc(rows: list[str], timeout: str) -> None:
    import platform
    from datetime import date

    section = "\n".join(
        [
            START,
            "## Scan speed: camscan vs nmap (large lab)",
            "",
            f"Measured {date.today()} on {platform.machine()} ({_cpus()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f} at the end, {_priority()}: the machine was shared, so "
            "wall times are inflated; CPU time is the tool's own user + system time) with "
            "`benchmarks/scan_vs_nmap.py`; camscan with no `--iface`; default ports "
            "(camscan/data/ports.yaml) for both tools; nmap "
            f"`-n -sV --script {NMAP_SCRIPTS}` (its ARP ping skips absent hosts, as camscan's "
            "does). Peak memory is the child's max RSS. camscan's default `--timeout` is 3 s; "
            "a /24 here has 254 addresses and the lab's cameras, recorders and PCs. "
            "'Maker named' counts cameras whose real manufacturer the tool reported "
            "(for nmap: anywhere in its service/script output). Each camscan /24 row is the "
            "median of several runs (their range in brackets); 'load' is the machine's 1-minute "
            "load average around the run.",
            "",
            "| scope | tool | wall time | CPU time | peak memory | cameras' maker named "
            "| speed-up | load |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "The /16 runs cover 198.51.0.0/16 from the lab's auditor; only 198.51.100.0/24 "
            "exists. 'no route': the rest is unroutable in the namespace, connects fail at once "
            "(scheduling and memory at /16 scale). 'silent': the rest is routed into a veth "
            "pair inside the namespace via a fake gateway, so every SYN to an absent host "
            "goes unanswered and the ping timeout (0.5-1 s, adapted to the round trips seen) is "
            "paid 2 × 65k times under the global concurrency cap (up to 8,192 connects in "
            "flight). Nothing leaves the namespace in either case.",
            "",
            "The second /24 (198.51.100.0/24) holds the tarpit persona, which accepts "
            "connections and never answers: its probes stop at the per-host budget "
            "(`--host-timeout`, 15 s), which is what the 2 × /24 wall time mostly measures.",
            END,
        ]
    )
    write_section(START, END, section)


def _cpus() -> int:
    return os.cpu_count() or 0


def _priority() -> str:
    """How this run was scheduled, for the docs: a negative nice value (``nice -n -10
    python benchmarks/scan_vs_nmap.py``, inherited by the tools and the simulated devices)
    keeps other work on a shared machine from preempting them."""
    niceness = os.nice(0)
    if niceness == 0:
        return "at normal priority"
    return f"at nice {niceness} (tools and simulated devices alike; other jobs at 0)"


if __name__ == "__main__":
    sys.exit(main())

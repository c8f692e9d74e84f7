"""Fuzz every parser of untrusted input in-process: mutated inputs, crashes and hangs counted.

Usage: ``python benchmarks/fuzz_parsers.py [--inputs 100000] [--jobs 2] [--only NAME ...]``

Each target of tests/parser_targets.py (discovery replies, probe responses, the scan document,
signature/policy YAML, config TOML) gets ``--inputs`` inputs mutated from its seeds (the
project's protocol fixtures and files) with a fixed random seed, so a run is repeatable. An
input is a *crash* when the parser raises anything but its documented error or hands on a
string that is not inert UTF-8, and a *hang* when it takes longer than ``--hang`` seconds
(SIGALRM interrupts it). Crashing inputs are written to ``--out`` for replay. Exit status 1
when anything crashed or hung. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import signal
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.parser_targets import TARGETS, check, mutate  # noqa: E402


class Hang(BaseException):
    """Raised by SIGALRM inside a parser that ran past the limit."""


@dataclass
class Tally:
    name: str
    inputs: int = 0
    parsed: int = 0
    refused: int = 0  # the documented error
    crashes: int = 0
    hangs: int = 0
    seconds: float = 0.0
    slowest_ms: float = 0.0
    first_crash: str = ""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


def fuzz(name: str, inputs: int, seed: int, hang: float, out: Path) -> Tally:
    """Run ``inputs`` mutated inputs through one target."""
    target = TARGETS[name]
    seeds = target.seeds()
    rng = random.Random(seed ^ zlib.crc32(name.encode()))
    tally = Tally(name)
    signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    for i in range(inputs):
        data = seeds[i] if i < len(seeds) else mutate(rng, rng.choice(seeds), seeds)
        t0 = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, hang)
        try:
            ok = check(target, data)
        except Hang:
            tally.hangs += 1
            _keep(out, name, "hang", i, data)
            continue
        except Exception as exc:  # the finding: anything but the documented error
            tally.crashes += 1
            tally.first_crash = tally.first_crash or f"{type(exc).__name__}: {exc}"[:200]
            _keep(out, name, "crash", i, data)
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            tally.inputs += 1
            tally.slowest_ms = max(tally.slowest_ms, (time.perf_counter() - t0) * 1000)
        if ok:
            tally.parsed += 1
        else:
            tally.refused += 1
    tally.seconds = time.perf_counter() - started
    return tally


def _keep(out: Path, name: str, kind: str, index: int, data: bytes) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}-{kind}-{index}.bin").write_bytes(data)


def _run(args: tuple[str, int, int, float, Path]) -> Tally:
    return fuzz(*args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="inputs per parser")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--jobs", type=int, default=2, help="parsers fuzzed in parallel")
    parser.add_argument("--hang", type=float, default=2.0, help="seconds before an input hangs")
    parser.add_argument("--only", nargs="*", choices=sorted(TARGETS), help="these parsers only")
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    args = parser.parse_args()
    names = args.only or list(TARGETS)
    jobs = [(n, args.inputs, args.seed, args.hang, args.out) for n in names]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        tallies = pool.map(_run, jobs, chunksize=1)
    wall = time.perf_counter() - started
    print("| parser | inputs | parsed | documented error | crashes | hangs | time | slowest |")
    print("|---|---|---|---|---|---|---|---|")
    for t in tallies:
        print(
            f"| {t.name} | {t.inputs:,} | {t.parsed:,} | {t.refused:,} | {t.crashes} | "
            f"{t.hangs} | {t.seconds:.0f} s | {t.slowest_ms:.0f} ms |"
        )
    total = sum(t.inputs for t in tallies)
    crashes = sum(t.crashes for t in tallies)
    hangs = sum(t.hangs for t in tallies)
    print(
        f"\n{total:,} inputs, {crashes} crashes, {hangs} hangs, {wall:.0f} s wall "
        f"({args.jobs} jobs, seed {args.seed}, hang limit {args.hang} s)"
    )
    for t in tallies:
        if t.first_crash:
            print(f"{t.name}: first crash: {t.first_crash}", file=sys.stderr)
    return 1 if crashes or hangs else 0


if __name__ == "__main__":
    raise SystemExit(main())

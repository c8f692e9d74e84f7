"""Start and stop a crowd of loopback personas (:mod:`tests.scan.many_personas`) as children."""

from __future__ import annotations

import os
import secrets
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PERSONAS = REPO / "examples" / "lab" / "personas"


@contextmanager
def _serving(argv: list[str]) -> Iterator[list[str]]:
    proc = subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 180
        line = b""
        while not line.startswith(b"ready"):
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"personas did not start: {err[-2000:]}")
            if select.select([proc.stdout], [], [], 0.5)[0]:
                line = proc.stdout.readline()
        yield line.decode().split()[1:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the session this helper started, only
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@contextmanager
def crowd(
    count: int, personas: list[str], *, rehome: bool = True, per_process: int = 0
) -> Iterator[list[str]]:
    """``count`` devices on a fresh 127.N.x.y block; yields their addresses; always stops them.
    ``per_process`` > 0 spreads them over several server processes (each its own accept
    queue and event loop, closer to independent devices)."""
    net = f"127.{secrets.randbelow(200) + 30}"
    step = per_process or count
    found: list[str] = []
    with ExitStack() as stack:
        for first in range(0, count, step):
            argv = [sys.executable, "-m", "tests.scan.many_personas", "--net", net,
                    "--count", str(min(step, count - first)), "--first", str(first),
                    *(["--rehome"] if rehome else []),
                    *(str(PERSONAS / p) for p in personas)]  # fmt: skip
            found += stack.enter_context(_serving(argv))
        yield found

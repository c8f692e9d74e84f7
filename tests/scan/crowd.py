"""Start and stop a crowd of loopback personas (:mod:`tests.scan.many_personas`) as a child."""

from __future__ import annotations

import os
import secrets
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PERSONAS = REPO / "examples" / "lab" / "personas"


@contextmanager
def crowd(count: int, personas: list[str], *, rehome: bool = True) -> Iterator[list[str]]:
    """``count`` devices on a fresh 127.N.x.y block; yields their addresses; always stops them."""
    net = f"127.{secrets.randbelow(200) + 30}"
    argv = [sys.executable, "-m", "tests.scan.many_personas", "--net", net, "--count", str(count),
            *(["--rehome"] if rehome else []), *(str(PERSONAS / p) for p in personas)]  # fmt: skip
    proc = subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
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

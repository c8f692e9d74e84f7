"""On a real terminal (a pty): table with colour by default; NO_COLOR and --no-color turn it off;
device escape sequences never reach the terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.helpers import REPO
from tests.report.cli_env import cli_env, save
from tests.report.sample_docs import building

__all__ = ["cli_env"]

_PROGRAM = "from tests.report.cli_env import report_doc; report_doc()"


def _run_on_pty(args: list[str], env: dict[str, str]) -> tuple[int, bytes]:
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _PROGRAM, *args], stdout=child, stderr=subprocess.PIPE,
            cwd=REPO, env=env,
        )  # fmt: skip
        os.close(child)
        chunks = []
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        return proc.wait(timeout=60), b"".join(chunks)
    finally:
        os.close(main)


@pytest.mark.parametrize(
    ("extra_env", "extra_args", "coloured"),
    [({}, [], True), ({"NO_COLOR": "1"}, [], False), ({}, ["--no-color"], False)],
)
def test_terminal_colour_rules(
    cli_env: Path, extra_env: dict[str, str], extra_args: list[str], coloured: bool
) -> None:
    doc = save(building(), cli_env / "d.json")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR" and not k.startswith("CAMSCAN_")}
    env.update(extra_env, PYTHONPATH=str(REPO), TERM="xterm-256color")
    code, out = _run_on_pty([str(doc), "--no-db", *extra_args], env)
    assert code == 1
    assert "┏".encode() in out  # a terminal gets the table by default
    assert (b"\x1b[" in out) is coloured
    assert b"\x1b[2J" not in out  # the device's own escape sequence is shown as text only
    assert b"\\x1b[2J" in out

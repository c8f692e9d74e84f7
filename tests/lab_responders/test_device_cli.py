"""``python -m camscan.lab.device``: one ready line, clean stop on SIGTERM, clear failures."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab_responders.wire import PERSONAS, fresh_address

REPO = Path(__file__).resolve().parents[2]


def launch(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "camscan.lab.device", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_ready_line_then_clean_sigterm() -> None:
    address = fresh_address()
    proc = launch(str(PERSONAS / "dahua-ipc.yaml"), "--address", address)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line == f"ready {address}\n"
        with socket.create_connection((address, 28080), timeout=2) as conn:
            conn.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert conn.recv(100).startswith(b"HTTP/1.1 200 OK\r\nCONNECTION: close")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out == ""  # exactly one line on stdout in total
    assert err == ""


def test_bad_persona_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nrtsp: {port: -1}\n")
    proc = launch(str(bad), "--address", fresh_address())
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert "bad.yaml" in err


def test_port_in_use_exits_1_and_releases_everything() -> None:
    address = fresh_address()
    with socket.socket() as blocker:
        blocker.bind((address, 28554))  # the persona's RTSP port
        blocker.listen()
        proc = launch(str(PERSONAS / "dahua-ipc.yaml"), "--address", address)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert out == ""
    assert "test-dahua-ipc" in err
    with socket.socket() as again:  # the HTTP port opened before the failure was released
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind((address, 28080))


def test_port_clash_in_persona_exits_1_with_both_names(tmp_path: Path) -> None:
    clash = tmp_path / "clash.yaml"
    clash.write_text("id: clash\nhttp: {port: 28000}\nbanners: {28000: {text: hi}}\n")
    proc = launch(str(clash), "--address", fresh_address())
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert out == ""
    assert "TCP port 28000 used by both http and banner 28000" in err


@pytest.mark.parametrize("name", ["hikvision-nvr", "axis-hostile"])
def test_every_test_persona_starts(name: str) -> None:
    address = fresh_address()
    proc = launch(str(PERSONAS / f"{name}.yaml"), "--address", address)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == f"ready {address}\n"
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0

"""Lab lifecycle: nothing is left behind - after down, after an exception, after a crash.

Several people run labs on one machine at once: every test here looks only at the labs it
made (by id), never at the machine's whole list, and ``down_all`` is narrowed to them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from camscan.cli import main
from camscan.lab import Lab, LabError, down_all, read_state
from camscan.lab import netns as nsmod
from camscan.lab import state as statemod
from camscan.lab.topology import parse_topology

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "lab"


def tiny() -> object:
    """Two hosts: enough to exercise every step, quick to build."""
    return parse_topology(
        {
            "name": "tiny",
            "subnets": ["203.0.113.0/24"],
            "auditor": "203.0.113.250",
            "hosts": [
                {"address": "203.0.113.10", "persona": "personas/workstation-linux.yaml"},
                {"address": "203.0.113.11", "persona": "personas/bad-tarpit.yaml"},
            ],
        },
        base_dir=EXAMPLES,
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rpartition(")")[2].split()[0] != "Z"


def assert_gone(lab_id: str, pids: list[int]) -> None:
    assert nsmod.lab_namespaces(lab_id) == []
    assert read_state(lab_id) is None
    deadline = time.monotonic() + 5
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in pids if alive(p)], "device processes survived teardown"


def only_labs(monkeypatch: pytest.MonkeyPatch, *ours: str) -> None:
    """Let ``down_all`` see only the labs ``ours`` (the real ones, torn down for real): the
    machine's other labs belong to other people, running or crashed."""
    namespaces, states = nsmod.lab_namespaces, statemod.list_labs
    monkeypatch.setattr(
        nsmod,
        "lab_namespaces",
        lambda lab_id=None: (
            namespaces(lab_id) if lab_id else [n for i in ours for n in namespaces(i)]
        ),
    )
    monkeypatch.setattr(statemod, "list_labs", lambda: [s for s in states() if s.id in ours])


@pytest.mark.root
def test_up_then_down_leaves_nothing() -> None:
    lab = Lab(tiny())  # type: ignore[arg-type]
    with lab:
        lab_id = lab.id
        pids = [h.pid for h in lab.hosts if h.pid]
        assert len(nsmod.lab_namespaces(lab_id)) == 4
        assert all(alive(p) for p in pids)
        state = read_state(lab_id)
        assert state is not None
        assert state.owner_pid == os.getpid()
        out = lab.exec(["ip", "-4", "-o", "addr", "show", "dev", lab.auditor_iface])
        assert "203.0.113.250/24" in out.stdout
    assert_gone(lab_id, pids)
    assert lab.down() == []  # idempotent


@pytest.mark.root
def test_exception_inside_the_lab_tears_it_down() -> None:
    lab = Lab(tiny())  # type: ignore[arg-type]
    seen: dict[str, object] = {}

    def work() -> None:
        with lab:
            seen["id"] = lab.id
            seen["pids"] = [h.pid for h in lab.hosts]
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        work()
    assert_gone(str(seen["id"]), list(seen["pids"]))  # type: ignore[arg-type]


@pytest.mark.root
def test_a_device_that_cannot_start_fails_up_and_cleans_up(tmp_path: Path) -> None:
    bad = tmp_path / "clash.yaml"
    # Two responders on one TCP port: the device exits before it is ready.
    bad.write_text("id: clash\nhttp: {port: 8000}\nbanners: {8000: {text: hi}}\n", encoding="utf-8")
    topo = parse_topology(
        {
            "name": "clash",
            "subnets": ["203.0.113.0/24"],
            "auditor": "203.0.113.250",
            "hosts": [{"address": "203.0.113.20", "persona": str(bad)}],
        },
        base_dir=tmp_path,
    )
    said: list[str] = []
    lab = Lab(topo, ready_timeout=20, on_progress=said.append)
    with pytest.raises(LabError, match=r"exited|not ready"):
        lab.up()
    # Its own id from "network cs-xxxxxx: N namespaces ..." (another user's lab may come and
    # go meanwhile: comparing the machine's whole list was a flake).
    (lab_id,) = [line.split()[1].rstrip(":") for line in said if line.startswith("network ")]
    assert nsmod.lab_namespaces(lab_id) == []
    assert read_state(lab_id) is None
    assert lab.state is None


def _start_foreground(topology: Path) -> tuple[subprocess.Popen[str], str]:
    """`camscan lab up TOPOLOGY` as its own process; returns it and its lab id."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "camscan", "lab", "up", str(topology)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lab_id = ""
    assert proc.stdout is not None
    deadline = time.monotonic() + 90
    for line in proc.stdout:
        if line.startswith("lab cs"):
            lab_id = line.split()[1].rstrip(":")
        if "Ctrl-C" in line or time.monotonic() > deadline:
            break
    assert lab_id, "camscan lab up printed no lab id"
    return proc, lab_id


@pytest.mark.root
async def test_async_context_manager_and_aexec() -> None:
    lab = Lab(tiny())  # type: ignore[arg-type]
    async with lab:
        lab_id = lab.id
        pids = [h.pid for h in lab.hosts if h.pid]
        rc, out, _err = await lab.aexec(["ip", "-4", "-o", "addr", "show"], timeout=10)
        assert rc == 0
        assert "203.0.113.250/24" in out
    assert_gone(lab_id, pids)


@pytest.mark.root
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 0)])
def test_signal_to_lab_up_tears_down(tmp_path: Path, signum: int, code: int) -> None:
    topology = tmp_path / "tiny.yaml"
    topology.write_text(
        "name: tiny\nsubnets: [203.0.113.0/24]\nauditor: 203.0.113.250\nhosts:\n"
        f"  - {{address: 203.0.113.10, persona: {EXAMPLES}/personas/workstation-linux.yaml}}\n"
    )
    proc, lab_id = _start_foreground(topology)
    state = read_state(lab_id)
    assert state is not None
    pids = [h.pid for h in state.hosts if h.pid]
    proc.send_signal(signum)
    assert proc.wait(timeout=30) == code
    assert proc.stdout is not None
    said = proc.stdout.read()
    assert "lab removed" in said, said
    assert_gone(lab_id, pids)


@pytest.mark.root
def test_down_all_removes_a_crashed_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    topology = tmp_path / "tiny.yaml"
    topology.write_text(
        "name: tiny\nsubnets: [203.0.113.0/24]\nauditor: 203.0.113.250\nhosts:\n"
        f"  - {{address: 203.0.113.10, persona: {EXAMPLES}/personas/workstation-linux.yaml}}\n"
        f"  - {{address: 203.0.113.11, persona: {EXAMPLES}/personas/bad-tarpit.yaml}}\n"
    )
    proc, lab_id = _start_foreground(topology)
    state = read_state(lab_id)
    assert state is not None
    pids = [h.pid for h in state.hosts if h.pid]
    proc.kill()  # SIGKILL: no teardown runs, the namespaces and devices stay behind
    proc.wait(timeout=10)
    assert nsmod.lab_namespaces(lab_id)
    only_labs(monkeypatch, lab_id)
    report = down_all()
    assert report.removed == (lab_id,)
    assert_gone(lab_id, pids)


@pytest.mark.root
def test_down_all_spares_a_lab_whose_owner_runs(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    only_labs(monkeypatch, lab.id)
    report = down_all()
    assert report.removed == ()
    assert report.skipped_live == (lab.id,)
    assert nsmod.lab_namespaces(lab.id)


@pytest.mark.root
def test_detach_status_exec_down_via_cli(tmp_path: Path) -> None:
    topology = tmp_path / "tiny.yaml"
    topology.write_text(
        "name: tiny\nsubnets: [203.0.113.0/24]\nauditor: 203.0.113.250\nhosts:\n"
        f"  - {{address: 203.0.113.10, persona: {EXAMPLES}/personas/workstation-linux.yaml}}\n"
    )
    up = subprocess.run(
        [sys.executable, "-m", "camscan", "lab", "up", "--detach", str(topology)],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert up.returncode == 0, up.stderr
    lab_id = next(w for w in up.stdout.split() if w.startswith("cs-") and len(w) == 9)
    try:
        status = subprocess.run(
            [sys.executable, "-m", "camscan", "lab", "status"], capture_output=True, text=True
        )
        assert f"{lab_id}  tiny  1 host  running, detached" in status.stdout
        ran = subprocess.run(
            [
                sys.executable,
                "-m",
                "camscan",
                "lab",
                "exec",
                "--lab",
                lab_id,
                "--",
                "ip",
                "-4",
                "-o",
                "addr",
                "show",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert ran.returncode == 0
        assert "203.0.113.250/24" in ran.stdout
        failed = subprocess.run(
            [sys.executable, "-m", "camscan", "lab", "exec", "--lab", lab_id, "--", "false"]
        )
        assert failed.returncode == 1  # the command's own exit code comes back
    finally:
        down = subprocess.run(
            [sys.executable, "-m", "camscan", "lab", "down", lab_id], capture_output=True, text=True
        )
    assert down.returncode == 0, down.stderr
    assert nsmod.lab_namespaces(lab_id) == []


def test_cli_refuses_without_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nsmod.os, "geteuid", lambda: 1000)
    for args in (["lab", "up"], ["lab", "exec", "--", "true"], ["lab", "down", "--all"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, args
        assert "needs root" in result.output


def test_cli_says_when_ip_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nsmod.os, "geteuid", lambda: 0)
    monkeypatch.setattr(nsmod, "ip_binary", lambda: None)
    result = CliRunner().invoke(main, ["lab", "up"])
    assert result.exit_code == 2
    assert "iproute2" in result.output


@pytest.mark.root
def test_a_forgotten_lab_is_removed_when_python_exits(tmp_path: Path) -> None:
    script = tmp_path / "forget.py"
    script.write_text(
        "from camscan.lab import Lab\n"
        "from camscan.lab.topology import parse_topology\n"
        "from pathlib import Path\n"
        "topo = parse_topology({'name': 'f', 'subnets': ['203.0.113.0/24'],"
        " 'auditor': '203.0.113.250', 'hosts': [{'address': '203.0.113.10',"
        " 'persona': 'personas/workstation-linux.yaml'}]},"
        f" base_dir=Path({str(EXAMPLES)!r}))\n"
        "lab = Lab(topo).up()\n"
        "print(lab.id, [h.pid for h in lab.hosts][0], flush=True)\n"
    )
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lab_id, pid = run.stdout.split()
    assert_gone(lab_id, [int(pid)])

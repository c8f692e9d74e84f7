"""`camscan scan` argument handling: every refusal is exit 2 with a reason, before any packet."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from camscan.cli import main


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scan", "--no-db", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["8.8.8.8"], "globally routable"),
        (["10.0.0.0/8"], "max-hosts"),
        (["192.0.2.0/24", "--max-hosts", "10"], "max-hosts 10"),
        (["192.0.2.999"], "bad target '192.0.2.999'"),
        (["127.0.0.1", "--methods", "arp,telepathy"], "telepathy"),
        (["127.0.0.1", "--ports", "0-5"], "--ports"),
        (["127.0.0.1", "--probes", "nope"], "nope"),
        (["127.0.0.1", "--policy", "no-such-policy"], "no-such-policy"),
        (["127.0.0.1", "--password-env", "CAMSCAN_TEST_UNSET_VAR"], "not set"),
        (["127.0.0.1", "--ports", ""], "--ports: no ports given"),
        (["::1/0"], "IPv6 targets are not supported (camscan scans IPv4 only): '::1/0'"),
        (["fe80::1%eth0"], "IPv6 targets are not supported"),
        (["0.0.0.0/0"], "target '0.0.0.0/0' includes globally routable addresses (from 1.0.0.0)"),
        ([], "no targets"),
        (["--iface", "lo"], "confirmation"),
        (["--iface", "lo", "--yes"], "max-hosts"),  # lo's 127.0.0.0/8 is too big
        (["--iface", "no-such-if0"], "no interface named no-such-if0; this host has: "),
        (["127.0.0.1", "--iface", "eth9"], "no interface named eth9"),
    ],
)
def test_refusals_exit_2(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert message in err
    assert out == ""


def test_an_empty_password_variable_or_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMSCAN_TEST_EMPTY_PW", "")
    code, out, err = run("127.0.0.1", "--username", "u", "--password-env", "CAMSCAN_TEST_EMPTY_PW")
    assert (code, out) == (2, "")
    assert "--password-env: $CAMSCAN_TEST_EMPTY_PW is empty" in err
    empty = tmp_path / "pw"
    empty.write_text("\n")
    code, out, err = run("127.0.0.1", "--username", "u", "--password-file", str(empty))
    assert (code, out) == (2, "")
    assert f"{empty} is empty" in err


def test_target_and_exclude_files(tmp_path: Path) -> None:
    """A real scan of one loopback address whose only port is a listening socket."""
    listener = socket.socket()
    listener.bind(("127.0.0.9", 0))
    listener.listen()
    port = listener.getsockname()[1]
    targets = tmp_path / "targets.txt"
    targets.write_text("# lab\n127.0.0.9 127.0.0.10\n")
    excludes = tmp_path / "exclude.txt"
    excludes.write_text("127.0.0.10\n")
    try:
        code, out, err = run(
            "-iL", str(targets), "--exclude-file", str(excludes), "--methods", "tcp",
            "--ports", str(port), "--probes", "banner", "--timeout", "0.5", "-f", "json",
        )  # fmt: skip
    finally:
        listener.close()
    assert code == 0, err
    doc = json.loads(out)
    assert doc["scope"] == ["127.0.0.9"]
    assert [d["address"] for d in doc["devices"]] == ["127.0.0.9"]
    assert {"signal": "tcp.open", "value": str(port), "port": port, "source": "tcp"} in doc[
        "devices"
    ][0]["observations"]


def test_progress_view_renders_every_phase() -> None:
    from camscan.cli.running import ProgressView
    from camscan.engine import Progress

    view = ProgressView()
    with view.progress:
        for event in (
            Progress("discovery", 0, 7, "looking"),
            Progress("sweep", 64, 254, "TCP sweep"),
            Progress("probe", 1, 3, "192.0.2.10\x1b[31m"),
            Progress("identify", 0, 3),
            Progress("done", 3, 3),
        ):
            view(event)
    assert set(view.tasks) == {"discovery", "sweep", "probe", "identify"}


def test_corrupt_history_stops_the_scan_before_it_starts(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    before = db.read_bytes()
    result = CliRunner().invoke(
        main,
        ["scan", "127.0.0.1", "-m", "tcp", "--ports", "9", "--probes", "none", "--db", str(db)],
    )
    assert result.exit_code == 2, result.output
    assert "history" in result.stderr
    assert "scan complete" not in result.stderr  # refused before scanning
    assert db.read_bytes() == before

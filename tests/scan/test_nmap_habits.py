"""nmap habits on `camscan scan`: same-meaning options work, the rest are refused by name."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from camscan.cli import main
from camscan.cli.nmap_compat import NmapOptionError, translate

OWN_VALUE_OPTIONS = {"-o", "--output", "-f", "--format", "--exclude", "-iL"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scan", "--no-db", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("nmap", "camscan"),
    [
        (["-p", "80,443"], ["--ports", "80,443"]),
        (["-p80,443"], ["--ports", "80,443"]),
        (["-p-"], ["--ports", "1-65535"]),
        (["-e", "eth1"], ["--iface", "eth1"]),
        (["-eeth1"], ["--iface", "eth1"]),
        (["--max-rate", "50"], ["--rate", "50"]),
        (["--max-rate=50"], ["--rate", "50"]),
        (["-n", "192.0.2.1"], ["192.0.2.1"]),
        (["-v"], ["--verbose"]),
        (["-vv"], ["--debug"]),
        (["-d"], ["--debug"]),
        # camscan's own options and their values are never rewritten
        (["-o", "-p.txt", "-f", "json"], ["-o", "-p.txt", "-f", "json"]),
        (["--host-timeout", "5"], ["--host-timeout", "5"]),
        (["--", "-p"], ["--", "-p"]),
    ],
)
def test_same_meaning_options_are_translated(nmap: list[str], camscan: list[str]) -> None:
    assert translate(nmap, OWN_VALUE_OPTIONS) == camscan


@pytest.mark.parametrize(
    ("args", "equivalent"),
    [
        (["-oN", "out.txt", "192.0.2.1"], "-f text -o FILE"),
        (["-oX", "x.xml", "192.0.2.1"], "-f json -o FILE"),
        (["-oG", "g.txt", "192.0.2.1"], "-f csv -o FILE"),
        (["-oA", "base", "192.0.2.1"], "-f json -o FILE"),
        (["-sV", "192.0.2.1"], "--probes"),
        (["-sn", "192.0.2.1"], "--probes none"),
        (["-Pn", "192.0.2.1"], "every address"),
        (["-T4", "192.0.2.1"], "--rate"),
        (["-iR", "5"], "-iL FILE"),
        (["--top-ports", "100", "192.0.2.1"], "--ports"),
        (["-O", "192.0.2.1"], "what they say"),
    ],
)
def test_other_nmap_options_are_refused_with_the_equivalent(
    args: list[str], equivalent: str
) -> None:
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert f"{args[0]} is an nmap option camscan does not take" in err
    assert equivalent in err
    assert out == ""


def test_short_option_never_swallows_an_nmap_option(tmp_path: pytest.TempPathFactory) -> None:
    """`-oN FILE` must not write a report to a file named N (what click alone would do)."""
    code, _, _ = run("-oN", "report.txt", "127.0.0.1", "--methods", "tcp", "--probes", "none")
    assert code == 2
    with pytest.raises(NmapOptionError):
        translate(["-oX", "x.xml"], OWN_VALUE_OPTIONS)


def test_a_missing_value_is_named() -> None:
    with pytest.raises(NmapOptionError, match="-p needs a value"):
        translate(["-p"], OWN_VALUE_OPTIONS)


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP port on 127.0.0.2 (not lo's own address) that accepts connections."""
    server = socket.socket()
    server.bind(("127.0.0.2", 0))
    server.listen(16)
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def test_nmap_port_and_interface_options_drive_a_real_loopback_scan(listener: int) -> None:
    code, out, err = run(
        "-p", str(listener), "-e", "lo", "-n", "--max-rate", "200",
        "--methods", "tcp", "--probes", "none", "-f", "json", "127.0.0.2",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert [d["address"] for d in doc["devices"]] == ["127.0.0.2"]


def test_verbose_logs_decisions_to_stderr_only(listener: int) -> None:
    code, out, err = run(
        "-v", "-p", str(listener), "--methods", "tcp,wsd", "-f", "json", "127.0.0.2",
        "--probes", "http", "--timeout", "0.5", "--host-timeout", "3",
    )  # fmt: skip
    assert code in (0, 3), err
    assert json.loads(out)["devices"]  # stdout stays the report alone
    lines = [line for line in err.splitlines() if line.startswith("camscan INFO")]
    assert any("discovery tcp (" in line and "1 host in" in line for line in lines), err
    assert any("discovery wsd" in line for line in lines), err
    assert any("probe http 127.0.0.2" in line for line in lines), err
    assert not [line for line in err.splitlines() if line.startswith("camscan DEBUG")]


def test_debug_adds_each_attempt(listener: int) -> None:
    code, _, err = run("-d", "-p", str(listener), "--methods", "tcp", "-f", "json", "127.0.0.2",
                       "--probes", "http", "--timeout", "0.5")  # fmt: skip
    assert code in (0, 3), err
    assert "camscan DEBUG camscan.engine.probing: probe http 127.0.0.2 port" in err


@pytest.mark.parametrize("spec", ["T:80", "U:161", "http", "80,x"])
def test_nmap_port_prefixes_and_names_get_a_clear_refusal(spec: str) -> None:
    code, _, err = run("-p", spec, "127.0.0.2")
    assert code == 2
    assert f"bad port or range: {spec.split(',')[-1]!r}" in err
    assert "invalid literal" not in err

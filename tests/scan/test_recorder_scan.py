"""`camscan scan` of a recorder on 127.x with a login from a file and from [[credentials]]:
every camera behind it is a device, identified on its own evidence, shown "behind … channel
N" in every format, and the password appears in no output, log or saved document."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from camscan.probe.recorder import dahua, hikvision
from camscan.report import Format
from tests.helpers import protocol_bytes
from tests.probe.conftest import fresh_loopback
from tests.probe.recorder_server import Recorder, serve

PASSWORD = "s3cret-Recorder!"


@pytest.fixture
def nvr() -> Iterator[tuple[str, int]]:
    """A Hikvision-style NVR (ISAPI) on 127.x in a thread of its own, for a CLI subprocess."""
    routes = {
        hikvision.CHANNELS_PATH: (200, protocol_bytes("hikvision-isapi-inputproxy-channels.xml")),
        hikvision.STATUS_PATH: (200, protocol_bytes("hikvision-isapi-inputproxy-status.xml")),
        dahua.REMOTE_DEVICE_PATH: (200, protocol_bytes("dahua-remotedevice-getconfig.txt")),
    }
    host = fresh_loopback()
    loop = asyncio.new_event_loop()
    ready: list[int] = []
    stop = asyncio.Event()

    async def main() -> None:
        # 8080: a web port the recorder probe asks (the host is a fresh 127.x of its own).
        async with serve(Recorder(routes), host, 8080) as port:
            ready.append(port)
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    while not ready and thread.is_alive():
        threading.Event().wait(0.05)
    try:
        yield host, ready[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(5)


def camscan(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "camscan", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cameras_behind_a_recorder_in_every_format(nvr: tuple[str, int], tmp_path: Path) -> None:
    host, port = nvr
    secret = tmp_path / "nvr.pass"
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o600)
    env = {**os.environ, "HOME": str(tmp_path), "CAMSCAN_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("")
    doc_path = tmp_path / "scan.json"
    db = tmp_path / "history.db"
    scan = camscan(
        "scan", host, "-m", "tcp", "--ports", str(port), "--probes", "recorder,http",
        "--username", "audit", "--password-file", str(secret), "-d", "--db", str(db),
        "-f", "json", "-o", str(doc_path), env=env,
    )  # fmt: skip
    assert scan.returncode in (0, 1, 3, 4), scan.stderr
    doc = json.loads(doc_path.read_text())
    behind = {d["behind"]["channel"]: d for d in doc["devices"] if d["behind"]}
    assert sorted(behind) == [1, 2, 3]
    assert behind[1]["address"] == "198.51.100.11"
    assert behind[1]["identification"]["vendor"] == "Hikvision"
    assert behind[1]["identification"]["model"] == "DS-2CD2143G2-I"
    assert behind[2]["identification"]["vendor"] == "Dahua"  # judged on its own evidence
    assert behind[1]["policy"]["restricted"] is True
    assert behind[3]["status"] == "unidentified"  # the recorder says nothing of its maker
    recorder = next(d for d in doc["devices"] if d["address"] == host and not d["behind"])
    assert recorder["channels"]["enumerated"] == 3
    assert f"behind {host} channel 1" in scan.stderr or "recorders:" in scan.stderr
    outputs = [scan.stdout, scan.stderr, doc_path.read_text()]
    for fmt in Format:
        shown = camscan("identify", str(doc_path), "-f", fmt.value, "--no-db", env=env)
        outputs += [shown.stdout, shown.stderr]
        if fmt.value in ("table", "text", "csv", "html", "markdown"):
            seen = shown.stdout  # HTML: the text a reader sees (words in no-break spans)
            if fmt.value == "html":
                seen = html.unescape(re.sub(r"<[^>]+>", "", seen))
            assert f"behind {host} channel 2" in seen, fmt
    # A second night: the cameras behind the recorder keep their identity (no flapping).
    again = camscan(
        "scan", host, "-m", "tcp", "--ports", str(port), "--probes", "recorder,http",
        "--username", "audit", "--password-file", str(secret), "--db", str(db), "-f", "json",
        env=env,
    )  # fmt: skip
    diff = camscan("diff", "--db", str(db), "-f", "json", env=env)
    assert diff.returncode == 0, diff.stdout
    outputs += [again.stdout, again.stderr, diff.stdout]
    for text in outputs:
        assert PASSWORD not in text
    assert PASSWORD.encode() not in db.read_bytes()


def test_credentials_table_and_refused_login(nvr: tuple[str, int], tmp_path: Path) -> None:
    host, port = nvr
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[credentials]]\nhosts = ["{host}/32"]\nusername = "audit"\npassword_env = "NVR_PW"\n'
    )
    env = {**os.environ, "HOME": str(tmp_path), "CAMSCAN_CONFIG": str(config), "NVR_PW": "nope"}
    scan = camscan(
        "scan", host, "-m", "tcp", "--ports", str(port), "--probes", "recorder", "-d",
        "--no-db", "-f", "json", env=env,
    )  # fmt: skip
    doc = json.loads(scan.stdout)
    (recorder,) = doc["devices"]
    statuses = [a["status"] for a in recorder["attempts"] if a["probe"] == "recorder"]
    assert statuses == ["denied"]
    assert "nope" not in scan.stderr


def test_password_never_on_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "CAMSCAN_CONFIG": str(tmp_path / "c.toml")}
    (tmp_path / "c.toml").write_text(
        '[[credentials]]\nhosts = ["192.0.2.26"]\nusername = "a"\npassword = "x"\n'
    )
    result = camscan("scan", "127.0.0.1", "--no-db", env=env)
    assert result.returncode == 2
    assert "password must not be stored" in result.stderr
    result = camscan("scan", "127.0.0.1", "--password", "x", "--no-db", env=env)
    assert result.returncode == 2

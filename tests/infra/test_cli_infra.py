"""`camscan scan --infra` end to end against a real switch agent process on 127.x: the
[[infra]] config shape, secrets from env/file never in any output, errors as attempts."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from camscan.cli import main
from camscan.config import ConfigError, load_config
from camscan.lab.infra import ArpRow
from tests.infra.agents import AUTH_PASS, CAM1, COMMUNITY, PORT, PRIV_PASS, switch_persona
from tests.probe.conftest import fresh_loopback

SECRETS = (AUTH_PASS, PRIV_PASS, COMMUNITY)


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The switch persona as its own process (python -m camscan.lab.device)."""
    tmp = tmp_path_factory.mktemp("switch")
    address = fresh_loopback()
    # The agent's own address is in its ARP table as CAM1 (edge port Gi1/0/1, VLAN 20), so a
    # scan of that address shows the whole path: ARP -> MAC -> FDB -> location.
    persona, tables = switch_persona(arp=(ArpRow(100, address, CAM1),))
    (tmp / "switch.yaml").write_text(yaml.safe_dump(persona.model_dump(mode="json")))
    (tmp / "tables.json").write_text(
        json.dumps({k: v.model_dump(mode="json") for k, v in tables.items()})  # type: ignore[attr-defined]
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "camscan.lab.device", str(tmp / "switch.yaml"),
         "--address", address, "--snmp-tables", str(tmp / "tables.json")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("ready"), line
        yield address
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def write_config(tmp_path: Path, address: str, body: str) -> Path:
    path = tmp_path / "camscan.toml"
    path.write_text(f'[[infra]]\nhost = "{address}"\nport = {PORT}\n{body}')
    return path


def scan(address: str, config: Path, env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main,
        ["scan", "--no-db", "--config", str(config), "--infra", address, "-m", "tcp",
         "--ports", "9", "--probes", "none", "-f", "json", f"{address}/32"],
        env=env,
    )  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


def infra_attempt(out: str) -> dict[str, object]:
    doc = json.loads(out)
    return next(a for a in doc["attempts"] if a["probe"] == "infra")


def test_v3_authpriv_from_env_and_file(agent: str, tmp_path: Path) -> None:
    (tmp_path / "priv").write_text(PRIV_PASS + "\n")
    config = write_config(
        tmp_path, agent,
        'snmp_version = 3\nuser = "audit"\nauth_protocol = "sha256"\n'
        'auth_password_env = "SW_AUTH"\npriv_protocol = "aes256"\n'
        f'priv_password_file = "{tmp_path / "priv"}"\n',
    )  # fmt: skip
    code, out, err = scan(agent, config, {"SW_AUTH": AUTH_PASS})
    attempt = infra_attempt(out)
    assert attempt["status"] == "ok", attempt
    assert "access-sw3" in str(attempt["reason"])
    assert "4 ARP, 13 FDB entries, 1 LLDP ports" in str(attempt["reason"])
    (device,) = json.loads(out)["devices"]
    assert (device["mac"], device["mac_source"]) == (
        CAM1, f"snmp {agent} IP-MIB ipNetToPhysicalTable",
    )  # fmt: skip
    location = device["location"]
    assert (location["switch"], location["port"], location["vlan"]) == ("access-sw3", "Gi1/0/1", 20)
    assert location["source"] == f"snmp {agent} Q-BRIDGE-MIB dot1qTpFdbTable"
    assert "v3 user audit sha256/aes256" in str(attempt["reason"])
    for secret in SECRETS:
        assert secret not in out + err
    assert code == 1, err  # CAM1 is a Hikvision OUI: restricted, from the switch alone


def test_v2c_community_from_file(agent: str, tmp_path: Path) -> None:
    (tmp_path / "community").write_text(COMMUNITY)
    config = write_config(tmp_path, agent, f'community_file = "{tmp_path / "community"}"\n')
    _code, out, err = scan(agent, config, {})
    assert infra_attempt(out)["status"] == "ok"
    assert COMMUNITY not in out + err


def test_wrong_v3_pass_phrase_is_a_clear_attempt_error(agent: str, tmp_path: Path) -> None:
    config = write_config(
        tmp_path, agent,
        'snmp_version = 3\nuser = "audit"\nauth_protocol = "sha256"\n'
        'auth_password_env = "SW_AUTH"\npriv_protocol = "aes256"\n'
        'priv_password_env = "SW_PRIV"\n',
    )  # fmt: skip
    _code, out, err = scan(agent, config, {"SW_AUTH": "Wrong-Pass-123", "SW_PRIV": PRIV_PASS})
    attempt = infra_attempt(out)
    assert attempt["status"] == "error"
    assert "SNMP v3 user audit sha256/aes256 refused: " in str(attempt["reason"])  # not "v3 v3"
    assert "Traceback" not in err
    for secret in (*SECRETS, "Wrong-Pass-123"):
        assert secret not in out + err


def test_missing_secret_is_exit_2_naming_the_variable(tmp_path: Path) -> None:
    config = write_config(tmp_path, "192.0.2.1", 'community_env = "CAMSCAN_TEST_NO_SUCH"\n')
    code, _out, err = scan("192.0.2.1", config, {})
    assert code == 2
    assert "$CAMSCAN_TEST_NO_SUCH is not set" in err


def test_infra_host_without_credentials_is_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "empty.toml"
    config.write_text("")
    code, _, err = scan("192.0.2.1", config, {})
    assert code == 2
    assert "no credentials" in err


@pytest.mark.parametrize("key", ["community", "auth_password", "priv_password"])
def test_inline_secret_in_config_is_refused(tmp_path: Path, key: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[[infra]]\nhost = "192.0.2.1"\n{key} = "oops"\n')
    with pytest.raises(ConfigError, match=f"{key}_env or {key}_file"):
        load_config(path, env={})


def test_config_shape_from_the_issue(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[[infra]]\nhost = "198.51.100.1"\nsnmp_version = 3\nuser = "audit"\n'
        'auth_protocol = "sha"\nauth_password_file = "/etc/camscan/snmp-auth"\n'
        'priv_protocol = "aes"\npriv_password_file = "/etc/camscan/snmp-priv"\n'
        '[[infra]]\nhost = "198.51.100.2"\ncommunity_env = "SW2_COMMUNITY"\n'
    )
    cfg = load_config(path, env={})
    assert [t.host for t in cfg.infra] == ["198.51.100.1", "198.51.100.2"]
    assert cfg.infra[0].snmp_version == 3
    assert cfg.infra[1].snmp_version == 2


def test_config_show_lists_infra_tables_without_secrets(tmp_path: Path) -> None:
    path = write_config(tmp_path, "198.51.100.1", 'community_env = "SW_COMMUNITY"\n')
    result = CliRunner().invoke(
        main, ["config", "show", "--config", str(path)], env={"SW_COMMUNITY": COMMUNITY}
    )
    assert result.exit_code == 0, result.output
    assert "[[infra]]" in result.stdout
    assert 'community_env = "SW_COMMUNITY"' in result.stdout
    assert COMMUNITY not in result.output


def test_snmp_community_env_unset_is_exit_2() -> None:
    result = CliRunner().invoke(
        main,
        ["scan", "--no-db", "--snmp-community-env", "CAMSCAN_TEST_NO_COMMUNITY", "127.0.0.1"],
        env={},
    )
    assert result.exit_code == 2
    assert "$CAMSCAN_TEST_NO_COMMUNITY is not set" in result.stderr


@pytest.mark.root
@pytest.mark.parametrize("given", ["--infra", "[[infra]] host"])
def test_a_globally_routable_infra_agent_is_refused_before_any_packet(
    tmp_path: Path, given: str
) -> None:
    """NEWUSER2 #5: infra agents bypassed the public-address guard that targets obey. The scan
    runs in a network namespace of its own with no route, so even a regression sends
    nothing."""
    (tmp_path / "community").write_text("audit-ro\n")
    host = 'host = "8.8.8.8"\n' if given != "--infra" else ""
    config = tmp_path / "c.toml"
    config.write_text(f'[[infra]]\n{host}community_file = "{tmp_path / "community"}"\n')
    extra = ["--infra", "8.8.8.8"] if given == "--infra" else []
    argv = ["unshare", "--net", sys.executable, "-m", "camscan", "scan", "--no-db",
            "--config", str(config), *extra, "-m", "tcp", "--ports", "9", "--probes", "none",
            "--timeout", "1", "-f", "json", "-o", str(tmp_path / "out.json"),
            "127.0.0.1"]  # fmt: skip
    refused = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 2, refused.stderr
    assert (
        "infra agent 8.8.8.8 is a globally routable address; querying public addresses needs "
        "--allow-public" in refused.stderr
    )
    assert not (tmp_path / "out.json").exists()
    allowed = subprocess.run([*argv[:-1], "--allow-public", "127.0.0.1"], capture_output=True,
                             text=True, timeout=120, check=False)  # fmt: skip
    assert allowed.returncode != 2, allowed.stderr  # with --allow-public it is tried

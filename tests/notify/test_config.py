"""Configuration: TOML files, CAMSCAN_* variables, masking, permission warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camscan.config import ConfigError, EmailConfig, env_table, load_config, secret_warnings
from tests.report.cli_env import cli_env, run_camscan

__all__ = ["cli_env"]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "config.toml"


def test_example_config_loads() -> None:
    cfg = load_config(EXAMPLE, env={})
    assert cfg.email.to == ["security@example.org"]
    assert cfg.email.sender == "camscan@example.org"
    assert cfg.email.tls == "starttls"
    assert cfg.email.port() == 587
    assert cfg.email.on == "findings"
    assert cfg.scan.targets


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[email]\nto = ["a@example.org"]\nsmtp_port = 25\n[scan]\nrate = 50\n')
    cfg = load_config(
        path,
        env={"CAMSCAN_EMAIL_TO": "b@example.org, c@example.org", "CAMSCAN_SCAN_RATE": "10",
             "CAMSCAN_EMAIL_FROM": "x@example.org", "CAMSCAN_HISTORY_ENABLED": "false"},
    )  # fmt: skip
    assert cfg.email.to == ["b@example.org", "c@example.org"]
    assert cfg.email.sender == "x@example.org"
    assert cfg.email.smtp_port == 25
    assert cfg.scan.rate == 10
    assert cfg.history.enabled is False


def test_every_option_has_a_variable() -> None:
    names = {row[0] for row in env_table()}
    wanted = {"CAMSCAN_EMAIL_TO", "CAMSCAN_EMAIL_FROM", "CAMSCAN_EMAIL_PASSWORD_ENV",
              "CAMSCAN_SCAN_TARGETS", "CAMSCAN_OUTPUT_FAIL_ON", "CAMSCAN_HISTORY_DB"}  # fmt: skip
    assert wanted <= names


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[email\n", "not valid TOML"),
        ("[mail]\nto = []\n", "unknown section [mail]"),
        ("[nonsense]\nx = 1\n", "(known: [email], [scan], "),
        ("[nonsense]\nx = 1\n", ", [[infra]], [[credentials]])"),
        ('[email]\ntls = "maybe"\n', "email.tls"),
        ("[email]\nsmtp_port = 70000\n", "email.smtp_port"),
        ('[email]\npassword = "x"\n', "use password_env or password_file"),
        ('[output]\nfail_on = "sometimes"\n', "output.fail_on"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml", env={})


def test_password_sources(tmp_path: Path) -> None:
    assert EmailConfig(password_env="PW").password({"PW": "s3cret"}) == "s3cret"
    with pytest.raises(ConfigError, match=r"\$PW is not set"):
        EmailConfig(password_env="PW").password({})
    with pytest.raises(ConfigError, match=r"\$PW is empty"):
        EmailConfig(password_env="PW").password({"PW": ""})
    blank = tmp_path / "blank"
    blank.write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        EmailConfig(password_file=blank).password({})
    pw = tmp_path / "pw"
    pw.write_text("s3cret\nignored\n")
    assert EmailConfig(password_file=pw).password({}) == "s3cret"
    assert EmailConfig().password({}) is None


def test_loose_permissions_are_flagged(tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("s3cret\n")
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text(f'[email]\npassword_file = "{pw}"\n')
    pw.chmod(0o644)
    cfg_file.chmod(0o644)
    warnings = secret_warnings(load_config(cfg_file, env={}))
    assert any(f"chmod 600 {pw}" in w for w in warnings)
    assert any(str(cfg_file) in w for w in warnings)
    pw.chmod(0o600)
    cfg_file.chmod(0o600)
    assert secret_warnings(load_config(cfg_file, env={})) == []


def test_config_show_masks_secrets_and_warns(cli_env: Path) -> None:
    pw = cli_env / "pw"
    pw.write_text("hunter2\n")
    pw.chmod(0o640)
    cfg = cli_env / "c.toml"
    cfg.write_text(f'[email]\nto = ["sec@example.org"]\nusername = "cam"\npassword_file = "{pw}"\n')
    cfg.chmod(0o600)
    result = run_camscan("config", "show", "--config", str(cfg))
    assert result.exit_code == 0
    assert "hunter2" not in result.stdout
    assert "********" in result.stdout
    assert f"# files read: {cfg}" in result.stdout
    assert "readable by group/others" in result.stderr
    data = json.loads(run_camscan("config", "show", "--config", str(cfg), "-f", "json").stdout)
    assert data["email"]["to"] == ["sec@example.org"]
    env = run_camscan(
        "config", "show", "--config", str(cfg), env={"S": "x", "CAMSCAN_EMAIL_PASSWORD_ENV": "S"}
    )
    assert "from $S, set" in env.stdout
    assert "x" not in env.stdout.split("password")[1].split("\n")[0].replace("$S, set", "")


def test_default_locations_and_env_config(cli_env: Path) -> None:
    user = cli_env / "config" / "camscan" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text('[output]\nfail_on = "never"\n')
    assert load_config().output.fail_on == "never"
    other = cli_env / "o.toml"
    other.write_text('[output]\nfail_on = "suspected"\n')
    assert load_config(env={"CAMSCAN_CONFIG": str(other)}).output.fail_on == "suspected"


def test_reports_doc_lists_every_variable() -> None:
    doc = (EXAMPLE.parents[1] / "docs" / "reports.md").read_text(encoding="utf-8")
    missing = [name for name, _, _ in env_table() if f"`{name}`" not in doc]
    assert not missing, f"docs/reports.md lacks {missing}"

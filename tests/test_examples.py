"""The shipped examples stay usable: config loads and names real policies, cron line is valid."""

from __future__ import annotations

from camscan.config import load_config
from camscan.policy import resolve
from tests.helpers import REPO


def test_example_config_loads_and_names_shipped_policies() -> None:
    config = load_config(REPO / "examples" / "config.toml", env={})
    assert config.scan.policies
    assert [p.id for p in resolve(config.scan.policies)] == config.scan.policies


def test_example_crontab_runs_a_quiet_emailing_scan() -> None:
    lines = [
        line
        for line in (REPO / "examples" / "crontab").read_text().splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]
    (line,) = lines
    fields = line.split()
    assert len(fields[:5]) == 5
    assert fields[6] == "scan"
    assert {"--quiet", "--email", "--config"} <= set(fields)

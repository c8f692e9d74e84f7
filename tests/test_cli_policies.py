"""`--policy` replaces the default set (said in --help and README); `policies list` reads well."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from camscan.cli import main
from camscan.policy import shipped_policies
from tests.test_cli_identify import DOC


def _identify(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["identify", "-", "-f", "json", "--no-db", *args],
                                input=json.dumps(DOC))  # fmt: skip
    doc: dict[str, object] = json.loads(result.stdout)
    return doc


def test_policy_replaces_the_default_set() -> None:
    assert _identify()["tool"]["policies"] == ["us-ndaa-889"]  # type: ignore[index]
    only_uk = _identify("--policy", "uk-2022-sensitive-sites")
    assert only_uk["tool"]["policies"] == ["uk-2022-sensitive-sites"]  # type: ignore[index]
    both = _identify("--policy", "us-ndaa-889", "--policy", "uk-2022-sensitive-sites")
    assert both["tool"]["policies"] == ["us-ndaa-889", "uk-2022-sensitive-sites"]  # type: ignore[index]
    matched = {m["policy"] for m in both["devices"][0]["policy"]["matches"]}  # type: ignore[index]
    assert matched == {"us-ndaa-889", "uk-2022-sensitive-sites"}


def test_policy_help_says_replace_and_lists_every_shipped_id() -> None:
    for command in ("scan", "identify"):
        text = " ".join(CliRunner().invoke(main, [command, "--help"]).stdout.split())
        assert "Replaces the default set" in text
        for policy in shipped_policies():
            assert policy.id in text.replace("- ", "-"), (command, policy.id)


def test_policies_list_aligns_columns_and_counts_in_words() -> None:
    out = CliRunner().invoke(main, ["policies", "list"]).stdout
    rows = [line for line in out.splitlines() if re.match(r"[* ] ", line) and "applied" not in line]
    assert len(rows) == len(shipped_policies())
    date_offsets = {re.search(r"\d{4}-\d{2}-\d{2}", row).start() for row in rows}  # type: ignore[union-attr]
    assert len(date_offsets) == 1, out
    title_offsets = {len(re.match(r"^(.*?entit(?:y|ies)\s+)", row).group(1)) for row in rows}  # type: ignore[union-attr]
    assert len(title_offsets) == 1, out
    assert re.search(r"\b1 entity\b", out)
    assert "1 entities" not in out

"""The signature validator: every problem is reported with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from camscan.signatures.loader import load_families

RULE = """\
family: {name}
vendor: Test
rules:
  - id: {rule_id}
    signal: http.server
    kind: firmware
    match: regex
    pattern: '{pattern}'
    weight: 0.5
    references: [test]
    examples: ["x"]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path) -> list[str]:
    _, problems = load_families([tmp_path])
    return [str(p) for p in problems]


def test_bad_yaml_has_a_line(tmp_path: Path) -> None:
    _write(tmp_path, "bad", "family: bad\nvendor: [unclosed\nrules: []\n")
    (problem,) = _problems(tmp_path)
    assert "bad.yaml:3:" in problem or "bad.yaml:2:" in problem
    assert "bad YAML" in problem


def test_unknown_field_points_at_its_line(tmp_path: Path) -> None:
    text = RULE.format(name="t", rule_id="t-a", pattern="x") + "    wieght: 0.3\n"
    _write(tmp_path, "t", text)
    (problem,) = _problems(tmp_path)
    assert problem.endswith("rules.0.wieght: Extra inputs are not permitted")
    assert "t.yaml:12:" in problem


@pytest.mark.parametrize("pattern", ["(a+)+$", "(x*)*y", "(?:a|aa)+(b+)+", "((ab)*c)*"])
def test_catastrophic_regex_is_refused(tmp_path: Path, pattern: str) -> None:
    _write(tmp_path, "t", RULE.format(name="t", rule_id="t-a", pattern=pattern))
    (problem,) = _problems(tmp_path)
    assert "catastrophic" in problem
    assert "t.yaml:4:" in problem  # the rule's line


def test_invalid_regex_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "t", RULE.format(name="t", rule_id="t-a", pattern="(unclosed"))
    (problem,) = _problems(tmp_path)
    assert "invalid regex" in problem


def test_unknown_extractor_group_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "t", RULE.format(name="t", rule_id="t-a", pattern="(?P<colour>x)"))
    assert "unknown named group" in _problems(tmp_path)[0]


def test_duplicate_rule_ids_across_files(tmp_path: Path) -> None:
    _write(tmp_path, "a", RULE.format(name="a", rule_id="same", pattern="x"))
    _write(tmp_path, "b", RULE.format(name="b", rule_id="same", pattern="y"))
    (problem,) = _problems(tmp_path)
    assert "duplicate rule id 'same'" in problem
    assert "b.yaml:4:" in problem


def test_one_pattern_claimed_by_two_makers_is_refused(tmp_path: Path) -> None:
    """A favicon hash once named both Alibi (its own family) and Hikvision (an Alibi label)."""
    _write(tmp_path, "a", RULE.format(name="a", rule_id="a-x", pattern="1876585825"))
    other = RULE.format(name="b", rule_id="b-x", pattern="1876585825")
    _write(tmp_path, "b", other.replace("vendor: Test", "vendor: Other"))
    (problem,) = _problems(tmp_path)
    assert "b.yaml:4:" in problem
    assert "rule 'b-x' claims" in problem
    assert "'a-x' gives to Test" in problem


def test_one_pattern_in_one_makers_families_and_generic_is_allowed(tmp_path: Path) -> None:
    _write(tmp_path, "a", RULE.format(name="a", rule_id="a-x", pattern="uc-httpd"))
    _write(tmp_path, "b", RULE.format(name="b", rule_id="b-x", pattern="uc-httpd"))
    generic = RULE.format(name="g", rule_id="g-x", pattern="uc-httpd")
    _write(
        tmp_path,
        "g",
        generic.replace("vendor: Test", "vendor: null").replace("firmware", "generic"),
    )
    assert _problems(tmp_path) == []


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    _write(tmp_path, "t", "family: t\nvendor: A\nvendor: B\n")
    (problem,) = _problems(tmp_path)
    assert "duplicate key 'vendor'" in problem
    assert "t.yaml:3:" in problem


def test_unknown_signal_and_label_without_brand(tmp_path: Path) -> None:
    text = RULE.format(name="t", rule_id="t-a", pattern="x").replace("http.server", "http.srv")
    text = text.replace("kind: firmware", "kind: label")
    _write(tmp_path, "t", text)
    problems = _problems(tmp_path)
    assert any("unknown signal 'http.srv'" in p for p in problems)


def test_family_must_match_file_name(tmp_path: Path) -> None:
    _write(tmp_path, "other", RULE.format(name="t", rule_id="t-a", pattern="x"))
    assert "must match file name" in _problems(tmp_path)[0]

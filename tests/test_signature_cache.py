"""The per-user cache of validated signatures (camscan/signatures/cache.py): used when no input
changed, rebuilt when one did, never for invalid files, never read when others could write it."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from camscan.signatures import SignatureError, load_signatures
from camscan.signatures import _cached as signatures_cached
from camscan.signatures.cache import cached, key_for

EXTRA_FAMILY = """\
family: cachetest
vendor: Cachetest Vision
country: XX
rules:
  - id: cachetest-server
    signal: http.server
    kind: firmware
    match: exact
    pattern: {pattern}
    weight: 0.9
    references: ["camscan research notes"]
    examples: ["{pattern}"]
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("CAMSCAN_CACHE_DIR", str(directory))
    signatures_cached.cache_clear()  # the in-process cache would hide the disk cache
    yield directory
    signatures_cached.cache_clear()


def _inputs(tmp_path: Path, text: str = "a: 1\n") -> list[Path]:
    path = tmp_path / "input.yaml"
    path.write_text(text)
    return [path]


def test_second_call_comes_from_the_cache_without_building(cache: Path, tmp_path: Path) -> None:
    files = _inputs(tmp_path)
    calls: list[int] = []

    def build() -> dict[str, int]:
        calls.append(1)
        return {"built": len(calls)}

    assert cached("demo", files, build) == {"built": 1}
    assert cached("demo", files, build) == {"built": 1}
    assert len(calls) == 1
    (entry,) = cache.glob("demo-*.pickle")
    assert entry.stat().st_mode & 0o022 == 0  # nobody else may write it


def test_an_edited_input_gets_a_new_key_and_is_rebuilt(cache: Path, tmp_path: Path) -> None:
    files = _inputs(tmp_path, "a: 1\n")
    first = key_for("demo", files)
    assert cached("demo", files, lambda: "old") == "old"
    files[0].write_text("a: 2\n")
    assert key_for("demo", files) != first
    assert cached("demo", files, lambda: "new") == "new"


def test_a_failing_build_is_not_cached(cache: Path, tmp_path: Path) -> None:
    files = _inputs(tmp_path)

    def broken() -> str:
        raise ValueError("invalid")

    with pytest.raises(ValueError, match="invalid"):
        cached("demo", files, broken)
    assert not list(cache.glob("demo-*.pickle"))
    assert cached("demo", files, lambda: "valid") == "valid"


def test_an_entry_others_may_write_is_never_read(cache: Path, tmp_path: Path) -> None:
    files = _inputs(tmp_path)
    name = key_for("demo", files)
    assert name is not None
    cache.mkdir(mode=0o700)
    planted = cache / name
    planted.write_bytes(pickle.dumps((name, "planted")))
    os.chmod(planted, 0o600)
    assert cached("demo", files, lambda: "built") == "planted"  # ours: trusted
    os.chmod(planted, 0o666)
    assert cached("demo", files, lambda: "built") == "built"  # world-writable: ignored


def test_off_disables_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMSCAN_CACHE_DIR", "off")
    files = _inputs(tmp_path)
    calls: list[int] = []
    for _ in range(2):
        cached("demo", files, lambda: calls.append(1))
    assert len(calls) == 2


def test_signatures_from_the_cache_match_and_see_edits(cache: Path, tmp_path: Path) -> None:
    extra = tmp_path / "sigs"
    extra.mkdir()
    (extra / "cachetest.yaml").write_text(EXTRA_FAMILY.format(pattern="CacheCam/1.0"))
    fresh = load_signatures([extra])
    signatures_cached.cache_clear()
    again = load_signatures([extra])  # now from the disk cache
    assert len(list(cache.glob("families-*.pickle"))) == 1
    assert again is not fresh
    assert again.families.keys() == fresh.families.keys()
    assert [r.rule.id for r in again.rules] == [r.rule.id for r in fresh.rules]
    assert again.http_paths == fresh.http_paths
    rule = next(r for r in again.rules if r.rule.id == "cachetest-server")
    assert rule.match("CacheCam/1.0") is not None
    hik = next(r for r in again.rules if r.regex is not None and r.family.family == "hikvision")
    assert hik.regex is not None  # compiled on first use
    # An edit makes a new key: the new pattern is used, not the cached one.
    (extra / "cachetest.yaml").write_text(EXTRA_FAMILY.format(pattern="CacheCam/2.0"))
    signatures_cached.cache_clear()
    edited = load_signatures([extra])
    rule = next(r for r in edited.rules if r.rule.id == "cachetest-server")
    assert rule.match("CacheCam/2.0") is not None
    assert rule.match("CacheCam/1.0") is None


def test_invalid_signatures_still_fail_with_their_line(cache: Path, tmp_path: Path) -> None:
    extra = tmp_path / "sigs"
    extra.mkdir()
    bad = EXTRA_FAMILY.format(pattern="CacheCam/1.0").replace("weight: 0.9", "weight: 7")
    (extra / "cachetest.yaml").write_text(bad)
    for _ in range(2):  # the failure is never cached
        signatures_cached.cache_clear()
        with pytest.raises(SignatureError) as info:
            load_signatures([extra])
        found = [(p.line, p.message.split(":")[0]) for p in info.value.problems]
        assert found == [(10, "rules.0.weight")]

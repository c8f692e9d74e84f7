"""Property tests: every parser of untrusted input returns its result or its documented error,
and every string it hands on is inert UTF-8, for inputs mutated from the project's fixtures.

The targets and seeds are in tests/parser_targets.py; benchmarks/fuzz_parsers.py runs the same
contract over 100,000 inputs per parser (numbers in docs/benchmarks.md).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.parser_targets import TARGETS, TOKENS, Target, check

# One edit: at a position (taken modulo the length), delete some bytes, insert others.
edit = st.tuples(
    st.integers(min_value=0, max_value=1 << 16),
    st.integers(min_value=0, max_value=64),
    st.binary(max_size=16) | st.sampled_from(TOKENS),
)


def _apply(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    buf = bytearray(data)
    for pos, delete, insert in edits:
        at = pos % (len(buf) + 1)
        buf[at : at + delete] = insert
    return bytes(buf)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_parse(name: str) -> None:
    """Each target's seeds are real messages: most of them parse to a result."""
    target = TARGETS[name]
    results = [check(target, seed) for seed in target.seeds()]
    assert sum(results) >= max(1, len(results) - 1), f"{name}: seeds refused: {results}"


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(choice=st.integers(min_value=0), edits=st.lists(edit, min_size=1, max_size=4))
def test_mutated_input_gives_result_or_documented_error(
    name: str, choice: int, edits: list[tuple[int, int, bytes]]
) -> None:
    target: Target = TARGETS[name]
    seeds = target.seeds()
    check(target, _apply(seeds[choice % len(seeds)], edits))  # raises on a broken contract


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=25, deadline=None)
@given(data=st.binary(max_size=512))
@example(data=b"")
@example(data=b'<?xml version="" encoding="F"?>')
@example(data=b"1" * 4301)
def test_arbitrary_bytes_give_result_or_documented_error(name: str, data: bytes) -> None:
    check(TARGETS[name], data)

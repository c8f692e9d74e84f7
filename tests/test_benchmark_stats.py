"""Interval maths and corpus plumbing of the identification benchmarks (benchmarks/corpus.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "benchmarks" / "corpus.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_corpus"] = module
    spec.loader.exec_module(module)
    return module


CORPUS = _corpus_module()


@pytest.mark.parametrize(
    ("k", "n", "expected"),
    [(22, 22, (0.851, 1.0)), (0, 10, (0.0, 0.278)), (5, 10, (0.237, 0.763))],
)
def test_wilson_interval(k: int, n: int, expected: tuple[float, float]) -> None:
    assert CORPUS.wilson(k, n) == expected


def test_wilson_of_nothing_is_none() -> None:
    assert CORPUS.wilson(0, 0) is None


def test_camera_or_recorder_counts_for_either() -> None:
    assert CORPUS.type_matches("camera", "camera-or-recorder")
    assert CORPUS.type_matches("recorder", "camera-or-recorder")
    assert not CORPUS.type_matches("router", "camera-or-recorder")
    assert not CORPUS.type_matches(None, "camera")


def test_router_or_switch_counts_for_either_and_nothing_else() -> None:
    assert CORPUS.type_matches("router", "router-or-switch")
    assert CORPUS.type_matches("switch", "router-or-switch")
    assert not CORPUS.type_matches("access-point", "router-or-switch")
    assert not CORPUS.type_matches("switch", "router")


def test_corpus_values_are_decoded_like_the_parsers() -> None:
    device = {
        "observations": [{"signal": "wsd.scope", "value": "onvif://www.onvif.org/name/A%20B"}]
    }
    (obs,) = CORPUS.observations(device)
    assert obs.value == "onvif://www.onvif.org/name/A B"


def test_a_rule_citing_a_held_out_source_contaminates_its_devices(tmp_path: Path) -> None:
    """If a rule ever cites a held-out source again, the benchmarks leave that source out."""
    (tmp_path / "x.yaml").write_text(
        "family: x\nrules:\n  - id: x-realm\n"
        "    references: ['https://github.com/Ullaakut/cameradar/issues/199']\n",
        encoding="utf-8",
    )
    cited = CORPUS.cited_against_the_split(tmp_path)
    assert cited == {"ullaakut/cameradar"}
    assert CORPUS.contaminated_by_rules({"source": "Ullaakut/cameradar#12"}, cited)
    assert not CORPUS.contaminated_by_rules(
        {"source": "https://github.com/koush/scrypted/issues/1"}, cited
    )


def test_the_shipped_rules_contaminate_no_held_out_source() -> None:
    assert CORPUS.cited_against_the_split() == frozenset()

"""Shared helpers for the identification benchmarks: corpus loading and interval maths.

Corpus files (tests/corpus/held-out.yaml, tests/corpus/training.yaml) list devices with
``observations`` (signal, value as captured, optional port), an optional ``mac`` and a
``truth`` (vendor, brand, restricted_under_ndaa, device_type). Values are written as the
device sent them, so they pass through the same decoding the parsers apply
(camscan.signatures.payloads.as_parsed) before identification.
"""

from __future__ import annotations

import importlib.util
import math
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from camscan.models import Observation
from camscan.signatures.payloads import as_parsed

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = ROOT / "tests" / "corpus" / "held-out.yaml"
TRAINING = ROOT / "tests" / "corpus" / "training.yaml"
VIDEO = frozenset({"camera", "recorder", "encoder", "thermal", "ptz", "camera-or-recorder"})


def load(path: Path) -> list[dict[str, Any]]:
    """The device list of a corpus file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    devices = data["devices"] if isinstance(data, dict) else data
    assert isinstance(devices, list)
    return devices


def observations(device: dict[str, Any]) -> list[Observation]:
    """A corpus device's observations as the probes would have produced them."""
    return [
        Observation(
            signal=o["signal"], value=as_parsed(o["signal"], str(o["value"])), port=o.get("port")
        )
        for o in device.get("observations", [])
    ]


@cache
def _split() -> Any:
    """tests/test_source_split.py, the one definition of the source split."""
    spec = importlib.util.spec_from_file_location("split", ROOT / "tests" / "test_source_split.py")
    assert spec is not None
    assert spec.loader is not None
    split = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(split)
    return split


def cited_against_the_split(signature_dir: Path | None = None) -> frozenset[str]:
    """Source identities that some rule cites although no rule may (the leaks of
    tests/test_source_split.py). Empty while that test passes; if a leak ever lands, the
    benchmarks leave the devices of those sources out instead of scoring rules on their
    own source."""
    split = _split()
    leaks = split.leaks() if signature_dir is None else split.leaks(signature_dir)
    return frozenset(identity for _, identity in leaks)


def contaminated_by_rules(device: dict[str, Any], cited: frozenset[str] | None = None) -> bool:
    """Whether a rule cites the source this held-out device comes from (``cited``: the
    identities to check, by default cited_against_the_split())."""
    cited = cited_against_the_split() if cited is None else cited
    return bool(_split().identities(str(device.get("source", ""))) & cited)


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The 95 % Wilson score interval of a proportion; None when n is 0."""
    if n == 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(max(0.0, centre - half), 3), round(min(1.0, centre + half), 3)


def type_matches(truth: str | None, found: str) -> bool:
    """Whether a found device type agrees with the truth (the coarse camera-or-recorder and
    router-or-switch count as right for either of their two; other types must be exact)."""
    if not truth:
        return False
    if found == "camera-or-recorder":
        return truth in ("camera", "recorder")
    if found == "router-or-switch":
        return truth in ("router", "switch")
    return found == truth

"""Identification goldens: the real pipeline (payload parsers → identify → policy) on captured
devices (tests/data/captured/devices.yaml). Nothing here is typed by hand: regenerate with
``python -m tests.golden.test_identification_golden`` (or ``CAMSCAN_UPDATE_GOLDEN=1 pytest
tests/golden/test_identification_golden.py``) after an intended model or signature change, and
review the diff like code. Weights and rule ids are left out so adding rules does not churn it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from camscan.evidence import DEVICE_LEVEL
from camscan.identify import identify
from camscan.policy import evaluate, resolve
from camscan.signatures import load_signatures
from camscan.signatures.payloads import PayloadFormat, parse_payload

REPO = Path(__file__).resolve().parents[2]
CAPTURED = REPO / "tests" / "data" / "captured" / "devices.yaml"
GOLDEN = Path(__file__).parent / "identification.json"


def outcomes() -> dict[str, Any]:
    """What camscan concludes about every captured device."""
    sigset = load_signatures()
    policies = resolve([])
    out: dict[str, Any] = {}
    for device in yaml.safe_load(CAPTURED.read_text(encoding="utf-8"))["devices"]:
        observations = [
            o
            for p in device["payloads"]
            for o in parse_payload(PayloadFormat(p["format"]), p["data"], p.get("port"))
        ]
        ident = identify(observations, device.get("mac"), sigset)
        verdict = evaluate(ident, policies, sigset)
        out[device["id"]] = {
            "vendor": ident.vendor,
            "brand": ident.brand,
            "relation": ident.relation,
            "model": ident.model,
            "firmware": ident.firmware,
            "device_type": ident.device_type,
            "conflicts": [c.vendor for c in ident.conflicts],
            "device_level_groups": sorted(
                {e.group for e in ident.evidence if e.counted and e.kind in DEVICE_LEVEL}
            ),
            "status": "restricted"
            if verdict.restricted
            else "suspected"
            if verdict.suspected
            else "clear",
            "policy_via": [m.via for m in verdict.matches],
        }
    return out


def write() -> None:
    """Regenerate the golden file from the real pipeline."""
    GOLDEN.write_text(json.dumps(outcomes(), indent=2, ensure_ascii=False) + "\n", "utf-8")


def test_identification_of_captured_devices_matches_the_golden() -> None:
    if os.environ.get("CAMSCAN_UPDATE_GOLDEN") == "1":
        write()
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert outcomes() == expected, (
        "identification of captured devices changed: review, then regenerate with "
        "`python -m tests.golden.test_identification_golden`"
    )


def test_captured_restricted_devices_are_flagged() -> None:
    """Independent of the golden: every captured Hikvision/Dahua box is at least suspected."""
    for device_id, outcome in outcomes().items():
        if device_id.startswith(("hikvision", "ezviz", "dahua")):
            assert outcome["status"] != "clear", device_id


if __name__ == "__main__":
    write()

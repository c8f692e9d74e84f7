"""Measure identification on the held-out corpus of real banners (tests/corpus/).

For "restricted under the default policy (US NDAA 889)" it reports precision and recall, and
for vendors the share of devices whose vendor camscan named correctly. The corpus is kept apart
from the signature examples (tests/test_corpus_disjoint.py), so this is not a self-test.

    python benchmarks/identification.py [--corpus tests/corpus/real-devices.yaml] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from camscan.identify import identify
from camscan.models import Observation
from camscan.policy import evaluate, resolve
from camscan.signatures import load_signatures

ROOT = Path(__file__).resolve().parent.parent


def score(corpus: list[dict[str, Any]]) -> dict[str, Any]:
    """Precision/recall for 'restricted' and vendor accuracy over ``corpus``."""
    sigset = load_signatures()
    policies = resolve([])
    tp = fp = fn = tn = 0
    vendor_right = vendor_total = 0
    misses: list[dict[str, Any]] = []
    for device in corpus:
        observations = [
            Observation(signal=o["signal"], value=str(o["value"]), port=o.get("port"))
            for o in device.get("observations", [])
        ]
        ident = identify(observations, device.get("mac"), sigset)
        verdict = evaluate(ident, policies, sigset)
        truth = device["truth"]
        expected = bool(truth.get("restricted_under_ndaa"))
        if verdict.restricted and expected:
            tp += 1
        elif verdict.restricted:
            fp += 1
        elif expected:
            fn += 1
        else:
            tn += 1
        if truth.get("vendor") is not None:
            vendor_total += 1
            vendor_right += ident.vendor == truth["vendor"]
        if verdict.restricted != expected or (
            truth.get("vendor") is not None and ident.vendor != truth["vendor"]
        ):
            misses.append({
                "id": device.get("id"), "truth": truth, "vendor": ident.vendor,
                "brand": ident.brand, "confidence": ident.confidence,
                "restricted": verdict.restricted, "suspected": verdict.suspected,
            })
    return {
        "devices": len(corpus),
        "restricted": {"tp": tp, "fp": fp, "fn": fn, "tn": tn,
                       "precision": tp / (tp + fp) if tp + fp else None,
                       "recall": tp / (tp + fn) if tp + fn else None},
        "vendor_accuracy": vendor_right / vendor_total if vendor_total else None,
        "vendor_labelled": vendor_total,
        "misses": misses,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests/corpus/real-devices.yaml")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = parser.parse_args()
    data = yaml.safe_load(args.corpus.read_text(encoding="utf-8"))
    corpus = data["devices"] if isinstance(data, dict) else data
    result = score(corpus)
    if args.json:
        json.dump(result, sys.stdout, indent=2, default=str)
        print()
        return 0
    r = result["restricted"]
    print(f"devices: {result['devices']}")
    print(f"restricted (us-ndaa-889): precision {r['precision']}, recall {r['recall']} "
          f"(tp {r['tp']}, fp {r['fp']}, fn {r['fn']}, tn {r['tn']})")
    print(f"vendor accuracy: {result['vendor_accuracy']} over {result['vendor_labelled']}")
    for miss in result["misses"]:
        print(f"  miss: {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Measure identification on the held-out corpus of real banners (tests/corpus/).

For "restricted under the default policy (US NDAA 889)" it reports precision and recall, and
for vendors the share of devices whose vendor camscan named correctly. The corpus is kept apart
from the signature examples (tests/test_corpus_disjoint.py), so this is not a self-test.

    python benchmarks/identification.py [--corpus tests/corpus/held-out.yaml] [--json]
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
    known = {f.vendor for f in sigset.families.values() if f.vendor}
    tp = fp = fn = tn = 0
    vendors = {"correct": 0, "unnamed": 0, "wrong": 0}
    others = {"unnamed": 0, "wrong": 0}
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
        true_vendor = truth.get("vendor")
        if true_vendor in known:
            outcome = ("correct" if ident.vendor == true_vendor
                       else "unnamed" if ident.vendor is None else "wrong")
            vendors[outcome] += 1
        else:
            outcome = "unnamed" if ident.vendor is None else "wrong"
            others[outcome] += 1
        if verdict.restricted != expected or outcome == "wrong" or (
            true_vendor in known and outcome == "unnamed"
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
        "vendor_known_family": vendors,
        "vendor_unknown_family": others,
        "misses": misses,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests/corpus/held-out.yaml")
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
    print(f"vendor, maker has a signature family: {result['vendor_known_family']}")
    print(f"vendor, maker without a family (should stay unnamed): "
          f"{result['vendor_unknown_family']}")
    for miss in result["misses"]:
        print(f"  miss: {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

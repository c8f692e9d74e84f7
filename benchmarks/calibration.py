"""Fit rule-class weights on the training corpus and report how well they are calibrated.

A rule class is an independence group and a rule kind (``web server/firmware``,
``onvif device information/label``, ``mac prefix/oui``...; camscan/evidence.py). For every
training device, group and vendor, the strongest uncalibrated rule is one sample: x is the
logit of its hand-set weight, y says whether that vendor is the device's true vendor. A
logistic (Platt) fit ``P(y) = sigmoid(a[class] + x)`` — the hand-set weight as offset, one
intercept per class, a Gaussian prior (variance PRIOR) pulling each intercept to 0, i.e. to
the hand-set weight — gives the calibrated weights. With few samples per class a free slope
overfits (every weight pushed to 0 or 1), so the slope stays 1. ``--write`` stores them in
signatures/calibration/weights.yaml (data, read by camscan.evidence).

The report is a reliability table and the Brier score of the identification confidence
("the named vendor is right"), on the training corpus (in-sample) and on the held-out corpus
(without the devices a grandfathered rule's source contaminates), before and after calibration.

    python benchmarks/calibration.py [--write] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from corpus import (
    HELD_OUT,
    ROOT,
    TRAINING,
    cited_against_the_split,
    contaminated_by_rules,
    load,
    observations,
)

from camscan.evidence import CALIBRATION_FILE, Calibration, logit, rule_class, sigmoid
from camscan.identify import OUI_WEIGHT, identify
from camscan.signatures import SignatureSet, load_signatures

PRIOR = 1.0  # variance of the Gaussian prior on each class intercept (logit units)
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0001)

Sample = tuple[str, float, int]


def samples(devices: list[dict[str, Any]], sigset: SignatureSet) -> list[Sample]:
    """(class, logit of hand-set weight, vendor is right) per device, group and vendor."""
    raw = {c.rule.id: c.rule.weight for c in sigset.rules}
    out: list[Sample] = []
    for device in devices:
        ident = identify(observations(device), device.get("mac"), sigset, Calibration())
        best: dict[tuple[str, str], tuple[float, str]] = {}
        for e in ident.evidence:
            if not (e.vendor and e.counted and e.weight > 0):
                continue
            weight = OUI_WEIGHT if e.rule.startswith("oui:") else raw[e.rule]
            key = (e.group, e.vendor)
            if weight > best.get(key, (0.0, ""))[0]:
                best[key] = (weight, rule_class(e.group, e.kind))
        truth = device["truth"].get("vendor")
        for (_, vendor), (weight, cls) in sorted(best.items()):
            out.append((cls, logit(weight), int(vendor == truth)))
    return out


def fit(data: list[Sample], steps: int = 3000, rate: float = 0.1) -> Calibration:
    """Penalised logistic fit of the class intercepts by gradient descent (a few hundred
    samples: plain Python, deterministic)."""
    classes = sorted({c for c, _, _ in data})
    a = dict.fromkeys(classes, 0.0)
    size = Counter(c for c, _, _ in data)
    for _ in range(steps):
        grad = {c: a[c] / PRIOR for c in classes}
        for cls, x, y in data:
            grad[cls] += sigmoid(a[cls] + x) - y
        for c in classes:
            a[c] -= rate * grad[c] / (size[c] + 1 / PRIOR)
    return Calibration(1.0, {c: round(v, 4) for c, v in a.items()})


def reliability(
    devices: list[dict[str, Any]], sigset: SignatureSet, calibration: Calibration
) -> dict[str, Any]:
    """Brier score and reliability table of "the named vendor is right" over devices where
    camscan named a vendor."""
    pairs = []
    for device in devices:
        ident = identify(observations(device), device.get("mac"), sigset, calibration)
        if ident.vendor:
            pairs.append((ident.confidence, int(ident.vendor == device["truth"].get("vendor"))))
    table = []
    for low, high in pairwise(BINS):
        inside = [(p, y) for p, y in pairs if low <= p < high]
        if inside:
            table.append(
                {
                    "bin": f"{low:.1f}–{min(high, 1.0):.1f}",
                    "devices": len(inside),
                    "mean_confidence": round(sum(p for p, _ in inside) / len(inside), 3),
                    "right": round(sum(y for _, y in inside) / len(inside), 3),
                }
            )
    brier = sum((p - y) ** 2 for p, y in pairs) / len(pairs) if pairs else math.nan
    return {"named": len(pairs), "brier": round(brier, 4), "table": table}


def write(calibration: Calibration, data: list[Sample], devices: int, path: Path) -> None:
    """Store the fitted weights as data with how they were made."""
    counts = Counter(c for c, _, _ in data)
    right = Counter(c for c, _, y in data if y)
    doc = {
        "method": "logistic (Platt) fit of one intercept per rule class, hand-set weight as "
        f"offset, Gaussian prior (variance {PRIOR}) towards it (benchmarks/calibration.py)",
        "fitted": date.today().isoformat(),
        "corpus": str(TRAINING.relative_to(ROOT)),
        "devices": devices,
        "samples": len(data),
        "slope": calibration.slope,
        "classes": {
            c: {"intercept": v, "samples": counts[c], "right": right[c]}
            for c, v in calibration.intercepts.items()
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# Generated by `python benchmarks/calibration.py --write`; do not edit by hand.\n"
    path.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), "utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the fitted weights")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    sigset = load_signatures()
    training = load(TRAINING)
    cited = cited_against_the_split()
    held_out = [d for d in load(HELD_OUT) if not contaminated_by_rules(d, cited)]
    data = samples(training, sigset)
    fitted = fit(data)
    if args.write:
        write(fitted, data, len(training), sigset.directory / CALIBRATION_FILE)
    report: dict[str, Any] = {
        "samples": len(data),
        "slope": fitted.slope,
        "intercepts": fitted.intercepts,
        "training": {
            "hand-set": reliability(training, sigset, Calibration()),
            "calibrated": reliability(training, sigset, fitted),
        },
        "held-out": {
            "hand-set": reliability(held_out, sigset, Calibration()),
            "calibrated": reliability(held_out, sigset, fitted),
        },
    }
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
        return 0
    print(f"{len(data)} samples from {len(training)} training devices; slope {fitted.slope}")
    for cls, value in fitted.intercepts.items():
        print(f"  {cls:<40} intercept {value:+.3f}")
    for split in ("training", "held-out"):
        for variant in ("hand-set", "calibrated"):
            r = report[split][variant]
            print(f"{split} {variant}: Brier {r['brier']} over {r['named']} named devices")
            for row in r["table"]:
                print(
                    f"  {row['bin']:<9} n={row['devices']:<4} "
                    f"confidence {row['mean_confidence']:.3f}  right {row['right']:.3f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

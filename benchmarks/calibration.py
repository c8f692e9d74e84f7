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
("the named vendor is right"), before and after calibration:

- out-of-sample on the training corpus by k-fold cross-validation (FOLDS folds by a stable
  hash of the device id): each fold is scored with intercepts fitted on the other folds only,
  and the folds' devices are pooled into one table;
- in-sample on the training corpus (the shipped fit scored on the devices it was fitted on);
- on the held-out corpus as the final check (a held-out device whose source a rule cites, which
  tests/test_source_split.py forbids, would be left out).

tests/test_calibration_weights.py checks that the shipped weights are what this script fits,
within TOLERANCE, so they are never edited by hand.

    python benchmarks/calibration.py [--write] [--json | --markdown]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import zlib
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

from camscan.evidence import (
    CALIBRATION_FILE,
    Calibration,
    group_of,
    logit,
    rule_class,
    sigmoid,
)
from camscan.identify import OUI_WEIGHT, identify, label_bearing
from camscan.models import EvidenceKind
from camscan.policy import CONFIRM_CONFIDENCE, evaluate, resolve
from camscan.signatures import SignatureSet, load_signatures
from camscan.signatures.schema import RuleKind

PRIOR = 1.0  # variance of the Gaussian prior on each class intercept (logit units)
FOLDS = 5  # cross-validation folds
TOLERANCE = 0.1  # largest difference (logit units) between shipped and fitted intercepts
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


def fold_of(device: dict[str, Any], folds: int = FOLDS) -> int:
    """The cross-validation fold of a device: a stable hash of its id."""
    return zlib.crc32(str(device["id"]).encode("utf-8")) % folds


def scored(
    devices: list[dict[str, Any]], sigset: SignatureSet, calibration: Calibration
) -> list[tuple[float, int]]:
    """(confidence, named vendor is right) for every device where camscan names a vendor."""
    pairs = []
    for device in devices:
        ident = identify(observations(device), device.get("mac"), sigset, calibration)
        if ident.vendor:
            pairs.append((ident.confidence, int(ident.vendor == device["truth"].get("vendor"))))
    return pairs


def summarise(pairs: list[tuple[float, int]]) -> dict[str, Any]:
    """Brier score and reliability table of (confidence, right) pairs."""
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


def reliability(
    devices: list[dict[str, Any]], sigset: SignatureSet, calibration: Calibration
) -> dict[str, Any]:
    """Brier score and reliability table of "the named vendor is right" over devices where
    camscan named a vendor."""
    return summarise(scored(devices, sigset, calibration))


def cross_validate(
    devices: list[dict[str, Any]], sigset: SignatureSet, folds: int = FOLDS
) -> dict[str, Any]:
    """Out-of-sample calibration: every fold scored with a fit on the other folds, pooled;
    the hand-set weights are scored on the same devices for comparison."""
    calibrated: list[tuple[float, int]] = []
    per_fold = []
    for k in range(folds):
        inside = [d for d in devices if fold_of(d, folds) == k]
        fitted = fit(samples([d for d in devices if fold_of(d, folds) != k], sigset))
        pairs = scored(inside, sigset, fitted)
        calibrated += pairs
        per_fold.append({"fold": k, "devices": len(inside), **summarise(pairs)})
    return {
        "folds": folds,
        "hand-set": reliability(devices, sigset, Calibration()),
        "calibrated": summarise(calibrated),
        "per_fold_brier": [
            {"fold": f["fold"], "named": f["named"], "brier": f["brier"]} for f in per_fold
        ],
    }


def confirmations(
    devices: list[dict[str, Any]], sigset: SignatureSet, calibration: Calibration
) -> dict[str, int]:
    """Confirmed restricted devices under the default policy: right (restricted in truth)
    and wrong, to show how much of the restricted recall calibration brings."""
    policies = resolve([])
    right = wrong = 0
    for device in devices:
        ident = identify(observations(device), device.get("mac"), sigset, calibration)
        if evaluate(ident, policies, sigset).restricted:
            if device["truth"].get("restricted_under_ndaa"):
                right += 1
            else:
                wrong += 1
    return {"right": right, "wrong": wrong}


def crossings(sigset: SignatureSet, calibration: Calibration) -> list[dict[str, Any]]:
    """Firmware rules of a family the default policy covers, not corroborate-only, whose
    hand-set weight is below the confirm threshold but whose calibrated weight is not: one such
    clue alone now confirms a restricted device. (A rule whose examples are label-bearing values
    counts as a label at run time and is left out unless it is a marker.)"""
    covered = {f for policy in resolve([]) for e in policy.entities for f in e.families}
    out = []
    for name in sorted(covered & set(sigset.families)):
        for rule in sigset.families[name].rules:
            if rule.kind is not RuleKind.FIRMWARE or rule.corroborate:
                continue
            values = [e if isinstance(e, str) else e.value for e in rule.examples]
            if not rule.marker and any(v and label_bearing(rule.signal, v) for v in values):
                continue
            cls = rule_class(group_of(rule.signal.replace("*", "x")), EvidenceKind.FIRMWARE)
            calibrated = calibration.weight(cls, rule.weight)
            if rule.weight < CONFIRM_CONFIDENCE <= calibrated:
                out.append(
                    {
                        "family": name,
                        "rule": rule.id,
                        "class": cls,
                        "hand-set": rule.weight,
                        "calibrated": calibrated,
                    }
                )
    return out


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


def report(write_to: Path | None = None) -> dict[str, Any]:
    """Fit on the training corpus (and store the fit when ``write_to`` is given) and score it:
    cross-validated, in-sample and on the held-out corpus."""
    sigset = load_signatures()
    training = load(TRAINING)
    cited = cited_against_the_split()
    held_out = [d for d in load(HELD_OUT) if not contaminated_by_rules(d, cited)]
    data = samples(training, sigset)
    fitted = fit(data)
    if write_to is not None:
        write(fitted, data, len(training), write_to)
    counts = Counter(c for c, _, _ in data)
    right = Counter(c for c, _, y in data if y)
    return {
        "devices": len(training),
        "samples": len(data),
        "slope": fitted.slope,
        "classes": {
            c: {"intercept": v, "samples": counts[c], "right": right[c]}
            for c, v in fitted.intercepts.items()
        },
        "cross-validated": cross_validate(training, sigset),
        "confirm_crossings": crossings(sigset, fitted),
        "training": {
            "hand-set": reliability(training, sigset, Calibration()),
            "calibrated": reliability(training, sigset, fitted),
        },
        "held-out": {
            "devices": len(held_out),
            "hand-set": reliability(held_out, sigset, Calibration()),
            "calibrated": reliability(held_out, sigset, fitted),
            "confirmed_hand_set": confirmations(held_out, sigset, Calibration()),
            "confirmed_calibrated": confirmations(held_out, sigset, fitted),
        },
    }


def _table(r: dict[str, Any]) -> str:
    rows = "".join(
        f"| {row['bin']} | {row['devices']} | {row['mean_confidence']:.3f} | {row['right']:.3f} |\n"
        for row in r["table"]
    )
    return (
        "| confidence bin | devices | mean confidence | share right |\n|---|---|---|---|\n" + rows
    )


def markdown(result: dict[str, Any]) -> str:
    """The report as Markdown (for docs/benchmarks.md)."""
    classes = "".join(
        f"| {c} | {v['intercept']:+.3f} | {v['samples']} | {v['right']} |\n"
        for c, v in result["classes"].items()
    )
    cv = result["cross-validated"]
    folds = ", ".join(f"{f['brier']}" for f in cv["per_fold_brier"])
    parts = [
        f"Fitted on {result['devices']} training devices ({result['samples']} samples).\n\n"
        "| rule class | intercept (logit) | samples | right |\n|---|---|---|---|\n" + classes,
        f"**Training corpus, {cv['folds']}-fold cross-validated (out-of-sample)** — Brier "
        f"{cv['hand-set']['brier']} hand-set, {cv['calibrated']['brier']} calibrated "
        f"({cv['calibrated']['named']} named devices; per-fold calibrated Brier {folds}).\n\n"
        + _table(cv["calibrated"]),
        f"**Training corpus, in-sample** (the shipped fit on the devices it was fitted on) — Brier "
        f"{result['training']['hand-set']['brier']} hand-set, "
        f"{result['training']['calibrated']['brier']} calibrated.\n\n"
        + _table(result["training"]["calibrated"]),
        f"**Held-out corpus** (final check, {result['held-out']['devices']} devices) — Brier "
        f"{result['held-out']['hand-set']['brier']} hand-set, "
        f"{result['held-out']['calibrated']['brier']} calibrated "
        f"({result['held-out']['calibrated']['named']} named devices).\n\n"
        + _table(result["held-out"]["calibrated"]),
    ]
    held = result["held-out"]
    parts.append(
        f"Confirmed restricted held-out devices (default policy): "
        f"{held['confirmed_hand_set']['right']} right and {held['confirmed_hand_set']['wrong']} "
        f"wrong with hand-set weights, {held['confirmed_calibrated']['right']} right and "
        f"{held['confirmed_calibrated']['wrong']} wrong with calibrated weights.\n"
    )
    cross = result["confirm_crossings"]
    if cross:
        listed = ", ".join(f"`{c['rule']}` ({c['hand-set']} → {c['calibrated']})" for c in cross)
        parts.append(
            f"**Calibration crosses the confirm threshold for {len(cross)} firmware rule(s) of "
            f"restricted families**: hand-set below {CONFIRM_CONFIDENCE}, calibrated at or above "
            f"it, so one such clue alone now confirms: {listed}.\n"
        )
    else:
        parts.append(
            "No firmware rule of a restricted family that is not corroborate-only moves from "
            f"below {CONFIRM_CONFIDENCE} to {CONFIRM_CONFIDENCE} or above: calibration alone "
            "never turns a weak clue into a confirmed accusation.\n"
        )
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the fitted weights")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the report as JSON")
    out.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args()
    target = load_signatures().directory / CALIBRATION_FILE if args.write else None
    result = report(target)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return 0
    if args.markdown:
        print(markdown(result))
        return 0
    print(f"{result['samples']} samples from {result['devices']} training devices")
    for cls, value in result["classes"].items():
        print(f"  {cls:<40} intercept {value['intercept']:+.3f}")
    for c in result["confirm_crossings"]:
        print(f"  crosses the confirm threshold: {c['rule']} {c['hand-set']} -> {c['calibrated']}")
    sections = {
        "cross-validated": result["cross-validated"],
        "training": result["training"],
        "held-out": result["held-out"],
    }
    for split, variants in sections.items():
        for variant in ("hand-set", "calibrated"):
            r = variants[variant]
            print(f"{split} {variant}: Brier {r['brier']} over {r['named']} named devices")
            for row in r["table"]:
                print(
                    f"  {row['bin']:<9} n={row['devices']:<4} "
                    f"confidence {row['mean_confidence']:.3f}  right {row['right']:.3f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

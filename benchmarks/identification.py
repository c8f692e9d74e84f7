"""Measure identification on the held-out corpus only (tests/corpus/held-out.yaml).

Held-out devices come from sources no rule may cite (tests/test_source_split.py enforces it
with no exceptions); should a rule ever cite one again, the devices of that source are left out
and counted as contaminated rather than scored against rules written from them. For
every device the real pipeline runs (camscan.identify.identify, then camscan.policy.evaluate
under the default policy, us-ndaa-889), and the script reports, overall, per signal class (the
devices that carry that class of signal) and per maker (truth vendor), each with a 95 % Wilson
interval:

- restricted precision and recall (``restricted`` = a confirmed match), and the recall of
  ``restricted or suspected`` (what ``--fail-on suspected`` catches);
- vendor accuracy: the vendor named is the true one, or none is named when camscan has no
  family for the true maker (naming anybody there is wrong);
- device-type accuracy over devices whose type is known (``camera-or-recorder`` counts as
  right for a camera or a recorder).

    python benchmarks/identification.py [--corpus PATH] [--json | --markdown]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from corpus import (
    HELD_OUT,
    VIDEO,
    cited_against_the_split,
    contaminated_by_rules,
    load,
    observations,
    type_matches,
    wilson,
)

from camscan.identify import identify
from camscan.policy import evaluate, resolve
from camscan.signatures import load_signatures


class Tally:
    """Counts for one slice of the corpus."""

    def __init__(self) -> None:
        self.tp = self.fp = self.fn = self.tn = self.flagged_tp = 0
        self.vendor_right = self.vendor_n = self.type_right = self.type_n = 0
        self.video_right = self.video_n = 0

    def add(self, row: dict[str, Any]) -> None:
        truth, restricted = row["truth_restricted"], row["restricted"]
        self.tp += truth and restricted
        self.fp += restricted and not truth
        self.fn += truth and not restricted
        self.tn += not truth and not restricted
        self.flagged_tp += truth and (restricted or row["suspected"])
        self.vendor_n += 1
        self.vendor_right += row["vendor_right"]
        if row["truth_type"]:
            self.type_n += 1
            self.type_right += row["type_right"]
        if row["truth_type"] in VIDEO:
            self.video_n += 1
            self.video_right += row["type_right"]

    def report(self) -> dict[str, Any]:
        def rate(k: int, n: int) -> dict[str, Any]:
            return {"value": round(k / n, 3) if n else None, "k": k, "n": n, "ci95": wilson(k, n)}

        return {
            "devices": self.vendor_n,
            "restricted_precision": rate(self.tp, self.tp + self.fp),
            "restricted_recall": rate(self.tp, self.tp + self.fn),
            "flagged_recall": rate(self.flagged_tp, self.tp + self.fn),
            "vendor_accuracy": rate(self.vendor_right, self.vendor_n),
            "type_accuracy": rate(self.type_right, self.type_n),
            "video_type_accuracy": rate(self.video_right, self.video_n),
            "confusion": {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn},
        }


def evaluate_corpus(devices: list[dict[str, Any]]) -> dict[str, Any]:
    """Run the pipeline on every device and tally overall, per signal class and per maker."""
    sigset = load_signatures()
    policies = resolve([])
    known = {f.vendor for f in sigset.families.values() if f.vendor}
    overall = Tally()
    by_class: defaultdict[str, Tally] = defaultdict(Tally)
    by_maker: defaultdict[str, Tally] = defaultdict(Tally)
    misses: list[dict[str, Any]] = []
    miss_count: defaultdict[str, Counter[str]] = defaultdict(Counter)
    contaminated: list[str] = []
    cited = cited_against_the_split()
    for device in devices:
        if contaminated_by_rules(device, cited):
            contaminated.append(device["id"])
            continue
        obs = observations(device)
        ident = identify(obs, device.get("mac"), sigset)
        verdict = evaluate(ident, policies, sigset)
        truth = device["truth"]
        expected_vendor = truth.get("vendor") if truth.get("vendor") in known else None
        row = {
            "truth_restricted": bool(truth.get("restricted_under_ndaa")),
            "restricted": verdict.restricted,
            "suspected": verdict.suspected,
            "vendor_right": ident.vendor == expected_vendor,
            "truth_type": truth.get("device_type"),
            "type_right": type_matches(truth.get("device_type"), ident.device_type),
        }
        overall.add(row)
        by_maker[truth.get("vendor") or "(unknown maker)"].add(row)
        classes = {o.signal.partition(".")[0] for o in obs} - {"arp"}  # arp.mac is the MAC
        for cls in sorted(classes | ({"mac"} if device.get("mac") else set())):
            by_class[cls].add(row)
        wrong = row["truth_restricted"] != row["restricted"] or not row["vendor_right"]
        for cls in classes | ({"mac"} if device.get("mac") else set()):
            kinds = miss_count[cls]
            kinds["verdict"] += wrong
            kinds["type"] += bool(row["truth_type"]) and not row["type_right"]
        if wrong:
            # Held-out values stay out: the device id, its true maker and signal keys only.
            misses.append(
                {
                    "id": device["id"],
                    "truth": {k: truth.get(k) for k in ("vendor", "restricted_under_ndaa")},
                    "vendor": ident.vendor,
                    "confidence": ident.confidence,
                    "restricted": verdict.restricted,
                    "suspected": verdict.suspected,
                    "signals": sorted({o.signal for o in obs}),
                }
            )
    return {
        "devices": len(devices),
        "contaminated": contaminated,
        "overall": overall.report(),
        "by_signal_class": {k: v.report() for k, v in sorted(by_class.items())},
        "by_maker": {k: v.report() for k, v in sorted(by_maker.items())},
        "misses_by_signal_class": {
            k: {"devices": by_class[k].vendor_n, **dict(v)} for k, v in sorted(miss_count.items())
        },
        "misses": misses,
    }


def _cell(rate: dict[str, Any]) -> str:
    if not rate["n"]:
        return "–"
    low, high = rate["ci95"]
    return f"{rate['value']:.2f} ({rate['k']}/{rate['n']}; {low:.2f}–{high:.2f})"


def markdown(result: dict[str, Any]) -> str:
    """The result as Markdown tables (for docs/benchmarks.md)."""
    head = (
        "| slice | devices | restricted precision | restricted recall | "
        "restricted-or-suspected recall | vendor accuracy | device-type accuracy | "
        "type accuracy, video devices |\n|---|---|---|---|---|---|---|---|\n"
    )

    def rows(items: dict[str, dict[str, Any]]) -> str:
        return "".join(
            f"| {name} | {r['devices']} | {_cell(r['restricted_precision'])} | "
            f"{_cell(r['restricted_recall'])} | {_cell(r['flagged_recall'])} | "
            f"{_cell(r['vendor_accuracy'])} | {_cell(r['type_accuracy'])} | "
            f"{_cell(r['video_type_accuracy'])} |\n"
            for name, r in items.items()
        )

    used = result["devices"] - len(result["contaminated"])
    return (
        f"{used} held-out devices scored ({len(result['contaminated'])} left out as "
        "contaminated). Cells: value (k/n; 95 % Wilson interval).\n\n"
        f"{head}{rows({'**all**': result['overall']})}\n"
        f"Per signal class (devices carrying that class):\n\n{head}"
        f"{rows(result['by_signal_class'])}\n"
        f"Misses per signal class (devices carrying that class whose verdict or vendor is "
        f"wrong, and whose known device type is missed):\n\n{misses_table(result)}\n"
        f"Per maker (truth vendor):\n\n{head}{rows(result['by_maker'])}"
    )


def misses_table(result: dict[str, Any]) -> str:
    """Per signal class: devices, verdict/vendor misses and device-type misses."""
    lines = [
        "| signal class | devices | verdict or vendor wrong | device type wrong |",
        "|---|---|---|---|",
    ]
    for cls, row in result["misses_by_signal_class"].items():
        lines.append(
            f"| {cls} | {row['devices']} | {row.get('verdict', 0)} | {row.get('type', 0)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HELD_OUT)
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the full result as JSON")
    out.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args()
    result = evaluate_corpus(load(args.corpus))
    if args.json:
        json.dump(result, sys.stdout, indent=2, default=str)
        print()
    elif args.markdown:
        print(markdown(result))
    else:
        o = result["overall"]
        print(
            f"held-out devices: {result['devices']}, contaminated (left out): "
            f"{len(result['contaminated'])}"
        )
        for key in (
            "restricted_precision",
            "restricted_recall",
            "flagged_recall",
            "vendor_accuracy",
            "type_accuracy",
            "video_type_accuracy",
        ):
            print(f"  {key:<22} {_cell(o[key])}")
        print(f"  confusion {o['confusion']}")
        print("  misses per signal class (devices / verdict or vendor wrong / type wrong):")
        for cls, row in result["misses_by_signal_class"].items():
            verdict, kind = row.get("verdict", 0), row.get("type", 0)
            print(f"    {cls:<8} {row['devices']:>4} {verdict:>4} {kind:>4}")
        for miss in result["misses"]:
            print(f"  miss: {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

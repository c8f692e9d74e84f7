"""The shipped rule-class weights are what benchmarks/calibration.py fits (issue 8 §1), so they
are data made by a script from the training corpus, never edited by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import yaml

from camscan.evidence import CALIBRATION_FILE, load_calibration
from camscan.signatures import load_signatures
from camscan.signatures.schema import Rule

ROOT = Path(__file__).resolve().parents[1]


def _calibration_module() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))  # the script imports its sibling corpus.py
    spec = importlib.util.spec_from_file_location(
        "bench_calibration", ROOT / "benchmarks" / "calibration.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CAL = _calibration_module()


def test_shipped_weights_equal_the_fit_on_the_training_corpus() -> None:
    sigset = load_signatures()
    data = CAL.samples(CAL.load(CAL.TRAINING), sigset)
    fitted = CAL.fit(data)
    shipped = load_calibration(sigset.directory)
    assert set(shipped.intercepts) == set(fitted.intercepts), (
        "rule classes differ: rerun `python benchmarks/calibration.py --write`"
    )
    off = {
        cls: (shipped.intercepts[cls], value)
        for cls, value in fitted.intercepts.items()
        if abs(shipped.intercepts[cls] - value) > CAL.TOLERANCE
    }
    assert not off, f"shipped vs fitted intercepts {off}: rerun the script with --write"
    doc = yaml.safe_load((sigset.directory / CALIBRATION_FILE).read_text(encoding="utf-8"))
    assert doc["samples"] == len(data)
    assert shipped.slope == fitted.slope == 1.0


def test_the_fit_moves_a_class_towards_what_its_samples_show() -> None:
    x = CAL.logit(0.7)
    data = (
        [("often wrong", x, 0)] * 30 + [("often wrong", x, 1)] * 5 + [("always right", x, 1)] * 30
    )
    fitted = CAL.fit(data)
    assert fitted.intercepts["often wrong"] < -1.0  # 0.7 hand-set, right 1 time in 7
    assert fitted.intercepts["always right"] > 1.0
    assert CAL.fit(data) == fitted  # deterministic


def test_folds_are_stable_and_cover_every_device() -> None:
    devices = [{"id": f"device-{i}"} for i in range(50)]
    folds = [CAL.fold_of(d) for d in devices]
    assert folds == [CAL.fold_of(d) for d in devices]
    assert set(folds) == set(range(CAL.FOLDS))


def test_the_report_names_rules_calibration_lifts_over_the_confirm_threshold() -> None:
    assert not CAL.crossings(load_signatures(), CAL.Calibration())  # hand-set: nothing crosses
    hikvision = load_signatures().families["hikvision"]

    def rule(rule_id: str, weight: float, **extra: object) -> Rule:
        return Rule.model_validate(
            {"id": rule_id, "signal": "http.server", "kind": "firmware", "match": "exact",
             "pattern": "X", "weight": weight, "references": ["t"], "examples": ["X"], **extra}
        )  # fmt: skip

    rules = [rule("weak", 0.5), rule("strong", 0.7), rule("hint", 0.5, corroborate=True)]
    sigset = SimpleNamespace(families={"hikvision": hikvision.model_copy(update={"rules": rules})})
    lifted = CAL.Calibration(1.0, {"web server/firmware": 2.0})
    (crossing,) = CAL.crossings(sigset, lifted)
    assert (crossing["rule"], crossing["hand-set"]) == ("weak", 0.5)
    assert crossing["calibrated"] >= 0.6
    assert not CAL.crossings(sigset, CAL.Calibration(1.0, {"web server/firmware": -2.0}))

"""Calibrated weights are data (signatures/calibration/weights.yaml) read by camscan.evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from camscan.evidence import CALIBRATION_FILE, Calibration, load_calibration, logit, sigmoid
from camscan.signatures import default_dir


def test_absent_file_means_hand_set_weights(tmp_path: Path) -> None:
    calibration = load_calibration(tmp_path)
    assert calibration == Calibration()
    assert calibration.weight("web server/firmware", 0.7) == 0.7


def test_malformed_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "calibration").mkdir()
    (tmp_path / CALIBRATION_FILE).write_text("slope: 1.0\nclasses: {a: {}}\n", "utf-8")
    with pytest.raises(ValueError, match="malformed calibration file"):
        load_calibration(tmp_path)


def test_weight_mapping() -> None:
    calibration = Calibration(1.0, {"web server/firmware": 1.0, "mac prefix/oui": -1.0})
    raised = calibration.weight("web server/firmware", 0.5)
    assert raised == round(sigmoid(1.0), 4)
    assert calibration.weight("mac prefix/oui", 0.5) == round(sigmoid(-1.0), 4)
    assert calibration.weight("unseen/firmware", 0.42) == 0.42  # a class the fit never saw
    assert calibration.weight("web server/firmware", 0.99) == 0.99  # clipped like hand-set
    assert calibration.weight("mac prefix/oui", 0.06) == 0.05
    assert calibration.weight("web server/firmware", 0.0) == 0.0
    weights = [calibration.weight("web server/firmware", w / 10) for w in range(1, 10)]
    assert weights == sorted(weights)  # order of hand-set weights is kept
    assert abs(logit(sigmoid(0.3)) - 0.3) < 1e-9


def test_shipped_weights_were_fitted_on_the_training_corpus() -> None:
    doc = yaml.safe_load((default_dir() / CALIBRATION_FILE).read_text(encoding="utf-8"))
    assert doc["corpus"] == "tests/corpus/training.yaml"
    assert doc["samples"] == sum(c["samples"] for c in doc["classes"].values())
    assert all(0 <= c["right"] <= c["samples"] for c in doc["classes"].values())
    shipped = load_calibration(default_dir())
    assert set(shipped.intercepts) == set(doc["classes"])
    assert shipped.slope == 1.0

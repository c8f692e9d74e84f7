"""An installed copy (a wheel, not this checkout) carries the lab and runs the demo.

The wheel is built from this checkout without network (hatchling from the dev extra) and
installed with ``--target`` into a directory outside the checkout; the demo then runs from a
directory that has no ``examples/`` beside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(wheels), str(REPO)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("camscan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "camscan/_lab/building.yaml" in names
    assert any(n.startswith("camscan/_lab/personas/") for n in names)
    assert "camscan/_signatures/meta.yaml" in names
    assert "camscan/_signatures/ieee/ma-m-ma-s.csv" in names  # the MA-M/MA-S snapshot ships
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    return target


def _camscan(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "camscan", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_installed_copy_finds_its_own_lab(installed: Path, tmp_path: Path) -> None:
    code = "from camscan.cli.lab import lab_dir; print(lab_dir())"
    env = {**os.environ, "PYTHONPATH": str(installed)}
    where = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    assert Path(where) == installed / "camscan" / "_lab"


def test_installed_copy_runs_the_demo(installed: Path, tmp_path: Path) -> None:
    done = _camscan(installed, tmp_path, "demo", "--loopback", "--topology", "small", "-f", "text")
    assert done.returncode == 1, done.stderr  # the small building has restricted devices
    assert "restricted" in done.stdout
    assert (tmp_path / "camscan-demo" / "report.html").is_file()
    assert "report: camscan-demo/report.html" in done.stderr
    assert "camscan identify camscan-demo/scan.json" in done.stderr

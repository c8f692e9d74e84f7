"""A stand-in for `camscan identify` wired to the output layer, and an isolated environment.

The command reads a scan document (no re-identification) and hands it to ``finish``, so these
tests exercise exactly what `scan` and `identify` get from ``camscan.cli.output``.
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from camscan.cli import main
from camscan.cli.output import OutputOptions, finish, output_options
from camscan.document import load_document
from camscan.models import ScanDocument


@click.command("report-doc")
@click.argument("document")
@click.option("--record/--no-record", default=True)
@output_options
def report_doc(document: str, record: bool, opts: OutputOptions) -> None:
    """Report a saved scan document through the shared output layer."""
    raise SystemExit(finish(load_document(document), opts, record=record))


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every per-user directory into tmp_path and clear CAMSCAN_* variables."""
    import os

    for name in list(os.environ):
        if name.startswith("CAMSCAN_") or name == "NO_COLOR":
            monkeypatch.delenv(name)
    for var, sub in (("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"),
                     ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")):  # fmt: skip
        (tmp_path / sub).mkdir(exist_ok=True)
        monkeypatch.setenv(var, str(tmp_path / sub))
    return tmp_path


def save(doc: ScanDocument, path: Path) -> Path:
    """Write a document as `camscan scan --format json` would."""
    path.write_text(doc.model_dump_json(indent=2), encoding="utf-8")
    return path


def run_report(*args: str, env: dict[str, str] | None = None) -> Result:
    """Invoke the stand-in command; stdout and stderr kept apart."""
    return CliRunner().invoke(report_doc, list(args), env=env, catch_exceptions=False)


def run_camscan(*args: str, env: dict[str, str] | None = None) -> Result:
    """Invoke the real `camscan` CLI group."""
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

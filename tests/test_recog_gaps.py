"""scripts/recog_gaps.py: recog examples camscan does not attribute to their maker."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from camscan.signatures import load_signatures
from tests.helpers import REPO

SIGS = load_signatures()

HTTP_SERVERS = """<?xml version="1.0"?>
<fingerprints matches="http_header.server" protocol="http">
  <fingerprint pattern="^Hikvision-Webs$">
    <example>Hikvision-Webs</example>
    <param pos="0" name="hw.vendor" value="Hikvision"/>
  </fingerprint>
  <fingerprint pattern="^AxisLookalike/1$">
    <example>AxisLookalike/1</example>
    <param pos="0" name="hw.vendor" value="Axis"/>
  </fingerprint>
  <fingerprint pattern="^Widget$">
    <example>Widget</example>
    <param pos="0" name="hw.vendor" value="Acme Widgets"/>
  </fingerprint>
</fingerprints>
"""

FTP_BANNERS = """<?xml version="1.0"?>
<fingerprints matches="ftp.banner" protocol="ftp">
  <fingerprint pattern="(?i)^AXIS (\\S+) .* Camera">
    <example>AXIS 216FD Network Fixed Dome Camera 4.47 (Mar 13 2008) ready.</example>
    <param pos="0" name="hw.vendor" value="Axis"/>
  </fingerprint>
</fingerprints>
"""


def _script() -> ModuleType:
    path = REPO / "scripts" / "recog_gaps.py"
    spec = importlib.util.spec_from_file_location("recog_gaps", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _xml_dir(tmp_path: Path) -> Path:
    (tmp_path / "http_servers.xml").write_text(HTTP_SERVERS, encoding="utf-8")
    (tmp_path / "ftp_banners.xml").write_text(FTP_BANNERS, encoding="utf-8")
    return tmp_path


def test_lists_only_examples_of_known_makers_that_name_nobody_or_another(tmp_path: Path) -> None:
    found = _script().gaps(_xml_dir(tmp_path), SIGS)
    # Hikvision-Webs and the Axis FTP greeting (run with the "220 " the probe keeps) are
    # attributed; "Acme Widgets" is no camscan family, so it is not a gap.
    assert [(g.file, g.want, g.got, g.value) for g in found] == [
        ("http_servers", "Axis", None, "AxisLookalike/1")
    ]


def test_vendor_filter_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = _script()
    assert script.gaps(_xml_dir(tmp_path), SIGS, {"hikvision"}) == []
    assert script.main([str(_xml_dir(tmp_path)), "--vendor", "Axis"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("http_servers: want Axis, got None: http.server='AxisLookalike/1'")

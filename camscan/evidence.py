"""How pieces of evidence combine: independence groups, noisy-OR and calibrated weights.

Observations that come from one source are one piece of evidence, however many rules match
them: one TLS certificate (subject and issuer), one ONVIF GetDeviceInformation answer, one web
server (Server header, title, body, vendor paths, favicon, realm), one SADP or DHIP reply, one
WS-Discovery ProbeMatch, one UPnP description, one SNMP agent, one RTSP server. Inside a group
the strongest rule counts; groups combine as independent (noisy-OR, ``1 - Π(1 - w)``).

Rule weights are hand-set in the signature files and then calibrated per rule class (the
group and the rule kind) by a logistic fit on the training corpus (scripts/calibrate.py);
the fitted values are data in ``signatures/calibration/weights.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from camscan.models import Evidence, EvidenceKind

# Signal family → independence group. A signal not listed is its own group.
_GROUPS = {
    "tls": "tls certificate",
    "http": "web server",
    "rtsp": "rtsp server",
    "sadp": "sadp reply",
    "dhip": "dhip reply",
    "wsd": "ws-discovery reply",
    "upnp": "upnp description",
    "ssdp": "ssdp reply",
    "snmp": "snmp agent",
    "mdns": "mdns record",
    "mac": "mac prefix",
    "channel": "recorder channel record",  # what one recorder says of one camera: one source
}
_ONVIF_INFO = frozenset(
    {"onvif.manufacturer", "onvif.model", "onvif.firmware", "onvif.serial", "onvif.hardware_id"}
)
# Kinds that speak for the device itself (firmware, protocol stack, MAC prefix), not its label.
DEVICE_LEVEL = frozenset({EvidenceKind.FIRMWARE, EvidenceKind.OUI})
CALIBRATION_FILE = Path("calibration") / "weights.yaml"


def group_of(signal: str) -> str:
    """The independence group of an observation's signal."""
    if signal in _ONVIF_INFO:
        return "onvif device information"
    family = signal.partition(".")[0]
    if family == "onvif":
        return "onvif services"
    return _GROUPS.get(family, signal)


def rule_class(group: str, kind: EvidenceKind) -> str:
    """The calibration class of a piece of evidence: its group and kind."""
    return f"{group}/{kind.value}"


def noisy_or(
    evidence: Iterable[Evidence], vendor: str, kinds: frozenset[EvidenceKind] | None = None
) -> float:
    """Confidence for ``vendor``: strongest counted weight per group, groups noisy-OR'ed;
    ``kinds`` restricts which evidence counts (``DEVICE_LEVEL`` for *confirmed*)."""
    best: dict[str, float] = {}
    for e in evidence:
        if e.vendor != vendor or not e.counted or e.weight <= 0:
            continue
        if kinds is not None and e.kind not in kinds:
            continue
        key = e.group or group_of(e.signal)
        best[key] = max(best.get(key, 0.0), e.weight)
    miss = 1.0
    for weight in best.values():
        miss *= 1.0 - weight
    return round(1.0 - miss, 4)


def logit(p: float) -> float:
    """log(p / (1 - p)) with p clipped to [0.01, 0.99]."""
    p = min(max(p, 0.01), 0.99)
    return math.log(p / (1.0 - p))


def sigmoid(x: float) -> float:
    """The logistic function."""
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class Calibration:
    """Fitted weight map: ``w' = sigmoid(intercept[class] + slope * logit(w))``.

    A class the fit never saw gets intercept 0, so an unfitted rule keeps its hand-set weight
    up to the shared slope. Results are clipped to [0.05, 0.99] like hand-set weights.
    """

    slope: float = 1.0
    intercepts: dict[str, float] = field(default_factory=dict)

    def weight(self, cls: str, raw: float) -> float:
        """The calibrated weight of a rule of class ``cls`` and hand-set weight ``raw``."""
        if raw <= 0:
            return 0.0
        value = sigmoid(self.intercepts.get(cls, 0.0) + self.slope * logit(raw))
        return round(min(max(value, 0.05), 0.99), 4)


@lru_cache(maxsize=8)
def load_calibration(signature_dir: Path) -> Calibration:
    """The fitted weights shipped with ``signature_dir``; identity when the file is absent.

    Raises ValueError when the file exists but is malformed.
    """
    path = signature_dir / CALIBRATION_FILE
    if not path.is_file():
        return Calibration()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        slope = float(data["slope"])
        intercepts = {str(k): float(v["intercept"]) for k, v in data["classes"].items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: malformed calibration file ({exc!r})") from exc
    return Calibration(slope, intercepts)

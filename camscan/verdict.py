"""Identify each device and give its policy verdict: the identify → policy stage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from camscan import __version__
from camscan.identify import identify
from camscan.models import Device, PolicyResult, ScanDocument, ToolInfo
from camscan.policy import evaluate, resolve
from camscan.recorders import with_channels
from camscan.signatures import Policy, SignatureSet, load_signatures


def tool_info(sigset: SignatureSet, policies: Sequence[Policy]) -> ToolInfo:
    """Which camscan, signature set and policies produced a result."""
    return ToolInfo(
        version=__version__,
        signatures_version=sigset.version,
        signatures_date=sigset.date,
        policies=[p.id for p in policies],
    )


def annotate_device(
    device: Device, sigset: SignatureSet, policies: Sequence[Policy], today: date | None = None
) -> Device:
    """Re-identify one device and apply the policies; keeps an existing acknowledgement."""
    ident = identify(device.observations, device.mac, sigset)
    verdict = evaluate(ident, policies, sigset, today=today)
    if device.policy.acknowledged:
        verdict = PolicyResult(
            restricted=verdict.restricted,
            suspected=verdict.suspected,
            matches=verdict.matches,
            acknowledged=device.policy.acknowledged,
        )
    return device.model_copy(update={"identification": ident, "policy": verdict})


def annotate(
    doc: ScanDocument,
    *,
    policies: Sequence[str] = (),
    sigset: SignatureSet | None = None,
    today: date | None = None,
) -> ScanDocument:
    """Identify every device of ``doc`` with the current signatures and apply ``policies``."""
    sigset = sigset or load_signatures()
    chosen = resolve(policies)
    devices = with_channels([annotate_device(d, sigset, chosen, today) for d in doc.devices])
    return doc.model_copy(update={"devices": devices, "tool": tool_info(sigset, chosen)})

"""Restriction policies: data in ``signatures/policies/``, applied to identifications.

Identification says who made a device; a policy says whether an instrument covers that maker.
A match is *confirmed* when device-level evidence alone (firmware, protocol or MAC prefix; no
label weight) supports the vendor with enough confidence, and *suspected* when it rests on a
label or weak evidence. A covered family never disappears because it lost the vote: when
device-level evidence points at it but another family won, the device is *suspected* and the
match names both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from camscan.identify import device_confidence
from camscan.models import Identification, PolicyMatch, PolicyResult
from camscan.signatures import Policy, SignatureError, SignatureSet, default_dir
from camscan.signatures.cache import cached
from camscan.signatures.loader import load_policies, policy_files

# Below this confidence a covered vendor is only "suspected"; below the floor, not even that
# (a weak OEM label alone should not page anyone).
CONFIRM_CONFIDENCE = 0.6
SUSPECT_FLOOR = 0.1


class PolicyNotFound(LookupError):
    """A --policy name is neither a shipped policy nor a readable file."""


def shipped_policies() -> list[Policy]:
    """All policies shipped with camscan, validated (from the per-user cache when no policy
    file changed: camscan.signatures.cache)."""
    files = policy_files(default_dir())

    def build() -> list[Policy]:
        policies, problems = load_policies(files)
        if problems:
            raise SignatureError(problems)
        return policies

    return list(cached("policies", files, build))


def resolve(specs: Sequence[str]) -> list[Policy]:
    """Policies named by ``specs`` (ids or file paths); the default set when empty."""
    shipped = {p.id: p for p in shipped_policies()}
    if not specs:
        return [p for p in shipped.values() if p.default]
    chosen: list[Policy] = []
    for spec in specs:
        if spec in shipped:
            chosen.append(shipped[spec])
            continue
        path = Path(spec)
        if not path.is_file():
            known = ", ".join(sorted(shipped))
            raise PolicyNotFound(f"unknown policy {spec!r} (shipped: {known}; or give a file)")
        policies, problems = load_policies([path])
        if problems:
            raise SignatureError(problems)
        chosen += policies
    return chosen


def evaluate(
    ident: Identification,
    policies: Sequence[Policy],
    sigset: SignatureSet,
    *,
    today: date | None = None,
) -> PolicyResult:
    """Which clauses of ``policies`` cover the identified device."""
    today = today or date.today()
    confirmed = device_confidence(ident) >= CONFIRM_CONFIDENCE
    losers = {
        c.vendor: confidence
        for c in ident.conflicts
        if (confidence := device_confidence(ident, c.vendor)) >= SUSPECT_FLOOR
    }
    matches: list[PolicyMatch] = []
    for policy in policies:
        for entity in policy.entities:
            if entity.effective and entity.effective > today:
                continue
            vendors = {sigset.families[f].vendor for f in entity.families if f in sigset.families}
            via = None
            if ident.vendor in vendors and ident.confidence >= SUSPECT_FLOOR:
                if (
                    ident.brand
                    and not entity.affiliates
                    and ident.relation not in (None, "own-brand")
                ):
                    continue
                via = f"firmware family {ident.vendor}"
                if ident.brand:
                    via += f", sold as {ident.brand} ({ident.relation})"
                certainty = "confirmed" if confirmed else "suspected"
            elif ident.brand and ident.brand in entity.brands:
                via = f"label {ident.brand} named by the instrument"
                certainty = "suspected"
            elif lost := sorted(v for v in losers if v in vendors):
                via = (
                    f"firmware family {lost[0]} lost the vote to {ident.vendor} but has "
                    f"device-level evidence (confidence {losers[lost[0]]:.2f})"
                )
                certainty = "suspected"
            if via is None:
                continue
            matches.append(
                PolicyMatch(
                    policy=policy.id,
                    entity=entity.entity,
                    clause=entity.clause,
                    basis=entity.basis,
                    source=entity.source,
                    effective=entity.effective.isoformat() if entity.effective else None,
                    via=via,
                    certainty=certainty,
                )
            )
    restricted = any(m.certainty == "confirmed" for m in matches)
    return PolicyResult(
        restricted=restricted,
        suspected=bool(matches) and not restricted,
        matches=matches,
    )

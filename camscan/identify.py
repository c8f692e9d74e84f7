"""Decide vendor, brand, model, firmware and confidence from all of a device's evidence.

Not first-match-wins: every observation is matched, independent sources that agree raise the
confidence (noisy-OR over independence groups, strongest rule per group: camscan.evidence),
disagreeing vendors are kept as conflicts, and weak hints (``corroborate: true``) count only
next to device-level evidence (firmware, protocol or MAC prefix, never a label) of the same
vendor. A label that differs from the firmware family becomes ``brand`` (a rebadge).

Names a device's settings can carry (ONVIF and UPnP ``manufacturer``, WS-Discovery ``name``
and ``hardware`` scopes) are labels: an OEM rewrites them. A rule on them counts as firmware
only when it is marked as the family's own fixed marker (``marker: true``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from camscan import devicetype, oui
from camscan.evidence import (
    DEVICE_LEVEL,
    Calibration,
    group_of,
    load_calibration,
    noisy_or,
    rule_class,
)
from camscan.models import (
    Alternative,
    Evidence,
    EvidenceKind,
    Identification,
    Observation,
)
from camscan.signatures import Hit, SignatureSet
from camscan.signatures.schema import Brand, Family, OuiEntry, Relation, RuleKind, Strength

# Weight of a MAC prefix registered to the family itself. OEM boxes often keep the upstream
# OUI (the 2024 DOJ relabelled-Dahua case turned on it), but NICs and modules are bought in.
OUI_WEIGHT = 0.6

# How much a label counts toward the family that makes the hardware behind it.
_RELATION_FACTOR = {
    Relation.OWN_BRAND: 1.0,
    Relation.SUBSIDIARY: 1.0,
    Relation.FORMER_SUBSIDIARY: 0.35,
}
_OEM_FACTOR = {Strength.STRONG: 0.35, Strength.MODERATE: 0.25, Strength.WEAK: 0.1}
# Relations under which a brand's registered MAC blocks belong to the family itself.
_OWNED = frozenset({Relation.OWN_BRAND, Relation.SUBSIDIARY})

# Protocol fields whose meaning the protocol itself defines; used when no rule extracted one.
_STRUCTURED = {
    "model": (
        "onvif.model",
        "sadp.DeviceDescription",
        "dhip.DeviceType",
        "upnp.model",
        "channel.model",
    ),
    "firmware": ("onvif.firmware", "sadp.SoftwareVersion", "dhip.Version", "channel.firmware"),
    "serial": ("onvif.serial", "sadp.DeviceSN", "dhip.SerialNo", "upnp.serial", "channel.serial"),
}
# Fields whose value is set by the label's settings, not fixed by the firmware family.
_LABEL_BEARING = frozenset({"onvif.manufacturer", "upnp.manufacturer", "channel.manufacturer"})
_LABEL_SCOPE = re.compile(r"^onvif://www\.onvif\.org/(?:name|hardware)/", re.IGNORECASE)
# Fields where a device states the name on its label; an unknown name there is an unknown OEM.
_LABEL_FIELDS = ("onvif.manufacturer", "upnp.manufacturer", "dhip.Vendor", "channel.manufacturer")
_NOT_A_NAME = {
    "",
    "n/a",
    "na",
    "none",
    "null",
    "unknown",
    "onvif",
    "manufacturer",
    "general",
    "ipcam",
    "ip camera",
    "ipc",
    "default",
    "oem",
    "-",
}


def _label_factor(family: Family, brand_name: str | None) -> float:
    if brand_name is None or brand_name == family.vendor:
        return 1.0
    brand = next((b for b in family.brands if b.name == brand_name), None)
    if brand is None:
        return 0.0
    if brand.relation is Relation.OEM:
        return _OEM_FACTOR[brand.evidence]
    return _RELATION_FACTOR[brand.relation]


def label_bearing(signal: str, value: str) -> bool:
    """Whether an observation carries a name the device's settings (an OEM) can set."""
    return signal in _LABEL_BEARING or (
        signal == "wsd.scope" and _LABEL_SCOPE.match(value.strip()) is not None
    )


def _hit_evidence(hit: Hit, obs: Observation, calibration: Calibration) -> Evidence:
    rule, family = hit.rule.rule, hit.rule.family
    kind = EvidenceKind(rule.kind.value)
    brand = rule.brand
    note = rule.description
    if kind is EvidenceKind.FIRMWARE and not rule.marker and label_bearing(obs.signal, obs.value):
        stated = " ".join(obs.value.split()).casefold()
        kind = EvidenceKind.LABEL
        brand = next((b.name for b in family.brands if b.name.casefold() == stated), family.vendor)
        note = (note + " (a name the label's settings carry: counted as a label)").strip()
    group = group_of(obs.signal)
    weight = calibration.weight(rule_class(group, kind), rule.weight)
    if kind is EvidenceKind.LABEL:
        weight = round(weight * _label_factor(family, brand), 4)
    return Evidence(
        rule=rule.id,
        kind=kind,
        signal=obs.signal,
        value=obs.value[:300],
        port=obs.port,
        vendor=None if rule.kind is RuleKind.GENERIC else family.vendor,
        brand=brand,
        software=rule.software,
        device_type=rule.device_type,
        model=hit.model,
        firmware=hit.firmware,
        serial=hit.serial,
        weight=weight,
        group=group,
        note=note,
    )


def _mac_evidence(
    mac: str | None, sigset: SignatureSet, calibration: Calibration
) -> tuple[list[Evidence], oui.MacInfo | None]:
    """OUI evidence: a prefix of the family itself (device-level) or of one of its labels.

    A block registered to an own brand or subsidiary that strong public evidence ties to the
    family (EZVIZ, Hikrobot, HuaRay) is the family's own, so it is device-level too; blocks of
    OEM labels, former subsidiaries and weaker relations stay label evidence."""
    info = oui.lookup(mac)
    if info is None or info.locally_administered:
        return [], info
    registrant = (info.registrant or "").casefold()

    def owns(registrants: Iterable[str], ouis: Iterable[OuiEntry]) -> bool:
        return any(r.casefold() in registrant for r in registrants if registrant) or any(
            info.hexdigits.startswith(o.prefix) for o in ouis
        )

    def evidence(family: Family, brand: Brand | None) -> Evidence:
        own = brand is None or _owned(brand)
        kind = EvidenceKind.OUI if own else EvidenceKind.LABEL
        weight = calibration.weight(rule_class("mac prefix", kind), OUI_WEIGHT)
        factor = 1.0 if own else _label_factor(family, brand.name if brand else None)
        return Evidence(
            rule=f"oui:{info.hexdigits[:6]}",
            kind=kind,
            signal="mac",
            value=info.mac,
            vendor=family.vendor,
            brand=brand.name if brand else None,
            weight=round(weight * factor, 4),
            group="mac prefix",
            note=f"MAC prefix registered to {info.registrant or brand or family.vendor}",
        )

    found: list[Evidence] = []
    for family in sigset.families.values():
        if family.vendor is None:
            continue
        if owns(family.registrants, family.ouis):
            found.append(evidence(family, None))
            continue
        brand = next((b for b in family.brands if owns(b.registrants, b.ouis)), None)
        if brand is not None:
            found.append(evidence(family, brand))
    return found, info


def _owned(brand: Brand) -> bool:
    """Whether a brand's IEEE blocks are the family's own: an own brand or subsidiary, by
    strong evidence."""
    return brand.relation in _OWNED and brand.evidence is Strength.STRONG


def _corroborated(evidence: list[Evidence], corroborate_rules: set[str]) -> list[Evidence]:
    """Mark weak hints as not counted unless device-level evidence (firmware, protocol or MAC
    prefix; a label never unlocks a hint) for the same vendor exists."""
    strong_vendors = {
        e.vendor
        for e in evidence
        if e.vendor and e.rule not in corroborate_rules and e.weight > 0 and e.kind in DEVICE_LEVEL
    }
    return [
        e.model_copy(update={"counted": False, "note": (e.note + " (needs corroboration)").strip()})
        if e.rule in corroborate_rules and e.vendor not in strong_vendors
        else e
        for e in evidence
    ]


def _scores(evidence: Sequence[Evidence]) -> dict[str, float]:
    """Noisy-OR confidence per vendor over independence groups."""
    vendors = {e.vendor for e in evidence if e.vendor and e.counted and e.weight > 0}
    return {vendor: noisy_or(evidence, vendor) for vendor in vendors}


def device_confidence(ident: Identification, vendor: str | None = None) -> float:
    """Confidence for ``vendor`` (default: the identified one) from device-level evidence
    only: firmware, protocol replies and MAC prefixes; labels never count toward it."""
    vendor = vendor or ident.vendor
    return noisy_or(ident.evidence, vendor, DEVICE_LEVEL) if vendor else 0.0


def _first(values: Iterable[str | None]) -> str | None:
    return next((v for v in values if v), None)


def _structured(observations: Sequence[Observation], field: str) -> str | None:
    by_signal = {o.signal: o.value.strip()[:120] for o in reversed(observations)}
    return _first(by_signal.get(s) for s in _STRUCTURED[field])


def _unknown_label(
    observations: Sequence[Observation], vendor: str | None, sigset: SignatureSet
) -> str | None:
    """A manufacturer name the device states that is neither its vendor nor a known brand."""
    for obs in observations:
        if obs.signal not in _LABEL_FIELDS:
            continue
        name = " ".join(obs.value.split())[:60]
        folded = name.casefold()
        if folded in _NOT_A_NAME or not any(c.isalpha() for c in name):
            continue
        if vendor and (vendor.casefold() in folded or folded in vendor.casefold()):
            continue
        if sigset.brand(name) is not None:
            continue
        return name
    return None


def identify(
    observations: Sequence[Observation],
    mac: str | None,
    sigset: SignatureSet,
    calibration: Calibration | None = None,
) -> Identification:
    """Identify one device from its observations and MAC address; weights are calibrated
    with ``calibration`` (default: the fitted file shipped with ``sigset``)."""
    calibration = calibration or load_calibration(sigset.directory)
    evidence: list[Evidence] = []
    corroborate_rules: set[str] = set()
    for obs in observations:
        for hit in sigset.match(obs):
            evidence.append(_hit_evidence(hit, obs, calibration))
            if hit.rule.rule.corroborate:
                corroborate_rules.add(hit.rule.rule.id)
    mac_evidence, mac_info = _mac_evidence(mac, sigset, calibration)
    evidence = _corroborated(evidence + mac_evidence, corroborate_rules)
    scores = _scores(evidence)

    def rank(vendor: str) -> tuple[float, bool]:
        firmware = any(
            e.vendor == vendor and e.kind is EvidenceKind.FIRMWARE and e.counted for e in evidence
        )
        return scores[vendor], firmware

    ordered = sorted(sorted(scores), key=rank, reverse=True)
    vendor = ordered[0] if ordered else None
    conflicts = [
        Alternative(
            vendor=v,
            confidence=scores[v],
            rules=sorted({e.rule for e in evidence if e.vendor == v and e.counted}),
        )
        for v in ordered[1:]
    ]
    mine = [e for e in evidence if e.counted and (e.vendor == vendor or e.vendor is None)]
    mine.sort(key=lambda e: (e.vendor == vendor, e.weight), reverse=True)

    brand, relation = _brand(evidence, vendor, sigset)
    if brand is None:
        brand = _unknown_label(observations, vendor, sigset)
        relation = "unknown" if brand else None
    software = sorted({e.software for e in evidence if e.software})
    model = _first(e.model for e in mine) or _structured(observations, "model")
    family = next((f for f in sigset.families.values() if vendor and f.vendor == vendor), None)
    return Identification(
        vendor=vendor,
        brand=brand,
        relation=relation,
        model=model,
        firmware=_first(e.firmware for e in mine) or _structured(observations, "firmware"),
        serial=_first(e.serial for e in mine) or _structured(observations, "serial"),
        device_type=devicetype.device_type(
            _first(e.device_type for e in mine), model, observations, evidence, family
        ),
        confidence=scores.get(vendor, 0.0) if vendor else 0.0,
        evidence=sorted(evidence, key=lambda e: (e.counted, e.weight), reverse=True),
        conflicts=conflicts,
        software=software,
        mac_vendor=mac_info.registrant if mac_info else None,
        mac_locally_administered=bool(mac_info and mac_info.locally_administered),
    )


def _brand(
    evidence: Sequence[Evidence], vendor: str | None, sigset: SignatureSet
) -> tuple[str | None, str | None]:
    """The strongest label that is not the vendor's own name, and its relation to the vendor."""
    labels = [
        e
        for e in evidence
        if e.kind in (EvidenceKind.LABEL, EvidenceKind.OUI) and e.brand and e.counted
    ]
    labels = [e for e in labels if e.brand != vendor]
    if not labels:
        return None, None
    label = max(labels, key=lambda e: e.weight)
    assert label.brand is not None
    found = sigset.brand(label.brand)
    if found is None:
        return label.brand, "unknown"
    family, brand_entry = found
    if family.vendor != vendor:
        return label.brand, "label-of-another-family"
    return label.brand, _relation_name(brand_entry)


def _relation_name(brand: Brand | None) -> str:
    return brand.relation.value if brand is not None else "own-brand"

"""The estate as a CycloneDX 1.6 hardware BOM, built with cyclonedx-python-lib.

Each current device is a ``device`` component: manufacturer (the real maker), name (the
model, else the device type), version (the firmware), and ``camscan:*`` properties for the
serial number, MAC, address, site, location, label, status (the policy verdict), policies,
clauses and acknowledgement. Property names follow CycloneDX's namespace convention
(``<tool>:<name>``, cyclonedx.org property taxonomy).
"""

from __future__ import annotations

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.output.json import JsonV1Dot6

from camscan import __version__
from camscan.estate import Estate, EstateDevice
from camscan.export.tables import ack_status, location, status
from camscan.sanitize import clean


def _properties(d: EstateDevice) -> list[Property]:
    values = {
        "camscan:status": status(d),
        "camscan:site": d.site,
        "camscan:address": d.address,
        "camscan:mac": d.mac,
        "camscan:serial": d.serial,
        "camscan:label": d.label,
        "camscan:location": location(d),
        "camscan:policies": " ".join(d.policies),
        "camscan:clauses": "; ".join(d.clauses),
        "camscan:acknowledgement": ack_status(d),
        "camscan:first_seen": d.first_seen.isoformat(),
        "camscan:identity": d.key,
    }
    return [Property(name=k, value=clean(v, 500)) for k, v in values.items() if v]


def _component(d: EstateDevice) -> Component:
    return Component(
        type=ComponentType.DEVICE,
        name=clean(d.model, 200) or d.device_type,
        version=clean(d.firmware, 100) or None,
        manufacturer=OrganizationalEntity(name=clean(d.maker, 200)),
        bom_ref=f"camscan:{d.site}/{d.key}",
        properties=_properties(d),
    )


def estate_bom(estate: Estate) -> str:
    """CycloneDX 1.6 JSON of the estate's current devices."""
    bom = Bom()
    root = bom.metadata.component = Component(
        type=ComponentType.PLATFORM,
        name="camera estate " + ", ".join(clean(s, 100) for s in estate.scope),
        bom_ref="camscan:estate",
    )
    bom.metadata.properties.add(Property(name="camscan:version", value=__version__))
    bom.metadata.properties.add(
        Property(name="camscan:generated_at", value=estate.generated_at.isoformat())
    )
    parts = [_component(d) for d in estate.devices if d.present]
    for part in parts:
        bom.components.add(part)
    bom.register_dependency(root, parts)  # the estate is made of the devices
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"

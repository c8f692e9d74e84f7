"""Device identity across runs, and the state of a device that history keeps and diff compares.

A device's candidate keys, strongest first: ``mac:`` (normalised), ``serial:`` (from ONVIF,
SADP, DHIP or UPnP; placeholder serials such as ``00000000`` are ignored), ``wsd:`` (the
WS-Discovery endpoint), ``ip:`` (the address). A candidate shared by two devices of one scan
— a serial every unit of a batch reports, an endpoint UUID fixed in firmware, two routed
devices without a MAC — identifies neither: both fall back to their next candidate. A key once
seen shared at a site stays unusable there (``ambiguous`` is read from and written to history),
so identity does not flap on a night when one of the two is offline.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache

from camscan.facts import ports
from camscan.models import Device, Observation, ScanDocument
from camscan.oui import normalise_mac

SERIAL_SIGNALS = ("onvif.serial", "sadp.DeviceSN", "dhip.SerialNo", "upnp.serial",
                  "channel.serial")  # fmt: skip
_SERIAL_RANK = {signal: i for i, signal in enumerate(SERIAL_SIGNALS)}
# What diff and the estate compare between two states of a device, in the order changes are
# listed ("address" is reported as "moved").
COMPARED = ("address", "vendor", "brand", "model", "firmware", "device_type", "ports",
            "restricted", "suspected", "policies")  # fmt: skip
PLACEHOLDER_SERIALS = frozenset(
    {"unknown", "none", "null", "n/a", "na", "serial", "serialnumber", "default", "not set",
     "123456", "1234567", "12345678", "123456789", "1234567890", "0123456789", "abcdef"}
)  # fmt: skip


@lru_cache(maxsize=65536)  # every nightly run normalises each MAC twice
def norm_mac(mac: str) -> str:
    """A MAC in the one form history keys use; anything else kept as given, lower-cased."""
    return normalise_mac(mac) or mac.strip().lower()


def is_placeholder_serial(serial: str) -> bool:
    """True for serials that name no unit: a word like 'unknown', 1234…, one repeated char."""
    text = serial.strip().lower()
    return len(text) < 4 or text in PLACEHOLDER_SERIALS or len(set(text)) == 1


def serial_of(device: Device) -> str | None:
    """The serial number the device reported, if any protocol gave one (the first value of
    the first signal of ``SERIAL_SIGNALS`` present; one pass over the observations)."""
    best, rank = None, len(SERIAL_SIGNALS)
    for o in device.observations:
        r = _SERIAL_RANK.get(o.signal, rank)
        if r < rank and o.value.strip():
            best, rank = o.value.strip(), r
    return best or device.identification.serial


def candidate_keys(device: Device) -> list[str]:
    """The device's identity keys, strongest first; the last is ``ip:<address>``, or for a
    camera behind a recorder ``behind:<recorder address>#<channel>``.

    For a camera behind a recorder the serial its recorder reports comes before its MAC: every
    channel API reports the serial, while the MAC depends on the API (ISAPI camera search,
    Dahua RemoteDevice) and on whether the recorder is an ``--infra`` agent that night, so a
    MAC-first key would change from run to run for the same camera.
    """
    keys = []
    serial = serial_of(device)
    by_serial = ["serial:" + serial] if serial and not is_placeholder_serial(serial) else []
    if device.behind is not None:
        keys += by_serial
    if device.mac:
        keys.append("mac:" + norm_mac(device.mac))
    if device.behind is None:
        keys += by_serial
    for o in device.observations:
        if o.signal == "wsd.endpoint" and o.value.strip():
            keys.append("wsd:" + o.value.strip())
            break
    if device.behind is not None:  # a PoE-side address repeats across recorders
        keys.append(f"behind:{device.behind.recorder}#{device.behind.channel}")
    else:
        keys.append("ip:" + device.address)
    return keys


def assign_keys(
    devices: Sequence[Device],
    ambiguous: Iterable[str] = (),
    channels: Mapping[str, tuple[str, str | None]] | None = None,
) -> tuple[list[str], set[str]]:
    """Each device's key (in order) and the candidate keys found shared in this scan.

    ``channels``: the site's previous run's cameras behind recorders, ``"<recorder>#<channel>"``
    → (key, model). A camera behind a recorder that has nothing better than its channel this
    night (no MAC read, a serial shared or missing) keeps the key it had on that channel when
    the model agrees and no device of this scan claims that key: one identity, whether or not
    its MAC was read."""
    candidates = [candidate_keys(d) for d in devices]
    counts = Counter(k for keys in candidates for k in set(keys))
    shared = {k for k, n in counts.items() if n > 1}
    banned = shared | set(ambiguous)
    chosen: list[str] = []
    taken: set[str] = set()
    for device, keys in zip(devices, candidates, strict=True):
        key = next((k for k in keys if k not in banned), keys[-1])
        where = key.removeprefix("behind:")
        if device.behind is not None and where != key and channels and where in channels:
            alias, model = channels[where]
            if model == device.identification.model and alias not in counts:
                key = alias
        n = 1
        while key in taken:  # two devices at one address: only a broken document does this
            n += 1
            key = f"{keys[-1]}#{n}"
        taken.add(key)
        chosen.append(key)
    return chosen, shared


def device_key(device: Device) -> str:
    """A lone device's identity (its strongest candidate key)."""
    return candidate_keys(device)[0]


def location_of(device: Device) -> tuple[str | None, str | None, int | None]:
    """(switch, port, VLAN) when the scan located the device (SNMP FDB), else Nones."""
    where = device.location
    if where is None:
        return None, None, None
    return where.switch or None, where.port or None, where.vlan


@dataclass(frozen=True)
class DeviceState:
    """What history keeps of one device in one run; what diff compares."""

    key: str
    address: str
    mac: str | None
    serial: str | None
    vendor: str | None
    brand: str | None
    model: str | None
    firmware: str | None
    device_type: str
    confidence: float
    restricted: bool
    suspected: bool
    acknowledged: str | None
    policies: tuple[str, ...]
    ports: tuple[int, ...]
    clauses: tuple[str, ...] = ()
    switch: str | None = None
    switch_port: str | None = None
    vlan: int | None = None
    behind: str | None = None  # "<recorder address>#<channel>" for a camera only a recorder reaches

    @property
    def reached_at(self) -> str:
        """The address a scan reached the device through: its recorder's when behind one."""
        return self.behind.rsplit("#", 1)[0] if self.behind else self.address

    @classmethod
    def of(cls, device: Device, key: str) -> DeviceState:
        """The state of a device of a scan document under its identity key."""
        ident = device.identification
        switch, switch_port, vlan = location_of(device)
        matches = device.policy.matches
        return cls(
            key=key,
            address=device.address,
            mac=norm_mac(device.mac) if device.mac else None,
            serial=serial_of(device),
            vendor=ident.vendor,
            brand=ident.brand,
            model=ident.model,
            firmware=ident.firmware,
            device_type=ident.device_type,
            confidence=ident.confidence,
            restricted=device.policy.restricted,
            suspected=device.policy.suspected,
            acknowledged=device.policy.acknowledged,
            policies=tuple(dict.fromkeys(m.policy for m in matches)),
            ports=tuple(ports(device)),
            clauses=tuple(dict.fromkeys(m.clause for m in matches if m.clause)),
            switch=switch,
            switch_port=switch_port,
            vlan=vlan,
            behind=f"{device.behind.recorder}#{device.behind.channel}" if device.behind else None,
        )

    def digest(self, observations: Sequence[Observation]) -> str:
        """SHA-256 over the state (without its key) and its observations: equal means unchanged."""
        data = [getattr(self, name) for name in _DIGESTED]
        data.append([[o.signal, o.value, o.port, o.source] for o in observations])
        if self.behind is not None:  # only then: digests stored before the field stay valid
            data.append(["behind", self.behind])
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()


_DIGESTED = tuple(f.name for f in fields(DeviceState) if f.name not in ("key", "behind"))


def states_of(doc: ScanDocument, ambiguous: Iterable[str] = ()) -> dict[str, DeviceState]:
    """Every device of a document by identity key (no device is dropped for a shared key)."""
    keys, _ = assign_keys(doc.devices, ambiguous)
    return {key: DeviceState.of(d, key) for key, d in zip(keys, doc.devices, strict=True)}

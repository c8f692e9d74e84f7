"""A scan document of a recorder and the cameras on its PoE ports, built through the real
pipeline (shared by the golden outputs and the terminal-table layout tests)."""

from __future__ import annotations

from camscan.engine.document import behind_devices
from camscan.engine.hosts import HostRecord
from camscan.infra.locate import agent_tables
from camscan.infra.mibs import ArpEntry, FdbEntry, InfraView
from camscan.models import Device, Location, Observation, ScanDocument
from camscan.probe.base import BehindCamera
from camscan.verdict import annotate
from tests.report.sample_docs import building


def recorder_poe_building() -> ScanDocument:
    """A Hikvision NVR on cam-sw1 port p10 and the three cameras on its PoE side, through the
    real pipeline: the channel API's cameras (:func:`behind_devices`) located by the NVR's
    own SNMP tables (:func:`agent_tables`), then identified and judged (:func:`annotate`)."""
    nvr = "192.0.2.26"
    cams = (  # (channel, PoE address, MAC, maker, model, serial); channel 2 without a MAC
        (1, "203.0.113.10", "44:19:b6:0a:00:10", "HIKVISION", "DS-2CD2143G2-I", "DS2CD0001"),
        (2, "203.0.113.11", None, "Dahua", "IPC-HFW2431S-S-S2", "7L0A2D4PAZ00011"),
        (3, "203.0.113.12", "ac:cc:8e:0a:00:12", "AXIS", "P3245-LVE", "ACCC8E0A0012"),
    )
    view = InfraView(
        host=nvr,
        arp=(ArpEntry("203.0.113.11", "3c:ef:8c:0a:00:11", 102, "ipNetToPhysicalTable"),),
        fdb=(
            FdbEntry("44:19:b6:0a:00:10", 1, None, "dot1dTpFdbTable"),
            FdbEntry("3c:ef:8c:0a:00:11", 2, None, "dot1dTpFdbTable"),
            FdbEntry("ac:cc:8e:0a:00:12", 3, None, "dot1dTpFdbTable"),
        ),
        if_names={n: f"PoE{n}" for n in range(1, 9)},
    )
    record = HostRecord(address=nvr, mac="44:19:b6:00:00:26")
    record.location = Location(switch="cam-sw1", port="p10", vlan=20,
                               source="snmp 198.51.100.2 Q-BRIDGE-MIB dot1qTpFdbTable")  # fmt: skip
    record.observations.extend(
        Observation(signal=k, value=v, source="sadp")
        for k, v in (("sadp.DeviceDescription", "DS-7608NI-K2/8P"), ("sadp.DigitalChannelNum", "8"),
                     ("recorder.ip_channels", "3"))
    )  # fmt: skip
    record.cameras.extend(
        BehindCamera(
            channel=n, api="ISAPI InputProxy", address=addr, mac=mac,
            observations=tuple(
                Observation(signal=f"channel.{k}", value=v, source="recorder")
                for k, v in (("manufacturer", maker), ("model", model), ("serial", serial))
            ),
        )
        for n, addr, mac, maker, model, serial in cams
    )  # fmt: skip
    nvr_device = Device(address=nvr, mac=record.mac, location=record.location,
                        observations=list(record.observations))  # fmt: skip
    behind = behind_devices(record, agent_tables(view))
    return annotate(building([nvr_device, *behind]))

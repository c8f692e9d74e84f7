"""Building the scan document from the host table and the run's records."""

from __future__ import annotations

from datetime import UTC, datetime

from camscan.engine.hosts import HostRecord, HostTable
from camscan.infra.locate import AgentTables
from camscan.models import (
    AttemptStatus,
    Behind,
    Device,
    Location,
    MethodRun,
    ProbeAttempt,
    ScanDocument,
)
from camscan.netroute import LinkPlan
from camscan.recorders import NO_MAC, login_refused
from camscan.words import plural


def where_plugged(location: Location | None) -> str:
    """'cam-sw1 port p10 vlan 20' for a recorder's own location, or ''."""
    if location is None:
        return ""
    parts = [location.switch, f"port {location.port}" if location.port else ""]
    parts.append(f"vlan {location.vlan}" if location.vlan is not None else "")
    return " ".join(p for p in parts if p)


def behind_devices(record: HostRecord, agent: AgentTables | None = None) -> list[Device]:
    """One device per camera the recorder at ``record`` reported on a channel.

    camscan never reached these cameras itself: each carries one ``skipped`` attempt saying
    so, and is identified only from what the recorder said (a camera the recorder says
    nothing about is "not identified", never "clear"). When the recorder is itself an
    ``--infra`` agent (``agent``: its own SNMP tables), a camera whose channel API gave no MAC
    gets the one the recorder's ARP table binds to its PoE-side address, and a camera with a
    MAC gets the recorder's PoE port it was learned on (switch = the recorder), with where
    the recorder itself plugs in kept as the location's ``uplink``. Only this recorder's
    tables are used: two recorders' PoE sides often reuse the same private addresses.
    """
    out = []
    for cam in record.cameras:
        behind = Behind(recorder=record.address, channel=cam.channel, api=cam.api)
        reason = f"reached only through recorder {record.address} channel {cam.channel}"
        mac, mac_source = cam.mac, f"recorder {record.address} {cam.api}"
        binding = agent.arp.get(cam.address or "") if agent is not None else None
        if mac is None and binding is not None:
            mac, mac_source = binding.mac, binding.source
        if mac is None:
            mac_source = f"{NO_MAC} {record.address} ({cam.api} gave none)"
        location = agent.locations.get(mac) if agent is not None and mac else None
        if location is not None:
            location = location.model_copy(update={"uplink": where_plugged(record.location)})
        out.append(
            Device(
                address=cam.address or record.address,
                mac=mac,
                mac_source=mac_source,
                location=location,
                behind=behind,
                observations=list(cam.observations),
                attempts=[
                    ProbeAttempt(probe="recorder", status=AttemptStatus.SKIPPED, reason=reason)
                ],
            )
        )
    return out


def build_document(
    *,
    records: list[HostRecord],
    table: HostTable,
    plan: LinkPlan,
    methods: list[str],
    method_runs: list[MethodRun],
    attempts: list[ProbeAttempt],
    started: datetime,
    complete: bool,
    interrupted: bool,
) -> ScanDocument:
    """The unannotated document. ``complete`` is the engine's own verdict (no probe crashed);
    it is also false when any method run is incomplete, the scan was interrupted, or a
    recorder refused the login given for it (its cameras could not be enumerated)."""
    devices = []
    for r in records:
        devices.append(
            Device(
                address=r.address,
                mac=r.mac,
                mac_source=r.mac_source,
                hostnames=list(r.hostnames),
                location=r.location,
                observations=list(r.observations),
                attempts=list(r.attempts),
            )
        )
        devices.extend(behind_devices(r, table.agents.get(r.address)))
    attempts = list(attempts)
    if table.outside_scope:
        reason = f"{plural(table.outside_scope, 'answer')} from outside the scope ignored"
        attempts.append(ProbeAttempt(probe="engine", status=AttemptStatus.SKIPPED, reason=reason))
    if table.this_host:
        reason = f"this host ({', '.join(table.this_host)}) left out of the devices"
        attempts.append(ProbeAttempt(probe="engine", status=AttemptStatus.OK, reason=reason))
    return ScanDocument(
        started_at=started,
        finished_at=datetime.now(UTC),
        complete=complete
        and not interrupted
        and all(r.complete for r in method_runs)
        and not any(login_refused(d) for d in devices),
        interrupted=interrupted,
        scope=table.scope.describe(),
        methods=methods,
        method_runs=method_runs,
        interface=plan.iface,
        interface_source=plan.chosen_by,
        this_host=table.this_host,
        attempts=attempts,
        devices=devices,
    )

"""Recorders' channel plans and the logins a topology declares, written for devices and scans.

A recorder host (``channels:`` in the topology) gets a :class:`RecorderPlan`: its login and,
per channel, the camera the installer added — address, the protocol the recorder would use
for it (Hikvision's private protocol on 8000 for a camera that speaks SADP, Dahua's on 37777
for one that speaks DHIP, else ONVIF) and the camera's ONVIF login, which the recorder uses
to read the camera's identity. :func:`write_scan_config` writes ``scan.toml`` in the lab's
directory, one config for ``camscan scan --config``: a ``[[credentials]]`` table per host with
``credentials:`` and an ``[[infra]]`` table per SNMP switch, router or recorder with channels
(``snmp.infra_tables``;
its first v3 user, authPriv, else its v2c community), every secret in its own file (mode
0600) named by ``*_file``.
"""

from __future__ import annotations

import json
from pathlib import Path

from camscan.lab.persona import ChannelPlan, Persona, RecorderPlan
from camscan.lab.topology import HostSpec, Topology

#: (protocol, port) a recorder API names for a camera, by API and by what the camera speaks.
_PROTOCOLS = {
    "isapi": {"sadp": ("HIKVISION", 8000), "onvif": ("ONVIF", None)},
    "dahua": {"dhip": ("Private", 37777), "onvif": ("Onvif", None)},
}


def channel_plan(number: int, camera: HostSpec, persona: Persona, api: str) -> ChannelPlan:
    """Channel ``number`` of a recorder whose API is ``api``, holding ``camera``."""
    onvif = persona.onvif
    own = "sadp" if persona.sadp is not None else "dhip" if persona.dhip is not None else ""
    protocol, port = _PROTOCOLS[api].get(own, _PROTOCOLS[api]["onvif"])
    onvif_port = onvif.port if onvif is not None else 80
    return ChannelPlan(
        channel=number,
        address=str(camera.address),
        name=camera.label,
        protocol=protocol,
        port=port or onvif_port,
        username=onvif.username if onvif is not None else "admin",
        password=onvif.password if onvif is not None else "",
        onvif_port=onvif_port,
        onvif_path=onvif.path if onvif is not None else "/onvif/device_service",
    )


def recorder_plan(topo: Topology, host: HostSpec, personas: dict[Path, Persona]) -> RecorderPlan:
    """The plan of recorder ``host`` (its persona has a ``recorder`` section)."""
    recorder = personas[topo.persona_path(host)].recorder
    assert recorder is not None  # the topology loader checks it
    by_address = {h.address: h for h in topo.hosts}
    channels = tuple(
        channel_plan(n, by_address[a], personas[topo.persona_path(by_address[a])], recorder.api)
        for n, a in enumerate(host.channels, start=1)
    )
    login = host.credentials
    return RecorderPlan(
        username=login.username if login else recorder.username,
        password=login.password if login else recorder.password,
        channels=channels,
    )


def _private(path: Path, text: str) -> Path:
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(text, encoding="utf-8")
    return path


def write_plan(logdir: Path, index: int, plan: RecorderPlan) -> Path:
    """``h<index>-recorder.json`` (mode 0600: it holds logins) for ``--recorder``."""
    return _private(logdir / f"h{index}-recorder.json", json.dumps(plan.model_dump()))


def _infra_table(stem: str, address: str, persona: Persona, logdir: Path) -> str | None:
    """The ``[[infra]]`` table of an SNMP switch or router, its secrets in 0600 files."""
    snmp = persona.snmp
    if snmp is None or snmp.infra_tables is None:
        return None
    lines = [f'host = "{address}"', f"port = {snmp.port}"]
    if snmp.infra_tables == "recorder":
        lines.append("recorder = true")  # its PoE switch: for its own cameras only
    secrets: dict[str, str] = {}
    if snmp.v3_users:
        user = snmp.v3_users[0]
        lines += ["snmp_version = 3", f'user = "{user.user}"',
                  f'auth_protocol = "{user.auth_protocol}"',
                  f'priv_protocol = "{user.priv_protocol or "none"}"']  # fmt: skip
        secrets = {"auth_password": user.auth_password, "priv_password": user.priv_password}
    elif snmp.community is not None:
        secrets = {"community": snmp.community}
    for key, value in secrets.items():
        if value:
            path = _private(logdir / f"{stem}.{key}", value + "\n")
            lines.append(f'{key}_file = "{path}"')
    return "[[infra]]\n" + "\n".join(lines) + "\n"


def write_scan_config(topo: Topology, personas: dict[Path, Persona], logdir: Path) -> Path | None:
    """``scan.toml`` (mode 0600) with the lab's ``[[credentials]]`` and ``[[infra]]`` tables
    and their secret files, or None when the topology has neither."""
    tables = []
    if topo.router is not None and (path := topo.router_path()) is not None:
        router = _infra_table("router", str(topo.router.addresses[0]), personas[path], logdir)
        tables += [router] if router else []
    for index, host in topo.iter_hosts():
        if host.credentials is not None:
            secret = _private(logdir / f"h{index}.password", host.credentials.password + "\n")
            tables.append(
                f'[[credentials]]\nhosts = ["{host.address}"]\n'
                f'username = "{host.credentials.username}"\npassword_file = "{secret}"\n'
            )
        persona = personas[topo.persona_path(host)]
        if persona.snmp and persona.snmp.infra_tables == "recorder" and not host.channels:
            continue  # a recorder without cameras on a PoE side has no tables to read
        if infra := _infra_table(f"h{index}", str(host.address), persona, logdir):
            tables.append(infra)
    if not tables:
        return None
    return _private(logdir / "scan.toml", "\n".join(tables))

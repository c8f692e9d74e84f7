"""Recorders' channel plans and the logins a topology declares, written for devices and scans.

A recorder host (``channels:`` in the topology) gets a :class:`RecorderPlan`: its login and,
per channel, the camera the installer added — address, the protocol the recorder would use
for it (Hikvision's private protocol on 8000 for a camera that speaks SADP, Dahua's on 37777
for one that speaks DHIP, else ONVIF) and the camera's ONVIF login, which the recorder uses
to read the camera's identity. Every host with ``credentials:`` also gets its password in a
file (mode 0600) and a ``[[credentials]]`` table in ``credentials.toml`` in the lab's
directory, so a scan can use it with ``--config`` (or ``--password-file``).
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


def write_credentials(topo: Topology, logdir: Path) -> Path | None:
    """Password files and ``credentials.toml`` for the hosts with ``credentials``, or None."""
    tables = []
    for index, host in topo.iter_hosts():
        if host.credentials is None:
            continue
        secret = _private(logdir / f"h{index}.password", host.credentials.password + "\n")
        tables.append(
            f'[[credentials]]\nhosts = ["{host.address}"]\n'
            f'username = "{host.credentials.username}"\npassword_file = "{secret}"\n'
        )
    if not tables:
        return None
    return _private(logdir / "credentials.toml", "\n".join(tables))

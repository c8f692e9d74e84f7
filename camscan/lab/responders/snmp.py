"""SNMP agent on UDP 161, built on pysnmp's agent side: v1/v2c communities and v3 USM users.

The persona's OIDs (plus, for an infrastructure persona, the tables the lab writes from the
topology) are served by a small MIB instrumentation controller over a sorted dict, so Get,
GetNext and GetBulk all answer from data. pysnmp does the message processing: community
check (a wrong one gets no answer, as real agents do), USM authentication and privacy, and
the error replies a real agent sends to wrong v3 credentials (usmStatsWrongDigests...).
Hikvision cameras answer under enterprise 39165 (.1.1.0 model, .1.3.0 firmware) with no
sysObjectID (librenms/librenms tests/snmpsim/hikvision-cam.snmprec).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

from camscan.lab.persona import SnmpConfig, SnmpValue, expand
from camscan.lab.responders.common import DeviceContext, Running, unicast_udp_socket
from camscan.snmp import Oid, parse_oid

_SYSTEM = {
    "sys_descr": "1.3.6.1.2.1.1.1.0",
    "sys_object_id": "1.3.6.1.2.1.1.2.0",
    "sys_name": "1.3.6.1.2.1.1.5.0",
}


def to_pysnmp(value: SnmpValue, values: Mapping[str, str]) -> Any:
    """A persona value as a pysnmp (SMIv2) value; placeholders filled in strings."""
    from pysnmp.proto import rfc1902

    kind, raw = value.type, value.value
    if kind == "string":
        return rfc1902.OctetString(expand(str(raw), dict(values)).encode("utf-8"))
    if kind == "hex":
        return rfc1902.OctetString(bytes.fromhex(str(raw).replace(":", "").replace(" ", "")))
    if kind == "oid":
        return rfc1902.ObjectName(parse_oid(str(raw)))
    if kind == "ipaddress":
        return rfc1902.IpAddress(str(raw))
    if kind == "null":
        return rfc1902.Null("")
    number = int(raw)
    types = {
        "integer": rfc1902.Integer32,
        "timeticks": rfc1902.TimeTicks,
        "counter32": rfc1902.Counter32,
        "gauge32": rfc1902.Gauge32,
    }
    return types[kind](number)


def mib_entries(cfg: SnmpConfig, extra: Mapping[str, SnmpValue]) -> dict[Oid, SnmpValue]:
    """Every OID the agent serves: system group, persona OIDs, then lab tables."""
    entries: dict[Oid, SnmpValue] = {}
    for name, oid in _SYSTEM.items():
        text = getattr(cfg, name)
        if text is not None:
            kind = "oid" if name == "sys_object_id" else "string"
            entries[parse_oid(oid)] = SnmpValue(type=kind, value=text)
    for text, value in {**cfg.oids, **dict(extra)}.items():
        entries[parse_oid(text)] = value
    return entries


class DataMib:
    """Get/GetNext over a sorted dict: pysnmp's MIB instrumentation interface, from data."""

    def __init__(self, entries: Mapping[Oid, Any]) -> None:
        from pysnmp.proto import rfc1902

        self._values = {rfc1902.ObjectName(k): v for k, v in entries.items()}
        self._keys = sorted(self._values)

    def read_variables(self, *var_binds: Any, **_context: Any) -> list[tuple[Any, Any]]:
        """GetRequest: the value, or noSuchObject."""
        from pysnmp.proto import rfc1905

        return [(oid, self._values.get(oid, rfc1905.noSuchObject)) for oid, _ in var_binds]

    def read_next_variables(self, *var_binds: Any, **_context: Any) -> list[tuple[Any, Any]]:
        """GetNext (and each GetBulk step): the first OID after the given one, or endOfMibView."""
        from pysnmp.proto import rfc1905

        out = []
        for oid, _ in var_binds:
            i = bisect.bisect_right(self._keys, oid)
            if i >= len(self._keys):
                out.append((oid, rfc1905.endOfMibView))
            else:
                out.append((self._keys[i], self._values[self._keys[i]]))
        return out

    def write_variables(self, *var_binds: Any, **_context: Any) -> list[tuple[Any, Any]]:
        """The lab's agents are read-only: every Set is refused."""
        from pysnmp.smi import error

        raise error.NotWritableError(idx=0)


def engine_id(ctx: DeviceContext) -> bytes:
    """A stable RFC 3411 snmpEngineID from the device MAC (format 3: MAC address)."""
    return b"\x80\x00\x1f\x88\x03" + bytes.fromhex(ctx.mac.replace(":", ""))  # net-snmp, 8072


async def start_snmp(
    ctx: DeviceContext, cfg: SnmpConfig, extra: Mapping[str, SnmpValue] | None = None
) -> Running:
    """Serve the persona's OIDs (and ``extra`` lab tables) over v1/v2c/v3 on ``cfg.port``."""
    from pysnmp.carrier.asyncio.dgram import udp
    from pysnmp.entity import config, engine
    from pysnmp.entity.rfc3413 import cmdrsp, context
    from pysnmp.proto import rfc1902

    from camscan.snmp import SnmpAuth, auth_data

    values = ctx.values()
    entries = {k: to_pysnmp(v, values) for k, v in mib_entries(cfg, extra or {}).items()}
    snmp_engine = engine.SnmpEngine(rfc1902.OctetString(engine_id(ctx)))
    sock = unicast_udp_socket(ctx.address, cfg.port)
    transport = udp.UdpTransport().open_server_mode(sock=sock)
    config.add_transport(snmp_engine, udp.DOMAIN_NAME, transport)
    if cfg.community is not None:
        config.add_v1_system(snmp_engine, "lab-area", cfg.community)
        for model in (1, 2):  # v1 and v2c
            config.add_vacm_user(snmp_engine, model, "lab-area", "noAuthNoPriv", (1, 3, 6), ())
    for user in cfg.v3_users:
        usm = auth_data(
            SnmpAuth(
                version=3,
                user=user.user,
                auth_protocol=user.auth_protocol,
                auth_password=user.auth_password,
                priv_protocol=user.priv_protocol,
                priv_password=user.priv_password,
            )
        )
        config.add_v3_user(
            snmp_engine,
            user.user,
            usm.authentication_protocol,
            user.auth_password,
            usm.privacy_protocol,
            user.priv_password or None,
        )
        level = "authPriv" if user.priv_protocol else "authNoPriv"
        config.add_vacm_user(snmp_engine, 3, user.user, level, (1, 3, 6), ())
    snmp_context = context.SnmpContext(snmp_engine)
    snmp_context.unregister_context_name(rfc1902.OctetString(""))
    snmp_context.register_context_name(rfc1902.OctetString(""), DataMib(entries))
    for responder in (
        cmdrsp.GetCommandResponder,
        cmdrsp.NextCommandResponder,
        cmdrsp.BulkCommandResponder,
    ):
        responder(snmp_engine, snmp_context)
    await transport._lport  # the datagram endpoint is bound (a bind error surfaces here)

    async def close() -> None:
        snmp_engine.close_dispatcher()

    return Running("snmp", closers=[close], endpoints=[f"udp/{cfg.port}"])

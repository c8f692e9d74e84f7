"""Persona section for the SNMP agent (pysnmp's agent side): values, v3 users, tables."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from camscan.lab.persona.base import Model


class SnmpValue(Model):
    """A typed SNMP value; a bare string in YAML is an OCTET STRING, a bare int an INTEGER.

    ``hex`` is an OCTET STRING given as hex digits (a MAC address, a PortList); ``ipaddress``
    an IpAddress in dotted form.
    """

    type: Literal[
        "string", "hex", "integer", "oid", "timeticks", "counter32", "gauge32", "ipaddress", "null"
    ] = "string"
    value: str | int = ""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("booleans are not SNMP values")
        if isinstance(data, int):
            return {"type": "integer", "value": data}
        if isinstance(data, str):
            return {"type": "string", "value": data}
        return data


class SnmpUser(Model):
    """An SNMPv3 USM user (lab data: these pass phrases are not secrets)."""

    user: str = Field(min_length=1, description="USM user name.")
    auth_protocol: Literal["md5", "sha", "sha224", "sha256", "sha384", "sha512"] = "sha"
    auth_password: str = Field(min_length=8, description="Authentication pass phrase (>= 8).")
    priv_protocol: Literal["des", "3des", "aes", "aes192", "aes256"] | None = Field(
        default="aes", description="Privacy protocol; None = authNoPriv."
    )
    priv_password: str = Field(default="", description="Privacy pass phrase (>= 8 with priv).")

    @model_validator(mode="after")
    def _priv(self) -> SnmpUser:
        if self.priv_protocol and len(self.priv_password) < 8:
            raise ValueError("priv_password needs at least 8 characters")
        return self


class SnmpConfig(Model):
    """SNMP agent (pysnmp's agent side): v1/v2c with a community check, v3 USM users."""

    port: int = Field(default=161, ge=1, le=65535, description="UDP port.")
    community: str | None = Field(
        default="public", description="Read community (v1/v2c); others get no answer; None = off."
    )
    v3_users: tuple[SnmpUser, ...] = Field(default=(), description="SNMPv3 users (authPriv...).")
    sys_descr: str | None = Field(default=None, description="1.3.6.1.2.1.1.1.0; None = absent.")
    sys_object_id: str | None = Field(
        default=None, description="1.3.6.1.2.1.1.2.0 as dotted OID; None = absent (Hikvision)."
    )
    sys_name: str | None = Field(default=None, description="1.3.6.1.2.1.1.5.0; None = absent.")
    oids: dict[str, SnmpValue] = Field(
        default_factory=dict, description="Further OIDs (dotted, no leading dot) and values."
    )
    infra_tables: Literal["switch", "router", "recorder"] | None = Field(
        default=None,
        description="Also answer the lab's own tables, written from the topology by "
        "camscan.lab.infra: 'switch' = FDB with VLAN, port names, LLDP; 'router' = ARP table "
        "and VLAN interfaces; 'recorder' = a recorder's PoE ports with the cameras on its "
        "channels (FDB, port names) and their ARP entries.",
    )

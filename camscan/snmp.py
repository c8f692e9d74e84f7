"""SNMP manager side for the probe and the infrastructure source, on pysnmp's asyncio API.

Every SNMP exchange camscan makes goes through here: :func:`snmp_get` (one GetRequest) and
:func:`snmp_walk` (GetBulk, or GetNext for v1, confined to one subtree and capped in rows).
Errors are data: a timeout, a wrong community (silence), wrong v3 credentials (pysnmp's
``WrongDigest``/``UnknownUserName``/``DecryptionError``) or an agent error status come back as
:class:`SnmpFailure`, never as an exception. Values are returned as plain Python (``bytes``
for OCTET STRING, ``int``, dotted ``str`` for OIDs and IpAddress, None for noSuchObject,
noSuchInstance and endOfMibView).

Secrets: :class:`SnmpAuth` never shows a community or pass phrase in its ``repr``, and every
message from pysnmp is scrubbed of them before it leaves this module.
Protocol names follow RFC 3414 (md5, sha), RFC 7860 (sha224 … sha512), RFC 3414/3826 (des,
aes) and the Reeder draft for aes192/aes256 (what Cisco and net-snmp call aes192/aes256).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

SNMP_PORT = 161
MAX_WALK_ROWS = 20_000  # a core switch's FDB is a few thousand rows; more is not a table

Oid = tuple[int, ...]
Value = bytes | int | str | None

AUTH_PROTOCOLS = ("md5", "sha", "sha224", "sha256", "sha384", "sha512")
PRIV_PROTOCOLS = ("des", "3des", "aes", "aes192", "aes256")


@dataclass(frozen=True)
class SnmpAuth:
    """Credentials for one agent: v1/v2c community or a v3 USM user (authPriv or authNoPriv)."""

    version: Literal[1, 2, 3] = 2
    community: str = field(default="", repr=False)
    user: str = ""
    auth_protocol: str = "sha"
    auth_password: str = field(default="", repr=False)
    priv_protocol: str | None = "aes"
    priv_password: str = field(default="", repr=False)

    def secrets(self) -> tuple[str, ...]:
        """The secret strings, for scrubbing messages."""
        return tuple(s for s in (self.community, self.auth_password, self.priv_password) if s)

    def describe(self) -> str:
        """'v2c' or 'v3 user audit sha/aes' — never a secret."""
        if self.version < 3:
            return "v1" if self.version == 1 else "v2c"
        priv = f"/{self.priv_protocol}" if self.priv_protocol else ""
        return f"v3 user {self.user} {self.auth_protocol}{priv}"


@dataclass(frozen=True)
class SnmpTarget:
    """An agent to read (a switch or router given with ``--infra`` or ``[[infra]]``)."""

    host: str
    auth: SnmpAuth = field(repr=False)
    port: int = SNMP_PORT
    recorder: bool = False  # a recorder's PoE switch: its tables serve its own cameras only


@dataclass(frozen=True)
class SnmpFailure:
    """Why an exchange produced nothing (more): 'timeout', 'auth', 'error' plus a message."""

    kind: Literal["timeout", "auth", "error"]
    message: str


@dataclass(frozen=True)
class WalkResult:
    """Rows of one subtree in OID order (index = OID suffix below the root), and any failure."""

    root: Oid
    rows: tuple[tuple[Oid, Value], ...] = ()
    failure: SnmpFailure | None = None

    def by_index(self) -> Iterator[tuple[Oid, Value]]:
        """(index below the root, value) for every row."""
        n = len(self.root)
        for oid, value in self.rows:
            yield oid[n:], value


def parse_oid(text: str) -> Oid:
    """'1.3.6.1.2.1.1.1.0' (leading dot allowed) → a tuple of arcs; ValueError otherwise."""
    parts = text.strip().lstrip(".").split(".")
    arcs = tuple(int(p) for p in parts)
    if len(arcs) < 2 or any(a < 0 for a in arcs):
        raise ValueError(f"bad OID {text!r}")
    return arcs


def auth_data(auth: SnmpAuth) -> Any:
    from pysnmp.hlapi.v3arch.asyncio import CommunityData, UsmUserData
    from pysnmp.hlapi.v3arch.asyncio import auth as usm

    if auth.version < 3:
        return CommunityData(auth.community, mpModel=0 if auth.version == 1 else 1)
    auth_ids = {
        "md5": usm.USM_AUTH_HMAC96_MD5,
        "sha": usm.USM_AUTH_HMAC96_SHA,
        "sha224": usm.USM_AUTH_HMAC128_SHA224,
        "sha256": usm.USM_AUTH_HMAC192_SHA256,
        "sha384": usm.USM_AUTH_HMAC256_SHA384,
        "sha512": usm.USM_AUTH_HMAC384_SHA512,
    }
    priv_ids = {
        "des": usm.USM_PRIV_CBC56_DES,
        "3des": usm.USM_PRIV_CBC168_3DES,
        "aes": usm.USM_PRIV_CFB128_AES,
        "aes192": usm.USM_PRIV_CFB192_AES,
        "aes256": usm.USM_PRIV_CFB256_AES,
    }
    if auth.priv_protocol is None:
        return UsmUserData(auth.user, auth.auth_password, authProtocol=auth_ids[auth.auth_protocol])
    return UsmUserData(
        auth.user,
        auth.auth_password,
        auth.priv_password,
        authProtocol=auth_ids[auth.auth_protocol],
        privProtocol=priv_ids[auth.priv_protocol],
    )


def plain(value: Any) -> Value:
    """A pysnmp value as plain Python (see the module docstring)."""
    from pysnmp.proto import rfc1902, rfc1905

    if isinstance(value, rfc1905.NoSuchObject | rfc1905.NoSuchInstance | rfc1905.EndOfMibView):
        return None
    if isinstance(value, rfc1902.IpAddress):
        return ".".join(str(b) for b in value.asOctets())
    if isinstance(value, rfc1902.OctetString):
        return bytes(value.asOctets())
    if isinstance(value, rfc1902.ObjectIdentifier):
        return ".".join(str(a) for a in value.asTuple())
    if isinstance(value, rfc1902.Integer32 | rfc1902.Integer | rfc1902.Unsigned32):
        return int(value)
    with contextlib.suppress(TypeError, ValueError):
        return int(value)
    return None


def _scrub(text: str, auth: SnmpAuth) -> str:
    for secret in auth.secrets():
        text = text.replace(secret, "***")
    return text[:300]


def _failure(indication: Any, auth: SnmpAuth) -> SnmpFailure:
    name = type(indication).__name__
    text = _scrub(str(indication), auth)
    if name == "RequestTimedOut":
        hint = "wrong community?" if auth.version < 3 else "wrong user or engine?"
        return SnmpFailure("timeout", f"no SNMP reply ({hint})")
    if name in ("WrongDigest", "UnknownUserName", "DecryptionError", "UnsupportedSecurityLevel",
                "AuthenticationFailure", "NotInTimeWindow", "UnknownSecurityName"):  # fmt: skip
        return SnmpFailure("auth", f"SNMP {auth.describe()} refused: {text} ({name})")
    return SnmpFailure("error", f"{name}: {text}")


class SnmpSession:
    """One pysnmp engine and transport for one agent; use as ``async with``."""

    def __init__(
        self,
        address: str,
        auth: SnmpAuth,
        *,
        port: int = SNMP_PORT,
        timeout: float = 2.0,
        retries: int = 1,
    ) -> None:
        self.address, self.port, self.auth = address, port, auth
        self.timeout, self.retries = timeout, retries
        self._engine: Any = None
        self._target: Any = None

    async def __aenter__(self) -> SnmpSession:
        from pysnmp.hlapi.v3arch.asyncio import SnmpEngine, UdpTransportTarget

        self._engine = SnmpEngine()
        self._target = await UdpTransportTarget.create(
            (self.address, self.port), timeout=self.timeout, retries=self.retries
        )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._engine is not None:
            with contextlib.suppress(Exception):
                self._engine.close_dispatcher()
            self._engine = None

    async def get(self, oids: tuple[str, ...]) -> tuple[dict[str, Value], SnmpFailure | None]:
        """GetRequest for ``oids``: (dotted OID → value, failure or None)."""
        from pysnmp.hlapi.v3arch.asyncio import ContextData, ObjectIdentity, ObjectType, get_cmd

        try:
            indication, status, index, binds = await get_cmd(
                self._engine,
                auth_data(self.auth),
                self._target,
                ContextData(),
                *(ObjectType(ObjectIdentity(o)) for o in oids),
            )
        except Exception as exc:  # pysnmp raises on some malformed input; errors are data
            return {}, SnmpFailure("error", _scrub(f"{type(exc).__name__}: {exc}", self.auth))
        if indication:
            return {}, _failure(indication, self.auth)
        if status:
            return {}, SnmpFailure("error", f"agent error-status {status.prettyPrint()} at {index}")
        return {".".join(map(str, b[0].asTuple())): plain(b[1]) for b in binds}, None

    async def walk(self, root: str, *, max_rows: int = MAX_WALK_ROWS) -> WalkResult:
        """Every row under ``root`` (GetBulk with v2c/v3, GetNext with v1), partial on failure."""
        from pysnmp.hlapi.v3arch.asyncio import (
            ContextData,
            ObjectIdentity,
            ObjectType,
            bulk_cmd,
            next_cmd,
        )

        base = parse_oid(root)
        rows: list[tuple[Oid, Value]] = []
        cursor = base
        auth = auth_data(self.auth)
        while len(rows) < max_rows:
            start = ObjectType(ObjectIdentity(".".join(map(str, cursor))))
            try:
                if self.auth.version == 1:
                    reply = await next_cmd(self._engine, auth, self._target, ContextData(), start)
                else:
                    reply = await bulk_cmd(
                        self._engine, auth, self._target, ContextData(), 0, 25, start
                    )
            except Exception as exc:
                failure = SnmpFailure("error", _scrub(f"{type(exc).__name__}: {exc}", self.auth))
                return WalkResult(base, tuple(rows), failure)
            indication, status, _index, binds = reply
            if indication:
                return WalkResult(base, tuple(rows), _failure(indication, self.auth))
            if status:
                if self.auth.version == 1 and status.prettyPrint() == "noSuchName":
                    break  # v1's end of the MIB
                failure = SnmpFailure("error", f"agent error-status {status.prettyPrint()}")
                return WalkResult(base, tuple(rows), failure)
            advanced = False
            for oid_obj, value in binds:
                oid = tuple(oid_obj.asTuple())
                ended = type(value).__name__ == "EndOfMibView"
                if ended or oid[: len(base)] != base or oid <= cursor:  # left the subtree
                    return WalkResult(base, tuple(rows))
                rows.append((oid, plain(value)))
                cursor = oid
                advanced = True
                if len(rows) >= max_rows:
                    break
            if not advanced:
                break
        return WalkResult(base, tuple(rows))

"""``[[infra]]`` tables: which switches and routers to read, and where their secrets live.

A community or pass phrase is never in the config file nor on the command line: only the
name of an environment variable (``*_env``) or a file (``*_file``, first line, at most 4 KiB)
that holds it. Error messages name the variable or file, never the value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from camscan.secrets import SecretError, read_secret
from camscan.snmp import SNMP_PORT, SnmpAuth, SnmpTarget

#: Keys that would put a secret in the file itself; refused with a pointer to *_env/*_file.
INLINE_SECRETS = ("community", "auth_password", "priv_password", "password")


class InfraConfig(BaseModel):
    """One ``[[infra]]`` table (``host`` may be omitted: defaults for ``--infra HOST``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str | None = None
    port: int = Field(default=SNMP_PORT, ge=1, le=65535)
    snmp_version: Literal[1, 2, 3] = 2
    community_env: str | None = None
    community_file: Path | None = None
    user: str | None = None
    auth_protocol: Literal["md5", "sha", "sha224", "sha256", "sha384", "sha512"] = "sha"
    auth_password_env: str | None = None
    auth_password_file: Path | None = None
    priv_protocol: Literal["des", "3des", "aes", "aes192", "aes256", "none"] = "aes"
    priv_password_env: str | None = None
    priv_password_file: Path | None = None
    recorder: bool = Field(
        default=False,
        description="A recorder's built-in PoE switch: its tables locate only the cameras "
        "behind that recorder, never other hosts (PoE-side addresses repeat across recorders "
        "and may collide with the building's).",
    )

    @model_validator(mode="after")
    def _complete(self) -> InfraConfig:
        if self.snmp_version == 3 and not self.user:
            raise ValueError("snmp_version 3 needs user")
        if self.recorder and not self.host:
            raise ValueError("recorder = true needs the recorder's host")
        if self.snmp_version < 3 and not (self.community_env or self.community_file):
            raise ValueError("snmp_version 1/2 needs community_env or community_file")
        return self

    def auth(self, env: Mapping[str, str] | None = None) -> SnmpAuth:
        """Read the secrets now; :class:`SecretError` when one is missing."""
        env = os.environ if env is None else env
        where = f"[[infra]] {self.host or '(default)'}"
        if self.snmp_version < 3:
            community = read_secret(
                f"{where} community", self.community_env, self.community_file, env
            )
            return SnmpAuth(version=self.snmp_version, community=community)
        auth_password = read_secret(
            f"{where} auth_password", self.auth_password_env, self.auth_password_file, env
        )
        priv = None if self.priv_protocol == "none" else self.priv_protocol
        priv_password = ""
        if priv is not None:
            priv_password = read_secret(
                f"{where} priv_password", self.priv_password_env, self.priv_password_file, env
            )
        for name, value in (("auth", auth_password), ("priv", priv_password)):
            if value and len(value) < 8:  # RFC 3414 11.2: pass phrases of at least 8 octets
                raise SecretError(f"{where} {name}_password: shorter than 8 characters")
        return SnmpAuth(
            version=3,
            user=self.user or "",
            auth_protocol=self.auth_protocol,
            auth_password=auth_password,
            priv_protocol=priv,
            priv_password=priv_password,
        )


def infra_targets(
    hosts: list[str], tables: list[InfraConfig], env: Mapping[str, str] | None = None
) -> list[SnmpTarget]:
    """Targets for ``--infra HOST`` (its own table, else the host-less default table) plus
    every table that names a host. Raises :class:`SecretError` or ValueError."""
    by_host = {t.host: t for t in tables if t.host}
    default = next((t for t in tables if not t.host), None)
    out: list[SnmpTarget] = []
    seen: set[str] = set()
    for host in [*hosts, *by_host]:
        if host in seen:
            continue
        seen.add(host)
        table = by_host.get(host) or default
        if table is None:
            raise ValueError(
                f"--infra {host}: no credentials; add an [[infra]] table for it (or one without "
                "host as the default) with community_env/community_file or a v3 user"
            )
        out.append(
            SnmpTarget(host=host, auth=table.auth(env), port=table.port, recorder=table.recorder)
        )
    return out

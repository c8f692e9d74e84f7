"""Device credentials: ``[[credentials]]`` tables and ``--username``/``--password-env|file``.

A password is never in the config file nor on the command line: only the name of an
environment variable (``password_env``) or a file (``password_file``, first line, at most
4 KiB) that holds it. Secrets are read once, before any packet is sent; errors name the
variable or file, never the value. camscan never guesses credentials.

``hosts`` takes what a scan target takes (an address, ``192.0.2.40-50``, a CIDR block); the
first table that covers an address wins, then the command-line login (for every host).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from camscan.scope import Interval, ScopeError, parse_target
from camscan.secrets import SecretError, read_secret


class CredentialError(ValueError):
    """Credentials that cannot be used; the message names the table, variable or file."""


class CredentialsConfig(BaseModel):
    """One ``[[credentials]]`` table: a login for recorders and ONVIF devices on ``hosts``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hosts: list[str] = Field(min_length=1, description="Addresses, ranges or CIDR blocks.")
    username: str = Field(min_length=1, max_length=128)
    password_env: str | None = None
    password_file: Path | None = None

    @field_validator("hosts")
    @classmethod
    def _valid_hosts(cls, value: list[str]) -> list[str]:
        for spec in value:
            try:
                parse_target(spec, skip_edges=False)
            except ScopeError as exc:
                raise ValueError(str(exc)) from None
        return value


@dataclass(frozen=True)
class Login:
    """A username and password for one device; the password never appears in a repr."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class HostLogin:
    """A login and the address intervals it is for (inclusive, as in :mod:`camscan.scope`)."""

    intervals: tuple[Interval, ...]
    login: Login

    def covers(self, address: str) -> bool:
        try:
            value = _ipv4(address)
        except ValueError:
            return False
        return any(start <= value <= end for start, end in self.intervals)


def _ipv4(address: str) -> int:
    from ipaddress import IPv4Address

    return int(IPv4Address(address))


def host_logins(
    tables: list[CredentialsConfig], env: Mapping[str, str] | None = None
) -> tuple[HostLogin, ...]:
    """Read every table's password now. Raises :class:`CredentialError`."""
    env = os.environ if env is None else env
    out = []
    for table in tables:
        where = f"[[credentials]] {', '.join(table.hosts)[:80]}"
        if not (table.password_env or table.password_file):
            raise CredentialError(f"{where}: give password_env or password_file")
        try:
            password = read_secret(
                f"{where} password", table.password_env, table.password_file, env
            )
        except SecretError as exc:
            raise CredentialError(str(exc)) from None
        intervals = tuple(i for spec in table.hosts for i in parse_target(spec, skip_edges=False))
        out.append(HostLogin(intervals, Login(table.username, password)))
    return tuple(out)


def cli_login(
    username: str | None,
    password_env: str | None,
    password_file: Path | None,
    env: Mapping[str, str] | None = None,
) -> Login | None:
    """The ``--username`` login, its password from ``--password-env`` or ``--password-file``."""
    env = os.environ if env is None else env
    if password_env and password_file:
        raise CredentialError("give --password-env or --password-file, not both")
    password = None
    if password_env or password_file:
        try:
            password = read_secret(
                "--password-env" if password_env else "--password", password_env, password_file, env
            )
        except SecretError as exc:
            raise CredentialError(str(exc).replace("_file", "-file")) from None
    if username is None:
        if password is not None:
            raise CredentialError("--password-env/--password-file need --username")
        return None
    if password is None:
        raise CredentialError("--username needs --password-env VAR or --password-file PATH")
    return Login(username, password)

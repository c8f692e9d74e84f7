"""Secrets the user names by environment variable or file: SMTP, SNMP and device logins.

A secret never comes from the command line or the config file itself, and never appears in
output; an empty one is an error (a login or community is never the empty string by accident).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

MAX_SECRET_BYTES = 4096


class SecretError(ValueError):
    """A named secret is missing, unreadable or empty (the message names where, not what)."""


def read_secret(what: str, env_name: str | None, file: Path | None, env: Mapping[str, str]) -> str:
    """The secret from ``$env_name`` or the first line of ``file`` (at most 4 KiB read).

    Raises :class:`SecretError` when the variable is unset or empty, the file unreadable or
    empty, or neither is given.
    """
    if env_name:
        value = env.get(env_name)
        if value is None:
            raise SecretError(f"{what}: ${env_name} is not set")
        if not value:
            raise SecretError(f"{what}: ${env_name} is empty")
        return value
    if file is not None:
        try:
            with file.open("rb") as handle:
                data = handle.read(MAX_SECRET_BYTES)
        except OSError as exc:
            raise SecretError(f"{what}: cannot read {file}: {exc.strerror}") from None
        lines = data.decode("utf-8", "replace").splitlines()
        if not lines or not lines[0]:
            raise SecretError(f"{what}: {file} is empty")
        return lines[0]
    raise SecretError(f"{what}: give {what}_env or {what}_file")

"""Shared pieces of the persona model: the frozen base model, placeholders, headers, bodies."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from camscan.oui import normalise_mac

_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


def unicast_mac(value: str) -> str:
    """``AA-BB-CC-DD-EE-FF`` → ``aa:bb:cc:dd:ee:ff``; ValueError unless a host can use it."""
    mac = normalise_mac(value)
    if mac is None:
        raise ValueError(f"not a MAC address: {value!r}")
    if int(mac[:2], 16) & 1:
        raise ValueError(f"multicast MAC cannot be a host address: {value!r}")
    return mac


def expand(template: str, values: dict[str, str]) -> str:
    """Fill the ``{name}`` placeholders that ``values`` knows; leave every other brace alone."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Header(Model):
    """One header line, sent with exactly this name case and in list order.

    In YAML write ``"Server: Hikvision-Webs"``, ``[Server, Hikvision-Webs]`` or
    ``{name: Server, value: Hikvision-Webs}``.
    """

    name: str = Field(description="Header name, case preserved on the wire (e.g. CONTENT-LENGTH).")
    value: str = Field(description="Header value; placeholders such as {length} are filled.")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            name, sep, value = data.partition(":")
            if not sep or not name.strip():
                raise ValueError(f"header {data!r} must look like 'Name: value'")
            return {"name": name.strip(), "value": value.strip()}
        if isinstance(data, list | tuple):
            if len(data) != 2:
                raise ValueError("a header pair must be [name, value]")
            return {"name": str(data[0]), "value": str(data[1])}
        return data

    @field_validator("name")
    @classmethod
    def _token(cls, v: str) -> str:
        if not v or any(c in v for c in " \t\r\n:"):
            raise ValueError(f"invalid header name {v!r}")
        return v


class Body(Model):
    """Where a response body comes from (at most one of text, file, base64)."""

    text: str | None = Field(default=None, description="Body as text (UTF-8), placeholders filled.")
    file: Path | None = Field(
        default=None,
        description="Body bytes from a file, relative to the persona file (e.g. ../assets/x.ico).",
    )
    base64: str | None = Field(default=None, description="Body bytes, base64-encoded.")

    @model_validator(mode="after")
    def _one_source(self) -> Body:
        if sum(x is not None for x in (self.text, self.file, self.base64)) > 1:
            raise ValueError("give only one of text, file, base64")
        if self.base64 is not None:
            base64.b64decode(self.base64, validate=True)
        return self

    @field_validator("file")
    @classmethod
    def _resolve(cls, v: Path | None, info: ValidationInfo) -> Path | None:
        if v is None:
            return None
        base = (info.context or {}).get("base_dir") if info.context else None
        path = v if v.is_absolute() or base is None else Path(base) / v
        if base is not None and not path.is_file():
            raise ValueError(f"body file {path} does not exist")
        return path

    def raw(self, values: dict[str, str]) -> bytes:
        """The body bytes (text placeholders filled)."""
        if self.text is not None:
            return expand(self.text, values).encode("utf-8")
        if self.file is not None:
            return self.file.read_bytes()
        if self.base64 is not None:
            return base64.b64decode(self.base64)
        return b""

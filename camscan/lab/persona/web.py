"""Persona sections for TCP services: HTTP(S) web servers, RTSP and raw banners."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from camscan.lab.persona.base import Body, Header, Model

#: Certificate name attributes a persona may use (X.509 short names).
NAME_ATTRIBUTES = frozenset({"C", "ST", "L", "O", "OU", "CN", "emailAddress", "serialNumber", "DC"})


class HttpRoute(Model):
    """The answer to one path (any method); the status line and headers are sent verbatim."""

    path: str = Field(description="Request path to answer, exact match without the query string.")
    status: int = Field(default=200, ge=100, le=599, description="Status code.")
    reason: str | None = Field(default=None, description="Reason phrase; default the standard one.")
    version: str = Field(default="HTTP/1.1", description="Protocol in the status line (HTTP/1.0).")
    headers: tuple[Header, ...] | None = Field(
        default=None,
        description="Headers in wire order; None = the server's default_headers. A header "
        "whose value is {length} gets the body length; no Content-Length is added otherwise.",
    )
    body: Body = Field(default_factory=Body, description="Response body.")
    title: str | None = Field(
        default=None,
        description="Shortcut: when no body is given, serve a small HTML page with this title.",
    )
    redirect: str | None = Field(
        default=None,
        description="Location to redirect to (status defaults to 302 when this is set).",
    )

    @model_validator(mode="before")
    @classmethod
    def _redirect_status(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("redirect") and "status" not in data:
            return {**data, "status": 302}
        return data

    @field_validator("path")
    @classmethod
    def _abs(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError("path must start with '/'")
        return v


class HttpConfig(Model):
    """A plain-HTTP web server (the device's web UI and vendor endpoints)."""

    port: int = Field(default=80, ge=1, le=65535, description="TCP port.")
    default_headers: tuple[Header, ...] = Field(
        default=(
            Header(name="Content-Type", value="text/html"),
            Header(name="Content-Length", value="{length}"),
            Header(name="Connection", value="close"),
        ),
        description="Headers for routes that do not list their own, in wire order.",
    )
    routes: tuple[HttpRoute, ...] = Field(default=(), description="Answers per path.")
    not_found: HttpRoute = Field(
        default=HttpRoute(path="/", status=404, body=Body(text="Not Found")),
        description="Answer for any path without a route (its path is ignored).",
    )


class CertConfig(Model):
    """The self-signed certificate generated at start (attribute names: C ST L O OU CN ...)."""

    subject: dict[str, str] = Field(
        default_factory=lambda: {"CN": "{address}"},
        description="Subject attributes in certificate order, e.g. {C: CN, O: HIKVISION, CN: ..}.",
    )
    issuer: dict[str, str] | None = Field(
        default=None, description="Issuer attributes; None = same as subject."
    )
    days: int = Field(default=3650, ge=1, description="Validity in days from generation.")
    key: Literal["rsa2048", "ec256"] = Field(default="ec256", description="Key type.")

    @field_validator("subject", "issuer")
    @classmethod
    def _known_attrs(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        for k in v or {}:
            if k not in NAME_ATTRIBUTES:
                raise ValueError(f"unknown name attribute {k!r}; use {sorted(NAME_ATTRIBUTES)}")
        return v


class HttpsConfig(HttpConfig):
    """An HTTPS web server with a generated certificate; routes default to the HTTP ones."""

    port: int = Field(default=443, ge=1, le=65535, description="TCP port.")
    cert: CertConfig = Field(default_factory=CertConfig, description="Certificate fields.")
    routes: tuple[HttpRoute, ...] | None = Field(  # type: ignore[assignment]
        default=None, description="Answers per path; None = the same routes as http."
    )


class RtspConfig(Model):
    """An RTSP server that answers OPTIONS and refuses DESCRIBE, as a locked camera does."""

    port: int = Field(default=554, ge=1, le=65535, description="TCP port.")
    options_headers: tuple[Header, ...] = Field(
        default=(
            Header(name="CSeq", value="{cseq}"),
            Header(name="Public", value="OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"),
        ),
        description="Headers of the 200 answer to OPTIONS, in wire order ({cseq} echoes CSeq; "
        "if no header uses {cseq}, CSeq is sent first).",
    )
    describe_status: int = Field(default=401, description="Status of the DESCRIBE answer.")
    describe_headers: tuple[Header, ...] = Field(
        default=(
            Header(name="CSeq", value="{cseq}"),
            Header(name="WWW-Authenticate", value='Digest realm="camera", nonce="{nonce}"'),
        ),
        description="Headers of the DESCRIBE answer, e.g. WWW-Authenticate, in wire order.",
    )
    other_status: int = Field(default=405, description="Status for any other method.")
    other_headers: tuple[Header, ...] = Field(
        default=(Header(name="CSeq", value="{cseq}"),),
        description="Headers for any other method.",
    )


class Banner(Model):
    """Bytes a raw TCP port sends: on connect, or only in reply to one request (``prompt_hex``).

    A vendor SDK port that never speaks first (Hikvision 8000) is modelled with
    ``prompt_hex``: the reply goes out once the client's bytes start with that prefix, and
    any other input gets silence, as from the real service.
    """

    text: str | None = Field(default=None, description="Banner as text (escapes like \\r\\n ok).")
    hex: str | None = Field(default=None, description="Banner as hex digits (spaces allowed).")
    prompt_hex: str | None = Field(
        default=None,
        description="Send the banner only after the client sent bytes starting with this "
        "prefix (hex digits, spaces allowed); None = send on connect.",
    )
    idle_close: float = Field(default=2.0, gt=0, description="Close after this idle time (s).")

    @model_validator(mode="after")
    def _one(self) -> Banner:
        if (self.text is None) == (self.hex is None):
            raise ValueError("give exactly one of text, hex")
        if self.hex is not None:
            bytes.fromhex(self.hex)
        if self.prompt_hex is not None and not bytes.fromhex(self.prompt_hex):
            raise ValueError("prompt_hex must hold at least one byte")
        return self

    def prompt(self) -> bytes | None:
        """The request prefix that triggers the banner (None = sent on connect)."""
        return None if self.prompt_hex is None else bytes.fromhex(self.prompt_hex)

    def raw(self) -> bytes:
        """The banner bytes."""
        if self.hex is not None:
            return bytes.fromhex(self.hex)
        return (self.text or "").encode("utf-8")

"""Reading scan documents: clear, located errors instead of tracebacks."""

from __future__ import annotations

import json
import re
import sys
from ipaddress import ip_address
from pathlib import Path

import pydantic_core
from pydantic import ValidationError

from camscan.files import InputFileError, read_capped
from camscan.models import SCHEMA_VERSION, ScanDocument

# A scan document of a /16 with rich evidence stays far below this; more is not a scan.
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
_AT = re.compile(r"^(.*) at line (\d+) column (\d+)$")


class DocumentError(ValueError):
    """A scan document that cannot be read; the message says where and why."""


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def parse_document(text: str | bytes, name: str = "<input>") -> ScanDocument:
    """Parse and validate a scan document; raise :class:`DocumentError` with its location."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{name}: larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        if isinstance(text, bytes):  # any JSON encoding (RFC 8259 §8.1: UTF-8, -16, -32)
            text = text.decode(json.detect_encoding(text))
        raw = text.removeprefix("\ufeff").encode("utf-8")
    except UnicodeError as exc:
        raise DocumentError(f"{name}: not valid JSON text: {exc}") from exc
    try:
        # jiter (pydantic's parser) refuses what json.loads lets through: lone surrogates,
        # NaN, numbers past Python's integer-string limit; its errors carry line and column.
        data = pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        where = _AT.search(str(exc))
        at = f":{where[2]}:{where[3]}" if where else ""
        reason = where[1] if where else str(exc)
        raise DocumentError(f"{name}{at}: not valid JSON: {reason}") from exc
    if not isinstance(data, dict):
        raise DocumentError(
            f"{name}: expected a JSON object with 'devices', got {type(data).__name__}"
        )
    version = data.get("schema_version")
    if version is None:
        raise DocumentError(f"{name}: not a camscan scan document (no schema_version)")
    if version != SCHEMA_VERSION:
        raise DocumentError(
            f"{name}: schema_version {version!r} is not supported (this camscan reads "
            f"{SCHEMA_VERSION})"
        )
    try:
        doc = ScanDocument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise DocumentError(f"{name}: {_where(first['loc'])}: {first['msg']}{more}") from exc
    for i, device in enumerate(doc.devices):
        # A camera behind a recorder may carry the host name the recorder reports for it.
        field, value = ("behind.recorder", device.behind.recorder) if device.behind else (
            "address", device.address)  # fmt: skip
        try:
            ip_address(value)
        except ValueError:
            raise DocumentError(
                f"{name}: devices[{i}].{field}: {value[:60]!r} is not an IP address"
            ) from None
    return doc


def load_document(source: str | Path) -> ScanDocument:
    """Load a scan document from a path, or from stdin when ``source`` is ``-``."""
    if str(source) == "-":
        data = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        return parse_document(data, "<stdin>")
    path = Path(source)
    try:
        data = read_capped(path, MAX_DOCUMENT_BYTES)
    except InputFileError as exc:
        raise DocumentError(str(exc)) from exc
    return parse_document(data, str(path))

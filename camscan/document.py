"""Reading scan documents: clear, located errors instead of tracebacks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import ValidationError

from camscan.models import SCHEMA_VERSION, ScanDocument

# A scan document of a /16 with rich evidence stays far below this; more is not a scan.
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024


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
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from exc
    except (UnicodeDecodeError, RecursionError) as exc:
        raise DocumentError(f"{name}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise DocumentError(
            f"{name}: expected a JSON object with 'devices', got {type(data).__name__}"
        )
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise DocumentError(
            f"{name}: schema_version {version!r} is not supported (this camscan reads "
            f"{SCHEMA_VERSION})"
        )
    try:
        return ScanDocument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise DocumentError(f"{name}: {_where(first['loc'])}: {first['msg']}{more}") from exc


def load_document(source: str | Path) -> ScanDocument:
    """Load a scan document from a path, or from stdin when ``source`` is ``-``."""
    if str(source) == "-":
        data = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        return parse_document(data, "<stdin>")
    path = Path(source)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return parse_document(data, str(path))

"""JSON: the scan document itself (the contract, see docs/scan-document.schema.json)."""

from __future__ import annotations

from camscan.models import ScanDocument


def render_json(doc: ScanDocument) -> str:
    """The whole scan document, indented; ``camscan identify`` reads it back."""
    return doc.model_dump_json(indent=2) + "\n"


def render_jsonl(doc: ScanDocument) -> str:
    """One device per line, for grep/jq pipelines and log shippers."""
    return "".join(d.model_dump_json() + "\n" for d in doc.devices)

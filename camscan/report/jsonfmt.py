"""JSON: the scan document itself (the contract, see docs/scan-document.schema.json)."""

from __future__ import annotations

from camscan.models import ScanDocument

# JSON allows raw U+2028/U+2029 inside strings, but line readers that split on Unicode line
# boundaries (Python's str.splitlines, JavaScript before ES2019) break a record there; escaped,
# the value is the same.
_SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029"})


def render_json(doc: ScanDocument) -> str:
    """The whole scan document, indented; ``camscan identify`` reads it back."""
    return doc.model_dump_json(indent=2).translate(_SEPARATORS) + "\n"


def render_jsonl(doc: ScanDocument) -> str:
    """One device per line, for grep/jq pipelines and log shippers."""
    return "".join(d.model_dump_json().translate(_SEPARATORS) + "\n" for d in doc.devices)


def schema_json() -> str:
    """The JSON Schema of the scan document (committed as docs/scan-document.schema.json)."""
    import json

    schema = ScanDocument.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://camscan.invalid/scan-document.schema.json"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

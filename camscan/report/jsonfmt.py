"""JSON: the scan document itself (the contract, see docs/scan-document.schema.json)."""

from __future__ import annotations

import json

from camscan.models import ScanDocument
from camscan.report.common import methods_not_run

# JSON allows raw U+2028/U+2029 inside strings, but line readers that split on Unicode line
# boundaries (Python's str.splitlines, JavaScript before ES2019) break a record there; escaped,
# the value is the same.
_SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029"})


def render_json(doc: ScanDocument) -> str:
    """The whole scan document, indented; ``camscan identify`` reads it back."""
    return doc.model_dump_json(indent=2).translate(_SEPARATORS) + "\n"


def render_jsonl(doc: ScanDocument) -> str:
    """One device per line, for grep/jq pipelines and log shippers. Each line also carries
    the scan-wide ``methods_not_run`` (``[{"method", "state", "reason"}]``: discovery methods
    skipped, failed or only partly run), so a line read alone says what the scan missed."""
    not_run = [{"method": m, "state": s, "reason": r} for m, s, r in methods_not_run(doc)]
    return "".join(
        json.dumps(
            {**d.model_dump(mode="json"), "methods_not_run": not_run},
            ensure_ascii=False, separators=(",", ":"),
        ).translate(_SEPARATORS)
        + "\n"
        for d in doc.devices
    )  # fmt: skip


def schema_json() -> str:
    """The JSON Schema of the scan document (committed as docs/scan-document.schema.json)."""
    schema = ScanDocument.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://camscan.invalid/scan-document.schema.json"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

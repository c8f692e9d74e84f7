"""Reading scan documents: located errors, never tracebacks."""

from __future__ import annotations

import json

import pytest

from camscan.document import DocumentError, parse_document

GOOD = {
    "schema_version": 1,
    "devices": [
        {
            "address": "192.0.2.10",
            "mac": "44:19:b6:12:34:56",
            "observations": [
                {"signal": "http.server", "value": "App-webs/", "port": 80, "source": "http"}
            ],
        }
    ],
}


def test_minimal_document_parses() -> None:
    doc = parse_document(json.dumps(GOOD))
    assert doc.devices[0].observations[0].value == "App-webs/"


def test_truncated_json_says_where() -> None:
    text = json.dumps(GOOD, indent=1)
    with pytest.raises(DocumentError, match=r"^scan\.json:\d+:\d+: not valid JSON"):
        parse_document(text[: len(text) // 2], "scan.json")


def test_wrong_shape_names_the_field() -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["devices"][0]["observations"][0]["port"] = "eighty"
    with pytest.raises(DocumentError, match=r"devices\[0\]\.observations\[0\]\.port"):
        parse_document(json.dumps(bad))


def test_missing_address() -> None:
    bad = {"schema_version": 1, "devices": [{"observations": []}]}
    with pytest.raises(DocumentError, match=r"devices\[0\]\.address: Field required"):
        parse_document(json.dumps(bad))


@pytest.mark.parametrize("text", ["[]", "42", '"x"', "null"])
def test_not_an_object(text: str) -> None:
    with pytest.raises(DocumentError, match="expected a JSON object"):
        parse_document(text)


def test_unsupported_schema_version() -> None:
    with pytest.raises(DocumentError, match="schema_version 7 is not supported"):
        parse_document(json.dumps({**GOOD, "schema_version": 7}))


def test_binary_garbage() -> None:
    with pytest.raises(DocumentError):
        parse_document(b"\xff\xfe\x00garbage")


def test_deep_nesting() -> None:
    with pytest.raises(DocumentError):
        parse_document("[" * 100_000 + "]" * 100_000)

"""The held-out split is by source, not by string (issue 8 §4).

Every rule, brand and OUI reference and every corpus device's ``source`` is normalised to its
*source identity*: ``owner/repo`` for any github.com URL (or raw.githubusercontent.com) and for
``owner/repo:path`` / ``owner/repo#123`` / ``owner/repo@sha`` references; the host name for
other URLs; camscan's own notes for ``research/*.md``, ``protocol-samples/*`` and free text.
A rule may cite only training sources (tests/corpus/sources.yaml ``training``, camscan's own
notes, and vendors' or protocol owners' documentation sites), with no exceptions;
held-out.yaml devices may come only from held-out sources and training.yaml devices only from
training sources.
tests/test_corpus_disjoint.py adds exact-string disjointness on top.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
SIGNATURES = ROOT / "signatures"
OWN_NOTES = "camscan-research"
VENDOR_DOCS = "vendor-documentation"
# Hosts of protocol specifications, published by the body or vendor that owns the protocol
# (ONVIF, IETF, DNS-SD/Bonjour, Microsoft WSD): the "vendor documentation" of a protocol.
SPECIFICATIONS = frozenset(
    {
        "onvif.org",
        "rfc-editor.org",
        "datatracker.ietf.org",
        "dns-sd.org",
        "developer.apple.com",
        "learn.microsoft.com",
        "docs.microsoft.com",
        "live555.com",
    }
)
_URL = re.compile(r"https?://[^\s)\]>'\"]+")
_REPO = r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*"
_LEADING_REPO = re.compile(rf"^({_REPO})(?=$|[\s:#@(,;])")
_CITED_REPO = re.compile(rf"(?<![\w./:@-])({_REPO})(?=[:#@])")
_FILE = re.compile(
    r"\.(?:xml|html?|go|exs?|py|json|txt|md|nse|selftest|ya?ml|snmprec|c|h|js|ts|cs|t|rb|pm|php)$",
    re.IGNORECASE,
)
_OWN_PATHS = ("research/", "protocol-samples/", "signatures/", "tests/", "docs/", "camscan/")
_ALIASES = {"netaddr": "netaddr/netaddr", "iana": "iana.org", "ieee": "standards-oui.ieee.org"}


def _host_identity(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in ("github.com", "www.github.com", "raw.githubusercontent.com", "gist.github.com"):
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 2:
            return f"{segments[0]}/{segments[1].removesuffix('.git')}".lower()
    return _host(host)


def _host(name: str) -> str:
    """A host name without a leading ``www.`` (listed sources use either form)."""
    return name.lower().removeprefix("www.")


def identities(reference: str) -> set[str]:
    """Every source identity a reference or corpus ``source`` string names."""
    text = reference.strip()
    found = {_host_identity(u) for u in _URL.findall(text)}
    without_urls = _URL.sub(" ", text)
    leading = _LEADING_REPO.match(without_urls.strip())
    candidates = [m.group(1) for m in _CITED_REPO.finditer(without_urls)]
    if leading:
        candidates.append(leading.group(1))
    for candidate in candidates:
        if candidate.startswith(_OWN_PATHS):  # research/protocols.md, protocol-samples/x.xml
            found.add(OWN_NOTES)
        elif not _FILE.search(candidate):  # xml/http_servers.xml is a path, not a repository
            found.add(candidate.lower())
    if not found:
        words = {w.casefold() for w in re.findall(r"[\w.-]+", text)}
        # A held-out project named in prose by a distinctive repository name ("onesixtyone
        # README"); short or common names ("core", "motion") are not taken as a citation.
        named = {
            s
            for s in held_out_sources()
            if "/" in s and s.split("/")[1] in words and _distinctive(s.split("/")[1])
        }
        first = re.split(r"[\s:(]", text, maxsplit=1)[0].casefold()
        found |= named or {_ALIASES.get(first, OWN_NOTES)}
    return found


def _distinctive(name: str) -> bool:
    return len(name) >= 8 or (len(name) >= 5 and any(c.isdigit() for c in name))


@cache
def _sources() -> dict[str, Any]:
    doc = yaml.safe_load((CORPUS / "sources.yaml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


@cache
def training_sources() -> frozenset[str]:
    listed = {_host(str(s["source"])) for s in _sources()["training"]}
    return frozenset(listed | {OWN_NOTES})


@cache
def held_out_sources() -> frozenset[str]:
    return frozenset(_host(str(s["source"])) for s in _sources()["held_out"])


@cache
def _vendor_tokens() -> frozenset[str]:
    """Lower-case alphanumeric names of every family, vendor, brand and entity."""
    tokens: set[str] = set()
    for path in SIGNATURES.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names = [doc.get("family"), doc.get("vendor")]
        names += [b.get("name") for b in doc.get("brands") or []]
        names += [e.get("name", "").split()[0] for e in doc.get("entities") or [] if e.get("name")]
        for name in names:
            token = re.sub(r"[^a-z0-9]", "", str(name or "").lower())
            if len(token) >= 2:
                tokens.add(token)
    return frozenset(tokens)


def is_training(identity: str, about: str = "") -> bool:
    """Whether a source identity may teach rules; ``about`` is the citing rule's own text
    (pattern, brand, description), whose maker's site counts as vendor documentation."""
    if identity in training_sources() or identity in SPECIFICATIONS:
        return True
    if "/" in identity:
        return False
    # A vendor's own documentation site: its host names the vendor or one of its brands.
    labels = [re.sub(r"[^a-z0-9]", "", label) for label in identity.split(".")]
    words = {re.sub(r"[^a-z0-9]", "", w) for w in about.lower().split()}
    return VENDOR_DOCS in training_sources() and any(
        token == label or (len(token) >= 3 and token in label)
        for label in labels
        for token in _vendor_tokens() | {w for w in words if len(w) >= 4}
    )


def _rule_references(directory: Path = SIGNATURES) -> list[tuple[str, str, str]]:
    """(file:what, reference, its own text) for every reference of every rule, brand and OUI
    prefix: what identification uses. Entities (legal and regulatory facts for policies) are
    not identification evidence and are left to the policy files' review."""
    out = []
    for path in sorted(directory.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for rule in doc.get("rules") or []:
            about = " ".join(str(rule.get(k) or "") for k in ("pattern", "brand", "description"))
            where = f"{path.name}:{rule['id']}"
            out += [(where, str(r), about) for r in rule.get("references") or []]
        prefixes = [("", o) for o in doc.get("ouis") or []]
        for brand in doc.get("brands") or []:
            about = f"{brand.get('name', '')} {brand.get('note', '')}"
            where = f"{path.name}:brand {brand.get('name')}"
            out += [(where, str(r), about) for r in brand.get("references") or []]
            prefixes += [(str(brand.get("name", "")), o) for o in brand.get("ouis") or []]
        for label, entry in prefixes:
            about = f"{label} {entry.get('note', '')}"
            where = f"{path.name}:oui {entry.get('prefix')}"
            out += [(where, str(r), about) for r in entry.get("references") or []]
    return out


def leaks(directory: Path = SIGNATURES) -> set[tuple[str, str]]:
    """(file:what, source identity) for every rule, brand or OUI reference to a non-training
    source."""
    return {
        (where, identity)
        for where, reference, about in _rule_references(directory)
        for identity in identities(reference)
        if not is_training(identity, about)
    }


def test_rules_cite_only_training_sources() -> None:
    """No exceptions: the rules written before the split were re-sourced or dropped."""
    found = sorted(leaks())
    assert not found, "rules citing non-training (held-out) sources:\n" + "\n".join(
        f"  {where}: {identity}" for where, identity in found
    )


def test_a_rule_or_brand_citing_a_held_out_source_is_caught(tmp_path: Path) -> None:
    """The check itself can fail: a rule or brand citing a corpus source, by URL or by
    owner/repo."""
    (tmp_path / "x.yaml").write_text(
        yaml.safe_dump(
            {
                "family": "x",
                "brands": [
                    {"name": "Y", "references": ["https://github.com/AlexxIT/go2rtc/issues/1"]}
                ],
                "rules": [
                    {"id": "x-a", "references": ["https://github.com/Ullaakut/cameradar/issues/9"]},
                    {
                        "id": "x-b",
                        "references": ["rapid7/recog xml/http_servers.xml", "koush/scrypted#1"],
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    assert leaks(tmp_path) == {
        ("x.yaml:x-a", "ullaakut/cameradar"),
        ("x.yaml:x-b", "koush/scrypted"),
        ("x.yaml:brand Y", "alexxit/go2rtc"),
    }
    assert {identity for _, identity in leaks(tmp_path)} <= held_out_sources()


@pytest.mark.parametrize(("name", "held_out"), [("held-out.yaml", True), ("training.yaml", False)])
def test_corpus_devices_come_from_their_side_of_the_split(name: str, held_out: bool) -> None:
    doc = yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))
    wrong = []
    for device in doc["devices"]:
        for identity in identities(str(device["source"])):
            if held_out and (is_training(identity) or identity not in held_out_sources()):
                wrong.append(f"{device['id']}: {identity} is not a listed held-out source")
            if not held_out and not is_training(identity):
                wrong.append(f"{device['id']}: {identity} is not a training source")
    assert not wrong, "\n".join(wrong)


def test_the_two_lists_do_not_overlap() -> None:
    assert not training_sources() & held_out_sources()


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("rapid7/recog xml/http_servers.xml (Hikvision-Webs)", {"rapid7/recog"}),
        ("rapid7/recog:xml/html_title.xml@03664ac", {"rapid7/recog"}),
        ("https://github.com/Ullaakut/cameradar/issues/199", {"ullaakut/cameradar"}),
        ("https://raw.githubusercontent.com/nmap/nmap/master/nmap-service-probes", {"nmap/nmap"}),
        ("see Ullaakut/cameradar#199 for the realm", {"ullaakut/cameradar"}),
        ("agsh/onvif#29", {"agsh/onvif"}),
        ("research/protocols.md §3", {OWN_NOTES}),
        ("protocol-samples/dahua-wsd-hello-IPC-HFW2228M.xml", {OWN_NOTES}),
        ("public code search: telnet fingerprint table", {OWN_NOTES}),
        ("onesixtyone README (sweep log)", {"trailofbits/onesixtyone"}),
        ("Hikvision ISAPI Core Protocol (vendor document)", {OWN_NOTES}),
        ("netaddr 1.3.0 eui/oui.txt (LT SECURITY INC)", {"netaddr/netaddr"}),
        ("https://www.hikvision.com/en/support/", {"hikvision.com"}),
        ("https://blog.csdn.net/x/article/1", {"blog.csdn.net"}),
    ],
)
def test_identities(reference: str, expected: set[str]) -> None:
    assert identities(reference) == expected


@pytest.mark.parametrize(
    ("identity", "training"),
    [
        ("rapid7/recog", True),
        ("hikvision.com", True),  # the vendor's own documentation
        ("onvif.org", True),
        ("ullaakut/cameradar", False),
        ("blog.csdn.net", False),
        ("jorhelp/ingram", False),  # not listed anywhere: still not training
    ],
)
def test_training_or_not(identity: str, training: bool) -> None:
    assert is_training(identity) is training

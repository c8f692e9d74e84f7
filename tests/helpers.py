"""Shared helpers for tests (not fixtures: plain functions)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

from camscan.models import Observation
from camscan.signatures import SignatureSet
from camscan.signatures.loader import load_families, load_policies

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO.parent / "shared" / "protocol-samples"  # real captures: an extra, may be absent
FIXTURES = Path(__file__).parent / "fixtures" / "protocol"  # ours, written from the facts


def protocol_bytes(name: str) -> bytes:
    """One of the project's own protocol fixtures (tests/fixtures/protocol/README.md)."""
    return (FIXTURES / name).read_bytes()


def protocol_text(name: str) -> str:
    return protocol_bytes(name).decode("utf-8")


def fixture_signatures() -> SignatureSet:
    """The made-up families in tests/data/sigs, validated."""
    loaded, problems = load_families([DATA / "sigs"])
    assert not problems, problems
    return SignatureSet.build(DATA / "sigs", "test", "2026-11-28", (f for _, f in loaded))


def fixture_policies():  # type: ignore[no-untyped-def]
    policies, problems = load_policies(sorted((DATA / "sigs" / "policies").glob("*.yaml")))
    assert not problems, problems
    return policies


def obs(signal: str, value: str, port: int | None = None) -> Observation:
    return Observation(signal=signal, value=value, port=port, source="test")


def sample(name: str) -> str:
    """A shared protocol sample with its provenance line stripped."""
    text = (SAMPLES / name).read_text(encoding="utf-8")
    return text.split("\n", 1)[1]


def http_answer(
    reply: bytes,
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """An ``asyncio.start_server`` handler that reads one request head and sends ``reply``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
            writer.write(reply)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


# A fixed Ed25519 key: certificates built with it are the same bytes on every run.
FIXED_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def self_signed(
    subject: x509.Name,
    issuer: x509.Name | None = None,
    *,
    key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey = FIXED_KEY,
    start: dt.datetime = dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    days: int = 3650,
) -> x509.Certificate:
    """A certificate for ``subject`` signed by ``key`` in the name of ``issuer`` (default:
    self-signed), serial 0x1234, valid ``days`` from ``start``."""
    digest = hashes.SHA256() if isinstance(key, ec.EllipticCurvePrivateKey) else None
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(key.public_key())
        .serial_number(0x1234)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .sign(key, digest)
    )


# The default subject of Hikvision DVR/NVR certificates (recog xml/x509_subjects.xml:825).
HIKVISION_DVR_SUBJECT = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "ZheJiang"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "HangZhou"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HIKVISION"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "DVRNVR"),
        x509.NameAttribute(NameOID.COMMON_NAME, "www.hikvision.com"),
    ]
)

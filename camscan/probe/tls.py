"""TLS probe: handshake without verification and read the device's certificate names.

Default certificates name their maker (Hikvision DVR/NVR:
``CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,...``, Axis: ``CN=axis-<mac>,O=Axis
Communications AB`` — recog xml/x509_subjects.xml). The certificate is parsed with
``cryptography`` and reported as RFC 4514 strings; serial, validity and fingerprint go in the
attempt reason for the report, not into matching.
"""

from __future__ import annotations

import asyncio
import hashlib
import warnings
from functools import partial

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning

from camscan.models import AttemptStatus, Observation
from camscan.probe.base import ProbeSettings, ProbeSink, ProbeTarget
from camscan.probe.common import PortProbe, Timer, close_writer, permissive_tls_context
from camscan.sanitize import device_text

# HTTPS and the usual alternates on NVRs and cameras; 7443 is UniFi Protect's.
TLS_PORTS = frozenset({443, 4443, 7443, 8443, 9443})
DEFAULT_PORTS = (443,)


def describe_certificate(der: bytes) -> tuple[str, str, str]:
    """(subject, issuer, details) of a DER certificate, as inert text; raises ValueError when
    unparseable.

    cryptography raises its own types besides ValueError (``InvalidVersion`` for a bad
    version field, errors from lazily parsed names and dates); all become ValueError.
    """
    try:
        with warnings.catch_warnings():  # a zero or negative serial is common on cameras
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            cert = x509.load_der_x509_certificate(der)
            subject = device_text(cert.subject.rfc4514_string())
            issuer = device_text(cert.issuer.rfc4514_string())
            serial = cert.serial_number
            begins, ends = cert.not_valid_before_utc, cert.not_valid_after_utc
    except Exception as exc:  # any library error is "not a certificate we can read"
        raise ValueError(f"unreadable certificate: {type(exc).__name__}: {exc}") from exc
    details = (
        f"serial {serial:x}, valid {begins:%Y-%m-%d}"
        f"..{ends:%Y-%m-%d}, sha256 {hashlib.sha256(der).hexdigest()[:16]}"
    )
    return subject, issuer, details


class TlsProbe(PortProbe):
    """Fetch the peer certificate of each open TLS port."""

    name = "tls"
    kind = "TLS"

    def __init__(
        self, ports: frozenset[int] = TLS_PORTS, default_ports: tuple[int, ...] = DEFAULT_PORTS
    ) -> None:
        super().__init__(ports, default_ports)

    async def visit(
        self, target: ProbeTarget, settings: ProbeSettings, port: int, found: ProbeSink
    ) -> None:
        t = Timer()
        handshake = partial(self._peer_certificate, target.address, port, settings)
        no_cert = (AttemptStatus.MALFORMED, "handshake done but no certificate sent")
        der = await self.exchange(found.attempts, port, handshake, t, empty=no_cert)
        if isinstance(der, AttemptStatus):
            return
        try:
            subject, issuer, details = describe_certificate(der)
        except ValueError as exc:
            reason = f"certificate not parseable: {exc}"
            self.record(found.attempts, port, AttemptStatus.MALFORMED, reason, t)
            return
        for signal, value in (("tls.subject", subject), ("tls.issuer", issuer)):
            if value:
                found.observations.append(
                    Observation(signal=signal, value=value, port=port, source=self.name)
                )
        self.record(found.attempts, port, AttemptStatus.OK, details, t)

    async def _peer_certificate(self, address: str, port: int, settings: ProbeSettings) -> bytes:
        """The peer's DER certificate; empty when none was sent."""
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                address,
                port,
                ssl=permissive_tls_context(),
                ssl_handshake_timeout=settings.timeout,
            ),
            settings.connect_timeout + settings.timeout,
        )
        try:
            ssl_object = writer.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
            return der or b""
        finally:
            await close_writer(writer)

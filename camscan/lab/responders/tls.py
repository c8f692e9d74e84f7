"""HTTPS: a self-signed certificate with the persona's subject/issuer, made at start.

Default certificates are a strong vendor signal (Hikvision DVR/NVR ship
``CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,...``, rapid7/recog xml/x509_subjects.xml:825),
so the lab must present exactly the persona's names. Keys are generated per start and never
written anywhere but a private temporary directory that is removed at once.
"""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from camscan.lab.persona import CertConfig, HttpsConfig, expand
from camscan.lab.responders.common import DeviceContext, Running
from camscan.lab.responders.http import Dynamic, start_http

_OIDS: dict[str, x509.ObjectIdentifier] = {
    "C": NameOID.COUNTRY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "L": NameOID.LOCALITY_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "CN": NameOID.COMMON_NAME,
    "emailAddress": NameOID.EMAIL_ADDRESS,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "DC": NameOID.DOMAIN_COMPONENT,
}


def _name(attrs: dict[str, str], values: dict[str, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(_OIDS[k], expand(v, values)) for k, v in attrs.items()])


def make_certificate(ctx: DeviceContext, cert: CertConfig) -> tuple[bytes, bytes]:
    """PEM certificate and PEM private key for the persona (signed by its own key)."""
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    if cert.key == "rsa2048":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    values = ctx.values()
    subject = _name(cert.subject, values)
    issuer = _name(cert.issuer, values) if cert.issuer is not None else subject
    now = dt.datetime.now(dt.UTC)
    built = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=cert.days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return built.public_bytes(serialization.Encoding.PEM), key_pem


def server_context(ctx: DeviceContext, cert: CertConfig) -> ssl.SSLContext:
    """A TLS server context holding a fresh certificate (accepts TLS 1.0+ like old cameras)."""
    cert_pem, key_pem = make_certificate(ctx, cert)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="camscan-lab-tls-") as tmp:
        cert_path, key_path = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        key_path.touch(mode=0o600)
        key_path.write_bytes(key_pem)
        cert_path.write_bytes(cert_pem)
        context.load_cert_chain(cert_path, key_path)
    return context


async def start_https(
    ctx: DeviceContext, config: HttpsConfig, *, dynamic: tuple[Dynamic, ...] = ()
) -> Running:
    """The HTTPS server: the persona's https routes, or its http routes when none are given."""
    http = ctx.persona.http
    routes = config.routes if config.routes is not None else (http.routes if http else ())
    return await start_http(
        ctx,
        config,
        routes=routes,
        dynamic=dynamic,
        tls=server_context(ctx, config.cert),
        name="https",
    )

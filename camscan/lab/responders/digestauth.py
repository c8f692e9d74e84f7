"""Server side of HTTP digest authentication (RFC 7616, MD5 with qop=auth, and RFC 2069).

The recorders' channel APIs answer only a request whose ``Authorization: Digest`` header
proves the login: ``response = H(H(user:realm:password):nonce:nc:cnonce:qop:H(method:uri))``
(without ``qop``: ``H(HA1:nonce:HA2)``), with a nonce this device issued in a 401. Basic
credentials, unknown nonces, another realm or a ``uri`` that is not the request target are
refused with a fresh challenge, as Hikvision and Dahua firmware do.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import OrderedDict

from camscan.lab.responders.http import Request

MAX_NONCES = 256
_PARAM = re.compile(r'([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')
_HASHES = {"md5": hashlib.md5, "sha-256": hashlib.sha256}


def parse_authorization(value: str) -> dict[str, str] | None:
    """The parameters of a ``Digest`` Authorization header (lower-case names), else None."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    return {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3) or "")
        for m in _PARAM.finditer(rest)
    }


def expected_response(params: dict[str, str], method: str, password: str) -> str | None:
    """The ``response`` a client knowing ``password`` sends for these parameters (or None)."""
    algorithm = params.get("algorithm", "MD5").lower()
    if algorithm not in _HASHES:
        return None
    h = _HASHES[algorithm]

    def hexdigest(text: str) -> str:
        return h(text.encode("utf-8")).hexdigest()

    ha1 = hexdigest(f"{params.get('username', '')}:{params.get('realm', '')}:{password}")
    ha2 = hexdigest(f"{method}:{params.get('uri', '')}")
    qop = params.get("qop")
    if qop is None:
        return hexdigest(f"{ha1}:{params.get('nonce', '')}:{ha2}")
    if qop != "auth":
        return None
    nc, cnonce = params.get("nc", ""), params.get("cnonce", "")
    return hexdigest(f"{ha1}:{params.get('nonce', '')}:{nc}:{cnonce}:{qop}:{ha2}")


class DigestGate:
    """Issues nonces in 401 challenges and checks Authorization headers against one login."""

    def __init__(self, realm: str, username: str, password: str) -> None:
        self.realm, self.username, self._password = realm, username, password
        self._nonces: OrderedDict[str, None] = OrderedDict()

    def new_nonce(self) -> str:
        """A fresh nonce, remembered (the oldest is forgotten past :data:`MAX_NONCES`)."""
        nonce = secrets.token_hex(16)
        self._nonces[nonce] = None
        while len(self._nonces) > MAX_NONCES:
            self._nonces.popitem(last=False)
        return nonce

    def allows(self, request: Request) -> bool:
        """True when the request carries a valid digest for this device's login."""
        params = parse_authorization(request.headers.get("authorization", ""))
        if params is None or params.get("nonce") not in self._nonces:
            return False
        if params.get("realm") != self.realm or params.get("uri") != request.target:
            return False
        expected = expected_response(params, request.method, self._password)
        return (
            expected is not None
            and hmac.compare_digest(params.get("username", ""), self.username)
            and hmac.compare_digest(params.get("response", "").lower(), expected)
        )

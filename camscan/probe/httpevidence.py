"""What a web page says about its device: title, body snippet, chosen headers, favicon hashes.

Pure functions from one capped :class:`~camscan.probe.httpclient.Fetched` response to
observations; every device string goes through :func:`camscan.sanitize.device_text`.
Used by the HTTP probe and by ``camscan signatures`` payload checks.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re

import mmh3

from camscan.models import Observation
from camscan.probe.common import decode_lenient, redact_challenge
from camscan.probe.httpclient import Fetched
from camscan.sanitize import device_text

TITLE_CHARS = 200
BODY_CHARS = 512
# Headers worth keeping as "Name: value" (value cleaned). Amcrest/Dahua send
# `P3P: CP=CAO PSA OUR` (nmap-service-probes:10444); Hikvision UIs send X-Frame-Options and
# friends (nmap-service-probes:10643-10645).
CHOSEN_HEADERS = (
    "P3P",
    "Cache-Control",
    "X-Frame-Options",
    "X-Powered-By",
    "X-XSS-Protection",
    "X-Content-Type-Options",
    "Content-Type",
)
_TITLE = re.compile(rb"<title\b[^>]*>(.*?)(?:</title\s*>|<|$)", re.IGNORECASE | re.DOTALL)


def extract_title(body: bytes, charset: str | None = None) -> str | None:
    """The <title> text of capped, possibly broken HTML; None when there is no title tag."""
    m = _TITLE.search(body)
    if not m:
        return None
    raw = m.group(1)[: TITLE_CHARS * 4]
    return device_text(html.unescape(decode_lenient(raw, charset)), TITLE_CHARS)


def body_snippet(text: str) -> str:
    """The first ~512 characters of a body, whitespace collapsed, control bytes visible."""
    return device_text(text, BODY_CHARS)


def favicon_hashes(data: bytes) -> tuple[str, str]:
    """(MD5 hex, Shodan mmh3) of favicon bytes.

    Shodan hashes the base64 text *with* its newline every 76 characters
    (``base64.encodebytes``) as a signed 32-bit MurmurHash3 (the `http.favicon.hash` filter;
    same recipe as nuclei's ``mmh3(base64_py(body))``).
    """
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return md5, str(mmh3.hash(base64.encodebytes(data)))


def header_observations(page: Fetched) -> list[Observation]:
    """Server, auth challenges, chosen headers and the header-name style of one response."""
    out: list[Observation] = []

    def add(signal: str, value: str) -> None:
        value = device_text(value)
        if value:
            out.append(Observation(signal=signal, value=value, port=page.port, source="http"))

    for server in page.header("server")[:2]:
        add("http.server", server)
    for challenge in page.header("www-authenticate")[:4]:
        add("http.www_authenticate", redact_challenge(challenge))
    chosen = {h.lower() for h in CHOSEN_HEADERS}
    upper_lines = 0
    for raw_name, value in page.headers[:64]:  # h11 caps the header block at 16 KiB anyway
        lname = raw_name.lower()
        if lname == "set-cookie":
            cname = value.split("=", 1)[0].strip()
            if cname:  # names only: values are session secrets
                add("http.header", f"{raw_name}: {cname}")
        elif lname in chosen:
            add("http.header", f"{raw_name}: {value}")
        elif (
            _is_upper(raw_name) and lname not in ("server", "www-authenticate") and upper_lines < 8
        ):
            # Header-name case survives in httpx's `headers.raw`: Dahua-platform servers send
            # CONNECTION:/CONTENT-LENGTH: (nmap-service-probes:10444, Plum-Island#204), so
            # upper-case lines are kept verbatim, name as sent.
            upper_lines += 1
            add("http.header", f"{raw_name}: {value}")
    names = [k for k, _ in page.headers]
    if any(_is_upper(n) for n in names):
        add("http.header", "Header-Case: upper")
    if names:
        add("http.header", "Header-Order: " + ", ".join(dict.fromkeys(names))[:300])
    return out


def _is_upper(name: str) -> bool:
    return name.isupper() and sum(c.isalpha() for c in name) >= 4

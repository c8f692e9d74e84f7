"""HTTP helpers: title extraction from broken HTML, charsets, header markers, favicon hashes."""

from __future__ import annotations

import base64

import mmh3

from camscan.probe.common import redact_challenge
from camscan.probe.httpclient import Fetched
from camscan.probe.httpevidence import (
    body_snippet,
    extract_title,
    favicon_hashes,
    header_observations,
)
from camscan.sanitize import device_text, escape_bytes


def test_title_plain_unclosed_and_attributes() -> None:
    assert extract_title(b"<html><head><TITLE id=x>  Web\n  Service </TITLE>") == "Web Service"
    assert extract_title(b"<title>NETSurveillance WEB") == "NETSurveillance WEB"
    assert extract_title(b"<title>Login<script>x</script>") == "Login"
    assert extract_title(b"<html>no title here</html>") is None
    assert extract_title(b"<title>AT&amp;T &lt;cam&gt;</title>") == "AT&T <cam>"


def test_title_charsets() -> None:
    gb = "网络摄像机".encode("gb2312")
    assert extract_title(b"<title>" + gb + b"</title>", "gb2312") == "网络摄像机"
    assert extract_title(b"\xef\xbb\xbf<title>caf\xc3\xa9</title>") == "café"
    assert extract_title(b"<title>caf\xe9</title>", "no-such-codec") == "caf\ufffd"


def test_title_terminal_escapes_are_data() -> None:
    title = extract_title(b"<title>\x1b]0;pwned\x07\x1b[2JCam</title>")
    assert title == "\\x1b]0;pwned\\x07\\x1b[2JCam"
    assert "\x1b" not in (title or "")


def test_meta_charset_and_body_snippet() -> None:
    page = Fetched(
        "http://x/",
        80,
        200,
        (("Content-Type", "text/html"),),
        b'<meta charset="gb2312"><title>' + "摄像机".encode("gb2312") + b"</title>" + b" x" * 600,
    )
    assert page.charset() == "gb2312"
    snippet = body_snippet(page.text())
    assert "摄像机" in snippet
    assert len(snippet) == 512


def test_header_observations_keep_raw_case_and_drop_cookie_values() -> None:
    page = Fetched(
        "http://x/",
        80,
        200,
        (
            ("CONNECTION", "close"),
            ("CONTENT-LENGTH", "5"),
            ("P3P", "CP=CAO PSA OUR"),
            ("Set-Cookie", "_goaheadwebSessionId=SECRET; path=/"),
            ("WWW-Authenticate", 'Digest realm="Hikvision", nonce="abc123", stale="FALSE"'),
            ("Server", "DNVRS-Webs"),
        ),
        b"",
    )
    values = {(o.signal, o.value) for o in header_observations(page)}
    assert ("http.server", "DNVRS-Webs") in values
    assert ("http.header", "P3P: CP=CAO PSA OUR") in values
    assert ("http.header", "Set-Cookie: _goaheadwebSessionId") in values
    assert ("http.header", "Header-Case: upper") in values
    assert ("http.header", "CONNECTION: close") in values  # verbatim, for dahua-http-header-case
    assert ("http.header", "CONTENT-LENGTH: 5") in values
    assert (
        "http.header",
        "Header-Order: CONNECTION, CONTENT-LENGTH, P3P, Set-Cookie, WWW-Authenticate, Server",
    ) in values
    assert ("http.www_authenticate", 'Digest realm="Hikvision", nonce="…", stale="FALSE"') in values
    assert not any("SECRET" in v for _, v in values)


def test_mixed_case_headers_are_not_flagged_upper() -> None:
    page = Fetched(
        "http://x/", 80, 200, (("Content-Length", "1"), ("ETag", "1"), ("P3P", "x")), b""
    )
    assert ("http.header", "Header-Case: upper") not in {
        (o.signal, o.value) for o in header_observations(page)
    }


def test_mmh3_reference_vector() -> None:
    # Published example in the mmh3 package README: mmh3.hash("foo") == -156908512.
    assert mmh3.hash("foo") == -156908512


def test_favicon_hash_uses_shodan_line_wrapped_base64() -> None:
    data = bytes(range(60))  # 80 base64 chars: wrapped after 76, newline-terminated
    wrapped = base64.b64encode(data).decode()
    text = wrapped[:76] + "\n" + wrapped[76:] + "\n"
    md5, murmur = favicon_hashes(data)
    assert murmur == str(mmh3.hash(text.encode()))
    assert murmur != str(mmh3.hash(base64.b64encode(data)))  # the unwrapped form differs
    assert md5 == "63ed72093ae09e2c8553ee069e63d702"  # md5sum of bytes 0..59
    assert int(murmur) < 2**31


def test_escape_and_redact_helpers() -> None:
    assert escape_bytes(b"\x00\x00\x00\x10ok\\\r\n") == "\\x00\\x00\\x00\\x10ok\\x5c\\x0d\\x0a"
    assert device_text("a\u009b31mb\u2028c") == "a\\x9b31mb\\u2028c"
    assert redact_challenge('Digest realm="r", opaque="o1", nonce=abc') == (
        'Digest realm="r", opaque="…", nonce="…"'
    )

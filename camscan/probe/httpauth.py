"""HTTP authentication with a login the user gave: digest, and basic only when demanded.

The first request goes out without credentials. On a ``401`` the device's challenge decides:
``Digest`` (RFC 7616, via :class:`httpx.DigestAuth`, which then answers later challenges of
the same realm without a round trip) whenever it is offered; ``Basic`` (RFC 7617) only when
the device offers nothing else, since it sends the password itself. Nothing is ever sent to
another host: the probes never follow redirects.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from camscan.credentials import Login


def _schemes(response: httpx.Response) -> set[str]:
    return {
        value.strip().split(" ", 1)[0].lower()
        for value in response.headers.get_list("www-authenticate")
        if value.strip()
    }


class DeviceAuth(httpx.Auth):
    """Digest when the device offers it, else Basic when it demands that; one per host."""

    def __init__(self, login: Login) -> None:
        self._digest = httpx.DigestAuth(login.username, login.password)
        self._basic = httpx.BasicAuth(login.username, login.password)
        self._scheme: str | None = None  # learnt from the first challenge
        self.tried: str | None = None  # the scheme the last request authenticated with

    def __repr__(self) -> str:  # never the password
        return f"DeviceAuth(scheme={self._scheme!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._scheme == "basic":
            self.tried = "basic"
            yield from self._basic.auth_flow(request)
            return
        flow = self._digest.auth_flow(request)
        outgoing = next(flow)
        self.tried = "digest" if self._scheme == "digest" else None
        while True:
            response = yield outgoing
            schemes = _schemes(response) if response.status_code == 401 else set()
            if "digest" in schemes:
                self._scheme = "digest"
            try:
                outgoing = flow.send(response)
            except StopIteration:
                break
            self.tried = "digest"
        if response.status_code == 401 and self.tried is None and schemes == {"basic"}:
            self._scheme = self.tried = "basic"
            yield from self._basic.auth_flow(request)

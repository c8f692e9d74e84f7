"""Helpers shared by the probes: safe decoding, capped reads, attempt records.

Device strings are hostile: every value that becomes an :class:`Observation` goes through
:func:`camscan.sanitize.device_text` (the one cleaner), so terminal escapes and control bytes
are kept as visible ``\\xNN`` data and can never be interpreted by a terminal or a report.
"""

from __future__ import annotations

import asyncio
import codecs
import errno
import re
import ssl
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from camscan import __version__
from camscan.models import AttemptStatus, Observation, ProbeAttempt
from camscan.probe.base import ProbeResult, ProbeSettings, ProbeSink, ProbeTarget
from camscan.sanitize import device_text

USER_AGENT = f"camscan/{__version__}"


# Codecs Python marks as text encodings that are no charset a web server can mean.
_NOT_CHARSETS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "charmap", "undefined"}
)


def text_codec(charset: str | None) -> str | None:
    """The Python codec for a declared charset when it is a real text encoding, else None.

    Device headers can name any codec Python has, including ``unicode_escape``,
    ``raw_unicode_escape`` or ``rot13`` (which make lone surrogates or are not charsets at all):
    only codecs marked as text encodings are accepted.
    """
    if not charset:
        return None
    name = charset.strip().strip("\"'")
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):  # unknown, or a NUL in the name
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def decode_lenient(data: bytes, charset: str | None = None) -> str:
    """Decode device bytes: the declared charset if it is a real text encoding, else UTF-8.

    Never fails; undecodable bytes become U+FFFD, so the result always encodes as UTF-8.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    codec = text_codec(charset) or "utf-8"
    try:
        text = data.decode(codec, errors="replace")
    except (LookupError, ValueError, UnicodeError):  # a codec that rejects errors="replace"
        text = data.decode("utf-8", errors="replace")
    return text.encode("utf-8", errors="replace").decode("utf-8")


class Timer:
    """Milliseconds since creation, for :attr:`ProbeAttempt.elapsed_ms`."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def ms(self) -> float:
        return round((time.monotonic() - self._start) * 1000.0, 1)


class Budget:
    """A probe's own wall-clock allowance, so it returns partial results before the engine's
    per-probe budget (``timeout * 8 + 5`` s) would cancel it and lose everything."""

    def __init__(self, settings_timeout: float, connect_timeout: float) -> None:
        self._end = time.monotonic() + settings_timeout * 6 + connect_timeout

    def spent(self) -> bool:
        return time.monotonic() >= self._end


def attempt(
    probe: str, port: int | None, status: AttemptStatus, reason: str, timer: Timer
) -> ProbeAttempt:
    """One attempt record; the reason is cleaned because it may quote device text."""
    return ProbeAttempt(
        probe=probe,
        port=port,
        status=status,
        reason=device_text(reason, 300),
        elapsed_ms=timer.ms(),
    )


def classify(exc: BaseException) -> tuple[AttemptStatus, str]:
    """Map a network exception to an attempt status and a short reason."""
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return AttemptStatus.TIMEOUT, "timed out"
    if isinstance(exc, ConnectionAbortedError) and "taking longer" in str(exc):
        return AttemptStatus.TIMEOUT, "TLS handshake timed out"  # asyncio's handshake timeout
    if isinstance(exc, ConnectionRefusedError):
        return AttemptStatus.REFUSED, "connection refused"
    if isinstance(exc, ssl.SSLError):
        return AttemptStatus.ERROR, f"TLS: {exc.reason or exc}"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return AttemptStatus.ERROR, "connection reset by peer"
    if isinstance(exc, asyncio.IncompleteReadError):
        return AttemptStatus.MALFORMED, f"connection closed after {len(exc.partial)} bytes"
    if isinstance(exc, OSError):
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return AttemptStatus.NO_ANSWER, "host unreachable"
        return AttemptStatus.ERROR, f"{type(exc).__name__}: {exc.strerror or exc}"
    return AttemptStatus.ERROR, f"{type(exc).__name__}: {exc}"


async def read_capped(reader: asyncio.StreamReader, cap: int, deadline: float) -> bytes:
    """Read until EOF, ``cap`` bytes or the loop-time ``deadline``, whichever comes first."""
    loop = asyncio.get_running_loop()
    buf = bytearray()
    while len(buf) < cap:
        left = deadline - loop.time()
        if left <= 0:
            break
        try:
            chunk = await asyncio.wait_for(reader.read(cap - len(buf)), left)
        except TimeoutError:
            break
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


async def read_headers(
    reader: asyncio.StreamReader, cap: int, timeout: float
) -> tuple[bytes, bytes]:
    """Read a ``\\r\\n\\r\\n``-terminated header block (at most ``cap`` bytes).

    Returns (head, extra) where ``extra`` is what arrived after the blank line. Raises
    ``TimeoutError`` when nothing complete arrives in time and ``ValueError`` when the
    block exceeds the cap or the peer closes before finishing it.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    buf = bytearray()
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            return bytes(buf[:end]), bytes(buf[end + 4 :])
        if len(buf) >= cap:
            raise ValueError(f"no end of headers within {cap} bytes")
        left = deadline - loop.time()
        if left <= 0:
            raise TimeoutError
        chunk = await asyncio.wait_for(reader.read(cap - len(buf)), left)
        if not chunk:
            raise ValueError(f"connection closed after {len(buf)} bytes of headers")
        buf += chunk


async def close_writer(writer: asyncio.StreamWriter) -> None:
    """Close a stream without letting a misbehaving peer raise or hang us."""
    try:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), 1.0)
    except Exception:  # closing is best effort; the result is already recorded
        return


def dedup(observations: Iterable[Observation]) -> tuple[Observation, ...]:
    """Drop repeated (signal, value, port) observations, keeping first-seen order."""
    seen: dict[tuple[str, str, int | None], Observation] = {}
    for o in observations:
        seen.setdefault((o.signal, o.value, o.port), o)
    return tuple(seen.values())


_SECRET_PARAM = re.compile(r'\b(nonce|opaque|cnonce)\s*=\s*("[^"]*"|[^,\s]*)', re.IGNORECASE)


def redact_challenge(value: str) -> str:
    """Blank per-request nonces in an auth challenge so scans diff cleanly; keep scheme/realm."""
    return _SECRET_PARAM.sub(lambda m: f'{m.group(1)}="…"', value)


def permissive_tls_context() -> ssl.SSLContext:
    """A client context that talks to old camera TLS stacks and never verifies.

    camscan reads certificates as evidence; it does not trust them, so verification is off
    and the security level is lowered so 1024-bit keys and SHA-1 signatures still handshake.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():  # TLS 1.0 is deprecated, and still what old DVRs speak
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):  # an OpenSSL build without legacy support
        pass
    return ctx


def header_values(headers: Iterable[tuple[str, str]], name: str) -> list[str]:
    """The values of every header called ``name`` (case-insensitive), in the order sent."""
    lname = name.lower()
    return [v for k, v in headers if k.lower() == lname]


def url_host(address: str) -> str:
    """An address as it goes in a URL authority (IPv6 in brackets)."""
    return f"[{address}]" if ":" in address and not address.startswith("[") else address


# Ports of one host a probe visits at once: a camera's silent port (Hikvision's SDK port 8000)
# no longer holds up its web port (docs/benchmarks.md). With ``--per-host`` probes at once a
# host sees at most per_host x PORTS_AT_ONCE connections from camscan.
PORTS_AT_ONCE = 4

# visit(port, observations, attempts): one port's exchanges, appending to the shared lists.
PortVisit = Callable[[int, list[Observation], list[ProbeAttempt]], Awaitable[None]]

T = TypeVar("T")


def _port_order(item: Observation | ProbeAttempt) -> int:
    return -1 if item.port is None else item.port


class PortProbe:
    """Base of probes that visit the target's open ports of one kind, a few ports at a time
    (:data:`PORTS_AT_ONCE`), reporting in port order whatever order the answers came in."""

    name = "port"
    kind = "matching"  # words for the skip reason: "no open RTSP port"
    uses_discovery = False  # needs only the open ports: starts while discovery goes on

    def __init__(self, ports: frozenset[int], default_ports: tuple[int, ...] = ()) -> None:
        self.ports = ports
        self.default_ports = default_ports

    def ports_for(self, target: ProbeTarget) -> list[int]:
        """The open ports this probe speaks to, or its defaults when discovery knew none."""
        if not target.open_ports:
            return list(self.default_ports)
        return sorted(target.open_ports & self.ports)

    def skipped(self, target: ProbeTarget) -> ProbeResult:
        """The result when no port qualifies, saying why."""
        reason = f"no open {self.kind} port" if target.open_ports else "no open ports known"
        return ProbeResult(
            attempts=(attempt(self.name, None, AttemptStatus.SKIPPED, reason, Timer()),)
        )

    def record(
        self,
        attempts: list[ProbeAttempt],
        port: int,
        status: AttemptStatus,
        reason: str,
        timer: Timer,
    ) -> None:
        """Append this probe's attempt record for ``port``."""
        attempts.append(attempt(self.name, port, status, reason, timer))

    async def exchange(
        self,
        attempts: list[ProbeAttempt],
        port: int,
        call: Callable[[], Awaitable[T]],
        timer: Timer,
        *,
        label: str = "",
        malformed: tuple[type[Exception], ...] = (),
        empty: tuple[AttemptStatus, str] | None = None,
    ) -> T | AttemptStatus:
        """Await one exchange with ``port``: its value, or, when it fails, the status of the
        attempt recorded for the failure (reason prefixed ``label: `` when given).

        An exception of a ``malformed`` type is the device's malformed answer; any other
        (timeouts, refusals, resets) is mapped by :func:`classify`: data, not exceptions.
        With ``empty`` (status, reason), an empty value is a failure recorded as that.
        """
        try:
            value = await call()
        except malformed as exc:
            status, reason = AttemptStatus.MALFORMED, str(exc)
        except Exception as exc:
            status, reason = classify(exc)
        else:
            if value or empty is None:
                return value
            status, reason = empty
        self.record(attempts, port, status, f"{label}: {reason}" if label else reason, timer)
        return status

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        """:meth:`visit` every port of :meth:`ports_for`, or say why none qualifies."""
        ports = self.ports_for(target)
        if not ports:
            return self.skipped(target)
        return await self.visit_ports(
            ports,
            settings,
            lambda port, obs, attempts: self.visit(
                target, settings, port, ProbeSink(obs, attempts)
            ),
        )

    async def visit(
        self, target: ProbeTarget, settings: ProbeSettings, port: int, found: ProbeSink
    ) -> None:
        """One port's exchanges, appending to ``found``'s lists (what :meth:`run` calls)."""
        raise NotImplementedError(f"{type(self).__name__} defines neither run nor visit")

    async def visit_ports(
        self, ports: list[int], settings: ProbeSettings, visit: PortVisit
    ) -> ProbeResult:
        """Run ``visit`` on every port, at most :data:`PORTS_AT_ONCE` at once. Each visit
        appends to the settings' sink as it goes, so a probe cut off keeps what it read; the
        lists are put in port order (stable, so one port's own order stays) also then."""
        observations, attempts = settings.lists()
        gate = asyncio.Semaphore(PORTS_AT_ONCE)

        async def one(port: int) -> None:
            async with gate:
                await visit(port, observations, attempts)

        try:
            outcomes = await asyncio.gather(*(one(port) for port in ports), return_exceptions=True)
        finally:
            observations.sort(key=_port_order)
            attempts.sort(key=_port_order)
        for outcome in outcomes:  # every visit has finished: a bug surfaces, none runs on
            if isinstance(outcome, BaseException):
                raise outcome
        return ProbeResult(observations=dedup(observations), attempts=tuple(attempts))

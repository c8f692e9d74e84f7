"""The recorder probe: with a login for the host, list the cameras on an NVR's channels.

Runs only when the user gave credentials for the address (``[[credentials]]`` or
``--username``); camscan never guesses any. On the host's first answering web port it asks,
in turn, Hikvision ISAPI InputProxy, with its camera search for the MACs (:mod:`.hikvision`),
and Dahua RemoteDevice (:mod:`.dahua`); the first API the device answers is the one used.
HTTP digest, basic only when the device demands it (:mod:`camscan.probe.httpauth`).
Read-only GETs, bodies capped.

Every outcome is an attempt: ``ok`` (channels read), ``denied`` (credentials refused after
authenticating), ``no_answer`` (the device has no such API: 404 and the like), ``timeout``,
``malformed`` (a reply that is not the documented format). A failure never loses the other
probes' observations, and channels read before a failure are kept. A recorder's PoE port for
each camera is not in these APIs: it comes from the recorder's own SNMP tables when the user
names it as an ``--infra`` agent (:func:`camscan.engine.document.behind_devices`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from camscan.credentials import Login
from camscan.models import AttemptStatus, Observation
from camscan.oui import normalise_mac
from camscan.probe.base import BehindCamera, ProbeResult, ProbeSettings, ProbeSink, ProbeTarget
from camscan.probe.common import Budget, Timer, attempt, url_host
from camscan.probe.httpauth import DeviceAuth
from camscan.probe.httpclient import (
    HTTP_PORTS,
    HTTPS_PORTS,
    MAYBE_HTTP_PORTS,
    Fetched,
    fetch,
    httpx_status,
    make_client,
)
from camscan.probe.recorder import NotOffered, dahua, hikvision
from camscan.sanitize import device_text

NAME = "recorder"
PREFERRED_PORTS = (80, 443, 8080, 8443, 81, 88)
MAX_PORTS = 2
CAP = 512 * 1024  # a 256-channel status list is ~200 KB
# Field → signal of a camera's observations (see camscan/signals.py, ``channel.*``).
SIGNALS = {
    "manufacturer": "channel.manufacturer",
    "model": "channel.model",
    "firmware": "channel.firmware",
    "serial": "channel.serial",
    "protocol": "channel.protocol",
    "name": "channel.name",
    "online": "channel.online",
    "detect": "channel.status",
}


@dataclass
class _Outcome:
    """What one API's calls yielded: the attempt's status and reason, and the cameras."""

    status: AttemptStatus
    reason: str
    cameras: list[BehindCamera] = field(default_factory=list)


def camera(number: int, api: str, fields: dict[str, str]) -> BehindCamera:
    """A :class:`BehindCamera` from one channel's kept fields."""
    obs = [
        Observation(signal=signal, value=fields[key], source=NAME)
        for key, signal in SIGNALS.items()
        if fields.get(key)
    ]
    address = fields.get("address") or fields.get("host_name")
    if address:
        port = fields.get("port", "")
        shown = f"{address}:{port}" if port.isdigit() else address
        obs.append(Observation(signal="channel.address", value=device_text(shown), source=NAME))
    return BehindCamera(
        channel=number,
        api=api,
        address=device_text(address, 64) if address else None,
        mac=normalise_mac(fields.get("mac", "")) or None,
        observations=tuple(obs),
    )


async def _get(
    client: httpx.AsyncClient, url: str, port: int, s: ProbeSettings, api: str
) -> Fetched | _Outcome:
    """GET one API document: the page when it is a whole 200 answer, else what it means."""
    page = await fetch(client, url, port, s, CAP)
    if page.status == 401:
        return _Outcome(AttemptStatus.DENIED, f"{api}: credentials refused (HTTP 401)")
    if page.status == 403:
        return _Outcome(AttemptStatus.DENIED, f"{api}: HTTP 403, the user may not read it")
    if page.status != 200:
        return _Outcome(AttemptStatus.NO_ANSWER, f"{api}: HTTP {page.status}, not offered")
    if page.truncated:
        return _Outcome(AttemptStatus.MALFORMED, f"{api}: reply larger than {CAP} bytes")
    return page


ChannelTable = dict[int, dict[str, str]]


async def _channels(
    client: httpx.AsyncClient,
    url: str,
    port: int,
    s: ProbeSettings,
    api: str,
    parse: Callable[[bytes], ChannelTable],
) -> ChannelTable | _Outcome:
    """The channel table at ``url``, parsed, or the outcome that says why there is none."""
    page = await _get(client, url, port, s, api)
    if isinstance(page, _Outcome):
        return page
    try:
        return parse(page.body)
    except NotOffered as exc:  # a camera given a login: not a recorder, try the next API
        return _Outcome(AttemptStatus.NO_ANSWER, f"{api}: {exc}")
    except ValueError as exc:
        return _Outcome(AttemptStatus.MALFORMED, f"{api}: {exc}")


def _found(api: str, channels: ChannelTable, what: str) -> _Outcome:
    cameras = [camera(n, api, f) for n, f in sorted(channels.items())]
    return _Outcome(AttemptStatus.OK, f"{api}: {len(channels)} {what}", cameras)


async def _hikvision(client: httpx.AsyncClient, base: str, port: int, s: ProbeSettings) -> _Outcome:
    api = "ISAPI InputProxy"
    url = base + hikvision.CHANNELS_PATH
    channels = await _channels(client, url, port, s, api, hikvision.parse_channels)
    if isinstance(channels, _Outcome):
        return channels
    note = ""
    try:
        status_page = await fetch(client, base + hikvision.STATUS_PATH, port, s, CAP)
        if status_page.status == 200 and not status_page.truncated:
            for number, fields in hikvision.parse_channels(status_page.body).items():
                merged = channels.setdefault(number, {})
                for key, value in fields.items():
                    merged.setdefault(key, value)
        else:
            note = f"; status HTTP {status_page.status}"
    except ValueError as exc:
        note = f"; status: {exc}"
    except Exception as exc:  # the list is already read: keep it, note why status is missing
        note = f"; status: {httpx_status(exc)[1]}"
    note += await _search_macs(client, base, port, s, channels)
    return _found(api, channels, f"IP channels{note}")


async def _search_macs(
    client: httpx.AsyncClient, base: str, port: int, s: ProbeSettings, channels: ChannelTable
) -> str:
    """Fill each channel's ``mac`` from ISAPI InputProxy/search by its address (this recorder's
    answer only); '' on success, else a note of why there are no MACs (the channels stand)."""
    try:
        page = await fetch(client, base + hikvision.SEARCH_PATH, port, s, CAP)
        if page.status != 200 or page.truncated:
            return f"; search HTTP {page.status}"
        macs = hikvision.parse_search(page.body)
    except ValueError as exc:
        return f"; search: {exc}"
    except Exception as exc:  # the channels are already read: keep them
        return f"; search: {httpx_status(exc)[1]}"
    for fields in channels.values():
        mac = macs.get(fields.get("address", ""))
        if mac and not fields.get("mac"):
            fields["mac"] = mac
    return ""


async def _dahua(client: httpx.AsyncClient, base: str, port: int, s: ProbeSettings) -> _Outcome:
    api = "Dahua RemoteDevice"
    url = base + dahua.REMOTE_DEVICE_PATH
    channels = await _channels(client, url, port, s, api, dahua.parse_remote_devices)
    if isinstance(channels, _Outcome):
        return channels
    return _found(api, channels, "remote devices")


APIS: tuple[Callable[[httpx.AsyncClient, str, int, ProbeSettings], Awaitable[_Outcome]], ...] = (
    _hikvision,
    _dahua,
)


class RecorderProbe:
    """List the cameras behind a recorder, with the login the user gave for its address."""

    name = NAME
    uses_discovery = False  # the open web ports and the user's login only

    def __init__(self, ports: frozenset[int] = HTTP_PORTS - MAYBE_HTTP_PORTS) -> None:
        self.ports = ports

    def ports_for(self, target: ProbeTarget) -> list[int]:
        """Web ports to ask, preferred first; port 80 when discovery knew no open port."""
        ports = target.open_ports & self.ports if target.open_ports else {80}
        ordered = [p for p in PREFERRED_PORTS if p in ports] + sorted(
            p for p in ports if p not in PREFERRED_PORTS
        )
        return ordered[:MAX_PORTS]

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        sink = settings.kept()
        timer = Timer()
        login = settings.credentials.login_for(target.address)
        if login is None:
            reason = "no credentials for this address ([[credentials]] or --username)"
            sink.attempts.append(attempt(NAME, None, AttemptStatus.SKIPPED, reason, timer))
        elif not (ports := self.ports_for(target)):
            sink.attempts.append(
                attempt(NAME, None, AttemptStatus.SKIPPED, "no open web port", timer)
            )
        else:
            try:
                await self._ports(target, ports, login, settings, sink)
            except Exception as exc:  # a probe never raises; record the bug as data
                status = AttemptStatus.ERROR
                sink.attempts.append(attempt(NAME, None, status, f"internal error: {exc!r}", timer))
        return ProbeResult(
            observations=tuple(sink.observations),
            attempts=tuple(sink.attempts),
            cameras=tuple(sink.cameras),
        )

    async def _ports(
        self,
        target: ProbeTarget,
        ports: list[int],
        login: Login,
        settings: ProbeSettings,
        sink: ProbeSink,
    ) -> None:
        budget = Budget(settings.timeout, settings.connect_timeout)
        for port in ports:
            scheme = "https" if port in HTTPS_PORTS else "http"
            base = f"{scheme}://{url_host(target.address)}:{port}"
            async with make_client(settings, DeviceAuth(login)) as client:
                for api in APIS:
                    t = Timer()
                    if budget.spent():
                        sink.attempts.append(
                            attempt(NAME, port, AttemptStatus.SKIPPED, "time budget spent", t)
                        )
                        return
                    try:
                        out = await api(client, base, port, settings)
                    except Exception as exc:
                        status, reason = httpx_status(exc)
                        sink.attempts.append(attempt(NAME, port, status, reason, t))
                        if status in (AttemptStatus.TIMEOUT, AttemptStatus.REFUSED):
                            break  # this port is not answering: do not wait out every API
                        continue
                    sink.attempts.append(attempt(NAME, port, out.status, out.reason, t))
                    if out.status is AttemptStatus.OK:
                        sink.cameras.extend(out.cameras)
                        count = str(len(out.cameras))
                        sink.observations.append(
                            Observation(
                                signal="recorder.ip_channels", value=count, port=port, source=NAME
                            )
                        )
                        return
                    if out.status is AttemptStatus.DENIED:
                        return  # the login is wrong for this device: do not try it again

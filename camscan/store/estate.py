"""The organisation report's query: history → :class:`camscan.estate.Estate`.

Per site, the *latest* run is the present; ``since`` picks the baseline run (the site's last
run before that day; without it, the run before the latest) that changes are measured from.
The time series counts restricted devices per run with a sweep over spans (each span adds its
device from its first run to its last), so its cost grows with changes, not with runs.
Acknowledgements are read from the acks table (not from what a run recorded), so an expired or
withdrawn one never shows as active.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, func, select

from camscan.diff import READ_FIELDS
from camscan.estate import (
    AckInfo,
    ChangeKind,
    Count,
    Estate,
    EstateChange,
    EstateDevice,
    Location,
    SeriesPoint,
    SiteSummary,
    place,
)
from camscan.store.acks import Ack, list_acks
from camscan.store.identity import COMPARED
from camscan.store.queries import spans_at
from camscan.store.schema import ALL_SITES, devices, runs, sites, spans, states

_COLUMNS = (
    devices.c.key, devices.c.first_run_id, states.c.address, states.c.mac, states.c.serial,
    states.c.vendor, states.c.brand, states.c.model, states.c.firmware, states.c.device_type,
    states.c.confidence, states.c.restricted, states.c.suspected, states.c.policies,
    states.c.clauses, states.c.switch, states.c.switch_port, states.c.vlan, spans.c.last_run_id,
    states.c.ports, spans.c.first_run_id, spans.c.state_id, devices.c.site_id, states.c.behind,
)  # fmt: skip
_NAMES = [c.name for c in _COLUMNS]


@lru_cache(maxsize=4096)
def _strings(text: str) -> tuple[str, ...]:
    """A JSON list of strings (policies, clauses) as stored; few distinct values, parsed once."""
    return tuple(json.loads(text))


def _when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Runs:
    """Every run of the sites in the report: id → (site, time), and each site's run ids."""

    def __init__(self, conn: Connection, site_ids: Sequence[int]) -> None:
        moment = func.coalesce(runs.c.started_at, runs.c.recorded_at)
        query = (
            select(
                runs.c.id,
                runs.c.site_id,
                runs.c.recorded_at,
                moment,
                runs.c.recorders,
                runs.c.unread,
            )
            .where(runs.c.site_id.in_(site_ids))
            .order_by(runs.c.id)
        )
        self.recorded: dict[int, datetime] = {}
        self.day: dict[int, date] = {}
        self.by_site: dict[int, list[int]] = defaultdict(list)
        self.recorders: dict[int, dict[str, str]] = {}  # run → recorder → "" or why not read
        self.unread: dict[int, dict[str, str]] = {}  # run → device key → why a probe could not
        for run_id, site_id, recorded, at, recorders, unread in conn.execute(query):
            self.recorded[run_id] = _when(recorded)
            self.day[run_id] = _when(at).astimezone(UTC).date()
            self.by_site[site_id].append(run_id)
            if recorders:
                self.recorders[run_id] = json.loads(recorders)
            if unread:
                self.unread[run_id] = json.loads(unread)

    def unenumerated(self, site_id: int) -> dict[str, tuple[int, str]]:
        """Recorders whose channels the site's latest run did not read: address → (the last
        run that read them, why the latest did not). Recorders never read are left out."""
        ids = self.by_site[site_id]
        latest = self.recorders.get(ids[-1], {})
        out = {}
        for recorder, why in latest.items():
            if not why:
                continue
            for run_id in reversed(ids[:-1]):
                earlier = self.recorders.get(run_id)
                if earlier is None:  # recorded before runs said: cannot tell
                    break
                if earlier.get(recorder) == "":
                    out[recorder] = (run_id, why)
                    break
        return out

    def after(self, site_id: int, run_id: int) -> int | None:
        """The site's run right after ``run_id``."""
        ids = self.by_site[site_id]
        i = bisect.bisect_right(ids, run_id)
        return ids[i] if i < len(ids) else None


def _device(
    site: str, row: Sequence[Any], run_times: _Runs, ack: Ack | None, today: date, present: bool,
    ports_of: dict[str, tuple[str, str | None, int | None]] | None = None,
    unverified: str | None = None,
) -> EstateDevice:  # fmt: skip
    """``ports_of``: the site's recorders' switch, port and VLAN by address; ``unverified``: why
    the latest run did not look at the device (it is then carried from its last run)."""
    (key, first_run, address, mac, serial, vendor, brand, model, firmware, device_type,
     confidence, restricted, suspected, policies, clauses, switch, port, vlan, last_run,
     _ports, _since, _state, _site, behind) = row  # fmt: skip
    first = run_times.recorded.get(first_run) or run_times.recorded[last_run]
    recorder, channel = behind.rsplit("#", 1) if behind else (None, None)
    rec_switch, rec_port, rec_vlan = (ports_of or {}).get(recorder or "", (None, None, None))
    # Rows of camscan's own schema, already of the model's types: constructed without
    # validation, which would cost about a second for an estate of 50,000 devices.
    return EstateDevice.model_construct(
        site=site, key=key, address=address, mac=mac, serial=serial, vendor=vendor,
        brand=brand, model=model, firmware=firmware, device_type=device_type,
        confidence=float(confidence), restricted=bool(restricted), suspected=bool(suspected),
        policies=list(_strings(policies)), clauses=list(_strings(clauses)),
        location=Location.model_construct(
            site=site, address=address, switch=switch, port=port, vlan=vlan, recorder=recorder,
            channel=None if channel is None else int(channel), recorder_switch=rec_switch,
            recorder_port=rec_port, recorder_vlan=rec_vlan),
        first_seen=first, last_seen=run_times.recorded[last_run], present=present,
        unverified=unverified,
        ack=None if ack is None else AckInfo(
            reason=ack.reason, until=ack.until, created_at=_when(ack.created_at),
            active=ack.active(today),
        ),
    )  # fmt: skip


def _rows_at(conn: Connection, picks: dict[int, int]) -> dict[int, dict[str, Any]]:
    """Per site id, its devices (rows of ``_COLUMNS`` by key) in the run ``picks[site]``:
    one query for every site (see :func:`camscan.store.queries.spans_at`)."""
    out: dict[int, dict[str, Any]] = {site: {} for site in picks}
    ids = sorted(picks.values())
    pick = runs.alias("pick")
    join, present = spans_at(pick.c.site_id, pick.c.id)
    for i in range(0, len(ids), 500):
        query = (
            select(*_COLUMNS)
            .select_from(join.join(states, states.c.id == spans.c.state_id))
            .join(devices, devices.c.id == spans.c.device_id)
            .join(pick, and_(pick.c.id.in_(ids[i : i + 500]), present))
            .order_by(devices.c.key)
        )
        for row in conn.execute(query).all():
            out[row[22]][row[0]] = row
    return out


def _carried(
    conn: Connection, site_id: int, run_times: _Runs, now_rows: dict[str, Any]
) -> dict[str, tuple[Sequence[Any], str]]:
    """Cameras behind a recorder whose channels the latest run did not read (login refused or
    not given): not looked at, so kept as the last run that read the recorder saw them, with
    the reason. A camera missing from a run that did read its recorder stays gone."""
    out: dict[str, tuple[Sequence[Any], str]] = {}
    for recorder, (run_id, why) in run_times.unenumerated(site_id).items():
        rows = _rows_at(conn, {site_id: run_id})[site_id]
        for key, row in rows.items():
            if key not in now_rows and row[23] and row[23].rsplit("#", 1)[0] == recorder:
                out[key] = (row, f"not enumerated in the latest run: {why}")
    return out


_READ = {name: _NAMES.index(name) for name in READ_FIELDS}


def _last_read(
    conn: Connection, site_id: int, run_id: int, run_times: _Runs, rows: dict[str, Any]
) -> dict[str, str]:
    """Fill in, in ``rows`` (run ``run_id``'s devices by key), the fields of
    :data:`camscan.diff.READ_FIELDS` that run could not read for a device (empty while a probe
    was refused the login or cut short) from the device's last earlier state that had them;
    returns key → a note saying so. A field no earlier run read stays empty."""
    notes: dict[str, str] = {}
    for key, why in run_times.unread.get(run_id, {}).items():
        row = rows.get(key)
        if row is None:
            continue
        blank = [f for f, i in _READ.items() if row[i] in (None, "unknown")]
        if not blank:
            continue
        query = (
            select(*_COLUMNS)
            .select_from(spans.join(states, states.c.id == spans.c.state_id))
            .join(devices, devices.c.id == spans.c.device_id)
            .where(devices.c.site_id == site_id, devices.c.key == key,
                   spans.c.last_run_id < run_id)
            .order_by(spans.c.last_run_id.desc())
        )  # fmt: skip
        for earlier in conn.execute(query):
            known = [f for f in blank if earlier[_READ[f]] not in (None, "unknown")]
            if known:
                patched = list(row)
                for f in known:
                    patched[_READ[f]] = earlier[_READ[f]]
                rows[key] = tuple(patched)
                day = run_times.recorded[earlier[18]].date().isoformat()
                notes[key] = f"{', '.join(known)} not read in the latest run ({why}): as read {day}"
                break
    return notes


def _counts(items: Iterable[tuple[str, EstateDevice]]) -> list[Count]:
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for name, d in items:
        c = tally[name]
        c["devices"] += 1
        c["restricted"] += d.counts_restricted
        c["suspected"] += d.suspected and not d.restricted
        c["acknowledged"] += bool(d.ack and d.ack.active and (d.restricted or d.suspected))
    rows = [Count(name=n, **c) for n, c in tally.items()]
    return sorted(rows, key=lambda c: (-c.restricted, -c.devices, c.name))


def _fields(old: Sequence[Any], new: Sequence[Any]) -> list[str]:
    if old[21] == new[21]:  # the same stored state: nothing differs
        return []
    a, b = dict(zip(_NAMES, old, strict=True)), dict(zip(_NAMES, new, strict=True))
    return [f for f in COMPARED if a[f] != b[f]]


def _series(
    conn: Connection, names: dict[int, str], run_times: _Runs, since: date | None,
    carried: Sequence[tuple[int, str, int]] = (),
) -> list[SeriesPoint]:  # fmt: skip
    """Restricted devices per run date, by site and by maker (a sweep over spans).

    ``carried``: (site id, maker, last run seen) of restricted cameras kept in the estate
    because their recorder's channels were not read since: counted on, as the estate counts
    them."""
    query = (
        select(devices.c.site_id, states.c.vendor, spans.c.first_run_id, spans.c.last_run_id)
        .select_from(spans.join(states, states.c.id == spans.c.state_id))
        .join(devices, devices.c.id == spans.c.device_id)
        .where(devices.c.site_id.in_(list(names)), states.c.restricted.is_(True))
    )
    delta: dict[int, Counter[str]] = defaultdict(Counter)  # run id → maker → +/- devices
    for site_id, vendor, first, last in conn.execute(query):
        maker = vendor or "unknown"
        delta[first][maker] += 1
        nxt = run_times.after(site_id, last)
        if nxt is not None:
            delta[nxt][maker] -= 1
    for site_id, maker, last in carried:
        nxt = run_times.after(site_id, last)
        if nxt is not None:
            delta[nxt][maker] += 1
    by_day: dict[date, dict[int, Counter[str]]] = defaultdict(dict)
    for site_id, site_runs in run_times.by_site.items():
        level: Counter[str] = Counter()
        for run_id in site_runs:
            level.update(delta.get(run_id, Counter()))
            by_day[run_times.day[run_id]][site_id] = +level  # the site's last run that day wins
    points = []
    current: dict[int, Counter[str]] = {}
    for day in sorted(by_day):
        current.update(by_day[day])
        if since is not None and day < since:
            continue
        makers: Counter[str] = Counter()
        for level in current.values():
            makers.update(level)
        points.append(
            SeriesPoint(
                day=day,
                by_site={names[s]: sum(c.values()) for s, c in sorted(current.items())},
                by_maker=dict(sorted(makers.items())),
            )
        )
    return points


def build_estate(
    conn: Connection,
    site: str | None,
    *,
    since: date | None = None,
    today: date | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Estate:
    """The estate of one site (``site``) or of every site (None), read in ``conn``."""
    today = today or date.today()
    query = select(sites.c.id, sites.c.name).order_by(sites.c.name)
    if site is not None:
        query = query.where(sites.c.name == site)
    names: dict[int, str] = {int(i): str(n) for i, n in conn.execute(query)}
    run_times = _Runs(conn, list(names))
    acks = {(a.site, a.key): a for a in list_acks(conn, site)}
    current: list[EstateDevice] = []
    changes: list[EstateChange] = []
    summaries: list[SiteSummary] = []
    kept: list[tuple[int, str, int]] = []  # restricted cameras carried: site, maker, last run
    latest_of: dict[int, int] = {}
    base_of: dict[int, int] = {}
    for site_id, site_runs in run_times.by_site.items():
        latest_of[site_id] = site_runs[-1]
        if since is None:
            before = site_runs[:-1]
        else:
            before = [r for r in site_runs if run_times.day[r] < since]
        if before:
            base_of[site_id] = before[-1]
    rows_now, rows_base = _rows_at(conn, latest_of), _rows_at(conn, base_of)
    for site_id, name in names.items():
        site_runs = run_times.by_site.get(site_id, [])
        if not site_runs:
            summaries.append(SiteSummary(site=name))
            continue
        latest = site_runs[-1]
        base = base_of.get(site_id)

        def ack_of(key: str, site_name: str = name) -> Ack | None:
            return acks.get((site_name, key)) or acks.get((ALL_SITES, key))

        def when(row: Sequence[Any]) -> datetime:  # the run the current state began in
            return run_times.recorded[row[20]]

        now_rows = rows_now[site_id]
        stale = _last_read(conn, site_id, latest, run_times, now_rows)
        if base is not None:
            _last_read(conn, site_id, base, run_times, rows_base[site_id])
        ports_of = {r[2]: (r[15], r[16], r[17]) for r in now_rows.values() if r[15]}
        here = [_device(name, r, run_times, ack_of(k), today, True, ports_of, stale.get(k))
                for k, r in now_rows.items()]  # fmt: skip
        carried = _carried(conn, site_id, run_times, now_rows)
        kept += [(site_id, r[5] or "unknown", r[18]) for r, _ in carried.values() if r[11]]
        here += [
            _device(name, r, run_times, ack_of(k), today, True, ports_of, why)
            for k, (r, why) in carried.items()
        ]
        current.extend(here)
        summaries.append(
            SiteSummary(
                site=name, last_run=run_times.recorded[latest], runs=len(site_runs),
                devices=len(here), restricted=sum(d.counts_restricted for d in here),
                suspected=sum(d.suspected and not d.restricted for d in here),
                acknowledged=sum(bool(d.ack and d.ack.active) for d in here),
            )
        )  # fmt: skip
        old_rows = rows_base.get(site_id, {})
        by_key = {d.key: d for d in here}
        for key, row in now_rows.items():
            old = old_rows.get(key)
            if old is None:
                back = base is not None and row[1] <= base
                kind = ChangeKind.BACK if back else ChangeKind.NEW
                changes.append(
                    EstateChange(kind=kind, device=by_key[key], at=by_key[key].last_seen)
                )
            elif fields := _fields(old, row):
                changes.append(
                    EstateChange(kind=ChangeKind.CHANGED, device=by_key[key], fields=fields,
                                 at=when(row))
                )  # fmt: skip
        for key, row in old_rows.items():
            if key not in now_rows and key not in carried:
                gone = _device(name, row, run_times, ack_of(key), today, False)
                missing_from = run_times.after(site_id, row[18]) or latest
                changes.append(
                    EstateChange(kind=ChangeKind.GONE, device=gone,
                                 at=run_times.recorded[missing_from])
                )  # fmt: skip
    return Estate(
        generated_at=now(),
        scope=[site] if site is not None else ["all"],
        since=since,
        sites=summaries,
        by_site=_counts((d.site, d) for d in current),
        by_maker=_counts((d.maker, d) for d in current),
        by_label=_counts((d.label, d) for d in current),
        by_policy=_counts((p, d) for d in current for p in d.policies),
        restricted=sorted((d for d in current if d.restricted), key=place),
        changes=sorted(changes, key=lambda c: (c.device.site, c.kind.value, c.device.key)),
        acknowledged=sorted((d for d in current if d.ack is not None), key=place),
        series=_series(conn, names, run_times, since, kept),
        devices=current,
    )

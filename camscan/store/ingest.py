"""Writing one run: one transaction, and only what changed since the site's previous run.

The caller opens the transaction; :func:`write_run` takes the site's write lock (PostgreSQL:
``pg_advisory_xact_lock``; SQLite: the ``BEGIN IMMEDIATE`` already held), inserts the run,
stores new identities and new states (with their observations) and extends the spans of
devices whose state did not change. Runs of different sites never wait for each other on
PostgreSQL; a killed writer leaves no trace because nothing is committed before the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from camscan.models import Observation
from camscan.store.identity import DeviceState
from camscan.store.schema import ambiguous_keys, devices, observations, runs, sites, spans, states

_SITE_LOCK = 0x63616D73  # first half of the advisory lock key: "cams"


@dataclass(frozen=True)
class Entry:
    """One device of a run: its state and the observations it was seen with."""

    state: DeviceState
    observations: Sequence[Observation]


def _insert_ignore(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).on_conflict_do_nothing(), rows)


def site_id(conn: Connection, name: str, *, create: bool) -> int | None:
    """The id of a site by name (created when asked; safe against a concurrent creator)."""
    if create:
        _insert_ignore(conn, sites, [{"name": name}])
    return conn.execute(select(sites.c.id).where(sites.c.name == name)).scalar()


def lock_site(conn: Connection, site: int) -> None:
    """Serialise writers of one site until the transaction ends (other sites are not held)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": _SITE_LOCK, "b": site})


def ambiguous_for(conn: Connection, site: int) -> set[str]:
    """Keys once seen shared by two devices at the site."""
    query = select(ambiguous_keys.c.key).where(ambiguous_keys.c.site_id == site)
    return set(conn.execute(query).scalars())


def channel_keys(conn: Connection, site: int) -> dict[str, tuple[str, str | None]]:
    """The site's latest run's cameras behind recorders: ``"<recorder>#<channel>"`` → (identity
    key, model); see :func:`camscan.store.identity.assign_keys`."""
    from camscan.store.queries import spans_at

    latest = select(func.max(runs.c.id)).where(runs.c.site_id == site).scalar_subquery()
    join, present = spans_at(site, latest)
    query = (
        select(states.c.behind, devices.c.key, states.c.model)
        .select_from(join.join(states, states.c.id == spans.c.state_id))
        .join(devices, devices.c.id == spans.c.device_id)
        .where(present, states.c.behind.is_not(None))
    )
    return {str(b): (str(k), m) for b, k, m in conn.execute(query)}


def _state_row(s: DeviceState, device_id: int, digest: str) -> dict[str, Any]:
    return {
        "device_id": device_id, "digest": digest, "address": s.address, "mac": s.mac,
        "serial": s.serial, "vendor": s.vendor, "brand": s.brand, "model": s.model,
        "firmware": s.firmware, "device_type": s.device_type, "confidence": s.confidence,
        "restricted": s.restricted, "suspected": s.suspected, "acknowledged": s.acknowledged,
        "policies": json.dumps(list(s.policies)), "clauses": json.dumps(list(s.clauses)),
        "ports": json.dumps(list(s.ports)), "switch": s.switch, "switch_port": s.switch_port,
        "vlan": s.vlan, "behind": s.behind,
    }  # fmt: skip


def _device_ids(conn: Connection, site: int, keys: list[str], run_id: int) -> dict[str, int]:
    query = select(devices.c.key, devices.c.id).where(devices.c.site_id == site)
    known = {str(k): int(i) for k, i in conn.execute(query)}
    fresh: list[dict[str, Any]] = [
        {"site_id": site, "key": k, "first_run_id": run_id} for k in keys if k not in known
    ]
    if fresh:
        ids = conn.execute(
            insert(devices).returning(devices.c.id, sort_by_parameter_order=True), fresh
        ).scalars()
        known.update(zip((r["key"] for r in fresh), ids, strict=True))
    return {k: known[k] for k in keys}


def _state_ids(
    conn: Connection, rows: list[tuple[int, str, Entry]], known: dict[int, tuple[int, str]]
) -> dict[int, int]:
    """State id per device id; new states are inserted with their observations.

    ``known``: device id → (state id, digest) of the site's previous run, which answers for
    every unchanged device; only the devices whose digest differs are looked up (a device may
    return to an earlier state) through the (device_id, digest) index.
    """
    found = {d: known[d][0] for d, g, _ in rows if d in known and known[d][1] == g}
    other = [(d, g, e) for d, g, e in rows if d not in found]
    if other:
        wanted = {(d, g) for d, g, _ in other}
        ids = sorted(wanted)
        for i in range(0, len(ids), 500):
            query = select(states.c.device_id, states.c.digest, states.c.id).where(
                states.c.device_id.in_([d for d, _ in ids[i : i + 500]])
            )
            found.update({d: s for d, g, s in conn.execute(query) if (d, g) in wanted})
    fresh = [(d, g, e) for d, g, e in other if d not in found]
    if fresh:
        new_ids = conn.execute(
            insert(states).returning(states.c.id, sort_by_parameter_order=True),
            [_state_row(e.state, d, g) for d, g, e in fresh],
        ).scalars()
        obs: list[dict[str, Any]] = []
        for (device_id, _, entry), state_id in zip(fresh, new_ids, strict=True):
            found[device_id] = state_id
            obs.extend(
                {"state_id": state_id, "signal": o.signal, "value": o.value, "port": o.port,
                 "source": o.source}
                for o in entry.observations
            )  # fmt: skip
        if obs:
            conn.execute(insert(observations), obs)
    return found


def previous_run(conn: Connection, site: int, before: int) -> int | None:
    """The site's run just before run ``before``."""
    query = select(func.max(runs.c.id)).where(runs.c.site_id == site, runs.c.id < before)
    return conn.execute(query).scalar()


def write_run(
    conn: Connection,
    site: int,
    run: dict[str, Any],
    entries: Sequence[Entry],
    shared: Iterable[str] = (),
) -> int:
    """Record one run of ``site`` (``run``: the runs columns but site_id/counts); its id."""
    lock_site(conn, site)
    counted = {
        "device_count": len(entries),
        "restricted_count": sum(
            1 for e in entries if e.state.restricted and not e.state.acknowledged
        ),
        "suspected_count": sum(1 for e in entries if e.state.suspected),
        "acknowledged_count": sum(1 for e in entries if e.state.acknowledged),
    }
    run_id = int(
        conn.execute(
            insert(runs).values(site_id=site, **run, **counted).returning(runs.c.id)
        ).scalar_one()
    )
    _insert_ignore(conn, ambiguous_keys, [{"site_id": site, "key": k} for k in sorted(shared)])
    device_ids = _device_ids(conn, site, [e.state.key for e in entries], run_id)
    prev = previous_run(conn, site, run_id)
    open_spans: dict[tuple[int, int], int] = {}
    known: dict[int, tuple[int, str]] = {}
    if prev is not None:
        query = (
            select(spans.c.device_id, spans.c.state_id, spans.c.id, states.c.digest)
            .join(states, states.c.id == spans.c.state_id)
            .where(spans.c.last_run_id == prev)
        )
        for d, s, i, g in conn.execute(query):
            open_spans[(d, s)] = i
            known[d] = (s, g)
    rows = [(device_ids[e.state.key], e.state.digest(e.observations), e) for e in entries]
    state_ids = _state_ids(conn, rows, known)
    extended: set[int] = set()
    start: list[dict[str, int]] = []
    for device_id, state_id in state_ids.items():
        span = open_spans.get((device_id, state_id))
        if span is not None:
            extended.add(span)
        else:
            start.append({"device_id": device_id, "state_id": state_id,
                          "first_run_id": run_id, "last_run_id": run_id})  # fmt: skip
    if extended:  # most devices are unchanged: move every open span on, then take back the few
        conn.execute(update(spans).where(spans.c.last_run_id == prev).values(last_run_id=run_id))
        ended = [i for i in open_spans.values() if i not in extended]
        for i in range(0, len(ended), 500):
            conn.execute(
                update(spans).where(spans.c.id.in_(ended[i : i + 500])).values(last_run_id=prev)
            )
    if start:
        conn.execute(insert(spans), start)
    return run_id

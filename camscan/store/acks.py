"""Acknowledgements: a known device still shows in every report but no longer fails the run.

An acknowledgement belongs to a site (or to every site, stored as ``*``) and an identity key,
and holds until the end of its ``until`` day. History is the only authority: applying the
acknowledgements to a document also *clears* an acknowledgement the document carries from an
earlier run when it has expired or was withdrawn, so ``camscan identify`` of a saved document
never keeps an acknowledgement that no longer holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from camscan.models import PolicyResult, ScanDocument
from camscan.store.schema import ALL_SITES, acks


@dataclass(frozen=True)
class Ack:
    """An acknowledged device at a site (``*``: every site)."""

    site: str
    key: str
    reason: str
    until: date | None
    created_at: str

    def active(self, today: date) -> bool:
        """True until the end of the ``until`` day."""
        return self.until is None or today <= self.until


def apply_acks(
    doc: ScanDocument, acks_by_key: Mapping[str, Ack], today: date, keys: Sequence[str]
) -> ScanDocument:
    """Mark devices (``keys[i]`` is ``doc.devices[i]``'s identity) with their active ack.

    ``policy.acknowledged`` becomes the reason and its expiry ("… (until 2027-03-31)"), so
    every report format shows both. A device without an active acknowledgement loses any it
    carried in the document.
    """
    devices = []
    for key, d in zip(keys, doc.devices, strict=True):
        ack = acks_by_key.get(key)
        reason = None
        if ack is not None and ack.active(today):
            reason = ack.reason + (f" (until {ack.until})" if ack.until else "")
        if d.policy.acknowledged != reason:
            policy = PolicyResult(
                restricted=d.policy.restricted,
                suspected=d.policy.suspected,
                matches=d.policy.matches,
                acknowledged=reason,
            )
            d = d.model_copy(update={"policy": policy})
        devices.append(d)
    return doc.model_copy(update={"devices": devices})


def _row(r: Sequence[object]) -> Ack:
    return Ack(
        site=str(r[0]),
        key=str(r[1]),
        reason=str(r[2]),
        until=None if r[3] is None else date.fromisoformat(str(r[3])),
        created_at=str(r[4]),
    )


def list_acks(conn: Connection, site: str | None) -> list[Ack]:
    """Acknowledgements (expired ones included) of a site and of every site; None: all rows."""
    query = select(acks.c.site, acks.c.key, acks.c.reason, acks.c.until, acks.c.created_at)
    if site is not None:
        query = query.where(acks.c.site.in_([site, ALL_SITES]))
    return [_row(r) for r in conn.execute(query.order_by(acks.c.site, acks.c.key))]


def acks_for(conn: Connection, site: str) -> dict[str, Ack]:
    """The acknowledgements that apply at ``site`` by key (a site's own beats an all-sites one)."""
    out: dict[str, Ack] = {}
    for ack in list_acks(conn, site):
        if ack.site == site or ack.key not in out:
            out[ack.key] = ack
    return out


def upsert_ack(conn: Connection, ack: Ack) -> None:
    """Store an acknowledgement, replacing the site's earlier one for the same key."""
    values = {
        "site": ack.site,
        "key": ack.key,
        "reason": ack.reason,
        "until": ack.until.isoformat() if ack.until else None,
        "created_at": ack.created_at,
    }
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(acks).values(**values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["site", "key"],
            set_={k: stmt.excluded[k] for k in ("reason", "until", "created_at")},
        )
    )


def delete_ack(conn: Connection, site: str, key: str) -> bool:
    """Withdraw an acknowledgement; False when there was none."""
    result = conn.execute(delete(acks).where(acks.c.site == site, acks.c.key == key))
    return result.rowcount > 0

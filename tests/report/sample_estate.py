"""A two-site estate (hq, depot) over five nightly runs, for the estate renderer tests.

Built directly as the :class:`camscan.estate.Estate` model, as ``camscan report`` would receive
it from the store, so these tests only change when the renderers do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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
)
from tests.report.sample_docs import HOSTILE

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
NDAA = "us-ndaa-889 §889(f)(3)(B)"


def _device(site: str, address: str, vendor: str, **extra: object) -> EstateDevice:
    fields: dict[str, object] = {
        "site": site,
        "key": f"ip:{address}",
        "address": address,
        "vendor": vendor,
        "device_type": "camera",
        "location": Location(site=site, address=address, switch=f"{site}-sw1",
                             port="Gi1/0/7", vlan=20),
        "first_seen": NOW - timedelta(days=4),
        "last_seen": NOW,
    }  # fmt: skip
    fields.update(extra)
    return EstateDevice.model_validate(fields)


def estate() -> Estate:
    hik = _device("hq", "192.0.2.21", "Hikvision", brand="LTS", model="CMIP3042W-28M",
                  mac="44:19:b6:12:34:56", restricted=True, policies=["us-ndaa-889"],
                  clauses=[NDAA])  # fmt: skip
    dahua = _device("depot", "198.51.100.30", "Dahua", brand="Amcrest", model="AMDV10814-H5",
                    device_type="recorder", restricted=True, policies=["us-ndaa-889"],
                    clauses=[NDAA], ack=AckInfo(reason="replacement ordered (ticket 4711)",
                                                until=date(2027, 3, 31), created_at=NOW,
                                                active=True))  # fmt: skip
    axis = _device("hq", "192.0.2.40", "Axis", model="P3245-LVE")
    hostile = _device("depot", "198.51.100.66", "unknown", brand=HOSTILE, model=HOSTILE)
    days = [date(2026, 11, 26) + timedelta(days=i) for i in range(5)]
    return Estate(
        generated_at=NOW,
        scope=["all"],
        sites=[
            SiteSummary(
                site="depot", last_run=NOW, runs=5, devices=2, restricted=1, acknowledged=1
            ),
            SiteSummary(site="hq", last_run=NOW, runs=5, devices=2, restricted=1),
        ],
        by_site=[
            Count(name="depot", devices=2, restricted=1, acknowledged=1),
            Count(name="hq", devices=2, restricted=1),
        ],
        by_maker=[
            Count(name="Axis", devices=1, restricted=0),
            Count(name="Dahua", devices=1, restricted=1, acknowledged=1),
            Count(name="Hikvision", devices=1, restricted=1),
            Count(name="unknown", devices=1, restricted=0),
        ],
        by_label=[
            Count(name="Amcrest", devices=1, restricted=1, acknowledged=1),
            Count(name="LTS", devices=1, restricted=1),
            Count(name=HOSTILE, devices=1, restricted=0),
        ],
        by_policy=[Count(name="us-ndaa-889", devices=2, restricted=2, acknowledged=1)],
        restricted=[hik, dahua],
        changes=[
            EstateChange(kind=ChangeKind.NEW, device=hostile, at=NOW),
            EstateChange(kind=ChangeKind.CHANGED, device=hik, fields=["firmware"], at=NOW),
        ],
        acknowledged=[dahua],
        series=[
            SeriesPoint(
                day=d,
                by_site={"hq": 1 + (i > 2), "depot": 1 + (i < 2)},
                by_maker={"Hikvision": 1 + (i > 2), "Dahua": 1 + (i < 2)},
            )
            for i, d in enumerate(days)
        ],
        devices=[hik, dahua, axis, hostile],
    )

"""The estate model: frozen, JSON round trip, counts over present devices only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pydantic
import pytest

from camscan.estate import AckInfo, ChangeKind, Estate, EstateChange, EstateDevice, Location

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def _device(key: str, *, restricted: bool, present: bool = True) -> EstateDevice:
    ack = AckInfo(reason="replacing in Q1", until=date(2027, 3, 31), created_at=NOW, active=True)
    return EstateDevice(
        site="hq",
        key=key,
        address="192.0.2.10",
        vendor="Hikvision" if restricted else "Axis",
        brand="LTS" if restricted else None,
        restricted=restricted,
        location=Location(site="hq", address="192.0.2.10", switch="sw1", port="Gi1/0/7", vlan=20),
        first_seen=NOW,
        last_seen=NOW,
        present=present,
        ack=ack if restricted else None,
    )


def test_estate_round_trips_through_json_and_counts_present_devices() -> None:
    hik = _device("mac:aa:bb:cc:00:00:01", restricted=True)
    gone = _device("mac:aa:bb:cc:00:00:02", restricted=True, present=False)
    axis = _device("mac:aa:bb:cc:00:00:03", restricted=False)
    estate = Estate(
        generated_at=NOW,
        scope=["all"],
        restricted=[hik],
        changes=[EstateChange(kind=ChangeKind.GONE, device=gone, at=NOW)],
        devices=[hik, gone, axis],
    )
    again = Estate.model_validate_json(estate.model_dump_json())
    assert again == estate
    # the restricted device is under an active acknowledgement: counted apart, as every
    # summary counts it; without the acknowledgement it is restricted again
    assert (estate.total_devices, estate.total_restricted) == (2, 0)
    unacked = estate.model_copy(update={"devices": [hik.model_copy(update={"ack": None}), gone,
                                                    axis]})  # fmt: skip
    assert unacked.total_restricted == 1
    assert (hik.maker, hik.label, axis.label) == ("Hikvision", "LTS", "Axis")


def test_estate_is_frozen_and_rejects_unknown_fields() -> None:
    estate = Estate(generated_at=NOW, scope=["hq"])
    with pytest.raises(pydantic.ValidationError):
        estate.scope = ["depot"]  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        Estate.model_validate({"generated_at": NOW.isoformat(), "scope": [], "extra": 1})


def test_restricted_heading_and_header_count_the_same_way() -> None:
    """The header's 'N restricted' and the section heading come from one count: acknowledged
    restricted devices are listed, and the heading says how many of them there are."""
    from camscan.report.estate_html import render_estate_html
    from camscan.report.estate_md import render_estate_markdown

    acked = _device("mac:aa:bb:cc:00:00:01", restricted=True)
    open_ = acked.model_copy(update={"key": "mac:aa:bb:cc:00:00:04", "ack": None})
    estate = Estate(generated_at=NOW, scope=["hq"], restricted=[open_, acked],
                    devices=[open_, acked])  # fmt: skip
    assert estate.total_restricted == 1
    assert estate.restricted_title == "Restricted devices (1 + 1 acknowledged)"
    markdown = render_estate_markdown(estate)
    assert ", 1 restricted, " in markdown
    assert "## Restricted devices (1 + 1 acknowledged)" in markdown
    assert "<h2>Restricted devices (1 + 1 acknowledged)</h2>" in render_estate_html(estate)
    plain = Estate(generated_at=NOW, scope=["hq"], restricted=[open_], devices=[open_])
    assert plain.restricted_title == "Restricted devices (1)"

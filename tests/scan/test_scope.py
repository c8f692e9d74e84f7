"""Scope parsing: nmap target syntax, exclusions, public-address and size guards."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from camscan.scope import ScopeError, build_scope, interface_info, parse_target, read_target_file


def addrs(*specs: str, exclude: tuple[str, ...] = (), **kw: object) -> list[str]:
    return [str(a) for a in build_scope(list(specs), list(exclude), **kw).addresses()]  # type: ignore[arg-type]


def test_cidr_skips_network_and_broadcast() -> None:
    got = addrs("192.0.2.0/24")
    assert got[0] == "192.0.2.1"
    assert got[-1] == "192.0.2.254"
    assert len(got) == 254
    assert addrs("192.0.2.4/31") == ["192.0.2.4", "192.0.2.5"]
    assert addrs("192.0.2.7/32") == ["192.0.2.7"]


def test_ranges_in_nmap_syntax() -> None:
    assert addrs("192.0.2.1-20") == [f"192.0.2.{i}" for i in range(1, 21)]
    assert len(addrs("192.0.2.1-192.0.2.40")) == 40
    assert addrs("192.0.2,3.1-2".replace("2,3", "2")) == ["192.0.2.1", "192.0.2.2"]
    assert addrs("198.51.100.1,3,5-6") == [f"198.51.100.{i}" for i in (1, 3, 5, 6)]
    assert len(addrs("192.0.2.*")) == 256


def test_overlaps_merge_and_sort() -> None:
    scope = build_scope(["192.0.2.10-20", "192.0.2.15-30", "192.0.2.5"])
    assert scope.describe() == ["192.0.2.5", "192.0.2.10-192.0.2.30"]
    assert len(scope) == 22
    assert "192.0.2.12" in scope
    assert "192.0.2.31" not in scope
    assert "nonsense" not in scope


def test_exclusions() -> None:
    got = addrs("192.0.2.0/24", exclude=("192.0.2.1-100", "192.0.2.200/29"))
    assert got[0] == "192.0.2.101"
    assert "192.0.2.203" not in got
    assert len(got) == 254 - 100 - 8
    with pytest.raises(ScopeError, match="empty"):
        build_scope(["192.0.2.5"], ["192.0.2.0/24"])


def test_public_addresses_refused_unless_allowed() -> None:
    with pytest.raises(ScopeError, match="globally routable"):
        build_scope(["8.8.8.8"])
    with pytest.raises(ScopeError, match=r"198\.51\.99\.255"):
        build_scope(["198.51.99.255-198.51.100.2"])
    assert addrs("8.8.8.8", allow_public=True) == ["8.8.8.8"]
    for private in ("10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "100.64.0.1"):
        assert addrs(private) == [private]


def test_multicast_never_scanned() -> None:
    with pytest.raises(ScopeError, match="multicast"):
        build_scope(["239.255.255.250"], allow_public=True)
    got = addrs("223.255.255.254-224.0.0.3", allow_public=True)
    assert got == ["223.255.255.254", "223.255.255.255"]


def test_max_hosts() -> None:
    assert len(build_scope(["10.0.0.0/16"])) == 65534
    with pytest.raises(ScopeError, match="max-hosts"):
        build_scope(["10.0.0.0/8"])
    with pytest.raises(ScopeError, match="max-hosts 100"):
        build_scope(["192.0.2.0/24"], max_hosts=100)


@pytest.mark.parametrize(
    "bad", ["", "192.0.2.300", "192.0.2.0/33", "192.0.2.20-10", "192.0.2", "*.*.*.*", "a b", "x;y"]
)
def test_bad_targets(bad: str) -> None:
    with pytest.raises(ScopeError):
        parse_target(bad)


def test_hostnames_need_a_resolver() -> None:
    with pytest.raises(ScopeError):
        parse_target("camera.example")
    table = {"camera.example": "192.0.2.9"}

    def resolve(name: str) -> str:
        if name not in table:
            raise OSError("unknown host")
        return table[name]

    assert addrs("camera.example", resolve=resolve) == ["192.0.2.9"]
    with pytest.raises(ScopeError, match="cannot resolve"):
        build_scope(["other.example"], resolve=resolve)


def test_target_file(tmp_path: Path) -> None:
    path = tmp_path / "targets.txt"
    path.write_text("# building A\n192.0.2.1 192.0.2.2\n\n198.51.100.0/30  # lab\n")
    assert read_target_file(path) == ["192.0.2.1", "192.0.2.2", "198.51.100.0/30"]
    assert read_target_file("-", stdin=lambda: "192.0.2.9\n") == ["192.0.2.9"]
    with pytest.raises(ScopeError, match="cannot read"):
        read_target_file(tmp_path / "missing")


def test_lazy_addresses_for_a_large_scope() -> None:
    scope = build_scope(["10.0.0.0/16"])
    first = next(iter(scope.addresses()))
    assert first == IPv4Address("10.0.0.1")
    assert scope.describe() == ["10.0.0.1-10.0.255.254"]


def test_interface_info_of_loopback_only() -> None:
    info = interface_info("lo")
    assert info is not None
    assert info.address == "127.0.0.1"
    assert interface_info("no-such-iface0") is None


def test_scope_matches_a_naive_set_model() -> None:
    """Interval arithmetic agrees with plain sets on random ranges inside 10.0.0.0/22."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    spans = st.lists(st.tuples(st.integers(0, 1023), st.integers(0, 40)), min_size=1, max_size=6)

    def spec(start: int, length: int) -> str:
        first = IPv4Address("10.0.0.0") + start
        last = IPv4Address("10.0.0.0") + min(start + length, 1023)
        return f"{first}-{last}"

    @settings(max_examples=150, deadline=None)
    @given(spans, st.lists(st.tuples(st.integers(0, 1023), st.integers(0, 40)), max_size=4))
    def check(wanted: list[tuple[int, int]], removed: list[tuple[int, int]]) -> None:
        model: set[IPv4Address] = set()
        for start, length in wanted:
            model |= {
                IPv4Address("10.0.0.0") + i for i in range(start, min(start + length, 1023) + 1)
            }
        for start, length in removed:
            model -= {
                IPv4Address("10.0.0.0") + i for i in range(start, min(start + length, 1023) + 1)
            }
        targets = [spec(*w) for w in wanted]
        excludes = [spec(*r) for r in removed]
        if not model:
            with pytest.raises(ScopeError):
                build_scope(targets, excludes)
            return
        scope = build_scope(targets, excludes)
        assert set(scope.addresses()) == model
        assert len(scope) == len(model)
        assert sum(n.num_addresses for n in scope.networks()) == len(model)

    check()


def test_target_file_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "targets.txt"
    path.write_text("192.0.2.1  # the recorder\n\n192.0.2.2 192.0.2.999\n", encoding="utf-8")
    with pytest.raises(ScopeError, match=r"targets\.txt:3: bad target '192\.0\.2\.999'"):
        read_target_file(path)
    with pytest.raises(ScopeError, match=r"<stdin>:1: give a host or network, not a URL"):
        read_target_file("-", stdin=lambda: "https://192.0.2.10/doc/page/login.asp\n")


@pytest.mark.parametrize("url", ["http://192.0.2.10/", "rtsp://192.0.2.10:554/live", "HTTPS://cam"])
def test_a_url_target_says_give_a_host(url: str) -> None:
    with pytest.raises(ScopeError, match="give a host or network, not a URL"):
        parse_target(url)

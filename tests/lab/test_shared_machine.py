"""Several people share one machine: `lab exec` never guesses whose lab, `down --all` spares
running labs (a detached one included). Found by a new user whose lab vanished mid-scan."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from camscan.lab import LabError, attach, down_all
from camscan.lab import cleanup as cleanupmod
from camscan.lab import netns as nsmod
from camscan.lab import state as statemod
from camscan.lab.state import HostState, LabState


def _state(lab_id: str, *, detached: bool, pid: int) -> LabState:
    return LabState(
        id=lab_id, name="small", topology="small.yaml", created=datetime.now(UTC),
        owner_pid=pid, detached=detached, bridge_netns=f"{lab_id}-br",
        auditor_netns=f"{lab_id}-aud", auditor_iface="eth0", auditor_addresses=["192.0.2.250"],
        scan_targets=["192.0.2.0/24"],
        hosts=[HostState(index=1, address="192.0.2.10", netns=f"{lab_id}-h1",
                         mac="02:00:00:00:00:01", persona="p.yaml", pid=pid)],
    )  # fmt: skip


@pytest.fixture
def two_labs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two running labs of two people: a detached one and a foreground one (both alive);
    yields the ids of the labs torn down (teardown itself is not run)."""
    labs = [
        _state("cs-aaaaaa", detached=True, pid=os.getpid()),
        _state("cs-bbbbbb", detached=False, pid=os.getpid()),
    ]
    monkeypatch.setattr(statemod, "list_labs", lambda: labs)
    monkeypatch.setattr(
        statemod, "read_state", lambda i: next((s for s in labs if s.id == i), None)
    )
    monkeypatch.setattr(nsmod, "lab_namespaces", lambda lab_id=None: [
        f"{s.id}-br" for s in labs if lab_id in (None, s.id)
    ])  # fmt: skip
    torn: list[str] = []
    monkeypatch.setattr(cleanupmod, "teardown", lambda lab_id, pids: torn.append(lab_id) or [])
    return torn  # the labs down_all tore down


def test_exec_without_lab_refuses_to_guess_between_running_labs(two_labs: list[str]) -> None:
    with pytest.raises(LabError, match=r"2 labs are running \(cs-aaaaaa \(small\), cs-bbbbbb"):
        attach(None)
    assert attach("cs-bbbbbb").id == "cs-bbbbbb"


def test_down_all_spares_running_labs_detached_included(two_labs: list[str]) -> None:
    report = down_all()
    assert set(report.skipped_live) == {"cs-aaaaaa", "cs-bbbbbb"}
    assert report.removed == ()
    assert two_labs == []
    forced = down_all(force=True)
    assert set(forced.removed) == {"cs-aaaaaa", "cs-bbbbbb"}
    assert sorted(two_labs) == ["cs-aaaaaa", "cs-bbbbbb"]

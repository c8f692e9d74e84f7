"""The simulated building: network namespaces, a bridge, and one process per fake device.

Public API::

    from camscan.lab import Lab, load_topology
    with Lab("examples/lab/building.yaml") as lab:      # or: async with Lab(...) as lab
        lab.exec(["camscan", "scan", "--iface", lab.auditor_iface, "192.0.2.0/24"])

Everything needs root (namespaces); :func:`lab_support_problem` says why a lab cannot run.
"""

from __future__ import annotations

from camscan.lab.cleanup import DownReport, down_all, teardown
from camscan.lab.netns import NetnsError, lab_support_problem
from camscan.lab.runner import Lab
from camscan.lab.state import (
    HostState,
    LabError,
    LabState,
    attach,
    lab_is_live,
    list_labs,
    read_state,
)
from camscan.lab.topology import HostSpec, Topology, TopologyError, host_mac, load_topology

__all__ = [
    "DownReport",
    "HostSpec",
    "HostState",
    "Lab",
    "LabError",
    "LabState",
    "NetnsError",
    "Topology",
    "TopologyError",
    "attach",
    "down_all",
    "host_mac",
    "lab_is_live",
    "lab_support_problem",
    "list_labs",
    "load_topology",
    "read_state",
    "teardown",
]

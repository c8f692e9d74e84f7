"""The discovery methods by name, in the order ``--methods`` lists them.

Every method is here, ARP and the TCP sweep included; the engine schedules them from what
each declares (``link``, ``unicast``, ``after``, ``budget``), never from its name.
"""

from __future__ import annotations

from camscan.discover.arp import ArpDiscovery
from camscan.discover.base import DiscoveryMethod
from camscan.discover.dhip import DhipDiscovery
from camscan.discover.imports import ImportDiscovery
from camscan.discover.infra import InfraDiscovery
from camscan.discover.mdns import MdnsDiscovery
from camscan.discover.sadp import SadpDiscovery
from camscan.discover.ssdp import SsdpDiscovery
from camscan.discover.tcp import TcpSweep
from camscan.discover.wsd import WsdDiscovery

METHODS: dict[str, DiscoveryMethod] = {
    "arp": ArpDiscovery(),
    "wsd": WsdDiscovery(),
    "mdns": MdnsDiscovery(),
    "ssdp": SsdpDiscovery(),
    "sadp": SadpDiscovery(),
    "dhip": DhipDiscovery(),
    "tcp": TcpSweep(),
    "infra": InfraDiscovery(),
    "import": ImportDiscovery(),
}
#: Methods that run only when their input is given (--infra, --import), not by default.
ON_REQUEST = frozenset({"infra", "import"})
MULTICAST = frozenset({"wsd", "mdns", "ssdp", "sadp", "dhip"})

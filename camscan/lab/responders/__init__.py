"""The simulated devices' protocol servers, one module per protocol.

Each ``start_*`` coroutine takes a :class:`~camscan.lab.responders.common.DeviceContext`
(persona, address, interface, MAC) plus its persona section and returns a
:class:`~camscan.lab.responders.common.Running` handle whose ``aclose()`` releases every
socket and task. :mod:`camscan.lab.device` starts all of one persona's responders.
"""

from camscan.lab.responders.common import DeviceContext, Running

__all__ = ["DeviceContext", "Running"]

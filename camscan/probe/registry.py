"""The probe registry: name → probe, in the order the engine should run them.

An explicit dict (as sslyze's scan-command registry): adding a probe means adding a line
here, and ``--probes`` names are these keys.
"""

from __future__ import annotations

from camscan.probe.banner import BannerProbe
from camscan.probe.base import Probe
from camscan.probe.http import HttpProbe
from camscan.probe.onvif import OnvifProbe
from camscan.probe.recorder.probe import RecorderProbe
from camscan.probe.rtsp import RtspProbe
from camscan.probe.snmp import SnmpProbe
from camscan.probe.tls import TlsProbe

PROBES: dict[str, Probe] = {
    "http": HttpProbe(),
    "onvif": OnvifProbe(),
    "rtsp": RtspProbe(),
    "tls": TlsProbe(),
    "banner": BannerProbe(),
    "snmp": SnmpProbe(),
    "recorder": RecorderProbe(),
}

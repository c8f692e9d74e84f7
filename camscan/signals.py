"""The signal vocabulary: every observation's ``signal`` is one of these names.

Names ending in ``.*`` are families: any suffix is allowed (``sadp.DeviceDescription``).
Signature rules may only match signals listed here, so a typo in a signature file is caught
by ``camscan signatures validate``.
"""

from __future__ import annotations

SIGNALS: dict[str, str] = {
    "http.server": "HTTP `Server` header value.",
    "http.title": "Text of the HTML <title> of the page at / (after same-host redirects).",
    "http.www_authenticate": "HTTP `WWW-Authenticate` header value (auth scheme and realm).",
    "http.header": "Any other chosen HTTP header, as 'Name: value'.",
    "http.body": "A snippet of an HTTP response body (first bytes, capped).",
    "http.path": "A vendor path that answered with something other than 404, as '/path status'.",
    "http.favicon_md5": "MD5 hex digest of /favicon.ico bytes.",
    "http.favicon_mmh3": "Shodan-style MurmurHash3 (signed 32-bit) of base64-encoded favicon.",
    "http.redirect": "Location of a same-host redirect from /.",
    "rtsp.server": "RTSP `Server` header value.",
    "rtsp.www_authenticate": "RTSP `WWW-Authenticate` header value.",
    "rtsp.public": "RTSP `Public` header (methods) from OPTIONS.",
    "onvif.manufacturer": "ONVIF GetDeviceInformation Manufacturer.",
    "onvif.model": "ONVIF GetDeviceInformation Model.",
    "onvif.firmware": "ONVIF GetDeviceInformation FirmwareVersion.",
    "onvif.serial": "ONVIF GetDeviceInformation SerialNumber.",
    "onvif.hardware_id": "ONVIF GetDeviceInformation HardwareId.",
    "onvif.service": "Namespace of a service listed by GetServices/GetCapabilities.",
    "onvif.fault": "Fault subcode of a refused ONVIF call (e.g. ter:NotAuthorized).",
    "onvif.clock_offset": "Seconds between the device's UTC clock and ours.",
    "onvif.video_sources": "How many VideoSources ONVIF Media GetVideoSources lists (channels).",
    "onvif.profiles": "How many media profiles ONVIF Media GetProfiles lists.",
    "recorder.ip_channels": "How many IP channels a recorder's channel API listed (with a login).",
    "channel.manufacturer": "Maker a recorder reports for the camera on one of its channels.",
    "channel.model": "Model a recorder reports for a camera on one of its channels.",
    "channel.firmware": "Firmware version a recorder reports for a camera on a channel.",
    "channel.serial": "Serial number a recorder reports for a camera on a channel.",
    "channel.protocol": "How the recorder talks to the camera (ISAPI proxyProtocol, Dahua "
    "ProtocolType), e.g. HIKVISION, ONVIF, Private.",
    "channel.name": "The channel's name on the recorder.",
    "channel.online": "Whether the recorder reaches the camera (ISAPI online).",
    "channel.status": "The recorder's detection result for the channel (ISAPI chanDetectResult).",
    "channel.address": "The camera's address (and port) as the recorder reports it.",
    "wsd.scope": "One WS-Discovery scope URI (onvif://www.onvif.org/name/...).",
    "wsd.types": "WS-Discovery Types list as sent (QNames separated by spaces).",
    "wsd.endpoint": "WS-Discovery endpoint reference address (urn:uuid:...).",
    "wsd.xaddrs": "WS-Discovery XAddrs (service URLs).",
    "mdns.service": "mDNS service type and instance name, as 'type instance'.",
    "mdns.txt": "One mDNS TXT record entry, as 'key=value'.",
    "ssdp.server": "SSDP `SERVER` header.",
    "ssdp.st": "SSDP search target / notification type.",
    "upnp.manufacturer": "UPnP description <manufacturer>.",
    "upnp.model": "UPnP description <modelName> (and modelNumber when present).",
    "upnp.friendly_name": "UPnP description <friendlyName>.",
    "upnp.serial": "UPnP description <serialNumber>.",
    "sadp.*": "A field of a Hikvision SADP inquiry reply, e.g. sadp.DeviceDescription.",
    "dhip.*": "A field of a Dahua DHIP discovery reply, e.g. dhip.DeviceType, dhip.Vendor.",
    "tls.subject": "Subject DN of the TLS certificate (RFC 4514 string).",
    "tls.issuer": "Issuer DN of the TLS certificate (RFC 4514 string).",
    "snmp.sysdescr": "SNMP sysDescr.0.",
    "snmp.sysobjectid": "SNMP sysObjectID.0.",
    "snmp.oid": "Another OID (vendor identity, sysServices, Printer MIB), as 'OID = value'.",
    "ssh.banner": "SSH identification string.",
    "telnet.banner": "First bytes of a telnet service.",
    "tcp.open": "An open TCP port (value is the port number).",
    "tcp.banner": "First bytes a TCP service sent, non-printable bytes as \\xNN.",
    "arp.mac": "MAC address learned by ARP (value is the MAC).",
    "import.hint": "A vendor hint from an imported file (nmap MAC vendor or -sV product, a "
    "DHCP vendor class), as text.",
}


#: Signals whose values speak the same vocabulary as another signal's, so that one rule set
#: judges both: what a recorder reports for a camera (usually read from the camera's own ONVIF
#: GetDeviceInformation or SDK) is matched by the ``onvif.*`` rules.
ALIASES: dict[str, str] = {
    "channel.manufacturer": "onvif.manufacturer",
    "channel.model": "onvif.model",
    "channel.firmware": "onvif.firmware",
    "channel.serial": "onvif.serial",
}


def is_known(signal: str) -> bool:
    """True when ``signal`` is in the vocabulary (directly or through a ``family.*`` entry)."""
    if signal in SIGNALS:
        return True
    family, _, rest = signal.partition(".")
    return bool(rest) and f"{family}.*" in SIGNALS

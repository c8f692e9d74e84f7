"""Cameras behind recorders: with the user's login, ask an NVR which cameras it connects to.

One module per recorder API (:mod:`.hikvision` ISAPI InputProxy, :mod:`.dahua` RemoteDevice
configuration) and the probe that runs them (:mod:`.probe`). Read-only GETs only.
"""


class NotOffered(ValueError):
    """A documented "no such thing here" answer (an ISAPI ``ResponseStatus``, the Dahua CGI's
    ``Error``): the device does not offer this API, which is no malformed reply."""

"""Cameras behind recorders: with the user's login, ask an NVR which cameras it connects to.

One module per recorder API (:mod:`.hikvision` ISAPI InputProxy, :mod:`.dahua` RemoteDevice
configuration) and the probe that runs them (:mod:`.probe`). Read-only GETs only.
"""

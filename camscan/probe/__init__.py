"""Read-only probes run against each live host; see :mod:`camscan.probe.base`."""

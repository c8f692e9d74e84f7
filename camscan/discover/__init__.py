"""Discovery methods, one module each; see :mod:`camscan.discover.base`."""
